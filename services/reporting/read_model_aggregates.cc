// The per-round aggregates the consumer keeps for the regional overview (issue 18): each
// finalised round's figures (RoundFigures) rewritten in the transaction that changes the
// round, and each action's created and closed days for the overdue chart. The overview
// then reads one small row per partnership and counts overdue actions in SQL.
#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "services/common/status.h"
#include "services/reporting/read_model.h"
#include "services/reporting/read_model_internal.h"
#include "services/reporting/reports_cycle.h"

namespace sixsteps::reporting {
namespace {

using read_model_internal::Blob;
using read_model_internal::Id;
using read_model_internal::Parse;
using read_model_internal::ParseAll;
using read_model_internal::Run;
using read_model_internal::Statement;

constexpr char kSelectRoundForFigures[] =
    "SELECT record, framework_version, partnership_id, region_id, kind, "
    "(extract(epoch FROM finalise_time) * 1000000)::bigint FROM rounds "
    "WHERE assessment_id = $1 AND state = 'STATE_FINALISED' AND finalise_time IS NOT NULL";
constexpr char kSelectRatingsOfRound[] =
    "SELECT question_id, rating, CASE WHEN rating IS NULL THEN record END "
    "FROM consolidations WHERE assessment_id = $1";
constexpr char kUpsertFigures[] =
    "INSERT INTO round_aggregates (assessment_id, partnership_id, region_id, kind, "
    "finalise_time, figures) VALUES ($1, $2, $3, $4, to_timestamp($5::bigint / 1000000.0), $6) "
    "ON CONFLICT (assessment_id) DO UPDATE SET partnership_id = EXCLUDED.partnership_id, "
    "region_id = EXCLUDED.region_id, kind = EXCLUDED.kind, "
    "finalise_time = EXCLUDED.finalise_time, figures = EXCLUDED.figures";
constexpr char kDeleteFigures[] = "DELETE FROM round_aggregates WHERE assessment_id = $1";
constexpr char kSelectRoundsWithoutFigures[] =
    "SELECT assessment_id FROM rounds r WHERE state = 'STATE_FINALISED' "
    "AND finalise_time IS NOT NULL AND NOT EXISTS "
    "(SELECT 1 FROM round_aggregates g WHERE g.assessment_id = r.assessment_id) "
    "AND assessment_id > $1 ORDER BY assessment_id LIMIT 500";
constexpr char kSelectActionsWithoutDays[] =
    "SELECT action_id, record FROM actions WHERE create_date IS NULL AND action_id > $1 "
    "ORDER BY action_id LIMIT 500";
constexpr char kSetActionDays[] =
    "UPDATE actions SET create_date = $2::date, closed_date = NULLIF($3, '')::date "
    "WHERE action_id = $1";

// Each partnership of the region with its latest finalised independent scrutiny's figures
// and its open actions overdue on $2. The latest figures are one probe per partnership of
// round_aggregates_latest (LATERAL ... LIMIT 1): a pass over all the region's rounds kept
// each partnership's latest with DISTINCT ON, which sorted every round of the region (5,000
// at 1,000 partnerships: 26 ms of a 26 ms statement, against 6 ms with the probe;
// docs/benchmarks.md, "The overview at 1,000 partnerships") and grew with the years of
// history. The overdue actions are counted per partnership from V011's index alone, in one
// pass over the region (a correlated count per partnership cost more).
constexpr Statement kSelectRegionFigures = {
    "reporting_region_figures",
    "WITH overdue AS (SELECT a.partnership_id, count(*) AS n FROM actions a "
    "WHERE a.region_id = $1 AND a.status IN ('STATUS_PLANNED', 'STATUS_IN_PROGRESS') "
    "AND a.due_date < $2::date GROUP BY a.partnership_id) "
    "SELECT p.partnership_id, p.region_id, p.display_name, p.regional_comparison_opt_out, "
    "l.figures, coalesce(o.n, 0) FROM partnerships p "
    "LEFT JOIN LATERAL (SELECT g.figures FROM round_aggregates g "
    "WHERE g.partnership_id = p.partnership_id "
    "AND g.kind = 'ASSESSMENT_KIND_INDEPENDENT_SCRUTINY' "
    "ORDER BY g.finalise_time DESC LIMIT 1) l ON true "
    "LEFT JOIN overdue o ON o.partnership_id = p.partnership_id "
    "WHERE p.region_id = $1 ORDER BY p.display_name, p.partnership_id"};
// OverdueOverTime's rule in SQL, per partnership with actions in the region and per date
// ($2, in order): created by the date, due before it, and not closed by it.
constexpr Statement kSelectOverdueOverTime = {
    "reporting_overdue_over_time",
    "SELECT a.partnership_id, d.i, count(*) FILTER (WHERE a.create_date <= d.day "
    "AND a.due_date < d.day AND (a.closed_date IS NULL OR a.closed_date > d.day)) "
    "FROM actions a CROSS JOIN unnest($2::date[]) WITH ORDINALITY AS d(day, i) "
    "WHERE a.region_id = $1 GROUP BY a.partnership_id, d.i"};
constexpr Statement kSelectRegionName = {"reporting_region_name",
                                         "SELECT display_name FROM regions WHERE region_id = $1"};

}  // namespace

absl::Status ReadModel::WriteRoundFigures(pqxx::work& txn, const std::string& assessment_id) {
  pqxx::result round = db::ExecPrepared(txn, kSelectRoundForFigures, assessment_id);
  if (round.empty()) {
    db::ExecPrepared(txn, kDeleteFigures, assessment_id);
    return absl::OkStatus();
  }
  FinalisedRound finalised;
  SIXSTEPS_ASSIGN_OR_RETURN(finalised.assessment, Parse<av1::Assessment>(round[0][0]));
  SIXSTEPS_ASSIGN_OR_RETURN(finalised.framework,
                            CachedFramework(txn, round[0][1].as<std::string>()));
  for (const pqxx::row& row : db::ExecPrepared(txn, kSelectRatingsOfRound, assessment_id)) {
    av1::Consolidation c;
    fv1::Rating rating = fv1::RATING_UNSPECIFIED;
    if (!row[1].is_null() && fv1::Rating_Parse(row[1].as<std::string>(), &rating)) {
      c.set_question_id(row[0].as<std::string>());
      c.set_rating(rating);
    } else {
      SIXSTEPS_ASSIGN_OR_RETURN(c, Parse<av1::Consolidation>(row[2]));
    }
    finalised.consolidations.push_back(std::move(c));
  }
  db::ExecPrepared(txn, kUpsertFigures, assessment_id, round[0][2].as<std::string>(),
                   round[0][3].as<std::string>(), round[0][4].as<std::string>(),
                   round[0][5].as<int64_t>(), Blob(RoundFigures(finalised)));
  return absl::OkStatus();
}

absl::Status ReadModel::FillAggregates() {
  // In batches, each its own transaction, by id: a large read model is filled in once,
  // without one transaction holding every row. A round whose figures cannot be made (its
  // framework not fetched yet) is passed over: its next change writes them.
  std::string round_after, action_after;
  while (true) {
    bool more = false;
    // Moved on only once the batch committed (the transaction may run again).
    std::string next_round, next_action;
    SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
      more = false;
      next_round = round_after;
      next_action = action_after;
      for (const pqxx::row& row : db::ExecPrepared(txn, kSelectRoundsWithoutFigures, next_round)) {
        next_round = row[0].as<std::string>();
        more = true;
        absl::Status written = WriteRoundFigures(txn, next_round);
        if (!written.ok() && written.code() != absl::StatusCode::kUnavailable) return written;
      }
      for (const pqxx::row& row : db::ExecPrepared(txn, kSelectActionsWithoutDays, next_action)) {
        next_action = row[0].as<std::string>();
        more = true;
        SIXSTEPS_ASSIGN_OR_RETURN(actv1::Action action, Parse<actv1::Action>(row[1]));
        ActionDays days = DaysOf(action);
        db::ExecPrepared(txn, kSetActionDays, next_action, days.created, days.closed);
      }
      return absl::OkStatus();
    }));
    if (!more) return absl::OkStatus();
    round_after = std::move(next_round);
    action_after = std::move(next_action);
  }
}

