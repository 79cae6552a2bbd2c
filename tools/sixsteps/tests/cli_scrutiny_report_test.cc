// Drives `sixsteps scrutiny-report`, `sixsteps concerns` and `sixsteps annual-draft`
// in-process (RunCli) against a fake ScrutinyReportService: what each command sends, what
// it prints, and its usage errors.
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "sixsteps/assessment/v1/scrutiny_report_service.grpc.pb.h"
#include "tools/sixsteps/scrutiny_report_commands.h"
#include "tools/sixsteps/tests/cli_run.h"

namespace sixsteps::cli {
namespace {

constexpr char kRound[] = "assessments/a-1";

class FakeScrutinyReportService final : public asv1::ScrutinyReportService::Service {
 public:
  std::mutex mutex;
  bool exists = true;
  std::vector<asv1::CreateScrutinyReportRequest> creates;
  std::vector<asv1::UpdateScrutinyReportRequest> updates;
  std::vector<asv1::AnswerScrutinyReportRequest> answers;
  std::vector<asv1::ResolveScrutinyDisputeRequest> resolutions;
  std::vector<asv1::PublishScrutinyReportRequest> publishes;
  std::vector<asv1::AcceptRecommendationRequest> accepts;
  std::vector<asv1::RaiseScrutinyConcernRequest> concerns;
  std::vector<asv1::CommentOnAnnualReportDraftRequest> comments;
  std::vector<asv1::AttachAnnualReportDraftRequest> attachments;

  static asv1::ScrutinyReport Report(int version = 1) {
    asv1::ScrutinyReport r;
    r.set_name(absl::StrCat(kRound, "/scrutinyReport/versions/", version));
    r.set_assessment(kRound);
    r.set_partnership("partnerships/luton");
    r.set_version(version);
    r.set_state(version == 1 ? asv1::ScrutinyReport::STATE_PUBLISHED
                             : asv1::ScrutinyReport::STATE_DRAFT);
    r.set_lead_scrutineer("users/u-jo");
    r.set_summary("Leadership is shared.");
    r.set_etag("7");
    asv1::Finding* f = r.add_findings();
    f->set_id("f-1");
    f->set_title("Audit is late");
    f->set_nature(asv1::Finding::NATURE_CONCERN);
    f->add_question_ids("s1.q2");
    asv1::Recommendation* rec = r.add_recommendations();
    rec->set_id("rec-1");
    rec->set_text("Finish the audit");
    rec->add_finding_ids("f-1");
    rec->set_accepted(true);
    asv1::RecommendationAction* a = rec->add_actions();
    a->set_action("actions/act-1");
    a->set_status(sixsteps::action::v1::Action::STATUS_IN_PROGRESS);
    a->set_due_date("2026-06-30");
    r.add_partners("partnerships/luton/organisations/police");
    asv1::PartnerAnswer* answer = r.add_answers();
    answer->set_organisation("partnerships/luton/organisations/police");
    answer->set_verdict(asv1::PartnerAnswer::VERDICT_DISPUTE);
    answer->set_comment("Finished in February");
    answer->mutable_resolution()->set_outcome(asv1::DisputeResolution::OUTCOME_NOT_UPHELD);
    answer->mutable_resolution()->set_note("Minutes say March");
    return r;
  }

