#include "services/common/callback_rpc.h"

#include <exception>
#include <optional>
#include <utility>
#include <vector>

#include <grpcpp/impl/service_type.h>

#include "absl/strings/str_cat.h"
#include "services/common/callback_serving.h"
#include "services/common/log.h"
#include "services/common/server.h"

namespace sixsteps::rpc {
namespace {

std::vector<CallbackMethod>& Registry() {
  static auto* methods = new std::vector<CallbackMethod>();
  return *methods;
}

// grpc::Service's protected members that the generated `WithCallbackMethod_` templates use,
// made callable on any service (the using-declarations make them public here).
struct ServiceMethods : grpc::Service {
  using grpc::Service::GetHandler;
  using grpc::Service::MarkMethodCallback;
  using grpc::Service::MarkMethodRawCallback;
};

absl::string_view MetadataValue(const std::multimap<grpc::string_ref, grpc::string_ref>& metadata,
                                absl::string_view key, bool* found) {
  auto it = metadata.find(grpc::string_ref(key.data(), key.size()));
  *found = it != metadata.end();
  if (!*found) return {};
  return absl::string_view(it->second.data(), it->second.size());
}

// The unary method of the proto service in `method`'s request file that `method` names, with
// its request and response types; nullptr unless exactly one matches.
const google::protobuf::MethodDescriptor* ProtoMethodOf(const CallbackMethod& method) {
  const google::protobuf::Descriptor* request = method.request();
  const google::protobuf::Descriptor* response = method.response();
  const google::protobuf::FileDescriptor* file = request->file();
  const google::protobuf::MethodDescriptor* found = nullptr;
  for (int i = 0; i < file->service_count(); ++i) {
    const google::protobuf::MethodDescriptor* candidate =
        file->service(i)->FindMethodByName(method.name);
    if (candidate == nullptr || candidate->input_type() != request ||
        candidate->output_type() != response || candidate->client_streaming() ||
        candidate->server_streaming()) {
      continue;
    }
    if (found != nullptr) return nullptr;
    found = candidate;
  }
  return found;
}

}  // namespace

bool RegisterCallbackMethod(const CallbackMethod& method) {
  Registry().push_back(method);
  return true;
}

void IdentifyCaller(const CallbackCall& call, auth::Caller& caller) {
  caller.request_id = call.request_id();
  caller.traceparent = call.ChildTraceparent();  // traces (H8)
}

CallbackServing::CallbackServing(std::shared_ptr<MethodSeriesTable> series,
                                 std::shared_ptr<admission::Gate> gate, int max_threads,
                                 int max_queued)
    : series_(std::move(series)), gate_(std::move(gate)), executor_(max_threads, max_queued) {}

std::vector<std::string> CallbackServing::ServeRegisteredMethods(grpc::Service& service,
                                                                 bool every_method) {
  std::vector<std::string> paths;
  for (const CallbackMethod& method : Registry()) {
    if (!method.implemented_by(service) || !(every_method || method.raw)) continue;
    const google::protobuf::MethodDescriptor* proto = ProtoMethodOf(method);
    grpc::internal::MethodHandler* current =
        proto == nullptr ? nullptr : (service.*(&ServiceMethods::GetHandler))(proto->index());
    if (current == nullptr || !method.serves(current)) {
      // Served synchronously, as before; said once at start-up.
      LogEvent("callback_method_skipped", {{"method", method.name}});
      continue;
    }
    std::string path = absl::StrCat("/", proto->service()->full_name(), "/", proto->name());
    int slot = static_cast<int>(methods_.size());
    methods_.push_back(Method{path, series_->For(path)});
    grpc::internal::MethodHandler* handler = method.make_handler(service, *this, slot);
    if (method.raw) {
      (service.*(&ServiceMethods::MarkMethodRawCallback))(proto->index(), handler);
    } else {
      (service.*(&ServiceMethods::MarkMethodCallback))(proto->index(), handler);
    }
    paths.push_back(std::move(path));
  }
  return paths;
}

CallbackCall::CallbackCall(CallbackServing& serving, int slot,
                           const grpc::CallbackServerContext& context)
    : serving_(serving),
      method_(serving.methods_[slot]),
      start_(absl::Now()),
      deadline_(CallDeadlineOf(context.deadline())) {
  const auto& metadata = context.client_metadata();
  bool found = false;
  absl::string_view sent = MetadataValue(metadata, kRequestIdKey, &found);
  request_id_ = found && IsValidRequestId(sent) ? std::string(sent) : NewRequestId();
  absl::string_view traceparent = MetadataValue(metadata, trace::kTraceparentKey, &found);
  span_ = trace::StartSpan(found ? std::optional<absl::string_view>(traceparent) : std::nullopt);
}

void CallbackCall::Finish(const grpc::Status& status, grpc::ServerUnaryReactor* reactor) {
  RecordCallEnd(*method_.series, method_.path, status, absl::Now() - start_, request_id_, span_);
  if (admitted_) serving_.gate_->Release();
  reactor->Finish(status);
}

grpc::ServerUnaryReactor* ServeOnExecutor(CallbackServing& serving, int slot,
                                          grpc::CallbackServerContext* context, CallBody body) {
  return ServeInlineOrOnExecutor(
      serving, slot, context, [](const CallbackCall*) { return std::optional<grpc::Status>(); },
      std::move(body));
}

grpc::ServerUnaryReactor* ServeInlineOrOnExecutor(CallbackServing& serving, int slot,
                                                  grpc::CallbackServerContext* context,
                                                  InlineBody first, CallBody body) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  auto call = std::make_unique<CallbackCall>(serving, slot, *context);
  context->AddInitialMetadata(kRequestIdKey, call->request_id());
  if (serving.gate_ != nullptr) {
    if (!serving.gate_->TryAdmit(serving.methods_[slot].path)) {
      call->Finish(ToGrpcStatus(admission::ShedStatus()), reactor);
      return reactor;
    }
    call->set_admitted();
  }
  std::optional<grpc::Status> answered;
  try {
    CallDeadlineScope deadline(call->deadline());
    answered = first(call.get());
  } catch (const std::exception& e) {
    LogEvent("handler_exception", {{"error", e.what()}, {"request_id", call->request_id()}});
    answered = grpc::Status(grpc::StatusCode::UNKNOWN, "Unexpected error in RPC handling");
  }
  if (answered.has_value()) {
    call->Finish(*answered, reactor);
    return reactor;
  }
  CallbackCall* served = call.get();
  bool queued = serving.executor_.TrySubmit([served, body = std::move(body), reactor] {
    std::unique_ptr<CallbackCall> owned(served);
    grpc::Status status;
    try {
      CallDeadlineScope deadline(owned->deadline());
      status = body(*owned);
    } catch (const std::exception& e) {
      // As gRPC's synchronous server answers a handler that throws.
      LogEvent("handler_exception", {{"error", e.what()}, {"request_id", owned->request_id()}});
      status = grpc::Status(grpc::StatusCode::UNKNOWN, "Unexpected error in RPC handling");
    }
    owned->Finish(status, reactor);
  });
  if (queued) {
    call.release();  // owned by the task now
  } else {
    call->Finish(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                              "the server is busy; retry with backoff"),
                 reactor);
  }
  return reactor;
}

}  // namespace sixsteps::rpc
