// A fake AssessmentService, ActionService, ReportingService, FrameworkService and
// IdentityService on one in-process server, and CliAssessmentTest, which runs the CLI
// (RunCli) against them: for cli_assessment_test, cli_action_test and cli_report_test.
#pragma once

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
#include "tools/sixsteps/tests/cli_run.h"

namespace sixsteps::cli {
// Each test binary includes this once: the fakes stay local to it.
namespace {  // NOLINT(build/namespaces_headers)

namespace rv1 = ::sixsteps::reporting::v1;
using ::sixsteps::testing::IsOk;

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
    return testing_support::KeepAndAnswer(upserts, *request, response, request->response());
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
    return testing_support::KeepAndAnswer(consolidations_sent, *request, response,
                                          request->consolidation());
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
    return Echo(c, *request, &answers, response);
  }

  grpc::Status CloseChallenge(grpc::ServerContext* c, const asv1::CloseChallengeRequest* request,
                              asv1::Challenge* response) override {
    return Echo(c, *request, &closes, response);
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
  // Records a call that changes the resource `request` names; answers with that name.
  template <typename Request, typename Resource>
  grpc::Status Echo(grpc::ServerContext* context, const Request& request,
                    std::vector<Request>* received, Resource* response) {
    Record(context);
    received->push_back(request);
    response->set_name(request.name());
    return grpc::Status::OK;
  }

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

  // Records a call that changes the action `request` names; answers with that name.
  template <typename Request>
  grpc::Status Echo(const Request& request, std::vector<Request>* received,
                    acv1::Action* response) {
    ++calls;
    received->push_back(request);
    response->set_name(request.name());
    return grpc::Status::OK;
  }

  grpc::Status CompleteAction(grpc::ServerContext*, const acv1::CompleteActionRequest* request,
                              acv1::Action* response) override {
    return Echo(*request, &completions, response);
  }

  grpc::Status CancelAction(grpc::ServerContext*, const acv1::CancelActionRequest* request,
                            acv1::Action* response) override {
    return Echo(*request, &cancellations, response);
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

  // What the CLI calls: the same file as ExportReport's, its name and type first, then the
  // bytes in two chunks, so the CLI's joining of chunks is exercised.
  grpc::Status StreamReport(grpc::ServerContext* context, const rv1::StreamReportRequest* request,
                            grpc::ServerWriter<rv1::StreamReportResponse>* writer) override {
    rv1::ExportReportResponse file;
    grpc::Status status = ExportReport(context, &request->report(), &file);
    if (!status.ok()) return status;
    rv1::StreamReportResponse head;
    head.set_content_type(file.content_type());
    head.set_filename(file.filename());
    writer->Write(head);
    const std::string& bytes = file.content();
    for (size_t at : {size_t{0}, bytes.size() / 2}) {
      rv1::StreamReportResponse chunk;
      chunk.set_chunk(bytes.substr(at, at == 0 ? bytes.size() / 2 : std::string::npos));
      writer->Write(chunk);
    }
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

using testing_support::Result;

class CliAssessmentTest : public testing_support::CliTest {
 protected:
  void SetUp() override { Serve({&assessment_, &actions_, &reporting_, &framework_, &identity_}); }

  Result Run(std::vector<std::string> words, std::map<std::string, std::string> env = {},
             bool out_is_terminal = false) {
    return CliTest::Run(words, env, "", out_is_terminal);
  }

  FakeAssessmentService assessment_;
  FakeActionService actions_;
  FakeReportingService reporting_;
  FakeFrameworkService framework_;
  FakeIdentityService identity_;
};

}  // namespace
}  // namespace sixsteps::cli
