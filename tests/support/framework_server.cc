#include "tests/support/framework_server.h"

#include <grpcpp/create_channel.h>

#include "services/common/status.h"
#include "tests/support/pg_cluster.h"

namespace sixsteps::testing {

absl::StatusOr<std::unique_ptr<FrameworkServer>> FrameworkServer::Start(
    const std::string& db_name) {
  auto server = std::unique_ptr<FrameworkServer>(new FrameworkServer());
  SIXSTEPS_ASSIGN_OR_RETURN(server->database_url_, SharedPgCluster().CreateDatabase(db_name));
  SIXSTEPS_RETURN_IF_ERROR(
      db::ApplyMigrations(server->database_url_, framework::FrameworkMigrations()));
  server->pool_ = std::make_unique<db::ConnectionPool>(server->database_url_, 4, absl::Seconds(2));
  server->store_ = std::make_unique<framework::PgFrameworkStore>(server->pool_.get());
  server->service_ = std::make_unique<framework::FrameworkServiceImpl>(server->store_.get());
  SIXSTEPS_ASSIGN_OR_RETURN(server->server_,
                            RunningServer::Start("127.0.0.1:0", {server->service_.get()}));
  return server;
}

std::shared_ptr<grpc::Channel> FrameworkServer::Channel() const {
  return grpc::CreateChannel(target(), grpc::InsecureChannelCredentials());
}

std::unique_ptr<framework::v1::FrameworkService::Stub> FrameworkServer::Stub() const {
  return framework::v1::FrameworkService::NewStub(Channel());
}

}  // namespace sixsteps::testing