absl::StatusOr<RegionData> ReadModel::Snapshot::LoadRegion(const std::string& region_id,
                                                           const std::string& as_of) {
  RegionData data;
  pqxx::result name = Run(*txn_, kSelectRegionName, region_id);
  data.region_name = name.empty() ? region_id : name[0][0].as<std::string>();
  // The overview's estimated cost grows with the partnerships: past jit_above_cost the
  // server would JIT-compile it on every call, which takes longer than running it.
  txn_->exec("SET LOCAL jit = off");
  const pqxx::result rows = Run(*txn_, kSelectRegionFigures, region_id, as_of);
  // Sized once: at 1,000 partnerships the maps' regrowth (each move of a figures message)
  // was a visible part of the call's CPU.
  data.partnerships.reserve(rows.size());
  data.latest_figures.reserve(rows.size());
  for (const pqxx::row& row : rows) {
    PartnershipInfo& p = data.partnerships.emplace_back();
    p = {row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<std::string>(),
         row[3].as<bool>()};
    if (int overdue = row[5].as<int>(); overdue > 0) data.overdue[p.id] = overdue;
    if (row[4].is_null()) continue;
    SIXSTEPS_ASSIGN_OR_RETURN(data.latest_figures[p.id], Parse<rv1::RegionalRow>(row[4]));
  }
  return data;
}

absl::StatusOr<absl::flat_hash_map<std::string, std::vector<int>>>
ReadModel::Snapshot::OverdueOverTime(const std::string& region_id,
                                     const std::vector<std::string>& dates) {
  absl::flat_hash_map<std::string, std::vector<int>> counts;
  for (const pqxx::row& row : Run(*txn_, kSelectOverdueOverTime, region_id, db::TextArray(dates))) {
    std::vector<int>& series = counts[row[0].as<std::string>()];
    series.resize(dates.size());
    const auto i = row[1].as<size_t>();
    if (i >= 1 && i <= dates.size()) series[i - 1] = row[2].as<int>();
  }
  return counts;
}

}  // namespace sixsteps::reporting
