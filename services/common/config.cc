#include "services/common/config.h"

#include <cstdlib>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/base/status_macros.h"

// The settings every service program reads (ServerConfig).
SIXSTEPS_TEXT_SETTING(listen, "", "address to serve gRPC on, host:port or unix:/path",
                      "SIXSTEPS_LISTEN");
SIXSTEPS_TEXT_SETTING(metrics_listen, "",
                      "host:port to serve Prometheus metrics on over HTTP (GET /metrics); empty: "
                      "none",
                      "SIXSTEPS_METRICS_LISTEN");
SIXSTEPS_TEXT_SETTING(database_url, "", "libpq connection string of this service's database",
                      "SIXSTEPS_DATABASE_URL", "DATABASE_URL");
SIXSTEPS_TEXT_SETTING(identity_address, "127.0.0.1:50052", "host:port of the identity service",
                      "SIXSTEPS_IDENTITY_ADDRESS");
SIXSTEPS_SETTING(int, db_pool_size, 8, 1, 256, "most database connections held open at once",
                 "SIXSTEPS_DB_POOL_SIZE");
SIXSTEPS_TEXT_SETTING(tls_cert, "", "PEM certificate chain to serve with (and present to peers)",
                      "SIXSTEPS_TLS_CERT");
SIXSTEPS_TEXT_SETTING(tls_key, "", "PEM private key of tls_cert", "SIXSTEPS_TLS_KEY");
SIXSTEPS_TEXT_SETTING(tls_ca, "", "PEM CA that signs every service's certificate (mutual TLS)",
                      "SIXSTEPS_TLS_CA");
SIXSTEPS_SWITCH(allow_plaintext, "serve plaintext on a non-loopback address",
                "SIXSTEPS_ALLOW_PLAINTEXT");
SIXSTEPS_SETTING(int, grpc_max_threads, 100, 8, 4096,
                 "most threads the gRPC server serves calls on at once",
                 "SIXSTEPS_GRPC_MAX_THREADS");
SIXSTEPS_SETTING(int, grpc_max_calls_in_flight, 80, 0, 4096,
                 "most calls served at once before further ones get RESOURCE_EXHAUSTED (0: no "
                 "limit)",
                 "SIXSTEPS_GRPC_MAX_CALLS_IN_FLIGHT");  // faults (H5)
SIXSTEPS_BOOL_SETTING(grpc_callback_api, false,
                      "serve SIXSTEPS_RPC methods on gRPC's callback API (an executor of our own)",
                      "SIXSTEPS_GRPC_CALLBACK_API");
SIXSTEPS_SETTING(int, grpc_memory_mb, 64, 16, 65536,
                 "most memory, in MiB, the gRPC server takes for message buffers",
                 "SIXSTEPS_GRPC_MEMORY_MB");
// Issue #13, finding 19: the metrics listener has no TLS; beyond loopback only by choice.
SIXSTEPS_SWITCH(allow_plaintext_http,
                "serve the plain HTTP listeners (metrics, reports) on a non-loopback address",
                "SIXSTEPS_ALLOW_PLAINTEXT_HTTP");
SIXSTEPS_SETTING(absl::Duration, shutdown_grace, absl::Seconds(10), absl::ZeroDuration(),
                 absl::InfiniteDuration(), "how long in-flight calls may run on SIGTERM",
                 "SIXSTEPS_SHUTDOWN_GRACE");

