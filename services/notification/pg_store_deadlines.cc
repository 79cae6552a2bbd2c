// The store's side of the response deadline reminders: the respondents of open rounds
// whose deadline the calendar rules may act on.
#include "services/base/status_macros.h"
#include "services/notification/pg_store.h"
#include "services/notification/pg_store_internal.h"

namespace sixsteps::notification {
namespace {

// Only rounds still open for answers (draft): once a round moves on, its deadline is moot.
constexpr char kSelectOpenDeadlines[] =
    "SELECT r.assessment_id, o.partnership_id, o.region_id, o.title, r.respondent_id, "
    "r.organisation, r.scrutineer, to_char(r.response_deadline, 'YYYY-MM-DD') "
    "FROM respondents r JOIN rounds o ON o.assessment_id = r.assessment_id "
    "WHERE r.response_deadline IS NOT NULL AND r.response_deadline <= $1::date "
    "AND o.state = 'STATE_DRAFT' ORDER BY r.response_deadline, r.assessment_id, r.respondent_id";

}  // namespace

absl::StatusOr<std::vector<OpenDeadline>> PgNotificationStore::OpenDeadlinesBy(
    absl::CivilDay horizon) {
  std::vector<OpenDeadline> deadlines;
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    deadlines.clear();
    for (const auto& row :
         db::ExecPrepared(txn, kSelectOpenDeadlines, absl::FormatCivilTime(horizon))) {
      std::optional<absl::CivilDay> day = ParseIsoDay(row[7].as<std::string>());
      if (!day) continue;
      OpenDeadline& deadline = deadlines.emplace_back();
      db::ReadColumns(row, 0, &deadline.assessment_id, &deadline.partnership_id,
                      &deadline.region_id, &deadline.round_title);
      deadline.respondent = RespondentAt(row, 4);
      deadline.deadline = *day;
    }
    return absl::OkStatus();
  }));
  return deadlines;
}

}  // namespace sixsteps::notification
