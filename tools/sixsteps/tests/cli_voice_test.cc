// Drives `sixsteps engagement|case-audit|learning-review` in-process (RunCli) against a fake
// VoiceService: what each command sends, and what it prints.
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <mutex>

#include "sixsteps/assessment/v1/voice_service.grpc.pb.h"
#include "tools/sixsteps/tests/cli_run.h"

namespace sixsteps::cli {
namespace {

namespace vv1 = ::sixsteps::assessment::v1;

// Records what it is sent; answers with the record named, one record per list.
class FakeVoiceService final : public vv1::VoiceService::Service {
 public:
  grpc::Status CreateEngagementRecord(grpc::ServerContext*,
                                      const vv1::CreateEngagementRecordRequest* request,
                                      vv1::EngagementRecord* response) override {
    std::lock_guard<std::mutex> lock(mu);
    engagement_creates.push_back(*request);
    *response = request->engagement_record();
    response->set_name(request->parent() + "/engagementRecords/eng-1");
    return grpc::Status::OK;
  }
  grpc::Status GetEngagementRecord(grpc::ServerContext*,
                                   const vv1::GetEngagementRecordRequest* request,
                                   vv1::EngagementRecord* response) override {
    std::lock_guard<std::mutex> lock(mu);
    gets.push_back(request->name());
    response->set_name(request->name());
    response->set_title("Forum");
    response->add_evidence_files("evidenceFiles/ef-old");
    return grpc::Status::OK;
  }
  grpc::Status ListEngagementRecords(grpc::ServerContext*,
                                     const vv1::ListEngagementRecordsRequest* request,
                                     vv1::ListEngagementRecordsResponse* response) override {
    std::lock_guard<std::mutex> lock(mu);
    list_pages.push_back(request->page_token());
    vv1::EngagementRecord* record = response->add_engagement_records();
    record->set_name(request->parent() + "/engagementRecords/eng-" +
                     (request->page_token().empty() ? "1" : "2"));
    record->set_title("Forum");
    if (request->page_token().empty()) response->set_next_page_token("p2");
    return grpc::Status::OK;
  }
  grpc::Status CreateCaseAudit(grpc::ServerContext*, const vv1::CreateCaseAuditRequest* request,
                               vv1::CaseAudit* response) override {
    std::lock_guard<std::mutex> lock(mu);
    audit_creates.push_back(*request);
    *response = request->case_audit();
    response->set_name(request->parent() + "/caseAudits/aud-1");
    return grpc::Status::OK;
  }
  grpc::Status CreateLearningReview(grpc::ServerContext*,
                                    const vv1::CreateLearningReviewRequest* request,
                                    vv1::LearningReview* response) override {
    std::lock_guard<std::mutex> lock(mu);
    review_creates.push_back(*request);
    *response = request->learning_review();
    response->set_name(request->parent() + "/learningReviews/lr-1");
    return grpc::Status::OK;
  }
  grpc::Status GetLearningReview(grpc::ServerContext*, const vv1::GetLearningReviewRequest* request,
                                 vv1::LearningReview* response) override {
    std::lock_guard<std::mutex> lock(mu);
    gets.push_back(request->name());
    return grpc::Status(grpc::StatusCode::NOT_FOUND, request->name() + " not found");
  }

  grpc::Status UpdateEngagementRecord(grpc::ServerContext*,
                                      const vv1::UpdateEngagementRecordRequest* request,
                                      vv1::EngagementRecord* response) override {
    std::lock_guard<std::mutex> lock(mu);
    engagement_updates.push_back(*request);
    *response = request->engagement_record();
    return grpc::Status::OK;
  }

