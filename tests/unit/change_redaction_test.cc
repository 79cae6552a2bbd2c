// The change feed's one redaction function (services/assessment/change_redaction.h): each
// record kind's rule, and that a redacted change keeps what moves the caller's cursor.
#include "services/assessment/change_redaction.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/unit/assessment_test_util.h"

namespace sixsteps::assessment {
namespace {

using auth::Role;
using ::sixsteps::assessment::testing::With;

constexpr auto kSensitive = v1::CLASSIFICATION_OFFICIAL_SENSITIVE;
constexpr auto kOfficial = v1::CLASSIFICATION_OFFICIAL;

// A change of partnership "sun" in region "ne".
v1::Change ChangeOfSun() {
  v1::Change change;
  change.set_sequence(7);
  change.set_partnership("partnerships/sun");
  change.set_region("regions/ne");
  return change;
}

// The change as `caller` reads it.
v1::Change As(const Caller& caller, v1::Change change) {
  RedactChange(caller, change);
  return change;
}

const Caller kMember = With(Role::ROLE_VIEWER, "ne", "sun");
const Caller kDashboard = With(Role::ROLE_DASHBOARD, "ne");
const Caller kEverywhere = With(Role::ROLE_VIEWER, "*");

// Adds an evidence item `id` of this classification.
void AddItem(google::protobuf::RepeatedPtrField<v1::EvidenceItem>* items, const std::string& id,
             v1::Classification classification) {
  v1::EvidenceItem* item = items->Add();
  item->set_id(id);
  item->set_classification(classification);
}

TEST(RedactChangeTest, ASensitiveEngagementRecordKeepsOnlyNameAndClassificationForOthers) {
  v1::Change change = ChangeOfSun();
  change.set_kind(v1::CHANGE_KIND_ENGAGEMENT_RECORD_CREATED);
  v1::EngagementRecord* record = change.mutable_engagement_record();
  record->set_name("assessments/a-1/engagementRecords/eng-1");
  record->set_title("Practitioners' survey");
  record->set_participant_count(140);
  record->set_classification(kSensitive);

  EXPECT_EQ(As(kMember, change).engagement_record().title(), "Practitioners' survey");
  const v1::Change redacted = As(kDashboard, change);
  EXPECT_EQ(redacted.engagement_record().name(), "assessments/a-1/engagementRecords/eng-1");
  EXPECT_EQ(redacted.engagement_record().classification(), kSensitive);
  EXPECT_EQ(redacted.engagement_record().title(), "");
  EXPECT_EQ(redacted.engagement_record().participant_count(), 0);
  EXPECT_EQ(redacted.sequence(), 7);
  EXPECT_EQ(redacted.kind(), v1::CHANGE_KIND_ENGAGEMENT_RECORD_CREATED);

  record->set_classification(kOfficial);
  EXPECT_EQ(As(kDashboard, change).engagement_record().title(), "Practitioners' survey");
}

TEST(RedactChangeTest, ASensitiveCaseAuditKeepsOnlyNameAndClassificationForOthers) {
  v1::Change change = ChangeOfSun();
  change.mutable_case_audit()->set_name("assessments/a-1/caseAudits/ca-1");
  change.mutable_case_audit()->set_topic("Neglect");
  change.mutable_case_audit()->set_classification(kSensitive);
  EXPECT_EQ(As(kMember, change).case_audit().topic(), "Neglect");
  const v1::Change redacted = As(kEverywhere, change);
  EXPECT_EQ(redacted.case_audit().name(), "assessments/a-1/caseAudits/ca-1");
  EXPECT_EQ(redacted.case_audit().topic(), "");
}

TEST(RedactChangeTest, ASensitiveLearningReviewKeepsOnlyNameAndClassificationForOthers) {
  v1::Change change = ChangeOfSun();
  change.mutable_learning_review()->set_name("assessments/a-1/learningReviews/lr-1");
  change.mutable_learning_review()->set_title("Child Q");
  change.mutable_learning_review()->set_classification(kSensitive);
  EXPECT_EQ(As(kMember, change).learning_review().title(), "Child Q");
  const v1::Change redacted = As(kDashboard, change);
  EXPECT_EQ(redacted.learning_review().name(), "assessments/a-1/learningReviews/lr-1");
  EXPECT_EQ(redacted.learning_review().title(), "");
}

TEST(RedactChangeTest, ADraftScrutinyReportIsForThePartnershipsScrutineersOnly) {
  v1::Change change = ChangeOfSun();
  change.mutable_scrutiny_report()->set_name("assessments/a-1/scrutinyReport/versions/1");
  change.mutable_scrutiny_report()->set_state(v1::ScrutinyReport::STATE_DRAFT);
  EXPECT_TRUE(
      As(With(Role::ROLE_INDEPENDENT_SCRUTINEER, "ne", "sun"), change).has_scrutiny_report());
  const v1::Change redacted =
      As(With(Role::ROLE_PARTNER_RESPONDENT, "ne", "sun", "police"), change);
  EXPECT_FALSE(redacted.has_scrutiny_report());
  EXPECT_EQ(redacted.sequence(), 7);
  EXPECT_EQ(redacted.partnership(), "partnerships/sun");

  change.mutable_scrutiny_report()->set_state(v1::ScrutinyReport::STATE_SHARED);
  EXPECT_TRUE(
      As(With(Role::ROLE_PARTNER_RESPONDENT, "ne", "sun", "police"), change).has_scrutiny_report());
}

TEST(RedactChangeTest, AConcernIsForWhoRaisedItAndThoseWhoSeeEveryConcern) {
  v1::Change change = ChangeOfSun();
  change.mutable_scrutiny_concern()->set_raised_by("users/u-test");  // With's principal
  change.mutable_scrutiny_concern()->set_text("Not met");
  EXPECT_TRUE(As(With(Role::ROLE_PARTNER_RESPONDENT, "ne", "sun", "police"), change)
                  .has_scrutiny_concern());

  change.mutable_scrutiny_concern()->set_raised_by("users/someone-else");
  EXPECT_FALSE(
      As(With(Role::ROLE_INDEPENDENT_SCRUTINEER, "ne", "sun"), change).has_scrutiny_concern());
  EXPECT_TRUE(
      As(With(Role::ROLE_PARTNERSHIP_ADMINISTRATOR, "ne", "sun"), change).has_scrutiny_concern());
}

TEST(RedactChangeTest, ASensitiveFileLosesItsRecordForRegionReaders) {
  v1::Change change = ChangeOfSun();
  change.set_kind(v1::CHANGE_KIND_EVIDENCE_FILE_UPLOADED);
  change.mutable_evidence_file()->set_classification(kSensitive);
  const v1::Change redacted = As(kDashboard, change);
  EXPECT_FALSE(redacted.has_evidence_file());
  EXPECT_EQ(redacted.sequence(), 7);
  EXPECT_EQ(redacted.kind(), v1::CHANGE_KIND_EVIDENCE_FILE_UPLOADED);
  EXPECT_TRUE(As(kMember, change).has_evidence_file());
  change.mutable_evidence_file()->set_classification(kOfficial);
  EXPECT_TRUE(As(kDashboard, change).has_evidence_file());
}

TEST(RedactChangeTest, ADownloadOfASensitiveFileLosesItsRecordForRegionReaders) {
  v1::Change change = ChangeOfSun();
  change.mutable_evidence_file_download()->set_classification(kSensitive);
  EXPECT_FALSE(As(kEverywhere, change).has_evidence_file_download());
  EXPECT_TRUE(As(kMember, change).has_evidence_file_download());
  change.mutable_evidence_file_download()->set_classification(kOfficial);
  EXPECT_TRUE(As(kEverywhere, change).has_evidence_file_download());
}

TEST(RedactChangeTest, SensitiveEvidenceItemsLeaveResponsesForRegionReaders) {
  v1::Change change = ChangeOfSun();
  AddItem(change.mutable_response()->mutable_evidence(), "e1", kOfficial);
  AddItem(change.mutable_response()->mutable_evidence(), "e2", kSensitive);
  EXPECT_EQ(As(With(Role::ROLE_PARTNER_RESPONDENT, "ne", "sun"), change).response().evidence_size(),
            2);
  const v1::Change redacted = As(kEverywhere, change);
  ASSERT_EQ(redacted.response().evidence_size(), 1);
  EXPECT_EQ(redacted.response().evidence(0).id(), "e1");
}

TEST(RedactChangeTest, SensitiveEvidenceItemsLeaveConsolidationsForRegionReaders) {
  v1::Change change = ChangeOfSun();
  AddItem(change.mutable_consolidation()->mutable_evidence(), "e1", kSensitive);
  AddItem(change.mutable_consolidation()->mutable_evidence(), "e2", kOfficial);
  EXPECT_EQ(As(kMember, change).consolidation().evidence_size(), 2);
  const v1::Change redacted = As(kDashboard, change);
  ASSERT_EQ(redacted.consolidation().evidence_size(), 1);
  EXPECT_EQ(redacted.consolidation().evidence(0).id(), "e2");
}

TEST(RedactChangeTest, OtherRecordsAreShownWhole) {
  v1::Change change = ChangeOfSun();
  change.mutable_assessment_record()->set_name("assessments/a-1");
  change.mutable_assessment_record()->set_title("2025 round");
  EXPECT_EQ(As(kDashboard, change).assessment_record().title(), "2025 round");
}

}  // namespace
}  // namespace sixsteps::assessment
