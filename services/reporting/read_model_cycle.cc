// The read model's SQL for the scrutiny cycle (issue 15): planned rounds, the published
// versions of scrutineer's reports, annual report drafts and context answers. Written by
// the consumer in its transaction (ApplyCycleRecord), read by the scrutineer's report and
// the annual report section. Parameterised statements only.
#include <pqxx/pqxx>

#include "services/common/db.h"
#include "services/reporting/read_model.h"
#include "services/reporting/read_model_internal.h"

namespace sixsteps::reporting {

using read_model_internal::Blob;
using read_model_internal::Id;
using read_model_internal::Micros;
using read_model_internal::ParseAll;
using read_model_internal::Run;
using read_model_internal::Statement;

namespace {

constexpr char kUpsertPlannedRound[] =
    "INSERT INTO planned_rounds (planned_round_id, partnership_id, region_id, state, open_date, "
    "assessment_id, record) VALUES ($1, $2, $3, $4, $5::date, $6, $7) "
    "ON CONFLICT (planned_round_id) DO UPDATE SET state = EXCLUDED.state, "
    "open_date = EXCLUDED.open_date, assessment_id = EXCLUDED.assessment_id, "
    "record = EXCLUDED.record";
constexpr char kUpsertScrutinyReport[] =
    "INSERT INTO scrutiny_reports (assessment_id, version, partnership_id, region_id, state, "
    "publish_time, record) VALUES ($1, $2, $3, $4, $5, "
    "CASE WHEN $6::bigint = 0 THEN NULL ELSE to_timestamp($6::bigint / 1000000.0) END, $7) "
    "ON CONFLICT (assessment_id, version) DO UPDATE SET state = EXCLUDED.state, "
    "publish_time = EXCLUDED.publish_time, record = EXCLUDED.record";
constexpr char kUpsertAnnualDraft[] =
    "INSERT INTO annual_report_drafts (partnership_id, draft_id, year, record) "
    "VALUES ($1, $2, $3, $4) ON CONFLICT (partnership_id, draft_id) DO UPDATE SET "
    "year = EXCLUDED.year, record = EXCLUDED.record";
constexpr char kUpsertContextAnswer[] =
    "INSERT INTO context_answers (assessment_id, context_question_id, record) "
    "VALUES ($1, $2, $3) ON CONFLICT (assessment_id, context_question_id) DO UPDATE SET "
    "record = EXCLUDED.record";

constexpr Statement kSelectPublishedReports = {
    "reporting_published_scrutiny_reports",
    "SELECT record FROM scrutiny_reports WHERE assessment_id = $1 "
    "AND state = 'STATE_PUBLISHED' ORDER BY version"};
constexpr Statement kSelectPublishedReportsOf = {
    "reporting_published_scrutiny_reports_of",
    "SELECT record FROM scrutiny_reports WHERE partnership_id = $1 "
    "AND state = 'STATE_PUBLISHED' ORDER BY publish_time, assessment_id, version"};
constexpr Statement kSelectPlannedRoundsOf = {
    "reporting_planned_rounds_of",
    "SELECT record FROM planned_rounds WHERE partnership_id = $1 "
    "ORDER BY open_date, planned_round_id"};
constexpr Statement kSelectContextAnswers = {
    "reporting_context_answers",
    "SELECT record FROM context_answers WHERE assessment_id = $1 ORDER BY context_question_id"};
constexpr Statement kSelectAnnualDraftsOf = {
    "reporting_annual_report_drafts_of",
    "SELECT record FROM annual_report_drafts WHERE partnership_id = $1 ORDER BY year, draft_id"};

}  // namespace

namespace read_model_internal {

void ApplyCycleRecord(pqxx::work& txn, const av1::Change& change) {
  switch (change.record_case()) {
    case av1::Change::kPlannedRound: {
      const av1::PlannedRound& p = change.planned_round();
      db::ExecPrepared(txn, kUpsertPlannedRound, Id(p.name()), Id(p.partnership()), Id(p.region()),
                       av1::PlannedRound::State_Name(p.state()), p.open_date(), Id(p.assessment()),
                       Blob(p));
      break;
    }
    case av1::Change::kScrutinyReport: {
      // Shared and published versions (a draft's record is cleared for this account).
      const av1::ScrutinyReport& r = change.scrutiny_report();
      db::ExecPrepared(txn, kUpsertScrutinyReport, Id(r.assessment()), r.version(),
                       Id(r.partnership()), Id(r.region()),
                       av1::ScrutinyReport::State_Name(r.state()),
                       r.has_publish_time() ? Micros(r.publish_time()) : int64_t{0}, Blob(r));
      break;
    }
    case av1::Change::kAnnualReportDraft: {
      const av1::AnnualReportDraft& d = change.annual_report_draft();
      // "partnerships/{p}/annualReportDrafts/{d}"
      std::string partnership = d.name().substr(0, d.name().find("/annualReportDrafts/"));
      db::ExecPrepared(txn, kUpsertAnnualDraft, Id(partnership), Id(d.name()), d.year(), Blob(d));
      break;
    }
    case av1::Change::kContextAnswer:
      db::ExecPrepared(txn, kUpsertContextAnswer, Id(change.assessment()),
                       change.context_answer().context_question_id(),
                       Blob(change.context_answer()));
      break;
    default:
      break;
  }
}

}  // namespace read_model_internal

absl::StatusOr<std::vector<av1::ScrutinyReport>> ReadModel::Snapshot::PublishedScrutinyReports(
    const std::string& assessment_id) {
  return ParseAll<av1::ScrutinyReport>(Run(*txn_, kSelectPublishedReports, assessment_id));
}

absl::StatusOr<std::vector<av1::ScrutinyReport>> ReadModel::Snapshot::PublishedScrutinyReportsOf(
    const std::string& partnership_id) {
  return ParseAll<av1::ScrutinyReport>(Run(*txn_, kSelectPublishedReportsOf, partnership_id));
}

absl::StatusOr<std::vector<av1::PlannedRound>> ReadModel::Snapshot::PlannedRounds(
    const std::string& partnership_id) {
  return ParseAll<av1::PlannedRound>(Run(*txn_, kSelectPlannedRoundsOf, partnership_id));
}

absl::StatusOr<std::vector<av1::ContextAnswer>> ReadModel::Snapshot::ContextAnswers(
    const std::string& assessment_id) {
  return ParseAll<av1::ContextAnswer>(Run(*txn_, kSelectContextAnswers, assessment_id));
}

absl::StatusOr<std::vector<av1::AnnualReportDraft>> ReadModel::Snapshot::AnnualReportDrafts(
    const std::string& partnership_id) {
  return ParseAll<av1::AnnualReportDraft>(Run(*txn_, kSelectAnnualDraftsOf, partnership_id));
}

}  // namespace sixsteps::reporting
