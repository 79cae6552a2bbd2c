#include "services/common/server.h"

#include <malloc.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <random>
#include <thread>

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/resource_quota.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>
#include <grpcpp/support/channel_arguments.h>
#include <grpcpp/support/server_interceptor.h>

#include <google/protobuf/descriptor.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/server_context.h>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "services/common/admission.h"  // faults (H5)
#include "services/common/call_record.h"
#include "services/common/callback_serving.h"
#include "services/common/config.h"
#include "services/common/log.h"
#include "services/common/metrics.h"
#include "services/common/tls.h"
#include "services/common/trace_context.h"  // traces (H8)

namespace sixsteps {
namespace {

// Debian builds Abseil without NDEBUG, which leaves absl::Mutex's deadlock detection on:
// every lock then records its place in one process-wide lock graph, under a global lock,
// and gRPC's own locks are absl::Mutex. That showed as a tenth of a service's CPU under
// load. Every process that links the server bootstrap turns it off before main runs.
const bool kMutexDeadlockDetectionOff = [] {
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  return true;
}();

// glibc gives each thread that contends for the heap an arena of its own, up to 8 per
// core, and keeps what each arena freed: with the server's threads that was about 5 MiB
// more resident after a burst of calls (docs/benchmarks.md, "Memory"). Two arenas are
// enough for two cores' worth of calls. MALLOC_ARENA_MAX in the environment still wins.
const bool kMallocArenasBounded = [] {
  if (std::getenv("MALLOC_ARENA_MAX") == nullptr) mallopt(M_ARENA_MAX, 2);
  return true;
}();

constexpr int kMinPollers = 2;
constexpr int kMaxPollers = 16;

// Calls of callback methods that may wait for one of the executor's threads; past that the
// server answers RESOURCE_EXHAUSTED. With a calls-in-flight limit (the default) that limit
// is what binds.
constexpr int kMaxQueuedCalls = 1024;

// The executor's threads: one per admitted call at most, and no more than the server's
// thread cap (the synchronous server's limit, kept for the methods served on it).
int ExecutorThreads(const ServerLimits& limits) {
  if (limits.max_calls_in_flight > 0)
    return std::min(limits.max_threads, limits.max_calls_in_flight);
  return limits.max_threads;
}

// Per call: takes or makes its request id (made visible to the handler in the client
// metadata, and echoed to the client in the initial metadata) and, when the server sends
// the status, logs one line and records the call's code and latency.
class CallLogInterceptor : public grpc::experimental::Interceptor {
 public:
  CallLogInterceptor(grpc::experimental::ServerRpcInfo* info, MethodSeries* series)
      : path_(info->method() != nullptr ? info->method() : ""),
        series_(series),
        start_(absl::Now()) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    using grpc::experimental::InterceptionHookPoints;
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      TakeRequestId(methods->GetRecvInitialMetadata());
      trace_.Start(methods->GetRecvInitialMetadata());  // traces (H8)
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_INITIAL_METADATA)) {
      if (!request_id_.empty()) {
        methods->GetSendInitialMetadata()->emplace(kRequestIdKey, request_id_);
      }
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      // The call's end: its status is about to be sent.
      RecordCallEnd(*series_, path_, methods->GetSendStatus(), absl::Now() - start_, request_id_,
                    trace_);
    }
    methods->Proceed();
  }

 private:
  // Keeps the client's request id if it is a sensible one, else makes one and puts it in
  // the received metadata in its place, so that RequestIdOf(context) finds it. The map
  // holds string_refs: the key is a literal and the value this interceptor's member, which
  // lives as long as the call's ServerContext.
  void TakeRequestId(std::multimap<grpc::string_ref, grpc::string_ref>* metadata) {
    if (metadata == nullptr) return;
    auto found = metadata->find(kRequestIdKey);
    if (found != metadata->end()) {
      absl::string_view sent(found->second.data(), found->second.size());
      if (IsValidRequestId(sent)) {
        request_id_ = std::string(sent);
        return;
      }
      metadata->erase(kRequestIdKey);
    }
    request_id_ = NewRequestId();
    metadata->emplace(grpc::string_ref(kRequestIdKey),
                      grpc::string_ref(request_id_.data(), request_id_.size()));
  }

  std::string path_;
  MethodSeries* series_;
  absl::Time start_;
  std::string request_id_;
  trace::ServerCallTrace trace_;  // traces (H8)
};

class CallLogInterceptorFactory : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  CallLogInterceptorFactory(std::shared_ptr<MethodSeriesTable> series,
                            std::shared_ptr<const absl::flat_hash_set<std::string>> skipped)
      : series_(std::move(series)), skipped_(std::move(skipped)) {}

  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    // Health probes arrive every few seconds; logging them would drown the real calls. The
    // methods served by callback log and count their calls themselves.
    if (info->method() != nullptr && (absl::StartsWith(info->method(), "/grpc.health.") ||
                                      skipped_->contains(absl::string_view(info->method())))) {
      return nullptr;
    }
    // The call's start.
    return new CallLogInterceptor(info,
                                  series_->For(info->method() != nullptr ? info->method() : ""));
  }

 private:
  std::shared_ptr<MethodSeriesTable> series_;
  std::shared_ptr<const absl::flat_hash_set<std::string>> skipped_;
};

}  // namespace

