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

SIXSTEPS_TEXT_SETTING(key_encryption_secret, "", "secret that seals the token-signing keys",
                      "SIXSTEPS_KEY_ENCRYPTION_SECRET");
SIXSTEPS_TEXT_SETTING(old_key_encryption_secret, "",
                      "reseal-keys: the secret the keys were sealed with until now",
                      "SIXSTEPS_OLD_KEY_ENCRYPTION_SECRET");
SIXSTEPS_SETTING(absl::Duration, access_token_ttl, absl::Minutes(15), absl::Minutes(1),
                 absl::Hours(12), "lifetime of access tokens", "SIXSTEPS_ACCESS_TOKEN_TTL");
// The memory bound of password hashing: concurrency x 64 MiB (Argon2id, interactive cost).
SIXSTEPS_SETTING(int, password_hash_concurrency, 2, 1, 64,
                 "password hashes run at once, 64 MiB each", "SIXSTEPS_PASSWORD_HASH_CONCURRENCY");
SIXSTEPS_SETTING(int, password_hash_queue, 16, 0, 1024,
                 "calls that may wait for a password-hashing turn, up to 5 s each",
                 "SIXSTEPS_PASSWORD_HASH_QUEUE");
// The setup subcommands' arguments: flags only.
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
      auto sealer, sixsteps::identity::KeySealer::FromSecret(SETTING_key_encryption_secret.Get()));
  sixsteps::identity::IdentityOptions options;
  SIXSTEPS_ASSIGN_OR_RETURN(options.access_token_ttl, SETTING_access_token_ttl.Get());
  SIXSTEPS_ASSIGN_OR_RETURN(options.hashing.concurrent, SETTING_password_hash_concurrency.Get());
  SIXSTEPS_ASSIGN_OR_RETURN(options.hashing.queue, SETTING_password_hash_queue.Get());
  SIXSTEPS_RETURN_IF_ERROR(start.Migrate());

  const sixsteps::ServerConfig& config = start.config();
  sixsteps::db::ConnectionPool pool(config.database_url, config.db_pool_size);
  sixsteps::identity::PgIdentityStore store(&pool);
  const std::string command = config.arguments.empty() ? "" : config.arguments[0];
  // Before the keys are checked: they do not open with the new secret yet.
  if (command == "reseal-keys") {
    return sixsteps::identity::RunResealKeys(kProgram, store,
                                             SETTING_old_key_encryption_secret.Get(), sealer);
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
