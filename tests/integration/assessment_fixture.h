// The fixture of the assessment service's integration tests (assessment_*_test.cc):
// identity, framework and assessment (with its action plans) in process on 127.0.0.1, each
// with its own real PostgreSQL database, called through the generated clients with the
// tokens of real users bound to real roles.
//
// The world of every test: region "north-east" with partnership "sunderland" and its
// three core partners (local authority, health, police) and one wider partner (a school);
// a partnership administrator, an independent scrutineer of the partnership, a partner
// respondent for each organisation, a hub administrator of the region, and a viewer of
// partnership "plymouth" in region "south-west" (who sees nothing of sunderland: every
// refusal to them is NOT_FOUND).
#pragma once

#include <gmock/gmock.h>
#include <google/protobuf/util/message_differencer.h>
#include <grpcpp/client_context.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "tests/support/shared_hub.h"
#include "tests/support/status_matchers.h"
#include "tests/support/test_hub.h"

namespace sixsteps::testing::assessment_test {

namespace av1 = ::sixsteps::assessment::v1;
namespace acv1 = ::sixsteps::action::v1;
namespace fv1 = ::sixsteps::framework::v1;
namespace idv1 = ::sixsteps::identity::v1;
using auth::Role;
using ::google::protobuf::util::MessageDifferencer;
using ::testing::AllOf;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;
using Code = absl::StatusCode;
using AStub = av1::AssessmentService::Stub;

inline constexpr char kBuiltIn[] = "frameworks/six-steps/versions/2019";
inline constexpr char kRegion[] = "north-east";
inline constexpr char kPartnershipId[] = "sunderland";
inline constexpr char kPartnership[] = "partnerships/sunderland";
inline constexpr char kOtherRegion[] = "south-west";
inline constexpr char kOtherPartnershipId[] = "plymouth";
inline constexpr char kOtherPartnership[] = "partnerships/plymouth";

// The organisations of sunderland, by id.
inline constexpr char kLa[] = "council";
inline constexpr char kHealth[] = "health";
inline constexpr char kPolice[] = "police";
inline constexpr char kSchool[] = "school";

inline std::string Org(const std::string& id) {
  return absl::StrCat(kPartnership, "/organisations/", id);
}

// s1.q1 … s6.q4, in framework order.
inline std::vector<std::string> AllQuestions() {
  std::vector<std::string> questions;
  for (int step = 1; step <= 6; ++step) {
    for (int q = 1; q <= 4; ++q) questions.push_back(absl::StrCat("s", step, ".q", q));
  }
  return questions;
}

inline std::string StepOf(const std::string& question) {
  return question.substr(0, question.find('.'));
}

inline std::string ResponseOf(const av1::Respondent& respondent, const std::string& question) {
  return absl::StrCat(respondent.name(), "/responses/", question);
}

// The "sub" claim of an access token: the user's principal ("users/…").
inline std::string PrincipalOf(const std::string& token) {
  std::vector<std::string> parts = absl::StrSplit(token, '.');
  std::string json;
  EXPECT_TRUE(absl::WebSafeBase64Unescape(parts.at(1), &json));
  return nlohmann::json::parse(json)["sub"].get<std::string>();
}

// An answer: `evidence` new items, remaining work if given.
inline av1::Response Answer(const std::string& name, fv1::Rating rating, int evidence,
                            const std::string& remaining_work = "",
                            const std::string& commentary = "") {
  av1::Response response;
  response.set_name(name);
  response.set_rating(rating);
  for (int i = 0; i < evidence; ++i) {
    av1::EvidenceItem* item = response.add_evidence();
    item->set_description(absl::StrCat("Evidence ", i + 1, " for ", name));
    item->set_link("https://evidence.example/" + std::to_string(i));
  }
  response.set_remaining_work(remaining_work);
  response.set_commentary(commentary);
  return response;
}

// An answer that meets the evidence rule for any rating.
inline av1::Response GoodAnswer(const std::string& name, fv1::Rating rating) {
  return Answer(name, rating, rating == fv1::RATING_RED ? 0 : 1,
                rating == fv1::RATING_AMBER ? "More joint audits" : "");
}

template <typename Stub, typename Request, typename Response>
using Rpc = grpc::Status (Stub::*)(grpc::ClientContext*, const Request&, Response*);

// The people of every test: the tokens of the users SetUp makes.
struct AssessmentPeople {
  std::string admin_;
  std::string scrutineer_;
  std::string scrutineer_user_;
  std::map<std::string, std::string> respondent_;
  std::string hub_admin_;
  std::string outsider_;
};

class AssessmentServiceTest : public SharedHubTest<AssessmentPeople> {
 protected:
  void SetUp() override {
    SetUpHub("assessment");
    if (HasFatalFailure()) return;
    stub_ = hub_->AssessmentStub();
    actions_ = hub_->ActionStub();
  }

