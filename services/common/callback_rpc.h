// Serving SIXSTEPS_RPC methods on gRPC's callback API (issue 18, "Serving").
//
// The services' classes override the generated synchronous methods
// (`grpc::Status Method(grpc::ServerContext*, const Request*, Response*)`), which SIXSTEPS_RPC
// defines. The macro also registers, before main runs, a callback handler for the same
// method; RunningServer::Start marks every registered method of the services it serves as a
// callback method (what the generated `WithCallbackMethod_` templates do, by the method's
// index in its proto service) with that handler. A call of such a method then:
//   1. on gRPC's callback thread: takes or makes its request id (echoed in the initial
//      metadata), starts its trace span, and is admitted or shed (admission.h); nothing
//      there blocks;
//   2. on the server's BoundedExecutor (executor.h), our own threads: checks the request
//      (CheckRequest: no NUL in a string field), authenticates the caller, runs the handler
//      `Do<Method>(caller, request)` with the call's deadline set for the database pool
//      (call_deadline.h), and replies;
//   3. logs its line and records its metrics (call_record.h), gives back its admission slot,
//      and finishes the call.
// None of gRPC's interceptors run for these methods: the interceptors stay for the methods
// still served synchronously (hand-written ones that need the mutable ServerContext, such as
// SignIn's retry-after trailer, and streams).
//
// A method defined with SIXSTEPS_RPC_WITH_FAST_PATH also has a handler `Fast<Method>(caller,
// request)` that never blocks and answers some calls with their encoded response (the
// assessment report from the replica's cache): such a method is served by callback whatever
// --grpc_callback_api says, as a raw method (the response is gRPC's ByteBuffer, so that bytes
// kept encoded are sent as they are, without a copy), and a call is answered on gRPC's thread
// when its caller's token was verified before (TokenVerifier::AuthenticateBearerIfVerified)
// and the fast handler has the answer. Any other call goes on to the executor as above.
//
// A handler that takes the synchronous API's `const grpc::ServerContext&` (a callback call
// has a grpc::CallbackServerContext instead, which does not convert to it) keeps its method
// on the synchronous API; one that takes `const grpc::ServerContextBase&` is served by
// callback with the call's context. Calling the synchronous method directly (unit tests)
// still runs the handler as before.
#pragma once

#include <algorithm>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <type_traits>

#include <google/protobuf/descriptor.h>
#include <grpcpp/impl/codegen/config_protobuf.h>
#include <grpcpp/impl/codegen/method_handler.h>
#include <grpcpp/impl/codegen/proto_utils.h>
#include <grpcpp/impl/codegen/server_callback_handlers.h>
#include <grpcpp/server_context.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/server_callback.h>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "services/common/auth.h"
#include "services/common/call_deadline.h"
#include "services/common/grpc_reply.h"
#include "services/common/request_strings.h"
#include "services/common/status.h"

namespace grpc {
class Service;
}  // namespace grpc

