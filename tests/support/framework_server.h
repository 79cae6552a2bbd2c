// A real framework service for tests: its own database in the shared test cluster,
// migrations applied, served on 127.0.0.1 at a free port.
#pragma once

#include <memory>
#include <string>

#include <grpcpp/channel.h>

#include "absl/status/statusor.h"
#include "services/common/db.h"
#include "services/common/server.h"
#include "services/framework/framework_service.h"
#include "services/framework/store.h"

namespace sixsteps::testing {

class FrameworkServer {
 public:
  // Creates database "test_<db_name>_<n>", migrates it and starts the server.
  static absl::StatusOr<std::unique_ptr<FrameworkServer>> Start(const std::string& db_name);

  const std::string& target() const { return server_->target(); }
  const std::string& database_url() const { return database_url_; }
  std::shared_ptr<grpc::Channel> Channel() const;
  std::unique_ptr<framework::v1::FrameworkService::Stub> Stub() const;
  db::ConnectionPool& pool() { return *pool_; }

 private:
  std::string database_url_;
  std::unique_ptr<db::ConnectionPool> pool_;
  std::unique_ptr<framework::PgFrameworkStore> store_;
  std::unique_ptr<framework::FrameworkServiceImpl> service_;
  std::unique_ptr<RunningServer> server_;
};

}  // namespace sixsteps::testing
