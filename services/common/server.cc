#include "services/common/server.h"

#include <signal.h>

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>
#include <grpcpp/support/server_interceptor.h>

#include <grpcpp/create_channel.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/common/config.h"
#include "services/common/log.h"
#include "services/common/tls.h"

namespace sixsteps {
namespace {

constexpr const char* StatusCodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK: return "OK";
    case grpc::StatusCode::CANCELLED: return "CANCELLED";
    case grpc::StatusCode::UNKNOWN: return "UNKNOWN";
    case grpc::StatusCode::INVALID_ARGUMENT: return "INVALID_ARGUMENT";
    case grpc::StatusCode::DEADLINE_EXCEEDED: return "DEADLINE_EXCEEDED";
    case grpc::StatusCode::NOT_FOUND: return "NOT_FOUND";
    case grpc::StatusCode::ALREADY_EXISTS: return "ALREADY_EXISTS";
    case grpc::StatusCode::PERMISSION_DENIED: return "PERMISSION_DENIED";
    case grpc::StatusCode::RESOURCE_EXHAUSTED: return "RESOURCE_EXHAUSTED";
    case grpc::StatusCode::FAILED_PRECONDITION: return "FAILED_PRECONDITION";
    case grpc::StatusCode::ABORTED: return "ABORTED";
    case grpc::StatusCode::OUT_OF_RANGE: return "OUT_OF_RANGE";
    case grpc::StatusCode::UNIMPLEMENTED: return "UNIMPLEMENTED";
    case grpc::StatusCode::INTERNAL: return "INTERNAL";
    case grpc::StatusCode::UNAVAILABLE: return "UNAVAILABLE";
    case grpc::StatusCode::DATA_LOSS: return "DATA_LOSS";
    case grpc::StatusCode::UNAUTHENTICATED: return "UNAUTHENTICATED";
    default: return "UNKNOWN";
  }
}

// Logs one line per call when the server sends the call's status.
class CallLogInterceptor : public grpc::experimental::Interceptor {
 public:
  explicit CallLogInterceptor(grpc::experimental::ServerRpcInfo* info)
      : method_(info->method() != nullptr ? info->method() : ""), start_(absl::Now()) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::PRE_SEND_STATUS)) {
      grpc::Status status = methods->GetSendStatus();
      nlohmann::json fields = {
          {"method", method_},
          {"code", StatusCodeName(status.error_code())},
          {"latency_ms", absl::ToDoubleMilliseconds(absl::Now() - start_)},
      };
      if (!status.ok()) fields["message"] = status.error_message();
      LogEvent("call", std::move(fields));
    }
    methods->Proceed();
  }

 private:
  std::string method_;
  absl::Time start_;
};

class CallLogInterceptorFactory : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    // Health probes arrive every few seconds; logging them would drown the real calls.
    if (info->method() != nullptr && absl::StartsWith(info->method(), "/grpc.health.")) {
      return nullptr;
    }
    return new CallLogInterceptor(info);
  }
};

}  // namespace

RunningServer::RunningServer(std::unique_ptr<grpc::Server> server, int port, std::string target)
    : server_(std::move(server)), port_(port), target_(std::move(target)) {}

RunningServer::~RunningServer() { Shutdown(absl::ZeroDuration()); }

absl::StatusOr<std::unique_ptr<RunningServer>> RunningServer::Start(
    const std::string& address, const std::vector<grpc::Service*>& services,
    std::shared_ptr<grpc::ServerCredentials> credentials) {
  if (credentials == nullptr) credentials = grpc::InsecureServerCredentials();
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(address, credentials, &port);
  for (grpc::Service* service : services) builder.RegisterService(service);
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> factories;
  factories.push_back(std::make_unique<CallLogInterceptorFactory>());
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
  return std::unique_ptr<RunningServer>(new RunningServer(std::move(server), port, target));
}

void RunningServer::Shutdown(absl::Duration grace) {
  if (shut_down_) return;
  shut_down_ = true;
  if (auto* health = server_->GetHealthCheckService()) health->Shutdown();
  server_->Shutdown(absl::ToChronoTime(absl::Now() + grace));
  server_->Wait();
}

absl::Status Serve(const ServerConfig& config, const std::vector<grpc::Service*>& services,
                   const std::function<void()>& before_shutdown) {
  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials =
      ServerCredentialsFor(config.tls, config.listen_address);
  if (!credentials.ok()) return credentials.status();
  absl::StatusOr<std::unique_ptr<RunningServer>> server =
      RunningServer::Start(config.listen_address, services, *credentials);
  if (!server.ok()) return server.status();
  LogEvent("serving", {{"address", (*server)->target()}, {"tls", config.tls.enabled()}});
  std::string signal = WaitForTermination();
  LogEvent("shutting_down", {{"signal", signal}});
  if (before_shutdown) before_shutdown();
  (*server)->Shutdown(config.shutdown_grace);
  LogEvent("stopped");
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> DialService(const std::string& address,
                                                           const ServerConfig& config) {
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials =
      ChannelCredentialsFor(config.tls);
  if (!credentials.ok()) return credentials.status();
  return grpc::CreateChannel(address, *credentials);
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
