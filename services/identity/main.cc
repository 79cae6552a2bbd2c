// sixsteps-identity: regions, partnerships, principals, role bindings and access tokens.
//   sixsteps-identity [flags]                       serve
//   sixsteps-identity bootstrap --email E [--display_name N] [flags]
//       create the first deployment administrator unless E is one already; the password is
//       read from SIXSTEPS_BOOTSTRAP_PASSWORD or, if unset, from the first line of standard
//       input. Prints {"administrator", "email"}.
//   sixsteps-identity ensure-service-account --account_name N --role R --key_file PATH
//       a deployment-wide service account N bound as R on '*' with an API key in PATH
//       (setup_commands.h)
//   sixsteps-identity reset-password --email E | reseal-keys      break glass, for an
//       operator with the database: a lost password; a new key-encryption secret
//       (recovery_commands.h)
//   sixsteps-identity migrate | provision-database     (services/common/setup_commands.h)
#include <cstdio>
#include <iostream>
#include <string>

#include "absl/flags/flag.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "services/base/status_macros.h"
#include "services/common/config.h"
#include "services/common/db.h"
#include "services/common/server.h"
#include "services/common/service_main.h"
#include "services/identity/identity_service.h"
#include "services/identity/pg_store.h"
#include "services/identity/recovery_commands.h"
#include "services/identity/setup_commands.h"

ABSL_FLAG(std::string, key_encryption_secret, "",
          "secret that seals the token-signing keys (or SIXSTEPS_KEY_ENCRYPTION_SECRET)");
ABSL_FLAG(std::string, old_key_encryption_secret, "",
          "reseal-keys: the secret the keys were sealed with until now (or "
          "SIXSTEPS_OLD_KEY_ENCRYPTION_SECRET)");
ABSL_FLAG(std::string, access_token_ttl, "", "lifetime of access tokens (default 15m)");
ABSL_FLAG(std::string, password_hash_concurrency, "",
          "password hashes run at once, 64 MiB each (default 2; or "
          "SIXSTEPS_PASSWORD_HASH_CONCURRENCY)");
ABSL_FLAG(std::string, password_hash_queue, "",
          "calls that may wait for a password-hashing turn, up to 5 s each (default 16; or "
          "SIXSTEPS_PASSWORD_HASH_QUEUE)");
ABSL_FLAG(std::string, email, "",
          "bootstrap: the first administrator's email; reset-password: whose password");
ABSL_FLAG(std::string, display_name, "Hub administrator", "bootstrap: their display name");
ABSL_FLAG(std::string, account_name, "",
          "ensure-service-account: the deployment-wide service account's display name");
ABSL_FLAG(std::string, role, "viewer", "ensure-service-account: its role on '*'");
ABSL_FLAG(std::string, key_file, "", "ensure-service-account: where its API key is kept (0600)");
ABSL_FLAG(std::string, key_name, "", "ensure-service-account: a new key's display name");
ABSL_FLAG(absl::Duration, key_lifetime, absl::Hours(24 * 365),
          "ensure-service-account: how long a new key lasts (at most 366 days)");

namespace {

constexpr char kProgram[] = "sixsteps-identity";

absl::StatusOr<int> Run(const sixsteps::ServiceStart& start) {
  SIXSTEPS_ASSIGN_OR_RETURN(
      auto sealer,
      sixsteps::identity::KeySealer::FromSecret(sixsteps::FlagOrEnv(
          absl::GetFlag(FLAGS_key_encryption_secret), {"SIXSTEPS_KEY_ENCRYPTION_SECRET"}, "")));
  sixsteps::identity::IdentityOptions options;
  SIXSTEPS_ASSIGN_OR_RETURN(
      options.access_token_ttl,
      sixsteps::DurationSetting("access_token_ttl", absl::GetFlag(FLAGS_access_token_ttl),
                                {"SIXSTEPS_ACCESS_TOKEN_TTL"}, absl::Minutes(15), absl::Minutes(1),
                                absl::Hours(12)));
  // The memory bound of password hashing: concurrency x 64 MiB (Argon2id, interactive cost).
  SIXSTEPS_ASSIGN_OR_RETURN(options.hashing.concurrent,
                            sixsteps::IntSetting("password_hash_concurrency",
                                                 absl::GetFlag(FLAGS_password_hash_concurrency),
                                                 {"SIXSTEPS_PASSWORD_HASH_CONCURRENCY"}, 2, 1, 64));
  SIXSTEPS_ASSIGN_OR_RETURN(
      options.hashing.queue,
      sixsteps::IntSetting("password_hash_queue", absl::GetFlag(FLAGS_password_hash_queue),
                           {"SIXSTEPS_PASSWORD_HASH_QUEUE"}, 16, 0, 1024));
  SIXSTEPS_RETURN_IF_ERROR(start.Migrate());

  const sixsteps::ServerConfig& config = start.config();
  sixsteps::db::ConnectionPool pool(config.database_url, config.db_pool_size);
  sixsteps::identity::PgIdentityStore store(&pool);
  const std::string command = config.arguments.empty() ? "" : config.arguments[0];
  // Before the keys are checked: they do not open with the new secret yet.
  if (command == "reseal-keys") {
    return sixsteps::identity::RunResealKeys(
        kProgram, store,
        sixsteps::FlagOrEnv(absl::GetFlag(FLAGS_old_key_encryption_secret),
                            {"SIXSTEPS_OLD_KEY_ENCRYPTION_SECRET"}, ""),
        sealer);
  }
  sixsteps::identity::IdentityServiceImpl service(&store, std::move(sealer), options);
  SIXSTEPS_RETURN_IF_ERROR(service.EnsureSigningKey());

  // The password is read only when it is to be set.
  auto password = [] {
    std::string password = sixsteps::FlagOrEnv("", {"SIXSTEPS_BOOTSTRAP_PASSWORD"}, "");
    if (password.empty()) std::getline(std::cin, password);
    return password;
  };
  if (command == "bootstrap") {
    return sixsteps::identity::RunBootstrap(kProgram, store, service, absl::GetFlag(FLAGS_email),
                                            absl::GetFlag(FLAGS_display_name), password);
  }
  if (command == "reset-password") {
    return sixsteps::identity::RunResetPassword(kProgram, service, absl::GetFlag(FLAGS_email),
                                                password);
  }
  if (command == "ensure-service-account") {
    sixsteps::identity::ServiceAccountSpec spec;
    spec.display_name = absl::GetFlag(FLAGS_account_name);
    spec.role = sixsteps::auth::RoleFromName(absl::GetFlag(FLAGS_role));
    spec.key_display_name = absl::GetFlag(FLAGS_key_name);
    if (spec.key_display_name.empty()) spec.key_display_name = spec.display_name;
    spec.key_lifetime = absl::GetFlag(FLAGS_key_lifetime);
    return sixsteps::identity::RunEnsureServiceAccount(kProgram, store, spec,
                                                       absl::GetFlag(FLAGS_key_file));
  }
  SIXSTEPS_RETURN_IF_ERROR(sixsteps::Serve(config, {&service}));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return sixsteps::ServiceMain(
      argc, argv,
      {kProgram, "identity", "127.0.0.1:50052", sixsteps::identity::IdentityMigrations()}, Run);
}
