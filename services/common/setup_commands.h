// The setup subcommands every service program has, so that scripts/hub, the compose jobs, the
// Kubernetes jobs and the tests run the same code rather than each its own bash or SQL:
//   sixsteps-<service> migrate             apply the service's migrations and exit
//   sixsteps-<service> provision-database  create the service's role and database if missing
// Each is idempotent, prints one JSON object on stdout (the state it leaves, the same on a
// second run) and says what it changed on stderr.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"
#include "services/common/config.h"
#include "services/common/db.h"

namespace sixsteps::setup {

// What provision-database makes: a login role owning a database that no one else may
// connect to. Read from the service's own connection string (its `user` and `dbname`).
struct DatabaseSpec {
  std::string role;
  std::string database;
  // Set at every run (so a changed secret takes effect); empty leaves it as it is.
  std::string password;
};

// The role (`user`) and database (`dbname`) a libpq connection string names; INVALID_ARGUMENT
// if it does not parse or lacks either.
absl::StatusOr<DatabaseSpec> DatabaseSpecFromUrl(const std::string& database_url);

// The checks PostgreSQL would make later, made first with a clear message: identifiers
// PostgreSQL keeps as typed (lower case, digits, '_', at most 63 bytes), a password of at
// least 16 characters without line breaks.
absl::Status ValidateDatabaseSpec(const DatabaseSpec& spec);

// Creates the role and the database when missing and (re)applies their settings, connected
// with `admin_database_url` (a superuser, or a role with CREATEROLE and CREATEDB). Returns
// {"role", "database"}; `changes` receives what it created.
absl::StatusOr<nlohmann::json> ProvisionDatabase(const std::string& admin_database_url,
                                                 const DatabaseSpec& spec,
                                                 std::vector<std::string>* changes);

// Applies the migrations; returns {"service", "database", "schema_version"}.
absl::StatusOr<nlohmann::json> Migrate(absl::string_view service, const std::string& database_url,
                                       const std::vector<db::Migration>& migrations);

// Runs `migrate` or `provision-database` when config.arguments names one and returns the
// program's exit status; nullopt for any other command line (the caller goes on).
std::optional<int> RunSharedSetupCommand(absl::string_view program, absl::string_view service,
                                         const ServerConfig& config,
                                         const std::vector<db::Migration>& migrations);

// Prints `result` as one line of JSON on stdout: what every setup subcommand ends with.
void PrintResult(const nlohmann::json& result);

}  // namespace sixsteps::setup
