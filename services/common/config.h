// Server configuration: parsed once at start-up from flags, with environment fallbacks.
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/marshalling.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
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
  // --grpc_callback_api / SIXSTEPS_GRPC_CALLBACK_API: serve the SIXSTEPS_RPC methods on
  // gRPC's callback API with their handlers on the server's own executor (callback_rpc.h)
  // instead of the synchronous API. Off by default: on this project's two-core machine the
  // callback path cost more CPU per call than the synchronous one (docs/benchmarks.md,
  // "Serving on gRPC's callback API"); call deadlines reach PostgreSQL either way.
  bool callback_api = false;
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

// ---- Typed settings ----
//
// A program's setting is declared once, at file scope, with its type, default, range,
// environment variables and help, e.g.
//
//   SIXSTEPS_SETTING(int, db_pool_size, 8, 1, 256, "most database connections held open at once",
//                    "SIXSTEPS_DB_POOL_SIZE");
//   SIXSTEPS_SETTING(absl::Duration, shutdown_grace, absl::Seconds(10), absl::ZeroDuration(),
//                    absl::InfiniteDuration(), "how long in-flight calls may run on SIGTERM",
//                    "SIXSTEPS_SHUTDOWN_GRACE");
//
// which defines the absl flag --db_pool_size (of type std::optional<int>, so that an unset
// flag falls back to the environment) and the object SETTING_db_pool_size, whose Get() is the
// flag's value if it was given, else the first of the environment variables that is set
// (parsed as absl parses the flag), else the default, checked against the range:
// INVALID_ARGUMENT "{name} must be a whole number from {low} to {high}, got '{text}'" (a
// duration: "... must be a duration from {low} to {high} (such as 10s), got ..."; a boolean:
// "... must be true or false, got ..."). A value absl cannot parse as the flag's type stops
// absl::ParseCommandLine itself, with absl's message naming the flag. The flag's help
// gets the default, the range and the variables appended ("(default 8, from 1 to 256; or
// SIXSTEPS_DB_POOL_SIZE)"), so that --help and the check cannot disagree.
//
// SIXSTEPS_TEXT_SETTING(name, fallback, help, env...) declares a text setting the same way
// (a std::string flag: empty is unset); SIXSTEPS_SWITCH(name, help, env...) a boolean flag
// that may be given bare (--allow_plaintext), on when the flag is or the variable says true.

namespace settings_internal {

// How a setting's type is named in its refusal, and whether it has a range.
template <typename T>
struct Kind;
template <>
struct Kind<int> {
  static constexpr const char* kWhat = "a whole number";
  static constexpr const char* kExample = "";
  static constexpr bool kRanged = true;
};
template <>
struct Kind<absl::Duration> {
  static constexpr const char* kWhat = "a duration";
  static constexpr const char* kExample = " (such as 10s)";
  static constexpr bool kRanged = true;
};
template <>
struct Kind<bool> {
  static constexpr const char* kWhat = "true or false";
  static constexpr const char* kExample = "";
  static constexpr bool kRanged = false;
};

// A value as its flag would be written ("8", "10s", "true").
template <typename T>
std::string Show(const T& value) {
  return absl::UnparseFlag(value);
}
inline std::string Show(absl::Duration value) { return absl::FormatDuration(value); }

// The value of the first of `env_names` that is set and not empty, else "".
std::string FromEnvironment(const std::vector<const char*>& env_names);
// " (default {fallback}[, {range}][; or {env_names}])" for a flag's help.
std::string HelpSuffix(absl::string_view fallback, absl::string_view range,
                       const std::vector<const char*>& env_names);
// INVALID_ARGUMENT "{name} must be {what}{range}, got '{text}'".
absl::Status Refused(absl::string_view name, absl::string_view what, absl::string_view range,
                     absl::string_view text);

}  // namespace settings_internal

// A typed setting: see SIXSTEPS_SETTING. T is int, absl::Duration or bool.
template <typename T>
class Setting {
 public:
  // `flag` may be null: the setting is then read from the environment (or Parse's text) only.
  Setting(const absl::Flag<std::optional<T>>* flag, absl::string_view name, T fallback, T low,
          T high, std::initializer_list<const char*> env_names)
      : flag_(flag),
        name_(name),
        fallback_(fallback),
        low_(low),
        high_(high),
        env_names_(env_names) {}

  // The flag's value, else the environment's, else the default; checked.
  absl::StatusOr<T> Get() const {
    if (flag_ != nullptr) {
      if (std::optional<T> given = absl::GetFlag(*flag_)) {
        return Check(*given, settings_internal::Show(*given));
      }
    }
    return Parse(settings_internal::FromEnvironment(env_names_));
  }

  // `text` (an environment variable's) as this setting's value: empty is the default.
  absl::StatusOr<T> Parse(absl::string_view text) const {
    if (text.empty()) return fallback_;
    T value{};
    std::string error;
    if (!absl::ParseFlag(text, &value, &error)) return Refused(text);
    return Check(value, text);
  }

