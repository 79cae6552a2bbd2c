// The callback side of one RunningServer (callback_rpc.h): the server's executor, its
// admission gate, and the metrics series of each method it serves by callback. Used by
// server.cc and callback_rpc.cc only.
#pragma once

#include <deque>
#include <memory>
#include <string>
#include <vector>

#include <grpcpp/server_context.h>

#include "absl/time/time.h"
#include "services/common/admission.h"
#include "services/common/call_record.h"
#include "services/common/callback_rpc.h"
#include "services/common/executor.h"
#include "services/common/trace_context.h"

namespace grpc {
class Service;
}  // namespace grpc

namespace sixsteps::rpc {

class CallbackServing {
 public:
  // `gate`: the server's admission gate, or nullptr when it has no limit. The executor has
  // at most `max_threads` threads and `max_queued` calls waiting for one.
  CallbackServing(std::shared_ptr<MethodSeriesTable> series, std::shared_ptr<admission::Gate> gate,
                  int max_threads, int max_queued);
  CallbackServing(const CallbackServing&) = delete;
  CallbackServing& operator=(const CallbackServing&) = delete;

  // Marks every method of `service` registered by SIXSTEPS_RPC as a callback method served
  // here (`every_method`, --grpc_callback_api), or only those with a fast path
  // (SIXSTEPS_RPC_WITH_FAST_PATH), before the service is registered with the server's
  // builder. Returns their paths ("/sixsteps.framework.v1.FrameworkService/GetFramework"),
  // which the interceptors skip.
  std::vector<std::string> ServeRegisteredMethods(grpc::Service& service, bool every_method);

  BoundedExecutor& executor() { return executor_; }

 private:
  friend class CallbackCall;
  friend grpc::ServerUnaryReactor* ServeOnExecutor(CallbackServing& serving, int slot,
                                                   grpc::CallbackServerContext* context,
                                                   CallBody body);
  friend grpc::ServerUnaryReactor* ServeInlineOrOnExecutor(CallbackServing& serving, int slot,
                                                           grpc::CallbackServerContext* context,
                                                           InlineBody first, CallBody body);

  struct Method {
    std::string path;
    MethodSeries* series;
  };

  std::shared_ptr<MethodSeriesTable> series_;
  std::shared_ptr<admission::Gate> gate_;
  std::deque<Method> methods_;  // by slot; a deque, so that a Method never moves
  // Last: destroyed first, so that its threads end before what they use.
  BoundedExecutor executor_;
};

// One call of a callback method, made on gRPC's thread when the call arrives and destroyed
// once it is finished.
class CallbackCall {
 public:
  CallbackCall(CallbackServing& serving, int slot, const grpc::CallbackServerContext& context);

  const std::string& request_id() const { return request_id_; }
  absl::Time deadline() const { return deadline_; }
  std::string ChildTraceparent() const { return span_.ChildTraceparent(); }

  void set_admitted() { admitted_ = true; }
  // Logs the call's line, records its metrics, gives back its admission slot and finishes
  // the call with `status`.
  void Finish(const grpc::Status& status, grpc::ServerUnaryReactor* reactor);

 private:
  CallbackServing& serving_;
  const CallbackServing::Method& method_;
  const absl::Time start_;
  const absl::Time deadline_;
  std::string request_id_;
  trace::Span span_;
  bool admitted_ = false;
};

}  // namespace sixsteps::rpc
