// sixsteps-identity: regions, partnerships, principals, role bindings and access tokens.
//   sixsteps-identity [flags]                       serve
//   sixsteps-identity bootstrap --email E [--display_name N] [flags]
//       create the first deployment administrator; the password is read from
//       SIXSTEPS_BOOTSTRAP_PASSWORD or, if unset, from the first line of standard input.
#include <cstdio>
#include <iostream>
#include <string>

#include "absl/flags/flag.h"
#include "services/common/config.h"
#include "services/common/db.h"
#include "services/common/log.h"
#include "services/common/server.h"
#include "services/identity/identity_service.h"
#include "services/identity/pg_store.h"

ABSL_FLAG(std::string, key_encryption_secret, "",
          "secret that seals the token-signing keys (or SIXSTEPS_KEY_ENCRYPTION_SECRET)");
ABSL_FLAG(std::string, access_token_ttl, "", "lifetime of access tokens (default 15m)");
ABSL_FLAG(std::string, email, "", "bootstrap: the first administrator's email");
ABSL_FLAG(std::string, display_name, "Hub administrator", "bootstrap: their display name");

namespace {

int Fail(const absl::Status& status) {
  std::fprintf(stderr, "sixsteps-identity: %s\n", std::string(status.message()).c_str());
  return status.code() == absl::StatusCode::kInvalidArgument ? 2 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  sixsteps::BlockTerminationSignals();
  sixsteps::SetLogServiceName("identity");
  auto config = sixsteps::LoadServerConfig(argc, argv, {"identity", "127.0.0.1:50052"});
  if (!config.ok()) return Fail(config.status());
  auto sealer = sixsteps::identity::KeySealer::FromSecret(sixsteps::FlagOrEnv(
      absl::GetFlag(FLAGS_key_encryption_secret), {"SIXSTEPS_KEY_ENCRYPTION_SECRET"}, ""));
  if (!sealer.ok()) return Fail(sealer.status());
  sixsteps::identity::IdentityOptions options;
  std::string ttl = sixsteps::FlagOrEnv(absl::GetFlag(FLAGS_access_token_ttl),
                                        {"SIXSTEPS_ACCESS_TOKEN_TTL"}, "15m");
  if (!absl::ParseDuration(ttl, &options.access_token_ttl) ||
      options.access_token_ttl < absl::Minutes(1) || options.access_token_ttl > absl::Hours(12)) {
    return Fail(absl::InvalidArgumentError("access_token_ttl must be between 1m and 12h"));
  }
  absl::Status migrated =
      sixsteps::db::ApplyMigrations(config->database_url, sixsteps::identity::IdentityMigrations());
  if (!migrated.ok()) return Fail(migrated);

  sixsteps::db::ConnectionPool pool(config->database_url, config->db_pool_size);
  sixsteps::identity::PgIdentityStore store(&pool);
  sixsteps::identity::IdentityServiceImpl service(&store, *std::move(sealer), options);
  if (absl::Status keys = service.EnsureSigningKey(); !keys.ok()) return Fail(keys);

  if (!config->arguments.empty() && config->arguments[0] == "bootstrap") {
    std::string password = sixsteps::FlagOrEnv("", {"SIXSTEPS_BOOTSTRAP_PASSWORD"}, "");
    if (password.empty()) std::getline(std::cin, password);
    auto user = service.BootstrapAdministrator(absl::GetFlag(FLAGS_email),
                                               absl::GetFlag(FLAGS_display_name), password);
    if (!user.ok()) return Fail(user.status());
    std::printf("created %s (%s), hub administrator of the whole deployment\n",
                user->name().c_str(), user->email().c_str());
    return 0;
  }

  absl::Status served = sixsteps::Serve(*config, {&service});
  return served.ok() ? 0 : Fail(served);
}
