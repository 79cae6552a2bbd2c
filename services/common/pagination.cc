#include "services/common/pagination.h"

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "sixsteps/internal/v1/page_token.pb.h"

namespace sixsteps {

absl::StatusOr<int> NormalisePageSize(int requested, int default_size, int max_size) {
  if (requested < 0) return absl::InvalidArgumentError("page_size must not be negative");
  if (requested == 0) return default_size;
  return requested > max_size ? max_size : requested;
}

std::string EncodePageToken(absl::string_view after_key, absl::string_view query) {
  internal::v1::PageToken token;
  token.set_after_key(std::string(after_key));
  token.set_query(std::string(query));
  return absl::WebSafeBase64Escape(token.SerializeAsString());
}

absl::StatusOr<std::string> DecodePageToken(absl::string_view token, absl::string_view query) {
  if (token.empty()) return std::string();
  std::string bytes;
  internal::v1::PageToken decoded;
  if (!absl::WebSafeBase64Unescape(token, &bytes) || !decoded.ParseFromString(bytes) ||
      decoded.after_key().empty()) {
    return absl::InvalidArgumentError("page_token is not a token this service issued");
  }
  if (decoded.query() != query) {
    return absl::InvalidArgumentError(
        "page_token belongs to a different query; repeat the request that returned it");
  }
  return decoded.after_key();
}

}  // namespace sixsteps