const char* StatusCodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return "OK";
    case grpc::StatusCode::CANCELLED:
      return "CANCELLED";
    case grpc::StatusCode::UNKNOWN:
      return "UNKNOWN";
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "INVALID_ARGUMENT";
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "DEADLINE_EXCEEDED";
    case grpc::StatusCode::NOT_FOUND:
      return "NOT_FOUND";
    case grpc::StatusCode::ALREADY_EXISTS:
      return "ALREADY_EXISTS";
    case grpc::StatusCode::PERMISSION_DENIED:
      return "PERMISSION_DENIED";
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return "RESOURCE_EXHAUSTED";
    case grpc::StatusCode::FAILED_PRECONDITION:
      return "FAILED_PRECONDITION";
    case grpc::StatusCode::ABORTED:
      return "ABORTED";
    case grpc::StatusCode::OUT_OF_RANGE:
      return "OUT_OF_RANGE";
    case grpc::StatusCode::UNIMPLEMENTED:
      return "UNIMPLEMENTED";
    case grpc::StatusCode::INTERNAL:
      return "INTERNAL";
    case grpc::StatusCode::UNAVAILABLE:
      return "UNAVAILABLE";
    case grpc::StatusCode::DATA_LOSS:
      return "DATA_LOSS";
    case grpc::StatusCode::UNAUTHENTICATED:
      return "UNAUTHENTICATED";
    default:
      return "UNKNOWN";
  }
}

std::string RequestIdOf(const grpc::ServerContext& context) {
  const auto& metadata = context.client_metadata();
  auto found = metadata.find(kRequestIdKey);
  if (found == metadata.end()) return "";
  return std::string(found->second.data(), found->second.size());
}

std::string NewRequestId() {
  thread_local std::mt19937_64 generator(std::random_device{}());
  char text[17];
  std::snprintf(text, sizeof(text), "%016llx", static_cast<unsigned long long>(generator()));
  return text;
}

bool IsValidRequestId(absl::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == ':' || c == '-';
    if (!ok) return false;
  }
  return true;
}

RunningServer::RunningServer(std::unique_ptr<rpc::CallbackServing> callbacks,
                             std::unique_ptr<grpc::Server> server, int port, std::string target)
    : callbacks_(std::move(callbacks)),
      server_(std::move(server)),
      port_(port),
      target_(std::move(target)) {}

RunningServer::~RunningServer() { Shutdown(absl::ZeroDuration()); }

absl::StatusOr<std::unique_ptr<RunningServer>> RunningServer::Start(
    const std::string& address, const std::vector<grpc::Service*>& services,
    std::shared_ptr<grpc::ServerCredentials> credentials, const ServerLimits& limits) {
  if (credentials == nullptr) credentials = grpc::InsecureServerCredentials();
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(address, credentials, &port);
  auto series = std::make_shared<MethodSeriesTable>();
  std::shared_ptr<admission::Gate> gate;
  if (limits.max_calls_in_flight > 0)
    gate = std::make_shared<admission::Gate>(limits.max_calls_in_flight);
  auto callbacks = std::make_unique<rpc::CallbackServing>(series, gate, ExecutorThreads(limits),
                                                          kMaxQueuedCalls);
  auto callback_paths = std::make_shared<absl::flat_hash_set<std::string>>();
  for (grpc::Service* service : services) {
    // Every SIXSTEPS_RPC method with --grpc_callback_api; those with a fast path always.
    for (std::string& path : callbacks->ServeRegisteredMethods(*service, limits.callback_api))
      callback_paths->insert(std::move(path));
    builder.RegisterService(service);
  }
  // Deliberate limits (see ServerLimits): a request over its size, or a response over its
  // size, fails that call with RESOURCE_EXHAUSTED; threads and buffer memory are capped
  // so that one client's calls and streams cannot take all of them.
  builder.SetMaxReceiveMessageSize(limits.max_receive_message_bytes);
  builder.SetMaxSendMessageSize(limits.max_send_message_bytes);
  grpc::ResourceQuota quota("sixsteps-server");
  quota.SetMaxThreads(limits.max_threads);
  quota.Resize(static_cast<size_t>(limits.memory_mb) * 1024 * 1024);
  builder.SetResourceQuota(quota);
  // The synchronous server lets a thread that finds itself one of more than MAX_POLLERS
  // idle threads exit, and makes new ones as calls arrive: under steady concurrent load
  // (the default of 2) that was a thread made and ended for most calls. Up to kMaxPollers
  // idle threads now wait for the next call instead (measured in docs/benchmarks.md).
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MIN_POLLERS, kMinPollers);
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MAX_POLLERS,
                              std::min(kMaxPollers, limits.max_threads));
  admission::ApplyTransportLimits(builder);  // faults (H5)
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> factories;
  factories.push_back(std::make_unique<CallLogInterceptorFactory>(series, callback_paths));
  if (gate != nullptr)                                                         // faults (H5)
    factories.push_back(admission::InterceptorFactory(gate, callback_paths));  // faults (H5)
  builder.experimental().SetInterceptorCreators(std::move(factories));
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  bool unix_socket = absl::StartsWith(address, "unix:");
  if (server == nullptr || (!unix_socket && port == 0)) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", address));
  }
  std::string target = address;
  if (!unix_socket) {
    std::string host = address.substr(0, address.rfind(':'));
    if (host.empty() || host == "0.0.0.0" || host == "[::]") host = "127.0.0.1";
    target = absl::StrCat(host, ":", port);
  }
  return std::unique_ptr<RunningServer>(
      new RunningServer(std::move(callbacks), std::move(server), port, target));
}

