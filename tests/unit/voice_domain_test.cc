// The rules of voice records (services/assessment/voice_domain.h): validation, who reads an
// OFFICIAL-SENSITIVE record, who writes, and what a change shows to a caller who may not read.
#include "services/assessment/voice_domain.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/status_matchers.h"
#include "tests/unit/assessment_test_util.h"

namespace sixsteps::assessment {
namespace {

using auth::Role;
using ::sixsteps::assessment::testing::TwoQuestions;
using ::sixsteps::assessment::testing::With;
using ::sixsteps::testing::IsOk;
using ::sixsteps::testing::StatusIs;
using Code = absl::StatusCode;

constexpr char kPartnership[] = "partnerships/luton";

v1::EngagementRecord Survey() {
  v1::EngagementRecord record;
  record.set_title("Practitioners' survey");
  record.set_date("2025-05-14");
  record.add_participant_groups(v1::PARTICIPANT_GROUP_PRACTITIONERS);
  record.set_method(v1::ENGAGEMENT_METHOD_SURVEY);
  record.set_participant_count(140);
  record.add_question_ids("s1.q2");
  return record;
}

TEST(VoiceDomainTest, AValidEngagementRecordPasses) {
  EXPECT_THAT(ValidateEngagementRecord(Survey(), IndexOf(TwoQuestions()), "engagement_record"),
              IsOk());
}

TEST(VoiceDomainTest, EngagementRecordRefusals) {
  const FrameworkIndex framework = IndexOf(TwoQuestions());
  struct Case {
    std::function<void(v1::EngagementRecord&)> change;
    std::string field;
  };
  for (const Case& c : std::vector<Case>{
           {[](auto& r) { r.set_date("14/05/2025"); }, "engagement_record.date"},
           {[](auto& r) { r.set_method(v1::ENGAGEMENT_METHOD_UNSPECIFIED); },
            "engagement_record.method"},
           {[](auto& r) { r.set_participant_count(1000001); },
            "engagement_record.participant_count"},
           {[](auto& r) { r.add_participant_groups(v1::PARTICIPANT_GROUP_PRACTITIONERS); },
            "engagement_record.participant_groups[1]: listed twice"},
           {[](auto& r) { r.add_age_bands(static_cast<v1::AgeBand>(99)); },
            "engagement_record.age_bands[0]: unknown value"},
           {[](auto& r) { r.add_step_ids("s7"); }, "engagement_record.step_ids[0]"},
           {[](auto& r) { r.add_themes(" "); }, "engagement_record.themes[0]: must not be empty"},
           {[](auto& r) { r.add_quotes("Ring me on 020 7946 0958"); },
            "engagement_record.quotes[0]: looks like a phone number"},
           {[](auto& r) { r.add_changes()->set_you_said("More help"); },
            "engagement_record.changes[0].we_did"},
       }) {
    v1::EngagementRecord record = Survey();
    c.change(record);
    EXPECT_THAT(ValidateEngagementRecord(record, framework, "engagement_record"),
                StatusIs(Code::kInvalidArgument, c.field));
  }
}

TEST(VoiceDomainTest, CaseAuditGradesMustAddUpAndAgenciesBeThePartnerships) {
  v1::CaseAudit audit;
  audit.set_topic("Neglect");
  audit.set_audit_date("2025-06-01");
  audit.add_agencies("partnerships/luton/organisations/police");
  audit.set_case_count(5);
  v1::GradeCount* good = audit.add_grades();
  good->set_grade(v1::CASE_GRADE_GOOD);
  good->set_count(5);
  const FrameworkIndex framework = IndexOf(TwoQuestions());
  EXPECT_THAT(ValidateCaseAudit(audit, framework, kPartnership, "case_audit"), IsOk());
  good->set_count(4);
  EXPECT_THAT(ValidateCaseAudit(audit, framework, kPartnership, "case_audit"),
              StatusIs(Code::kInvalidArgument, "case_audit.grades: the counts add up to 4"));
  good->set_count(5);
  audit.add_agencies("partnerships/bedford/organisations/police");
  EXPECT_THAT(ValidateCaseAudit(audit, framework, kPartnership, "case_audit"),
              StatusIs(Code::kInvalidArgument, "case_audit.agencies[1]"));
  audit.mutable_agencies()->RemoveLast();
  audit.add_actions("act-1");
  EXPECT_THAT(ValidateCaseAudit(audit, framework, kPartnership, "case_audit"),
              StatusIs(Code::kInvalidArgument, "case_audit.actions[0]: must be actions/{action}"));
  audit.set_actions(0, "actions/act-1");
  EXPECT_THAT(LinkedActionIds(audit), ::testing::ElementsAre("act-1"));
}

TEST(VoiceDomainTest, LearningReviewDatesFollowTheStart) {
  v1::LearningReview review;
  review.set_type(v1::LEARNING_REVIEW_TYPE_LOCAL_CHILD_SAFEGUARDING_PRACTICE_REVIEW);
  review.set_status(v1::LEARNING_REVIEW_STATUS_PUBLISHED);
  review.set_title("Child S");
  review.set_start_date("2025-01-10");
  review.set_publication_date("2025-09-01");
  v1::LearningReviewRecommendation* recommendation = review.add_recommendations();
  recommendation->set_text("Escalation training");
  recommendation->add_actions("actions/act-7");
  const FrameworkIndex framework = IndexOf(TwoQuestions());
  EXPECT_THAT(ValidateLearningReview(review, framework, "learning_review"), IsOk());
  EXPECT_THAT(LinkedActionIds(review), ::testing::ElementsAre("act-7"));
  review.set_publication_date("2024-12-31");
  EXPECT_THAT(ValidateLearningReview(review, framework, "learning_review"),
              StatusIs(Code::kInvalidArgument, "learning_review.publication_date"));
}

TEST(VoiceDomainTest, OnlyThePartnershipsOwnRolesReadOrWriteSensitiveRecords) {
  v1::Assessment round;
  round.set_partnership(kPartnership);
  round.set_region("regions/east");
  const Caller admin = With(Role::ROLE_PARTNERSHIP_ADMINISTRATOR, "east", "luton");
  const Caller viewer = With(Role::ROLE_VIEWER, "east", "luton");
  const Caller hub = With(Role::ROLE_HUB_ADMINISTRATOR, "east");
  const Caller dashboard = With(Role::ROLE_DASHBOARD, "east");
  const Caller everywhere = With(Role::ROLE_VIEWER, "*");
  EXPECT_TRUE(CanReadSensitive(admin, kPartnership));
  EXPECT_TRUE(CanReadSensitive(viewer, kPartnership));
  EXPECT_FALSE(CanReadSensitive(hub, kPartnership));
  EXPECT_FALSE(CanReadSensitive(dashboard, kPartnership));
  EXPECT_FALSE(CanReadSensitive(everywhere, kPartnership));
  EXPECT_TRUE(CanReadClassified(dashboard, kPartnership, v1::CLASSIFICATION_OFFICIAL));
  EXPECT_THAT(CheckCanWriteVoice(admin, round, v1::CLASSIFICATION_OFFICIAL_SENSITIVE), IsOk());
  EXPECT_THAT(CheckCanWriteVoice(hub, round, v1::CLASSIFICATION_OFFICIAL), IsOk());
  EXPECT_THAT(CheckCanWriteVoice(hub, round, v1::CLASSIFICATION_OFFICIAL_SENSITIVE),
              StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(CheckCanWriteVoice(viewer, round, v1::CLASSIFICATION_OFFICIAL),
              StatusIs(Code::kPermissionDenied));
  EXPECT_EQ(*NormaliseClassification(v1::CLASSIFICATION_UNSPECIFIED, "c"),
            v1::CLASSIFICATION_OFFICIAL);
  EXPECT_THAT(NormaliseClassification(static_cast<v1::Classification>(7), "c").status(),
              StatusIs(Code::kInvalidArgument, "c:"));
}

}  // namespace
}  // namespace sixsteps::assessment
