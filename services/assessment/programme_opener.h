// Opens planned rounds on their open date, by itself: a background thread in the assessment
// service wakes every `interval` and opens every planned round due by "today" in the hub's
// time zone (ProgrammeStore::OpenOneDue, one transaction each). Opening is idempotent
// across replicas and restarts: each planned round is opened under its row lock (FOR
// UPDATE SKIP LOCKED) and only while it is still planned, and a round records the planned
// round it came from under a unique index. Tests call OpenDue() with their own Clock.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/assessment/periodic_job.h"
#include "services/assessment/programme_store.h"
#include "services/base/clock.h"

namespace sixsteps::assessment {

class PlannedRoundOpener {
 public:
  // Everything must outlive the opener.
  PlannedRoundOpener(ProgrammeStore* store, const Clock* clock, absl::TimeZone hub_time_zone,
                     absl::Duration interval = absl::Minutes(1))
      : store_(store), clock_(clock), zone_(hub_time_zone), job_(interval) {}

  // Opens every planned round due by today: the names of those this call opened (another
  // replica may have opened others meanwhile).
  absl::StatusOr<std::vector<std::string>> OpenDue();

  // Starts the background thread: OpenDue() now and every interval, until Stop().
  void Start();
  // Stops it and waits for a pass in progress to end. Idempotent.
  void Stop() { job_.Stop(); }

 private:
  ProgrammeStore* store_;
  const Clock* clock_;
  absl::TimeZone zone_;
  PeriodicJob job_;  // last: stopped (and joined) before the members its pass reads go
};

}  // namespace sixsteps::assessment
