// The configuration every service reads at start-up (services/common/config.h): its flags
// and SIXSTEPS_* environment variables with fuzzed values, through LoadServerConfig and the
// typed settings. Every bad value is INVALID_ARGUMENT naming the setting, never a crash.
// Only the string-valued flags are given (absl's parser stops the process on a malformed
// boolean, which is its documented behaviour for a command line, not a parser bug).
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/flags/reflection.h"
#include "absl/status/status.h"
#include "services/common/config.h"

namespace {

constexpr const char* kFlags[] = {"listen",           "metrics_listen", "database_url",
                                  "identity_address", "db_pool_size",   "tls_cert",
                                  "tls_key",          "tls_ca",         "grpc_max_threads",
                                  "grpc_memory_mb",   "shutdown_grace"};
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
                                "SIXSTEPS_TLS_CERT"};

void ExpectInvalidArgumentIfRefused(const absl::Status& status, const char* what) {
  if (status.ok() || status.code() == absl::StatusCode::kInvalidArgument) return;
  std::fprintf(stderr, "%s: %s\n", what, status.ToString().c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider input(data, size);
  // A value is one line of the input: no NUL (it could not be in argv or the environment).
  auto value = [&input] {
    std::string text = input.ConsumeRandomLengthString(200);
    return std::string(text.c_str());
  };
  // Flags keep their values between runs: each run starts from the defaults.
  for (const char* name : kFlags) {
    std::string error;
    if (!absl::FindCommandLineFlag(name)->ParseFrom("", &error)) std::abort();
  }
  std::vector<std::string> words = {"sixsteps-fuzz"};
  const int flags = input.ConsumeIntegralInRange<int>(0, 8);
  for (int i = 0; i < flags; ++i) {
    const char* name = kFlags[input.ConsumeIntegralInRange<size_t>(0, std::size(kFlags) - 1)];
    words.push_back(std::string("--") + name + "=" + value());
  }
  for (const char* name : kEnv) ::unsetenv(name);
  const int variables = input.ConsumeIntegralInRange<int>(0, 6);
  for (int i = 0; i < variables; ++i) {
    const char* name = kEnv[input.ConsumeIntegralInRange<size_t>(0, std::size(kEnv) - 1)];
    ::setenv(name, value().c_str(), 1);
  }
  std::vector<char*> argv;
  for (std::string& word : words) argv.push_back(word.data());
  argv.push_back(nullptr);

  absl::StatusOr<sixsteps::ServerConfig> config = sixsteps::LoadServerConfig(
      static_cast<int>(words.size()), argv.data(), {"fuzz", "127.0.0.1:0"});
  ExpectInvalidArgumentIfRefused(config.status(), "LoadServerConfig");

  const std::string text = value();
  ExpectInvalidArgumentIfRefused(sixsteps::IntSetting("setting", text, {}, 1, -5, 1 << 20).status(),
                                 "IntSetting");
  ExpectInvalidArgumentIfRefused(sixsteps::DurationSetting("setting", text, {}, absl::Seconds(1),
                                                           absl::ZeroDuration(), absl::Hours(1))
                                     .status(),
                                 "DurationSetting");
  return 0;
}