  std::mutex mu;
  std::vector<vv1::UpdateEngagementRecordRequest> engagement_updates;
  std::vector<vv1::CreateEngagementRecordRequest> engagement_creates;
  std::vector<vv1::CreateCaseAuditRequest> audit_creates;
  std::vector<vv1::CreateLearningReviewRequest> review_creates;
  std::vector<std::string> gets;
  std::vector<std::string> list_pages;
};

class CliVoiceTest : public testing_support::CliTest {
 protected:
  void SetUp() override { Serve({&voice_}); }
  FakeVoiceService voice_;
};

TEST_F(CliVoiceTest, EngagementCreateSendsEveryFieldAndPrintsTheRecord) {
  testing_support::Result result = Run({"engagement",
                                        "create",
                                        "a-1",
                                        "--title",
                                        "Young people's forum",
                                        "--date",
                                        "2025-05-14",
                                        "--heard",
                                        "children-and-young-people,parents_and_carers",
                                        "--method",
                                        "young_peoples_forum",
                                        "--participants",
                                        "32",
                                        "--ages",
                                        "11_to_15,16_to_17",
                                        "--theme",
                                        "Who to tell",
                                        "--quote",
                                        "Nobody asked me",
                                        "--quote",
                                        "It helped",
                                        "--you-said",
                                        "We don't know who to tell",
                                        "--we-did",
                                        "Posters in every school",
                                        "--steps",
                                        "s3",
                                        "--questions",
                                        "s3.q1,s3.q2",
                                        "--classification",
                                        "official_sensitive"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  ASSERT_EQ(voice_.engagement_creates.size(), 1u);
  const vv1::CreateEngagementRecordRequest& sent = voice_.engagement_creates[0];
  EXPECT_EQ(sent.parent(), "assessments/a-1");
  const vv1::EngagementRecord& r = sent.engagement_record();
  EXPECT_THAT(r.participant_groups(), ElementsAre(vv1::PARTICIPANT_GROUP_CHILDREN_AND_YOUNG_PEOPLE,
                                                  vv1::PARTICIPANT_GROUP_PARENTS_AND_CARERS));
  EXPECT_EQ(r.method(), vv1::ENGAGEMENT_METHOD_YOUNG_PEOPLES_FORUM);
  EXPECT_EQ(r.participant_count(), 32);
  EXPECT_THAT(r.age_bands(), ElementsAre(vv1::AGE_BAND_11_TO_15, vv1::AGE_BAND_16_TO_17));
  EXPECT_THAT(r.quotes(), ElementsAre("Nobody asked me", "It helped"));
  ASSERT_EQ(r.changes_size(), 1);
  EXPECT_EQ(r.changes(0).we_did(), "Posters in every school");
  EXPECT_THAT(r.question_ids(), ElementsAre("s3.q1", "s3.q2"));
  EXPECT_EQ(r.classification(), vv1::CLASSIFICATION_OFFICIAL_SENSITIVE);
  EXPECT_THAT(result.out, StartsWith("Recorded assessments/a-1/engagementRecords/eng-1\n"));
  EXPECT_THAT(result.out, HasSubstr("Heard: children_and_young_people, parents_and_carers\n"));
  EXPECT_THAT(result.out, HasSubstr("  - We don't know who to tell -> Posters in every school\n"));
  EXPECT_THAT(result.out, HasSubstr("Classification: official_sensitive\n"));
}

TEST_F(CliVoiceTest, UsageErrorsSendNothing) {
  EXPECT_EQ(Run({"engagement", "create", "a-1", "--title", "T", "--date", "2025-05-14", "--heard",
                 "toddlers", "--method", "survey", "--participants", "3"})
                .exit_code,
            64);
  EXPECT_EQ(Run({"engagement", "create", "a-1", "--title", "T", "--date", "2025-05-14", "--heard",
                 "managers", "--method", "survey", "--participants", "3", "--you-said", "X"})
                .exit_code,
            64);
  EXPECT_EQ(Run({"case-audit", "create", "a-1", "--topic", "T", "--date", "2025-06-01",
                 "--agencies", "luton/police", "--cases", "4", "--grades", "good:4"})
                .exit_code,
            64);
  EXPECT_TRUE(voice_.engagement_creates.empty());
  EXPECT_TRUE(voice_.audit_creates.empty());
}

TEST_F(CliVoiceTest, CaseAuditCreateSendsGradeCountsAgenciesAndActions) {
  testing_support::Result result =
      Run({"case-audit", "create", "a-1", "--topic", "Neglect", "--date", "2025-06-20",
           "--agencies", "luton/council,partnerships/luton/organisations/police", "--cases", "12",
           "--grades", "good=7,requires-improvement=5", "--finding", "Chronologies not shared",
           "--actions", "act-1,actions/act-2"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const vv1::CaseAudit& a = voice_.audit_creates.at(0).case_audit();
  EXPECT_THAT(a.agencies(), ElementsAre("partnerships/luton/organisations/council",
                                        "partnerships/luton/organisations/police"));
  ASSERT_EQ(a.grades_size(), 2);
  EXPECT_EQ(a.grades(1).grade(), vv1::CASE_GRADE_REQUIRES_IMPROVEMENT);
  EXPECT_EQ(a.grades(1).count(), 5);
  EXPECT_THAT(a.actions(), ElementsAre("actions/act-1", "actions/act-2"));
  EXPECT_THAT(result.out, HasSubstr("Cases: 12 (good 7, requires_improvement 5)\n"));
}

TEST_F(CliVoiceTest, LearningReviewCreateKeepsEachRecommendationsActions) {
  testing_support::Result result =
      Run({"learning-review", "create", "a-1", "--type", "rapid_review", "--status", "completed",
           "--title", "Child Q", "--start-date", "2025-02-01", "--completed", "2025-02-28",
           "--recommendation", "Joint training=>act-1,act-2", "--recommendation", "Audit again"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const vv1::LearningReview& r = voice_.review_creates.at(0).learning_review();
  EXPECT_EQ(r.type(), vv1::LEARNING_REVIEW_TYPE_RAPID_REVIEW);
  ASSERT_EQ(r.recommendations_size(), 2);
  EXPECT_EQ(r.recommendations(0).text(), "Joint training");
  EXPECT_THAT(r.recommendations(0).actions(), ElementsAre("actions/act-1", "actions/act-2"));
  EXPECT_TRUE(r.recommendations(1).actions().empty());
  EXPECT_THAT(result.out, HasSubstr("rapid_review, completed; started 2025-02-01, completed "
                                    "2025-02-28\n"));
}

TEST_F(CliVoiceTest, ListReadsEveryPageAndShowTakesTheShortName) {
  testing_support::Result listed = Run({"engagement", "list", "a-1"});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_THAT(voice_.list_pages, ElementsAre("", "p2"));
  EXPECT_THAT(listed.out, StartsWith("2 engagement record(s) of assessments/a-1\n"));
  testing_support::Result shown = Run({"engagement", "show", "a-1/eng-7"});
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_THAT(voice_.gets, ElementsAre("assessments/a-1/engagementRecords/eng-7"));
  EXPECT_THAT(shown.out, StartsWith("assessments/a-1/engagementRecords/eng-7\nForum"));
  // A refusal's gRPC code is the exit code.
  EXPECT_EQ(Run({"learning-review", "show", "a-1/lr-9"}).exit_code, 5);
  EXPECT_THAT(Run({"case-audit", "help"}).out, HasSubstr("sixsteps case-audit create A"));
}

TEST_F(CliVoiceTest, EngagementUpdateSendsTheRecordAsReadWithTheFlagsGivenAndTheEtag) {
  testing_support::Result result =
      Run({"engagement", "update", "a-1/eng-1", "--etag", "3", "--participants", "12", "--quote",
           "It helped", "--classification", "official_sensitive"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  ASSERT_EQ(voice_.engagement_updates.size(), 1u);
  const vv1::EngagementRecord& r = voice_.engagement_updates[0].engagement_record();
  EXPECT_EQ(r.name(), "assessments/a-1/engagementRecords/eng-1");
  EXPECT_EQ(r.title(), "Forum");  // as read: not given
  EXPECT_EQ(r.etag(), "3");
  EXPECT_EQ(r.participant_count(), 12);
  EXPECT_THAT(r.quotes(), ElementsAre("It helped"));
  EXPECT_EQ(r.classification(), vv1::CLASSIFICATION_OFFICIAL_SENSITIVE);
  EXPECT_THAT(result.out, StartsWith("Updated assessments/a-1/engagementRecords/eng-1\n"));
  // Without --etag nothing is read or sent.
  EXPECT_EQ(Run({"engagement", "update", "a-1/eng-1", "--participants", "4"}).exit_code, 64);
  EXPECT_EQ(voice_.engagement_updates.size(), 1u);
}

TEST_F(CliVoiceTest, EvidenceFilesAreAttachedOnCreateAndReplacedOnUpdateOnlyWhenGiven) {
  testing_support::Result created =
      Run({"case-audit", "create", "a-1", "--topic", "Neglect", "--date", "2025-06-20",
           "--agencies", "luton/council", "--cases", "3", "--evidence-file", "ef-1",
           "--evidence-file", "evidenceFiles/ef-2"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  ASSERT_EQ(voice_.audit_creates.size(), 1u);
  EXPECT_THAT(voice_.audit_creates[0].case_audit().evidence_files(),
              ElementsAre("evidenceFiles/ef-1", "evidenceFiles/ef-2"));
  EXPECT_THAT(created.out, HasSubstr("Evidence files: evidenceFiles/ef-1, evidenceFiles/ef-2\n"));
  // A malformed file is a usage error: nothing is sent.
  EXPECT_EQ(Run({"case-audit", "create", "a-1", "--topic", "Neglect", "--date", "2025-06-20",
                 "--agencies", "luton/council", "--cases", "3", "--evidence-file", "files/ef-1"})
                .exit_code,
            64);
  EXPECT_EQ(voice_.audit_creates.size(), 1u);

  // An update keeps the files as read unless --evidence-file is given, which replaces them.
  ASSERT_EQ(
      Run({"engagement", "update", "a-1/eng-1", "--etag", "3", "--participants", "4"}).exit_code,
      0);
  ASSERT_EQ(Run({"engagement", "update", "a-1/eng-1", "--etag", "4", "--evidence-file", "ef-3"})
                .exit_code,
            0);
  ASSERT_EQ(voice_.engagement_updates.size(), 2u);
  EXPECT_THAT(voice_.engagement_updates[0].engagement_record().evidence_files(),
              ElementsAre("evidenceFiles/ef-old"));
  EXPECT_THAT(voice_.engagement_updates[1].engagement_record().evidence_files(),
              ElementsAre("evidenceFiles/ef-3"));
}

TEST_F(CliVoiceTest, LearningReviewUpdateOfAMissingRecordSendsNoUpdate) {
  testing_support::Result result =
      Run({"learning-review", "update", "a-1/lr-9", "--etag", "1", "--status", "published"});
  EXPECT_NE(result.exit_code, 0);
  EXPECT_THAT(result.err, HasSubstr("not found"));
}

}  // namespace
}  // namespace sixsteps::cli
