#include "services/base/etag.h"

#include "absl/strings/str_cat.h"

namespace sixsteps {

absl::Status CheckEtag(absl::string_view given, absl::string_view stored, absl::string_view what) {
  if (!given.empty() && given != stored) {
    return absl::AbortedError(absl::StrCat(what, " changed since you read it (etag ", given,
                                           ", now ", stored, "); read it again and reapply"));
  }
  return absl::OkStatus();
}

absl::Status RequireEtag(absl::string_view given, absl::string_view field) {
  if (given.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ": required; read the record and send the etag of the version you change"));
  }
  return absl::OkStatus();
}

}  // namespace sixsteps