  grpc::Status GetScrutinyReport(grpc::ServerContext*, const asv1::GetScrutinyReportRequest* r,
                                 asv1::ScrutinyReport* response) override {
    std::lock_guard<std::mutex> lock(mutex);
    if (!exists || r->parent() != kRound) return grpc::Status(grpc::StatusCode::NOT_FOUND, "no");
    *response = Report(r->version() == 0 ? 1 : r->version());
    return grpc::Status::OK;
  }
  grpc::Status CreateScrutinyReport(grpc::ServerContext*,
                                    const asv1::CreateScrutinyReportRequest* r,
                                    asv1::ScrutinyReport* response) override {
    std::lock_guard<std::mutex> lock(mutex);
    creates.push_back(*r);
    exists = true;
    *response = Report(1);
    return grpc::Status::OK;
  }
  grpc::Status UpdateScrutinyReport(grpc::ServerContext*,
                                    const asv1::UpdateScrutinyReportRequest* r,
                                    asv1::ScrutinyReport* response) override {
    std::lock_guard<std::mutex> lock(mutex);
    updates.push_back(*r);
    *response = Report(1);
    return grpc::Status::OK;
  }
  grpc::Status AnswerScrutinyReport(grpc::ServerContext*,
                                    const asv1::AnswerScrutinyReportRequest* r,
                                    asv1::ScrutinyReport* response) override {
    std::lock_guard<std::mutex> lock(mutex);
    answers.push_back(*r);
    *response = Report(1);
    return grpc::Status::OK;
  }
  grpc::Status ResolveScrutinyDispute(grpc::ServerContext*,
                                      const asv1::ResolveScrutinyDisputeRequest* r,
                                      asv1::ScrutinyReport* response) override {
    std::lock_guard<std::mutex> lock(mutex);
    resolutions.push_back(*r);
    *response = Report(1);
    return grpc::Status::OK;
  }
  grpc::Status PublishScrutinyReport(grpc::ServerContext*,
                                     const asv1::PublishScrutinyReportRequest* r,
                                     asv1::ScrutinyReport* response) override {
    std::lock_guard<std::mutex> lock(mutex);
    publishes.push_back(*r);
    return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, "the dispute is unresolved");
  }
  grpc::Status ListScrutinyReportVersions(grpc::ServerContext*,
                                          const asv1::ListScrutinyReportVersionsRequest*,
                                          asv1::ListScrutinyReportVersionsResponse* r) override {
    *r->add_reports() = Report(1);
    *r->add_reports() = Report(2);
    r->mutable_reports(1)->set_change_note("Wrong date");
    return grpc::Status::OK;
  }
  grpc::Status AcceptRecommendation(grpc::ServerContext*,
                                    const asv1::AcceptRecommendationRequest* r,
                                    asv1::AcceptRecommendationResponse* response) override {
    std::lock_guard<std::mutex> lock(mutex);
    accepts.push_back(*r);
    response->add_actions()->set_name("actions/act-2");
    return grpc::Status::OK;
  }
  grpc::Status RaiseScrutinyConcern(grpc::ServerContext*,
                                    const asv1::RaiseScrutinyConcernRequest* r,
                                    asv1::ScrutinyConcern* response) override {
    std::lock_guard<std::mutex> lock(mutex);
    concerns.push_back(*r);
    response->set_name("partnerships/luton/scrutinyConcerns/sc-1");
    return grpc::Status::OK;
  }
  grpc::Status AttachAnnualReportDraft(grpc::ServerContext*,
                                       const asv1::AttachAnnualReportDraftRequest* r,
                                       asv1::AnnualReportDraft* response) override {
    std::lock_guard<std::mutex> lock(mutex);
    attachments.push_back(*r);
    response->set_name("partnerships/luton/annualReportDrafts/ard-1");
    return grpc::Status::OK;
  }
  grpc::Status CommentOnAnnualReportDraft(grpc::ServerContext*,
                                          const asv1::CommentOnAnnualReportDraftRequest* r,
                                          asv1::AnnualReportDraft* response) override {
    std::lock_guard<std::mutex> lock(mutex);
    comments.push_back(*r);
    response->set_name(r->name());
    return grpc::Status::OK;
  }
};

class CliScrutinyReportTest : public testing_support::CliTest {
 protected:
  void SetUp() override { Serve({&fake_}); }
  FakeScrutinyReportService fake_;
};

TEST_F(CliScrutinyReportTest, WriteCreatesTheReportThenWritesTheFileWithTheEtag) {
  fake_.exists = false;
  const std::string file = Write("report.json", R"({"summary": "From the file",
    "findings": [{"title": "Late audit", "narrative": "Seen", "nature": "NATURE_CONCERN",
                  "questionIds": ["s1.q2"]}],
    "recommendations": [{"text": "Finish it", "findingIds": ["f-1"]}]})");
  testing_support::Result result = Run({"scrutiny-report", "write", "a-1", "--file", file});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  ASSERT_THAT(fake_.creates, SizeIs(1));
  EXPECT_EQ(fake_.creates[0].parent(), kRound);
  ASSERT_THAT(fake_.updates, SizeIs(1));
  EXPECT_EQ(fake_.updates[0].etag(), "7");
  EXPECT_EQ(fake_.updates[0].summary(), "From the file");
  EXPECT_EQ(fake_.updates[0].findings(0).question_ids(0), "s1.q2");
  EXPECT_THAT(fake_.updates[0].recommendations(0).finding_ids(), ElementsAre("f-1"));
  EXPECT_THAT(result.out, HasSubstr("Wrote assessments/a-1/scrutinyReport/versions/1"));

  EXPECT_EQ(
      Run({"scrutiny-report", "write", "a-1", "--file", Write("bad.json", "{nope")}).exit_code, 65);
}

TEST_F(CliScrutinyReportTest, WriteWithoutAFileKeepsFindingsAndRecommendations) {
  ASSERT_EQ(Run({"scrutiny-report", "write", "a-1", "--summary", "New words"}).exit_code, 0);
  ASSERT_THAT(fake_.updates, SizeIs(1));
  EXPECT_EQ(fake_.updates[0].summary(), "New words");
  EXPECT_EQ(fake_.updates[0].findings(0).id(), "f-1");
  EXPECT_EQ(fake_.updates[0].recommendations(0).id(), "rec-1");
  EXPECT_THAT(fake_.creates, SizeIs(0));
}