  // The world described at the top of this file.
  void MakePeople() override {
    ASSERT_THAT(hub_->CreateRegion(kRegion), IsOk());
    ASSERT_THAT(hub_->CreateRegion(kOtherRegion), IsOk());
    ASSERT_THAT(hub_->CreatePartnership(kPartnershipId, kRegion), IsOk());
    ASSERT_THAT(hub_->CreatePartnership(kOtherPartnershipId, kOtherRegion), IsOk());
    ASSERT_THAT(hub_->CreateOrganisation(kPartnershipId, kLa,
                                         idv1::ORGANISATION_KIND_LOCAL_AUTHORITY, true),
                IsOk());
    ASSERT_THAT(
        hub_->CreateOrganisation(kPartnershipId, kHealth, idv1::ORGANISATION_KIND_HEALTH, true),
        IsOk());
    ASSERT_THAT(
        hub_->CreateOrganisation(kPartnershipId, kPolice, idv1::ORGANISATION_KIND_POLICE, true),
        IsOk());
    ASSERT_THAT(
        hub_->CreateOrganisation(kPartnershipId, kSchool, idv1::ORGANISATION_KIND_EDUCATION, false),
        IsOk());
    ASSERT_THAT(hub_->CreateOrganisation(kOtherPartnershipId, kPolice,
                                         idv1::ORGANISATION_KIND_POLICE, true),
                IsOk());

    admin_ = MustUser("admin@sunderland.test",
                      {{Role::ROLE_PARTNERSHIP_ADMINISTRATOR, kPartnership, ""}});
    scrutineer_ = MustUser("scrutineer@sunderland.test",
                           {{Role::ROLE_INDEPENDENT_SCRUTINEER, kPartnership, ""}});
    for (const char* org : {kLa, kHealth, kPolice, kSchool}) {
      respondent_[org] = MustUser(absl::StrCat(org, "@sunderland.test"),
                                  {{Role::ROLE_PARTNER_RESPONDENT, kPartnership, Org(org)}});
    }
    hub_admin_ = MustUser("hub@north-east.test",
                          {{Role::ROLE_HUB_ADMINISTRATOR, absl::StrCat("regions/", kRegion), ""}});
    outsider_ = MustUser("viewer@plymouth.test", {{Role::ROLE_VIEWER, kOtherPartnership, ""}});
    scrutineer_user_ = PrincipalOf(scrutineer_);
  }

  std::string MustUser(const std::string& email, const std::vector<TestHub::Binding>& roles) {
    return SignedInUser(*hub_, email, roles);
  }

  // ---- Calls ----

  template <typename Stub, typename Request, typename Response>
  static grpc::Status Invoke(Stub* stub, Rpc<Stub, Request, Response> method,
                             const std::string& token, const Request& request, Response* response) {
    grpc::ClientContext context;
    Authorize(context, token);
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    return (stub->*method)(&context, request, response);
  }

  template <typename Request, typename Response>
  grpc::Status Call(Rpc<AStub, Request, Response> method, const std::string& token,
                    const Request& request, Response* response) {
    return Invoke(stub_.get(), method, token, request, response);
  }

  // A call that must succeed.
  template <typename Request, typename Response>
  Response Must(Rpc<AStub, Request, Response> method, const std::string& token,
                const Request& request) {
    Response response;
    grpc::Status status = Call(method, token, request, &response);
    EXPECT_THAT(status, IsOk()) << request.ShortDebugString();
    return response;
  }

  static av1::CreateAssessmentRequest NewRound(av1::AssessmentKind kind,
                                               const std::string& title = "2025 round",
                                               const std::string& framework = kBuiltIn) {
    av1::CreateAssessmentRequest request;
    av1::Assessment* a = request.mutable_assessment();
    a->set_partnership(kPartnership);
    a->set_framework_version(framework);
    a->set_kind(kind);
    a->set_title(title);
    a->set_period_start("2025-04-01");
    a->set_period_end("2026-03-31");
    return request;
  }

