// Reading the local files commands take (CSV imports, JSON, drafts), with the CLI's exit
// status for a file that cannot be read.
#pragma once

#include <string>

#include "absl/status/statusor.h"

namespace sixsteps::cli {

// The whole file, bytes as they are; kExitNoInput (a LocalError) if it cannot be read.
absl::StatusOr<std::string> ReadTextFile(const std::string& path);

}  // namespace sixsteps::cli
