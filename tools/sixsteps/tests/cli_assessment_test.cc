// Drives the assessment, action and report commands in-process (RunCli) against fake
// AssessmentService, ActionService, ReportingService, FrameworkService and IdentityService:
// what each command sends, names resolved on the command line, the ratings CSV, the grid,
// the feed, overdue actions by owner, exports, and exit statuses.
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>

#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "sixsteps/action/v1/action_service.grpc.pb.h"
#include "sixsteps/assessment/v1/assessment_service.grpc.pb.h"
#include "sixsteps/framework/v1/framework_service.grpc.pb.h"
#include "sixsteps/identity/v1/identity_service.grpc.pb.h"
#include "sixsteps/reporting/v1/reporting_service.grpc.pb.h"
#include "tests/support/status_matchers.h"
#include "tools/sixsteps/assessment_format.h"
#include "tools/sixsteps/assessment_names.h"
#include "tools/sixsteps/dispatcher.h"
#include "tools/sixsteps/json.h"

namespace sixsteps::cli {
namespace {

namespace asv1 = ::sixsteps::assessment::v1;
namespace acv1 = ::sixsteps::action::v1;
namespace fv1 = ::sixsteps::framework::v1;
namespace iv1 = ::sixsteps::identity::v1;
namespace rv1 = ::sixsteps::reporting::v1;
using ::sixsteps::testing::IsOk;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;
using ::testing::StartsWith;

constexpr char kRound[] = "assessments/a-1";

// One round of partnerships/luton with two respondents (police, council), the police's
// answer to s1.q1 already given, and a feed of three changes.
class FakeAssessmentService final : public asv1::AssessmentService::Service {
 public:
  std::mutex mutex;
  std::vector<asv1::CreateAssessmentRequest> creates;
  std::vector<asv1::UpsertResponseRequest> upserts;
  std::vector<asv1::BatchUpsertResponsesRequest> batches;
  std::vector<asv1::AddRespondentRequest> respondents_added;
  std::vector<asv1::ConsolidateQuestionRequest> consolidations_sent;
  std::vector<asv1::FinaliseAssessmentRequest> finalises;
  std::vector<asv1::ListChangesRequest> change_requests;
  std::vector<asv1::AnswerChallengeRequest> answers;
  std::vector<asv1::CloseChallengeRequest> closes;
  std::vector<std::string> authorizations;
  int calls = 0;

  asv1::Assessment Round() {
    asv1::Assessment a;
    a.set_name(kRound);
    a.set_partnership("partnerships/luton");
    a.set_region("regions/east");
    a.set_framework_version("frameworks/six-steps/versions/2019");
    a.set_kind(asv1::ASSESSMENT_KIND_SELF_ASSESSMENT);
    a.set_title("Self-assessment 2025");
    a.set_period_start("2025-04-01");
    a.set_period_end("2026-03-31");
    a.set_state(asv1::Assessment::STATE_IN_REVIEW);
    a.set_revision(1);
    a.set_etag("ae1");
    return a;
  }

  std::vector<asv1::Respondent> RespondentList() {
    std::vector<asv1::Respondent> list(2);
    list[0].set_name("assessments/a-1/respondents/r-pol");
    list[0].set_organisation("partnerships/luton/organisations/police");
    list[1].set_name("assessments/a-1/respondents/r-lbc");
    list[1].set_organisation("partnerships/luton/organisations/council");
    return list;
  }

  asv1::Response Existing() {
    asv1::Response r;
    r.set_name("assessments/a-1/respondents/r-pol/responses/s1.q1");
    r.set_question_id("s1.q1");
    r.set_rating(fv1::RATING_AMBER);
    r.set_commentary("old commentary");
    r.set_remaining_work("old work");
    r.set_etag("re7");
    asv1::EvidenceItem* item = r.add_evidence();
    item->set_id("e1");
    item->set_description("Minutes of the March board");
    item->set_external_id("doc-1");
    return r;
  }

  grpc::Status CreateAssessment(grpc::ServerContext* c,
                                const asv1::CreateAssessmentRequest* request,
                                asv1::Assessment* response) override {
    Record(c);
    creates.push_back(*request);
    *response = request->assessment();
    response->set_name("assessments/a-new");
    response->set_state(asv1::Assessment::STATE_DRAFT);
    response->set_revision(1);
    return grpc::Status::OK;
  }

  grpc::Status GetAssessment(grpc::ServerContext* c, const asv1::GetAssessmentRequest* request,
                             asv1::Assessment* response) override {
    Record(c);
    if (request->name() != kRound)
      return grpc::Status(grpc::StatusCode::NOT_FOUND, request->name() + " not found");
    *response = Round();
    return grpc::Status::OK;
  }

  grpc::Status ListRespondents(grpc::ServerContext* c, const asv1::ListRespondentsRequest*,
                               asv1::ListRespondentsResponse* response) override {
    Record(c);
    for (const auto& r : RespondentList()) *response->add_respondents() = r;
    return grpc::Status::OK;
  }

  grpc::Status AddRespondent(grpc::ServerContext* c, const asv1::AddRespondentRequest* request,
                             asv1::Respondent* response) override {
    Record(c);
    respondents_added.push_back(*request);
    *response = request->respondent();
    response->set_name("assessments/a-1/respondents/r-new");
    return grpc::Status::OK;
  }

  grpc::Status GetResponse(grpc::ServerContext* c, const asv1::GetResponseRequest* request,
                           asv1::Response* response) override {
    Record(c);
    if (request->name() != Existing().name())
      return grpc::Status(grpc::StatusCode::NOT_FOUND, "no");
    *response = Existing();
    return grpc::Status::OK;
  }

  grpc::Status ListResponses(grpc::ServerContext* c, const asv1::ListResponsesRequest*,
                             asv1::ListResponsesResponse* response) override {
    Record(c);
    *response->add_responses() = Existing();
    return grpc::Status::OK;
  }