  // `text` followed by the default, the range and the environment variables.
  std::string Help(absl::string_view text) const {
    return absl::StrCat(text, settings_internal::HelpSuffix(settings_internal::Show(fallback_),
                                                            Range(), env_names_));
  }

  const std::string& name() const { return name_; }

 private:
  using Kind = settings_internal::Kind<T>;

  std::string Range() const {
    if constexpr (Kind::kRanged) {
      return absl::StrCat("from ", settings_internal::Show(low_), " to ",
                          settings_internal::Show(high_));
    } else {
      return "";
    }
  }
  absl::StatusOr<T> Check(const T& value, absl::string_view text) const {
    if constexpr (Kind::kRanged) {
      if (value < low_ || high_ < value) return Refused(text);
    }
    return value;
  }
  absl::Status Refused(absl::string_view text) const {
    const std::string range = Range();
    return settings_internal::Refused(
        name_, Kind::kWhat, range.empty() ? "" : absl::StrCat(" ", range, Kind::kExample), text);
  }

  const absl::Flag<std::optional<T>>* flag_;
  std::string name_;
  T fallback_;
  T low_;
  T high_;
  std::vector<const char*> env_names_;
};

// A text setting: see SIXSTEPS_TEXT_SETTING.
class TextSetting {
 public:
  TextSetting(const absl::Flag<std::string>* flag, absl::string_view fallback,
              std::initializer_list<const char*> env_names)
      : flag_(flag), fallback_(fallback), env_names_(env_names) {}

  // The flag's value if not empty, else the environment's, else the default.
  std::string Get() const;
  std::string Help(absl::string_view text) const;

 private:
  const absl::Flag<std::string>* flag_;
  std::string fallback_;
  std::vector<const char*> env_names_;
};

// A boolean flag that may be given bare: see SIXSTEPS_SWITCH.
class Switch {
 public:
  Switch(const absl::Flag<bool>* flag, absl::string_view name,
         std::initializer_list<const char*> env_names)
      : flag_(flag), name_(name), env_names_(env_names) {}

  // On when the flag is given, or the first variable set says true (true, 1, yes...);
  // INVALID_ARGUMENT "{name} must be true or false, got '{text}'" for a variable that is
  // neither.
  absl::StatusOr<bool> Get() const;
  std::string Help(absl::string_view text) const;

 private:
  const absl::Flag<bool>* flag_;
  std::string name_;
  std::vector<const char*> env_names_;
};

// The text forms, for a value that is no flag of its own (and the fuzz target): `flag_value`
// if not empty, else the first of `env_names` set, else `fallback`; checked as a Setting.
absl::StatusOr<int> IntSetting(absl::string_view name, const std::string& flag_value,
                               std::initializer_list<const char*> env_names, int fallback, int low,
                               int high);
absl::StatusOr<absl::Duration> DurationSetting(absl::string_view name,
                                               const std::string& flag_value,
                                               std::initializer_list<const char*> env_names,
                                               absl::Duration fallback, absl::Duration low,
                                               absl::Duration high);

}  // namespace sixsteps

// Defines the flag --{name} (std::optional<type>) and sixsteps::Setting<type> SETTING_{name}
// (at global scope, as ABSL_FLAG). The trailing arguments are the environment variables.
#define SIXSTEPS_SETTING(type, name, fallback, low, high, help, ...)                        \
  extern const ::sixsteps::Setting<type> SETTING_##name;                                    \
  ABSL_FLAG(std::optional<type>, name, std::nullopt, SETTING_##name.Help(help));            \
  const ::sixsteps::Setting<type> SETTING_##name(&FLAGS_##name, #name, fallback, low, high, \
                                                 {__VA_ARGS__})

// A boolean setting whose flag takes a value (--name=true, --name=false): unset, the
// environment's or the default.
#define SIXSTEPS_BOOL_SETTING(name, fallback, help, ...) \
  SIXSTEPS_SETTING(bool, name, fallback, false, true, help, __VA_ARGS__)

// Defines the flag --{name} (std::string) and sixsteps::TextSetting SETTING_{name}.
#define SIXSTEPS_TEXT_SETTING(name, fallback, help, ...)       \
  extern const ::sixsteps::TextSetting SETTING_##name;         \
  ABSL_FLAG(std::string, name, "", SETTING_##name.Help(help)); \
  const ::sixsteps::TextSetting SETTING_##name(&FLAGS_##name, fallback, {__VA_ARGS__})

// Defines the flag --{name} (bool, default false) and sixsteps::Switch SETTING_{name}.
#define SIXSTEPS_SWITCH(name, help, ...)                   \
  extern const ::sixsteps::Switch SETTING_##name;          \
  ABSL_FLAG(bool, name, false, SETTING_##name.Help(help)); \
  const ::sixsteps::Switch SETTING_##name(&FLAGS_##name, #name, {__VA_ARGS__})
