// The configuration every service reads at start-up (services/common/config.h): each flag's
// value, as absl parses it from the command line, and the SIXSTEPS_* environment variables,
// all fuzzed, through ServerConfigFromFlags (LoadServerConfig after absl's one parse of the
// command line) and the typed settings. Every bad value is INVALID_ARGUMENT naming the
// setting, never a crash.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <string>
#include <vector>

#include "absl/flags/reflection.h"
#include "absl/status/status.h"
#include "services/common/config.h"

namespace {

constexpr const char* kFlags[] = {"listen",           "metrics_listen", "database_url",
                                  "identity_address", "db_pool_size",   "tls_cert",
                                  "tls_key",          "tls_ca",         "allow_plaintext",
                                  "grpc_max_threads", "grpc_memory_mb", "allow_plaintext_http",
                                  "shutdown_grace"};
constexpr const char* kEnv[] = {"SIXSTEPS_LISTEN",
                                "SIXSTEPS_METRICS_LISTEN",
                                "SIXSTEPS_DATABASE_URL",
                                "DATABASE_URL",
                                "SIXSTEPS_IDENTITY_ADDRESS",
                                "SIXSTEPS_DB_POOL_SIZE",
                                "SIXSTEPS_GRPC_MAX_THREADS",
                                "SIXSTEPS_GRPC_MEMORY_MB",
                                "SIXSTEPS_SHUTDOWN_GRACE",
                                "SIXSTEPS_ALLOW_PLAINTEXT",
                                "SIXSTEPS_ALLOW_PLAINTEXT_HTTP",
                                "SIXSTEPS_TLS_CERT",
                                "SIXSTEPS_TLS_KEY",
                                "SIXSTEPS_TLS_CA"};

void ExpectInvalidArgumentIfRefused(const absl::Status& status, const char* what) {
  if (status.ok() || status.code() == absl::StatusCode::kInvalidArgument) return;
  std::fprintf(stderr, "%s: %s\n", what, status.ToString().c_str());
  std::abort();
}

absl::CommandLineFlag& Flag(const char* name) {
  absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
  if (flag == nullptr) {
    std::fprintf(stderr, "no flag --%s\n", name);
    std::abort();
  }
  return *flag;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider input(data, size);
  // A value as argv or the environment can hold one: up to its first NUL.
  auto value = [&input] {
    std::string text = input.ConsumeRandomLengthString(200);
    return std::string(text.c_str());
  };
  // Each run starts from the flags' defaults: they keep their values between runs.
  for (const char* name : kFlags) {
    std::string error;
    Flag(name).ParseFrom(Flag(name).DefaultValue(), &error);
  }
  const int flags = input.ConsumeIntegralInRange<int>(0, 8);
  for (int i = 0; i < flags; ++i) {
    const char* name = kFlags[input.ConsumeIntegralInRange<size_t>(0, std::size(kFlags) - 1)];
    std::string error;
    // As absl's parser does with --name=value; a value it refuses (a boolean that is not
    // one) stops a real program before the configuration is read.
    if (!Flag(name).ParseFrom(value(), &error)) return 0;
  }
  for (const char* name : kEnv) ::unsetenv(name);
  const int variables = input.ConsumeIntegralInRange<int>(0, 6);
  for (int i = 0; i < variables; ++i) {
    const char* name = kEnv[input.ConsumeIntegralInRange<size_t>(0, std::size(kEnv) - 1)];
    ::setenv(name, value().c_str(), 1);
  }
  std::string program = "sixsteps-fuzz";
  std::string word = value();
  std::vector<char*> positional = {program.data(), word.data()};

  absl::StatusOr<sixsteps::ServerConfig> config =
      sixsteps::ServerConfigFromFlags(positional, {"fuzz", "127.0.0.1:0"});
  ExpectInvalidArgumentIfRefused(config.status(), "ServerConfigFromFlags");

  const std::string text = value();
  ExpectInvalidArgumentIfRefused(sixsteps::IntSetting("setting", text, {}, 1, -5, 1 << 20).status(),
                                 "IntSetting");
  ExpectInvalidArgumentIfRefused(sixsteps::DurationSetting("setting", text, {}, absl::Seconds(1),
                                                           absl::ZeroDuration(), absl::Hours(1))
                                     .status(),
                                 "DurationSetting");
  return 0;
}