namespace sixsteps::rpc {

// The callback side of one RunningServer: its executor, admission gate and metrics
// (callback_serving.h).
class CallbackServing;
// One call being served on the callback API (callback_serving.h).
class CallbackCall;

// Gives `caller` the call's request id and trace context (on the synchronous API
// Authenticate reads them from the metadata the interceptor rewrote).
void IdentifyCaller(const CallbackCall& call, auth::Caller& caller);

// What runs on the executor for one call: authentication, the handler, the reply.
using CallBody = std::function<grpc::Status(const CallbackCall& call)>;

// Serves one call of the method that `serving` numbered `slot` (steps 1-3 above) and
// returns the call's reactor.
grpc::ServerUnaryReactor* ServeOnExecutor(CallbackServing& serving, int slot,
                                          grpc::CallbackServerContext* context, CallBody body);

// What runs on gRPC's thread once a call is admitted: the status to finish the call with, or
// nullopt to run `body` on the executor. Must not block. (The call by pointer: this Abseil's
// FunctionRef cannot take a reference to a type declared but not defined here.)
using InlineBody = absl::FunctionRef<std::optional<grpc::Status>(const CallbackCall* call)>;

// ServeOnExecutor, but a call that `first` answers is finished on gRPC's thread.
grpc::ServerUnaryReactor* ServeInlineOrOnExecutor(CallbackServing& serving, int slot,
                                                  grpc::CallbackServerContext* context,
                                                  InlineBody first, CallBody body);

// One SIXSTEPS_RPC method that can be served by callback, as registered before main.
struct CallbackMethod {
  const char* name;  // the RPC's name in its proto service, "GetFramework"
  // Whether `service` is of the class that defines the method.
  bool (*implemented_by)(grpc::Service& service);
  const google::protobuf::Descriptor* (*request)();
  const google::protobuf::Descriptor* (*response)();
  // Whether `handler` is the generated synchronous handler (or an earlier callback one) of
  // this method: a check that the index found from the descriptors is the right one.
  bool (*serves)(grpc::internal::MethodHandler* handler);
  grpc::internal::MethodHandler* (*make_handler)(grpc::Service& service, CallbackServing& serving,
                                                 int slot);
  // A raw method with a fast path (SIXSTEPS_RPC_WITH_FAST_PATH): its handler's messages are
  // ByteBuffers, and it is served by callback even without --grpc_callback_api.
  bool raw = false;
};

// Adds `method` to the methods RunningServer::Start serves by callback. Returns true.
bool RegisterCallbackMethod(const CallbackMethod& method);

// An RPC's name as a template argument.
template <size_t N>
struct MethodName {
  constexpr MethodName(const char (&name)[N]) { std::copy_n(name, N, text); }
  char text[N];
};

// One unary RPC of `Class` served by `Handler` (`Do<Method>`), authenticated with the
// class's `Verifier` (`verifier()`), or unauthenticated when `Verifier` is nullptr (then the
// handler is `Do<Method>(request)`; the benchmark's echo). `Fast`, when not nullptr, is the
// method's fast path: `std::optional<grpc::ByteBuffer> Fast<Method>(caller, request)`, the
// encoded response when it has it without blocking (authenticated methods only).
template <typename Class, typename Request, typename Response, auto Handler, auto Verifier,
          MethodName Name, auto Fast = nullptr>
class UnaryMethod {
 public:
  // The synchronous method's body.
  static grpc::Status ServeSync(Class* self, grpc::ServerContext* context, const Request* request,
                                Response* response) {
    static_cast<void>(&kRegistered);  // instantiates (and so runs) the registration
    CallDeadlineScope deadline(CallDeadlineOf(context->deadline()));
    if (grpc::Status bad = CheckRequest(*request); !bad.ok()) return bad;
    if constexpr (kAuthenticated) {
      return Authenticated((self->*Verifier)(), context, response, [&](const auth::Caller& caller) {
        return InvokeHandler(self, Handler, caller, *request, *context);
      });
    } else {
      return Reply((self->*Handler)(*request), response);
    }
  }

 private:
  static constexpr bool kAuthenticated = !std::is_same_v<decltype(Verifier), std::nullptr_t>;
  static constexpr bool kHasFastPath = !std::is_same_v<decltype(Fast), std::nullptr_t>;
  static_assert(!kHasFastPath || kAuthenticated, "a fast path is for authenticated methods");

  static constexpr bool NeedsServerContext() {
    if constexpr (kAuthenticated) {
      return std::is_invocable_v<decltype(Handler), Class*, const auth::Caller&, const Request&,
                                 const grpc::ServerContext&> &&
             !std::is_invocable_v<decltype(Handler), Class*, const auth::Caller&, const Request&,
                                  const grpc::CallbackServerContext&>;
    } else {
      return false;
    }
  }

  // The callback body, on the executor.
  static grpc::Status ServeCallback(Class* self, const grpc::CallbackServerContext& context,
                                    const Request& request, Response* response,
                                    const CallbackCall& call) {
    if (grpc::Status bad = CheckRequest(request); !bad.ok()) return bad;
    if constexpr (kAuthenticated) {
      absl::StatusOr<auth::Caller> caller =
          (self->*Verifier)().AuthenticateBearer(context.client_metadata());
      if (!caller.ok()) return ToGrpcStatus(caller.status());
      IdentifyCaller(call, *caller);
      return Reply(InvokeHandler(self, Handler, *caller, request, context), response);
    } else {
      return Reply((self->*Handler)(request), response);
    }
  }

  static grpc::internal::MethodHandler* MakeHandler(grpc::Service& service,
                                                    CallbackServing& serving, int slot) {
    Class* self = dynamic_cast<Class*>(&service);
    CallbackServing* on = &serving;
    return new grpc::internal::CallbackUnaryHandler<Request, Response>(
        [self, on, slot](grpc::CallbackServerContext* context, const Request* request,
                         Response* response) {
          return ServeOnExecutor(*on, slot, context,
                                 [self, context, request, response](const CallbackCall& call) {
                                   return ServeCallback(self, *context, *request, response, call);
                                 });
        });
  }

