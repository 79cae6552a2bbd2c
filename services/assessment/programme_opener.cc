#include "services/assessment/programme_opener.h"

#include "services/assessment/action_domain.h"
#include "services/base/status_macros.h"
#include "services/common/ids.h"
#include "services/common/log.h"

namespace sixsteps::assessment {

absl::StatusOr<std::vector<std::string>> PlannedRoundOpener::OpenDue() {
  const absl::Time now = clock_->Now();
  const std::string today = TodayIn(zone_, now);
  std::vector<std::string> opened;
  // Each pass opens one; a planned round opened stops being due, so this ends. The bound
  // only guards against a store that keeps answering the same one.
  for (int i = 0; i < 10000; ++i) {
    SIXSTEPS_ASSIGN_OR_RETURN(
        std::optional<std::string> name,
        store_->OpenOneDue(
            today, [&](const StoredPlannedRound& planned, const v1::FinalisedRevision* previous) {
              OpeningIds ids;
              ids.assessment_id = RandomId("a");
              for (int r = 0; r < planned.plan.standing_respondents_size(); ++r) {
                ids.respondent_ids.push_back(RandomId("r"));
              }
              ids.next_planned_round_id = RandomId("p");
              return BuildOpening(planned.plan, planned.framework, previous, ids, now);
            }));
    if (!name) break;
    LogEvent("planned_round_opened", {{"planned_round", *name}, {"date", today}});
    opened.push_back(*name);
  }
  return opened;
}

void PlannedRoundOpener::Start() {
  job_.Start([this] {
    absl::StatusOr<std::vector<std::string>> opened = OpenDue();
    if (!opened.ok()) {
      // The database may be away for a while: the next pass tries again.
      LogEvent("planned_round_opening_failed", {{"error", opened.status().ToString()}});
    }
  });
}

}  // namespace sixsteps::assessment
