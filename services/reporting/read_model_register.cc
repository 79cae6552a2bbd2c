// The read model's evidence files (metadata only) and voice records (issue 16, H5):
// written from the feed, read for the evidence and voice reports. Parameterised SQL only.
//
// Purges: a purged file keeps its row with purge_time set, so the reports say "purged on
// <date>" where it was; a purged voice record leaves the read model.
#include <pqxx/pqxx>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/base/names.h"
#include "services/common/db.h"
#include "services/common/status.h"
#include "services/reporting/read_model.h"

namespace sixsteps::reporting {
namespace {

constexpr char kUpsertFile[] =
    "INSERT INTO evidence_files (evidence_file_id, partnership_id, assessment_id, "
    "classification, record) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (evidence_file_id) DO "
    "UPDATE SET assessment_id = EXCLUDED.assessment_id, classification = "
    "EXCLUDED.classification, record = EXCLUDED.record";
// A purged file keeps only what its tombstone keeps ($3): no name as uploaded, no
// description (the assessment service scrubs them from the feed too).
constexpr char kSetFilePurged[] =
    "UPDATE evidence_files SET purge_time = to_timestamp($2::bigint / 1000000.0), record = $3 "
    "WHERE evidence_file_id = $1";
constexpr char kUpsertVoice[] =
    "INSERT INTO voice_records (record_name, assessment_id, kind, classification, record) "
    "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (record_name) DO UPDATE SET classification = "
    "EXCLUDED.classification, record = EXCLUDED.record";
constexpr char kDeleteVoice[] = "DELETE FROM voice_records WHERE record_name = $1";
constexpr char kSelectFilesOfRound[] =
    "SELECT record, CASE WHEN purge_time IS NULL THEN '' ELSE "
    "to_char(purge_time AT TIME ZONE 'UTC', 'YYYY-MM-DD') END FROM evidence_files "
    "WHERE assessment_id = $1 OR (partnership_id = $2 AND evidence_file_id = ANY($3::text[])) "
    "ORDER BY evidence_file_id";
constexpr char kSelectVoiceOfRound[] =
    "SELECT kind, record FROM voice_records WHERE assessment_id = $1 ORDER BY record_name";

// "assessments/{a}/engagementRecords/{r}" → "a".
std::string RoundOf(const std::string& record_name) {
  return std::string(LastSegment(record_name.substr(0, record_name.find('/', 12))));
}

template <typename Record>
void PutVoice(pqxx::work& txn, const Record& record, const char* kind) {
  db::ExecPrepared(txn, kUpsertVoice, record.name(), RoundOf(record.name()), kind,
                   ClassificationText(record.classification()),
                   pqxx::binarystring(record.SerializeAsString()));
}

template <typename Message>
absl::Status ParseInto(const pqxx::field& field, Message* message) {
  if (!message->ParseFromString(pqxx::binarystring(field).str())) {
    return absl::DataLossError("a stored record of the read model cannot be read");
  }
  return absl::OkStatus();
}

// Ids of the files the round's evidence items, voice records and published report name.
std::vector<std::string> NamedFiles(const RoundData& round, const RegisterData& data) {
  std::vector<std::string> ids;
  auto add = [&](const google::protobuf::RepeatedPtrField<av1::EvidenceItem>& items) {
    for (const av1::EvidenceItem& item : items) {
      if (!item.file().empty()) ids.push_back(std::string(LastSegment(item.file())));
    }
  };
  auto add_names = [&](const google::protobuf::RepeatedPtrField<std::string>& names) {
    for (const std::string& name : names) ids.push_back(std::string(LastSegment(name)));
  };
  for (const av1::Response& r : round.responses) add(r.evidence());
  for (const av1::Consolidation& c : round.consolidations) add(c.evidence());
  for (const auto& r : data.engagement) add_names(r.evidence_files());
  for (const auto& r : data.audits) add_names(r.evidence_files());
  for (const auto& r : data.reviews) add_names(r.evidence_files());
  if (data.published_report) {
    for (const auto& f : data.published_report->findings()) add_names(f.evidence_files());
    for (const auto& r : data.published_report->recommendations()) add_names(r.evidence_files());
  }
  return ids;
}

}  // namespace

bool ApplyRegisterRecord(pqxx::work& txn, const av1::Change& change) {
  switch (change.record_case()) {
    case av1::Change::kEvidenceFile: {
      // Only OFFICIAL files reach the reporting account with their record; a sensitive
      // file's change comes without one and is not recorded here.
      const av1::EvidenceFile& f = change.evidence_file();
      db::ExecPrepared(
          txn, kUpsertFile, std::string(LastSegment(f.name())),
          std::string(LastSegment(f.partnership())), std::string(LastSegment(f.assessment())),
          ClassificationText(f.classification()), pqxx::binarystring(f.SerializeAsString()));
      return true;
    }
    case av1::Change::kEngagementRecord:
      PutVoice(txn, change.engagement_record(), "engagement_record");
      return true;
    case av1::Change::kCaseAudit:
      PutVoice(txn, change.case_audit(), "case_audit");
      return true;
    case av1::Change::kLearningReview:
      PutVoice(txn, change.learning_review(), "learning_review");
      return true;
    case av1::Change::kTombstone: {
      const av1::Tombstone& tombstone = change.tombstone();
      const std::string& purged = tombstone.purged_resource();
      if (absl::StartsWith(purged, "evidenceFiles/")) {
        const int64_t micros =
            tombstone.purge_time().seconds() * 1000000 + tombstone.purge_time().nanos() / 1000;
        av1::EvidenceFile kept;
        kept.set_name(purged);
        kept.set_partnership(tombstone.partnership());
        kept.set_region(tombstone.region());
        kept.set_assessment(tombstone.assessment());
        kept.set_classification(tombstone.classification());
        kept.set_size_bytes(tombstone.size_bytes());
        kept.set_sha256(tombstone.sha256());
        db::ExecPrepared(txn, kSetFilePurged, std::string(LastSegment(purged)), micros,
                         pqxx::binarystring(kept.SerializeAsString()));
      } else {
        db::ExecPrepared(txn, kDeleteVoice, purged);
      }
      return true;
    }
    default:
      return false;
  }
}

absl::StatusOr<RegisterData> ReadModel::Snapshot::LoadRegister(const RoundData& round) {
  RegisterData data;
  const std::string id(LastSegment(round.assessment.name()));
  const std::string partnership(LastSegment(round.assessment.partnership()));
  for (const pqxx::row& row : db::ExecPrepared(*txn_, kSelectVoiceOfRound, id)) {
    const std::string kind = row[0].as<std::string>();
    if (kind == "engagement_record") {
      SIXSTEPS_RETURN_IF_ERROR(ParseInto(row[1], &data.engagement.emplace_back()));
    } else if (kind == "case_audit") {
      SIXSTEPS_RETURN_IF_ERROR(ParseInto(row[1], &data.audits.emplace_back()));
    } else if (kind == "learning_review") {
      SIXSTEPS_RETURN_IF_ERROR(ParseInto(row[1], &data.reviews.emplace_back()));
    }
  }
  SIXSTEPS_ASSIGN_OR_RETURN(std::vector<av1::ScrutinyReport> published,
                            PublishedScrutinyReports(id));
  if (!published.empty()) data.published_report = std::move(published.back());
  for (const pqxx::row& row : db::ExecPrepared(*txn_, kSelectFilesOfRound, id, partnership,
                                               db::TextArray(NamedFiles(round, data)))) {
    av1::EvidenceFile& file = data.files.emplace_back();
    SIXSTEPS_RETURN_IF_ERROR(ParseInto(row[0], &file));
    if (std::string purged = row[1].as<std::string>(); !purged.empty()) {
      data.purge_dates[file.name()] = purged;
    }
  }
  return data;
}

}  // namespace sixsteps::reporting