  av1::Assessment MustCreate(av1::AssessmentKind kind, const std::string& token,
                             const std::string& title = "2025 round") {
    return Must(&AStub::CreateAssessment, token, NewRound(kind, title));
  }

  // The round's reviewer: the scrutineer in an independent scrutiny, the partnership
  // administrator otherwise.
  std::string ReviewerOf(const av1::Assessment& round) const {
    return round.kind() == av1::ASSESSMENT_KIND_INDEPENDENT_SCRUTINY ? scrutineer_ : admin_;
  }

  grpc::Status AddRespondent(const std::string& token, const av1::Assessment& round,
                             const av1::Respondent& respondent, av1::Respondent* added,
                             const std::string& request_id = "") {
    av1::AddRespondentRequest request;
    request.set_parent(round.name());
    *request.mutable_respondent() = respondent;
    request.set_request_id(request_id);
    return Call(&AStub::AddRespondent, token, request, added);
  }

  static av1::Respondent OrgRespondent(const std::string& org, std::vector<std::string> steps = {},
                                       std::vector<std::string> questions = {}) {
    av1::Respondent respondent;
    respondent.set_organisation(Org(org));
    for (const auto& s : steps) respondent.add_step_ids(s);
    for (const auto& q : questions) respondent.add_question_ids(q);
    return respondent;
  }

  av1::Respondent MustAddOrg(const av1::Assessment& round, const std::string& org,
                             std::vector<std::string> steps = {},
                             std::vector<std::string> questions = {}) {
    av1::Respondent added;
    EXPECT_THAT(AddRespondent(admin_, round, OrgRespondent(org, steps, questions), &added), IsOk());
    return added;
  }

  av1::Respondent MustAddScrutineer(const av1::Assessment& round) {
    av1::Respondent respondent;
    respondent.set_scrutineer(scrutineer_user_);
    av1::Respondent added;
    EXPECT_THAT(AddRespondent(admin_, round, respondent, &added), IsOk());
    return added;
  }

  grpc::Status Upsert(const std::string& token, const av1::Response& response,
                      av1::Response* written) {
    av1::UpsertResponseRequest request;
    *request.mutable_response() = response;
    return Call(&AStub::UpsertResponse, token, request, written);
  }

  av1::Response MustUpsert(const std::string& token, const av1::Response& response) {
    av1::Response written;
    EXPECT_THAT(Upsert(token, response, &written), IsOk()) << response.name();
    return written;
  }

  grpc::Status Batch(const std::string& token, const av1::Assessment& round,
                     const std::vector<av1::Response>& responses,
                     av1::BatchUpsertResponsesResponse* written) {
    av1::BatchUpsertResponsesRequest request;
    request.set_parent(round.name());
    for (const auto& r : responses) *request.add_requests()->mutable_response() = r;
    return Call(&AStub::BatchUpsertResponses, token, request, written);
  }

  // The respondent answers every question with `rating` (meeting the evidence rule).
  void AnswerAll(const std::string& token, const av1::Assessment& round,
                 const av1::Respondent& respondent, fv1::Rating rating) {
    std::vector<av1::Response> responses;
    for (const auto& q : AllQuestions()) {
      responses.push_back(GoodAnswer(ResponseOf(respondent, q), rating));
    }
    av1::BatchUpsertResponsesResponse written;
    ASSERT_THAT(Batch(token, round, responses, &written), IsOk());
    ASSERT_EQ(written.responses_size(), 24);
  }

  grpc::Status Consolidate(const std::string& token, const av1::Assessment& round,
                           const std::string& question, fv1::Rating rating,
                           av1::Consolidation* written, const std::string& etag = "",
                           const std::string& remaining_work = "") {
    av1::ConsolidateQuestionRequest request;
    request.set_parent(round.name());
    request.mutable_consolidation()->set_question_id(question);
    request.mutable_consolidation()->set_rating(rating);
    request.mutable_consolidation()->set_rationale("Seen the evidence");
    request.mutable_consolidation()->set_etag(etag);
    request.mutable_consolidation()->set_remaining_work(
        !remaining_work.empty() || rating != fv1::RATING_AMBER ? remaining_work
                                                               : "Embed the new process");
    return Call(&AStub::ConsolidateQuestion, token, request, written);
  }

