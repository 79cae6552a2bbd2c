// The store's side of the response deadline reminders: the respondents of open rounds
// whose deadline the calendar rules may act on.
#include "services/base/status_macros.h"
#include "services/notification/pg_store.h"

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
      OpenDeadline deadline;
      deadline.assessment_id = row[0].as<std::string>();
      deadline.partnership_id = row[1].as<std::string>();
      deadline.region_id = row[2].as<std::string>();
      deadline.round_title = row[3].as<std::string>();
      deadline.respondent = {row[4].as<std::string>(), row[5].as<std::string>(),
                             row[6].as<std::string>()};
      deadline.deadline = *day;
      deadlines.push_back(std::move(deadline));
    }
    return absl::OkStatus();
  }));
  return deadlines;
}

}  // namespace sixsteps::notification
