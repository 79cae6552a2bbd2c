// Status helpers shared by every service: absl::Status inside, grpc::Status at the edge.
#pragma once

#include <grpcpp/support/status.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace sixsteps {

// Maps an absl::Status to the grpc::Status sent to the client. The one place the mapping
// lives; the codes have the same numbers, the switch makes the mapping explicit.
grpc::Status ToGrpcStatus(const absl::Status& status);

// Maps a grpc::Status received from another service back into an absl::Status.
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace sixsteps

// Abseil 20220623 has no RETURN_IF_ERROR / ASSIGN_OR_RETURN: these are the small versions.
#define SIXSTEPS_RETURN_IF_ERROR(expr)                   \
  do {                                                   \
    ::absl::Status sixsteps_status_ = (expr);            \
    if (!sixsteps_status_.ok()) return sixsteps_status_; \
  } while (0)

#define SIXSTEPS_CONCAT_INNER(a, b) a##b
#define SIXSTEPS_CONCAT(a, b) SIXSTEPS_CONCAT_INNER(a, b)
#define SIXSTEPS_ASSIGN_OR_RETURN(lhs, expr) \
  SIXSTEPS_ASSIGN_OR_RETURN_IMPL(SIXSTEPS_CONCAT(sixsteps_statusor_, __LINE__), lhs, expr)
#define SIXSTEPS_ASSIGN_OR_RETURN_IMPL(statusor, lhs, expr) \
  auto statusor = (expr);                                   \
  if (!statusor.ok()) return statusor.status();             \
  lhs = std::move(statusor).value()
