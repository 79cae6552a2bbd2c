#include "tools/sixsteps/name_parts.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "tools/sixsteps/cli_status.h"

namespace sixsteps::cli {

bool AnyEmpty(const std::vector<absl::string_view>& parts) {
  return std::any_of(parts.begin(), parts.end(), [](absl::string_view p) { return p.empty(); });
}

absl::StatusOr<std::string> ExpandSimple(absl::string_view argument, absl::string_view collection,
                                         absl::string_view what) {
  std::vector<absl::string_view> parts = absl::StrSplit(argument, '/');
  if (!AnyEmpty(parts)) {
    if (parts.size() == 1) return absl::StrCat(collection, "/", argument);
    if (parts.size() == 2 && parts[0] == collection) return std::string(argument);
  }
  return UsageError(
      absl::StrCat("'", argument, "' is not ", what, " name: expected ID or ", collection, "/ID"));
}

}  // namespace sixsteps::cli