void RunningServer::Shutdown(absl::Duration grace) {
  if (shut_down_) return;
  shut_down_ = true;
  if (auto* health = server_->GetHealthCheckService()) health->Shutdown();
  server_->Shutdown(absl::ToChronoTime(absl::Now() + grace));
  server_->Wait();
}

namespace {

// Gives the heap that calls freed back to the operating system now and then. glibc keeps
// freed memory in its per-thread arenas, so after a burst (a feed catch-up, a load test)
// an idle service would otherwise stay at its peak resident size for good.
class HeapTrimmer {
 public:
  explicit HeapTrimmer(absl::Duration every) {
    thread_ = std::thread([this, every] {
      std::unique_lock<std::mutex> lock(mu_);
      while (!stopped_.wait_for(lock, absl::ToChronoNanoseconds(every), [this] { return stop_; })) {
        lock.unlock();
        malloc_trim(0);
        lock.lock();
      }
    });
  }
  ~HeapTrimmer() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    stopped_.notify_all();
    thread_.join();
  }

 private:
  std::mutex mu_;
  std::condition_variable stopped_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace

absl::Status Serve(const ServerConfig& config, const std::vector<grpc::Service*>& services,
                   const std::function<void()>& before_shutdown) {
  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials =
      ServerCredentialsFor(config.tls, config.listen_address);
  if (!credentials.ok()) return credentials.status();
  absl::StatusOr<std::unique_ptr<RunningServer>> server =
      RunningServer::Start(config.listen_address, services, *credentials, config.limits);
  if (!server.ok()) return server.status();
  metrics::MetricsServer metrics_server;
  if (!config.metrics_listen.empty()) {
    absl::Status started = metrics_server.Start(config.metrics_listen);
    if (!started.ok()) return started;
    LogEvent("metrics_serving",
             {{"address", config.metrics_listen}, {"port", metrics_server.port()}});
  }
  LogEvent("serving", {{"address", (*server)->target()},
                       {"tls", config.tls.enabled()},
                       {"max_threads", config.limits.max_threads},
                       {"memory_mb", config.limits.memory_mb},
                       {"max_receive_message_bytes", config.limits.max_receive_message_bytes},
                       {"max_send_message_bytes", config.limits.max_send_message_bytes},
                       {"max_calls_in_flight", config.limits.max_calls_in_flight}});  // faults (H5)
  HeapTrimmer trimmer(absl::Seconds(15));
  std::string signal = WaitForTermination();
  LogEvent("shutting_down", {{"signal", signal}});
  if (before_shutdown) before_shutdown();
  (*server)->Shutdown(config.shutdown_grace);
  // Scraped until the calls in flight have finished.
  metrics_server.Stop();
  LogEvent("stopped");
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> DialService(const std::string& address,
                                                           const ServerConfig& config) {
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials =
      ChannelCredentialsFor(config.tls);
  if (!credentials.ok()) return credentials.status();
  std::vector<std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>> tracing;
  tracing.push_back(trace::NewClientTraceInterceptorFactory());  // traces (H8)
  return grpc::experimental::CreateCustomChannelWithInterceptors(
      address, *credentials, ServiceChannelArguments(), std::move(tracing));
}

grpc::ChannelArguments ServiceChannelArguments() {
  grpc::ChannelArguments arguments;
  arguments.SetMaxSendMessageSize(kMaxRequestMessageBytes);
  arguments.SetMaxReceiveMessageSize(kMaxResponseMessageBytes);
  return arguments;
}

int StartupFailed(absl::string_view program, const absl::Status& status) {
  std::fprintf(stderr, "%s: %s\n", std::string(program).c_str(),
               std::string(status.message()).c_str());
  return status.code() == absl::StatusCode::kInvalidArgument ? 2 : 1;
}

void BlockTerminationSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

std::string WaitForTermination() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  int signal = 0;
  sigwait(&set, &signal);
  return signal == SIGTERM ? "SIGTERM" : "SIGINT";
}

}  // namespace sixsteps
