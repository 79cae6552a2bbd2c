#include "services/common/config.h"

#include <cstdlib>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "services/base/status_macros.h"

ABSL_FLAG(std::string, listen, "", "address to serve gRPC on, host:port or unix:/path");
ABSL_FLAG(std::string, metrics_listen, "",
          "host:port to serve Prometheus metrics on over HTTP (GET /metrics); empty: none");
ABSL_FLAG(std::string, database_url, "", "libpq connection string of this service's database");
ABSL_FLAG(std::string, identity_address, "", "host:port of the identity service");
ABSL_FLAG(std::string, db_pool_size, "", "most database connections held open at once");
ABSL_FLAG(std::string, tls_cert, "", "PEM certificate chain to serve with (and present to peers)");
ABSL_FLAG(std::string, tls_key, "", "PEM private key of tls_cert");
ABSL_FLAG(std::string, tls_ca, "", "PEM CA that signs every service's certificate (mutual TLS)");
ABSL_FLAG(bool, allow_plaintext, false, "serve plaintext on a non-loopback address");
ABSL_FLAG(std::string, grpc_max_threads, "",
          "most threads the gRPC server serves calls on at once (default 100)");
ABSL_FLAG(std::string, grpc_max_calls_in_flight, "",
          "most calls served at once before further ones get RESOURCE_EXHAUSTED (default 80, "
          "0 for no limit)");  // faults (H5)
ABSL_FLAG(std::string, grpc_memory_mb, "",
          "most memory, in MiB, the gRPC server takes for message buffers (default 64)");
ABSL_FLAG(bool, allow_plaintext_http, false,
          "serve the plain HTTP listeners (metrics, reports) on a non-loopback address");
ABSL_FLAG(std::string, shutdown_grace, "",
          "how long in-flight calls may run on SIGTERM (e.g. 10s)");

namespace sixsteps {

std::string FlagOrEnv(const std::string& flag_value, std::initializer_list<const char*> env_names,
                      absl::string_view fallback) {
  if (!flag_value.empty()) return flag_value;
  for (const char* name : env_names) {
    const char* value = std::getenv(name);
    if (value != nullptr && *value != '\0') return value;
  }
  return std::string(fallback);
}

absl::StatusOr<int> IntSetting(absl::string_view name, const std::string& flag_value,
                               std::initializer_list<const char*> env_names, int fallback, int low,
                               int high) {
  const std::string text = FlagOrEnv(flag_value, env_names, "");
  if (text.empty()) return fallback;
  int value = 0;
  if (!absl::SimpleAtoi(text, &value) || value < low || value > high) {
    return absl::InvalidArgumentError(absl::StrCat(name, " must be a whole number from ", low,
                                                   " to ", high, ", got '", text, "'"));
  }
  return value;
}

absl::StatusOr<absl::Duration> DurationSetting(absl::string_view name,
                                               const std::string& flag_value,
                                               std::initializer_list<const char*> env_names,
                                               absl::Duration fallback, absl::Duration low,
                                               absl::Duration high) {
  const std::string text = FlagOrEnv(flag_value, env_names, "");
  if (text.empty()) return fallback;
  absl::Duration value;
  if (!absl::ParseDuration(text, &value) || value < low || value > high) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, " must be a duration from ", absl::FormatDuration(low), " to ",
                     absl::FormatDuration(high), " (such as 10s), got '", text, "'"));
  }
  return value;
}

absl::StatusOr<ServerConfig> LoadServerConfig(int argc, char** argv,
                                              const ServiceDefaults& defaults) {
  absl::SetProgramUsageMessage(absl::StrCat("sixsteps ", defaults.service_name, " service"));
  std::vector<char*> positional = absl::ParseCommandLine(argc, argv);
  return ServerConfigFromFlags(positional, defaults);
}

