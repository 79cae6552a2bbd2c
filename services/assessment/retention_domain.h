// The rules of retention (issue 16) as plain functions: what a valid policy is, how long
// each kind is kept, when a thing expires, who manages retention, and the names of
// policies, holds and tombstones.
//
// When a thing expires: a file or record of a round expires `years` after the round was
// finalised, on the anniversary of its finalisation date in the hub's time zone (Feb 29
// becoming Feb 28), from the start of that day; a round that is not finalised (never, or
// reopened) does not expire. A file uploaded without a round expires `years` after its
// upload, the same way. A period of 0 keeps for ever; so does having no policy. A standing
// legal hold on the round keeps everything of the round.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "services/common/auth.h"
#include "sixsteps/assessment/v1/retention.pb.h"

namespace sixsteps::assessment {

inline constexpr int kMaxRetentionYears = 100;
inline constexpr int kMaxHoldReasonLength = 2000;
inline constexpr int kMaxLegalHoldsPerRound = 100;
// Who the purge's changes and tombstones name as their actor.
inline constexpr char kRetentionActor[] = "system:retention";

// "partnerships/{p}/retentionPolicy" -> p; INVALID_ARGUMENT on `field` otherwise.
absl::StatusOr<std::string> ParseRetentionPolicyName(absl::string_view name,
                                                     absl::string_view field);
std::string RetentionPolicyName(absl::string_view partnership_id);
// "assessments/{a}/legalHolds/{h}" -> {a, h}.
struct LegalHoldId {
  std::string assessment_id;
  std::string hold_id;
};
absl::StatusOr<LegalHoldId> ParseLegalHoldName(absl::string_view name, absl::string_view field);
std::string LegalHoldName(absl::string_view assessment_id, absl::string_view hold_id);
std::string TombstoneName(absl::string_view partnership_id, absl::string_view tombstone_id);

// Every period from 0 to kMaxRetentionYears; INVALID_ARGUMENT naming the field otherwise.
absl::Status ValidateRetentionPolicy(const v1::RetentionPolicy& policy);
// The years the policy keeps a kind (0: for ever).
int RetentionYears(const v1::RetentionPolicy& policy, v1::RetainedKind kind);
// "evidence_file", "engagement_record", "case_audit", "learning_review".
std::string RetainedKindWord(v1::RetainedKind kind);

// The day a thing whose clock started on `start` (a finalisation or an upload, as a day in
// the hub's time zone) expires after `years` (> 0): the same month and day `years` later,
// Feb 29 becoming Feb 28.
absl::CivilDay ExpiryDay(absl::CivilDay start, int years);
// Whether it has expired by `today`.
bool HasExpired(absl::CivilDay start, int years, absl::CivilDay today);

// A hold's or a lift's reason: required, at most kMaxHoldReasonLength characters, no
// personal data.
absl::Status ValidateHoldReason(absl::string_view reason, absl::string_view field);
// Set the policy and place or lift holds: the partnership's administrators and its
// region's hub administrators; PERMISSION_DENIED otherwise. Also who reads tombstones.
absl::Status CheckCanManageRetention(const auth::Caller& caller, absl::string_view region,
                                     absl::string_view partnership);
// A hold that is already lifted cannot be lifted again (FAILED_PRECONDITION).
absl::Status CheckHoldStanding(const v1::LegalHold& hold);

}  // namespace sixsteps::assessment
