// PgProgrammeStore: planned rounds, and opening them. Parameterised statements only; a
// planned round travels as binary protobuf, its etag is the row_version column.
#include "services/assessment/pg_store_programme.h"

#include "absl/strings/str_cat.h"
#include "services/assessment/pg_store_internal.h"
#include "services/base/clock.h"
#include "services/base/make_status.h"

namespace sixsteps::assessment {
using namespace pg_store_internal;  // NOLINT(build/namespaces): the store's own helpers
namespace {

constexpr char kInsertPlanned[] =
    "INSERT INTO planned_rounds (planned_round_id, partnership_id, region_id, state, open_date, "
    "framework, record) VALUES ($1, $2, $3, $4, $5::date, $6, $7)";
constexpr char kSelectPlanned[] =
    "SELECT record, row_version FROM planned_rounds WHERE planned_round_id = $1";
constexpr char kSelectPlannedForUpdate[] =
    "SELECT record, row_version FROM planned_rounds WHERE planned_round_id = $1 FOR UPDATE";
constexpr char kUpdatePlanned[] =
    "UPDATE planned_rounds SET state = $2, open_date = $3::date, record = $4, "
    "row_version = row_version + 1 WHERE planned_round_id = $1 RETURNING row_version";
constexpr char kUpdatePlannedFramework[] =
    "UPDATE planned_rounds SET framework = $2 WHERE planned_round_id = $1";
// Keyset pages: after (open_date, id); the first page passes the earliest date and ''.
constexpr char kListPlanned[] =
    "SELECT record, row_version FROM planned_rounds WHERE partnership_id = $1 "
    "AND (open_date, planned_round_id) > ($2::date, $3) "
    "ORDER BY open_date, planned_round_id LIMIT $4";
// One due planned round that no other opener holds: a second replica (or a restart racing
// a slow commit) skips it rather than waiting for it, and finds it opened afterwards.
constexpr char kSelectDue[] =
    "SELECT record, row_version, framework FROM planned_rounds WHERE state = 'planned' "
    "AND open_date <= $1::date ORDER BY open_date, planned_round_id LIMIT 1 "
    "FOR UPDATE SKIP LOCKED";
constexpr char kLatestFinalisedSnapshot[] =
    "SELECT record FROM finalised_revisions WHERE assessment_id = $1 "
    "ORDER BY revision DESC LIMIT 1";
constexpr char kMarkOpenedFrom[] =
    "UPDATE assessments SET planned_round_id = $2 WHERE assessment_id = $1";

std::string PlanStateName(v1::PlannedRound::State state) {
  switch (state) {
    case v1::PlannedRound::STATE_OPENED:
      return "opened";
    case v1::PlannedRound::STATE_CANCELLED:
      return "cancelled";
    default:
      return "planned";
  }
}

v1::Change PlanChangeOf(const v1::PlannedRound& plan, v1::ChangeKind kind,
                        const std::string& actor) {
  v1::Change change;
  *change.mutable_time() = TimestampNow();
  change.set_kind(kind);
  change.set_partnership(plan.partnership());
  change.set_region(plan.region());
  change.set_actor(actor);
  *change.mutable_planned_round() = plan;
  return change;
}

void InsertPlan(pqxx::work& txn, v1::PlannedRound& plan, const std::string& framework_bytes) {
  plan.set_etag("1");
  db::ExecPrepared(txn, kInsertPlanned, LastSegment(plan.name()), LastSegment(plan.partnership()),
                   LastSegment(plan.region()), PlanStateName(plan.state()), plan.open_date(),
                   Blob(framework_bytes), Blob(Stored(plan)));
}

void UpdatePlan(pqxx::work& txn, v1::PlannedRound& plan) {
  *plan.mutable_update_time() = TimestampNow();
  pqxx::result rows =
      db::ExecPrepared(txn, kUpdatePlanned, LastSegment(plan.name()), PlanStateName(plan.state()),
                       plan.open_date(), Blob(Stored(plan)));
  plan.set_etag(rows[0][0].as<std::string>());
}

}  // namespace

absl::Status PgProgrammeStore::CreatePlannedRound(v1::PlannedRound& plan,
                                                  const fv1::FrameworkVersion& framework,
                                                  const Provenance& provenance) {
  const std::string framework_bytes = framework.SerializeAsString();
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    InsertPlan(txn, plan, framework_bytes);
    std::vector<v1::Change> changes = {
        PlanChangeOf(plan, v1::CHANGE_KIND_PLANNED_ROUND_CREATED, provenance.actor)};
    AppendChanges(txn, changes);
    return absl::OkStatus();
  }));
  if (signal_ != nullptr) signal_->Notify();
  return absl::OkStatus();
}

absl::StatusOr<v1::PlannedRound> PgProgrammeStore::GetPlannedRound(const std::string& id) {
  v1::PlannedRound plan;
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    pqxx::result rows = db::ExecPrepared(txn, kSelectPlanned, id);
    if (rows.empty()) return NotFound(PlannedRoundName(id));
    SIXSTEPS_ASSIGN_OR_RETURN(plan, Load<v1::PlannedRound>(rows[0], "planned round"));
    return absl::OkStatus();
  }));
  return plan;
}

