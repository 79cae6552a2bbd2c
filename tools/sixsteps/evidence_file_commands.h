// `sixsteps files ...`: evidence files on the EvidenceFileService, which the assessment
// service serves (same address): upload, download, list, show, and the download audit.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "tools/sixsteps/command.h"

namespace sixsteps::cli {

// The dispatcher's entry for "files" (endpoint "assessment").
ServiceCommands FilesServiceCommands();

// A file as given on the command line: ID or evidenceFiles/ID.
absl::StatusOr<std::string> ExpandEvidenceFileName(absl::string_view argument);

}  // namespace sixsteps::cli
