#include "services/assessment/classification_rules.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/assessment/domain.h"
#include "services/base/make_status.h"
#include "services/base/names.h"
#include "services/base/status_macros.h"

namespace sixsteps::assessment {

void RedactEvidence(const auth::Caller& caller, absl::string_view region,
                    absl::string_view partnership,
                    google::protobuf::RepeatedPtrField<v1::EvidenceItem>* items) {
  if (MayReadSensitive(caller, region, partnership)) return;
  items->erase(std::remove_if(items->begin(), items->end(),
                              [](const v1::EvidenceItem& item) {
                                return item.classification() ==
                                       v1::CLASSIFICATION_OFFICIAL_SENSITIVE;
                              }),
               items->end());
}

void RedactChange(const auth::Caller& caller, v1::Change& change) {
  const absl::string_view region = LastSegment(change.region());
  const absl::string_view partnership = LastSegment(change.partnership());
  switch (change.record_case()) {
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
    // Retention: a tombstone of OFFICIAL-SENSITIVE material names what it was and its hash.
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

void KeepUnseenSensitiveEvidence(const auth::Caller& caller, absl::string_view region,
                                 absl::string_view partnership,
                                 const google::protobuf::RepeatedPtrField<v1::EvidenceItem>& stored,
                                 std::vector<v1::EvidenceItem>* merged) {
  if (MayReadSensitive(caller, region, partnership)) return;
  std::set<std::string> kept;
  for (const v1::EvidenceItem& item : *merged) kept.insert(item.id());
  for (const v1::EvidenceItem& item : stored) {
    if (item.classification() == v1::CLASSIFICATION_OFFICIAL_SENSITIVE && !kept.count(item.id())) {
      merged->push_back(item);
    }
  }
}

absl::Status NormaliseEvidenceClassification(v1::EvidenceItem& item, absl::string_view field) {
  SIXSTEPS_ASSIGN_OR_RETURN(
      v1::Classification classification,
      EffectiveClassification(item.classification(), absl::StrCat(field, ".classification")));
  item.set_classification(classification);
  if (!item.file().empty()) {
    SIXSTEPS_RETURN_IF_ERROR(
        ParseEvidenceFileName(item.file(), absl::StrCat(field, ".file")).status());
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<v1::EvidenceItem>> MergeClassifiedEvidence(
    RoundTx& tx, const auth::Caller& caller,
    const google::protobuf::RepeatedPtrField<v1::EvidenceItem>& stored,
    const google::protobuf::RepeatedPtrField<v1::EvidenceItem>& incoming, absl::string_view field) {
  const v1::Assessment& round = tx.round().assessment;
  google::protobuf::RepeatedPtrField<v1::EvidenceItem> checked = incoming;
  for (int i = 0; i < checked.size(); ++i) {
    v1::EvidenceItem& item = checked[i];
    if (!item.id().empty()) continue;  // kept as stored
    const std::string at = absl::StrCat(field, "[", i, "]");
    SIXSTEPS_RETURN_IF_ERROR(NormaliseEvidenceClassification(item, at));
    if (item.file().empty()) continue;
    SIXSTEPS_ASSIGN_OR_RETURN(std::optional<v1::EvidenceFile> file,
                              tx.EvidenceFileOf(std::string(LastSegment(item.file()))));
    if (!file || file->partnership() != round.partnership() ||
        !MayReadClassified(caller, LastSegment(round.region()), LastSegment(round.partnership()),
                           file->classification())) {
      return Invalid(absl::StrCat(at, ".file"),
                     absl::StrCat("no evidence file '", item.file(), "' of ", round.partnership()));
    }
    if (file->classification() == v1::CLASSIFICATION_OFFICIAL_SENSITIVE &&
        item.classification() != v1::CLASSIFICATION_OFFICIAL_SENSITIVE) {
      return Invalid(absl::StrCat(at, ".classification"),
                     "an item naming an OFFICIAL-SENSITIVE file must be OFFICIAL-SENSITIVE");
    }
  }
  SIXSTEPS_ASSIGN_OR_RETURN(std::vector<v1::EvidenceItem> merged,
                            MergeEvidence(stored, checked, caller.principal, absl::Now(), field));
  KeepUnseenSensitiveEvidence(caller, LastSegment(round.region()), LastSegment(round.partnership()),
                              stored, &merged);
  return merged;
}

}  // namespace sixsteps::assessment
