// Turns a handler's absl::StatusOr result into the gRPC reply, so handlers stay one line.
#pragma once

#include <type_traits>

#include <grpcpp/server_context.h>
#include <grpcpp/support/status.h>

#include "absl/status/statusor.h"
#include "services/common/auth.h"
#include "services/common/request_strings.h"
#include "services/common/status.h"

namespace sixsteps {

template <typename T>
grpc::Status Reply(absl::StatusOr<T> result, T* response) {
  if (!result.ok()) return ToGrpcStatus(result.status());
  *response = std::move(result).value();
  return grpc::Status::OK;
}

inline grpc::Status Reply(const absl::Status& status) { return ToGrpcStatus(status); }

// The checks every request passes before its caller is authenticated or its handler runs
// (request_strings.h: no NUL character in a string field), as the status to answer: OK to
// go on. SIXSTEPS_RPC runs it; an RPC written by hand (a stream, or one that needs the
// mutable ServerContext) calls it first, and a client stream on every message it reads.
inline grpc::Status CheckRequest(const google::protobuf::Message& request) {
  return ToGrpcStatus(CheckRequestStrings(request));
}

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
// `Context` is grpc::ServerContext on the synchronous API and grpc::CallbackServerContext on
// the callback API (callback_rpc.h).
template <typename Service, typename Handler, typename Request, typename Context>
auto InvokeHandler(Service* service, Handler handler, const auth::Caller& caller,
                   const Request& request, const Context& context) {
  if constexpr (std::is_invocable_v<Handler, Service*, const auth::Caller&, const Request&,
                                    const Context&>) {
    return (service->*handler)(caller, request, context);
  } else {
    return (service->*handler)(caller, request);
  }
}

}  // namespace sixsteps

// Serving on gRPC's callback API behind the macro (issue 18): included here so that every
// file using SIXSTEPS_RPC gets it.
#include "services/common/callback_rpc.h"  // IWYU pragma: export

// Defines the gRPC method `Class::Method` as: authenticate the caller with the class's
// `verifier()`, call its private handler `Do{Method}`, reply with what it returns. The one
// way an authenticated RPC is served, so that none can forget to check the caller and the
// handler of an RPC is found by the RPC's name. With --grpc_callback_api (off by default) the
// method is served on gRPC's callback API with the handler on the server's own executor
// (callback_rpc.h), unless its handler takes the synchronous `const grpc::ServerContext&`;
// the synchronous method defined here serves everything else, direct calls (unit tests)
// and those methods.
#define SIXSTEPS_RPC(Class, Method, Request, Response)                                            \
  grpc::Status Class::Method(grpc::ServerContext* context, const Request* request,                \
                             Response* response) {                                                \
    return ::sixsteps::rpc::UnaryMethod<Class, Request, Response, &Class::Do##Method,             \
                                        &Class::verifier, #Method>::ServeSync(this, context,      \
                                                                              request, response); \
  }

// SIXSTEPS_RPC for a method whose class also has `std::optional<grpc::ByteBuffer>
// Fast{Method}(const auth::Caller&, const Request&) const`: the encoded response when it is
// at hand without blocking (a cached report), nullopt otherwise. The method is then served on
// gRPC's callback API whatever --grpc_callback_api says, a call the fast handler answers on
// gRPC's own thread and any other on the executor with `Do{Method}` (callback_rpc.h).
#define SIXSTEPS_RPC_WITH_FAST_PATH(Class, Method, Request, Response)                            \
  grpc::Status Class::Method(grpc::ServerContext* context, const Request* request,               \
                             Response* response) {                                               \
    return ::sixsteps::rpc::UnaryMethod<Class, Request, Response, &Class::Do##Method,            \
                                        &Class::verifier, #Method,                               \
                                        &Class::Fast##Method>::ServeSync(this, context, request, \
                                                                         response);              \
  }

// The same for an RPC that needs no caller (the benchmark's echo): its handler is
// `Do{Method}(request)`.
#define SIXSTEPS_UNAUTHENTICATED_RPC(Class, Method, Request, Response)                         \
  grpc::Status Class::Method(grpc::ServerContext* context, const Request* request,             \
                             Response* response) {                                             \
    return ::sixsteps::rpc::UnaryMethod<Class, Request, Response, &Class::Do##Method, nullptr, \
                                        #Method>::ServeSync(this, context, request, response); \
  }
