// Structured logging: one JSON object per line on standard error.
#pragma once

#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "absl/strings/string_view.h"

namespace sixsteps {

// Writes {"time":..., "service":..., "event": event, ...fields} as one line. Thread-safe.
void LogEvent(absl::string_view event, nlohmann::json fields = nlohmann::json::object());

// Names the service in every line this process logs. Call once at start-up.
void SetLogServiceName(absl::string_view service);

// For tests: every line (without its newline) goes to `sink` instead of standard error,
// until called again with nullptr. Called with the logger's lock held: `sink` must not log.
void SetLogSinkForTesting(std::function<void(const std::string& line)> sink);

}  // namespace sixsteps
