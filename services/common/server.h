// The gRPC server every service runs: health and reflection services, one log line per
// call, and a graceful shutdown on SIGTERM that lets in-flight calls finish.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <grpcpp/server.h>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace grpc {
class Service;
class ServerCredentials;
}

namespace sixsteps {

// A started gRPC server. Destroying it shuts it down.
class RunningServer {
 public:
  // Binds `address` ("127.0.0.1:0" picks a free port) and starts serving `services`, which
  // must outlive the server. The standard health service reports SERVING for the server
  // ("") until shutdown begins.
  // Without `credentials`, serves plaintext (tests on loopback).
  static absl::StatusOr<std::unique_ptr<RunningServer>> Start(
      const std::string& address, const std::vector<grpc::Service*>& services,
      std::shared_ptr<grpc::ServerCredentials> credentials = nullptr);

  ~RunningServer();

  // The port actually bound (useful with port 0); 0 for a unix socket.
  int port() const { return port_; }
  // "host:port" or "unix:/path" that clients can dial.
  const std::string& target() const { return target_; }
  grpc::Server* server() { return server_.get(); }

  // Stops accepting calls and waits up to `grace` for in-flight calls, then cancels them.
  void Shutdown(absl::Duration grace);

 private:
  RunningServer(std::unique_ptr<grpc::Server> server, int port, std::string target);
  std::unique_ptr<grpc::Server> server_;
  int port_;
  std::string target_;
  bool shut_down_ = false;
};

struct ServerConfig;

// What every main does after wiring its services: serves them on the configured address
// (with TLS if configured), logs where, waits for SIGTERM or SIGINT, and shuts down letting
// in-flight calls finish within the grace period.
// `before_shutdown`, if set, runs first when the signal arrives (to end long streams).
absl::Status Serve(const ServerConfig& config, const std::vector<grpc::Service*>& services,
                   const std::function<void()>& before_shutdown = nullptr);

// A channel to another service at `address`, with TLS if this process has it configured.
absl::StatusOr<std::shared_ptr<grpc::Channel>> DialService(const std::string& address,
                                                           const ServerConfig& config);

// Blocks SIGTERM and SIGINT in the calling thread; call first thing in main, before any
// thread starts, so that every thread inherits the mask and WaitForTermination gets them.
void BlockTerminationSignals();

// Waits for SIGTERM or SIGINT and returns the signal's name.
std::string WaitForTermination();

}  // namespace sixsteps