  grpc::Status UpsertResponse(grpc::ServerContext* c, const asv1::UpsertResponseRequest* request,
                              asv1::Response* response) override {
    Record(c);
    upserts.push_back(*request);
    *response = request->response();
    return grpc::Status::OK;
  }

  grpc::Status BatchUpsertResponses(grpc::ServerContext* c,
                                    const asv1::BatchUpsertResponsesRequest* request,
                                    asv1::BatchUpsertResponsesResponse* response) override {
    Record(c);
    batches.push_back(*request);
    for (const auto& r : request->requests()) *response->add_responses() = r.response();
    return grpc::Status::OK;
  }

  grpc::Status ListConsolidations(grpc::ServerContext* c, const asv1::ListConsolidationsRequest*,
                                  asv1::ListConsolidationsResponse* response) override {
    Record(c);
    asv1::Consolidation* consolidation = response->add_consolidations();
    consolidation->set_question_id("s1.q1");
    consolidation->set_rating(fv1::RATING_GREEN);
    consolidation->set_etag("ce3");
    return grpc::Status::OK;
  }

  grpc::Status ConsolidateQuestion(grpc::ServerContext* c,
                                   const asv1::ConsolidateQuestionRequest* request,
                                   asv1::Consolidation* response) override {
    Record(c);
    consolidations_sent.push_back(*request);
    *response = request->consolidation();
    return grpc::Status::OK;
  }

  grpc::Status ListChallenges(grpc::ServerContext* c, const asv1::ListChallengesRequest* request,
                              asv1::ListChallengesResponse* response) override {
    Record(c);
    asv1::Challenge* challenge = response->add_challenges();
    challenge->set_name(request->parent() + "/challenges/ch-2");
    challenge->set_etag("et-ch-2");
    return grpc::Status::OK;
  }

  grpc::Status AnswerChallenge(grpc::ServerContext* c, const asv1::AnswerChallengeRequest* request,
                               asv1::Challenge* response) override {
    Record(c);
    answers.push_back(*request);
    response->set_name(request->name());
    return grpc::Status::OK;
  }

  grpc::Status CloseChallenge(grpc::ServerContext* c, const asv1::CloseChallengeRequest* request,
                              asv1::Challenge* response) override {
    Record(c);
    closes.push_back(*request);
    response->set_name(request->name());
    return grpc::Status::OK;
  }

  grpc::Status FinaliseAssessment(grpc::ServerContext* c,
                                  const asv1::FinaliseAssessmentRequest* request,
                                  asv1::Assessment* response) override {
    Record(c);
    finalises.push_back(*request);
    *response = Round();
    response->set_state(asv1::Assessment::STATE_FINALISED);
    return grpc::Status::OK;
  }

  grpc::Status CheckFinalisation(grpc::ServerContext* c, const asv1::CheckFinalisationRequest*,
                                 asv1::CheckFinalisationResponse* response) override {
    Record(c);
    response->add_missing("s1.q2: no consolidated rating");
    response->add_missing("s1.q2: no action plan entry covers it");
    return grpc::Status::OK;
  }

  // Changes 1..3, two a page; change 2 is invisible to the caller (next_after_sequence
  // passes it).
  grpc::Status ListChanges(grpc::ServerContext* c, const asv1::ListChangesRequest* request,
                           asv1::ListChangesResponse* response) override {
    Record(c);
    change_requests.push_back(*request);
    int64_t after = request->after_sequence();
    if (after == 0) {
      *response->add_changes() = Change(1);
      response->set_next_after_sequence(2);
    } else if (after == 2) {
      *response->add_changes() = Change(3);
      response->set_next_after_sequence(3);
    } else {
      response->set_next_after_sequence(after);
    }
    return grpc::Status::OK;
  }

  grpc::Status WatchChanges(grpc::ServerContext* c, const asv1::WatchChangesRequest* request,
                            grpc::ServerWriter<asv1::WatchChangesResponse>* writer) override {
    Record(c);
    for (int64_t sequence = request->after_sequence() + 1; sequence <= 3; ++sequence) {
      asv1::WatchChangesResponse response;
      *response.mutable_change() = Change(sequence);
      writer->Write(response);
    }
    return grpc::Status::OK;  // a real service keeps the stream open
  }

  static asv1::Change Change(int64_t sequence) {
    asv1::Change change;
    change.set_sequence(sequence);
    change.mutable_time()->set_seconds(1767225600 + sequence);  // 2026-01-01T00:00:0Ns
    change.set_kind(asv1::CHANGE_KIND_RESPONSE_CHANGED);
    change.set_assessment(kRound);
    change.mutable_response()->set_name(
        absl::StrCat("assessments/a-1/respondents/r-pol/responses/s1.q", sequence));
    return change;
  }

 private:
  void Record(grpc::ServerContext* context) {
    std::lock_guard lock(mutex);
    ++calls;
    auto it = context->client_metadata().find("authorization");
    authorizations.emplace_back(it == context->client_metadata().end()
                                    ? std::string()
                                    : std::string(it->second.data(), it->second.size()));
  }
};

class FakeActionService final : public acv1::ActionService::Service {
 public:
  std::vector<acv1::CreateActionRequest> creates;
  std::vector<acv1::ListActionsRequest> lists;
  std::vector<acv1::UpdateActionRequest> updates;
  std::vector<acv1::CompleteActionRequest> completions;
  std::vector<acv1::CancelActionRequest> cancellations;
  int calls = 0;

  static acv1::Action Make(const std::string& id, const std::string& owner,
                           const std::string& due) {
    acv1::Action a;
    a.set_name("actions/" + id);
    a.set_assessment(kRound);
    a.set_partnership("partnerships/luton");
    a.set_step_id("s2");
    a.add_question_ids("s2.q1");
    a.set_description("Action " + id);
    a.set_owner_organisation("partnerships/luton/organisations/" + owner);
    a.set_due_date(due);
    a.set_status(acv1::Action::STATUS_IN_PROGRESS);
    a.set_overdue(true);
    a.set_etag("et-" + id);
    return a;
  }

