// The daily purge (issue 16): a background thread in the assessment service wakes every
// `interval` and, on the first wake of each day in the hub's time zone (and at start-up),
// purges everything that has expired by that day (RetentionStore::PurgeOneExpired, one
// transaction each). Purging is once across replicas and restarts: candidates are taken
// FOR UPDATE SKIP LOCKED, a purged thing is gone, and its tombstone's resource is unique.
// Tests call PurgeDue() with their own Clock.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/assessment/periodic_job.h"
#include "services/assessment/retention_store.h"
#include "services/base/clock.h"

namespace sixsteps::assessment {

class RetentionPurger {
 public:
  // Everything must outlive the purger.
  RetentionPurger(RetentionStore* store, const Clock* clock, absl::TimeZone hub_time_zone,
                  absl::Duration interval = absl::Minutes(10))
      : store_(store), clock_(clock), zone_(hub_time_zone), job_(interval) {}

  // Purges everything expired by today: the tombstones this call wrote (another replica
  // may have purged others meanwhile).
  absl::StatusOr<std::vector<v1::Tombstone>> PurgeDue();

  // Starts the background thread: PurgeDue() now and on the first wake of every new day,
  // until Stop().
  void Start();
  // Stops it and waits for a pass in progress to end. Idempotent.
  void Stop() { job_.Stop(); }

 private:
  RetentionStore* store_;
  const Clock* clock_;
  absl::TimeZone zone_;
  PeriodicJob job_;  // last: stopped (and joined) before the members its pass reads go
};

}  // namespace sixsteps::assessment
