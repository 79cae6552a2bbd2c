#include "tools/sixsteps/framework_names.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "tools/sixsteps/cli_status.h"

namespace sixsteps::cli {
namespace {

constexpr absl::string_view kNameForms =
    "expected ID, ID/VERSION, frameworks/ID or frameworks/ID/versions/VERSION";

}  // namespace

absl::StatusOr<FrameworkRef> ExpandFrameworkOrVersion(absl::string_view argument) {
  std::vector<absl::string_view> parts = absl::StrSplit(argument, '/');
  bool any_empty =
      std::any_of(parts.begin(), parts.end(), [](absl::string_view part) { return part.empty(); });
  if (!any_empty) {
    if (parts.size() == 1) {
      return FrameworkRef{FrameworkRef::Kind::kFramework, absl::StrCat("frameworks/", parts[0])};
    }
    if (parts.size() == 2 && parts[0] == "frameworks") {
      return FrameworkRef{FrameworkRef::Kind::kFramework, std::string(argument)};
    }
    if (parts.size() == 2) {
      return FrameworkRef{FrameworkRef::Kind::kVersion,
                          absl::StrCat("frameworks/", parts[0], "/versions/", parts[1])};
    }
    if (parts.size() == 4 && parts[0] == "frameworks" && parts[2] == "versions") {
      return FrameworkRef{FrameworkRef::Kind::kVersion, std::string(argument)};
    }
  }
  return UsageError(
      absl::StrCat("'", argument, "' is not a framework or version name: ", kNameForms));
}

absl::StatusOr<std::string> ExpandFrameworkName(absl::string_view argument) {
  SIXSTEPS_ASSIGN_OR_RETURN(FrameworkRef ref, ExpandFrameworkOrVersion(argument));
  if (ref.kind != FrameworkRef::Kind::kFramework) {
    return UsageError(absl::StrCat("'", argument,
                                   "' names a version; expected a framework: ID or frameworks/ID"));
  }
  return std::move(ref.name);
}

absl::StatusOr<std::string> ExpandVersionName(absl::string_view argument) {
  SIXSTEPS_ASSIGN_OR_RETURN(FrameworkRef ref, ExpandFrameworkOrVersion(argument));
  if (ref.kind != FrameworkRef::Kind::kVersion) {
    return UsageError(absl::StrCat(
        "'", argument,
        "' names a framework; expected a version: ID/VERSION or frameworks/ID/versions/VERSION"));
  }
  return std::move(ref.name);
}

std::string ShortVersionName(absl::string_view name) {
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  if (parts.size() == 4 && parts[0] == "frameworks" && parts[2] == "versions") {
    return absl::StrCat(parts[1], "/", parts[3]);
  }
  return std::string(name);
}

std::string ShortFrameworkName(absl::string_view name) {
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  if (parts.size() == 2 && parts[0] == "frameworks") return std::string(parts[1]);
  return std::string(name);
}

std::string VersionIdOf(absl::string_view name) {
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  if (parts.size() == 4 && parts[0] == "frameworks" && parts[2] == "versions") {
    return std::string(parts[3]);
  }
  return std::string(name);
}

}  // namespace sixsteps::cli
