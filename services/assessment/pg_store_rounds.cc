// PgAssessmentStore: rounds: create, read, list, and their finalised revisions and history.
#include "services/assessment/pg_store.h"

#include "absl/strings/str_cat.h"
#include "services/assessment/pg_store_internal.h"
#include "services/base/clock.h"

namespace sixsteps::assessment {
using namespace pg_store_internal;  // NOLINT(build/namespaces): the store's own helpers
namespace {

constexpr char kInsertAssessment[] =
    "INSERT INTO assessments (assessment_id, partnership_id, region_id, framework_version, "
    "framework, kind, state, record) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
constexpr char kListAssessments[] =
    "SELECT record, row_version, seq FROM assessments "
    "WHERE ($1 OR region_id = ANY($2::text[]) OR partnership_id = ANY($3::text[])) "
    "AND partnership_id <> ALL($7::text[]) "
    "AND ($4 = '' OR partnership_id = $4) AND ($5 = 0 OR seq < $5) "
    "ORDER BY seq DESC LIMIT $6";
constexpr char kSelectFinalised[] =
    "SELECT record FROM finalised_revisions WHERE assessment_id = $1 "
    "AND ($2 = 0 OR revision = $2) ORDER BY revision DESC LIMIT 1";
constexpr char kListRevisions[] =
    "SELECT id, record FROM revisions WHERE record_name = $1 AND id > $2 ORDER BY id LIMIT $3";

}  // namespace

namespace pg_store_internal {

v1::Change InsertRound(pqxx::work& txn, StoredAssessment& round, const Provenance& provenance) {
  v1::Assessment& assessment = round.assessment;
  std::string id = LastSegment(assessment.name());
  pqxx::result previous =
      db::ExecPrepared(txn, kPreviousFinalised, LastSegment(assessment.partnership()),
                       v1::AssessmentKind_Name(assessment.kind()), id);
  if (!previous.empty()) {
    assessment.set_previous_assessment(AssessmentName(previous[0][0].as<std::string>()));
  }
  assessment.set_etag("1");
  db::ExecPrepared(txn, kInsertAssessment, id, LastSegment(assessment.partnership()),
                   LastSegment(assessment.region()), assessment.framework_version(),
                   Blob(round.framework->SerializeAsString()),
                   v1::AssessmentKind_Name(assessment.kind()), StateName(assessment.state()),
                   Blob(Stored(assessment)));
  v1::Revision revision;
  revision.set_revision(1);
  revision.set_actor(provenance.actor);
  *revision.mutable_time() = TimestampNow();
  revision.set_action(provenance.action);
  *revision.mutable_assessment() = assessment;
  db::ExecPrepared(txn, kInsertRevision, assessment.name(), Blob(revision.SerializeAsString()));
  v1::Change change;
  *change.mutable_time() = TimestampNow();
  change.set_kind(v1::CHANGE_KIND_ASSESSMENT_CREATED);
  change.set_partnership(assessment.partnership());
  change.set_region(assessment.region());
  change.set_assessment(assessment.name());
  change.set_actor(provenance.actor);
  *change.mutable_assessment_record() = assessment;
  return change;
}

}  // namespace pg_store_internal

absl::Status PgAssessmentStore::CreateAssessment(StoredAssessment& round,
                                                 const Provenance& provenance,
                                                 const IdempotencyKey* key,
                                                 std::optional<std::string>* repeated) {
  return WriteOnce(*pool_, signal_, key, repeated, [&](pqxx::work& txn) -> absl::StatusOr<Written> {
    std::vector<v1::Change> created = {InsertRound(txn, round, provenance)};
    AppendChanges(txn, created);
    return Written{round.assessment.SerializeAsString(), /*changed=*/true};
  });
}

absl::StatusOr<StoredAssessment> PgAssessmentStore::GetAssessment(const std::string& id) {
  StoredAssessment round;
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    pqxx::result rows = db::ExecPrepared(txn, kSelectAssessment, id);
    if (rows.empty()) return absl::NotFoundError(absl::StrCat(AssessmentName(id), " not found"));
    SIXSTEPS_ASSIGN_OR_RETURN(round, LoadRound(txn, rows[0]));
    return absl::OkStatus();
  }));
  return round;
}

absl::StatusOr<std::vector<v1::Assessment>> PgAssessmentStore::ListAssessments(
    const Visibility& visible, const std::string& partnership_filter, int64_t before_seq, int limit,
    std::vector<int64_t>* seqs) {
  std::vector<v1::Assessment> assessments;
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    SIXSTEPS_ASSIGN_OR_RETURN(
        assessments,
        LoadPage<v1::Assessment>(
            txn.exec_params(kListAssessments, visible.everything, db::TextArray(visible.regions),
                            db::TextArray(visible.partnerships), partnership_filter, before_seq,
                            limit, db::TextArray(visible.hidden)),
            "assessment", seqs));
    return absl::OkStatus();
  }));
  return assessments;
}

absl::StatusOr<v1::FinalisedRevision> PgAssessmentStore::GetFinalisedRevision(
    const std::string& assessment_id, int revision) {
  v1::FinalisedRevision finalised;
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    pqxx::result rows = db::ExecPrepared(txn, kSelectFinalised, assessment_id, revision);
    if (rows.empty()) {
      return absl::NotFoundError(
          absl::StrCat(AssessmentName(assessment_id), " has no finalised revision ",
                       revision == 0 ? std::string() : absl::StrCat(revision)));
    }
    SIXSTEPS_ASSIGN_OR_RETURN(finalised, Parse<v1::FinalisedRevision>(rows[0][0], "revision"));
    return absl::OkStatus();
  }));
  return finalised;
}

absl::StatusOr<std::vector<v1::Revision>> PgAssessmentStore::ListRevisions(
    const std::string& record_name, int64_t after_id, int limit, std::vector<int64_t>* ids) {
  std::vector<v1::Revision> revisions;
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    revisions.clear();
    ids->clear();
    for (const pqxx::row& row :
         db::ExecPrepared(txn, kListRevisions, record_name, after_id, limit)) {
      SIXSTEPS_ASSIGN_OR_RETURN(v1::Revision revision, Parse<v1::Revision>(row[1], "revision"));
      // Revisions written before notes were rows carry every note: only the latest go out.
      if (revision.has_action_record()) KeepLatestProgress(*revision.mutable_action_record());
      revisions.push_back(std::move(revision));
      ids->push_back(row[0].as<int64_t>());
    }
    return absl::OkStatus();
  }));
  return revisions;
}

}  // namespace sixsteps::assessment
