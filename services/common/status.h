// Status helpers shared by every service: absl::Status inside, grpc::Status at the edge.
#pragma once

#include <grpcpp/support/status.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "services/base/status_macros.h"  // Every user of the mapping returns early too.

namespace sixsteps {

// Maps an absl::Status to the grpc::Status sent to the client. The one place the mapping
// lives; the codes have the same numbers, the switch makes the mapping explicit.
grpc::Status ToGrpcStatus(const absl::Status& status);

// Maps a grpc::Status received from another service back into an absl::Status.
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace sixsteps
