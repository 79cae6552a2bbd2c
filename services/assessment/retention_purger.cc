#include "services/assessment/retention_purger.h"

#include "services/assessment/action_domain.h"
#include "services/assessment/retention_domain.h"
#include "services/base/status_macros.h"
#include "services/common/log.h"

namespace sixsteps::assessment {

absl::StatusOr<std::vector<v1::Tombstone>> RetentionPurger::PurgeDue() {
  const PurgeDay day{clock_->Now(), zone_};
  std::vector<v1::Tombstone> purged;
  // Each step purges one thing, which is then gone, so this ends; the bound only guards
  // against a store that keeps answering.
  for (int i = 0; i < 1000000; ++i) {
    SIXSTEPS_ASSIGN_OR_RETURN(std::optional<v1::Tombstone> tombstone, store_->PurgeOneExpired(day));
    if (!tombstone) break;
    // The audit trail beside the tombstone and the feed: what, its hash, by which policy.
    LogEvent("record_purged", {{"resource", tombstone->purged_resource()},
                               {"kind", RetainedKindWord(tombstone->kind())},
                               {"sha256", tombstone->sha256()},
                               {"policy", tombstone->policy()},
                               {"policy_revision", std::to_string(tombstone->policy_revision())},
                               {"tombstone", tombstone->name()}});
    purged.push_back(*std::move(tombstone));
  }
  return purged;
}

void RetentionPurger::Start() {
  // Purges on the first wake of each day (and at start): `purged_day` is the last day a
  // pass completed.
  job_.Start([this, purged_day = std::string()]() mutable {
    const std::string today = TodayIn(zone_, clock_->Now());
    if (today == purged_day) return;
    absl::StatusOr<std::vector<v1::Tombstone>> purged = PurgeDue();
    if (purged.ok()) {
      purged_day = today;
    } else {
      // The database may be away for a while: the next wake tries again.
      LogEvent("retention_purge_failed", {{"error", purged.status().ToString()}});
    }
  });
}

}  // namespace sixsteps::assessment
