// PgRetentionStore::PurgeOneExpired: the daily purge's one step (retention_store.h). What has
// expired is selected in SQL with the rule of retention_domain.h: the start day (the round's
// finalisation, or a round-less file's upload, as a date in the hub's time zone) plus the
// policy's years (PostgreSQL's date + interval turns Feb 29 into Feb 28, as ExpiryDay does),
// on or before today.
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "services/assessment/action_domain.h"
#include "services/assessment/evidence_file_domain.h"
#include "services/assessment/pg_store_internal.h"
#include "services/assessment/pg_store_retention.h"
#include "services/assessment/retention_domain.h"
#include "services/assessment/voice_domain.h"
#include "services/base/clock.h"
#include "services/common/ids.h"

namespace sixsteps::assessment {
using namespace pg_store_internal;  // NOLINT(build/namespaces): the store's own helpers
namespace {

// $1 today (ISO date), $2 the hub's time zone. One expired file no standing hold keeps,
// oldest first, locked (skipping those another purger holds).
constexpr char kExpiredFile[] =
    "SELECT f.file_id, f.record, f.blob_id, f.assessment_id, f.region_id, p.record, "
    "p.row_version, p.evidence_file_years, start.day::text "
    "FROM evidence_files f "
    "JOIN retention_policies p ON p.partnership_id = f.partnership_id "
    "LEFT JOIN assessments a ON a.assessment_id = f.assessment_id "
    "CROSS JOIN LATERAL (SELECT ((CASE WHEN f.assessment_id = '' THEN f.upload_time "
    "  ELSE a.finalise_time END) AT TIME ZONE $2)::date AS day) start "
    "WHERE p.evidence_file_years > 0 AND (f.assessment_id = '' OR a.state = 'finalised') "
    "AND start.day + make_interval(years => p.evidence_file_years) <= $1::date "
    "AND NOT EXISTS (SELECT 1 FROM legal_holds h "
    "  WHERE h.assessment_id = f.assessment_id AND NOT h.lifted) "
    "ORDER BY f.seq LIMIT 1 FOR UPDATE OF f SKIP LOCKED";
// The same for voice records, whose years depend on their kind.
constexpr char kExpiredVoiceRecord[] =
    "SELECT v.assessment_id, v.kind, v.record_id, v.record, v.classification, a.region_id, "
    "p.record, p.row_version, y.years, start.day::text "
    "FROM voice_records v "
    "JOIN assessments a ON a.assessment_id = v.assessment_id "
    "JOIN retention_policies p ON p.partnership_id = v.partnership_id "
    "CROSS JOIN LATERAL (SELECT CASE v.kind WHEN 'engagement_record' THEN "
    "  p.engagement_record_years WHEN 'case_audit' THEN p.case_audit_years "
    "  ELSE p.learning_review_years END AS years) y "
    "CROSS JOIN LATERAL (SELECT (a.finalise_time AT TIME ZONE $2)::date AS day) start "
    "WHERE a.state = 'finalised' AND y.years > 0 "
    "AND start.day + make_interval(years => y.years) <= $1::date "
    "AND NOT EXISTS (SELECT 1 FROM legal_holds h "
    "  WHERE h.assessment_id = v.assessment_id AND NOT h.lifted) "
    "ORDER BY v.create_time, v.record_id LIMIT 1 FOR UPDATE OF v SKIP LOCKED";
// Under the round's share lock (a hold being placed holds it FOR UPDATE): still finalised
// and still without a standing hold, as committed now.
constexpr char kRoundStillPurgeable[] =
    "SELECT a.state = 'finalised' AND NOT EXISTS (SELECT 1 FROM legal_holds h "
    "  WHERE h.assessment_id = a.assessment_id AND NOT h.lifted) "
    "FROM assessments a WHERE a.assessment_id = $1 FOR SHARE OF a";
constexpr char kDropDownloads[] = "DELETE FROM evidence_file_downloads WHERE file_id = $1";
constexpr char kDropFile[] = "DELETE FROM evidence_files WHERE file_id = $1";
constexpr char kBlobInUse[] = "SELECT EXISTS (SELECT 1 FROM evidence_files WHERE blob_id = $1)";
constexpr char kDropBlobChunks[] = "DELETE FROM evidence_blob_chunks WHERE blob_id = $1";
constexpr char kDropBlob[] = "DELETE FROM evidence_blobs WHERE blob_id = $1";
constexpr char kDropVoiceRecord[] =
    "DELETE FROM voice_records WHERE assessment_id = $1 AND kind = $2 AND record_id = $3";
constexpr char kInsertTombstone[] =
    "INSERT INTO tombstones (tombstone_id, partnership_id, assessment_id, purged_resource, "
    "record) VALUES ($1, $2, $3, $4, $5)";

enum class Outcome { kNone, kSkipped, kPurged };

absl::StatusOr<absl::CivilDay> ParseDay(const pqxx::field& field) {
  absl::CivilDay day;
  if (!absl::ParseCivilTime(field.as<std::string>(), &day)) {
    return absl::InternalError("the purge read a date it cannot parse");
  }
  return day;
}

// The tombstone's policy fields and times.
absl::Status FillPolicy(const pqxx::row& row, int policy_column, int years_column, int day_column,
                        const PurgeDay& day, v1::Tombstone& tombstone) {
  SIXSTEPS_ASSIGN_OR_RETURN(v1::RetentionPolicy policy,
                            Parse<v1::RetentionPolicy>(row[policy_column], "retention policy"));
  const int years = row[years_column].as<int>();
  SIXSTEPS_ASSIGN_OR_RETURN(absl::CivilDay start, ParseDay(row[day_column]));
  tombstone.set_policy(policy.name());
  tombstone.set_policy_revision(policy.revision());
  tombstone.set_retention_years(years);
  *tombstone.mutable_expire_time() =
      ToTimestamp(absl::FromCivil(ExpiryDay(start, years), day.zone));
  *tombstone.mutable_purge_time() = ToTimestamp(day.now);
  return absl::OkStatus();
}

// Re-checks the round under its share lock; false if it may not be purged after all.
bool RoundStillPurgeable(pqxx::work& txn, const std::string& assessment_id) {
  if (assessment_id.empty()) return true;
  pqxx::result rows = db::ExecPrepared(txn, kRoundStillPurgeable, assessment_id);
  return !rows.empty() && rows[0][0].as<bool>();
}

// The first thing `query` finds expired on the purge's day: its $1 is that day, its $2 the
// hub's time zone. Empty when nothing more has expired.
pqxx::result FirstExpired(pqxx::work& txn, const char* query, const PurgeDay& day) {
  return db::ExecPrepared(txn, query, TodayIn(day.zone, day.now), day.zone.name());
}

// Scrubs the purged record from the feed's earlier entries, then writes its tombstone and
// the tombstone's change; `out` is the tombstone written.
absl::StatusOr<Outcome> Bury(pqxx::work& txn, v1::Tombstone tombstone, v1::Tombstone& out) {
  SIXSTEPS_RETURN_IF_ERROR(ScrubPurgedFromFeed(txn,
                                               std::string(LastSegment(tombstone.partnership())),
                                               tombstone.purged_resource())
                               .status());
  const std::string id = RandomId("tomb");
  const std::string partnership_id(LastSegment(tombstone.partnership()));
  tombstone.set_name(TombstoneName(partnership_id, id));
  db::ExecPrepared(txn, kInsertTombstone, id, partnership_id,
                   std::string(LastSegment(tombstone.assessment())), tombstone.purged_resource(),
                   Blob(tombstone.SerializeAsString()));
  v1::Change change;
  *change.mutable_time() = tombstone.purge_time();
  change.set_kind(v1::CHANGE_KIND_RECORD_PURGED);
  change.set_partnership(tombstone.partnership());
  change.set_region(tombstone.region());
  change.set_assessment(tombstone.assessment());
  change.set_actor(kRetentionActor);
  *change.mutable_tombstone() = tombstone;
  std::vector<v1::Change> changes = {std::move(change)};
  AppendChanges(txn, changes);
  out = std::move(tombstone);
  return Outcome::kPurged;
}

absl::StatusOr<Outcome> PurgeFile(pqxx::work& txn, const PurgeDay& day, v1::Tombstone& out) {
  pqxx::result rows = FirstExpired(txn, kExpiredFile, day);
  if (rows.empty()) return Outcome::kNone;
  const pqxx::row& row = rows[0];
  const std::string file_id = row[0].as<std::string>();
  const std::string blob_id = row[2].as<std::string>();
  if (!RoundStillPurgeable(txn, row[3].as<std::string>())) return Outcome::kSkipped;
  SIXSTEPS_ASSIGN_OR_RETURN(v1::EvidenceFile file,
                            Parse<v1::EvidenceFile>(row[1], "evidence file"));
  v1::Tombstone tombstone;
  tombstone.set_partnership(file.partnership());
  tombstone.set_region(file.region());
  tombstone.set_assessment(file.assessment());
  tombstone.set_purged_resource(file.name());
  tombstone.set_kind(v1::RETAINED_KIND_EVIDENCE_FILE);
  tombstone.set_sha256(file.sha256());
  tombstone.set_classification(file.classification());
  tombstone.set_size_bytes(file.size_bytes());
  SIXSTEPS_RETURN_IF_ERROR(FillPolicy(row, 5, 7, 8, day, tombstone));
  db::ExecPrepared(txn, kDropDownloads, file_id);
  db::ExecPrepared(txn, kDropFile, file_id);
  // An upload of the same bytes to the partnership takes this lock before it looks for the
  // blob: it either finds it still referenced here or not at all.
  db::ExecPrepared(txn, kLockKey,
                   absl::StrCat("blob\n", LastSegment(file.partnership()), "\n", file.sha256()));
  if (!db::ExecPrepared(txn, kBlobInUse, blob_id)[0][0].as<bool>()) {
    db::ExecPrepared(txn, kDropBlobChunks, blob_id);
    db::ExecPrepared(txn, kDropBlob, blob_id);
  }
  return Bury(txn, std::move(tombstone), out);
}

v1::RetainedKind KindOfColumn(const std::string& kind) {
  if (kind == "engagement_record") return v1::RETAINED_KIND_ENGAGEMENT_RECORD;
  if (kind == "case_audit") return v1::RETAINED_KIND_CASE_AUDIT;
  return v1::RETAINED_KIND_LEARNING_REVIEW;
}

const char* CollectionOf(v1::RetainedKind kind) {
  switch (kind) {
    case v1::RETAINED_KIND_ENGAGEMENT_RECORD:
      return kEngagementRecords;
    case v1::RETAINED_KIND_CASE_AUDIT:
      return kCaseAudits;
    default:
      return kLearningReviews;
  }
}

absl::StatusOr<Outcome> PurgeVoiceRecord(pqxx::work& txn, const PurgeDay& day, v1::Tombstone& out) {
  pqxx::result rows = FirstExpired(txn, kExpiredVoiceRecord, day);
  if (rows.empty()) return Outcome::kNone;
  const pqxx::row& row = rows[0];
  const std::string assessment_id = row[0].as<std::string>();
  const std::string kind_column = row[1].as<std::string>();
  const std::string record_id = row[2].as<std::string>();
  if (!RoundStillPurgeable(txn, assessment_id)) return Outcome::kSkipped;
  const v1::RetainedKind kind = KindOfColumn(kind_column);
  // The record's partnership: the policy's.
  SIXSTEPS_ASSIGN_OR_RETURN(v1::RetentionPolicy policy,
                            Parse<v1::RetentionPolicy>(row[6], "retention policy"));
  Sha256 hash;
  hash.Update(Bytes(row[3]));
  v1::Tombstone tombstone;
  tombstone.set_partnership(policy.partnership());
  tombstone.set_region(absl::StrCat("regions/", row[5].as<std::string>()));
  tombstone.set_assessment(absl::StrCat("assessments/", assessment_id));
  tombstone.set_purged_resource(
      absl::StrCat("assessments/", assessment_id, "/", CollectionOf(kind), "/", record_id));
  tombstone.set_kind(kind);
  tombstone.set_sha256(hash.HexDigest());
  tombstone.set_classification(row[4].as<std::string>() == "official_sensitive"
                                   ? v1::CLASSIFICATION_OFFICIAL_SENSITIVE
                                   : v1::CLASSIFICATION_OFFICIAL);
  SIXSTEPS_RETURN_IF_ERROR(FillPolicy(row, 6, 8, 9, day, tombstone));
  db::ExecPrepared(txn, kDropVoiceRecord, assessment_id, kind_column, record_id);
  return Bury(txn, std::move(tombstone), out);
}

}  // namespace

absl::StatusOr<std::optional<v1::Tombstone>> PgRetentionStore::PurgeOneExpired(
    const PurgeDay& day) {
  // A candidate whose round changed under us (a hold placed, the round reopened) is left:
  // the next query no longer selects it. The bound guards against a round that keeps
  // changing.
  for (int attempt = 0; attempt < 10; ++attempt) {
    Outcome outcome = Outcome::kNone;
    v1::Tombstone tombstone;
    SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
      SIXSTEPS_ASSIGN_OR_RETURN(outcome, PurgeFile(txn, day, tombstone));
      if (outcome == Outcome::kNone) {
        SIXSTEPS_ASSIGN_OR_RETURN(outcome, PurgeVoiceRecord(txn, day, tombstone));
      }
      return absl::OkStatus();
    }));
    if (outcome == Outcome::kNone) return std::nullopt;
    if (outcome == Outcome::kPurged) {
      Notify();
      return tombstone;
    }
  }
  return std::nullopt;
}

}  // namespace sixsteps::assessment
