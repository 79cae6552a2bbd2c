#include "services/assessment/change_redaction.h"

#include <utility>

#include "services/assessment/classification_rules.h"
#include "services/assessment/evidence_file_domain.h"
#include "services/assessment/scrutiny_report_domain.h"
#include "services/assessment/voice_domain.h"
#include "services/base/names.h"

namespace sixsteps::assessment {
namespace {

using auth::Role;

// A voice record's change for a caller who may not read it: the feed still shows that
// something changed, and what it was called.
template <typename Record>
void KeepNameAndClassification(Record* record) {
  Record kept;
  kept.set_name(record->name());
  kept.set_classification(record->classification());
  *record = std::move(kept);
}

// The voice record of the change, if it is `name`.
template <typename Record>
bool ScrubVoiceRecord(absl::string_view name, Record* record) {
  if (record->name() != name) return false;
  KeepNameAndClassification(record);
  return true;
}

template <typename Record>
void RedactVoiceRecord(const auth::Caller& caller, const v1::Change& change, Record* record) {
  if (!CanReadClassified(caller, change.partnership(), record->classification())) {
    KeepNameAndClassification(record);
  }
}

}  // namespace

void RedactChange(const auth::Caller& caller, v1::Change& change) {
  const std::string region(LastSegment(change.region()));
  const std::string partnership(LastSegment(change.partnership()));
  switch (change.record_case()) {
    // Voice records (issue 16).
    case v1::Change::kEngagementRecord:
      RedactVoiceRecord(caller, change, change.mutable_engagement_record());
      break;
    case v1::Change::kCaseAudit:
      RedactVoiceRecord(caller, change, change.mutable_case_audit());
      break;
    case v1::Change::kLearningReview:
      RedactVoiceRecord(caller, change, change.mutable_learning_review());
      break;
    // The scrutineer's report and concerns.
    case v1::Change::kScrutinyReport:
      if (change.scrutiny_report().state() == v1::ScrutinyReport::STATE_DRAFT &&
          !caller.HasPartnershipRole(partnership, {Role::ROLE_INDEPENDENT_SCRUTINEER})) {
        change.clear_record();
      }
      break;
    case v1::Change::kScrutinyConcern:
      if (change.scrutiny_concern().raised_by() != caller.principal &&
          !SeesEveryConcern(caller, region, partnership)) {
        change.clear_record();
      }
      break;
    // Evidence files and the evidence items of responses and consolidations.
    case v1::Change::kEvidenceFile:
      if (!MayReadClassified(caller, region, partnership,
                             change.evidence_file().classification())) {
        change.clear_record();
      }
      break;
    case v1::Change::kEvidenceFileDownload:
      if (!MayReadClassified(caller, region, partnership,
                             change.evidence_file_download().classification())) {
        change.clear_record();
      }
      break;
    // A tombstone of OFFICIAL-SENSITIVE material names what it was and its hash.
    case v1::Change::kTombstone:
      if (!MayReadClassified(caller, region, partnership, change.tombstone().classification())) {
        change.clear_record();
      }
      break;
    case v1::Change::kResponse:
      RedactEvidence(caller, region, partnership, change.mutable_response()->mutable_evidence());
      break;
    case v1::Change::kConsolidation:
      RedactEvidence(caller, region, partnership,
                     change.mutable_consolidation()->mutable_evidence());
      break;
    default:
      break;
  }
}

bool ScrubPurged(absl::string_view purged_resource, v1::Change& change) {
  switch (change.record_case()) {
    case v1::Change::kEvidenceFile: {
      const v1::EvidenceFile& file = change.evidence_file();
      if (file.name() != purged_resource) return false;
      v1::EvidenceFile kept;
      kept.set_name(file.name());
      kept.set_partnership(file.partnership());
      kept.set_region(file.region());
      kept.set_assessment(file.assessment());
      kept.set_classification(file.classification());
      kept.set_size_bytes(file.size_bytes());
      kept.set_sha256(file.sha256());
      *change.mutable_evidence_file() = std::move(kept);
      return true;
    }
    case v1::Change::kEvidenceFileDownload: {
      const v1::EvidenceFileDownload& download = change.evidence_file_download();
      if (download.evidence_file() != purged_resource) return false;
      v1::EvidenceFileDownload kept;
      kept.set_name(download.name());
      kept.set_evidence_file(download.evidence_file());
      kept.set_classification(download.classification());
      *change.mutable_evidence_file_download() = std::move(kept);
      return true;
    }
    case v1::Change::kEngagementRecord:
      return ScrubVoiceRecord(purged_resource, change.mutable_engagement_record());
    case v1::Change::kCaseAudit:
      return ScrubVoiceRecord(purged_resource, change.mutable_case_audit());
    case v1::Change::kLearningReview:
      return ScrubVoiceRecord(purged_resource, change.mutable_learning_review());
    default:
      return false;
  }
}

}  // namespace sixsteps::assessment
