// PgAssessmentStore: actions and their progress notes, read outside a round's transaction.
#include "services/assessment/pg_store.h"

#include "absl/strings/str_cat.h"
#include "services/assessment/pg_store_internal.h"
#include "services/base/clock.h"

namespace sixsteps::assessment {
using namespace pg_store_internal;  // NOLINT(build/namespaces): the store's own helpers
namespace {

constexpr char kSelectAction[] = "SELECT record, row_version FROM actions WHERE action_id = $1";
// Dates are always real dates here (the service passes sentinels for "no bound"), so the
// casts never see an empty string.
constexpr char kListActions[] =
    "SELECT record, row_version FROM actions "
    "WHERE ($1 OR region_id = ANY($2::text[]) OR partnership_id = ANY($3::text[])) "
    "AND ($4 = '' OR partnership_id = $4) AND ($5 = '' OR assessment_id = $5) "
    "AND ($6 = '' OR step_id = $6) AND ($7 = '' OR $7 = ANY(question_ids)) "
    "AND ($8 = '' OR owner_organisation = $8) "
    "AND (cardinality($9::text[]) = 0 OR status = ANY($9::text[])) "
    "AND (NOT $10 OR (status IN ('planned', 'in_progress') AND due_date < $11::date)) "
    "AND due_date < $12::date AND (due_date, action_id) > ($13::date, $14) "
    "AND partnership_id <> ALL($16::text[]) "
    "ORDER BY due_date, action_id LIMIT $15";
constexpr char kListProgress[] =
    "SELECT record FROM action_progress_updates WHERE action_id = $1 AND number > $2 "
    "ORDER BY number LIMIT $3";

}  // namespace

absl::StatusOr<av1::Action> PgAssessmentStore::GetAction(const std::string& id) {
  av1::Action action;
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    pqxx::result rows = db::ExecPrepared(txn, kSelectAction, id);
    if (rows.empty()) return absl::NotFoundError(absl::StrCat("actions/", id, " not found"));
    SIXSTEPS_ASSIGN_OR_RETURN(action, Load<av1::Action>(rows[0], "action"));
    return absl::OkStatus();
  }));
  return action;
}

absl::StatusOr<std::vector<av1::Action>> PgAssessmentStore::ListActions(const Visibility& visible,
                                                                        const ActionFilter& filter,
                                                                        int limit) {
  std::vector<av1::Action> actions;
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    SIXSTEPS_ASSIGN_OR_RETURN(
        actions,
        LoadAll<av1::Action>(
            txn.exec_params(
                kListActions, visible.everything, db::TextArray(visible.regions),
                db::TextArray(visible.partnerships), filter.partnership, filter.assessment,
                filter.step_id, filter.question_id, filter.owner_organisation,
                db::TextArray(StatusNames(filter.statuses)), filter.overdue_only, filter.as_of_date,
                filter.due_before.empty() ? std::string("9999-12-31") : filter.due_before,
                filter.after_due_date.empty() ? std::string("0001-01-01") : filter.after_due_date,
                filter.after_id, limit, db::TextArray(visible.hidden)),
            "action"));
    return absl::OkStatus();
  }));
  for (av1::Action& action : actions) KeepLatestProgress(action);
  return actions;
}

absl::StatusOr<ProgressUsage> PgAssessmentStore::GetProgressUsage(const std::string& action_id) {
  ProgressUsage usage;
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    pqxx::result rows = db::ExecPrepared(txn, kProgressUsage, action_id);
    usage = ProgressUsage{rows[0][0].as<int>(), rows[0][1].as<int64_t>()};
    return absl::OkStatus();
  }));
  return usage;
}

absl::StatusOr<std::vector<av1::ProgressUpdate>> PgAssessmentStore::ListProgressUpdates(
    const std::string& action_id, int after_number, int limit) {
  std::vector<av1::ProgressUpdate> updates;
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    updates.clear();
    for (const pqxx::row& row :
         db::ExecPrepared(txn, kListProgress, action_id, after_number, limit)) {
      SIXSTEPS_ASSIGN_OR_RETURN(av1::ProgressUpdate update,
                                Parse<av1::ProgressUpdate>(row[0], "progress note"));
      updates.push_back(std::move(update));
    }
    return absl::OkStatus();
  }));
  return updates;
}

}  // namespace sixsteps::assessment
