// The rules of retention (services/assessment/retention_domain.h): names, policies, when a
// thing expires (Feb 29 included), hold reasons and who manages retention.
#include "services/assessment/retention_domain.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/status_matchers.h"

namespace sixsteps::assessment {
namespace {

using ::sixsteps::testing::IsOk;
using ::sixsteps::testing::StatusIs;
using Code = absl::StatusCode;

TEST(RetentionNames, ParseAndBuild) {
  absl::StatusOr<std::string> partnership =
      ParseRetentionPolicyName("partnerships/sunderland/retentionPolicy", "name");
  ASSERT_THAT(partnership, IsOk());
  EXPECT_EQ(*partnership, "sunderland");
  EXPECT_THAT(ParseRetentionPolicyName("partnerships/sunderland", "name"),
              StatusIs(Code::kInvalidArgument, "name"));
  EXPECT_THAT(ParseRetentionPolicyName("partnerships//retentionPolicy", "name"),
              StatusIs(Code::kInvalidArgument));
  EXPECT_EQ(RetentionPolicyName("p"), "partnerships/p/retentionPolicy");
  absl::StatusOr<LegalHoldId> hold = ParseLegalHoldName("assessments/a-1/legalHolds/h-2", "name");
  ASSERT_THAT(hold, IsOk());
  EXPECT_EQ(hold->assessment_id, "a-1");
  EXPECT_EQ(hold->hold_id, "h-2");
  EXPECT_THAT(ParseLegalHoldName("assessments/a-1/holds/h-2", "name"),
              StatusIs(Code::kInvalidArgument, "name"));
  EXPECT_EQ(LegalHoldName("a", "h"), "assessments/a/legalHolds/h");
  EXPECT_EQ(TombstoneName("p", "t"), "partnerships/p/tombstones/t");
}

TEST(RetentionPolicy, PeriodsFromZeroToAHundredYears) {
  v1::RetentionPolicy policy;
  EXPECT_THAT(ValidateRetentionPolicy(policy), IsOk());
  policy.set_evidence_file_years(100);
  policy.set_learning_review_years(7);
  EXPECT_THAT(ValidateRetentionPolicy(policy), IsOk());
  EXPECT_EQ(RetentionYears(policy, v1::RETAINED_KIND_EVIDENCE_FILE), 100);
  EXPECT_EQ(RetentionYears(policy, v1::RETAINED_KIND_LEARNING_REVIEW), 7);
  EXPECT_EQ(RetentionYears(policy, v1::RETAINED_KIND_CASE_AUDIT), 0);
  policy.set_case_audit_years(101);
  EXPECT_THAT(ValidateRetentionPolicy(policy),
              StatusIs(Code::kInvalidArgument, "policy.case_audit_years"));
  policy.set_case_audit_years(0);
  policy.set_engagement_record_years(-1);
  EXPECT_THAT(ValidateRetentionPolicy(policy),
              StatusIs(Code::kInvalidArgument, "policy.engagement_record_years"));
  EXPECT_EQ(RetainedKindWord(v1::RETAINED_KIND_ENGAGEMENT_RECORD), "engagement_record");
}

TEST(RetentionExpiry, OnTheAnniversaryFebruaryTheTwentyNinthBecomingTheTwentyEighth) {
  EXPECT_EQ(ExpiryDay(absl::CivilDay(2026, 12, 6), 1), absl::CivilDay(2027, 12, 6));
  EXPECT_EQ(ExpiryDay(absl::CivilDay(2024, 2, 29), 1), absl::CivilDay(2025, 2, 28));
  EXPECT_EQ(ExpiryDay(absl::CivilDay(2024, 2, 29), 4), absl::CivilDay(2028, 2, 29));
  EXPECT_FALSE(HasExpired(absl::CivilDay(2026, 12, 6), 2, absl::CivilDay(2028, 12, 5)));
  EXPECT_TRUE(HasExpired(absl::CivilDay(2026, 12, 6), 2, absl::CivilDay(2028, 12, 6)));
  // 0 years keeps for ever.
  EXPECT_FALSE(HasExpired(absl::CivilDay(2000, 1, 1), 0, absl::CivilDay(2100, 1, 1)));
}

TEST(RetentionHolds, ReasonsAreCheckedAndLiftedHoldsStayLifted) {
  EXPECT_THAT(ValidateHoldReason("A complaint is under review", "reason"), IsOk());
  EXPECT_THAT(ValidateHoldReason("", "reason"), StatusIs(Code::kInvalidArgument, "reason"));
  EXPECT_THAT(ValidateHoldReason("Call 07700 900123", "reason"),
              StatusIs(Code::kInvalidArgument, "reason"));
  v1::LegalHold hold;
  EXPECT_THAT(CheckHoldStanding(hold), IsOk());
  hold.set_lifted(true);
  EXPECT_THAT(CheckHoldStanding(hold), StatusIs(Code::kFailedPrecondition));
}

TEST(RetentionManagers, PartnershipAdministratorsAndTheRegionsHubAdministrators) {
  auth::Caller admin;
  admin.grants.push_back({auth::Role::ROLE_PARTNERSHIP_ADMINISTRATOR, "r", "p", ""});
  EXPECT_THAT(CheckCanManageRetention(admin, "r", "p"), IsOk());
  EXPECT_THAT(CheckCanManageRetention(admin, "r", "q"), StatusIs(Code::kPermissionDenied));
  auth::Caller viewer;
  viewer.grants.push_back({auth::Role::ROLE_VIEWER, "r", "p", ""});
  EXPECT_THAT(CheckCanManageRetention(viewer, "r", "p"), StatusIs(Code::kPermissionDenied));
}

}  // namespace
}  // namespace sixsteps::assessment
