// Optimistic concurrency (AIP-154), one rule for every service: a write names the etag of the
// version it was read at, and is refused if the record has changed since.
#pragma once

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace sixsteps {

// ABORTED "{what} changed since you read it (etag {given}, now {stored}); ..." if `given` is
// set and differs from `stored`; an empty `given` passes (a write for which the etag is
// optional).
absl::Status CheckEtag(absl::string_view given, absl::string_view stored, absl::string_view what);

// For a call that overwrites a record the caller has read: its etag is required, so that a
// blind write cannot undo a change the caller never saw. INVALID_ARGUMENT naming `field`
// when `given` is empty.
absl::Status RequireEtag(absl::string_view given, absl::string_view field);

}  // namespace sixsteps