TEST_F(CliScrutinyReportTest, AnswerAndResolveNameTheOrganisationInTheReportsPartnership) {
  testing_support::Result answered =
      Run({"scrutiny-report", "answer", "a-1", "--org", "police", "--verdict",
           "accept-with-comment", "--comment", "Accurate", "--findings", "f-1"});
  ASSERT_EQ(answered.exit_code, 0) << answered.err;
  ASSERT_THAT(fake_.answers, SizeIs(1));
  EXPECT_EQ(fake_.answers[0].organisation(), "partnerships/luton/organisations/police");
  EXPECT_EQ(fake_.answers[0].verdict(), asv1::PartnerAnswer::VERDICT_ACCEPT_WITH_COMMENT);
  EXPECT_THAT(fake_.answers[0].finding_ids(), ElementsAre("f-1"));

  ASSERT_EQ(Run({"scrutiny-report", "resolve", "a-1", "--org", "luton/police", "--outcome",
                 "not-upheld", "--note", "Minutes say March"})
                .exit_code,
            0);
  EXPECT_EQ(fake_.resolutions.at(0).outcome(), asv1::DisputeResolution::OUTCOME_NOT_UPHELD);
  EXPECT_EQ(fake_.resolutions.at(0).organisation(), "partnerships/luton/organisations/police");

  EXPECT_EQ(
      Run({"scrutiny-report", "answer", "a-1", "--org", "police", "--verdict", "maybe"}).exit_code,
      64);
  EXPECT_EQ(Run({"scrutiny-report", "resolve", "a-1", "--org", "police", "--outcome", "upheld"})
                .exit_code,
            64);  // --note is required
  EXPECT_THAT(fake_.answers, SizeIs(1));
}

TEST_F(CliScrutinyReportTest, PublishSendsTheEtagAndExitsWithTheRefusal) {
  testing_support::Result result = Run({"scrutiny-report", "publish", "a-1"});
  EXPECT_EQ(result.exit_code, 9);  // FAILED_PRECONDITION
  EXPECT_THAT(result.err, HasSubstr("unresolved"));
  ASSERT_THAT(fake_.publishes, SizeIs(1));
  EXPECT_EQ(fake_.publishes[0].etag(), "7");
}

TEST_F(CliScrutinyReportTest, ShowAndVersionsPrintTheReport) {
  testing_support::Result shown = Run({"scrutiny-report", "show", "a-1"});
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  for (const char* line : {"version 1, published", "f-1  [concern] Audit is late  (s1.q2)",
                           "rec-1  Finish the audit  (from f-1)  accepted",
                           "actions/act-1  in_progress  due 2026-06-30",
                           "partnerships/luton/organisations/police: dispute",
                           "resolved: not_upheld - Minutes say March"}) {
    EXPECT_THAT(shown.out, HasSubstr(line));
  }

  testing_support::Result versions = Run({"scrutiny-report", "versions", "a-1"});
  ASSERT_EQ(versions.exit_code, 0) << versions.err;
  EXPECT_EQ(versions.out, "version 1  published\nversion 2  draft  (Wrong date)\n");
  EXPECT_EQ(Run({"scrutiny-report", "show", "a-1", "--version", "0"}).exit_code, 64);
}

TEST_F(CliScrutinyReportTest, AcceptTurnsARecommendationIntoAnAction) {
  testing_support::Result result =
      Run({"scrutiny-report", "accept", "a-1", "rec-1", "--step", "s1", "--questions", "s1.q2",
           "--description", "Audit", "--outcome", "Audited", "--owner", "police", "--due",
           "2026-06-30"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const asv1::AcceptRecommendationRequest& sent = fake_.accepts.at(0);
  EXPECT_EQ(sent.name(), "assessments/a-1/scrutinyReport/recommendations/rec-1");
  EXPECT_EQ(sent.actions(0).owner_organisation(), "partnerships/luton/organisations/police");
  EXPECT_THAT(result.out, HasSubstr("action actions/act-2"));
}

TEST_F(CliScrutinyReportTest, ConcernsAndAnnualDrafts) {
  ASSERT_EQ(
      Run({"concerns", "raise", "luton", "--text", "Not met", "--assessment", "a-1"}).exit_code, 0);
  EXPECT_EQ(fake_.concerns.at(0).partnership(), "partnerships/luton");
  EXPECT_EQ(fake_.concerns.at(0).assessment(), kRound);

  EXPECT_EQ(Run({"annual-draft", "attach", "luton", "--title", "T", "--year", "2025-26"}).exit_code,
            64);  // neither --file nor --link
  ASSERT_EQ(Run({"annual-draft", "attach", "luton", "--title", "Draft 1", "--year", "2025-26",
                 "--file", Write("draft.txt", "Our year")})
                .exit_code,
            0);
  EXPECT_EQ(fake_.attachments.at(0).draft().text(), "Our year");
  ASSERT_EQ(Run({"annual-draft", "comment", "luton/ard-1", "--text", "Add the actions"}).exit_code,
            0);
  EXPECT_EQ(fake_.comments.at(0).name(), "partnerships/luton/annualReportDrafts/ard-1");
  EXPECT_THAT(Run({"concerns", "help"}).out, HasSubstr("sixsteps concerns raise PARTNERSHIP"));
}

}  // namespace
}  // namespace sixsteps::cli