absl::StatusOr<std::vector<v1::PlannedRound>> PgProgrammeStore::ListPlannedRounds(
    const std::string& partnership_id, const std::string& after_open_date,
    const std::string& after_id, int limit) {
  std::vector<v1::PlannedRound> plans;
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    SIXSTEPS_ASSIGN_OR_RETURN(
        plans, LoadAll<v1::PlannedRound>(
                   db::ExecPrepared(txn, kListPlanned, partnership_id,
                                    after_open_date.empty() ? "0001-01-01" : after_open_date,
                                    after_id, limit),
                   "planned round"));
    return absl::OkStatus();
  }));
  return plans;
}

absl::StatusOr<v1::PlannedRound> PgProgrammeStore::ChangePlannedRound(
    const std::string& id, v1::ChangeKind kind, const PlanChange& change,
    const std::optional<fv1::FrameworkVersion>& framework) {
  v1::PlannedRound plan;
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    pqxx::result rows = db::ExecPrepared(txn, kSelectPlannedForUpdate, id);
    if (rows.empty()) return NotFound(PlannedRoundName(id));
    SIXSTEPS_ASSIGN_OR_RETURN(plan, Load<v1::PlannedRound>(rows[0], "planned round"));
    Provenance provenance;
    SIXSTEPS_RETURN_IF_ERROR(change(plan, provenance));
    UpdatePlan(txn, plan);
    if (framework.has_value()) {
      db::ExecPrepared(txn, kUpdatePlannedFramework, id, Blob(framework->SerializeAsString()));
    }
    std::vector<v1::Change> changes = {PlanChangeOf(plan, kind, provenance.actor)};
    AppendChanges(txn, changes);
    return absl::OkStatus();
  }));
  if (signal_ != nullptr) signal_->Notify();
  return plan;
}

absl::StatusOr<std::optional<std::string>> PgProgrammeStore::OpenOneDue(
    const std::string& today, const OpeningBuilder& build) {
  std::optional<std::string> opened;
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    opened.reset();
    pqxx::result due = db::ExecPrepared(txn, kSelectDue, today);
    if (due.empty()) return absl::OkStatus();
    StoredPlannedRound planned;
    SIXSTEPS_ASSIGN_OR_RETURN(planned.plan, Load<v1::PlannedRound>(due[0], "planned round"));
    SIXSTEPS_ASSIGN_OR_RETURN(planned.framework,
                              Parse<fv1::FrameworkVersion>(due[0][2], "pinned framework"));
    // The partnership's last finalised round of the kind, as it was last finalised.
    std::optional<v1::FinalisedRevision> previous;
    pqxx::result last =
        db::ExecPrepared(txn, kPreviousFinalised, LastSegment(planned.plan.partnership()),
                         v1::AssessmentKind_Name(planned.plan.kind()), "");
    if (!last.empty()) {
      pqxx::result snapshot =
          db::ExecPrepared(txn, kLatestFinalisedSnapshot, last[0][0].as<std::string>());
      if (!snapshot.empty()) {
        SIXSTEPS_ASSIGN_OR_RETURN(previous,
                                  Parse<v1::FinalisedRevision>(snapshot[0][0], "revision"));
      }
    }
    SIXSTEPS_ASSIGN_OR_RETURN(RoundOpening opening,
                              build(planned, previous ? &*previous : nullptr));

    StoredAssessment round;
    round.assessment = opening.assessment;
    round.framework = std::make_shared<const fv1::FrameworkVersion>(planned.framework);
    const Provenance system{kSystemActor, "created", ""};
    std::vector<v1::Change> created = {InsertRound(txn, round, system)};
    // The unique index on planned_round_id is the last word on "exactly once".
    db::ExecPrepared(txn, kMarkOpenedFrom, LastSegment(round.assessment.name()),
                     LastSegment(planned.plan.name()));
    AppendChanges(txn, created);
    SIXSTEPS_RETURN_IF_ERROR(
        WorkOnRound(txn, round, [&](RoundTx& tx) -> absl::Status {
          for (v1::Respondent& respondent : opening.respondents) {
            SIXSTEPS_RETURN_IF_ERROR(tx.PutRespondent(respondent, {kSystemActor, "added", ""}));
          }
          for (v1::Response& response : opening.responses) {
            SIXSTEPS_RETURN_IF_ERROR(
                tx.PutResponse(response, {kSystemActor, "carried forward", ""}));
          }
          return absl::OkStatus();
        }).status());

    UpdatePlan(txn, opening.opened);
    v1::Change opened_change =
        PlanChangeOf(opening.opened, v1::CHANGE_KIND_PLANNED_ROUND_OPENED, kSystemActor);
    opened_change.set_assessment(round.assessment.name());
    std::vector<v1::Change> programme = {std::move(opened_change)};
    if (opening.next.has_value()) {
      InsertPlan(txn, *opening.next, planned.framework.SerializeAsString());
      programme.push_back(
          PlanChangeOf(*opening.next, v1::CHANGE_KIND_PLANNED_ROUND_CREATED, kSystemActor));
    }
    AppendChanges(txn, programme);
    opened = planned.plan.name();
    return absl::OkStatus();
  }));
  if (opened.has_value() && signal_ != nullptr) signal_->Notify();
  return opened;
}

}  // namespace sixsteps::assessment
