// sixsteps-framework: serves framework definitions over gRPC (its migrations load the
// built-in framework). `sixsteps-framework migrate | provision-database` run a setup step
// instead (services/common/setup_commands.h).
#include <cstdio>
#include <optional>
#include <string>

#include "services/common/auth.h"
#include "services/common/config.h"
#include "services/common/db.h"
#include "services/common/log.h"
#include "services/common/server.h"
#include "services/common/setup_commands.h"
#include "services/framework/framework_service.h"
#include "services/framework/store.h"

namespace {}  // namespace

constexpr char kProgram[] = "sixsteps-framework";

int main(int argc, char** argv) {
  sixsteps::BlockTerminationSignals();
  sixsteps::SetLogServiceName("framework");
  auto config = sixsteps::LoadServerConfig(argc, argv, {"framework", "127.0.0.1:50051"});
  if (!config.ok()) return sixsteps::StartupFailed(kProgram, config.status());
  // migrate, provision-database: setup steps, run instead of serving.
  if (std::optional<int> exit_code = sixsteps::setup::RunSharedSetupCommand(
          kProgram, "framework", *config, sixsteps::framework::FrameworkMigrations()))
    return *exit_code;
  absl::Status migrated = sixsteps::db::ApplyMigrations(config->database_url,
                                                        sixsteps::framework::FrameworkMigrations());
  if (!migrated.ok()) return sixsteps::StartupFailed(kProgram, migrated);
  auto identity = sixsteps::DialService(config->identity_address, *config);
  if (!identity.ok()) return sixsteps::StartupFailed(kProgram, identity.status());

  sixsteps::db::ConnectionPool pool(config->database_url, config->db_pool_size);
  sixsteps::framework::PgFrameworkStore store(&pool);
  // Tokens are verified here with identity's public keys, fetched once and cached.
  sixsteps::auth::TokenVerifier verifier(
      std::make_shared<sixsteps::auth::IdentityPublicKeys>(*identity));
  sixsteps::framework::FrameworkServiceImpl service(&store, &verifier);
  absl::Status served = sixsteps::Serve(*config, {&service});
  return served.ok() ? 0 : sixsteps::StartupFailed(kProgram, served);
}
