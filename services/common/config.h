// Server configuration: parsed once at start-up from flags, with environment fallbacks.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/common/tls.h"

namespace sixsteps {

// What every server needs. Each field is a flag, or else an environment variable, or else
// the default below.
struct ServerConfig {
  // --listen / SIXSTEPS_LISTEN: "host:port" (port 0 picks a free one) or "unix:/path".
  std::string listen_address;
  // --metrics_listen / SIXSTEPS_METRICS_LISTEN: "host:port" to serve Prometheus metrics on
  // over plain HTTP (GET /metrics); empty (the default) serves none.
  std::string metrics_listen;
  // --database_url / SIXSTEPS_DATABASE_URL or DATABASE_URL: a libpq connection string.
  std::string database_url;
  // --identity_address / SIXSTEPS_IDENTITY_ADDRESS: where the identity service publishes
  // the public keys that verify access tokens.
  std::string identity_address;
  // --db_pool_size / SIXSTEPS_DB_POOL_SIZE: most connections held open at once.
  int db_pool_size = 8;
  // --shutdown_grace / SIXSTEPS_SHUTDOWN_GRACE: how long in-flight calls get on SIGTERM.
  absl::Duration shutdown_grace = absl::Seconds(10);
  // Transport security for serving and for calling other services.
  TlsSettings tls;
  // Words on the command line that are not flags (a subcommand such as "bootstrap").
  std::vector<std::string> arguments;
};

// Defaults that differ between services.
struct ServiceDefaults {
  absl::string_view service_name;
  absl::string_view listen_address;
};

// Parses argv (absl flags) and the environment. Bad configuration is an error naming the
// setting, so main can stop with one clear line.
absl::StatusOr<ServerConfig> LoadServerConfig(int argc, char** argv,
                                              const ServiceDefaults& defaults);

// The value of a flag if it was given, otherwise of the first environment variable that
// is set, otherwise the fallback.
std::string FlagOrEnv(const std::string& flag_value, std::initializer_list<const char*> env_names,
                      absl::string_view fallback);

}  // namespace sixsteps