  grpc::Status BatchConsolidate(const std::string& token, const av1::Assessment& round,
                                const std::map<std::string, fv1::Rating>& ratings,
                                av1::BatchConsolidateQuestionsResponse* written) {
    av1::BatchConsolidateQuestionsRequest request;
    request.set_parent(round.name());
    for (const auto& [question, rating] : ratings) {
      av1::Consolidation* c = request.add_requests()->mutable_consolidation();
      c->set_question_id(question);
      c->set_rating(rating);
      c->set_rationale("Seen the evidence");
      if (rating == fv1::RATING_AMBER) c->set_remaining_work("Embed the new process");
    }
    return Call(&AStub::BatchConsolidateQuestions, token, request, written);
  }

  void ConsolidateAll(const av1::Assessment& round, fv1::Rating rating,
                      const std::map<std::string, fv1::Rating>& overrides = {}) {
    for (const auto& q : AllQuestions()) {
      auto found = overrides.find(q);
      av1::Consolidation written;
      ASSERT_THAT(Consolidate(ReviewerOf(round), round, q,
                              found == overrides.end() ? rating : found->second, &written),
                  IsOk())
          << q;
    }
  }

  grpc::Status CreateAction(const std::string& token, const av1::Assessment& round,
                            const std::string& step, const std::vector<std::string>& questions,
                            acv1::Action* created) {
    acv1::CreateActionRequest request;
    acv1::Action* action = request.mutable_action();
    action->set_assessment(round.name());
    action->set_step_id(step);
    for (const auto& q : questions) action->add_question_ids(q);
    action->set_kind(acv1::Action::KIND_IMPROVEMENT);
    action->set_description(absl::StrCat("Improve ", step));
    action->set_intended_outcome("Children are safer");
    action->set_owner_organisation(Org(kLa));
    action->set_due_date("2026-03-31");
    return Invoke(actions_.get(), &acv1::ActionService::Stub::CreateAction, token, request,
                  created);
  }

  // One improvement action per step, covering each of its questions.
  void PlanAll(const av1::Assessment& round) {
    for (int step = 1; step <= 6; ++step) {
      std::vector<std::string> questions;
      for (int q = 1; q <= 4; ++q) questions.push_back(absl::StrCat("s", step, ".q", q));
      acv1::Action created;
      ASSERT_THAT(CreateAction(admin_, round, absl::StrCat("s", step), questions, &created),
                  IsOk());
    }
  }

  av1::Assessment Get(const std::string& name, const std::string& token = "") {
    av1::GetAssessmentRequest request;
    request.set_name(name);
    return Must(&AStub::GetAssessment, token.empty() ? admin_ : token, request);
  }

  av1::Assessment MustSubmit(const av1::Assessment& round) {
    av1::SubmitAssessmentForReviewRequest request;
    request.set_name(round.name());
    request.set_etag(Get(round.name()).etag());
    return Must(&AStub::SubmitAssessmentForReview, admin_, request);
  }

  grpc::Status Finalise(const std::string& token, const av1::Assessment& round,
                        av1::Assessment* finalised) {
    av1::FinaliseAssessmentRequest request;
    request.set_name(round.name());
    request.set_etag(Get(round.name()).etag());
    return Call(&AStub::FinaliseAssessment, token, request, finalised);
  }

  av1::CheckFinalisationResponse Check(const av1::Assessment& round) {
    av1::CheckFinalisationRequest request;
    request.set_name(round.name());
    return Must(&AStub::CheckFinalisation, admin_, request);
  }

  // A round with one respondent (the local authority, every question) that has answered
  // everything with `rating`, every question consolidated with `rating` (or overrides),
  // submitted for review. With `plan`, every question is covered by an action.
  av1::Assessment ReadyRound(av1::AssessmentKind kind, fv1::Rating rating, bool plan,
                             const std::map<std::string, fv1::Rating>& overrides = {},
                             const std::string& title = "2025 round") {
    av1::Assessment round = MustCreate(kind, admin_, title);
    av1::Respondent la = MustAddOrg(round, kLa);
    AnswerAll(respondent_[kLa], round, la, rating);
    round = MustSubmit(round);
    ConsolidateAll(round, rating, overrides);
    if (plan) PlanAll(round);
    return Get(round.name());
  }

  av1::Assessment MustFinalise(const av1::Assessment& round) {
    av1::Assessment finalised;
    EXPECT_THAT(Finalise(ReviewerOf(round), round, &finalised), IsOk());
    return finalised;
  }

