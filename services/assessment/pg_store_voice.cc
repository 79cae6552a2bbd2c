// PgAssessmentStore: a round's voice records (engagement records, case audits, learning
// reviews) in the voice_records table, and the transaction that writes them with their
// changes (PgVoiceTx, run by InVoiceRound).
#include "absl/strings/str_cat.h"
#include "services/assessment/pg_store.h"
#include "services/assessment/pg_store_internal.h"
#include "services/base/clock.h"

namespace sixsteps::assessment {
using namespace pg_store_internal;  // NOLINT(build/namespaces): the store's own helpers
namespace {

constexpr char kSelectVoiceRecord[] =
    "SELECT record_id, record, row_version FROM voice_records "
    "WHERE assessment_id = $1 AND kind = $2 AND record_id = $3";
constexpr char kSelectVoiceRecordForUpdate[] =
    "SELECT record_id, record, row_version FROM voice_records "
    "WHERE assessment_id = $1 AND kind = $2 AND record_id = $3 FOR UPDATE";
constexpr char kListVoiceRecords[] =
    "SELECT record_id, record, row_version FROM voice_records "
    "WHERE assessment_id = $1 AND kind = $2 ORDER BY record_id";
constexpr char kCountVoiceRecords[] =
    "SELECT count(*)::integer FROM voice_records WHERE assessment_id = $1 AND kind = $2";
constexpr char kUpsertVoiceRecord[] =
    "INSERT INTO voice_records (assessment_id, kind, record_id, partnership_id, classification, "
    "record) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (assessment_id, kind, record_id) "
    "DO UPDATE SET classification = EXCLUDED.classification, record = EXCLUDED.record, "
    "row_version = voice_records.row_version + 1 RETURNING row_version";
// The actions among $2 that are actions of partnership $1.
constexpr char kExistingActions[] =
    "SELECT action_id FROM actions WHERE partnership_id = $1 AND action_id = ANY($2::text[])";

std::string ClassificationColumn(v1::Classification classification) {
  return classification == v1::CLASSIFICATION_OFFICIAL_SENSITIVE ? "official_sensitive"
                                                                 : "official";
}

StoredVoiceRecord RowToRecord(const pqxx::row& row) {
  return StoredVoiceRecord{row[0].as<std::string>(), Bytes(row[1]), row[2].as<std::string>()};
}

class PgVoiceTx final : public PgRoundTxBase<VoiceTx> {
 public:
  PgVoiceTx(pqxx::work& txn, StoredAssessment round) : PgRoundTxBase(txn, std::move(round)) {}

  absl::StatusOr<std::optional<StoredVoiceRecord>> Get(VoiceKind kind, const std::string& id,
                                                       bool for_update) override {
    pqxx::result rows =
        db::ExecPrepared(txn_, for_update ? kSelectVoiceRecordForUpdate : kSelectVoiceRecord, id_,
                         std::string(VoiceKindName(kind)), id);
    if (rows.empty()) return std::nullopt;
    return RowToRecord(rows[0]);
  }

  absl::StatusOr<std::vector<StoredVoiceRecord>> List(VoiceKind kind) override {
    std::vector<StoredVoiceRecord> records;
    for (const pqxx::row& row :
         db::ExecPrepared(txn_, kListVoiceRecords, id_, std::string(VoiceKindName(kind)))) {
      records.push_back(RowToRecord(row));
    }
    return records;
  }

  absl::StatusOr<int> CountForCreate(VoiceKind kind) override {
    db::ExecPrepared(txn_, kLockKey, absl::StrCat("voice\n", id_, "\n", VoiceKindName(kind)));
    return db::ExecPrepared(txn_, kCountVoiceRecords, id_, std::string(VoiceKindName(kind)))[0][0]
        .as<int>();
  }

  absl::StatusOr<std::string> Put(VoiceKind kind, const std::string& id,
                                  v1::Classification classification,
                                  const std::string& bytes) override {
    pqxx::result rows =
        db::ExecPrepared(txn_, kUpsertVoiceRecord, id_, std::string(VoiceKindName(kind)), id,
                         partnership_id_, ClassificationColumn(classification), Blob(bytes));
    return rows[0][0].as<std::string>();
  }

  void AppendChange(v1::Change change) override {
    *change.mutable_time() = TimestampNow();
    change.set_partnership(round_.assessment.partnership());
    change.set_region(round_.assessment.region());
    change.set_assessment(round_.assessment.name());
    pending_.push_back(std::move(change));
  }

  absl::StatusOr<std::optional<v1::EvidenceFile>> EvidenceFileOf(
      const std::string& file_id) override {
    return SelectEvidenceFile(txn_, file_id);
  }

  absl::StatusOr<std::vector<std::string>> MissingActions(
      const std::vector<std::string>& action_ids) override {
    std::set<std::string> found;
    for (const pqxx::row& row :
         txn_.exec_params(kExistingActions, partnership_id_, db::TextArray(action_ids))) {
      found.insert(row[0].as<std::string>());
    }
    std::vector<std::string> missing;
    for (const std::string& id : action_ids) {
      if (!found.contains(id)) missing.push_back(id);
    }
    return missing;
  }
};

}  // namespace

absl::string_view VoiceKindName(VoiceKind kind) {
  switch (kind) {
    case VoiceKind::kEngagementRecord:
      return "engagement_record";
    case VoiceKind::kCaseAudit:
      return "case_audit";
    case VoiceKind::kLearningReview:
      return "learning_review";
  }
  return "engagement_record";
}

absl::Status PgAssessmentStore::InVoiceRound(const std::string& assessment_id, RoundLock lock,
                                             const VoiceWork& work, const IdempotencyKey* key,
                                             std::optional<std::string>* repeated) {
  return WriteOnce(*pool_, signal_, key, repeated, [&](pqxx::work& txn) -> absl::StatusOr<Written> {
    SIXSTEPS_ASSIGN_OR_RETURN(StoredAssessment round, LockRound(txn, assessment_id, lock));
    PgVoiceTx tx(txn, std::move(round));
    SIXSTEPS_RETURN_IF_ERROR(work(tx));
    const bool changed = tx.FlushChanges();
    return Written{tx.result(), changed};
  });
}

}  // namespace sixsteps::assessment
