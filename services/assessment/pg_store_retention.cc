// PgRetentionStore: policies, legal holds and the tombstone list. The purge itself is in
// pg_store_purge.cc. Parameterised statements only; records travel as binary protobuf.
#include "services/assessment/pg_store_retention.h"

#include "absl/strings/str_cat.h"
#include "services/assessment/pg_store_internal.h"
#include "services/assessment/retention_domain.h"
#include "services/base/clock.h"
#include "services/base/make_status.h"
#include "services/common/ids.h"

namespace sixsteps::assessment {
using namespace pg_store_internal;  // NOLINT(build/namespaces): the store's own helpers
namespace {

constexpr char kSelectPolicy[] =
    "SELECT record, row_version FROM retention_policies WHERE partnership_id = $1";
constexpr char kSelectPolicyForUpdate[] =
    "SELECT record, row_version FROM retention_policies WHERE partnership_id = $1 FOR UPDATE";
constexpr char kUpsertPolicy[] =
    "INSERT INTO retention_policies (partnership_id, region_id, evidence_file_years, "
    "engagement_record_years, case_audit_years, learning_review_years, record) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (partnership_id) DO UPDATE SET "
    "region_id = EXCLUDED.region_id, evidence_file_years = EXCLUDED.evidence_file_years, "
    "engagement_record_years = EXCLUDED.engagement_record_years, "
    "case_audit_years = EXCLUDED.case_audit_years, "
    "learning_review_years = EXCLUDED.learning_review_years, record = EXCLUDED.record, "
    "row_version = retention_policies.row_version + 1 RETURNING row_version";
constexpr char kLockRound[] = "SELECT 1 FROM assessments WHERE assessment_id = $1 FOR UPDATE";
constexpr char kCountHolds[] = "SELECT count(*)::integer FROM legal_holds WHERE assessment_id = $1";
constexpr char kInsertHold[] =
    "INSERT INTO legal_holds (hold_id, assessment_id, partnership_id, record) "
    "VALUES ($1, $2, $3, $4)";
constexpr char kSelectHoldForUpdate[] =
    "SELECT record FROM legal_holds WHERE assessment_id = $1 AND hold_id = $2 FOR UPDATE";
constexpr char kUpdateHold[] =
    "UPDATE legal_holds SET lifted = true, record = $2 WHERE hold_id = $1";
constexpr char kListHolds[] =
    "SELECT record, seq FROM legal_holds WHERE assessment_id = $1 AND seq > $2 "
    "ORDER BY seq LIMIT $3";
constexpr char kListTombstones[] =
    "SELECT record, seq FROM tombstones WHERE partnership_id = $1 "
    "AND ($2 = '' OR assessment_id = $2) AND ($3 = 0 OR seq < $3) ORDER BY seq DESC LIMIT $4";

}  // namespace

absl::StatusOr<v1::RetentionPolicy> PgRetentionStore::GetPolicy(const std::string& partnership_id) {
  v1::RetentionPolicy policy;
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    pqxx::result rows = db::ExecPrepared(txn, kSelectPolicy, partnership_id);
    if (rows.empty()) {
      policy.Clear();
      policy.set_name(RetentionPolicyName(partnership_id));
      policy.set_partnership(absl::StrCat("partnerships/", partnership_id));
      return absl::OkStatus();
    }
    SIXSTEPS_ASSIGN_OR_RETURN(policy, Load<v1::RetentionPolicy>(rows[0], "retention policy"));
    return absl::OkStatus();
  }));
  return policy;
}

absl::StatusOr<v1::RetentionPolicy> PgRetentionStore::PutPolicy(v1::RetentionPolicy policy,
                                                                const std::string& region_id,
                                                                const std::string& etag) {
  const std::string partnership_id(LastSegment(policy.partnership()));
  v1::RetentionPolicy stored;
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    // The first policy of a partnership: two at once queue here.
    db::ExecPrepared(txn, kLockKey, absl::StrCat("retention\n", partnership_id));
    pqxx::result rows = db::ExecPrepared(txn, kSelectPolicyForUpdate, partnership_id);
    int64_t revision = 0;
    if (rows.empty()) {
      if (!etag.empty()) {
        return absl::AbortedError(
            absl::StrCat(policy.name(), " does not exist yet: set it with an empty etag"));
      }
    } else {
      SIXSTEPS_ASSIGN_OR_RETURN(v1::RetentionPolicy current,
                                Load<v1::RetentionPolicy>(rows[0], "retention policy"));
      if (etag != current.etag()) {
        return absl::AbortedError(absl::StrCat(
            policy.name(), " has changed since it was read (etag ", current.etag(), ")"));
      }
      revision = current.revision();
    }
    stored = policy;
    stored.set_revision(revision + 1);
    stored.clear_etag();
    pqxx::result version = db::ExecPrepared(
        txn, kUpsertPolicy, partnership_id, region_id, stored.evidence_file_years(),
        stored.engagement_record_years(), stored.case_audit_years(), stored.learning_review_years(),
        Blob(Stored(stored)));
    stored.set_etag(version[0][0].as<std::string>());
    std::vector<v1::Change> changes = {
        NewChange(v1::CHANGE_KIND_RETENTION_POLICY_CHANGED, stored.partnership(),
                  absl::StrCat("regions/", region_id), stored.update_by())};
    *changes[0].mutable_retention_policy() = stored;
    AppendChanges(txn, changes);
    return absl::OkStatus();
  }));
  Notify();
  return stored;
}

