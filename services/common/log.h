// Structured logging: one JSON object per line on standard error.
#pragma once


#include <nlohmann/json.hpp>

#include "absl/strings/string_view.h"

namespace sixsteps {

// Writes {"time":..., "service":..., "event": event, ...fields} as one line. Thread-safe.
void LogEvent(absl::string_view event, nlohmann::json fields = nlohmann::json::object());

// Names the service in every line this process logs. Call once at start-up.
void SetLogServiceName(absl::string_view service);

}  // namespace sixsteps
