// The error statuses every service and the CLI build, in one place (as google-cloud-cpp's
// internal/make_status.h), so that the same refusal reads the same everywhere.
#pragma once

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace sixsteps {

// NOT_FOUND "{what} not found", e.g. NotFound("assessments/a-1").
absl::Status NotFound(absl::string_view what);

// INVALID_ARGUMENT "{field}: {problem}", e.g. Invalid("page_size", "must be at most 1000").
absl::Status Invalid(absl::string_view field, absl::string_view problem);

}  // namespace sixsteps