absl::StatusOr<v1::LegalHold> PgRetentionStore::PlaceHold(v1::LegalHold hold) {
  const std::string assessment_id(LastSegment(hold.assessment()));
  v1::LegalHold placed;
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    // The round's row lock: a purge of the round (which holds it FOR SHARE) ends first, and
    // every purge after this commit sees the hold.
    if (db::ExecPrepared(txn, kLockRound, assessment_id).empty()) {
      return NotFound(hold.assessment());
    }
    if (db::ExecPrepared(txn, kCountHolds, assessment_id)[0][0].as<int>() >=
        kMaxLegalHoldsPerRound) {
      return absl::ResourceExhaustedError(
          absl::StrCat(hold.assessment(), " already has ", kMaxLegalHoldsPerRound, " legal holds"));
    }
    const std::string hold_id = RandomId("hold");
    placed = hold;
    placed.set_name(LegalHoldName(assessment_id, hold_id));
    db::ExecPrepared(txn, kInsertHold, hold_id, assessment_id,
                     std::string(LastSegment(placed.partnership())),
                     Blob(placed.SerializeAsString()));
    std::vector<v1::Change> changes = {NewChange(v1::CHANGE_KIND_LEGAL_HOLD_PLACED,
                                                 placed.partnership(), placed.region(),
                                                 placed.placed_by())};
    changes[0].set_assessment(placed.assessment());
    *changes[0].mutable_legal_hold() = placed;
    AppendChanges(txn, changes);
    return absl::OkStatus();
  }));
  Notify();
  return placed;
}

absl::StatusOr<v1::LegalHold> PgRetentionStore::LiftHold(const std::string& assessment_id,
                                                         const std::string& hold_id,
                                                         const std::string& reason,
                                                         const std::string& actor,
                                                         absl::Time when) {
  v1::LegalHold lifted;
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    pqxx::result rows = db::ExecPrepared(txn, kSelectHoldForUpdate, assessment_id, hold_id);
    if (rows.empty()) return NotFound(LegalHoldName(assessment_id, hold_id));
    SIXSTEPS_ASSIGN_OR_RETURN(lifted, Parse<v1::LegalHold>(rows[0][0], "legal hold"));
    SIXSTEPS_RETURN_IF_ERROR(CheckHoldStanding(lifted));
    lifted.set_lifted(true);
    lifted.set_lift_reason(reason);
    lifted.set_lifted_by(actor);
    *lifted.mutable_lift_time() = ToTimestamp(when);
    db::ExecPrepared(txn, kUpdateHold, hold_id, Blob(lifted.SerializeAsString()));
    std::vector<v1::Change> changes = {
        NewChange(v1::CHANGE_KIND_LEGAL_HOLD_LIFTED, lifted.partnership(), lifted.region(), actor)};
    changes[0].set_assessment(lifted.assessment());
    *changes[0].mutable_legal_hold() = lifted;
    AppendChanges(txn, changes);
    return absl::OkStatus();
  }));
  Notify();
  return lifted;
}

absl::StatusOr<std::vector<v1::LegalHold>> PgRetentionStore::ListHolds(
    const std::string& assessment_id, int64_t after_seq, int limit, std::vector<int64_t>* seqs) {
  std::vector<v1::LegalHold> holds;
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    SIXSTEPS_ASSIGN_OR_RETURN(
        holds,
        ParsePage<v1::LegalHold>(db::ExecPrepared(txn, kListHolds, assessment_id, after_seq, limit),
                                 "legal hold", seqs));
    return absl::OkStatus();
  }));
  return holds;
}

absl::StatusOr<std::vector<v1::Tombstone>> PgRetentionStore::ListTombstones(
    const std::string& partnership_id, const std::string& assessment_id, int64_t before_seq,
    int limit, std::vector<int64_t>* seqs) {
  std::vector<v1::Tombstone> tombstones;
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    SIXSTEPS_ASSIGN_OR_RETURN(
        tombstones, ParsePage<v1::Tombstone>(db::ExecPrepared(txn, kListTombstones, partnership_id,
                                                              assessment_id, before_seq, limit),
                                             "tombstone", seqs));
    return absl::OkStatus();
  }));
  return tombstones;
}

}  // namespace sixsteps::assessment
