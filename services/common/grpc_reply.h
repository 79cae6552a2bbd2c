// Turns a handler's absl::StatusOr result into the gRPC reply, so handlers stay one line.
#pragma once

#include <grpcpp/support/status.h>

#include <grpcpp/server_context.h>

#include "absl/status/statusor.h"
#include "services/common/auth.h"
#include "services/common/status.h"

namespace sixsteps {

template <typename T>
grpc::Status Reply(absl::StatusOr<T> result, T* response) {
  if (!result.ok()) return ToGrpcStatus(result.status());
  *response = std::move(result).value();
  return grpc::Status::OK;
}

inline grpc::Status Reply(const absl::Status& status) { return ToGrpcStatus(status); }

// Authenticates the call, then replies with what `handle(caller)` returns. Every RPC that
// needs a signed-in caller goes through here, so none can forget to check.
template <typename Response, typename Handle>
grpc::Status Authenticated(const auth::TokenVerifier& verifier, grpc::ServerContext* context,
                           Response* response, Handle&& handle) {
  absl::StatusOr<auth::Caller> caller = verifier.Authenticate(*context);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  return Reply(handle(*caller), response);
}

}  // namespace sixsteps