  // The fast path, on gRPC's thread: the encoded response put in `response`, or nullopt.
  static std::optional<grpc::Status> ServeFast(Class* self,
                                               const grpc::CallbackServerContext& context,
                                               const Request& request, grpc::ByteBuffer* response,
                                               const CallbackCall& call) {
    if constexpr (kHasFastPath) {
      if (grpc::Status bad = CheckRequest(request); !bad.ok()) return bad;
      std::optional<absl::StatusOr<auth::Caller>> caller =
          (self->*Verifier)().AuthenticateBearerIfVerified(context.client_metadata());
      if (!caller.has_value()) return std::nullopt;  // a signature to check: on the executor
      if (!caller->ok()) return ToGrpcStatus(caller->status());
      IdentifyCaller(call, **caller);
      std::optional<grpc::ByteBuffer> answer = (self->*Fast)(**caller, request);
      if (!answer.has_value()) return std::nullopt;
      *response = *std::move(answer);
      return grpc::Status::OK;
    } else {
      return std::nullopt;
    }
  }

  // A method with a fast path: the request parsed here, the response encoded by the fast
  // handler or, on the executor, from what `Handler` returns.
  static grpc::internal::MethodHandler* MakeRawHandler(grpc::Service& service,
                                                       CallbackServing& serving, int slot) {
    Class* self = dynamic_cast<Class*>(&service);
    CallbackServing* on = &serving;
    return new grpc::internal::CallbackUnaryHandler<grpc::ByteBuffer, grpc::ByteBuffer>(
        [self, on, slot](grpc::CallbackServerContext* context, const grpc::ByteBuffer* received,
                         grpc::ByteBuffer* response) {
          auto request = std::make_shared<Request>();
          grpc::ByteBuffer bytes(*received);  // shares the slices; Deserialize consumes it
          const grpc::Status parsed =
              grpc::SerializationTraits<Request>::Deserialize(&bytes, request.get());
          return ServeInlineOrOnExecutor(
              *on, slot, context,
              [&](const CallbackCall* call) -> std::optional<grpc::Status> {
                if (!parsed.ok()) return parsed;
                return ServeFast(self, *context, *request, response, *call);
              },
              [self, context, request, response](const CallbackCall& call) {
                Response message;
                grpc::Status status = ServeCallback(self, *context, *request, &message, call);
                if (!status.ok()) return status;
                bool own_buffer = false;
                return grpc::SerializationTraits<Response>::Serialize(message, response,
                                                                      &own_buffer);
              });
        });
  }

  static bool ImplementedBy(grpc::Service& service) {
    return dynamic_cast<Class*>(&service) != nullptr;
  }

  static bool Serves(grpc::internal::MethodHandler* handler) {
    using SyncHandler =
        grpc::internal::RpcMethodHandler<typename Class::Service, Request, Response,
                                         grpc::protobuf::MessageLite, grpc::protobuf::MessageLite>;
    using RawHandler = grpc::internal::CallbackUnaryHandler<grpc::ByteBuffer, grpc::ByteBuffer>;
    return dynamic_cast<SyncHandler*>(handler) != nullptr ||
           dynamic_cast<grpc::internal::CallbackUnaryHandler<Request, Response>*>(handler) !=
               nullptr ||
           (kHasFastPath && dynamic_cast<RawHandler*>(handler) != nullptr);
  }

  static bool Register() {
    static_assert(!kHasFastPath || !NeedsServerContext(),
                  "a method with a fast path is served by callback: its handler takes "
                  "const grpc::ServerContextBase&");
    if constexpr (NeedsServerContext()) {
      return false;  // stays on the synchronous API
    } else if constexpr (kHasFastPath) {
      return RegisterCallbackMethod(CallbackMethod{Name.text, &ImplementedBy, &Request::descriptor,
                                                   &Response::descriptor, &Serves, &MakeRawHandler,
                                                   /*raw=*/true});
    } else {
      return RegisterCallbackMethod(CallbackMethod{Name.text, &ImplementedBy, &Request::descriptor,
                                                   &Response::descriptor, &Serves, &MakeHandler});
    }
  }

  static inline const bool kRegistered = Register();
};

}  // namespace sixsteps::rpc
