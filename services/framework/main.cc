// sixsteps-framework: serves framework definitions over gRPC (its migrations load the
// built-in framework). `sixsteps-framework migrate | provision-database` run a setup step
// instead (services/common/setup_commands.h).
#include "services/base/status_macros.h"
#include "services/common/auth.h"
#include "services/common/server.h"
#include "services/common/service_main.h"
#include "services/framework/framework_service.h"
#include "services/framework/store.h"

int main(int argc, char** argv) {
  return sixsteps::ServiceMain(
      argc, argv,
      {"sixsteps-framework", "framework", "127.0.0.1:50051",
       sixsteps::framework::FrameworkMigrations()},
      [](const sixsteps::ServiceStart& start) -> absl::StatusOr<int> {
        SIXSTEPS_ASSIGN_OR_RETURN(auto identity, start.MigrateAndDialIdentity());
        sixsteps::db::ConnectionPool pool(start.config().database_url, start.config().db_pool_size);
        sixsteps::framework::PgFrameworkStore store(&pool);
        // Tokens are verified here with identity's public keys, fetched once and cached.
        sixsteps::auth::TokenVerifier verifier(
            std::make_shared<sixsteps::auth::IdentityPublicKeys>(identity));
        sixsteps::framework::FrameworkServiceImpl service(&store, &verifier);
        SIXSTEPS_RETURN_IF_ERROR(sixsteps::Serve(start.config(), {&service}));
        return 0;
      });
}
