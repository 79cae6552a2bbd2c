// Resource names ("partnerships/p-1/organisations/o-2") as the contracts spell them.
#pragma once

#include <string>

#include "absl/strings/string_view.h"

namespace sixsteps {

// The id at the end of a resource name: "regions/r-1" -> "r-1"; a bare id is returned as
// it is.
std::string LastSegment(absl::string_view name);

}  // namespace sixsteps
