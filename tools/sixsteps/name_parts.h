// What the CLI's name expansions share (identity_names.cc, assessment_names.cc): reading a
// resource name in parts, and the simple case "ID" or "{collection}/ID".
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace sixsteps::cli {

// Whether any part of a name split at '/' is empty ("a//b", "/a", "a/").
bool AnyEmpty(const std::vector<absl::string_view>& parts);

// "x" or "{collection}/x" -> "{collection}/x"; anything else is a usage error naming `what`
// with its article ("a region", "an assessment").
absl::StatusOr<std::string> ExpandSimple(absl::string_view argument, absl::string_view collection,
                                         absl::string_view what);

}  // namespace sixsteps::cli
