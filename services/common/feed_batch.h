// How a follower of the assessment change feed (the reporting read model, the notification
// service) applies a page of changes without one bad change stopping it for good.
#pragma once

#include <vector>

#include "absl/status/status.h"
#include "services/base/status_macros.h"

namespace sixsteps {

// Applies `changes` with `apply` all at once when it can. When that fails for good, applies
// them one at a time, so that every other change is applied and only one that can never be
// is set aside with `quarantine(change, its error)`. A transient failure (`transient`) stops
// it and is returned: the caller retries the page, and nothing is quarantined for it.
template <typename Change, typename Apply, typename Transient, typename Quarantine>
absl::Status ApplyOrQuarantine(const std::vector<Change>& changes, Apply&& apply,
                               Transient&& transient, Quarantine&& quarantine) {
  absl::Status status = apply(changes);
  if (status.ok() || transient(status)) return status;
  for (const Change& change : changes) {
    absl::Status single = apply(std::vector<Change>{change});
    if (single.ok()) continue;
    if (transient(single)) return single;
    SIXSTEPS_RETURN_IF_ERROR(quarantine(change, single));
  }
  return absl::OkStatus();
}

}  // namespace sixsteps
