// The gRPC server every service runs: health and reflection services, one log line and
// metrics per call, request ids, and a graceful shutdown on SIGTERM that lets in-flight
// calls finish.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <grpcpp/server.h>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/common/config.h"

namespace grpc {
class ChannelArguments;
class Service;
class ServerCredentials;
class ServerContext;
}  // namespace grpc

namespace sixsteps {

namespace rpc {
class CallbackServing;
}  // namespace rpc

// Request ids tie together the log lines of one request across services. A client may
// send one in this metadata key; otherwise the server makes one. The server logs it on the
// call's line, echoes it in the response's initial metadata, and a service that calls
// another on the caller's behalf sends it on (auth::Caller::request_id).
inline constexpr char kRequestIdKey[] = "x-request-id";

// The request id of a call being served: the client's, or the one the server made for it.
// Empty only outside a RunningServer (a handler called directly in a unit test).
std::string RequestIdOf(const grpc::ServerContext& context);

// A status code's name as gRPC spells it ("NOT_FOUND"), for log lines, metrics and tests.
const char* StatusCodeName(grpc::StatusCode code);

// A fresh request id: 16 lowercase hex digits.
std::string NewRequestId();

// What a client may send as a request id: 1 to 128 of [A-Za-z0-9._:-]. Anything else is
// replaced by a fresh one.
bool IsValidRequestId(absl::string_view id);

// A started gRPC server. Destroying it shuts it down.
class RunningServer {
 public:
  // Binds `address` ("127.0.0.1:0" picks a free port) and starts serving `services`, which
  // must outlive the server. The standard health service reports SERVING for the server
  // ("") until shutdown begins. Every call is logged, and counted and timed in
  // metrics::DefaultRegistry(). The services' SIXSTEPS_RPC methods are served on gRPC's
  // callback API, their handlers on an executor of the server's own (callback_rpc.h); the
  // other methods on the synchronous API.
  // Without `credentials`, serves plaintext (tests on loopback). `limits` bound its
  // threads, memory and message sizes (see ServerLimits).
  static absl::StatusOr<std::unique_ptr<RunningServer>> Start(
      const std::string& address, const std::vector<grpc::Service*>& services,
      std::shared_ptr<grpc::ServerCredentials> credentials = nullptr,
      const ServerLimits& limits = ServerLimits());

  ~RunningServer();

  // The port actually bound (useful with port 0); 0 for a unix socket.
  int port() const { return port_; }
  // "host:port" or "unix:/path" that clients can dial.
  const std::string& target() const { return target_; }
  grpc::Server* server() { return server_.get(); }

  // Stops accepting calls and waits up to `grace` for in-flight calls, then cancels them.
  void Shutdown(absl::Duration grace);

 private:
  RunningServer(std::unique_ptr<rpc::CallbackServing> callbacks,
                std::unique_ptr<grpc::Server> server, int port, std::string target);
  // Before server_: destroyed after it, once no call can reach it.
  std::unique_ptr<rpc::CallbackServing> callbacks_;
  std::unique_ptr<grpc::Server> server_;
  int port_;
  std::string target_;
  bool shut_down_ = false;
};

// What every main does after wiring its services: serves them on the configured address
// (with TLS if configured) and the metrics on metrics_listen (if set), logs where, waits
// for SIGTERM or SIGINT, and shuts down letting in-flight calls finish within the grace
// period.
// `before_shutdown`, if set, runs first when the signal arrives (to end long streams).
absl::Status Serve(const ServerConfig& config, const std::vector<grpc::Service*>& services,
                   const std::function<void()>& before_shutdown = nullptr);

// The channel arguments every client of the services uses: it sends requests of at most
// kMaxRequestMessageBytes and accepts responses of at most kMaxResponseMessageBytes, the
// servers' own limits.
grpc::ChannelArguments ServiceChannelArguments();

// A channel to another service at `address`, with TLS if this process has it configured,
// and ServiceChannelArguments().
absl::StatusOr<std::shared_ptr<grpc::Channel>> DialService(const std::string& address,
                                                           const ServerConfig& config);

// Blocks SIGTERM and SIGINT in the calling thread; call first thing in main, before any
// thread starts, so that every thread inherits the mask and WaitForTermination gets them.
void BlockTerminationSignals();

// What a service's main returns when it cannot start: prints "{program}: {message}" on
// stderr; 2 for a bad flag or setting (INVALID_ARGUMENT), else 1.
int StartupFailed(absl::string_view program, const absl::Status& status);

// Waits for SIGTERM or SIGINT and returns the signal's name.
std::string WaitForTermination();

}  // namespace sixsteps
