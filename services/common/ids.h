// Random resource ids.
#pragma once

#include <string>

#include "absl/strings/string_view.h"

namespace sixsteps {

// "{prefix}-{16 hex digits}" from the operating system's random generator, for ids the
// services assign ("a-1f3a9c0d5e7b2a48"). 64 random bits: collisions are not a concern at
// a hub's scale, and a unique index refuses one anyway.
std::string RandomId(absl::string_view prefix);

}  // namespace sixsteps
