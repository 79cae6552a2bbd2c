// What a caller reads of classified material (issue 16): OFFICIAL-SENSITIVE evidence items
// and the records of OFFICIAL-SENSITIVE files are left out of what region-wide viewers,
// dashboards and integrations read (MayReadSensitive), wherever they read them: responses,
// consolidations, revisions and the change feed.
#pragma once

#include "google/protobuf/repeated_ptr_field.h"
#include "services/assessment/evidence_file_domain.h"
#include "services/assessment/store.h"
#include "sixsteps/assessment/v1/assessment.pb.h"

namespace sixsteps::assessment {

// Drops the OFFICIAL-SENSITIVE items unless the caller may read the partnership's (ids)
// sensitive material.
void RedactEvidence(const auth::Caller& caller, absl::string_view region,
                    absl::string_view partnership,
                    google::protobuf::RepeatedPtrField<v1::EvidenceItem>* items);

// The evidence list of a write by a caller who may not read sensitive items: they never saw
// the stored ones, so they are kept (after the caller's own) rather than removed.
void KeepUnseenSensitiveEvidence(const auth::Caller& caller, absl::string_view region,
                                 absl::string_view partnership,
                                 const google::protobuf::RepeatedPtrField<v1::EvidenceItem>& stored,
                                 std::vector<v1::EvidenceItem>* merged);

// An evidence item's classification on write (unspecified: OFFICIAL) and its file, if it
// names one: INVALID_ARGUMENT on `field` for a malformed name or an unknown value.
absl::Status NormaliseEvidenceClassification(v1::EvidenceItem& item, absl::string_view field);

// MergeEvidence for a write to the round `tx` holds, with the classification rules: new
// items get their classification (NormaliseEvidenceClassification); an item naming a file
// needs a file of the round's partnership (INVALID_ARGUMENT otherwise) and, for an
// OFFICIAL-SENSITIVE file, must be OFFICIAL-SENSITIVE itself (INVALID_ARGUMENT); stored
// sensitive items the caller could not read are kept (KeepUnseenSensitiveEvidence). The
// attachment rule every record that names evidence files follows.
absl::StatusOr<std::vector<v1::EvidenceItem>> MergeClassifiedEvidence(
    RoundTx& tx, const auth::Caller& caller,
    const google::protobuf::RepeatedPtrField<v1::EvidenceItem>& stored,
    const google::protobuf::RepeatedPtrField<v1::EvidenceItem>& incoming, absl::string_view field);

}  // namespace sixsteps::assessment
