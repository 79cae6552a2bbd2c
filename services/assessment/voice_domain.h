// The rules of voice records (engagement records, case audits, learning reviews) as plain
// functions: what a valid record is, who may read an OFFICIAL-SENSITIVE one, who may write,
// and what a change of a record shows to a caller who may not read it (change_redaction.h).
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "services/assessment/domain.h"
#include "sixsteps/assessment/v1/assessment.pb.h"
#include "sixsteps/assessment/v1/voice.pb.h"

namespace sixsteps::assessment {

// How many records of each kind a round may hold (its lists are read whole).
inline constexpr int kMaxVoiceRecordsPerRound = 500;
// How many themes, quotes, findings, "you said, we did" pairs, recommendations, agencies,
// actions or links a record may list.
inline constexpr int kMaxVoiceListItems = 50;
inline constexpr int kMaxParticipants = 1000000;
inline constexpr int kMaxAuditedCases = 10000;

// "assessments/{a}/engagementRecords/{id}" and the like.
inline constexpr char kEngagementRecords[] = "engagementRecords";
inline constexpr char kCaseAudits[] = "caseAudits";
inline constexpr char kLearningReviews[] = "learningReviews";

// OFFICIAL-SENSITIVE records are for the partnership's own roles: any role bound on the
// partnership itself. Region-wide and deployment-wide grants (hub administrators, viewers,
// dashboards, integrations) do not read them.
bool CanReadSensitive(const Caller& caller, absl::string_view partnership);
// Whether the caller may read a record of the partnership with this classification.
bool CanReadClassified(const Caller& caller, absl::string_view partnership,
                       v1::Classification classification);
// Write a round's voice records: those who set up its rounds (CheckCanSetUp); an
// OFFICIAL-SENSITIVE one only those of them bound on the partnership. PERMISSION_DENIED
// otherwise.
absl::Status CheckCanWriteVoice(const Caller& caller, const v1::Assessment& assessment,
                                v1::Classification classification);
// UNSPECIFIED becomes OFFICIAL; an unknown value is INVALID_ARGUMENT naming `field`.
absl::StatusOr<v1::Classification> NormaliseClassification(v1::Classification classification,
                                                           absl::string_view field);

// What a record must be, before it is written: every field in its limits, free text free of
// personal data, steps and questions of the round's framework, agencies of its partnership
// (by name; the directory confirms they exist). INVALID_ARGUMENT naming the field under
// `prefix` ("engagement_record").
absl::Status ValidateEngagementRecord(const v1::EngagementRecord& record,
                                      const FrameworkIndex& framework, absl::string_view prefix);
absl::Status ValidateCaseAudit(const v1::CaseAudit& audit, const FrameworkIndex& framework,
                               absl::string_view partnership_name, absl::string_view prefix);
absl::Status ValidateLearningReview(const v1::LearningReview& review,
                                    const FrameworkIndex& framework, absl::string_view prefix);

// The actions ("actions/{id}") a record links to, as ids, in order.
std::vector<std::string> LinkedActionIds(const v1::EngagementRecord& record);
std::vector<std::string> LinkedActionIds(const v1::CaseAudit& audit);
std::vector<std::string> LinkedActionIds(const v1::LearningReview& review);

}  // namespace sixsteps::assessment
