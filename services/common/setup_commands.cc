// The shared setup subcommands (see setup_commands.h).
#include "services/common/setup_commands.h"

#include <libpq-fe.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <pqxx/pqxx>

#include "absl/flags/flag.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "services/base/status_macros.h"
#include "services/common/config.h"
#include "services/common/server.h"

SIXSTEPS_TEXT_SETTING(admin_database_url, "",
                      "provision-database: libpq connection string of a role that may create "
                      "roles and databases",
                      "SIXSTEPS_ADMIN_DATABASE_URL");
ABSL_FLAG(std::string, password_file, "",
          "provision-database: file whose first line is the service role's password ('-': "
          "standard input); without it the role's password is left as it is");

namespace sixsteps::setup {
namespace {

// The first line of a file, or of standard input for "-".
absl::StatusOr<std::string> FirstLine(const std::string& path) {
  std::string line;
  if (path == "-") {
    std::getline(std::cin, line);
  } else {
    std::ifstream in(path);
    if (!in) return absl::InvalidArgumentError(absl::StrCat("password_file: cannot read ", path));
    std::getline(in, line);
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

bool IsPlainIdentifier(const std::string& name) {
  if (name.empty() || name.size() > 63 || absl::ascii_isdigit(name[0])) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '_';
  });
}

}  // namespace

absl::StatusOr<DatabaseSpec> DatabaseSpecFromUrl(const std::string& database_url) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(database_url.c_str(), &error);
  if (options == nullptr) {
    std::string message = error != nullptr ? error : "out of memory";
    PQfreemem(error);
    return absl::InvalidArgumentError(
        absl::StrCat("database_url: ", absl::StripAsciiWhitespace(message)));
  }
  DatabaseSpec spec;
  for (PQconninfoOption* option = options; option->keyword != nullptr; ++option) {
    if (option->val == nullptr) continue;
    if (std::string(option->keyword) == "user") spec.role = option->val;
    if (std::string(option->keyword) == "dbname") spec.database = option->val;
  }
  PQconninfoFree(options);
  if (spec.role.empty() || spec.database.empty()) {
    return absl::InvalidArgumentError("database_url: must name the service's user and dbname");
  }
  return spec;
}

absl::Status ValidateDatabaseSpec(const DatabaseSpec& spec) {
  for (const auto& [field, name] : {std::pair{"role", spec.role}, {"database", spec.database}}) {
    if (!IsPlainIdentifier(name)) {
      return absl::InvalidArgumentError(absl::StrCat(
          field, " '", name, "': use lower-case letters, digits and '_' (at most 63)"));
    }
  }
  if (!spec.password.empty() &&
      (spec.password.size() < 16 || spec.password.find('\n') != std::string::npos)) {
    return absl::InvalidArgumentError("password: at least 16 characters on one line");
  }
  return absl::OkStatus();
}

absl::StatusOr<nlohmann::json> ProvisionDatabase(const std::string& admin_database_url,
                                                 const DatabaseSpec& spec,
                                                 std::vector<std::string>* changes) {
  SIXSTEPS_RETURN_IF_ERROR(ValidateDatabaseSpec(spec));
  try {
    pqxx::connection conn(admin_database_url);
    // Roles and databases are created outside a transaction block (CREATE DATABASE must be);
    // identifiers and the password cannot be statement parameters here, so they go through
    // libpq's quoting (and the identifiers were checked above).
    pqxx::nontransaction tx(conn);
    const std::string role = tx.quote_name(spec.role);
    const std::string database = tx.quote_name(spec.database);
    if (tx.exec_params("SELECT 1 FROM pg_roles WHERE rolname = $1", spec.role).empty()) {
      tx.exec0(absl::StrCat("CREATE ROLE ", role, " LOGIN"));
      changes->push_back(absl::StrCat("created role ", spec.role));
    }
    tx.exec0(absl::StrCat("ALTER ROLE ", role, " WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE"));
    if (!spec.password.empty()) {
      tx.exec0(absl::StrCat("ALTER ROLE ", role, " WITH PASSWORD ", tx.quote(spec.password)));
    }
    if (tx.exec_params("SELECT 1 FROM pg_database WHERE datname = $1", spec.database).empty()) {
      tx.exec0(absl::StrCat("CREATE DATABASE ", database, " OWNER ", role,
                            " ENCODING 'UTF8' TEMPLATE template0"));
      changes->push_back(absl::StrCat("created database ", spec.database));
    }
    tx.exec0(absl::StrCat("ALTER DATABASE ", database, " OWNER TO ", role));
    tx.exec0(absl::StrCat("REVOKE ALL ON DATABASE ", database, " FROM PUBLIC"));
    tx.exec0(absl::StrCat("GRANT ALL ON DATABASE ", database, " TO ", role));
  } catch (const std::exception& e) {
    return absl::Status(db::StatusFromException(e).code(),
                        absl::StrCat("provisioning ", spec.database, ": ", e.what()));
  }
  return nlohmann::json{{"role", spec.role}, {"database", spec.database}};
}

absl::StatusOr<nlohmann::json> Migrate(absl::string_view service, const std::string& database_url,
                                       const std::vector<db::Migration>& migrations) {
  SIXSTEPS_ASSIGN_OR_RETURN(DatabaseSpec spec, DatabaseSpecFromUrl(database_url));
  SIXSTEPS_RETURN_IF_ERROR(db::ApplyMigrations(database_url, migrations));
  int version = 0;
  for (const db::Migration& migration : migrations) version = std::max(version, migration.version);
  return nlohmann::json{
      {"service", std::string(service)}, {"database", spec.database}, {"schema_version", version}};
}

void PrintResult(const nlohmann::json& result) {
  std::printf("%s\n", result.dump().c_str());
  std::fflush(stdout);
}

std::optional<int> RunSharedSetupCommand(absl::string_view program, absl::string_view service,
                                         const ServerConfig& config,
                                         const std::vector<db::Migration>& migrations) {
  if (config.arguments.empty()) return std::nullopt;
  const std::string& command = config.arguments[0];
  absl::StatusOr<nlohmann::json> result;
  if (command == "migrate") {
    result = Migrate(service, config.database_url, migrations);
  } else if (command == "provision-database") {
    std::string admin = SETTING_admin_database_url.Get();
    if (admin.empty()) {
      return StartupFailed(
          program, absl::InvalidArgumentError("provision-database needs --admin_database_url (or "
                                              "SIXSTEPS_ADMIN_DATABASE_URL)"));
    }
    absl::StatusOr<DatabaseSpec> spec = DatabaseSpecFromUrl(config.database_url);
    if (!spec.ok()) return StartupFailed(program, spec.status());
    if (std::string file = absl::GetFlag(FLAGS_password_file); !file.empty()) {
      absl::StatusOr<std::string> password = FirstLine(file);
      if (!password.ok()) return StartupFailed(program, password.status());
      spec->password = *password;
    }
    std::vector<std::string> changes;
    result = ProvisionDatabase(admin, *spec, &changes);
    for (const std::string& change : changes)
      std::fprintf(stderr, "%s: %s\n", std::string(program).c_str(), change.c_str());
  } else {
    return std::nullopt;
  }
  if (!result.ok()) return StartupFailed(program, result.status());
  PrintResult(*result);
  return 0;
}

}  // namespace sixsteps::setup