  grpc::Status SetContext(const std::string& token, const av1::Assessment& round,
                          const std::string& question, const std::string& text,
                          const std::string& etag, av1::ContextAnswer* written) {
    av1::SetContextAnswerRequest request;
    request.mutable_context_answer()->set_name(
        absl::StrCat(round.name(), "/contextAnswers/", question));
    request.mutable_context_answer()->set_text(text);
    request.mutable_context_answer()->set_etag(etag);
    return Call(&AStub::SetContextAnswer, token, request, written);
  }

  std::vector<av1::ContextAnswer> ContextAnswers(const av1::Assessment& round) {
    av1::ListContextAnswersRequest request;
    request.set_parent(round.name());
    auto list = Must(&AStub::ListContextAnswers, admin_, request).context_answers();
    return {list.begin(), list.end()};
  }

  std::vector<av1::Revision> Revisions(const std::string& name) {
    av1::ListRevisionsRequest request;
    request.set_name(name);
    auto list = Must(&AStub::ListRevisions, admin_, request).revisions();
    return {list.begin(), list.end()};
  }

  std::vector<std::string> RevisionActions(const std::string& name) {
    std::vector<std::string> actions;
    for (const auto& r : Revisions(name)) actions.push_back(r.action());
    return actions;
  }

  av1::Response GetResponse(const std::string& name) {
    av1::GetResponseRequest request;
    request.set_name(name);
    return Must(&AStub::GetResponse, admin_, request);
  }

  std::vector<av1::Response> Responses(const av1::Assessment& round) {
    av1::ListResponsesRequest request;
    request.set_parent(round.name());
    auto list = Must(&AStub::ListResponses, admin_, request).responses();
    return {list.begin(), list.end()};
  }

  // Every change `token` can see after `after`, through ListChanges pages.
  std::vector<av1::Change> AllChanges(const std::string& token, int64_t after = 0,
                                      const std::string& partnership = "",
                                      int64_t* head = nullptr) {
    std::vector<av1::Change> changes;
    for (int page = 0; page < 1000; ++page) {
      av1::ListChangesRequest request;
      request.set_after_sequence(after);
      request.set_partnership(partnership);
      request.set_page_size(7);  // small pages, so paging is exercised
      av1::ListChangesResponse response = Must(&AStub::ListChanges, token, request);
      for (const auto& c : response.changes()) changes.push_back(c);
      EXPECT_GE(response.next_after_sequence(), after);
      if (response.next_after_sequence() == after) break;
      after = response.next_after_sequence();
    }
    if (head != nullptr) *head = after;
    return changes;
  }

  // The newest committed sequence, as the deployment administrator sees it.
  int64_t FeedHead() {
    int64_t head = 0;
    AllChanges(hub_->admin_token(), 0, "", &head);
    return head;
  }

  // Everything recorded about a round, and the feed's head: equal before and after a
  // refused request means the request changed nothing.
  std::string Fingerprint(const av1::Assessment& round) {
    std::string out;
    const std::string token = hub_->admin_token();
    {
      av1::GetAssessmentRequest r;
      r.set_name(round.name());
      absl::StrAppend(&out, Must(&AStub::GetAssessment, token, r).DebugString());
    }
    {
      av1::ListRespondentsRequest r;
      r.set_parent(round.name());
      absl::StrAppend(&out, Must(&AStub::ListRespondents, token, r).DebugString());
    }
    {
      av1::ListResponsesRequest r;
      r.set_parent(round.name());
      absl::StrAppend(&out, Must(&AStub::ListResponses, token, r).DebugString());
    }
    {
      av1::ListConsolidationsRequest r;
      r.set_parent(round.name());
      absl::StrAppend(&out, Must(&AStub::ListConsolidations, token, r).DebugString());
    }
    {
      av1::ListChallengesRequest r;
      r.set_parent(round.name());
      absl::StrAppend(&out, Must(&AStub::ListChallenges, token, r).DebugString());
    }
    {
      av1::ListContextAnswersRequest r;
      r.set_parent(round.name());
      absl::StrAppend(&out, Must(&AStub::ListContextAnswers, token, r).DebugString());
    }
    {
      av1::ListRevisionsRequest r;
      r.set_name(round.name());
      absl::StrAppend(&out, Must(&AStub::ListRevisions, token, r).DebugString());
    }
    absl::StrAppend(&out, "feed head ", FeedHead());
    return out;
  }

  std::unique_ptr<AStub> stub_;
  std::unique_ptr<acv1::ActionService::Stub> actions_;
};

}  // namespace sixsteps::testing::assessment_test
