// sixsteps-bench-echo: the echo service the benchmark's echo ceilings call, in a process of
// its own, served one of two ways:
//
//   --mode=bare       gRPC's callback API, no interceptors, no logging, no health or
//                     reflection service: the most any RPC can do on this machine.
//   --mode=bootstrap  the services' own server bootstrap (RunningServer: health, reflection,
//                     the per-call log line on standard error, metrics, admission), as every
//                     service runs: the method is defined as the services' are
//                     (SIXSTEPS_UNAUTHENTICATED_RPC, the same path as SIXSTEPS_RPC without the
//                     token), served on gRPC's callback API with its handler on the server's
//                     executor.
//
// Prints "listening <host:port>" on standard output once it serves, then serves until
// SIGTERM or SIGINT.
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "services/common/grpc_reply.h"
#include "services/common/log.h"
#include "services/common/server.h"
#include "sixsteps/bench/v1/echo_service.grpc.pb.h"

ABSL_FLAG(std::string, mode, "bare", "bare (callback API, nothing else) or bootstrap");
ABSL_FLAG(std::string, listen, "127.0.0.1:0", "where to serve");

namespace sixsteps::bench {
namespace {

namespace bv1 = ::sixsteps::bench::v1;

class BareEcho final : public bv1::EchoService::CallbackService {
  grpc::ServerUnaryReactor* Echo(grpc::CallbackServerContext* context,
                                 const bv1::EchoRequest* request,
                                 bv1::EchoResponse* response) override {
    response->set_payload(request->payload());
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
};

// As the hub's services are written: the generated synchronous method, defined by the
// macro, and a handler returning absl::StatusOr.
class BootstrapEcho final : public bv1::EchoService::Service {
 public:
  grpc::Status Echo(grpc::ServerContext* context, const bv1::EchoRequest* request,
                    bv1::EchoResponse* response) override;

 private:
  absl::StatusOr<bv1::EchoResponse> DoEcho(const bv1::EchoRequest& request) {
    bv1::EchoResponse response;
    response.set_payload(request.payload());
    return response;
  }
};

SIXSTEPS_UNAUTHENTICATED_RPC(BootstrapEcho, Echo, bv1::EchoRequest, bv1::EchoResponse)

int ServeBare(const std::string& address) {
  BareEcho service;
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(address, grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    std::cerr << "sixsteps-bench-echo: cannot listen on " << address << std::endl;
    return 1;
  }
  std::cout << "listening " << address.substr(0, address.rfind(':')) << ":" << port << std::endl;
  WaitForTermination();
  server->Shutdown();
  return 0;
}

int ServeBootstrap(const std::string& address) {
  SetLogServiceName("bench-echo");
  BootstrapEcho service;
  absl::StatusOr<std::unique_ptr<RunningServer>> server = RunningServer::Start(address, {&service});
  if (!server.ok()) return StartupFailed("sixsteps-bench-echo", server.status());
  std::cout << "listening " << (*server)->target() << std::endl;
  WaitForTermination();
  (*server)->Shutdown(absl::Seconds(1));
  return 0;
}

}  // namespace
}  // namespace sixsteps::bench

int main(int argc, char** argv) {
  sixsteps::BlockTerminationSignals();
  absl::ParseCommandLine(argc, argv);
  const std::string mode = absl::GetFlag(FLAGS_mode);
  if (mode == "bare") return sixsteps::bench::ServeBare(absl::GetFlag(FLAGS_listen));
  if (mode == "bootstrap") return sixsteps::bench::ServeBootstrap(absl::GetFlag(FLAGS_listen));
  std::cerr << "sixsteps-bench-echo: --mode must be bare or bootstrap" << std::endl;
  return 2;
}
