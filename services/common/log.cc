#include "services/common/log.h"

#include <cstdio>
#include <mutex>
#include <string>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace sixsteps {
namespace {

std::mutex& LogMutex() {
  static std::mutex mu;
  return mu;
}

std::string& ServiceName() {
  static std::string name = "sixsteps";
  return name;
}

std::function<void(const std::string&)>& Sink() {
  static std::function<void(const std::string&)> sink;
  return sink;
}

}  // namespace

void SetLogSinkForTesting(std::function<void(const std::string& line)> sink) {
  std::lock_guard<std::mutex> lock(LogMutex());
  Sink() = std::move(sink);
}

void SetLogServiceName(absl::string_view service) { ServiceName() = std::string(service); }

void LogEvent(absl::string_view event, nlohmann::json fields) {
  nlohmann::json line = nlohmann::json::object();
  line["time"] = absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(), absl::UTCTimeZone());
  line["service"] = ServiceName();
  line["event"] = std::string(event);
  if (fields.is_object()) line.update(fields);
  // Invalid UTF-8 from a client must not throw out of the logger.
  std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::lock_guard<std::mutex> lock(LogMutex());
  if (Sink()) {
    Sink()(text);
    return;
  }
  std::fprintf(stderr, "%s\n", text.c_str());
  std::fflush(stderr);
}

}  // namespace sixsteps