absl::StatusOr<ServerConfig> ServerConfigFromFlags(const std::vector<char*>& positional,
                                                   const ServiceDefaults& defaults) {
  ServerConfig config;
  if (!positional.empty()) config.arguments.assign(positional.begin() + 1, positional.end());
  config.listen_address =
      FlagOrEnv(absl::GetFlag(FLAGS_listen), {"SIXSTEPS_LISTEN"}, defaults.listen_address);
  config.metrics_listen =
      FlagOrEnv(absl::GetFlag(FLAGS_metrics_listen), {"SIXSTEPS_METRICS_LISTEN"}, "");
  config.database_url =
      FlagOrEnv(absl::GetFlag(FLAGS_database_url), {"SIXSTEPS_DATABASE_URL", "DATABASE_URL"}, "");
  if (config.database_url.empty()) {
    return absl::InvalidArgumentError(
        "database_url is required (--database_url or SIXSTEPS_DATABASE_URL)");
  }
  config.identity_address = FlagOrEnv(absl::GetFlag(FLAGS_identity_address),
                                      {"SIXSTEPS_IDENTITY_ADDRESS"}, "127.0.0.1:50052");
  SIXSTEPS_ASSIGN_OR_RETURN(config.db_pool_size,
                            IntSetting("db_pool_size", absl::GetFlag(FLAGS_db_pool_size),
                                       {"SIXSTEPS_DB_POOL_SIZE"}, 8, 1, 256));
  SIXSTEPS_ASSIGN_OR_RETURN(config.limits.max_threads,
                            IntSetting("grpc_max_threads", absl::GetFlag(FLAGS_grpc_max_threads),
                                       {"SIXSTEPS_GRPC_MAX_THREADS"}, 100, 8, 4096));
  SIXSTEPS_ASSIGN_OR_RETURN(  // faults (H5)
      config.limits.max_calls_in_flight,
      IntSetting("grpc_max_calls_in_flight", absl::GetFlag(FLAGS_grpc_max_calls_in_flight),
                 {"SIXSTEPS_GRPC_MAX_CALLS_IN_FLIGHT"}, 80, 0, 4096));
  SIXSTEPS_ASSIGN_OR_RETURN(config.limits.memory_mb,
                            IntSetting("grpc_memory_mb", absl::GetFlag(FLAGS_grpc_memory_mb),
                                       {"SIXSTEPS_GRPC_MEMORY_MB"}, 64, 16, 65536));
  SIXSTEPS_ASSIGN_OR_RETURN(config.shutdown_grace,
                            DurationSetting("shutdown_grace", absl::GetFlag(FLAGS_shutdown_grace),
                                            {"SIXSTEPS_SHUTDOWN_GRACE"}, absl::Seconds(10),
                                            absl::ZeroDuration(), absl::InfiniteDuration()));
  config.tls.cert_file = FlagOrEnv(absl::GetFlag(FLAGS_tls_cert), {"SIXSTEPS_TLS_CERT"}, "");
  config.tls.key_file = FlagOrEnv(absl::GetFlag(FLAGS_tls_key), {"SIXSTEPS_TLS_KEY"}, "");
  config.tls.ca_file = FlagOrEnv(absl::GetFlag(FLAGS_tls_ca), {"SIXSTEPS_TLS_CA"}, "");
  config.tls.allow_plaintext = absl::GetFlag(FLAGS_allow_plaintext) ||
                               FlagOrEnv("", {"SIXSTEPS_ALLOW_PLAINTEXT"}, "") == "true";
  // Issue #13, finding 19: the metrics listener has no TLS; beyond loopback only by choice.
  config.tls.allow_plaintext_http = absl::GetFlag(FLAGS_allow_plaintext_http) ||
                                    FlagOrEnv("", {"SIXSTEPS_ALLOW_PLAINTEXT_HTTP"}, "") == "true";
  if (absl::Status plaintext =
          CheckPlaintextHttpListener(config.metrics_listen, config.tls, "metrics_listen");
      !plaintext.ok()) {
    return plaintext;
  }
  return config;
}

}  // namespace sixsteps
