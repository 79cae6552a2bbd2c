// Turns a handler's absl::StatusOr result into the gRPC reply, so handlers stay one line.
#pragma once

#include <grpcpp/support/status.h>

#include "absl/status/statusor.h"
#include "services/common/status.h"

namespace sixsteps {

template <typename T>
grpc::Status Reply(absl::StatusOr<T> result, T* response) {
  if (!result.ok()) return ToGrpcStatus(result.status());
  *response = std::move(result).value();
  return grpc::Status::OK;
}

inline grpc::Status Reply(const absl::Status& status) { return ToGrpcStatus(status); }

}  // namespace sixsteps
