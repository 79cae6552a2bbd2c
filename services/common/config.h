// Server configuration: parsed once at start-up from flags, with environment fallbacks.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/common/tls.h"

namespace sixsteps {

// gRPC message sizes, set deliberately on every server and every channel (issue 13: with
// gRPC's defaults, one record grown past 4 MiB made every read of it, and every feed
// page holding it, fail for good). Requests are small (the largest honest one, a batch of
// 500 responses with evidence, is well under 4 MiB); responses may be larger (a page of
// 1,000 actions, a report export), so servers send and clients accept up to 16 MiB. Data
// is capped where it is written (a record's texts, notes per action…) so that no single
// record comes near these; lists page by count and by bytes.
inline constexpr int kMaxRequestMessageBytes = 4 * 1024 * 1024;
inline constexpr int kMaxResponseMessageBytes = 16 * 1024 * 1024;

// What one gRPC server may use of its process, so that one client (or tenant) cannot take
// every thread or unbounded memory from the others. Beyond them gRPC refuses calls with
// RESOURCE_EXHAUSTED rather than queueing without bound.
struct ServerLimits {
  // --grpc_max_threads / SIXSTEPS_GRPC_MAX_THREADS: threads serving calls at once
  // (synchronous handlers and open streams each hold one).
  int max_threads = 100;
  // --grpc_memory_mb / SIXSTEPS_GRPC_MEMORY_MB: memory gRPC may take for its buffers (the
  // messages being received and sent), in MiB.
  int memory_mb = 64;
  // --grpc_max_calls_in_flight / SIXSTEPS_GRPC_MAX_CALLS_IN_FLIGHT: calls served at once
  // (streams included, health checks not); past it a call gets RESOURCE_EXHAUSTED at once
  // instead of waiting (services/common/admission.h). Below max_threads, so that shedding
  // starts before the threads run out, and above the assessment service's 64 WatchChanges
  // streams, so that open streams alone never shed the unary calls. 0: no limit.
  int max_calls_in_flight = 80;
  int max_receive_message_bytes = kMaxRequestMessageBytes;
  int max_send_message_bytes = kMaxResponseMessageBytes;
};

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
  // Threads, memory and message sizes of the gRPC server.
  ServerLimits limits;
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
// LoadServerConfig once absl has parsed the command line (which it does once a process): the
// configuration from the flags' values and the environment. `positional` is what
// absl::ParseCommandLine returned (the program's name first). The fuzz target
// tests/fuzz/config_fuzz.cc sets the flags' values and calls this for each input.
absl::StatusOr<ServerConfig> ServerConfigFromFlags(const std::vector<char*>& positional,
                                                   const ServiceDefaults& defaults);

// The value of a flag if it was given, otherwise of the first environment variable that
// is set, otherwise the fallback.
std::string FlagOrEnv(const std::string& flag_value, std::initializer_list<const char*> env_names,
                      absl::string_view fallback);

// The typed settings every program reads the same way: FlagOrEnv, then parsed and checked
// here, so that each setting is one line in its main and a bad one reads alike everywhere:
// INVALID_ARGUMENT "{name} must be a whole number from {low} to {high}, got '{text}'".
absl::StatusOr<int> IntSetting(absl::string_view name, const std::string& flag_value,
                               std::initializer_list<const char*> env_names, int fallback, int low,
                               int high);
// A duration such as 10s or 15m in [low, high]; INVALID_ARGUMENT "{name} must be a duration
// from {low} to {high} (such as 10s), got '{text}'".
absl::StatusOr<absl::Duration> DurationSetting(absl::string_view name,
                                               const std::string& flag_value,
                                               std::initializer_list<const char*> env_names,
                                               absl::Duration fallback, absl::Duration low,
                                               absl::Duration high);

}  // namespace sixsteps
