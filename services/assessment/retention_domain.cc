#include "services/assessment/retention_domain.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/base/make_status.h"
#include "services/base/status_macros.h"
#include "services/common/validation.h"

namespace sixsteps::assessment {
namespace {

bool IsId(absl::string_view id) {
  return !id.empty() && id.size() <= 128 && id.find('/') == absl::string_view::npos;
}

}  // namespace

absl::StatusOr<std::string> ParseRetentionPolicyName(absl::string_view name,
                                                     absl::string_view field) {
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  if (parts.size() != 3 || parts[0] != "partnerships" || !IsId(parts[1]) ||
      parts[2] != "retentionPolicy") {
    return Invalid(field, "must be partnerships/{partnership}/retentionPolicy");
  }
  return std::string(parts[1]);
}

std::string RetentionPolicyName(absl::string_view partnership_id) {
  return absl::StrCat("partnerships/", partnership_id, "/retentionPolicy");
}

absl::StatusOr<LegalHoldId> ParseLegalHoldName(absl::string_view name, absl::string_view field) {
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  if (parts.size() != 4 || parts[0] != "assessments" || !IsId(parts[1]) ||
      parts[2] != "legalHolds" || !IsId(parts[3])) {
    return Invalid(field, "must be assessments/{assessment}/legalHolds/{hold}");
  }
  return LegalHoldId{std::string(parts[1]), std::string(parts[3])};
}

std::string LegalHoldName(absl::string_view assessment_id, absl::string_view hold_id) {
  return absl::StrCat("assessments/", assessment_id, "/legalHolds/", hold_id);
}

std::string TombstoneName(absl::string_view partnership_id, absl::string_view tombstone_id) {
  return absl::StrCat("partnerships/", partnership_id, "/tombstones/", tombstone_id);
}

absl::Status ValidateRetentionPolicy(const v1::RetentionPolicy& policy) {
  const struct {
    int years;
    const char* field;
  } periods[] = {
      {policy.evidence_file_years(), "policy.evidence_file_years"},
      {policy.engagement_record_years(), "policy.engagement_record_years"},
      {policy.case_audit_years(), "policy.case_audit_years"},
      {policy.learning_review_years(), "policy.learning_review_years"},
  };
  for (const auto& period : periods) {
    if (period.years < 0 || period.years > kMaxRetentionYears) {
      return Invalid(period.field, absl::StrCat("must be from 0 to ", kMaxRetentionYears));
    }
  }
  return absl::OkStatus();
}

int RetentionYears(const v1::RetentionPolicy& policy, v1::RetainedKind kind) {
  switch (kind) {
    case v1::RETAINED_KIND_EVIDENCE_FILE:
      return policy.evidence_file_years();
    case v1::RETAINED_KIND_ENGAGEMENT_RECORD:
      return policy.engagement_record_years();
    case v1::RETAINED_KIND_CASE_AUDIT:
      return policy.case_audit_years();
    case v1::RETAINED_KIND_LEARNING_REVIEW:
      return policy.learning_review_years();
    default:
      return 0;
  }
}

std::string RetainedKindWord(v1::RetainedKind kind) {
  switch (kind) {
    case v1::RETAINED_KIND_EVIDENCE_FILE:
      return "evidence_file";
    case v1::RETAINED_KIND_ENGAGEMENT_RECORD:
      return "engagement_record";
    case v1::RETAINED_KIND_CASE_AUDIT:
      return "case_audit";
    case v1::RETAINED_KIND_LEARNING_REVIEW:
      return "learning_review";
    default:
      return "unspecified";
  }
}

absl::CivilDay ExpiryDay(absl::CivilDay start, int years) {
  const absl::CivilYear year(start.year() + years);
  // CivilDay normalises Feb 29 of a common year to Mar 1: keep it in February.
  if (start.month() == 2 && start.day() == 29) {
    absl::CivilDay leap(year.year(), 2, 29);
    if (leap.month() != 2) return absl::CivilDay(year.year(), 2, 28);
    return leap;
  }
  return absl::CivilDay(year.year(), start.month(), start.day());
}

bool HasExpired(absl::CivilDay start, int years, absl::CivilDay today) {
  return years > 0 && ExpiryDay(start, years) <= today;
}

absl::Status ValidateHoldReason(absl::string_view reason, absl::string_view field) {
  return ValidateFreeText(reason, kMaxHoldReasonLength, field);
}

absl::Status CheckCanManageRetention(const auth::Caller& caller, absl::string_view region,
                                     absl::string_view partnership) {
  if (caller.CanManagePartnership(region, partnership)) return absl::OkStatus();
  return absl::PermissionDeniedError(
      "only the partnership's administrators and its hub administrators manage retention");
}

absl::Status CheckHoldStanding(const v1::LegalHold& hold) {
  if (hold.lifted()) {
    return absl::FailedPreconditionError(absl::StrCat(hold.name(), " is already lifted"));
  }
  return absl::OkStatus();
}

}  // namespace sixsteps::assessment
