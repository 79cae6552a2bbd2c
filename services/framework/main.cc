// sixsteps-framework: serves framework definitions over gRPC.
#include <cstdio>
#include <string>

#include <grpcpp/create_channel.h>

#include "services/common/auth.h"
#include "services/common/config.h"
#include "services/common/db.h"
#include "services/common/log.h"
#include "services/common/server.h"
#include "services/framework/framework_service.h"
#include "services/framework/store.h"

int main(int argc, char** argv) {
  sixsteps::BlockTerminationSignals();
  sixsteps::SetLogServiceName("framework");
  auto config = sixsteps::LoadServerConfig(argc, argv, {"framework", "127.0.0.1:50051"});
  if (!config.ok()) {
    std::fprintf(stderr, "sixsteps-framework: %s\n", std::string(config.status().message()).c_str());
    return 2;
  }
  absl::Status migrated = sixsteps::db::ApplyMigrations(
      config->database_url, sixsteps::framework::FrameworkMigrations());
  if (!migrated.ok()) {
    std::fprintf(stderr, "sixsteps-framework: %s\n", std::string(migrated.message()).c_str());
    return 1;
  }
  sixsteps::db::ConnectionPool pool(config->database_url, config->db_pool_size);
  sixsteps::framework::PgFrameworkStore store(&pool);
  // Tokens are verified here with identity's public keys, fetched once and cached.
  sixsteps::auth::TokenVerifier verifier(std::make_shared<sixsteps::auth::IdentityPublicKeys>(
      grpc::CreateChannel(config->identity_address, grpc::InsecureChannelCredentials())));
  sixsteps::framework::FrameworkServiceImpl service(&store, &verifier);
  auto server = sixsteps::RunningServer::Start(config->listen_address, {&service});
  if (!server.ok()) {
    std::fprintf(stderr, "sixsteps-framework: %s\n", std::string(server.status().message()).c_str());
    return 1;
  }
  sixsteps::LogEvent("serving", {{"address", (*server)->target()}});
  std::string signal = sixsteps::WaitForTermination();
  sixsteps::LogEvent("shutting_down", {{"signal", signal}});
  (*server)->Shutdown(config->shutdown_grace);
  sixsteps::LogEvent("stopped");
  return 0;
}
