// List pagination (AIP-158): page sizes and opaque, keyset-backed page tokens.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace sixsteps {

// A list's page sizes: what a page holds when page_size is 0, and at most. Each service names
// its lists' limits in one header (page_sizes.h) that the contracts' comments quote.
struct PageSizeLimits {
  int default_size;
  int max_size;
};

// Page size rules: 0 means `default_size`, negative is INVALID_ARGUMENT, larger than
// `max_size` is clamped.
absl::StatusOr<int> NormalisePageSize(int requested, int default_size = 50, int max_size = 500);
inline absl::StatusOr<int> NormalisePageSize(int requested, PageSizeLimits limits) {
  return NormalisePageSize(requested, limits.default_size, limits.max_size);
}

// Encodes where the next page starts (the last key returned) for the query named by
// `query` (its parent and filters), as an opaque URL-safe string.
std::string EncodePageToken(absl::string_view after_key, absl::string_view query);

// Decodes a token made by EncodePageToken. An empty token gives an empty key (the first
// page). A malformed token, or one made for another query, is INVALID_ARGUMENT.
absl::StatusOr<std::string> DecodePageToken(absl::string_view token, absl::string_view query);

}  // namespace sixsteps
