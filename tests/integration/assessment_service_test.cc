// The assessment service end to end: identity, framework and assessment (with its action
// plans) in process on 127.0.0.1, each with its own real PostgreSQL database, called
// through the generated clients with the tokens of real users bound to real roles.
//
// The world of every test: region "north-east" with partnership "sunderland" and its
// three core partners (local authority, health, police) and one wider partner (a school);
// a partnership administrator, an independent scrutineer of the partnership, a partner
// respondent for each organisation, a hub administrator of the region, and a viewer of
// partnership "plymouth" in region "south-west" (who sees nothing of sunderland: every
// refusal to them is NOT_FOUND).
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
#include "tests/support/status_matchers.h"
#include "tests/support/test_hub.h"

namespace sixsteps::testing {
namespace {

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

constexpr char kBuiltIn[] = "frameworks/six-steps/versions/2019";
constexpr char kRegion[] = "north-east";
constexpr char kPartnershipId[] = "sunderland";
constexpr char kPartnership[] = "partnerships/sunderland";
constexpr char kOtherRegion[] = "south-west";
constexpr char kOtherPartnershipId[] = "plymouth";
constexpr char kOtherPartnership[] = "partnerships/plymouth";

// The organisations of sunderland, by id.
constexpr char kLa[] = "council";
constexpr char kHealth[] = "health";
constexpr char kPolice[] = "police";
constexpr char kSchool[] = "school";

std::string Org(const std::string& id) { return absl::StrCat(kPartnership, "/organisations/", id); }

// s1.q1 … s6.q4, in framework order.
std::vector<std::string> AllQuestions() {
  std::vector<std::string> questions;
  for (int step = 1; step <= 6; ++step) {
    for (int q = 1; q <= 4; ++q) questions.push_back(absl::StrCat("s", step, ".q", q));
  }
  return questions;
}

std::string StepOf(const std::string& question) { return question.substr(0, question.find('.')); }

std::string ResponseOf(const av1::Respondent& respondent, const std::string& question) {
  return absl::StrCat(respondent.name(), "/responses/", question);
}

// The "sub" claim of an access token: the user's principal ("users/…").
std::string PrincipalOf(const std::string& token) {
  std::vector<std::string> parts = absl::StrSplit(token, '.');
  std::string json;
  EXPECT_TRUE(absl::WebSafeBase64Unescape(parts.at(1), &json));
  return nlohmann::json::parse(json)["sub"].get<std::string>();
}

// An answer: `evidence` new items, remaining work if given.
av1::Response Answer(const std::string& name, fv1::Rating rating, int evidence,
                     const std::string& remaining_work = "", const std::string& commentary = "") {
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
av1::Response GoodAnswer(const std::string& name, fv1::Rating rating) {
  return Answer(name, rating, rating == fv1::RATING_RED ? 0 : 1,
                rating == fv1::RATING_AMBER ? "More joint audits" : "");
}

template <typename Stub, typename Request, typename Response>
using Rpc = grpc::Status (Stub::*)(grpc::ClientContext*, const Request&, Response*);

class AssessmentServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto hub = TestHub::Start("assessment");
    ASSERT_THAT(hub, IsOk());
    hub_ = std::move(*hub);
    stub_ = hub_->AssessmentStub();
    actions_ = hub_->ActionStub();

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
    absl::StatusOr<std::string> token = hub_->UserWithRoles(email, roles);
    EXPECT_THAT(token, IsOk()) << email;
    return token.ok() ? *token : std::string();
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

  std::unique_ptr<TestHub> hub_;
  std::unique_ptr<AStub> stub_;
  std::unique_ptr<acv1::ActionService::Stub> actions_;
  std::string admin_;
  std::string scrutineer_;
  std::string scrutineer_user_;
  std::map<std::string, std::string> respondent_;
  std::string hub_admin_;
  std::string outsider_;
};

// ---------------------------------------------------------------------------------------
// Rounds: creation against a published framework version, who may create, idempotency.

TEST_F(AssessmentServiceTest, CreatesARoundOfEachKindPinnedToAPublishedFrameworkVersion) {
  av1::Assessment scrutiny =
      MustCreate(av1::ASSESSMENT_KIND_INDEPENDENT_SCRUTINY, scrutineer_, "Scrutiny 2025");
  EXPECT_THAT(scrutiny.name(), ::testing::StartsWith("assessments/"));
  EXPECT_EQ(scrutiny.partnership(), kPartnership);
  EXPECT_EQ(scrutiny.region(), absl::StrCat("regions/", kRegion));
  EXPECT_EQ(scrutiny.framework_version(), kBuiltIn);
  EXPECT_EQ(scrutiny.state(), av1::Assessment::STATE_DRAFT);
  EXPECT_EQ(scrutiny.revision(), 1);
  EXPECT_EQ(scrutiny.creator(), scrutineer_user_);
  EXPECT_FALSE(scrutiny.etag().empty());
  EXPECT_TRUE(MessageDifferencer::Equals(Get(scrutiny.name()), scrutiny));

  av1::Assessment self = MustCreate(av1::ASSESSMENT_KIND_SELF_ASSESSMENT, admin_);
  av1::Assessment wider = MustCreate(av1::ASSESSMENT_KIND_WIDER_PARTNER_ASSESSMENT, hub_admin_);
  EXPECT_EQ(self.kind(), av1::ASSESSMENT_KIND_SELF_ASSESSMENT);
  EXPECT_EQ(wider.kind(), av1::ASSESSMENT_KIND_WIDER_PARTNER_ASSESSMENT);

  // Newest first, for anyone of the partnership; nothing for the outsider.
  av1::ListAssessmentsRequest list;
  list.set_partnership(kPartnership);
  av1::ListAssessmentsResponse listed = Must(&AStub::ListAssessments, respondent_[kPolice], list);
  ASSERT_EQ(listed.assessments_size(), 3);
  EXPECT_EQ(listed.assessments(0).name(), wider.name());
  EXPECT_EQ(listed.assessments(2).name(), scrutiny.name());
  EXPECT_THAT(Must(&AStub::ListAssessments, outsider_, av1::ListAssessmentsRequest()).assessments(),
              IsEmpty());

  // The history of the round starts with its creation.
  std::vector<av1::Revision> history = Revisions(scrutiny.name());
  ASSERT_EQ(history.size(), 1u);
  EXPECT_EQ(history[0].action(), "created");
  EXPECT_EQ(history[0].actor(), scrutineer_user_);
  EXPECT_EQ(history[0].assessment().name(), scrutiny.name());
}

TEST_F(AssessmentServiceTest, RefusesToCreateForTheWrongRoleOrAnUnseenPartnership) {
  const int64_t head = FeedHead();
  av1::Assessment out;
  // A partner respondent sees the partnership but does not set rounds up.
  EXPECT_THAT(Call(&AStub::CreateAssessment, respondent_[kLa],
                   NewRound(av1::ASSESSMENT_KIND_SELF_ASSESSMENT), &out),
              StatusIs(Code::kPermissionDenied));
  // The viewer of another partnership cannot tell sunderland exists.
  EXPECT_THAT(Call(&AStub::CreateAssessment, outsider_,
                   NewRound(av1::ASSESSMENT_KIND_SELF_ASSESSMENT), &out),
              StatusIs(Code::kNotFound));
  // Bad input.
  av1::CreateAssessmentRequest no_kind = NewRound(av1::ASSESSMENT_KIND_UNSPECIFIED);
  EXPECT_THAT(Call(&AStub::CreateAssessment, admin_, no_kind, &out),
              StatusIs(Code::kInvalidArgument, "kind"));
  av1::CreateAssessmentRequest backwards = NewRound(av1::ASSESSMENT_KIND_SELF_ASSESSMENT);
  backwards.mutable_assessment()->set_period_end("2025-03-31");
  EXPECT_THAT(Call(&AStub::CreateAssessment, admin_, backwards, &out),
              StatusIs(Code::kInvalidArgument, "period_end"));
  EXPECT_EQ(FeedHead(), head);
  EXPECT_THAT(Must(&AStub::ListAssessments, hub_->admin_token(), av1::ListAssessmentsRequest())
                  .assessments(),
              IsEmpty());
}

TEST_F(AssessmentServiceTest, RefusesAnUnknownOrUnpublishedFrameworkVersion) {
  const int64_t head = FeedHead();
  av1::Assessment out;
  EXPECT_THAT(Call(&AStub::CreateAssessment, admin_,
                   NewRound(av1::ASSESSMENT_KIND_SELF_ASSESSMENT, "t",
                            "frameworks/six-steps/versions/1999"),
                   &out),
              StatusIs(Code::kNotFound));
  EXPECT_THAT(Call(&AStub::CreateAssessment, admin_,
                   NewRound(av1::ASSESSMENT_KIND_SELF_ASSESSMENT, "t",
                            "frameworks/no-such-framework/versions/1"),
                   &out),
              StatusIs(Code::kNotFound));
  EXPECT_THAT(Call(&AStub::CreateAssessment, admin_,
                   NewRound(av1::ASSESSMENT_KIND_SELF_ASSESSMENT, "t", "six-steps-2019"), &out),
              StatusIs(Code::kInvalidArgument, "framework_version"));

  // A draft adapted from the built-in framework is not published yet.
  auto frameworks = hub_->FrameworkStub();
  fv1::AdaptFrameworkRequest adapt;
  adapt.set_source_version(kBuiltIn);
  adapt.set_framework_id("north-east-steps");
  adapt.set_display_name("North East steps");
  adapt.set_region(kRegion);
  fv1::AdaptFrameworkResponse adapted;
  ASSERT_THAT(Invoke(frameworks.get(), &fv1::FrameworkService::Stub::AdaptFramework,
                     hub_->admin_token(), adapt, &adapted),
              IsOk());
  ASSERT_EQ(adapted.version().state(), fv1::FrameworkVersion::STATE_DRAFT);
  EXPECT_THAT(
      Call(&AStub::CreateAssessment, hub_admin_,
           NewRound(av1::ASSESSMENT_KIND_SELF_ASSESSMENT, "t", adapted.version().name()), &out),
      StatusIs(Code::kFailedPrecondition));
  EXPECT_EQ(FeedHead(), head);

  // Published, it can be used; retired later, the round keeps it (pinned) and goes on.
  fv1::PublishFrameworkVersionRequest publish;
  publish.set_name(adapted.version().name());
  fv1::FrameworkVersion published;
  ASSERT_THAT(Invoke(frameworks.get(), &fv1::FrameworkService::Stub::PublishFrameworkVersion,
                     hub_->admin_token(), publish, &published),
              IsOk());
  av1::Assessment round;
  ASSERT_THAT(Call(&AStub::CreateAssessment, hub_admin_,
                   NewRound(av1::ASSESSMENT_KIND_SELF_ASSESSMENT, "t", published.name()), &round),
              IsOk());
  fv1::RetireFrameworkVersionRequest retire;
  retire.set_name(published.name());
  fv1::FrameworkVersion retired;
  ASSERT_THAT(Invoke(frameworks.get(), &fv1::FrameworkService::Stub::RetireFrameworkVersion,
                     hub_->admin_token(), retire, &retired),
              IsOk());
  EXPECT_THAT(Call(&AStub::CreateAssessment, hub_admin_,
                   NewRound(av1::ASSESSMENT_KIND_SELF_ASSESSMENT, "t2", published.name()), &out),
              StatusIs(Code::kFailedPrecondition));
  EXPECT_EQ(Get(round.name()).framework_version(), published.name());
  av1::Respondent la = MustAddOrg(round, kLa);
  MustUpsert(respondent_[kLa], GoodAnswer(ResponseOf(la, "s6.q4"), fv1::RATING_GREEN));
}

TEST_F(AssessmentServiceTest, RepeatingARequestIdReturnsTheFirstResultNeverADuplicate) {
  av1::CreateAssessmentRequest request = NewRound(av1::ASSESSMENT_KIND_SELF_ASSESSMENT);
  request.set_request_id("create-2025-round");
  av1::Assessment first = Must(&AStub::CreateAssessment, admin_, request);
  const int64_t head = FeedHead();
  av1::Assessment again = Must(&AStub::CreateAssessment, admin_, request);
  EXPECT_TRUE(MessageDifferencer::Equals(first, again)) << again.DebugString();
  EXPECT_EQ(FeedHead(), head);
  EXPECT_THAT(Must(&AStub::ListAssessments, admin_, av1::ListAssessmentsRequest()).assessments(),
              SizeIs(1));

  // The same id for a different request is refused, and creates nothing.
  av1::CreateAssessmentRequest different = request;
  different.mutable_assessment()->set_title("Another title");
  av1::Assessment out;
  EXPECT_THAT(Call(&AStub::CreateAssessment, admin_, different, &out),
              StatusIs(Code::kAlreadyExists));
  EXPECT_EQ(FeedHead(), head);
  EXPECT_THAT(Must(&AStub::ListAssessments, admin_, av1::ListAssessmentsRequest()).assessments(),
              SizeIs(1));

  // AddRespondent with a request id.
  av1::Respondent la1, la2, out_respondent;
  ASSERT_THAT(AddRespondent(admin_, first, OrgRespondent(kLa), &la1, "add-la"), IsOk());
  const int64_t head2 = FeedHead();
  ASSERT_THAT(AddRespondent(admin_, first, OrgRespondent(kLa), &la2, "add-la"), IsOk());
  EXPECT_TRUE(MessageDifferencer::Equals(la1, la2));
  EXPECT_THAT(AddRespondent(admin_, first, OrgRespondent(kHealth), &out_respondent, "add-la"),
              StatusIs(Code::kAlreadyExists));
  EXPECT_EQ(FeedHead(), head2);
  av1::ListRespondentsRequest respondents;
  respondents.set_parent(first.name());
  EXPECT_THAT(Must(&AStub::ListRespondents, admin_, respondents).respondents(), SizeIs(1));

  // RaiseChallenge with a request id.
  av1::Response answered =
      MustUpsert(respondent_[kLa], GoodAnswer(ResponseOf(la1, "s1.q1"), fv1::RATING_GREEN));
  MustSubmit(first);
  av1::RaiseChallengeRequest raise;
  raise.set_parent(first.name());
  raise.mutable_challenge()->set_response(answered.name());
  raise.mutable_challenge()->set_text("Which audit?");
  raise.set_request_id("challenge-1");
  av1::Challenge c1 = Must(&AStub::RaiseChallenge, admin_, raise);
  const int64_t head3 = FeedHead();
  av1::Challenge c2 = Must(&AStub::RaiseChallenge, admin_, raise);
  EXPECT_TRUE(MessageDifferencer::Equals(c1, c2));
  raise.mutable_challenge()->set_text("Which other audit?");
  av1::Challenge out_challenge;
  EXPECT_THAT(Call(&AStub::RaiseChallenge, admin_, raise, &out_challenge),
              StatusIs(Code::kAlreadyExists));
  EXPECT_EQ(FeedHead(), head3);
  av1::ListChallengesRequest challenges;
  challenges.set_parent(first.name());
  EXPECT_THAT(Must(&AStub::ListChallenges, admin_, challenges).challenges(), SizeIs(1));
}

TEST_F(AssessmentServiceTest, ConcurrentRepeatsOfACreateMakeOneRound) {
  // Two clients retrying the same create at the same moment: one round, and both get it
  // (not ALREADY_EXISTS, which means "this id was used for a different request").
  constexpr int kTries = 8;
  for (int attempt = 0; attempt < kTries; ++attempt) {
    av1::CreateAssessmentRequest request =
        NewRound(av1::ASSESSMENT_KIND_SELF_ASSESSMENT, absl::StrCat("Round ", attempt));
    request.set_request_id(absl::StrCat("retry-me-", attempt));
    std::atomic<int> ready{0};
    av1::Assessment results[2];
    grpc::Status statuses[2];
    std::vector<std::thread> threads;
    for (int i = 0; i < 2; ++i) {
      threads.emplace_back([&, i] {
        auto stub = hub_->AssessmentStub();
        ++ready;
        while (ready < 2) std::this_thread::yield();
        statuses[i] = Invoke(stub.get(), &AStub::CreateAssessment, admin_, request, &results[i]);
      });
    }
    for (auto& t : threads) t.join();
    ASSERT_THAT(statuses[0], IsOk()) << "attempt " << attempt;
    ASSERT_THAT(statuses[1], IsOk()) << "attempt " << attempt;
    EXPECT_TRUE(MessageDifferencer::Equals(results[0], results[1]));
  }
  EXPECT_THAT(Must(&AStub::ListAssessments, admin_, av1::ListAssessmentsRequest()).assessments(),
              SizeIs(kTries));
  EXPECT_EQ(FeedHead(), kTries);
}

TEST_F(AssessmentServiceTest, UpdatesTitleAndPeriodWithTheCurrentEtagOnly) {
  av1::Assessment round = MustCreate(av1::ASSESSMENT_KIND_SELF_ASSESSMENT, admin_);
  av1::UpdateAssessmentRequest update;
  *update.mutable_assessment() = round;
  update.mutable_assessment()->set_title("Renamed");
  update.mutable_update_mask()->add_paths("title");
  av1::Assessment renamed = Must(&AStub::UpdateAssessment, admin_, update);
  EXPECT_EQ(renamed.title(), "Renamed");
  EXPECT_NE(renamed.etag(), round.etag());

  const std::string before = Fingerprint(round);
  av1::Assessment out;
  // Issue #13 finding 16: a blind update (no etag) is refused and changes nothing.
  av1::UpdateAssessmentRequest blind = update;
  blind.mutable_assessment()->clear_etag();
  blind.mutable_assessment()->set_title("Blind");
  EXPECT_THAT(Call(&AStub::UpdateAssessment, admin_, blind, &out),
              StatusIs(Code::kInvalidArgument, "assessment.etag"));
  update.mutable_assessment()->set_title("Stale");  // still round's etag: stale
  EXPECT_THAT(Call(&AStub::UpdateAssessment, admin_, update, &out), StatusIs(Code::kAborted));
  update.mutable_assessment()->set_etag(renamed.etag());
  EXPECT_THAT(Call(&AStub::UpdateAssessment, respondent_[kLa], update, &out),
              StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(Call(&AStub::UpdateAssessment, outsider_, update, &out), StatusIs(Code::kNotFound));
  update.mutable_update_mask()->set_paths(0, "kind");
  EXPECT_THAT(Call(&AStub::UpdateAssessment, admin_, update, &out),
              StatusIs(Code::kInvalidArgument, "update_mask"));
  EXPECT_EQ(Fingerprint(round), before);

  // State changes check the etag too.
  av1::SubmitAssessmentForReviewRequest submit;
  submit.set_name(round.name());
  submit.set_etag(round.etag());
  EXPECT_THAT(Call(&AStub::SubmitAssessmentForReview, admin_, submit, &out),
              StatusIs(Code::kAborted));
  EXPECT_EQ(Fingerprint(round), before);
  EXPECT_THAT(RevisionActions(round.name()), ElementsAre("created", "updated"));
}

// ---------------------------------------------------------------------------------------
// Respondents and assignments.

TEST_F(AssessmentServiceTest, AddsRespondentsForAllOrSomeQuestions) {
  av1::Assessment round = MustCreate(av1::ASSESSMENT_KIND_INDEPENDENT_SCRUTINY, scrutineer_);
  av1::Respondent la = MustAddOrg(round, kLa);
  av1::Respondent health = MustAddOrg(round, kHealth, {"s2"});
  av1::Respondent police = MustAddOrg(round, kPolice, {}, {"s3.q1", "s5.q2"});
  av1::Respondent scrutineer = MustAddScrutineer(round);
  EXPECT_EQ(health.organisation(), Org(kHealth));
  EXPECT_THAT(health.step_ids(), ElementsAre("s2"));
  EXPECT_EQ(scrutineer.scrutineer(), scrutineer_user_);

  av1::ListRespondentsRequest list;
  list.set_parent(round.name());
  EXPECT_THAT(Must(&AStub::ListRespondents, respondent_[kSchool], list).respondents(), SizeIs(4));

  const std::string before = Fingerprint(round);
  av1::Respondent out;
  EXPECT_THAT(AddRespondent(admin_, round, OrgRespondent(kLa), &out),
              StatusIs(Code::kAlreadyExists));
  av1::Respondent foreign;
  foreign.set_organisation(absl::StrCat(kOtherPartnership, "/organisations/", kPolice));
  EXPECT_THAT(AddRespondent(admin_, round, foreign, &out),
              StatusIs(Code::kInvalidArgument, "organisation"));
  EXPECT_THAT(AddRespondent(admin_, round, OrgRespondent("no-such-org"), &out),
              StatusIs(Code::kNotFound));
  EXPECT_THAT(AddRespondent(admin_, round, OrgRespondent(kSchool, {"s9"}), &out),
              StatusIs(Code::kInvalidArgument, "step_ids"));
  EXPECT_THAT(AddRespondent(admin_, round, OrgRespondent(kSchool, {}, {"s1.q9"}), &out),
              StatusIs(Code::kInvalidArgument, "question_ids"));
  av1::Respondent both = OrgRespondent(kSchool);
  both.set_scrutineer(scrutineer_user_);
  EXPECT_THAT(AddRespondent(admin_, round, both, &out), StatusIs(Code::kInvalidArgument));
  av1::Respondent not_a_scrutineer;
  not_a_scrutineer.set_scrutineer(PrincipalOf(respondent_[kSchool]));
  EXPECT_THAT(AddRespondent(admin_, round, not_a_scrutineer, &out),
              StatusIs(Code::kFailedPrecondition));
  // Wrong role, and someone who cannot see the round.
  EXPECT_THAT(AddRespondent(respondent_[kSchool], round, OrgRespondent(kSchool), &out),
              StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(AddRespondent(outsider_, round, OrgRespondent(kSchool), &out),
              StatusIs(Code::kNotFound));
  EXPECT_EQ(Fingerprint(round), before);

  // A respondent that has answered stays; one that has not can be removed.
  MustUpsert(respondent_[kLa], GoodAnswer(ResponseOf(la, "s1.q1"), fv1::RATING_RED));
  av1::DeleteRespondentRequest remove;
  remove.set_name(la.name());
  google::protobuf::Empty empty;
  EXPECT_THAT(Call(&AStub::DeleteRespondent, admin_, remove, &empty),
              StatusIs(Code::kFailedPrecondition));
  remove.set_name(police.name());
  EXPECT_THAT(Call(&AStub::DeleteRespondent, respondent_[kPolice], remove, &empty),
              StatusIs(Code::kPermissionDenied));
  const int64_t head = FeedHead();
  EXPECT_THAT(Call(&AStub::DeleteRespondent, admin_, remove, &empty), IsOk());
  EXPECT_THAT(Must(&AStub::ListRespondents, admin_, list).respondents(), SizeIs(3));
  // The feed says so, so that readers of the feed (the reports) drop it too.
  std::vector<av1::Change> removal = AllChanges(hub_->admin_token(), head);
  ASSERT_THAT(removal, SizeIs(1));
  EXPECT_EQ(removal[0].kind(), av1::CHANGE_KIND_RESPONDENT_REMOVED);
  EXPECT_EQ(removal[0].respondent().name(), police.name());
  EXPECT_EQ(removal[0].assessment(), round.name());
  EXPECT_EQ(removal[0].actor(), PrincipalOf(admin_));
}

// ---------------------------------------------------------------------------------------
// Responses: the evidence rule, who answers what, etags, batches, races.

TEST_F(AssessmentServiceTest, GreenAndAmberNeedEvidenceAndAmberNeedsRemainingWork) {
  av1::Assessment round = MustCreate(av1::ASSESSMENT_KIND_SELF_ASSESSMENT, admin_);
  av1::Respondent la = MustAddOrg(round, kLa);
  const std::string q1 = ResponseOf(la, "s1.q1");
  const std::string token = respondent_[kLa];

  std::string before = Fingerprint(round);
  av1::Response out;
  EXPECT_THAT(Upsert(token, Answer(q1, fv1::RATING_GREEN, 0), &out),
              StatusIs(Code::kInvalidArgument, "response.evidence"));
  EXPECT_THAT(Upsert(token, Answer(q1, fv1::RATING_AMBER, 0, "More work"), &out),
              StatusIs(Code::kInvalidArgument, "response.evidence"));
  EXPECT_THAT(Upsert(token, Answer(q1, fv1::RATING_AMBER, 1, "   "), &out),
              StatusIs(Code::kInvalidArgument, "response.remaining_work"));
  av1::Response bad_link = Answer(q1, fv1::RATING_GREEN, 1);
  bad_link.mutable_evidence(0)->set_link("ftp://old.example/x");
  EXPECT_THAT(Upsert(token, bad_link, &out), StatusIs(Code::kInvalidArgument, "link"));
  av1::Response undescribed = Answer(q1, fv1::RATING_GREEN, 1);
  undescribed.mutable_evidence(0)->clear_description();
  EXPECT_THAT(Upsert(token, undescribed, &out), StatusIs(Code::kInvalidArgument, "description"));
  EXPECT_EQ(Fingerprint(round), before);

  // Red needs neither; Amber with both is fine; Green with evidence is fine.
  av1::Response red = MustUpsert(token, Answer(q1, fv1::RATING_RED, 0, "", "Not started"));
  EXPECT_EQ(red.rating(), fv1::RATING_RED);
  EXPECT_EQ(red.update_by(), PrincipalOf(token));
  av1::Response amber = Answer(q1, fv1::RATING_AMBER, 2, "Roll out to all teams");
  amber.set_etag(red.etag());
  amber = MustUpsert(token, amber);
  ASSERT_EQ(amber.evidence_size(), 2);
  EXPECT_EQ(amber.evidence(0).id(), "e1");
  EXPECT_EQ(amber.evidence(1).id(), "e2");
  EXPECT_EQ(amber.evidence(0).added_by(), PrincipalOf(token));
  EXPECT_TRUE(amber.evidence(0).has_add_time());
  EXPECT_EQ(amber.remaining_work(), "Roll out to all teams");

  // Keep e2 (sent back as read, but with an edited description and author: a kept item
  // stays exactly as it was added), drop e1, add one: ids are never reused.
  av1::Response green;
  green.set_name(q1);
  green.set_rating(fv1::RATING_GREEN);
  green.set_etag(amber.etag());
  *green.add_evidence() = amber.evidence(1);
  green.mutable_evidence(0)->set_description("Rewritten history");
  green.mutable_evidence(0)->set_added_by("users/someone-else");
  green.add_evidence()->set_description("Audit report 2025");
  green = MustUpsert(token, green);
  ASSERT_EQ(green.evidence_size(), 2);
  EXPECT_TRUE(MessageDifferencer::Equals(green.evidence(0), amber.evidence(1)));
  EXPECT_EQ(green.evidence(1).id(), "e3");

  // Removing the last evidence of a Green is refused; so is keeping an unknown item.
  before = Fingerprint(round);
  av1::Response bare;
  bare.set_name(q1);
  bare.set_rating(fv1::RATING_GREEN);
  bare.set_etag(green.etag());
  EXPECT_THAT(Upsert(token, bare, &out), StatusIs(Code::kInvalidArgument, "evidence"));
  *bare.add_evidence() = amber.evidence(0);  // e1, no longer there
  EXPECT_THAT(Upsert(token, bare, &out), StatusIs(Code::kInvalidArgument, "e1"));
  EXPECT_EQ(Fingerprint(round), before);

  // Every write is in the response's history.
  std::vector<av1::Revision> history = Revisions(q1);
  ASSERT_EQ(history.size(), 3u);
  EXPECT_EQ(history[0].action(), "created");
  EXPECT_EQ(history[0].response().rating(), fv1::RATING_RED);
  EXPECT_EQ(history[2].action(), "updated");
  EXPECT_TRUE(MessageDifferencer::Equals(history[2].response(), green));
  EXPECT_TRUE(MessageDifferencer::Equals(GetResponse(q1), green));
}

TEST_F(AssessmentServiceTest, ARespondentAnswersOnlyForItsOwnOrganisationAndAssignedQuestions) {
  av1::Assessment round = MustCreate(av1::ASSESSMENT_KIND_INDEPENDENT_SCRUTINY, scrutineer_);
  av1::Respondent la = MustAddOrg(round, kLa);
  av1::Respondent health = MustAddOrg(round, kHealth, {"s2"});
  av1::Respondent police = MustAddOrg(round, kPolice, {}, {"s3.q1"});
  av1::Respondent scrutineer = MustAddScrutineer(round);

  const std::string before = Fingerprint(round);
  av1::Response out;
  // Wrong organisation.
  EXPECT_THAT(
      Upsert(respondent_[kHealth], GoodAnswer(ResponseOf(la, "s2.q1"), fv1::RATING_RED), &out),
      StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(
      Upsert(respondent_[kSchool], GoodAnswer(ResponseOf(la, "s1.q1"), fv1::RATING_RED), &out),
      StatusIs(Code::kPermissionDenied));
  // Wrong role: administrators do not answer for organisations; nobody answers for the
  // scrutineer but the scrutineer.
  EXPECT_THAT(Upsert(admin_, GoodAnswer(ResponseOf(la, "s1.q1"), fv1::RATING_RED), &out),
              StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(Upsert(admin_, GoodAnswer(ResponseOf(scrutineer, "s1.q1"), fv1::RATING_RED), &out),
              StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(
      Upsert(respondent_[kLa], GoodAnswer(ResponseOf(scrutineer, "s1.q1"), fv1::RATING_RED), &out),
      StatusIs(Code::kPermissionDenied));
  // Unassigned questions.
  EXPECT_THAT(
      Upsert(respondent_[kHealth], GoodAnswer(ResponseOf(health, "s1.q1"), fv1::RATING_RED), &out),
      StatusIs(Code::kFailedPrecondition, "not assigned"));
  EXPECT_THAT(
      Upsert(respondent_[kPolice], GoodAnswer(ResponseOf(police, "s3.q2"), fv1::RATING_RED), &out),
      StatusIs(Code::kFailedPrecondition, "not assigned"));
  // No such question or respondent.
  EXPECT_THAT(Upsert(respondent_[kLa], GoodAnswer(ResponseOf(la, "s7.q1"), fv1::RATING_RED), &out),
              StatusIs(Code::kNotFound));
  EXPECT_THAT(Upsert(respondent_[kLa],
                     GoodAnswer(absl::StrCat(round.name(), "/respondents/r-nobody/responses/s1.q1"),
                                fv1::RATING_RED),
                     &out),
              StatusIs(Code::kNotFound));
  // Someone who cannot see the round.
  EXPECT_THAT(Upsert(outsider_, GoodAnswer(ResponseOf(la, "s1.q1"), fv1::RATING_RED), &out),
              StatusIs(Code::kNotFound));
  EXPECT_EQ(Fingerprint(round), before);

  // What they may do.
  MustUpsert(respondent_[kLa], GoodAnswer(ResponseOf(la, "s1.q1"), fv1::RATING_GREEN));
  MustUpsert(respondent_[kHealth], GoodAnswer(ResponseOf(health, "s2.q4"), fv1::RATING_AMBER));
  MustUpsert(respondent_[kPolice], GoodAnswer(ResponseOf(police, "s3.q1"), fv1::RATING_RED));
  MustUpsert(scrutineer_, GoodAnswer(ResponseOf(scrutineer, "s6.q4"), fv1::RATING_GREEN));
  EXPECT_THAT(Responses(round), SizeIs(4));

  // Reading is open to the partnership, and to nobody else.
  av1::GetResponseRequest get;
  get.set_name(ResponseOf(la, "s1.q1"));
  av1::Response read;
  EXPECT_THAT(Call(&AStub::GetResponse, respondent_[kSchool], get, &read), IsOk());
  EXPECT_THAT(Call(&AStub::GetResponse, outsider_, get, &read), StatusIs(Code::kNotFound));
}

TEST_F(AssessmentServiceTest, UpdatingAResponseNeedsTheEtagItWasBasedOn) {
  av1::Assessment round = MustCreate(av1::ASSESSMENT_KIND_SELF_ASSESSMENT, admin_);
  av1::Respondent la = MustAddOrg(round, kLa);
  const std::string name = ResponseOf(la, "s4.q2");
  const std::string token = respondent_[kLa];
  av1::Response first = MustUpsert(token, GoodAnswer(name, fv1::RATING_RED));
  av1::Response update = GoodAnswer(name, fv1::RATING_GREEN);
  update.set_etag(first.etag());
  av1::Response second = MustUpsert(token, update);
  EXPECT_NE(second.etag(), first.etag());

  const std::string before = Fingerprint(round);
  av1::Response out;
  av1::Response no_etag = GoodAnswer(name, fv1::RATING_AMBER);
  EXPECT_THAT(Upsert(token, no_etag, &out), StatusIs(Code::kAborted));
  av1::Response stale = GoodAnswer(name, fv1::RATING_AMBER);
  stale.set_etag(first.etag());
  EXPECT_THAT(Upsert(token, stale, &out), StatusIs(Code::kAborted));
  // The same in a batch.
  av1::BatchUpsertResponsesResponse batch_out;
  EXPECT_THAT(Batch(token, round, {stale}, &batch_out), StatusIs(Code::kAborted));
  EXPECT_EQ(Fingerprint(round), before);
  EXPECT_TRUE(MessageDifferencer::Equals(GetResponse(name), second));
}

TEST_F(AssessmentServiceTest, ABatchThatFailsHalfWayWritesNothing) {
  av1::Assessment round = MustCreate(av1::ASSESSMENT_KIND_SELF_ASSESSMENT, admin_);
  av1::Respondent la = MustAddOrg(round, kLa);
  av1::Respondent health = MustAddOrg(round, kHealth);
  const std::string token = respondent_[kLa];
  av1::Response existing = MustUpsert(token, GoodAnswer(ResponseOf(la, "s1.q4"), fv1::RATING_RED));
  av1::Response existing_update = GoodAnswer(ResponseOf(la, "s1.q4"), fv1::RATING_GREEN);
  existing_update.set_etag(existing.etag());

  const std::string before = Fingerprint(round);
  av1::BatchUpsertResponsesResponse out;
  // The third item breaks the evidence rule: the first two (and the update) are not kept.
  EXPECT_THAT(Batch(token, round,
                    {GoodAnswer(ResponseOf(la, "s1.q1"), fv1::RATING_GREEN), existing_update,
                     Answer(ResponseOf(la, "s1.q2"), fv1::RATING_GREEN, 0),
                     GoodAnswer(ResponseOf(la, "s1.q3"), fv1::RATING_AMBER)},
                    &out),
              StatusIs(Code::kInvalidArgument, "requests[2]"));
  // The last item is another organisation's.
  EXPECT_THAT(Batch(token, round,
                    {GoodAnswer(ResponseOf(la, "s1.q1"), fv1::RATING_GREEN),
                     GoodAnswer(ResponseOf(la, "s1.q2"), fv1::RATING_GREEN),
                     GoodAnswer(ResponseOf(health, "s1.q1"), fv1::RATING_GREEN)},
                    &out),
              StatusIs(Code::kPermissionDenied));
  // The same response twice, or a response of another round.
  EXPECT_THAT(Batch(token, round,
                    {GoodAnswer(ResponseOf(la, "s1.q1"), fv1::RATING_GREEN),
                     GoodAnswer(ResponseOf(la, "s1.q1"), fv1::RATING_RED)},
                    &out),
              StatusIs(Code::kInvalidArgument, "twice"));
  EXPECT_EQ(Fingerprint(round), before);
  EXPECT_TRUE(MessageDifferencer::Equals(GetResponse(existing.name()), existing));

  // A good batch writes everything, one change each, in order.
  const int64_t head = FeedHead();
  ASSERT_THAT(Batch(token, round,
                    {GoodAnswer(ResponseOf(la, "s1.q1"), fv1::RATING_GREEN), existing_update,
                     GoodAnswer(ResponseOf(la, "s1.q2"), fv1::RATING_RED),
                     GoodAnswer(ResponseOf(la, "s1.q3"), fv1::RATING_AMBER)},
                    &out),
              IsOk());
  ASSERT_EQ(out.responses_size(), 4);
  EXPECT_THAT(Responses(round), SizeIs(4));
  std::vector<av1::Change> changes = AllChanges(admin_, head);
  ASSERT_EQ(changes.size(), 4u);
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(changes[i].sequence(), head + 1 + i);
    EXPECT_EQ(changes[i].kind(), av1::CHANGE_KIND_RESPONSE_CHANGED);
    EXPECT_TRUE(MessageDifferencer::Equals(changes[i].response(), out.responses(i)));
  }
}

// Two clients upsert the same response from the same etag: exactly one wins.
TEST_F(AssessmentServiceTest, TwoClientsRacingOnTheSameResponse) {
  av1::Assessment round = MustCreate(av1::ASSESSMENT_KIND_SELF_ASSESSMENT, admin_);
  av1::Respondent la = MustAddOrg(round, kLa);
  const std::string token = respondent_[kLa];
  for (const std::string& question : {"s2.q1", "s2.q2", "s2.q3", "s2.q4", "s3.q1"}) {
    const std::string name = ResponseOf(la, question);
    av1::Response base = MustUpsert(token, GoodAnswer(name, fv1::RATING_RED));
    av1::Response a = GoodAnswer(name, fv1::RATING_GREEN);
    a.set_commentary("client A");
    a.set_etag(base.etag());
    av1::Response b = GoodAnswer(name, fv1::RATING_AMBER);
    b.set_commentary("client B");
    b.set_etag(base.etag());

    std::atomic<int> ready{0};
    av1::Response written[2];
    grpc::Status status[2];
    auto client = [&](int i, const av1::Response& request) {
      auto stub = hub_->AssessmentStub();  // each client on its own channel
      ++ready;
      while (ready < 2) std::this_thread::yield();
      av1::UpsertResponseRequest upsert;
      *upsert.mutable_response() = request;
      status[i] = Invoke(stub.get(), &AStub::UpsertResponse, token, upsert, &written[i]);
    };
    std::thread ta(client, 0, a);
    std::thread tb(client, 1, b);
    ta.join();
    tb.join();

    const int winners = status[0].ok() + status[1].ok();
    ASSERT_EQ(winners, 1) << question << ": " << status[0].error_message() << " / "
                          << status[1].error_message();
    const int winner = status[0].ok() ? 0 : 1;
    EXPECT_THAT(status[1 - winner], StatusIs(Code::kAborted));
    av1::Response stored = GetResponse(name);
    EXPECT_TRUE(MessageDifferencer::Equals(stored, written[winner])) << stored.DebugString();
    EXPECT_EQ(stored.commentary(), winner == 0 ? "client A" : "client B");
    EXPECT_THAT(Revisions(name), SizeIs(2));
  }
}

// Two clients both create the same, not yet existing response: the second must not
// silently overwrite the first (it had no etag to base a change on).
TEST_F(AssessmentServiceTest, TwoClientsRacingToCreateTheSameResponse) {
  av1::Assessment round = MustCreate(av1::ASSESSMENT_KIND_SELF_ASSESSMENT, admin_);
  av1::Respondent la = MustAddOrg(round, kLa);
  const std::string token = respondent_[kLa];
  for (const std::string& question : AllQuestions()) {
    const std::string name = ResponseOf(la, question);
    std::atomic<int> ready{0};
    av1::Response written[2];
    grpc::Status status[2];
    auto client = [&](int i) {
      auto stub = hub_->AssessmentStub();
      av1::UpsertResponseRequest upsert;
      *upsert.mutable_response() = GoodAnswer(name, i == 0 ? fv1::RATING_GREEN : fv1::RATING_RED);
      ++ready;
      while (ready < 2) std::this_thread::yield();
      status[i] = Invoke(stub.get(), &AStub::UpsertResponse, token, upsert, &written[i]);
    };
    std::thread ta(client, 0);
    std::thread tb(client, 1);
    ta.join();
    tb.join();
    ASSERT_EQ(status[0].ok() + status[1].ok(), 1)
        << question << ": both clients were told they created " << name;
    const int winner = status[0].ok() ? 0 : 1;
    EXPECT_THAT(status[1 - winner], StatusIs(Code::kAborted));
    EXPECT_TRUE(MessageDifferencer::Equals(GetResponse(name), written[winner]));
    EXPECT_THAT(Revisions(name), SizeIs(1));
  }
}

// The same for the partnership's context answers: two first answers at once, one wins.
TEST_F(AssessmentServiceTest, TwoClientsRacingToAnswerTheSameContextQuestion) {
  av1::Assessment round = MustCreate(av1::ASSESSMENT_KIND_INDEPENDENT_SCRUTINY, admin_);
  for (int c = 1; c <= 18; ++c) {
    const std::string question = absl::StrCat("c", c);
    std::atomic<int> ready{0};
    av1::ContextAnswer written[2];
    grpc::Status status[2];
    const std::string tokens[2] = {admin_, scrutineer_};
    auto client = [&](int i) {
      auto stub = hub_->AssessmentStub();
      av1::SetContextAnswerRequest request;
      request.mutable_context_answer()->set_name(
          absl::StrCat(round.name(), "/contextAnswers/", question));
      request.mutable_context_answer()->set_text(absl::StrCat("Answer from client ", i));
      ++ready;
      while (ready < 2) std::this_thread::yield();
      status[i] = Invoke(stub.get(), &AStub::SetContextAnswer, tokens[i], request, &written[i]);
    };
    std::thread ta(client, 0);
    std::thread tb(client, 1);
    ta.join();
    tb.join();
    ASSERT_EQ(status[0].ok() + status[1].ok(), 1) << question;
    const int winner = status[0].ok() ? 0 : 1;
    EXPECT_THAT(status[1 - winner], StatusIs(Code::kAborted));
    std::vector<av1::ContextAnswer> answers = ContextAnswers(round);
    ASSERT_EQ(answers.size(), static_cast<size_t>(c));
    bool found = false;
    for (const auto& a : answers) {
      if (a.context_question_id() == question) {
        found = true;
        EXPECT_TRUE(MessageDifferencer::Equals(a, written[winner]));
      }
    }
    EXPECT_TRUE(found);
  }
}

// ---------------------------------------------------------------------------------------
// Consolidation, divergence and challenges.

TEST_F(AssessmentServiceTest, ConsolidationWaitsForEveryAssignedRespondentAndTheRightReviewer) {
  av1::Assessment round = MustCreate(av1::ASSESSMENT_KIND_INDEPENDENT_SCRUTINY, scrutineer_);
  av1::Consolidation out;
  EXPECT_THAT(Consolidate(scrutineer_, round, "s1.q1", fv1::RATING_RED, &out),
              StatusIs(Code::kFailedPrecondition, "no respondents"));
  av1::Respondent la = MustAddOrg(round, kLa);
  av1::Respondent health = MustAddOrg(round, kHealth, {"s1"});
  av1::Respondent police = MustAddOrg(round, kPolice, {"s2"});
  MustUpsert(respondent_[kLa], GoodAnswer(ResponseOf(la, "s1.q1"), fv1::RATING_GREEN));

  const std::string before = Fingerprint(round);
  // Health has not rated s1.q1 yet; the police are not asked about it.
  EXPECT_THAT(Consolidate(scrutineer_, round, "s1.q1", fv1::RATING_GREEN, &out),
              StatusIs(Code::kFailedPrecondition, health.name()));
  EXPECT_THAT(Consolidate(scrutineer_, round, "s1.q1", fv1::RATING_GREEN, &out).error_message(),
              Not(HasSubstr(police.name())));
  MustUpsert(respondent_[kHealth], GoodAnswer(ResponseOf(health, "s1.q1"), fv1::RATING_RED));
  const std::string before2 = Fingerprint(round);
  // In an independent scrutiny only the scrutineer consolidates.
  EXPECT_THAT(Consolidate(admin_, round, "s1.q1", fv1::RATING_GREEN, &out),
              StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(Consolidate(hub_admin_, round, "s1.q1", fv1::RATING_GREEN, &out),
              StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(Consolidate(respondent_[kLa], round, "s1.q1", fv1::RATING_GREEN, &out),
              StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(Consolidate(outsider_, round, "s1.q1", fv1::RATING_GREEN, &out),
              StatusIs(Code::kNotFound));
  EXPECT_THAT(Consolidate(scrutineer_, round, "s1.q1", fv1::RATING_UNSPECIFIED, &out),
              StatusIs(Code::kInvalidArgument, "rating"));
  EXPECT_THAT(Consolidate(scrutineer_, round, "s1.q1", fv1::RATING_AMBER, &out, "", " "),
              StatusIs(Code::kInvalidArgument, "remaining_work"));
  EXPECT_THAT(Consolidate(scrutineer_, round, "s9.q1", fv1::RATING_RED, &out),
              StatusIs(Code::kNotFound));
  EXPECT_EQ(Fingerprint(round), before2);

  av1::Consolidation first;
  ASSERT_THAT(Consolidate(scrutineer_, round, "s1.q1", fv1::RATING_AMBER, &first), IsOk());
  EXPECT_EQ(first.name(), absl::StrCat(round.name(), "/consolidations/s1.q1"));
  EXPECT_EQ(first.update_by(), scrutineer_user_);
  av1::Consolidation second;
  EXPECT_THAT(Consolidate(scrutineer_, round, "s1.q1", fv1::RATING_GREEN, &second, "999"),
              StatusIs(Code::kAborted));
  ASSERT_THAT(Consolidate(scrutineer_, round, "s1.q1", fv1::RATING_GREEN, &second, first.etag()),
              IsOk());
  EXPECT_THAT(RevisionActions(second.name()), ElementsAre("created", "updated"));

  // A Green with no evidence anywhere (the only response to s2.q1 is a Red without any).
  MustUpsert(respondent_[kLa], GoodAnswer(ResponseOf(la, "s2.q1"), fv1::RATING_RED));
  MustUpsert(respondent_[kPolice], GoodAnswer(ResponseOf(police, "s2.q1"), fv1::RATING_RED));
  EXPECT_THAT(Consolidate(scrutineer_, round, "s2.q1", fv1::RATING_GREEN, &out),
              StatusIs(Code::kInvalidArgument, "evidence"));

  // In the partners' own assessment, the partnership administrator consolidates.
  av1::Assessment self = MustCreate(av1::ASSESSMENT_KIND_SELF_ASSESSMENT, admin_);
  av1::Respondent self_la = MustAddOrg(self, kLa);
  MustUpsert(respondent_[kLa], GoodAnswer(ResponseOf(self_la, "s1.q1"), fv1::RATING_GREEN));
  EXPECT_THAT(Consolidate(scrutineer_, self, "s1.q1", fv1::RATING_GREEN, &out),
              StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(Consolidate(admin_, self, "s1.q1", fv1::RATING_GREEN, &out), IsOk());
}

TEST_F(AssessmentServiceTest, ABatchConsolidatesAWholeRoundOrNothing) {
  av1::Assessment round = MustCreate(av1::ASSESSMENT_KIND_INDEPENDENT_SCRUTINY, scrutineer_);
  av1::Respondent la = MustAddOrg(round, kLa);
  AnswerAll(respondent_[kLa], round, la, fv1::RATING_AMBER);
  std::map<std::string, fv1::Rating> ratings;
  for (const auto& q : AllQuestions()) ratings[q] = fv1::RATING_AMBER;
  av1::BatchConsolidateQuestionsResponse out;

  // Refused as a whole, changing nothing: one bad item anywhere in the batch.
  const std::string before = Fingerprint(round);
  auto bad = ratings;
  bad["s6.q4"] = fv1::RATING_UNSPECIFIED;
  EXPECT_THAT(BatchConsolidate(scrutineer_, round, bad, &out),
              StatusIs(Code::kInvalidArgument, "requests[23].consolidation.rating"));
  bad = ratings;
  bad["s9.q9"] = fv1::RATING_RED;  // not a question of the framework: found inside the round
  EXPECT_THAT(BatchConsolidate(scrutineer_, round, bad, &out), StatusIs(Code::kNotFound, "s9.q9"));
  EXPECT_THAT(BatchConsolidate(scrutineer_, round, {}, &out),
              StatusIs(Code::kInvalidArgument, "requests"));
  EXPECT_THAT(BatchConsolidate(admin_, round, ratings, &out), StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(BatchConsolidate(outsider_, round, ratings, &out), StatusIs(Code::kNotFound));
  {
    av1::BatchConsolidateQuestionsRequest twice;
    twice.set_parent(round.name());
    for (int i = 0; i < 2; ++i) {
      av1::Consolidation* c = twice.add_requests()->mutable_consolidation();
      c->set_question_id("s1.q1");
      c->set_rating(fv1::RATING_RED);
      c->set_rationale("Seen the evidence");
    }
    EXPECT_THAT(Call(&AStub::BatchConsolidateQuestions, scrutineer_, twice, &out),
                StatusIs(Code::kInvalidArgument, "appears twice"));
    twice.mutable_requests(1)->mutable_consolidation()->set_question_id("s1.q2");
    twice.mutable_requests(1)->set_parent("assessments/a-elsewhere");
    EXPECT_THAT(Call(&AStub::BatchConsolidateQuestions, scrutineer_, twice, &out),
                StatusIs(Code::kInvalidArgument, "requests[1].parent"));
  }
  EXPECT_EQ(Fingerprint(round), before);

  const int64_t head = FeedHead();
  ASSERT_THAT(BatchConsolidate(scrutineer_, round, ratings, &out), IsOk());
  ASSERT_EQ(out.consolidations_size(), 24);
  EXPECT_EQ(out.consolidations(0).name(), absl::StrCat(round.name(), "/consolidations/s1.q1"));
  EXPECT_EQ(out.consolidations(0).update_by(), scrutineer_user_);
  EXPECT_FALSE(out.consolidations(0).etag().empty());
  av1::ListConsolidationsRequest list;
  list.set_parent(round.name());
  EXPECT_EQ(Must(&AStub::ListConsolidations, admin_, list).consolidations_size(), 24);
  // One feed entry per consolidation, numbered on from the head without a gap.
  std::vector<av1::Change> changes = AllChanges(hub_->admin_token(), head);
  ASSERT_EQ(changes.size(), 24u);
  EXPECT_EQ(changes.front().sequence(), head + 1);
  EXPECT_EQ(changes.back().sequence(), head + 24);
  EXPECT_EQ(changes.back().consolidation().question_id(), "s6.q4");

  // Replacing checks each one's etag, as ConsolidateQuestion does.
  av1::Consolidation replaced;
  EXPECT_THAT(Consolidate(scrutineer_, round, "s1.q1", fv1::RATING_RED, &replaced, "999"),
              StatusIs(Code::kAborted));
  // Issue #13 finding 16: replacing one without its etag (a blind overwrite) is refused too.
  EXPECT_THAT(Consolidate(scrutineer_, round, "s1.q1", fv1::RATING_RED, &replaced),
              StatusIs(Code::kAborted, "already exists"));
  av1::BatchConsolidateQuestionsRequest stale;
  stale.set_parent(round.name());
  *stale.add_requests()->mutable_consolidation() = out.consolidations(1);
  *stale.add_requests()->mutable_consolidation() = out.consolidations(0);
  stale.mutable_requests(1)->mutable_consolidation()->set_etag("999");
  EXPECT_THAT(Call(&AStub::BatchConsolidateQuestions, scrutineer_, stale, &out),
              StatusIs(Code::kAborted));
  EXPECT_THAT(RevisionActions(out.consolidations(1).name()), ElementsAre("created"));
}

TEST_F(AssessmentServiceTest, DivergenceBetweenRespondents) {
  av1::Assessment round = MustCreate(av1::ASSESSMENT_KIND_SELF_ASSESSMENT, admin_);
  av1::Respondent la = MustAddOrg(round, kLa);
  av1::Respondent health = MustAddOrg(round, kHealth);
  av1::Respondent police = MustAddOrg(round, kPolice);
  auto rate = [&](const av1::Respondent& r, const std::string& org, const std::string& q,
                  fv1::Rating rating) {
    MustUpsert(respondent_[org], GoodAnswer(ResponseOf(r, q), rating));
  };
  rate(la, kLa, "s1.q1", fv1::RATING_GREEN);
  rate(health, kHealth, "s1.q1", fv1::RATING_RED);
  rate(police, kPolice, "s1.q1", fv1::RATING_AMBER);
  rate(la, kLa, "s1.q2", fv1::RATING_GREEN);
  rate(health, kHealth, "s1.q2", fv1::RATING_AMBER);
  rate(la, kLa, "s1.q3", fv1::RATING_AMBER);
  rate(health, kHealth, "s1.q3", fv1::RATING_AMBER);

  av1::GetDivergenceRequest request;
  request.set_name(round.name());
  av1::GetDivergenceResponse divergence =
      Must(&AStub::GetDivergence, respondent_[kPolice], request);
  ASSERT_EQ(divergence.questions_size(), 24);
  std::map<std::string, av1::QuestionDivergence> by_question;
  for (const auto& q : divergence.questions()) by_question[q.question_id()] = q;
  EXPECT_TRUE(by_question["s1.q1"].divergent());
  EXPECT_TRUE(by_question["s1.q1"].severe());
  EXPECT_EQ(by_question["s1.q1"].ratings().at(la.name()), fv1::RATING_GREEN);
  EXPECT_EQ(by_question["s1.q1"].ratings().at(health.name()), fv1::RATING_RED);
  EXPECT_EQ(by_question["s1.q1"].ratings_size(), 3);
  EXPECT_TRUE(by_question["s1.q2"].divergent());
  EXPECT_FALSE(by_question["s1.q2"].severe());
  EXPECT_FALSE(by_question["s1.q3"].divergent());
  EXPECT_FALSE(by_question["s1.q4"].divergent());
  EXPECT_EQ(by_question["s1.q4"].ratings_size(), 0);
  EXPECT_TRUE(divergence.self_assessment().empty());

  av1::GetDivergenceResponse out;
  EXPECT_THAT(Call(&AStub::GetDivergence, outsider_, request, &out), StatusIs(Code::kNotFound));
}

TEST_F(AssessmentServiceTest, DivergenceFromTheLatestFinalisedSelfAssessment) {
  // The partners said Green for s1.q1 and s1.q2 and finalised that.
  av1::Assessment self = ReadyRound(av1::ASSESSMENT_KIND_SELF_ASSESSMENT, fv1::RATING_GREEN, true);
  MustFinalise(self);

  // The scrutineer finds s1.q1 Red and agrees on s1.q2.
  av1::Assessment scrutiny = ReadyRound(av1::ASSESSMENT_KIND_INDEPENDENT_SCRUTINY,
                                        fv1::RATING_GREEN, false, {{"s1.q1", fv1::RATING_RED}});
  av1::GetDivergenceRequest request;
  request.set_name(scrutiny.name());
  av1::GetDivergenceResponse divergence = Must(&AStub::GetDivergence, scrutineer_, request);
  EXPECT_EQ(divergence.self_assessment(), self.name());
  std::map<std::string, av1::QuestionDivergence> by_question;
  for (const auto& q : divergence.questions()) by_question[q.question_id()] = q;
  EXPECT_EQ(by_question["s1.q1"].self_assessment_rating(), fv1::RATING_GREEN);
  EXPECT_TRUE(by_question["s1.q1"].self_assessment_severe());
  EXPECT_EQ(by_question["s1.q2"].self_assessment_rating(), fv1::RATING_GREEN);
  EXPECT_FALSE(by_question["s1.q2"].self_assessment_severe());
  // One respondent: no divergence between respondents.
  EXPECT_FALSE(by_question["s1.q1"].divergent());

  // A self-assessment is not compared against itself or another self-assessment.
  request.set_name(self.name());
  EXPECT_TRUE(Must(&AStub::GetDivergence, admin_, request).self_assessment().empty());
}

TEST_F(AssessmentServiceTest, ChallengesAreRaisedAnsweredAndClosedAndOpenOnesBlockFinalisation) {
  av1::Assessment round =
      ReadyRound(av1::ASSESSMENT_KIND_INDEPENDENT_SCRUTINY, fv1::RATING_GREEN, true);
  av1::ListRespondentsRequest list;
  list.set_parent(round.name());
  av1::Respondent la = Must(&AStub::ListRespondents, admin_, list).respondents(0);
  const std::string target = ResponseOf(la, "s3.q2");

  av1::RaiseChallengeRequest raise;
  raise.set_parent(round.name());
  raise.mutable_challenge()->set_response(target);
  raise.mutable_challenge()->set_text("Is the audit from this period?");
  const std::string before = Fingerprint(round);
  av1::Challenge out;
  EXPECT_THAT(Call(&AStub::RaiseChallenge, respondent_[kLa], raise, &out),
              StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(Call(&AStub::RaiseChallenge, admin_, raise, &out), StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(Call(&AStub::RaiseChallenge, outsider_, raise, &out), StatusIs(Code::kNotFound));
  av1::RaiseChallengeRequest missing = raise;
  missing.mutable_challenge()->set_response(ResponseOf(la, "s9.q9"));
  EXPECT_THAT(Call(&AStub::RaiseChallenge, scrutineer_, missing, &out), StatusIs(Code::kNotFound));
  EXPECT_EQ(Fingerprint(round), before);

  av1::Challenge challenge = Must(&AStub::RaiseChallenge, scrutineer_, raise);
  EXPECT_EQ(challenge.state(), av1::Challenge::STATE_OPEN);
  EXPECT_EQ(challenge.raised_by(), scrutineer_user_);
  EXPECT_EQ(challenge.question_id(), "s3.q2");

  auto missing_lines = [&] {
    auto missing = Check(round).missing();
    return std::vector<std::string>(missing.begin(), missing.end());
  };
  EXPECT_THAT(missing_lines(), ElementsAre("1 challenge(s) not closed"));
  av1::Assessment finalised;
  EXPECT_THAT(Finalise(scrutineer_, round, &finalised),
              StatusIs(Code::kFailedPrecondition, "1 challenge(s) not closed"));

  // Only the respondent's organisation answers.
  av1::AnswerChallengeRequest answer;
  answer.set_name(challenge.name());
  answer.set_answer("Yes: March 2025");
  // Issue #13 finding 16: without the etag it is based on, an answer is refused.
  EXPECT_THAT(Call(&AStub::AnswerChallenge, respondent_[kLa], answer, &out),
              StatusIs(Code::kInvalidArgument, "etag"));
  answer.set_etag(challenge.etag());
  EXPECT_THAT(Call(&AStub::AnswerChallenge, respondent_[kHealth], answer, &out),
              StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(Call(&AStub::AnswerChallenge, scrutineer_, answer, &out),
              StatusIs(Code::kPermissionDenied));
  answer.set_etag("999");
  EXPECT_THAT(Call(&AStub::AnswerChallenge, respondent_[kLa], answer, &out),
              StatusIs(Code::kAborted));
  answer.set_etag(challenge.etag());
  av1::Challenge answered = Must(&AStub::AnswerChallenge, respondent_[kLa], answer);
  EXPECT_EQ(answered.state(), av1::Challenge::STATE_ANSWERED);
  EXPECT_EQ(answered.answered_by(), PrincipalOf(respondent_[kLa]));
  EXPECT_THAT(Call(&AStub::AnswerChallenge, respondent_[kLa], answer, &out),
              StatusIs(Code::kAborted));
  // Answered is not closed.
  EXPECT_THAT(missing_lines(), ElementsAre("1 challenge(s) not closed"));

  av1::CloseChallengeRequest close;
  close.set_name(challenge.name());
  // A blind close (no etag) is refused: the answer may not have been read.
  EXPECT_THAT(Call(&AStub::CloseChallenge, scrutineer_, close, &out),
              StatusIs(Code::kInvalidArgument, "etag"));
  close.set_etag(challenge.etag());  // read before the answer: stale
  EXPECT_THAT(Call(&AStub::CloseChallenge, scrutineer_, close, &out), StatusIs(Code::kAborted));
  close.set_etag(answered.etag());
  EXPECT_THAT(Call(&AStub::CloseChallenge, respondent_[kLa], close, &out),
              StatusIs(Code::kPermissionDenied));
  av1::Challenge closed = Must(&AStub::CloseChallenge, scrutineer_, close);
  EXPECT_EQ(closed.state(), av1::Challenge::STATE_CLOSED);
  EXPECT_EQ(closed.closed_by(), scrutineer_user_);
  close.set_etag(closed.etag());
  EXPECT_THAT(Call(&AStub::CloseChallenge, scrutineer_, close, &out),
              StatusIs(Code::kFailedPrecondition, "already closed"));

  EXPECT_TRUE(Check(round).ready());
  EXPECT_THAT(missing_lines(), IsEmpty());
  av1::Assessment done = MustFinalise(round);
  EXPECT_EQ(done.state(), av1::Assessment::STATE_FINALISED);

  // The feed saw raise, answer and close.
  std::vector<av1::ChangeKind> kinds;
  for (const auto& c : AllChanges(admin_)) {
    if (c.has_challenge()) kinds.push_back(c.kind());
  }
  EXPECT_THAT(kinds,
              ElementsAre(av1::CHANGE_KIND_CHALLENGE_RAISED, av1::CHANGE_KIND_CHALLENGE_ANSWERED,
                          av1::CHANGE_KIND_CHALLENGE_CLOSED));
}

// ---------------------------------------------------------------------------------------
// Lifecycle and finalisation.

TEST_F(AssessmentServiceTest, FinalisationListsWhatIsMissing) {
  av1::Assessment round = MustCreate(av1::ASSESSMENT_KIND_SELF_ASSESSMENT, admin_);
  av1::CheckFinalisationResponse draft = Check(round);
  EXPECT_FALSE(draft.ready());
  // A draft, and for each question: no consolidated rating, no action plan entry.
  ASSERT_EQ(draft.missing_size(), 1 + 24 * 2);
  EXPECT_EQ(draft.missing(0), "the round is a draft: submit it for review first");
  EXPECT_EQ(draft.missing(1), "s1.q1: no consolidated rating");
  EXPECT_EQ(draft.missing(2), "s1.q1: no action plan entry covers it");
  av1::Assessment out;
  EXPECT_THAT(Finalise(admin_, round, &out), StatusIs(Code::kFailedPrecondition));

  av1::Respondent la = MustAddOrg(round, kLa);
  AnswerAll(respondent_[kLa], round, la, fv1::RATING_RED);
  round = MustSubmit(round);
  EXPECT_EQ(round.state(), av1::Assessment::STATE_IN_REVIEW);
  // Consolidate everything; s2.q2 Green (the responses are Red, without evidence), which
  // breaks the evidence rule only if it got through — it must not.
  ConsolidateAll(round, fv1::RATING_RED);
  std::string s2q2_etag;
  {
    av1::ListConsolidationsRequest list;
    list.set_parent(round.name());
    const av1::ListConsolidationsResponse listed = Must(&AStub::ListConsolidations, admin_, list);
    for (const auto& c : listed.consolidations()) {
      if (c.question_id() == "s2.q2") s2q2_etag = c.etag();
    }
  }
  av1::Consolidation green;
  EXPECT_THAT(Consolidate(admin_, round, "s2.q2", fv1::RATING_GREEN, &green, s2q2_etag),
              StatusIs(Code::kInvalidArgument, "evidence"));

  // Everything is done but the action plan: exactly one line per question says so.
  std::vector<std::string> expected;
  for (const auto& q : AllQuestions()) {
    expected.push_back(absl::StrCat(q, ": no action plan entry covers it"));
  }
  av1::CheckFinalisationResponse check = Check(round);
  EXPECT_FALSE(check.ready());
  EXPECT_THAT(check.missing(), ElementsAreArray(expected));
  const std::string before = Fingerprint(round);
  grpc::Status refused = Finalise(admin_, round, &out);
  EXPECT_THAT(refused,
              StatusIs(Code::kFailedPrecondition, "s1.q1: no action plan entry covers it"));
  EXPECT_THAT(refused,
              StatusIs(Code::kFailedPrecondition, "s6.q4: no action plan entry covers it"));
  EXPECT_THAT(refused.error_message(), Not(HasSubstr("consolidated")));
  EXPECT_EQ(Fingerprint(round), before);

  // Plan steps 1 to 5: only step 6 is missing.
  for (int step = 1; step <= 5; ++step) {
    std::vector<std::string> questions;
    for (int q = 1; q <= 4; ++q) questions.push_back(absl::StrCat("s", step, ".q", q));
    acv1::Action created;
    ASSERT_THAT(CreateAction(admin_, round, absl::StrCat("s", step), questions, &created), IsOk());
  }
  EXPECT_THAT(Check(round).missing(), ElementsAre("s6.q1: no action plan entry covers it",
                                                  "s6.q2: no action plan entry covers it",
                                                  "s6.q3: no action plan entry covers it",
                                                  "s6.q4: no action plan entry covers it"));
}

TEST_F(AssessmentServiceTest, LifecycleDraftReviewFinalisedReopenedWithHistory) {
  av1::Assessment round =
      ReadyRound(av1::ASSESSMENT_KIND_INDEPENDENT_SCRUTINY, fv1::RATING_AMBER, true);
  ASSERT_EQ(round.state(), av1::Assessment::STATE_IN_REVIEW);
  ASSERT_TRUE(Check(round).ready());

  // Reviewers finalise: not the administrator of an independent scrutiny, not the hub.
  av1::Assessment out;
  EXPECT_THAT(Finalise(admin_, round, &out), StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(Finalise(hub_admin_, round, &out), StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(Finalise(outsider_, round, &out), StatusIs(Code::kNotFound));
  av1::FinaliseAssessmentRequest stale;
  stale.set_name(round.name());
  stale.set_etag("1");
  EXPECT_THAT(Call(&AStub::FinaliseAssessment, scrutineer_, stale, &out), StatusIs(Code::kAborted));
  av1::GetFinalisedRevisionRequest get_finalised;
  get_finalised.set_name(round.name());
  av1::FinalisedRevision none;
  EXPECT_THAT(Call(&AStub::GetFinalisedRevision, admin_, get_finalised, &none),
              StatusIs(Code::kNotFound));

  av1::Assessment finalised = MustFinalise(round);
  EXPECT_EQ(finalised.state(), av1::Assessment::STATE_FINALISED);
  EXPECT_EQ(finalised.revision(), 1);
  EXPECT_TRUE(finalised.has_finalise_time());
  const std::string finalised_fingerprint = Fingerprint(round);

  av1::FinalisedRevision kept = Must(&AStub::GetFinalisedRevision, respondent_[kLa], get_finalised);
  EXPECT_TRUE(MessageDifferencer::Equals(kept.assessment(), finalised));
  EXPECT_THAT(kept.respondents(), SizeIs(1));
  EXPECT_THAT(kept.responses(), SizeIs(24));
  EXPECT_THAT(kept.consolidations(), SizeIs(24));
  EXPECT_THAT(Call(&AStub::GetFinalisedRevision, outsider_, get_finalised, &none),
              StatusIs(Code::kNotFound));

  // Read-only: every edit is refused and changes nothing.
  av1::Respondent la = kept.respondents(0);
  const av1::Response& s1q1 = kept.responses(0);
  av1::Response edit = GoodAnswer(s1q1.name(), fv1::RATING_GREEN);
  edit.set_etag(s1q1.etag());
  av1::Response response_out;
  EXPECT_THAT(Upsert(respondent_[kLa], edit, &response_out),
              StatusIs(Code::kFailedPrecondition, "finalised"));
  av1::BatchUpsertResponsesResponse batch_out;
  EXPECT_THAT(Batch(respondent_[kLa], round, {edit}, &batch_out),
              StatusIs(Code::kFailedPrecondition, "finalised"));
  av1::Respondent respondent_out;
  EXPECT_THAT(AddRespondent(admin_, round, OrgRespondent(kHealth), &respondent_out),
              StatusIs(Code::kFailedPrecondition, "finalised"));
  av1::Consolidation consolidation_out;
  EXPECT_THAT(Consolidate(scrutineer_, round, "s1.q1", fv1::RATING_RED, &consolidation_out,
                          kept.consolidations(0).etag()),
              StatusIs(Code::kFailedPrecondition, "finalised"));
  av1::ContextAnswer context_out;
  EXPECT_THAT(SetContext(admin_, round, "c1", "Late", "", &context_out),
              StatusIs(Code::kFailedPrecondition, "finalised"));
  av1::RaiseChallengeRequest raise;
  raise.set_parent(round.name());
  raise.mutable_challenge()->set_response(s1q1.name());
  raise.mutable_challenge()->set_text("Late question");
  av1::Challenge challenge_out;
  EXPECT_THAT(Call(&AStub::RaiseChallenge, scrutineer_, raise, &challenge_out),
              StatusIs(Code::kFailedPrecondition, "finalised"));
  av1::UpdateAssessmentRequest update;
  *update.mutable_assessment() = finalised;
  update.mutable_assessment()->set_title("Renamed after the fact");
  EXPECT_THAT(Call(&AStub::UpdateAssessment, scrutineer_, update, &out),
              StatusIs(Code::kFailedPrecondition, "finalised"));
  av1::DeleteRespondentRequest remove;
  remove.set_name(la.name());
  google::protobuf::Empty empty;
  EXPECT_THAT(Call(&AStub::DeleteRespondent, admin_, remove, &empty),
              StatusIs(Code::kFailedPrecondition));
  acv1::Action action_out;
  EXPECT_THAT(CreateAction(admin_, round, "s1", {"s1.q1"}, &action_out),
              StatusIs(Code::kFailedPrecondition));
  EXPECT_THAT(Finalise(scrutineer_, round, &out), StatusIs(Code::kFailedPrecondition));
  av1::SubmitAssessmentForReviewRequest submit;
  submit.set_name(round.name());
  EXPECT_THAT(Call(&AStub::SubmitAssessmentForReview, scrutineer_, submit, &out),
              StatusIs(Code::kFailedPrecondition, "reopen"));
  EXPECT_EQ(Fingerprint(round), finalised_fingerprint);

  // Reopening needs a reason and the right person.
  av1::ReopenAssessmentRequest reopen;
  reopen.set_name(round.name());
  EXPECT_THAT(Call(&AStub::ReopenAssessment, scrutineer_, reopen, &out),
              StatusIs(Code::kInvalidArgument, "reason"));
  reopen.set_reason("The health data for Q4 was wrong");
  EXPECT_THAT(Call(&AStub::ReopenAssessment, respondent_[kLa], reopen, &out),
              StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(Call(&AStub::ReopenAssessment, outsider_, reopen, &out), StatusIs(Code::kNotFound));
  EXPECT_EQ(Fingerprint(round), finalised_fingerprint);
  av1::Assessment reopened = Must(&AStub::ReopenAssessment, scrutineer_, reopen);
  EXPECT_EQ(reopened.state(), av1::Assessment::STATE_IN_REVIEW);
  EXPECT_EQ(reopened.revision(), 2);
  EXPECT_FALSE(reopened.has_finalise_time());

  // Correct an answer in the new revision: the finalised revision is kept as it was.
  av1::Response corrected = MustUpsert(respondent_[kLa], edit);
  EXPECT_EQ(corrected.rating(), fv1::RATING_GREEN);
  av1::FinalisedRevision still = Must(&AStub::GetFinalisedRevision, admin_, get_finalised);
  EXPECT_TRUE(MessageDifferencer::Equals(still, kept));
  get_finalised.set_revision(1);
  EXPECT_TRUE(
      MessageDifferencer::Equals(Must(&AStub::GetFinalisedRevision, admin_, get_finalised), kept));
  get_finalised.set_revision(2);
  EXPECT_THAT(Call(&AStub::GetFinalisedRevision, admin_, get_finalised, &none),
              StatusIs(Code::kNotFound));

  // Finalised again as revision 2.
  av1::Assessment second = MustFinalise(round);
  EXPECT_EQ(second.revision(), 2);
  av1::FinalisedRevision kept2 = Must(&AStub::GetFinalisedRevision, admin_, get_finalised);
  EXPECT_EQ(kept2.assessment().revision(), 2);
  get_finalised.set_revision(0);
  EXPECT_EQ(Must(&AStub::GetFinalisedRevision, admin_, get_finalised).assessment().revision(), 2);

  // Every state change is in the round's history, with the reason for reopening.
  std::vector<av1::Revision> history = Revisions(round.name());
  std::vector<std::string> actions;
  for (const auto& r : history) actions.push_back(r.action());
  EXPECT_THAT(actions, ElementsAre("created", "state:in_review", "state:finalised", "reopened",
                                   "state:finalised"));
  EXPECT_EQ(history[3].reason(), "The health data for Q4 was wrong");
  EXPECT_EQ(history[3].actor(), scrutineer_user_);
  EXPECT_EQ(history[3].assessment().revision(), 2);
  EXPECT_EQ(history[2].assessment().state(), av1::Assessment::STATE_FINALISED);
  for (size_t i = 1; i < history.size(); ++i) {
    EXPECT_GT(history[i].revision(), history[i - 1].revision());
  }
}

TEST_F(AssessmentServiceTest, OnlyAFinalisedRoundCanBeReopened) {
  // DESIGN/BUG: ReopenAssessment on a draft must not submit it for review.
  av1::Assessment round = MustCreate(av1::ASSESSMENT_KIND_SELF_ASSESSMENT, admin_);
  const std::string before = Fingerprint(round);
  av1::ReopenAssessmentRequest reopen;
  reopen.set_name(round.name());
  reopen.set_reason("Just because");
  av1::Assessment out;
  EXPECT_THAT(Call(&AStub::ReopenAssessment, admin_, reopen, &out),
              StatusIs(Code::kFailedPrecondition));
  EXPECT_EQ(Fingerprint(round), before);
  round = MustSubmit(round);
  const std::string in_review = Fingerprint(round);
  EXPECT_THAT(Call(&AStub::ReopenAssessment, admin_, reopen, &out),
              StatusIs(Code::kFailedPrecondition));
  av1::SubmitAssessmentForReviewRequest submit;
  submit.set_name(round.name());
  EXPECT_THAT(Call(&AStub::SubmitAssessmentForReview, admin_, submit, &out),
              StatusIs(Code::kFailedPrecondition));
  EXPECT_EQ(Fingerprint(round), in_review);
}

TEST_F(AssessmentServiceTest, TheRegionsHubAdministratorMayReopen) {
  av1::Assessment round = ReadyRound(av1::ASSESSMENT_KIND_SELF_ASSESSMENT, fv1::RATING_RED, true);
  MustFinalise(round);
  av1::ReopenAssessmentRequest reopen;
  reopen.set_name(round.name());
  reopen.set_reason("Complaint upheld");
  av1::Assessment reopened = Must(&AStub::ReopenAssessment, hub_admin_, reopen);
  EXPECT_EQ(reopened.revision(), 2);
  EXPECT_EQ(Revisions(round.name()).back().actor(), PrincipalOf(hub_admin_));
}

// ---------------------------------------------------------------------------------------
// Context answers.

TEST_F(AssessmentServiceTest, ContextAnswersKeepHistoryAndAFinalisedRoundKeepsItsAnswers) {
  av1::Assessment first = MustCreate(av1::ASSESSMENT_KIND_SELF_ASSESSMENT, admin_, "2024");
  av1::ContextAnswer c1;
  ASSERT_THAT(SetContext(admin_, first, "c1", "Three local authorities", "", &c1), IsOk());
  EXPECT_EQ(c1.name(), absl::StrCat(first.name(), "/contextAnswers/c1"));
  EXPECT_EQ(c1.update_by(), PrincipalOf(admin_));
  av1::ContextAnswer c18;
  ASSERT_THAT(SetContext(scrutineer_, first, "c18", "Annual report", "", &c18), IsOk());

  const std::string before = Fingerprint(first);
  av1::ContextAnswer out;
  EXPECT_THAT(SetContext(respondent_[kLa], first, "c2", "x", "", &out),
              StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(SetContext(outsider_, first, "c2", "x", "", &out), StatusIs(Code::kNotFound));
  EXPECT_THAT(SetContext(admin_, first, "c19", "x", "", &out), StatusIs(Code::kNotFound));
  EXPECT_THAT(SetContext(admin_, first, "c1", "No etag", "", &out), StatusIs(Code::kAborted));
  EXPECT_THAT(SetContext(admin_, first, "c1", "Stale", "999", &out), StatusIs(Code::kAborted));
  EXPECT_EQ(Fingerprint(first), before);

  av1::ContextAnswer c1b;
  ASSERT_THAT(SetContext(admin_, first, "c1", "Two local authorities", c1.etag(), &c1b), IsOk());
  EXPECT_THAT(ContextAnswers(first), SizeIs(2));

  // Finalise the first round with those answers.
  av1::Respondent la = MustAddOrg(first, kLa);
  AnswerAll(respondent_[kLa], first, la, fv1::RATING_RED);
  first = MustSubmit(first);
  ConsolidateAll(first, fv1::RATING_RED);
  PlanAll(first);
  MustFinalise(first);
  const std::vector<av1::ContextAnswer> as_finalised = ContextAnswers(first);
  ASSERT_EQ(as_finalised.size(), 2u);
  EXPECT_EQ(as_finalised[0].text(), "Two local authorities");

  // A later round of the partnership answers again: its answers are the partnership's
  // current ones, and the finalised round still shows what it was finalised with.
  av1::Assessment second = MustCreate(av1::ASSESSMENT_KIND_SELF_ASSESSMENT, admin_, "2025");
  EXPECT_EQ(second.previous_assessment(), first.name());
  std::vector<av1::ContextAnswer> current = ContextAnswers(second);
  ASSERT_EQ(current.size(), 2u);
  EXPECT_EQ(current[0].name(), absl::StrCat(second.name(), "/contextAnswers/c1"));
  av1::ContextAnswer c1c;
  ASSERT_THAT(SetContext(admin_, second, "c1", "One unitary authority", current[0].etag(), &c1c),
              IsOk());
  av1::ContextAnswer c5;
  ASSERT_THAT(SetContext(admin_, second, "c5", "New answer", "", &c5), IsOk());
  EXPECT_THAT(ContextAnswers(second), SizeIs(3));

  std::vector<av1::ContextAnswer> still = ContextAnswers(first);
  ASSERT_EQ(still.size(), as_finalised.size());
  for (size_t i = 0; i < still.size(); ++i) {
    EXPECT_TRUE(MessageDifferencer::Equals(still[i], as_finalised[i])) << still[i].DebugString();
  }

  // The history of c1, across both rounds.
  std::vector<av1::Revision> history = Revisions(absl::StrCat(second.name(), "/contextAnswers/c1"));
  ASSERT_EQ(history.size(), 3u);
  EXPECT_EQ(history[0].action(), "created");
  EXPECT_EQ(history[0].context_answer().text(), "Three local authorities");
  EXPECT_EQ(history[1].context_answer().text(), "Two local authorities");
  EXPECT_EQ(history[2].context_answer().text(), "One unitary authority");
  av1::ListRevisionsRequest outsider_request;
  outsider_request.set_name(absl::StrCat(second.name(), "/contextAnswers/c1"));
  av1::ListRevisionsResponse outsider_history;
  EXPECT_THAT(Call(&AStub::ListRevisions, outsider_, outsider_request, &outsider_history),
              StatusIs(Code::kNotFound));
}

// ---------------------------------------------------------------------------------------
// The change feed.

TEST_F(AssessmentServiceTest, ListChangesIsOrderedGapFreeAndScopedToWhatTheCallerSees) {
  av1::Assessment round = MustCreate(av1::ASSESSMENT_KIND_SELF_ASSESSMENT, admin_);
  av1::Respondent la = MustAddOrg(round, kLa);
  for (const auto& q : {"s1.q1", "s1.q2", "s1.q3"}) {
    MustUpsert(respondent_[kLa], GoodAnswer(ResponseOf(la, q), fv1::RATING_GREEN));
  }
  av1::ContextAnswer context;
  ASSERT_THAT(SetContext(admin_, round, "c3", "Text", "", &context), IsOk());
  MustSubmit(round);

  std::vector<av1::Change> changes = AllChanges(admin_);
  ASSERT_EQ(changes.size(), 7u);
  for (size_t i = 0; i < changes.size(); ++i) {
    EXPECT_EQ(changes[i].sequence(), static_cast<int64_t>(i) + 1);
    EXPECT_EQ(changes[i].partnership(), kPartnership);
    EXPECT_EQ(changes[i].assessment(), round.name());
  }
  EXPECT_EQ(changes[0].kind(), av1::CHANGE_KIND_ASSESSMENT_CREATED);
  EXPECT_EQ(changes[1].kind(), av1::CHANGE_KIND_RESPONDENT_ADDED);
  EXPECT_EQ(changes[2].kind(), av1::CHANGE_KIND_RESPONSE_CHANGED);
  EXPECT_EQ(changes[5].kind(), av1::CHANGE_KIND_CONTEXT_ANSWER_CHANGED);
  EXPECT_EQ(changes[6].kind(), av1::CHANGE_KIND_ASSESSMENT_STATE_CHANGED);
  EXPECT_EQ(changes[6].assessment_record().state(), av1::Assessment::STATE_IN_REVIEW);

  // The same for anyone of the partnership and the region's hub administrator.
  for (const std::string& token : {respondent_[kSchool], hub_admin_, scrutineer_}) {
    std::vector<av1::Change> theirs = AllChanges(token);
    ASSERT_EQ(theirs.size(), changes.size());
    for (size_t i = 0; i < theirs.size(); ++i) {
      EXPECT_TRUE(MessageDifferencer::Equals(theirs[i], changes[i]));
    }
  }
  // Nothing for the outsider, whose cursor stays where it was: it does not count other
  // partnerships' writes.
  int64_t outsider_head = 0;
  EXPECT_THAT(AllChanges(outsider_, 0, "", &outsider_head), IsEmpty());
  EXPECT_EQ(outsider_head, 0);
  EXPECT_THAT(AllChanges(outsider_, 0, kPartnership), IsEmpty());
  // A partnership filter.
  EXPECT_THAT(AllChanges(admin_, 0, kOtherPartnership), IsEmpty());
  EXPECT_THAT(AllChanges(admin_, 0, kPartnership), SizeIs(7));
  // After a sequence.
  std::vector<av1::Change> tail = AllChanges(admin_, 5);
  ASSERT_EQ(tail.size(), 2u);
  EXPECT_EQ(tail[0].sequence(), 6);

  av1::ListChangesRequest negative;
  negative.set_after_sequence(-1);
  av1::ListChangesResponse out;
  EXPECT_THAT(Call(&AStub::ListChanges, admin_, negative, &out), StatusIs(Code::kInvalidArgument));
}

TEST_F(AssessmentServiceTest, WatchChangesDeliversEveryChangeExactlyOnceInOrderAcrossAReconnect) {
  av1::Assessment round = MustCreate(av1::ASSESSMENT_KIND_SELF_ASSESSMENT, admin_);
  av1::Respondent la = MustAddOrg(round, kLa);
  const std::vector<std::string> questions = AllQuestions();
  size_t next_question = 0;
  auto write = [&](int n) {
    for (int i = 0; i < n; ++i) {
      MustUpsert(respondent_[kLa],
                 GoodAnswer(ResponseOf(la, questions[next_question++]), fv1::RATING_GREEN));
    }
  };
  write(4);  // 6 changes committed before anyone watches

  std::mutex mu;
  std::vector<av1::Change> received;
  auto count = [&] {
    std::lock_guard<std::mutex> lock(mu);
    return received.size();
  };
  // Waits, within a bound, until `n` changes have arrived.
  auto wait_for = [&](size_t n) {
    const absl::Time deadline = absl::Now() + absl::Seconds(30);
    while (count() < n && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(10));
    return count() >= n;
  };

  // First connection: catches up on the 6, follows live ones, stops after 9.
  constexpr size_t kFirstStop = 9;
  grpc::Status first_status;
  std::thread first([&] {
    grpc::ClientContext context;
    Authorize(context, admin_);
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    av1::WatchChangesRequest request;
    request.set_after_sequence(0);
    auto reader = stub_->WatchChanges(&context, request);
    av1::WatchChangesResponse message;
    while (reader->Read(&message)) {
      std::lock_guard<std::mutex> lock(mu);
      received.push_back(message.change());
      if (received.size() == kFirstStop) break;
    }
    context.TryCancel();
    first_status = reader->Finish();
  });
  ASSERT_TRUE(wait_for(6));
  write(5);  // live: the first stream takes 3 of these, then goes away
  first.join();
  ASSERT_EQ(count(), kFirstStop);
  EXPECT_THAT(first_status, StatusIs(Code::kCancelled));

  write(4);  // while nobody watches
  const int64_t last_seen = received.back().sequence();

  // Second connection, from the last sequence received.
  const int64_t head = FeedHead();
  ASSERT_EQ(head, 2 + 4 + 5 + 4);
  {
    grpc::ClientContext context;
    Authorize(context, admin_);
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    av1::WatchChangesRequest request;
    request.set_after_sequence(last_seen);
    auto reader = stub_->WatchChanges(&context, request);
    av1::WatchChangesResponse message;
    bool live_written = false;
    while (reader->Read(&message)) {
      received.push_back(message.change());
      if (!live_written && received.back().sequence() == head) {
        write(2);  // and two more, live, on the second connection
        live_written = true;
      }
      if (received.back().sequence() >= head + 2) break;
    }
    context.TryCancel();
    reader->Finish();
  }

  // Exactly every sequence once, in order, no gaps, and equal to ListChanges from 0.
  std::vector<av1::Change> listed = AllChanges(admin_);
  ASSERT_EQ(listed.size(), static_cast<size_t>(head + 2));
  ASSERT_EQ(received.size(), listed.size());
  for (size_t i = 0; i < received.size(); ++i) {
    EXPECT_EQ(received[i].sequence(), static_cast<int64_t>(i) + 1);
    EXPECT_TRUE(MessageDifferencer::Equals(received[i], listed[i]))
        << received[i].ShortDebugString() << "\nvs\n"
        << listed[i].ShortDebugString();
  }

  // The viewer of another partnership sees none of it: the first change their watch
  // delivers is one of their own partnership, committed after all of the above.
  grpc::ClientContext context;
  Authorize(context, outsider_);
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  av1::WatchChangesRequest request;
  request.set_after_sequence(0);
  auto reader = stub_->WatchChanges(&context, request);
  av1::CreateAssessmentRequest theirs = NewRound(av1::ASSESSMENT_KIND_SELF_ASSESSMENT, "Plymouth");
  theirs.mutable_assessment()->set_partnership(kOtherPartnership);
  av1::Assessment plymouth = Must(&AStub::CreateAssessment, hub_->admin_token(), theirs);
  av1::WatchChangesResponse message;
  ASSERT_TRUE(reader->Read(&message));
  EXPECT_EQ(message.change().partnership(), kOtherPartnership);
  EXPECT_EQ(message.change().assessment(), plymouth.name());
  EXPECT_EQ(message.change().sequence(), head + 3);
  context.TryCancel();
  reader->Finish();
  EXPECT_THAT(AllChanges(outsider_), SizeIs(1));
}

TEST_F(AssessmentServiceTest, EveryRpcRefusesAnOutsiderWithNotFound) {
  av1::Assessment round = ReadyRound(av1::ASSESSMENT_KIND_SELF_ASSESSMENT, fv1::RATING_RED, false);
  av1::ListRespondentsRequest list;
  list.set_parent(round.name());
  av1::Respondent la = Must(&AStub::ListRespondents, admin_, list).respondents(0);
  const std::string before = Fingerprint(round);
  {
    av1::GetAssessmentRequest r;
    r.set_name(round.name());
    av1::Assessment out;
    EXPECT_THAT(Call(&AStub::GetAssessment, outsider_, r, &out), StatusIs(Code::kNotFound));
  }
  {
    av1::ListRespondentsRequest r;
    r.set_parent(round.name());
    av1::ListRespondentsResponse out;
    EXPECT_THAT(Call(&AStub::ListRespondents, outsider_, r, &out), StatusIs(Code::kNotFound));
  }
  {
    av1::ListResponsesRequest r;
    r.set_parent(round.name());
    av1::ListResponsesResponse out;
    EXPECT_THAT(Call(&AStub::ListResponses, outsider_, r, &out), StatusIs(Code::kNotFound));
  }
  {
    av1::ListConsolidationsRequest r;
    r.set_parent(round.name());
    av1::ListConsolidationsResponse out;
    EXPECT_THAT(Call(&AStub::ListConsolidations, outsider_, r, &out), StatusIs(Code::kNotFound));
  }
  {
    av1::ListChallengesRequest r;
    r.set_parent(round.name());
    av1::ListChallengesResponse out;
    EXPECT_THAT(Call(&AStub::ListChallenges, outsider_, r, &out), StatusIs(Code::kNotFound));
  }
  {
    av1::ListContextAnswersRequest r;
    r.set_parent(round.name());
    av1::ListContextAnswersResponse out;
    EXPECT_THAT(Call(&AStub::ListContextAnswers, outsider_, r, &out), StatusIs(Code::kNotFound));
  }
  {
    av1::ListRevisionsRequest r;
    r.set_name(ResponseOf(la, "s1.q1"));
    av1::ListRevisionsResponse out;
    EXPECT_THAT(Call(&AStub::ListRevisions, outsider_, r, &out), StatusIs(Code::kNotFound));
  }
  {
    av1::CheckFinalisationRequest r;
    r.set_name(round.name());
    av1::CheckFinalisationResponse out;
    EXPECT_THAT(Call(&AStub::CheckFinalisation, outsider_, r, &out), StatusIs(Code::kNotFound));
  }
  {
    av1::SubmitAssessmentForReviewRequest r;
    r.set_name(round.name());
    av1::Assessment out;
    EXPECT_THAT(Call(&AStub::SubmitAssessmentForReview, outsider_, r, &out),
                StatusIs(Code::kNotFound));
  }
  {
    av1::DeleteRespondentRequest r;
    r.set_name(la.name());
    google::protobuf::Empty out;
    EXPECT_THAT(Call(&AStub::DeleteRespondent, outsider_, r, &out), StatusIs(Code::kNotFound));
  }
  {
    av1::BatchUpsertResponsesResponse out;
    EXPECT_THAT(
        Batch(outsider_, round, {GoodAnswer(ResponseOf(la, "s1.q1"), fv1::RATING_RED)}, &out),
        StatusIs(Code::kNotFound));
  }
  {
    av1::AnswerChallengeRequest r;
    r.set_name(absl::StrCat(round.name(), "/challenges/ch-x"));
    r.set_answer("x");
    r.set_etag("1");
    av1::Challenge out;
    EXPECT_THAT(Call(&AStub::AnswerChallenge, outsider_, r, &out), StatusIs(Code::kNotFound));
  }
  {
    av1::CloseChallengeRequest r;
    r.set_name(absl::StrCat(round.name(), "/challenges/ch-x"));
    r.set_etag("1");
    av1::Challenge out;
    EXPECT_THAT(Call(&AStub::CloseChallenge, outsider_, r, &out), StatusIs(Code::kNotFound));
  }
  {
    av1::GetAssessmentRequest r;
    r.set_name("assessments/a-does-not-exist");
    av1::Assessment out;
    EXPECT_THAT(Call(&AStub::GetAssessment, admin_, r, &out), StatusIs(Code::kNotFound));
  }
  EXPECT_EQ(Fingerprint(round), before);
}

}  // namespace
}  // namespace sixsteps::testing
