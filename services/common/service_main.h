// How every service program starts: the same steps in the same order, so that a service's
// main says only what is its own (its settings, the objects it wires, what it serves).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <grpcpp/channel.h>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/common/config.h"
#include "services/common/db.h"

namespace sixsteps {

// What differs between the service programs' starts.
struct ServiceProgram {
  // "sixsteps-assessment": the prefix of a start-up failure's message.
  absl::string_view program;
  // "assessment": the service's name in its log lines and configuration defaults.
  absl::string_view service;
  // Its default --listen, "127.0.0.1:50053".
  absl::string_view listen_address;
  // Its database's migrations (applied by `migrate`, and by ServiceStart::Migrate).
  std::vector<db::Migration> migrations;
};

// What a configured service program starts from.
class ServiceStart {
 public:
  ServiceStart(const ServiceProgram& program, const ServerConfig& config)
      : program_(program), config_(config) {}

  const ServerConfig& config() const { return config_; }
  // The program's name, for the setup subcommands' messages.
  absl::string_view program() const { return program_.program; }

  // Applies the service's migrations. Called after the service has read its own settings,
  // so that a bad setting stops it before the database is touched.
  absl::Status Migrate() const;
  // Migrate, then a channel to the identity service (config().identity_address): what every
  // service but identity does once its settings are read.
  absl::StatusOr<std::shared_ptr<grpc::Channel>> MigrateAndDialIdentity() const;
  // A channel to another service at the address `address` says (a SIXSTEPS_TEXT_SETTING such
  // as --framework_address), with the same TLS and message limits (DialService).
  absl::StatusOr<std::shared_ptr<grpc::Channel>> Dial(const TextSetting& address) const;

 private:
  const ServiceProgram& program_;
  const ServerConfig& config_;
};

// The start of every service program:
//  1. blocks SIGTERM and SIGINT (Serve waits for them) before any thread starts;
//  2. names the service in its log lines and loads the server configuration;
//  3. runs `migrate` or `provision-database` instead of serving when the command line names
//     one (services/common/setup_commands.h);
//  4. otherwise calls `run`, which reads the service's own settings, calls Migrate, wires
//     the service and serves it (Serve), and returns the program's exit status (0 once
//     Serve has returned cleanly; a subcommand of its own may return another).
// A step that fails prints "{program}: {message}" on stderr and gives StartupFailed's exit
// status (2 for a bad flag or setting, else 1). A flag's value that is not of its type at all
// (--db_pool_size=eight) is absl::ParseCommandLine's to refuse, before this: absl's message,
// naming the flag, and exit status 1.
int ServiceMain(int argc, char** argv, const ServiceProgram& program,
                absl::FunctionRef<absl::StatusOr<int>(const ServiceStart&)> run);

// The hub's time zone, for dates and deadlines, from the program's --time_zone setting
// (declared in its main with its default, Europe/London, and SIXSTEPS_TIME_ZONE);
// INVALID_ARGUMENT "time_zone: unknown time zone {name}".
absl::StatusOr<absl::TimeZone> HubTimeZone(const TextSetting& time_zone);

// A service account's API key: the environment variable `key_env`, else the first line of
// the file `key_file` names (a SIXSTEPS_TEXT_SETTING such as --api_key_file); surrounding
// white space dropped. INVALID_ARGUMENT "{missing}" when there is none.
absl::StatusOr<std::string> ServiceAccountKey(const char* key_env, const TextSetting& key_file,
                                              absl::string_view missing);

}  // namespace sixsteps