  grpc::Status CreateAction(grpc::ServerContext*, const acv1::CreateActionRequest* request,
                            acv1::Action* response) override {
    ++calls;
    creates.push_back(*request);
    *response = request->action();
    response->set_name("actions/act-new");
    return grpc::Status::OK;
  }

  grpc::Status GetAction(grpc::ServerContext*, const acv1::GetActionRequest* request,
                         acv1::Action* response) override {
    ++calls;
    *response =
        Make(std::string(absl::StripPrefix(request->name(), "actions/")), "police", "2026-01-31");
    return grpc::Status::OK;
  }

  grpc::Status ListActions(grpc::ServerContext*, const acv1::ListActionsRequest* request,
                           acv1::ListActionsResponse* response) override {
    ++calls;
    lists.push_back(*request);
    response->set_as_of_date(request->as_of_date().empty() ? "2026-04-10" : request->as_of_date());
    if (request->page_token().empty()) {
      *response->add_actions() = Make("act-1", "police", "2026-03-31");
      *response->add_actions() = Make("act-2", "council", "2026-04-01");
      response->set_next_page_token("p2");
    } else {
      *response->add_actions() = Make("act-3", "police", "2026-02-28");
    }
    return grpc::Status::OK;
  }

  grpc::Status UpdateAction(grpc::ServerContext*, const acv1::UpdateActionRequest* request,
                            acv1::Action* response) override {
    ++calls;
    updates.push_back(*request);
    *response = request->action();
    return grpc::Status::OK;
  }

  // Seven notes, in pages of four.
  std::vector<acv1::ListProgressUpdatesRequest> note_lists;
  grpc::Status ListProgressUpdates(grpc::ServerContext*,
                                   const acv1::ListProgressUpdatesRequest* request,
                                   acv1::ListProgressUpdatesResponse* response) override {
    ++calls;
    note_lists.push_back(*request);
    int first = request->page_token().empty() ? 1 : 5;
    for (int n = first; n < first + 4 && n <= 7; ++n) {
      acv1::ProgressUpdate* update = response->add_progress_updates();
      update->set_number(n);
      update->set_note("note " + std::to_string(n));
      update->set_author("users/u-1");
      update->set_status(acv1::Action::STATUS_IN_PROGRESS);
    }
    if (first == 1) response->set_next_page_token("p2");
    response->set_total_count(7);
    return grpc::Status::OK;
  }

  grpc::Status CompleteAction(grpc::ServerContext*, const acv1::CompleteActionRequest* request,
                              acv1::Action* response) override {
    ++calls;
    completions.push_back(*request);
    response->set_name(request->name());
    return grpc::Status::OK;
  }

  grpc::Status CancelAction(grpc::ServerContext*, const acv1::CancelActionRequest* request,
                            acv1::Action* response) override {
    ++calls;
    cancellations.push_back(*request);
    response->set_name(request->name());
    return grpc::Status::OK;
  }
};

class FakeReportingService final : public rv1::ReportingService::Service {
 public:
  std::vector<rv1::ExportReportRequest> exports;

  grpc::Status ExportReport(grpc::ServerContext*, const rv1::ExportReportRequest* request,
                            rv1::ExportReportResponse* response) override {
    exports.push_back(*request);
    if (request->format() == rv1::FORMAT_XLSX) {
      response->set_content(std::string("PK\x03\x04binary", 10));
      response->set_content_type(
          "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    } else {
      response->set_content("Green: 24\nAmber: 0\nRed: 0");
      response->set_content_type("text/plain; charset=utf-8");
    }
    response->set_filename("report");
    return grpc::Status::OK;
  }

  grpc::Status GetFreshness(grpc::ServerContext*, const rv1::GetFreshnessRequest*,
                            rv1::Freshness* response) override {
    response->set_sequence(42);
    response->mutable_change_time()->set_seconds(1767225600);
    return grpc::Status::OK;
  }
};

// Two steps of two questions.
class FakeFrameworkService final : public fv1::FrameworkService::Service {
 public:
  grpc::Status GetFrameworkVersion(grpc::ServerContext*,
                                   const fv1::GetFrameworkVersionRequest* request,
                                   fv1::FrameworkVersion* response) override {
    response->set_name(request->name());
    for (int s = 1; s <= 2; ++s) {
      fv1::Step* step = response->add_steps();
      step->set_id(absl::StrCat("s", s));
      step->set_title(absl::StrCat("Step ", s, " title"));
      for (int q = 1; q <= 2; ++q) step->add_questions()->set_id(absl::StrCat("s", s, ".q", q));
    }
    return grpc::Status::OK;
  }
};

class FakeIdentityService final : public iv1::IdentityService::Service {
 public:
  grpc::Status GetOrganisation(grpc::ServerContext*, const iv1::GetOrganisationRequest* request,
                               iv1::Organisation* response) override {
    response->set_name(request->name());
    if (absl::EndsWith(request->name(), "/police"))
      response->set_display_name("Bedfordshire Police");
    return grpc::Status::OK;
  }
};

struct Result {
  int exit_code;
  std::string out;
  std::string err;
};

class CliAssessmentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           absl::StrCat("sixsteps-cli-assessment-test-", ::getpid(), "-",
                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    grpc::ServerBuilder builder;
    builder.RegisterService(&assessment_);
    builder.RegisterService(&actions_);
    builder.RegisterService(&reporting_);
    builder.RegisterService(&framework_);
    builder.RegisterService(&identity_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
  }

  void TearDown() override {
    server_->Shutdown();
    std::filesystem::remove_all(dir_);
  }

  Result Run(std::vector<std::string> words, std::map<std::string, std::string> env = {},
             bool out_is_terminal = false) {
    env.emplace("SIXSTEPS_TOKEN", "tok");
    std::ostringstream out, err;
    std::istringstream in;
    Environment environment = [env](absl::string_view name) -> std::optional<std::string> {
      auto it = env.find(std::string(name));
      if (it == env.end()) return std::nullopt;
      return it->second;
    };
    ChannelFactory channels = [this](const std::string& address) {
      addresses_.push_back(address);
      return std::shared_ptr<grpc::ChannelInterface>(
          server_->InProcessChannel(grpc::ChannelArguments()));
    };
    int code = RunCli(words, environment, channels, out, err, in, /*in_is_terminal=*/false,
                      out_is_terminal);
    return Result{code, out.str(), err.str()};
  }

  std::string Write(const std::string& name, const std::string& contents) {
    std::string path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary) << contents;
    return path;
  }

