// Turns a handler's absl::StatusOr result into the gRPC reply, so handlers stay one line.
#pragma once

#include <type_traits>

#include <grpcpp/server_context.h>
#include <grpcpp/support/status.h>

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

// Calls a service's handler for one RPC: `(service->*handler)(caller, request)`, or with the
// call's context as a third argument when the handler takes one (to read its deadline).
template <typename Service, typename Handler, typename Request>
auto InvokeHandler(Service* service, Handler handler, const auth::Caller& caller,
                   const Request& request, const grpc::ServerContext& context) {
  if constexpr (std::is_invocable_v<Handler, Service*, const auth::Caller&, const Request&,
                                    const grpc::ServerContext&>) {
    return (service->*handler)(caller, request, context);
  } else {
    return (service->*handler)(caller, request);
  }
}

}  // namespace sixsteps

// Defines the gRPC method `Class::Method` as: authenticate the caller with the class's
// `verifier()`, call its private handler `Do{Method}`, reply with what it returns. The one
// way an authenticated RPC is served, so that none can forget to check the caller and the
// handler of an RPC is found by the RPC's name.
#define SIXSTEPS_RPC(Class, Method, Request, Response)                                            \
  grpc::Status Class::Method(grpc::ServerContext* context, const Request* request,                \
                             Response* response) {                                                \
    return ::sixsteps::Authenticated(                                                             \
        verifier(), context, response, [&](const ::sixsteps::auth::Caller& caller) {              \
          return ::sixsteps::InvokeHandler(this, &Class::Do##Method, caller, *request, *context); \
        });                                                                                       \
  }

namespace sixsteps {}  // namespace sixsteps