namespace sixsteps {

std::string FlagOrEnv(const std::string& flag_value, std::initializer_list<const char*> env_names,
                      absl::string_view fallback) {
  if (!flag_value.empty()) return flag_value;
  std::string value = settings_internal::FromEnvironment(env_names);
  return value.empty() ? std::string(fallback) : value;
}

namespace settings_internal {

std::string FromEnvironment(const std::vector<const char*>& env_names) {
  for (const char* name : env_names) {
    const char* value = std::getenv(name);
    if (value != nullptr && *value != '\0') return value;
  }
  return "";
}

std::string HelpSuffix(absl::string_view fallback, absl::string_view range,
                       const std::vector<const char*>& env_names) {
  std::string suffix = absl::StrCat(" (default ", fallback.empty() ? "none" : fallback);
  if (!range.empty()) absl::StrAppend(&suffix, ", ", range);
  if (!env_names.empty()) absl::StrAppend(&suffix, "; or ", absl::StrJoin(env_names, " or "));
  return absl::StrCat(suffix, ")");
}

absl::Status Refused(absl::string_view name, absl::string_view what, absl::string_view range,
                     absl::string_view text) {
  return absl::InvalidArgumentError(
      absl::StrCat(name, " must be ", what, range, ", got '", text, "'"));
}

}  // namespace settings_internal

std::string TextSetting::Get() const {
  std::string value = absl::GetFlag(*flag_);
  if (value.empty()) value = settings_internal::FromEnvironment(env_names_);
  return value.empty() ? fallback_ : value;
}

std::string TextSetting::Help(absl::string_view text) const {
  return absl::StrCat(text, settings_internal::HelpSuffix(fallback_, "", env_names_));
}

absl::StatusOr<bool> Switch::Get() const {
  if (absl::GetFlag(*flag_)) return true;
  const std::string text = settings_internal::FromEnvironment(env_names_);
  if (text.empty()) return false;
  bool value = false;
  std::string error;
  if (!absl::ParseFlag(text, &value, &error)) {
    return settings_internal::Refused(name_, "true or false", "", text);
  }
  return value;
}

std::string Switch::Help(absl::string_view text) const {
  return absl::StrCat(text, settings_internal::HelpSuffix("false", "", env_names_));
}

absl::StatusOr<int> IntSetting(absl::string_view name, const std::string& flag_value,
                               std::initializer_list<const char*> env_names, int fallback, int low,
                               int high) {
  return Setting<int>(nullptr, name, fallback, low, high, {})
      .Parse(FlagOrEnv(flag_value, env_names, ""));
}

absl::StatusOr<absl::Duration> DurationSetting(absl::string_view name,
                                               const std::string& flag_value,
                                               std::initializer_list<const char*> env_names,
                                               absl::Duration fallback, absl::Duration low,
                                               absl::Duration high) {
  return Setting<absl::Duration>(nullptr, name, fallback, low, high, {})
      .Parse(FlagOrEnv(flag_value, env_names, ""));
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
  config.listen_address = SETTING_listen.Get();
  if (config.listen_address.empty()) config.listen_address = std::string(defaults.listen_address);
  config.metrics_listen = SETTING_metrics_listen.Get();
  config.database_url = SETTING_database_url.Get();
  if (config.database_url.empty()) {
    return absl::InvalidArgumentError(
        "database_url is required (--database_url or SIXSTEPS_DATABASE_URL)");
  }
  config.identity_address = SETTING_identity_address.Get();
  SIXSTEPS_ASSIGN_OR_RETURN(config.db_pool_size, SETTING_db_pool_size.Get());
  SIXSTEPS_ASSIGN_OR_RETURN(config.limits.max_threads, SETTING_grpc_max_threads.Get());
  SIXSTEPS_ASSIGN_OR_RETURN(config.limits.max_calls_in_flight,  // faults (H5)
                            SETTING_grpc_max_calls_in_flight.Get());
  SIXSTEPS_ASSIGN_OR_RETURN(config.limits.memory_mb, SETTING_grpc_memory_mb.Get());
  SIXSTEPS_ASSIGN_OR_RETURN(config.limits.callback_api, SETTING_grpc_callback_api.Get());
  SIXSTEPS_ASSIGN_OR_RETURN(config.shutdown_grace, SETTING_shutdown_grace.Get());
  config.tls.cert_file = SETTING_tls_cert.Get();
  config.tls.key_file = SETTING_tls_key.Get();
  config.tls.ca_file = SETTING_tls_ca.Get();
  SIXSTEPS_ASSIGN_OR_RETURN(config.tls.allow_plaintext, SETTING_allow_plaintext.Get());
  SIXSTEPS_ASSIGN_OR_RETURN(config.tls.allow_plaintext_http, SETTING_allow_plaintext_http.Get());
  if (absl::Status plaintext =
          CheckPlaintextHttpListener(config.metrics_listen, config.tls, "metrics_listen");
      !plaintext.ok()) {
    return plaintext;
  }
  return config;
}

}  // namespace sixsteps
