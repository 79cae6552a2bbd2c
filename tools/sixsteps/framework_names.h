// Resource names of the framework service as the CLI accepts them: the full names
// "frameworks/{id}" and "frameworks/{id}/versions/{version}", or the short forms "ID" and
// "ID/VERSION". Only the shape is checked here; the service validates the ids.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace sixsteps::cli {

// The version `show` prints when given no argument.
inline constexpr absl::string_view kBuiltInVersionName = "frameworks/six-steps/versions/2019";

// What a name argument refers to.
struct FrameworkRef {
  enum class Kind { kFramework, kVersion };
  Kind kind;
  // The full resource name.
  std::string name;
};

// "x" or "frameworks/x" -> framework "frameworks/x"; "x/1" or "frameworks/x/versions/1" ->
// version "frameworks/x/versions/1". A usage error for anything else.
absl::StatusOr<FrameworkRef> ExpandFrameworkOrVersion(absl::string_view argument);
// Like ExpandFrameworkOrVersion, but a usage error unless the argument names a framework.
absl::StatusOr<std::string> ExpandFrameworkName(absl::string_view argument);
// Like ExpandFrameworkOrVersion, but a usage error unless the argument names a version.
absl::StatusOr<std::string> ExpandVersionName(absl::string_view argument);

// "frameworks/x/versions/1" -> "x/1" for compact text output; other strings unchanged.
std::string ShortVersionName(absl::string_view name);
// "frameworks/x" -> "x"; other strings unchanged.
std::string ShortFrameworkName(absl::string_view name);
// "frameworks/x/versions/1" -> "1"; other strings unchanged.
std::string VersionIdOf(absl::string_view name);

}  // namespace sixsteps::cli