  std::filesystem::path dir_;
  FakeAssessmentService assessment_;
  FakeActionService actions_;
  FakeReportingService reporting_;
  FakeFrameworkService framework_;
  FakeIdentityService identity_;
  std::unique_ptr<grpc::Server> server_;
  std::vector<std::string> addresses_;
};

TEST_F(CliAssessmentTest, CreateExpandsNamesAndUsesTheBuiltInFramework) {
  Result result =
      Run({"assessment", "create", "--partnership", "luton", "--kind", "self-assessment", "--title",
           "Self-assessment 2025", "--period", "2025-04-01:2026-03-31", "--request-id", "req-1"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  ASSERT_THAT(assessment_.creates, SizeIs(1));
  const asv1::CreateAssessmentRequest& sent = assessment_.creates[0];
  EXPECT_EQ(sent.assessment().partnership(), "partnerships/luton");
  EXPECT_EQ(sent.assessment().framework_version(), "frameworks/six-steps/versions/2019");
  EXPECT_EQ(sent.assessment().kind(), asv1::ASSESSMENT_KIND_SELF_ASSESSMENT);
  EXPECT_EQ(sent.assessment().period_start(), "2025-04-01");
  EXPECT_EQ(sent.assessment().period_end(), "2026-03-31");
  EXPECT_EQ(sent.request_id(), "req-1");
  EXPECT_THAT(result.out, StartsWith("Created assessments/a-new\n"));
  EXPECT_THAT(assessment_.authorizations, ElementsAre("Bearer tok"));
  // The assessment endpoint, by default.
  EXPECT_THAT(addresses_, ElementsAre("127.0.0.1:50053"));
}

TEST_F(CliAssessmentTest, AssignResolvesABareOrganisationInTheRoundsPartnership) {
  Result result = Run({"assessment", "assign", "a-1", "--org", "police", "--steps", "s1, s2"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  ASSERT_THAT(assessment_.respondents_added, SizeIs(1));
  const asv1::AddRespondentRequest& sent = assessment_.respondents_added[0];
  EXPECT_EQ(sent.parent(), kRound);
  EXPECT_EQ(sent.respondent().organisation(), "partnerships/luton/organisations/police");
  EXPECT_THAT(sent.respondent().step_ids(), ElementsAre("s1", "s2"));
  EXPECT_EQ(Run({"assessment", "assign", "a-1"}).exit_code, 64);
  EXPECT_EQ(Run({"assessment", "assign", "a-1", "--org", "x", "--scrutineer", "u-1"}).exit_code,
            64);
}

TEST_F(CliAssessmentTest, RateReadsTheEtagKeepsTheEvidenceAndAddsNewItems) {
  Result result = Run({"assessment", "rate", "a-1", "--respondent", "police", "--question", "s1.q1",
                       "--rating", "green", "--evidence", "Audit report", "--link",
                       "https://example.org/audit", "--evidence", "Survey"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  ASSERT_THAT(assessment_.upserts, SizeIs(1));
  const asv1::Response& sent = assessment_.upserts[0].response();
  EXPECT_EQ(sent.name(), "assessments/a-1/respondents/r-pol/responses/s1.q1");
  EXPECT_EQ(sent.etag(), "re7");
  EXPECT_EQ(sent.rating(), fv1::RATING_GREEN);
  ASSERT_THAT(sent.evidence(), SizeIs(3));
  EXPECT_EQ(sent.evidence(0).id(), "e1");  // kept, sent whole
  EXPECT_EQ(sent.evidence(0).description(), "Minutes of the March board");
  EXPECT_EQ(sent.evidence(1).description(), "Audit report");
  EXPECT_EQ(sent.evidence(1).link(), "https://example.org/audit");
  EXPECT_EQ(sent.evidence(2).description(), "Survey");
  EXPECT_THAT(sent.evidence(2).link(), IsEmpty());
  // Not given again: kept.
  EXPECT_EQ(sent.commentary(), "old commentary");
  EXPECT_EQ(sent.remaining_work(), "old work");
  EXPECT_THAT(result.out, HasSubstr("Updated s1.q1 Green"));

  // A new answer: no etag; the respondent by its id.
  Result fresh = Run({"assessment", "rate", "assessments/a-1", "--respondent", "r-lbc",
                      "--question", "s2.q1", "--rating", "R", "--commentary", "Not yet"});
  ASSERT_EQ(fresh.exit_code, 0) << fresh.err;
  const asv1::Response& second = assessment_.upserts[1].response();
  EXPECT_EQ(second.name(), "assessments/a-1/respondents/r-lbc/responses/s2.q1");
  EXPECT_THAT(second.etag(), IsEmpty());
  EXPECT_EQ(second.rating(), fv1::RATING_RED);

  Result unknown = Run({"assessment", "rate", "a-1", "--respondent", "health", "--question",
                        "s1.q1", "--rating", "red"});
  EXPECT_EQ(unknown.exit_code, 5);
  EXPECT_THAT(unknown.err, HasSubstr("no respondent 'health'"));
  EXPECT_THAT(unknown.err, HasSubstr("police (r-pol)"));
}

TEST_F(CliAssessmentTest, ImportRatingsSendsOneBatchOfMergedRows) {
  std::string csv = Write(
      "ratings.csv",
      "respondent,question_id,rating,evidence_description,evidence_link,document_reference,"
      "external_id,commentary,remaining_work\r\n"
      "police,s1.q1,Green,\"Minutes of the March board\",,,doc-1,\"Good, \"\"solid\"\" work\",\r\n"
      "police,s1.q1,Green,\"Audit, part 2\nappendix\",https://example.org/a,DOC-9,,,\r\n"
      "r-lbc,s1.q1,red,,,,,,\r\n"
      "council,s1.q2,amber,Draft plan,,,,,\"Sign-off by the board\"\r\n");
  Result result = Run({"assessment", "import-ratings", "a-1", "--csv", csv});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  ASSERT_THAT(assessment_.batches, SizeIs(1));
  const asv1::BatchUpsertResponsesRequest& batch = assessment_.batches[0];
  EXPECT_EQ(batch.parent(), kRound);
  ASSERT_THAT(batch.requests(), SizeIs(3));
  const asv1::Response& police = batch.requests(0).response();
  EXPECT_EQ(police.name(), "assessments/a-1/respondents/r-pol/responses/s1.q1");
  EXPECT_EQ(police.etag(), "re7");  // it exists: updated with its etag
  EXPECT_EQ(police.commentary(), "Good, \"solid\" work");
  ASSERT_THAT(police.evidence(), SizeIs(2));
  EXPECT_EQ(police.evidence(0).id(), "e1");  // the same external id: kept, not added again
  EXPECT_EQ(police.evidence(1).description(), "Audit, part 2\nappendix");
  EXPECT_EQ(police.evidence(1).link(), "https://example.org/a");
  EXPECT_EQ(police.evidence(1).document_reference(), "DOC-9");
  const asv1::Response& council_red = batch.requests(1).response();
  EXPECT_EQ(council_red.name(), "assessments/a-1/respondents/r-lbc/responses/s1.q1");
  EXPECT_EQ(council_red.rating(), fv1::RATING_RED);
  EXPECT_THAT(council_red.evidence(), IsEmpty());
  EXPECT_THAT(council_red.etag(), IsEmpty());
  EXPECT_EQ(batch.requests(2).response().remaining_work(), "Sign-off by the board");
  EXPECT_THAT(result.out,
              HasSubstr("Imported 3 response(s) (1 updated, 2 new) with 3 evidence item(s) "
                        "for 2 respondent(s)"));

  // Conflicting rows and unknown respondents send nothing.
  std::string conflict = Write(
      "conflict.csv", "respondent,question_id,rating\npolice,s1.q1,green\npolice,s1.q1,red\n");
  Result bad = Run({"assessment", "import-ratings", "a-1", "--csv", conflict});
  EXPECT_EQ(bad.exit_code, 65);
  EXPECT_THAT(bad.err, HasSubstr("line 3: police s1.q1 is rated Green on line 2 and Red here"));
  std::string stranger = Write("stranger.csv", "respondent,question_id,rating\nhealth,s1.q1,red\n");
  Result unknown = Run({"assessment", "import-ratings", "a-1", "--csv", stranger});
  EXPECT_EQ(unknown.exit_code, 5);
  EXPECT_THAT(unknown.err, HasSubstr("line 2: no respondent 'health'"));
  EXPECT_EQ(Run({"assessment", "import-ratings", "a-1", "--csv", (dir_ / "missing.csv").string()})
                .exit_code,
            66);
  EXPECT_THAT(assessment_.batches, SizeIs(1));
}

TEST_F(CliAssessmentTest, ConsolidateAndFinaliseSendTheEtagsRead) {
  Result result = Run({"assessment", "consolidate", "a-1", "--question", "s1.q1", "--rating",
                       "green", "--rationale", "All agree"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const asv1::ConsolidateQuestionRequest& sent = assessment_.consolidations_sent.at(0);
  EXPECT_EQ(sent.parent(), kRound);
  EXPECT_EQ(sent.consolidation().etag(), "ce3");
  EXPECT_EQ(sent.consolidation().rationale(), "All agree");

  ASSERT_EQ(Run({"assessment", "finalise", "a-1"}).exit_code, 0);
  EXPECT_EQ(assessment_.finalises.at(0).etag(), "ae1");

  Result check = Run({"assessment", "check", "a-1"});
  ASSERT_EQ(check.exit_code, 0) << check.err;
  EXPECT_EQ(check.out,
            "Not ready to finalise; still needed (2):\n  s1.q2: no consolidated rating\n"
            "  s1.q2: no action plan entry covers it\n");
}

TEST_F(CliAssessmentTest, GridShowsStepsLettersAndColoursOnlyOnATerminal) {
  Result plain = Run({"assessment", "grid", "a-1"});
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  EXPECT_THAT(plain.out, HasSubstr("Step s1: Step 1 title\n"));
  EXPECT_THAT(plain.out, HasSubstr("  QUESTION  ROUND  police  council\n"));
  EXPECT_THAT(plain.out, HasSubstr("  s1.q1     G      A       -\n"));
  EXPECT_THAT(plain.out, HasSubstr("  s2.q2     -      -       -\n"));
  EXPECT_THAT(plain.out, HasSubstr("Round: 1 Green, 0 Amber, 0 Red, 3 not yet consolidated"));
  EXPECT_THAT(plain.out, Not(HasSubstr("\x1b[")));
  // The framework version came from the framework endpoint.
  EXPECT_THAT(addresses_, ::testing::Contains("127.0.0.1:50051"));

  Result terminal = Run({"assessment", "grid", "a-1"}, {}, /*out_is_terminal=*/true);
  EXPECT_THAT(terminal.out, HasSubstr("\x1b[30;42mG\x1b[0m"));
  EXPECT_THAT(terminal.out, HasSubstr("\x1b[30;43mA\x1b[0m"));
  Result no_color = Run({"assessment", "grid", "a-1"}, {{"NO_COLOR", "1"}}, true);
  EXPECT_THAT(no_color.out, Not(HasSubstr("\x1b[")));
  Result always = Run({"assessment", "grid", "a-1", "--color", "always"});
  EXPECT_THAT(always.out, HasSubstr("\x1b[30;42mG\x1b[0m"));
  Result never = Run({"assessment", "grid", "a-1", "--color", "never"}, {}, true);
  EXPECT_THAT(never.out, Not(HasSubstr("\x1b[")));
  EXPECT_EQ(Run({"assessment", "grid", "a-1", "--color", "sometimes"}).exit_code, 64);
}

TEST_F(CliAssessmentTest, FeedPagesPastInvisibleChangesAndPrintsJsonLines) {
  Result text = Run({"assessment", "feed", "--partnership", "luton"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_EQ(text.out,
            "1  2026-01-01T00:00:01Z  response-changed  "
            "assessments/a-1/respondents/r-pol/responses/s1.q1\n"
            "3  2026-01-01T00:00:03Z  response-changed  "
            "assessments/a-1/respondents/r-pol/responses/s1.q3\n");
  ASSERT_THAT(assessment_.change_requests, SizeIs(3));
  EXPECT_EQ(assessment_.change_requests[0].partnership(), "partnerships/luton");
  EXPECT_EQ(assessment_.change_requests[1].after_sequence(), 2);

  Result json = Run({"assessment", "feed", "--after", "2", "--output", "json"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  std::vector<std::string> lines = absl::StrSplit(json.out, '\n', absl::SkipEmpty());
  ASSERT_THAT(lines, SizeIs(1));
  asv1::Change change;
  ASSERT_THAT(FromJson(lines[0], change), IsOk());
  EXPECT_EQ(change.sequence(), 3);

  Result follow = Run({"assessment", "feed", "--after", "1", "--follow"});
  ASSERT_EQ(follow.exit_code, 0) << follow.err;
  EXPECT_THAT(follow.out, StartsWith("2  "));
  EXPECT_EQ(Run({"assessment", "feed", "--after", "-1"}).exit_code, 64);
}

TEST_F(CliAssessmentTest, ActionNotesListsEveryNotePageByPage) {
  Result result = Run({"action", "notes", "act-9"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  ASSERT_THAT(actions_.note_lists, SizeIs(2));
  EXPECT_EQ(actions_.note_lists[0].name(), "actions/act-9");
  EXPECT_EQ(actions_.note_lists[1].page_token(), "p2");
  EXPECT_THAT(result.out, StartsWith("actions/act-9: 7 progress notes\n"));
  EXPECT_THAT(result.out, HasSubstr("(in-progress): note 1\n"));
  EXPECT_THAT(result.out, HasSubstr("(in-progress): note 7\n"));
}

TEST(CliFormatActionTest, ShowSaysWhenOnlyTheLatestNotesAreShown) {
  acv1::Action action;
  action.set_name("actions/act-1");
  action.set_progress_update_count(12);
  for (int n = 8; n <= 12; ++n) action.add_progress_updates()->set_note("n" + std::to_string(n));
  std::string text = FormatAction(action);
  EXPECT_THAT(text, HasSubstr("Progress (latest 5 of 12; 'sixsteps action notes actions/act-1' "
                              "lists all):\n"));
  action.set_progress_update_count(5);
  EXPECT_THAT(FormatAction(action), HasSubstr("Progress:\n"));
}

TEST_F(CliAssessmentTest, OverdueActionsAreGroupedByOwnerOrganisation) {
  Result result = Run({"action", "list", "--partnership", "luton", "--overdue", "--as-of",
                       "2026-04-10", "--status", "planned,in-progress"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const acv1::ListActionsRequest& sent = actions_.lists.at(0);
  EXPECT_TRUE(sent.overdue_only());
  EXPECT_EQ(sent.as_of_date(), "2026-04-10");
  EXPECT_EQ(sent.partnership(), "partnerships/luton");
  EXPECT_THAT(sent.statuses(),
              ElementsAre(acv1::Action::STATUS_PLANNED, acv1::Action::STATUS_IN_PROGRESS));
  EXPECT_THAT(actions_.lists, SizeIs(2));  // both pages
  const std::string& out = result.out;
  EXPECT_THAT(out, StartsWith("Overdue as of 2026-04-10: 3 action(s) of 2 organisation(s)\n"));
  size_t council = out.find("\ncouncil (partnerships/luton/organisations/council): 1 overdue\n");
  size_t police =
      out.find("\nBedfordshire Police (partnerships/luton/organisations/police): 2 overdue\n");
  ASSERT_NE(council, std::string::npos) << out;
  ASSERT_NE(police, std::string::npos) << out;
  // Oldest due first, with the days overdue.
  size_t older = out.find("act-3   2026-02-28  41");
  size_t newer = out.find("act-1   2026-03-31  10");
  ASSERT_NE(older, std::string::npos) << out;
  ASSERT_NE(newer, std::string::npos) << out;
  EXPECT_LT(police, older);
  EXPECT_LT(older, newer);
  EXPECT_EQ(Run({"action", "list", "--as-of", "10/04/2026"}).exit_code, 64);
}

TEST_F(CliAssessmentTest, ActionAddAndEdit) {
  Result added = Run({"action", "add", "a-1", "--step", "s2", "--questions", "s2.q1,s2.q2",
                      "--description", "Audit", "--outcome", "Better", "--owner", "police", "--due",
                      "2026-03-31", "--sustain"});
  ASSERT_EQ(added.exit_code, 0) << added.err;
  const acv1::Action& sent = actions_.creates.at(0).action();
  EXPECT_EQ(sent.assessment(), kRound);
  EXPECT_EQ(sent.owner_organisation(), "partnerships/luton/organisations/police");
  EXPECT_THAT(sent.question_ids(), ElementsAre("s2.q1", "s2.q2"));
  EXPECT_EQ(sent.kind(), acv1::Action::KIND_SUSTAIN);
  EXPECT_EQ(sent.due_date(), "2026-03-31");

  Result edited = Run({"action", "edit", "act-9", "--due", "2026-06-30", "--owner", "council"});
  ASSERT_EQ(edited.exit_code, 0) << edited.err;
  const acv1::UpdateActionRequest& update = actions_.updates.at(0);
  EXPECT_EQ(update.action().name(), "actions/act-9");
  EXPECT_EQ(update.action().etag(), "et-act-9");
  EXPECT_EQ(update.action().due_date(), "2026-06-30");
  EXPECT_EQ(update.action().owner_organisation(), "partnerships/luton/organisations/council");
  EXPECT_THAT(update.update_mask().paths(), ElementsAre("due_date", "owner_organisation"));
  int calls = actions_.calls;
  EXPECT_EQ(Run({"action", "edit", "act-9"}).exit_code, 64);
  EXPECT_EQ(Run({"action", "add", "a-1", "--step", "s2", "--questions", "s2.q1", "--description",
                 "d", "--outcome", "o", "--owner", "police", "--due", "soon"})
                .exit_code,
            64);
  EXPECT_EQ(actions_.calls, calls);
}

// The service requires the etag a completion or cancellation is based on (issue #13
// finding 16): the CLI reads the action first and sends its etag.
TEST_F(CliAssessmentTest, ActionDoneAndCancelSendTheCurrentEtag) {
  Result done = Run({"action", "done", "act-4", "--note", "Audited"});
  ASSERT_EQ(done.exit_code, 0) << done.err;
  ASSERT_EQ(actions_.completions.size(), 1u);
  EXPECT_EQ(actions_.completions[0].name(), "actions/act-4");
  EXPECT_EQ(actions_.completions[0].etag(), "et-act-4");
  Result cancelled = Run({"action", "cancel", "act-5", "--reason", "Superseded"});
  ASSERT_EQ(cancelled.exit_code, 0) << cancelled.err;
  ASSERT_EQ(actions_.cancellations.size(), 1u);
  EXPECT_EQ(actions_.cancellations[0].name(), "actions/act-5");
  EXPECT_EQ(actions_.cancellations[0].etag(), "et-act-5");
}

// Answering and closing a challenge overwrite it: the CLI sends the etag it just read.
TEST_F(CliAssessmentTest, ChallengeAnswerAndCloseSendTheCurrentEtag) {
  Result answered = Run({"assessment", "challenge", "answer", "a-1/ch-2", "--text", "Yes"});
  ASSERT_EQ(answered.exit_code, 0) << answered.err;
  ASSERT_EQ(assessment_.answers.size(), 1u);
  EXPECT_EQ(assessment_.answers[0].name(), "assessments/a-1/challenges/ch-2");
  EXPECT_EQ(assessment_.answers[0].etag(), "et-ch-2");
  Result closed = Run({"assessment", "challenge", "close", "a-1/ch-2"});
  ASSERT_EQ(closed.exit_code, 0) << closed.err;
  ASSERT_EQ(assessment_.closes.size(), 1u);
  EXPECT_EQ(assessment_.closes[0].etag(), "et-ch-2");
  // One the round does not have is NOT_FOUND before anything is sent.
  EXPECT_NE(Run({"assessment", "challenge", "close", "a-1/ch-9"}).exit_code, 0);
  EXPECT_EQ(assessment_.closes.size(), 1u);
}

TEST_F(CliAssessmentTest, ReportsGoThroughExportReport) {
  Result text =
      Run({"report", "assessment", "a-1", "--min-sequence", "17", "--as-of", "2026-04-01"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_EQ(text.out, "Green: 24\nAmber: 0\nRed: 0\n");
  const rv1::ExportReportRequest& sent = reporting_.exports.at(0);
  EXPECT_EQ(sent.format(), rv1::FORMAT_TEXT);
  EXPECT_EQ(sent.assessment().assessment(), kRound);
  EXPECT_EQ(sent.assessment().min_sequence(), 17);
  EXPECT_EQ(sent.assessment().as_of_date(), "2026-04-01");
  EXPECT_THAT(addresses_, ElementsAre("127.0.0.1:50054"));

  ASSERT_EQ(
      Run({"report", "trend", "luton", "--kind", "self-assessment", "--format", "csv"}).exit_code,
      0);
  EXPECT_EQ(reporting_.exports.at(1).trend().partnership(), "partnerships/luton");
  EXPECT_EQ(reporting_.exports.at(1).trend().kind(), "self_assessment");
  ASSERT_EQ(Run({"report", "actions", "regions/east", "--format", "md"}).exit_code, 0);
  EXPECT_EQ(reporting_.exports.at(2).actions().scope(), "regions/east");
  EXPECT_EQ(reporting_.exports.at(2).format(), rv1::FORMAT_MARKDOWN);
  ASSERT_EQ(Run({"report", "actions", "luton"}).exit_code, 0);
  EXPECT_EQ(reporting_.exports.at(3).actions().scope(), "partnerships/luton");

  // XLSX: never to a terminal; to a file, byte for byte.
  size_t sent_so_far = reporting_.exports.size();
  Result refused =
      Run({"report", "region", "east", "--format", "xlsx"}, {}, /*out_is_terminal=*/true);
  EXPECT_EQ(refused.exit_code, 64);
  EXPECT_THAT(refused.err, HasSubstr("give --out FILE"));
  EXPECT_EQ(reporting_.exports.size(), sent_so_far);
  std::string path = (dir_ / "east.xlsx").string();
  Result written = Run({"report", "region", "east", "--format", "xlsx", "--out", path}, {}, true);
  ASSERT_EQ(written.exit_code, 0) << written.err;
  EXPECT_THAT(written.out, StartsWith("Wrote " + path));
  std::ifstream file(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  EXPECT_EQ(bytes, std::string("PK\x03\x04binary", 10));
  EXPECT_EQ(reporting_.exports.back().region().region(), "regions/east");
  // Issue #13 finding 19: exports are the owner's alone (0600), also over a file that an
  // earlier version left world-readable.
  using std::filesystem::perms;
  EXPECT_EQ(std::filesystem::status(path).permissions() & perms::all,
            perms::owner_read | perms::owner_write);
  std::filesystem::permissions(
      path, perms::owner_read | perms::owner_write | perms::group_read | perms::others_read);
  ASSERT_EQ(
      Run({"report", "region", "east", "--format", "xlsx", "--out", path}, {}, true).exit_code, 0);
  EXPECT_EQ(std::filesystem::status(path).permissions() & perms::all,
            perms::owner_read | perms::owner_write);

  Result fresh = Run({"report", "freshness"});
  ASSERT_EQ(fresh.exit_code, 0) << fresh.err;
  EXPECT_THAT(fresh.out, HasSubstr("up to sequence 42"));
  EXPECT_EQ(Run({"report", "assessment", "a-1", "--format", "pdf"}).exit_code, 64);
  EXPECT_EQ(Run({"report", "annual", "a-1", "--as-of", "2026-01-01"}).exit_code, 64);
}

TEST_F(CliAssessmentTest, TokenPrintsTheAccessToken) {
  Result result = Run({"token"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "tok\n");
}

TEST_F(CliAssessmentTest, HelpListsTheCommands) {
  Result top = Run({"help"});
  EXPECT_THAT(top.out, HasSubstr("  assessment "));
  EXPECT_THAT(top.out, HasSubstr("  action "));
  EXPECT_THAT(top.out, HasSubstr("  report "));
  EXPECT_THAT(top.out, HasSubstr("--reporting_address HOST:PORT"));
  Result help = Run({"assessment", "help"});
  EXPECT_THAT(help.out, HasSubstr("sixsteps assessment import-ratings A --csv FILE"));
  EXPECT_EQ(Run({"assessment", "challenge", "shout", "a-1"}).exit_code, 64);
  EXPECT_EQ(Run({"action"}).exit_code, 64);
}

TEST(AssessmentNamesTest, ShortAndFullForms) {
  EXPECT_EQ(*ExpandAssessmentName("a-1"), "assessments/a-1");
  EXPECT_EQ(*ExpandAssessmentName("assessments/a-1"), "assessments/a-1");
  EXPECT_FALSE(ExpandAssessmentName("actions/x").ok());
  EXPECT_EQ(*ExpandActionName("act-1"), "actions/act-1");
  EXPECT_EQ(*ExpandChallengeName("a-1/ch-2"), "assessments/a-1/challenges/ch-2");
  EXPECT_EQ(*ExpandRecordName("a-1/consolidations/s1.q1"), "assessments/a-1/consolidations/s1.q1");
  EXPECT_EQ(*ParseRating("Amber"), fv1::RATING_AMBER);
  EXPECT_FALSE(ParseRating("blue").ok());
  EXPECT_EQ(*ParseAssessmentKind("wider_partners"), asv1::ASSESSMENT_KIND_WIDER_PARTNER_ASSESSMENT);
  EXPECT_EQ(*ParseActionStatus("in-progress"), acv1::Action::STATUS_IN_PROGRESS);
  EXPECT_EQ(*ParseActionStatus("carried_over"), acv1::Action::STATUS_CARRIED_OVER);
  EXPECT_EQ(ActionStatusWord(acv1::Action::STATUS_IN_PROGRESS), "in-progress");
  EXPECT_EQ(ChangeKindWord(asv1::CHANGE_KIND_CONSOLIDATED), "consolidated");
  EXPECT_EQ(*ParseReportFormat("markdown"), rv1::FORMAT_MARKDOWN);
  EXPECT_EQ(*DaysBetween("2026-03-31", "2026-04-10"), 10);
  EXPECT_FALSE(ParsePeriod("2026-04-01:2025-03-31").ok());
  EXPECT_FALSE(ParsePeriod("2025-04-01").ok());
  EXPECT_THAT(SplitList(" s1, ,s2 "), ElementsAre("s1", "s2"));
}

TEST(CsvTest, Rfc4180) {
  absl::StatusOr<std::vector<CsvRecord>> records = ParseCsv(
      "\xEF\xBB\xBF"
      "a,\"b,c\",\"d\"\"e\"\r\n\r\n\"multi\nline\",,x\nlast");
  ASSERT_THAT(records.status(), IsOk());
  ASSERT_THAT(*records, SizeIs(3));
  EXPECT_THAT((*records)[0].fields, ElementsAre("a", "b,c", "d\"e"));
  EXPECT_THAT((*records)[1].fields, ElementsAre("multi\nline", "", "x"));
  EXPECT_EQ((*records)[1].line, 3);
  EXPECT_THAT((*records)[2].fields, ElementsAre("last"));
  EXPECT_EQ((*records)[2].line, 5);
  EXPECT_FALSE(ParseCsv("a,b\"c\n").ok());
  EXPECT_FALSE(ParseCsv("\"open\n").ok());
  EXPECT_FALSE(ParseCsv("\"a\"b\n").ok());
}

}  // namespace
}  // namespace sixsteps::cli
