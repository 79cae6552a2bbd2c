// `sixsteps retention ...` and `sixsteps legal-hold ...`: a partnership's retention policy
// and the tombstones of what the daily purge removed, and legal holds on rounds, on the
// RetentionService, which the assessment service serves (same address).
#pragma once

#include <vector>

#include "tools/sixsteps/command.h"

namespace sixsteps::cli {

// The dispatcher's entries for "retention" and "legal-hold" (endpoint "assessment").
std::vector<ServiceCommands> RetentionServiceCommands();

}  // namespace sixsteps::cli
