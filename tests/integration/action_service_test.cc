// The ActionService end to end: identity, framework and assessment served on 127.0.0.1
// with real PostgreSQL databases, called through the generated clients as the people of
// one partnership (and one outsider). Action plans of a round: the rules, the refusals,
// overdue as of given dates, listing, carry-over into the next round, the finalisation
// check and the change feed.
#include <gmock/gmock.h>
#include <google/protobuf/util/message_differencer.h>
#include <grpcpp/client_context.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "tests/support/status_matchers.h"
#include "tests/support/test_hub.h"

namespace sixsteps::testing {
namespace {

namespace av1 = ::sixsteps::action::v1;
namespace asv1 = ::sixsteps::assessment::v1;
namespace fv1 = ::sixsteps::framework::v1;
namespace idv1 = ::sixsteps::identity::v1;
using ::google::protobuf::util::MessageDifferencer;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;
using ::testing::UnorderedElementsAreArray;
using Code = absl::StatusCode;
using Role = auth::Role;

constexpr char kBuiltIn[] = "frameworks/six-steps/versions/2019";
constexpr char kRegion[] = "north";
constexpr char kP[] = "sunderland";
constexpr char kOtherP[] = "durham";

std::string Partnership(const std::string& id = kP) { return absl::StrCat("partnerships/", id); }
std::string Org(const std::string& id, const std::string& partnership = kP) {
  return absl::StrCat("partnerships/", partnership, "/organisations/", id);
}

std::vector<std::string> StepQuestions(int step) {
  std::vector<std::string> questions;
  for (int q = 1; q <= 4; ++q) questions.push_back(absl::StrCat("s", step, ".q", q));
  return questions;
}

std::vector<std::string> AllQuestions() {
  std::vector<std::string> questions;
  for (int s = 1; s <= 6; ++s) {
    for (const std::string& q : StepQuestions(s)) questions.push_back(q);
  }
  return questions;
}

std::vector<std::string> Names(const google::protobuf::RepeatedPtrField<av1::Action>& actions) {
  std::vector<std::string> names;
  for (const av1::Action& action : actions) names.push_back(action.name());
  return names;
}

// A signed-in user: their token and principal ("users/…").
struct User {
  std::string token;
  std::string principal;
};

class ActionServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto hub = TestHub::Start("action");
    ASSERT_THAT(hub, IsOk());
    hub_ = std::move(*hub);
    actions_ = hub_->ActionStub();
    assessments_ = hub_->AssessmentStub();
    admin_hub_ = {hub_->admin_token(), ""};

    ASSERT_THAT(hub_->CreateRegion(kRegion), IsOk());
    ASSERT_THAT(hub_->CreatePartnership(kP, kRegion), IsOk());
    ASSERT_THAT(hub_->CreateOrganisation(kP, "local-authority",
                                         idv1::ORGANISATION_KIND_LOCAL_AUTHORITY, true),
                IsOk());
    ASSERT_THAT(hub_->CreateOrganisation(kP, "health", idv1::ORGANISATION_KIND_HEALTH, true),
                IsOk());
    ASSERT_THAT(hub_->CreateOrganisation(kP, "police", idv1::ORGANISATION_KIND_POLICE, true),
                IsOk());
    ASSERT_THAT(hub_->CreateOrganisation(kP, "education", idv1::ORGANISATION_KIND_EDUCATION, false),
                IsOk());
    ASSERT_THAT(hub_->CreatePartnership(kOtherP, kRegion), IsOk());
    ASSERT_THAT(hub_->CreateOrganisation(kOtherP, "police", idv1::ORGANISATION_KIND_POLICE, true),
                IsOk());

    const std::string p = Partnership();
    admin_ = MustUser("admin@sunderland.test", {{Role::ROLE_PARTNERSHIP_ADMINISTRATOR, p, ""}});
    scrutineer_ =
        MustUser("scrutineer@sunderland.test", {{Role::ROLE_INDEPENDENT_SCRUTINEER, p, ""}});
    la_respondent_ = MustUser("la@sunderland.test",
                              {{Role::ROLE_PARTNER_RESPONDENT, p, Org("local-authority")}});
    health_respondent_ =
        MustUser("health@sunderland.test", {{Role::ROLE_PARTNER_RESPONDENT, p, Org("health")}});
    police_respondent_ =
        MustUser("police@sunderland.test", {{Role::ROLE_PARTNER_RESPONDENT, p, Org("police")}});
    education_respondent_ = MustUser("education@sunderland.test",
                                     {{Role::ROLE_PARTNER_RESPONDENT, p, Org("education")}});
    police_owner_ = MustUser("owner@police.test", {{Role::ROLE_ACTION_OWNER, p, Org("police")}});
    viewer_ = MustUser("viewer@sunderland.test", {{Role::ROLE_VIEWER, p, ""}});
    outsider_ = MustUser("admin@durham.test",
                         {{Role::ROLE_PARTNERSHIP_ADMINISTRATOR, Partnership(kOtherP), ""}});
    ASSERT_FALSE(HasFailure());

    round_ = MustCreateRound(admin_, kP, "Round 1");
    ASSERT_FALSE(HasFailure());
  }

  // ---- People ----

  User MustUser(const std::string& email, const std::vector<TestHub::Binding>& roles) {
    absl::StatusOr<std::string> token = hub_->UserWithRoles(email, roles);
    EXPECT_THAT(token, IsOk());
    if (!token.ok()) return {};
    grpc::ClientContext context;
    Authorize(context, *token);
    idv1::GetCurrentPrincipalRequest request;
    idv1::GetCurrentPrincipalResponse me;
    EXPECT_THAT(hub_->IdentityStub()->GetCurrentPrincipal(&context, request, &me), IsOk());
    return {*token, me.principal()};
  }

  // ---- Rounds ----

  grpc::Status CreateRound(const User& as, const std::string& partnership, const std::string& title,
                           asv1::Assessment* created) {
    grpc::ClientContext context;
    Authorize(context, as.token);
    asv1::CreateAssessmentRequest request;
    asv1::Assessment* round = request.mutable_assessment();
    round->set_partnership(Partnership(partnership));
    round->set_framework_version(kBuiltIn);
    round->set_kind(asv1::ASSESSMENT_KIND_INDEPENDENT_SCRUTINY);
    round->set_title(title);
    round->set_period_start("2025-04-01");
    round->set_period_end("2026-03-31");
    return assessments_->CreateAssessment(&context, request, created);
  }

  asv1::Assessment MustCreateRound(const User& as, const std::string& partnership,
                                   const std::string& title) {
    asv1::Assessment created;
    EXPECT_THAT(CreateRound(as, partnership, title, &created), IsOk());
    return created;
  }

  asv1::Assessment MustGetRound(const std::string& name) {
    grpc::ClientContext context;
    Authorize(context, admin_.token);
    asv1::GetAssessmentRequest request;
    request.set_name(name);
    asv1::Assessment round;
    EXPECT_THAT(assessments_->GetAssessment(&context, request, &round), IsOk());
    return round;
  }

  // The local authority answers every question (Green with evidence for step 1, Red for
  // the rest), and the scrutineer consolidates each the same way: all 24 questions then
  // have a consolidated rating that meets the evidence rule.
  void RateAndConsolidateEverything(const asv1::Assessment& round) {
    asv1::Respondent respondent;
    {
      grpc::ClientContext context;
      Authorize(context, admin_.token);
      asv1::AddRespondentRequest request;
      request.set_parent(round.name());
      request.mutable_respondent()->set_organisation(Org("local-authority"));
      ASSERT_THAT(assessments_->AddRespondent(&context, request, &respondent), IsOk());
    }
    {
      grpc::ClientContext context;
      Authorize(context, la_respondent_.token);
      asv1::BatchUpsertResponsesRequest request;
      request.set_parent(round.name());
      for (const std::string& question : AllQuestions()) {
        asv1::Response* response = request.add_requests()->mutable_response();
        response->set_name(absl::StrCat(respondent.name(), "/responses/", question));
        if (question.rfind("s1.", 0) == 0) {
          response->set_rating(fv1::RATING_GREEN);
          response->add_evidence()->set_description(absl::StrCat("Audit report for ", question));
        } else {
          response->set_rating(fv1::RATING_RED);
        }
      }
      asv1::BatchUpsertResponsesResponse written;
      ASSERT_THAT(assessments_->BatchUpsertResponses(&context, request, &written), IsOk());
      ASSERT_EQ(written.responses_size(), 24);
    }
    for (const std::string& question : AllQuestions()) {
      grpc::ClientContext context;
      Authorize(context, scrutineer_.token);
      asv1::ConsolidateQuestionRequest request;
      request.set_parent(round.name());
      request.mutable_consolidation()->set_question_id(question);
      request.mutable_consolidation()->set_rating(question.rfind("s1.", 0) == 0 ? fv1::RATING_GREEN
                                                                                : fv1::RATING_RED);
      request.mutable_consolidation()->set_rationale("As the local authority said");
      asv1::Consolidation consolidation;
      ASSERT_THAT(assessments_->ConsolidateQuestion(&context, request, &consolidation), IsOk())
          << question;
    }
  }

  grpc::Status Submit(const User& as, const std::string& round) {
    grpc::ClientContext context;
    Authorize(context, as.token);
    asv1::SubmitAssessmentForReviewRequest request;
    request.set_name(round);
    asv1::Assessment updated;
    return assessments_->SubmitAssessmentForReview(&context, request, &updated);
  }

  asv1::CheckFinalisationResponse MustCheck(const std::string& round) {
    grpc::ClientContext context;
    Authorize(context, scrutineer_.token);
    asv1::CheckFinalisationRequest request;
    request.set_name(round);
    asv1::CheckFinalisationResponse response;
    EXPECT_THAT(assessments_->CheckFinalisation(&context, request, &response), IsOk());
    return response;
  }

  grpc::Status Finalise(const std::string& round, asv1::Assessment* finalised = nullptr) {
    grpc::ClientContext context;
    Authorize(context, scrutineer_.token);
    asv1::FinaliseAssessmentRequest request;
    request.set_name(round);
    asv1::Assessment ignored;
    return assessments_->FinaliseAssessment(&context, request,
                                            finalised != nullptr ? finalised : &ignored);
  }

  // Every change after `after`, as the deployment administrator.
  std::vector<asv1::Change> ChangesAfter(int64_t after) {
    std::vector<asv1::Change> changes;
    for (;;) {
      grpc::ClientContext context;
      Authorize(context, hub_->admin_token());
      asv1::ListChangesRequest request;
      request.set_after_sequence(after);
      request.set_page_size(500);
      asv1::ListChangesResponse response;
      EXPECT_THAT(assessments_->ListChanges(&context, request, &response), IsOk());
      for (const auto& change : response.changes()) changes.push_back(change);
      if (response.changes().empty() || response.next_after_sequence() <= after) break;
      after = response.next_after_sequence();
    }
    return changes;
  }

  int64_t FeedHead() {
    std::vector<asv1::Change> all = ChangesAfter(0);
    return all.empty() ? 0 : all.back().sequence();
  }

  // ---- Actions ----

  av1::Action Plan(const std::string& step, const std::vector<std::string>& questions,
                   const std::string& owner, const std::string& due,
                   const asv1::Assessment* round = nullptr) {
    av1::Action action;
    action.set_assessment((round != nullptr ? *round : round_).name());
    action.set_step_id(step);
    for (const std::string& q : questions) action.add_question_ids(q);
    action.set_description(absl::StrCat("Improve ", step));
    action.set_intended_outcome(absl::StrCat("A positive affirmation for ", step));
    action.set_owner_organisation(Org(owner));
    action.set_due_date(due);
    return action;
  }

  grpc::Status Create(const User& as, const av1::Action& action, av1::Action* created,
                      const std::string& request_id = "") {
    grpc::ClientContext context;
    Authorize(context, as.token);
    av1::CreateActionRequest request;
    *request.mutable_action() = action;
    request.set_request_id(request_id);
    return actions_->CreateAction(&context, request, created);
  }

  av1::Action MustCreate(const User& as, const av1::Action& action) {
    av1::Action created;
    EXPECT_THAT(Create(as, action, &created), IsOk());
    return created;
  }

  grpc::Status Get(const User& as, const std::string& name, av1::Action* action) {
    grpc::ClientContext context;
    Authorize(context, as.token);
    av1::GetActionRequest request;
    request.set_name(name);
    return actions_->GetAction(&context, request, action);
  }

  av1::Action MustGet(const std::string& name) {
    av1::Action action;
    EXPECT_THAT(Get(admin_, name, &action), IsOk());
    return action;
  }

  grpc::Status List(const User& as, const av1::ListActionsRequest& request,
                    av1::ListActionsResponse* response) {
    grpc::ClientContext context;
    Authorize(context, as.token);
    return actions_->ListActions(&context, request, response);
  }

  // Every page, as names.
  std::vector<std::string> ListAll(const User& as, av1::ListActionsRequest request) {
    std::vector<std::string> names;
    for (int pages = 0; pages < 100; ++pages) {
      av1::ListActionsResponse response;
      EXPECT_THAT(List(as, request, &response), IsOk());
      for (const auto& action : response.actions()) names.push_back(action.name());
      if (response.next_page_token().empty()) break;
      request.set_page_token(response.next_page_token());
    }
    return names;
  }

  grpc::Status Update(const User& as, const av1::Action& action,
                      const std::vector<std::string>& paths, av1::Action* updated) {
    grpc::ClientContext context;
    Authorize(context, as.token);
    av1::UpdateActionRequest request;
    *request.mutable_action() = action;
    for (const std::string& path : paths) request.mutable_update_mask()->add_paths(path);
    return actions_->UpdateAction(&context, request, updated);
  }

  grpc::Status Progress(const User& as, const std::string& name, const std::string& note,
                        av1::Action* updated, bool start = false, const std::string& evidence = "",
                        const std::string& etag = "") {
    grpc::ClientContext context;
    Authorize(context, as.token);
    av1::AddProgressUpdateRequest request;
    request.set_name(name);
    request.set_note(note);
    request.set_evidence(evidence);
    request.set_start(start);
    request.set_etag(etag);
    return actions_->AddProgressUpdate(&context, request, updated);
  }

  // The etag a change is based on: `etag` if given, else the action's current one as `as`
  // reads it (one `as` cannot read gets a made-up etag: the service refuses it before the
  // etag matters).
  std::string EtagFor(const User& as, const std::string& name,
                      const std::optional<std::string>& etag) {
    if (etag) return *etag;
    av1::Action current;
    return Get(as, name, &current).ok() ? current.etag() : "unread";
  }

  grpc::Status Complete(const User& as, const std::string& name, const std::string& note,
                        av1::Action* updated, const std::string& evidence = "",
                        const std::optional<std::string>& etag = std::nullopt) {
    const std::string based_on = EtagFor(as, name, etag);
    grpc::ClientContext context;
    Authorize(context, as.token);
    av1::CompleteActionRequest request;
    request.set_name(name);
    request.set_completion_note(note);
    request.set_evidence(evidence);
    request.set_etag(based_on);
    return actions_->CompleteAction(&context, request, updated);
  }

  grpc::Status Cancel(const User& as, const std::string& name, const std::string& reason,
                      av1::Action* updated, const std::optional<std::string>& etag = std::nullopt) {
    const std::string based_on = EtagFor(as, name, etag);
    grpc::ClientContext context;
    Authorize(context, as.token);
    av1::CancelActionRequest request;
    request.set_name(name);
    request.set_reason(reason);
    request.set_etag(based_on);
    return actions_->CancelAction(&context, request, updated);
  }

  grpc::Status CarryOver(const User& as, const std::string& assessment, const std::string& from,
                         const std::string& request_id, av1::CarryOverActionsResponse* response) {
    grpc::ClientContext context;
    Authorize(context, as.token);
    av1::CarryOverActionsRequest request;
    request.set_assessment(assessment);
    request.set_from_assessment(from);
    request.set_request_id(request_id);
    return actions_->CarryOverActions(&context, request, response);
  }

  // Every action of the round, as the partnership administrator.
  std::vector<std::string> ActionsOf(const asv1::Assessment& round) {
    av1::ListActionsRequest request;
    request.set_assessment(round.name());
    return ListAll(admin_, request);
  }

  std::unique_ptr<TestHub> hub_;
  std::unique_ptr<av1::ActionService::Stub> actions_;
  std::unique_ptr<asv1::AssessmentService::Stub> assessments_;
  User admin_hub_;
  User admin_, scrutineer_, la_respondent_, health_respondent_, police_respondent_,
      education_respondent_, police_owner_, viewer_, outsider_;
  asv1::Assessment round_;
};

// ---- Creating ----

TEST_F(ActionServiceTest, CreateSetsWhatTheServiceOwns) {
  av1::Action plan = Plan("s2", {"s2.q1", "s2.q3"}, "police", "2026-03-31");
  plan.set_owner_name("DI Jones");
  // What the service sets itself is ignored.
  plan.set_name("actions/mine");
  plan.set_partnership(Partnership(kOtherP));
  plan.set_status(av1::Action::STATUS_DONE);
  plan.set_completion_note("already done");
  plan.set_carried_from("actions/elsewhere");
  plan.add_progress_updates()->set_note("invented history");
  av1::Action created;
  ASSERT_THAT(Create(admin_, plan, &created), IsOk());
  EXPECT_NE(created.name(), "actions/mine");
  EXPECT_EQ(created.name().rfind("actions/", 0), 0u);
  EXPECT_EQ(created.assessment(), round_.name());
  EXPECT_EQ(created.partnership(), Partnership());
  EXPECT_EQ(created.region(), absl::StrCat("regions/", kRegion));
  EXPECT_EQ(created.step_id(), "s2");
  EXPECT_THAT(created.question_ids(), ElementsAre("s2.q1", "s2.q3"));
  EXPECT_EQ(created.kind(), av1::Action::KIND_IMPROVEMENT);  // the default
  EXPECT_EQ(created.owner_organisation(), Org("police"));
  EXPECT_EQ(created.owner_name(), "DI Jones");
  EXPECT_EQ(created.due_date(), "2026-03-31");
  EXPECT_EQ(created.status(), av1::Action::STATUS_PLANNED);
  EXPECT_TRUE(created.completion_note().empty());
  EXPECT_TRUE(created.carried_from().empty());
  EXPECT_THAT(created.progress_updates(), IsEmpty());
  EXPECT_EQ(created.creator(), admin_.principal);
  EXPECT_FALSE(created.etag().empty());
  EXPECT_TRUE(created.has_create_time());

  av1::Action read = MustGet(created.name());
  EXPECT_TRUE(MessageDifferencer::Equals(read, created)) << read.DebugString() << "\nvs\n"
                                                         << created.DebugString();
}

TEST_F(ActionServiceTest, AdministratorsAndScrutineersPlanOthersAreRefused) {
  av1::Action created;
  EXPECT_THAT(Create(admin_, Plan("s1", {"s1.q1"}, "police", "2026-03-31"), &created), IsOk());
  EXPECT_THAT(Create(scrutineer_, Plan("s1", {"s1.q2"}, "health", "2026-03-31"), &created), IsOk());
  EXPECT_THAT(Create(admin_hub_, Plan("s1", {"s1.q3"}, "education", "2026-03-31"), &created),
              IsOk());
  for (const User* who : {&police_respondent_, &police_owner_, &viewer_, &la_respondent_}) {
    EXPECT_THAT(Create(*who, Plan("s1", {"s1.q4"}, "police", "2026-03-31"), &created),
                StatusIs(Code::kPermissionDenied))
        << who->principal;
  }
  // Another partnership's administrator does not even see the round.
  EXPECT_THAT(Create(outsider_, Plan("s1", {"s1.q4"}, "police", "2026-03-31"), &created),
              StatusIs(Code::kNotFound));
  EXPECT_THAT(ActionsOf(round_), SizeIs(3));
}

TEST_F(ActionServiceTest, CreateRefusesAPlanThatDoesNotFitTheRound) {
  av1::Action created;
  auto expect_invalid = [&](const av1::Action& plan, const std::string& field) {
    EXPECT_THAT(Create(admin_, plan, &created), StatusIs(Code::kInvalidArgument, field))
        << plan.ShortDebugString();
  };
  // A question of another step, an unknown question, an unknown step.
  expect_invalid(Plan("s1", {"s1.q1", "s2.q1"}, "police", "2026-03-31"), "action.question_ids[1]");
  expect_invalid(Plan("s1", {"s1.q5"}, "police", "2026-03-31"), "action.question_ids[0]");
  expect_invalid(Plan("s7", {"s1.q1"}, "police", "2026-03-31"), "action.step_id");
  expect_invalid(Plan("", {"s1.q1"}, "police", "2026-03-31"), "action.step_id");
  expect_invalid(Plan("s1", {}, "police", "2026-03-31"), "action.question_ids");
  expect_invalid(Plan("s1", {"s1.q1", "s1.q1"}, "police", "2026-03-31"), "action.question_ids[1]");
  // The owner must be an organisation of the round's partnership.
  {
    av1::Action plan = Plan("s1", {"s1.q1"}, "police", "2026-03-31");
    plan.set_owner_organisation(Org("police", kOtherP));
    expect_invalid(plan, "action.owner_organisation");
  }
  {
    av1::Action plan = Plan("s1", {"s1.q1"}, "police", "2026-03-31");
    plan.clear_owner_organisation();
    expect_invalid(plan, "action.owner_organisation");
  }
  {
    av1::Action plan = Plan("s1", {"s1.q1"}, "police", "2026-03-31");
    plan.clear_description();
    expect_invalid(plan, "action.description");
  }
  {
    av1::Action plan = Plan("s1", {"s1.q1"}, "police", "2026-03-31");
    plan.clear_intended_outcome();
    expect_invalid(plan, "action.intended_outcome");
  }
  expect_invalid(Plan("s1", {"s1.q1"}, "police", ""), "action.due_date");
  expect_invalid(Plan("s1", {"s1.q1"}, "police", "2026-02-30"), "action.due_date");
  {
    av1::Action plan = Plan("s1", {"s1.q1"}, "police", "2026-03-31");
    plan.set_kind(static_cast<av1::Action::Kind>(9));
    expect_invalid(plan, "action.kind");
  }
  // Not a round at all.
  {
    av1::Action plan = Plan("s1", {"s1.q1"}, "police", "2026-03-31");
    plan.set_assessment("rounds/1");
    EXPECT_THAT(Create(admin_, plan, &created), StatusIs(Code::kInvalidArgument));
    plan.set_assessment("assessments/does-not-exist");
    EXPECT_THAT(Create(admin_, plan, &created), StatusIs(Code::kNotFound));
  }
  // An organisation of the partnership that does not exist.
  EXPECT_THAT(Create(admin_, Plan("s1", {"s1.q1"}, "probation", "2026-03-31"), &created),
              Not(IsOk()));
  EXPECT_THAT(ActionsOf(round_), IsEmpty());
}

TEST_F(ActionServiceTest, ARepeatedRequestIdReturnsTheFirstActionAndCreatesNoSecond) {
  const av1::Action plan = Plan("s3", {"s3.q2"}, "health", "2026-06-30");
  av1::Action first, second;
  ASSERT_THAT(Create(admin_, plan, &first, "plan-s3-1"), IsOk());
  ASSERT_THAT(Create(admin_, plan, &second, "plan-s3-1"), IsOk());
  EXPECT_EQ(second.name(), first.name());
  EXPECT_EQ(second.etag(), first.etag());
  EXPECT_THAT(ActionsOf(round_), ElementsAre(first.name()));
  // The same id for a different request is refused, and creates nothing either.
  av1::Action other;
  EXPECT_THAT(Create(admin_, Plan("s3", {"s3.q3"}, "health", "2026-06-30"), &other, "plan-s3-1"),
              StatusIs(Code::kAlreadyExists));
  // Without a request id, the same plan twice is two actions.
  av1::Action third, fourth;
  ASSERT_THAT(Create(admin_, plan, &third), IsOk());
  ASSERT_THAT(Create(admin_, plan, &fourth), IsOk());
  EXPECT_NE(third.name(), fourth.name());
  EXPECT_THAT(ActionsOf(round_), SizeIs(3));
}

TEST_F(ActionServiceTest, SustainNeedsAConsolidatedGreenForEveryCoveredQuestion) {
  av1::Action sustain = Plan("s1", {"s1.q1", "s1.q2"}, "police", "2026-03-31");
  sustain.set_kind(av1::Action::KIND_SUSTAIN);
  av1::Action created;
  // Nothing consolidated yet.
  EXPECT_THAT(Create(admin_, sustain, &created), StatusIs(Code::kFailedPrecondition, "s1.q1"));

  RateAndConsolidateEverything(round_);  // step 1 Green, the rest Red
  ASSERT_FALSE(HasFailure());
  ASSERT_THAT(Create(admin_, sustain, &created), IsOk());
  EXPECT_EQ(created.kind(), av1::Action::KIND_SUSTAIN);

  av1::Action red = Plan("s2", {"s2.q1"}, "police", "2026-03-31");
  red.set_kind(av1::Action::KIND_SUSTAIN);
  EXPECT_THAT(Create(admin_, red, &created), StatusIs(Code::kFailedPrecondition, "s2.q1"));

  // Turning an improvement of a Red into a sustain action is refused the same way.
  av1::Action improvement = MustCreate(admin_, Plan("s2", {"s2.q2"}, "health", "2026-03-31"));
  improvement.set_kind(av1::Action::KIND_SUSTAIN);
  av1::Action updated;
  EXPECT_THAT(Update(admin_, improvement, {"kind"}, &updated),
              StatusIs(Code::kFailedPrecondition, "s2.q2"));
  // An improvement of a Green may become a sustain action, and cover more Greens.
  av1::Action mixed = MustCreate(admin_, Plan("s1", {"s1.q3"}, "health", "2026-03-31"));
  mixed.set_kind(av1::Action::KIND_SUSTAIN);
  ASSERT_THAT(Update(admin_, mixed, {"kind"}, &updated), IsOk());
  updated.add_question_ids("s1.q4");
  av1::Action again;
  EXPECT_THAT(Update(admin_, updated, {"question_ids"}, &again), IsOk());  // s1.q4 is Green too
}

// ---- Reading ----

TEST_F(ActionServiceTest, EveryoneOfThePartnershipReadsOutsidersGetNotFound) {
  av1::Action created = MustCreate(admin_, Plan("s4", {"s4.q1"}, "police", "2026-03-31"));
  for (const User* who : {&admin_, &scrutineer_, &police_respondent_, &health_respondent_,
                          &police_owner_, &viewer_, &admin_hub_}) {
    av1::Action read;
    EXPECT_THAT(Get(*who, created.name(), &read), IsOk()) << who->principal;
    EXPECT_EQ(read.name(), created.name());
  }
  av1::Action read;
  EXPECT_THAT(Get(outsider_, created.name(), &read), StatusIs(Code::kNotFound));
  EXPECT_THAT(Get(admin_, "actions/nothing-here", &read), StatusIs(Code::kNotFound));
  EXPECT_THAT(Get(admin_, "assessments/x", &read), StatusIs(Code::kInvalidArgument));

  av1::ListActionsRequest request;
  EXPECT_THAT(ListAll(viewer_, request), ElementsAre(created.name()));
  EXPECT_THAT(ListAll(outsider_, request), IsEmpty());
  request.set_partnership(Partnership());
  EXPECT_THAT(ListAll(outsider_, request), IsEmpty());
  request.set_assessment(round_.name());
  EXPECT_THAT(ListAll(outsider_, request), IsEmpty());
}

// ---- Changing the plan ----

TEST_F(ActionServiceTest, UpdateChangesThePlanButNotItsStatusOrHistory) {
  av1::Action action = MustCreate(admin_, Plan("s2", {"s2.q1"}, "police", "2026-03-31"));
  av1::Action progressed;
  ASSERT_THAT(Progress(police_owner_, action.name(), "Started the audit", &progressed, true),
              IsOk());

  av1::Action change = progressed;
  change.set_due_date("2026-05-31");
  change.set_owner_organisation(Org("health"));
  change.set_owner_name("Dr Patel");
  change.add_question_ids("s2.q2");
  change.set_description("Audit and fix the pathway");
  // Neither status nor history change through UpdateAction.
  change.set_status(av1::Action::STATUS_DONE);
  change.mutable_progress_updates(0)->set_note("rewritten");
  av1::Action updated;
  ASSERT_THAT(Update(scrutineer_, change, {}, &updated), IsOk());
  EXPECT_EQ(updated.due_date(), "2026-05-31");
  EXPECT_EQ(updated.owner_organisation(), Org("health"));
  EXPECT_EQ(updated.owner_name(), "Dr Patel");
  EXPECT_THAT(updated.question_ids(), ElementsAre("s2.q1", "s2.q2"));
  EXPECT_EQ(updated.description(), "Audit and fix the pathway");
  EXPECT_EQ(updated.status(), av1::Action::STATUS_IN_PROGRESS);
  ASSERT_EQ(updated.progress_updates_size(), 1);
  EXPECT_TRUE(
      MessageDifferencer::Equals(updated.progress_updates(0), progressed.progress_updates(0)));
  EXPECT_NE(updated.etag(), progressed.etag());

  // A mask changes only what it names.
  av1::Action only_due = updated;
  only_due.set_due_date("2026-06-30");
  only_due.set_description("ignored");
  ASSERT_THAT(Update(admin_, only_due, {"due_date"}, &updated), IsOk());
  EXPECT_EQ(updated.due_date(), "2026-06-30");
  EXPECT_EQ(updated.description(), "Audit and fix the pathway");

  av1::Action ignored;
  EXPECT_THAT(Update(admin_, updated, {"status"}, &ignored),
              StatusIs(Code::kInvalidArgument, "update_mask"));
  EXPECT_THAT(Update(admin_, updated, {"progress_updates"}, &ignored),
              StatusIs(Code::kInvalidArgument, "update_mask"));
}

TEST_F(ActionServiceTest, UpdateRefusals) {
  av1::Action action = MustCreate(admin_, Plan("s2", {"s2.q1"}, "police", "2026-03-31"));
  av1::Action out;
  {
    av1::Action change = action;
    change.add_question_ids("s3.q1");
    EXPECT_THAT(Update(admin_, change, {"question_ids"}, &out),
                StatusIs(Code::kInvalidArgument, "action.question_ids[1]"));
  }
  {
    av1::Action change = action;
    change.set_due_date("31 March");
    EXPECT_THAT(Update(admin_, change, {"due_date"}, &out),
                StatusIs(Code::kInvalidArgument, "action.due_date"));
  }
  {
    // An organisation of another partnership is not a possible owner.
    av1::Action change = action;
    change.set_owner_organisation(Org("police", kOtherP));
    EXPECT_THAT(Update(admin_, change, {"owner_organisation"}, &out),
                StatusIs(Code::kInvalidArgument, "owner_organisation"));
  }
  // Wrong role, other partnership.
  for (const User* who : {&police_owner_, &police_respondent_, &viewer_}) {
    av1::Action change = action;
    change.set_due_date("2026-04-30");
    EXPECT_THAT(Update(*who, change, {"due_date"}, &out), StatusIs(Code::kPermissionDenied))
        << who->principal;
  }
  {
    av1::Action change = action;
    change.set_due_date("2026-04-30");
    EXPECT_THAT(Update(outsider_, change, {"due_date"}, &out), StatusIs(Code::kNotFound));
  }
  // A stale etag.
  av1::Action changed;
  {
    av1::Action change = action;
    change.set_due_date("2026-04-30");
    ASSERT_THAT(Update(admin_, change, {"due_date"}, &changed), IsOk());
    change.set_due_date("2026-05-31");  // still carries the first etag
    EXPECT_THAT(Update(admin_, change, {"due_date"}, &out), StatusIs(Code::kAborted));
  }
  EXPECT_EQ(MustGet(action.name()).due_date(), "2026-04-30");
}

// ---- Progress, completion and cancellation ----

TEST_F(ActionServiceTest, ProgressUpdatesAreAppendedInOrderAndNeverEdited) {
  av1::Action action = MustCreate(admin_, Plan("s5", {"s5.q1", "s5.q2"}, "police", "2026-09-30"));
  av1::Action after1, after2, after3, done;
  ASSERT_THAT(Progress(police_respondent_, action.name(), "Scoped the work", &after1), IsOk());
  EXPECT_EQ(after1.status(), av1::Action::STATUS_PLANNED);  // no start asked for
  ASSERT_THAT(Progress(police_owner_, action.name(), "Work started", &after2, /*start=*/true,
                       "https://intranet.example/plan.pdf"),
              IsOk());
  EXPECT_EQ(after2.status(), av1::Action::STATUS_IN_PROGRESS);
  ASSERT_THAT(
      Progress(admin_, action.name(), "Half way", &after3, /*start=*/true, "", after2.etag()),
      IsOk());
  EXPECT_EQ(after3.status(), av1::Action::STATUS_IN_PROGRESS);
  ASSERT_THAT(Complete(police_owner_, action.name(), "Pathway audited and fixed", &done, "DOC-42",
                       after3.etag()),
              IsOk());
  EXPECT_EQ(done.status(), av1::Action::STATUS_DONE);
  EXPECT_EQ(done.completion_note(), "Pathway audited and fixed");

  av1::Action read = MustGet(action.name());
  ASSERT_EQ(read.progress_updates_size(), 4);
  const auto& u = read.progress_updates();
  EXPECT_EQ(u[0].note(), "Scoped the work");
  EXPECT_EQ(u[0].author(), police_respondent_.principal);
  EXPECT_TRUE(u[0].evidence().empty());
  EXPECT_EQ(u[0].status(), av1::Action::STATUS_PLANNED);
  EXPECT_EQ(u[1].note(), "Work started");
  EXPECT_EQ(u[1].author(), police_owner_.principal);
  EXPECT_EQ(u[1].evidence(), "https://intranet.example/plan.pdf");
  EXPECT_EQ(u[1].status(), av1::Action::STATUS_IN_PROGRESS);
  EXPECT_EQ(u[2].note(), "Half way");
  EXPECT_EQ(u[2].author(), admin_.principal);
  EXPECT_EQ(u[3].note(), "Pathway audited and fixed");
  EXPECT_EQ(u[3].evidence(), "DOC-42");
  EXPECT_EQ(u[3].status(), av1::Action::STATUS_DONE);
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(u[i].has_time()) << i;
  for (int i = 1; i < 4; ++i) {
    EXPECT_LE(absl::Seconds(u[i - 1].time().seconds()) + absl::Nanoseconds(u[i - 1].time().nanos()),
              absl::Seconds(u[i].time().seconds()) + absl::Nanoseconds(u[i].time().nanos()))
        << i;
  }
  // Each earlier update is exactly as it was when appended.
  EXPECT_TRUE(MessageDifferencer::Equals(u[0], after1.progress_updates(0)));
  EXPECT_TRUE(MessageDifferencer::Equals(u[0], after3.progress_updates(0)));
  EXPECT_TRUE(MessageDifferencer::Equals(u[1], after2.progress_updates(1)));
  EXPECT_TRUE(MessageDifferencer::Equals(u[2], after3.progress_updates(2)));
}

TEST_F(ActionServiceTest, TheOwnerOrganisationReportsProgressOthersAreRefused) {
  av1::Action police = MustCreate(admin_, Plan("s5", {"s5.q1"}, "police", "2026-09-30"));
  av1::Action education = MustCreate(admin_, Plan("s5", {"s5.q2"}, "education", "2026-09-30"));
  av1::Action out;
  EXPECT_THAT(Progress(police_respondent_, police.name(), "ok", &out), IsOk());
  EXPECT_THAT(Progress(police_owner_, police.name(), "ok", &out), IsOk());
  EXPECT_THAT(Progress(scrutineer_, police.name(), "ok", &out), IsOk());
  EXPECT_THAT(Progress(education_respondent_, education.name(), "ok", &out), IsOk());
  for (const User* who : {&health_respondent_, &la_respondent_, &education_respondent_, &viewer_}) {
    EXPECT_THAT(Progress(*who, police.name(), "not mine", &out), StatusIs(Code::kPermissionDenied))
        << who->principal;
    EXPECT_THAT(Complete(*who, police.name(), "not mine", &out), StatusIs(Code::kPermissionDenied))
        << who->principal;
  }
  // The police action owner is not the education's.
  EXPECT_THAT(Progress(police_owner_, education.name(), "not mine", &out),
              StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(Progress(outsider_, police.name(), "hello", &out), StatusIs(Code::kNotFound));
  EXPECT_THAT(Complete(outsider_, police.name(), "hello", &out), StatusIs(Code::kNotFound));
  EXPECT_THAT(Cancel(outsider_, police.name(), "hello", &out), StatusIs(Code::kNotFound));
  // Cancelling is planning: not for the owner organisation.
  EXPECT_THAT(Cancel(police_owner_, police.name(), "we would rather not", &out),
              StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(Cancel(police_respondent_, police.name(), "we would rather not", &out),
              StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(Cancel(viewer_, police.name(), "we would rather not", &out),
              StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(Progress(admin_, "actions/missing", "x", &out), StatusIs(Code::kNotFound));
  EXPECT_THAT(MustGet(police.name()).progress_updates(), SizeIs(3));
  EXPECT_EQ(MustGet(police.name()).status(), av1::Action::STATUS_PLANNED);
}

TEST_F(ActionServiceTest, CompletionNeedsANoteAndCancellationAReason) {
  av1::Action action = MustCreate(admin_, Plan("s6", {"s6.q1"}, "police", "2026-09-30"));
  av1::Action out;
  EXPECT_THAT(Complete(police_owner_, action.name(), "", &out),
              StatusIs(Code::kInvalidArgument, "completion_note"));
  EXPECT_THAT(Complete(police_owner_, action.name(), "   ", &out),
              StatusIs(Code::kInvalidArgument, "completion_note"));
  EXPECT_THAT(Cancel(admin_, action.name(), "", &out), StatusIs(Code::kInvalidArgument, "reason"));
  EXPECT_THAT(Cancel(admin_, action.name(), " ", &out), StatusIs(Code::kInvalidArgument, "reason"));
  EXPECT_THAT(Progress(police_owner_, action.name(), "", &out),
              StatusIs(Code::kInvalidArgument, "note"));
  av1::Action read = MustGet(action.name());
  EXPECT_EQ(read.status(), av1::Action::STATUS_PLANNED);
  EXPECT_THAT(read.progress_updates(), IsEmpty());

  av1::Action cancelled;
  ASSERT_THAT(Cancel(scrutineer_, action.name(), "Superseded by the new pathway", &cancelled),
              IsOk());
  EXPECT_EQ(cancelled.status(), av1::Action::STATUS_CANCELLED);
  EXPECT_EQ(cancelled.cancel_reason(), "Superseded by the new pathway");
  ASSERT_EQ(cancelled.progress_updates_size(), 1);
  EXPECT_EQ(cancelled.progress_updates(0).status(), av1::Action::STATUS_CANCELLED);
  EXPECT_EQ(cancelled.progress_updates(0).author(), scrutineer_.principal);
}

TEST_F(ActionServiceTest, DoneAndCancelledActionsNoLongerChange) {
  av1::Action done = MustCreate(admin_, Plan("s6", {"s6.q1"}, "police", "2026-09-30"));
  av1::Action cancelled = MustCreate(admin_, Plan("s6", {"s6.q2"}, "police", "2026-09-30"));
  av1::Action out;
  ASSERT_THAT(Complete(police_owner_, done.name(), "Finished", &done), IsOk());
  ASSERT_THAT(Cancel(admin_, cancelled.name(), "Not needed", &cancelled), IsOk());
  for (const av1::Action& closed : {done, cancelled}) {
    SCOPED_TRACE(av1::Action::Status_Name(closed.status()));
    av1::Action change = closed;
    change.set_due_date("2027-01-31");
    EXPECT_THAT(Update(admin_, change, {"due_date"}, &out), StatusIs(Code::kFailedPrecondition));
    EXPECT_THAT(Progress(admin_, closed.name(), "more", &out), StatusIs(Code::kFailedPrecondition));
    EXPECT_THAT(Progress(police_owner_, closed.name(), "more", &out, true),
                StatusIs(Code::kFailedPrecondition));
    EXPECT_THAT(Complete(admin_, closed.name(), "again", &out),
                StatusIs(Code::kFailedPrecondition));
    EXPECT_THAT(Cancel(admin_, closed.name(), "again", &out), StatusIs(Code::kFailedPrecondition));
    av1::Action read = MustGet(closed.name());
    EXPECT_TRUE(MessageDifferencer::Equals(read, closed)) << read.DebugString() << "\nvs\n"
                                                          << closed.DebugString();
  }
}

// Issue #13 finding 16: an update, completion or cancellation without the etag it is based
// on would overwrite changes the caller never saw; each is refused and changes nothing.
TEST_F(ActionServiceTest, ABlindWriteWithoutAnEtagIsRefused) {
  av1::Action action = MustCreate(admin_, Plan("s4", {"s4.q2"}, "police", "2026-09-30"));
  av1::Action out;
  av1::Action blind = action;
  blind.clear_etag();
  blind.set_description("Overwritten without reading");
  EXPECT_THAT(Update(admin_, blind, {"description"}, &out),
              StatusIs(Code::kInvalidArgument, "action.etag"));
  EXPECT_THAT(Complete(police_owner_, action.name(), "Done", &out, "", std::string()),
              StatusIs(Code::kInvalidArgument, "etag"));
  EXPECT_THAT(Cancel(admin_, action.name(), "No", &out, std::string()),
              StatusIs(Code::kInvalidArgument, "etag"));
  av1::Action read = MustGet(action.name());
  EXPECT_EQ(read.etag(), action.etag());
  EXPECT_EQ(read.description(), action.description());
  EXPECT_EQ(read.status(), av1::Action::STATUS_PLANNED);
}

TEST_F(ActionServiceTest, AStaleEtagIsAborted) {
  av1::Action action = MustCreate(admin_, Plan("s4", {"s4.q2"}, "police", "2026-09-30"));
  const std::string first = action.etag();
  av1::Action moved, out;
  ASSERT_THAT(Progress(police_owner_, action.name(), "First note", &moved, false, "", first),
              IsOk());
  EXPECT_NE(moved.etag(), first);
  EXPECT_THAT(Progress(police_owner_, action.name(), "Second", &out, false, "", first),
              StatusIs(Code::kAborted));
  EXPECT_THAT(Complete(police_owner_, action.name(), "Done", &out, "", first),
              StatusIs(Code::kAborted));
  EXPECT_THAT(Cancel(admin_, action.name(), "No", &out, first), StatusIs(Code::kAborted));
  av1::Action read = MustGet(action.name());
  EXPECT_EQ(read.etag(), moved.etag());
  EXPECT_EQ(read.status(), av1::Action::STATUS_PLANNED);
  EXPECT_THAT(read.progress_updates(), SizeIs(1));
  // With the current etag it goes through.
  EXPECT_THAT(Complete(police_owner_, action.name(), "Done", &out, "", moved.etag()), IsOk());
}

// ---- Overdue and listing ----

TEST_F(ActionServiceTest, OverdueAsOfAGivenDate) {
  av1::Action planned = MustCreate(admin_, Plan("s1", {"s1.q1"}, "police", "2026-03-31"));
  av1::Action started = MustCreate(admin_, Plan("s1", {"s1.q2"}, "health", "2026-03-31"));
  av1::Action done = MustCreate(admin_, Plan("s1", {"s1.q3"}, "police", "2026-03-31"));
  av1::Action cancelled = MustCreate(admin_, Plan("s1", {"s1.q4"}, "police", "2026-03-31"));
  av1::Action out;
  ASSERT_THAT(Progress(health_respondent_, started.name(), "Begun", &out, true), IsOk());
  ASSERT_THAT(Complete(police_owner_, done.name(), "Finished", &out), IsOk());
  ASSERT_THAT(Cancel(admin_, cancelled.name(), "Dropped", &out), IsOk());

  auto overdue_as_of = [&](const std::string& date) {
    av1::ListActionsRequest request;
    request.set_assessment(round_.name());
    request.set_overdue_only(true);
    request.set_as_of_date(date);
    av1::ListActionsResponse response;
    EXPECT_THAT(List(admin_, request, &response), IsOk());
    EXPECT_EQ(response.as_of_date(), date);
    for (const auto& action : response.actions()) EXPECT_TRUE(action.overdue()) << date;
    return Names(response.actions());
  };
  EXPECT_THAT(overdue_as_of("2026-03-30"), IsEmpty());
  EXPECT_THAT(overdue_as_of("2026-03-31"), IsEmpty());  // the due date itself
  EXPECT_THAT(overdue_as_of("2026-04-01"),
              UnorderedElementsAreArray({planned.name(), started.name()}));
  EXPECT_THAT(overdue_as_of("2030-01-01"),
              UnorderedElementsAreArray({planned.name(), started.name()}));

  // Without overdue_only every action is listed, each marked as of the date given.
  auto flags_as_of = [&](const std::string& date) {
    av1::ListActionsRequest request;
    request.set_assessment(round_.name());
    request.set_as_of_date(date);
    av1::ListActionsResponse response;
    EXPECT_THAT(List(admin_, request, &response), IsOk());
    std::map<std::string, bool> flags;
    for (const auto& action : response.actions()) flags[action.name()] = action.overdue();
    return flags;
  };
  std::map<std::string, bool> on_due = flags_as_of("2026-03-31");
  ASSERT_EQ(on_due.size(), 4u);
  for (const auto& [name, overdue] : on_due) EXPECT_FALSE(overdue) << name;
  std::map<std::string, bool> after = flags_as_of("2026-04-01");
  EXPECT_TRUE(after[planned.name()]);
  EXPECT_TRUE(after[started.name()]);
  EXPECT_FALSE(after[done.name()]);
  EXPECT_FALSE(after[cancelled.name()]);

  av1::ListActionsRequest bad;
  bad.set_as_of_date("2026-31-03");
  av1::ListActionsResponse response;
  EXPECT_THAT(List(admin_, bad, &response), StatusIs(Code::kInvalidArgument, "as_of_date"));
}

TEST_F(ActionServiceTest, OverdueDefaultsToTodayInTheHubsTimeZone) {
  // The hub of TestHub is on UTC. The date is read before and after the calls, so a call
  // that straddles midnight is judged against whichever date the service saw.
  const std::string before = absl::FormatTime("%Y-%m-%d", absl::Now(), absl::UTCTimeZone());
  av1::Action past = MustCreate(admin_, Plan("s2", {"s2.q1"}, "police", "2020-01-01"));
  av1::Action today = MustCreate(admin_, Plan("s2", {"s2.q2"}, "police", before));
  av1::Action future = MustCreate(admin_, Plan("s2", {"s2.q3"}, "police", "2199-12-31"));
  EXPECT_TRUE(past.overdue());
  EXPECT_FALSE(future.overdue());

  av1::ListActionsRequest request;
  request.set_assessment(round_.name());
  av1::ListActionsResponse response;
  ASSERT_THAT(List(admin_, request, &response), IsOk());
  const std::string after = absl::FormatTime("%Y-%m-%d", absl::Now(), absl::UTCTimeZone());
  const std::string as_of = response.as_of_date();
  EXPECT_TRUE(as_of == before || as_of == after) << as_of;
  ASSERT_THAT(Names(response.actions()),
              ElementsAre(past.name(), today.name(), future.name()));  // by due date
  EXPECT_TRUE(response.actions(0).overdue());
  // Due today is not overdue; only if the service's day had already moved on.
  EXPECT_EQ(response.actions(1).overdue(), before < as_of);
  EXPECT_FALSE(response.actions(2).overdue());

  request.set_overdue_only(true);
  ASSERT_THAT(List(admin_, request, &response), IsOk());
  if (response.as_of_date() == before) {
    EXPECT_THAT(Names(response.actions()), ElementsAre(past.name()));
  } else {
    EXPECT_THAT(Names(response.actions()), ElementsAre(past.name(), today.name()));
  }
  av1::Action read = MustGet(past.name());
  EXPECT_TRUE(read.overdue());
  EXPECT_FALSE(MustGet(future.name()).overdue());
}

class ActionListingTest : public ActionServiceTest {
 protected:
  void SetUp() override {
    ActionServiceTest::SetUp();
    if (HasFatalFailure()) return;
    a1_ = MustCreate(admin_, Plan("s1", {"s1.q1", "s1.q2"}, "police", "2026-03-10"));
    a2_ = MustCreate(admin_, Plan("s2", {"s2.q1"}, "health", "2026-03-20"));
    a3_ = MustCreate(admin_, Plan("s1", {"s1.q3"}, "health", "2026-04-05"));
    a4_ = MustCreate(admin_, Plan("s3", {"s3.q1", "s3.q2"}, "police", "2026-05-01"));
    a5_ = MustCreate(admin_, Plan("s2", {"s2.q4"}, "education", "2026-02-01"));
    av1::Action out;
    ASSERT_THAT(Progress(health_respondent_, a3_.name(), "Begun", &out, true), IsOk());
    ASSERT_THAT(Complete(police_owner_, a4_.name(), "Finished", &out), IsOk());
    ASSERT_THAT(Cancel(admin_, a5_.name(), "Not needed", &out), IsOk());
    // A second round of the same partnership, with an action due the same day as a2.
    round_b_ = MustCreateRound(admin_, kP, "Round 1b");
    b1_ = MustCreate(admin_, Plan("s1", {"s1.q1"}, "police", "2026-03-20", &round_b_));
    // And another partnership's round and action, which the partnership never sees.
    asv1::Assessment durham = MustCreateRound(outsider_, kOtherP, "Durham 1");
    av1::Action plan = Plan("s1", {"s1.q1"}, "police", "2026-01-01", &durham);
    plan.set_owner_organisation(Org("police", kOtherP));
    d1_ = MustCreate(outsider_, plan);
    ASSERT_FALSE(HasFailure());
  }

  std::vector<std::string> Listed(const av1::ListActionsRequest& request,
                                  const User* as = nullptr) {
    return ListAll(as != nullptr ? *as : admin_, request);
  }

  av1::Action a1_, a2_, a3_, a4_, a5_, b1_, d1_;
  asv1::Assessment round_b_;
};

TEST_F(ActionListingTest, EachFilterAlone) {
  av1::ListActionsRequest all;
  // The partnership sees its own actions only, in due-date order.
  std::vector<std::string> everything = Listed(all);
  ASSERT_THAT(everything, SizeIs(6));
  EXPECT_EQ(everything[0], a5_.name());
  EXPECT_EQ(everything[1], a1_.name());
  EXPECT_THAT(std::vector<std::string>(everything.begin() + 2, everything.begin() + 4),
              UnorderedElementsAreArray({a2_.name(), b1_.name()}));
  EXPECT_EQ(everything[4], a3_.name());
  EXPECT_EQ(everything[5], a4_.name());
  EXPECT_THAT(Listed(all, &outsider_), ElementsAre(d1_.name()));

  {
    // The deployment administrator sees both partnerships; the filter narrows.
    EXPECT_THAT(Listed(all, &admin_hub_), SizeIs(7));
    av1::ListActionsRequest r;
    r.set_partnership(Partnership());
    EXPECT_THAT(Listed(r, &admin_hub_), ElementsAreArray(everything));
    r.set_partnership(Partnership(kOtherP));
    EXPECT_THAT(Listed(r, &admin_hub_), ElementsAre(d1_.name()));
    EXPECT_THAT(Listed(r), IsEmpty());
  }
  {
    av1::ListActionsRequest r;
    r.set_assessment(round_b_.name());
    EXPECT_THAT(Listed(r), ElementsAre(b1_.name()));
    r.set_assessment(round_.name());
    EXPECT_THAT(Listed(r), ElementsAre(a5_.name(), a1_.name(), a2_.name(), a3_.name(), a4_.name()));
  }
  {
    av1::ListActionsRequest r;
    r.set_step_id("s1");
    EXPECT_THAT(Listed(r), ElementsAre(a1_.name(), b1_.name(), a3_.name()));
    r.set_step_id("s6");
    EXPECT_THAT(Listed(r), IsEmpty());
  }
  {
    av1::ListActionsRequest r;
    r.set_question_id("s1.q2");
    EXPECT_THAT(Listed(r), ElementsAre(a1_.name()));
    r.set_question_id("s1.q1");
    EXPECT_THAT(Listed(r), ElementsAre(a1_.name(), b1_.name()));
  }
  {
    av1::ListActionsRequest r;
    r.set_owner_organisation(Org("health"));
    EXPECT_THAT(Listed(r), ElementsAre(a2_.name(), a3_.name()));
    r.set_owner_organisation(Org("education"));
    EXPECT_THAT(Listed(r), ElementsAre(a5_.name()));
    r.set_owner_organisation(Org("local-authority"));
    EXPECT_THAT(Listed(r), IsEmpty());
  }
  {
    av1::ListActionsRequest r;
    r.add_statuses(av1::Action::STATUS_IN_PROGRESS);
    EXPECT_THAT(Listed(r), ElementsAre(a3_.name()));
    r.clear_statuses();
    r.add_statuses(av1::Action::STATUS_DONE);
    r.add_statuses(av1::Action::STATUS_CANCELLED);
    EXPECT_THAT(Listed(r), ElementsAre(a5_.name(), a4_.name()));
    r.clear_statuses();
    r.add_statuses(av1::Action::STATUS_PLANNED);
    std::vector<std::string> planned = Listed(r);
    ASSERT_THAT(planned, SizeIs(3));
    EXPECT_EQ(planned[0], a1_.name());
    EXPECT_THAT(std::vector<std::string>(planned.begin() + 1, planned.end()),
                UnorderedElementsAreArray({a2_.name(), b1_.name()}));
    r.clear_statuses();
    r.add_statuses(static_cast<av1::Action::Status>(17));
    av1::ListActionsResponse response;
    EXPECT_THAT(List(admin_, r, &response), StatusIs(Code::kInvalidArgument, "statuses"));
  }
  {
    av1::ListActionsRequest r;
    r.set_overdue_only(true);
    r.set_as_of_date("2026-03-19");  // the day before a2 and b1 are due
    EXPECT_THAT(Listed(r), ElementsAre(a1_.name()));
    r.set_as_of_date("2026-03-20");  // their due date itself
    EXPECT_THAT(Listed(r), ElementsAre(a1_.name()));
    r.set_as_of_date("2026-03-21");  // the day after
    std::vector<std::string> overdue = Listed(r);
    ASSERT_THAT(overdue, SizeIs(3));
    EXPECT_EQ(overdue[0], a1_.name());
    EXPECT_THAT(std::vector<std::string>(overdue.begin() + 1, overdue.end()),
                UnorderedElementsAreArray({a2_.name(), b1_.name()}));
    // Done (a4) and cancelled (a5) are never overdue.
    r.set_as_of_date("2027-01-01");
    overdue = Listed(r);
    EXPECT_THAT(overdue, SizeIs(4));
    EXPECT_EQ(overdue.back(), a3_.name());
  }
  {
    av1::ListActionsRequest r;
    r.set_due_before("2026-03-20");  // strictly before
    EXPECT_THAT(Listed(r), ElementsAre(a5_.name(), a1_.name()));
    r.set_due_before("2026-03-21");
    EXPECT_THAT(Listed(r), SizeIs(4));
    r.set_due_before("not a date");
    av1::ListActionsResponse response;
    EXPECT_THAT(List(admin_, r, &response), StatusIs(Code::kInvalidArgument, "due_before"));
  }
}

TEST_F(ActionListingTest, FiltersCombined) {
  {
    av1::ListActionsRequest r;
    r.set_step_id("s1");
    r.set_owner_organisation(Org("health"));
    EXPECT_THAT(Listed(r), ElementsAre(a3_.name()));
  }
  {
    av1::ListActionsRequest r;
    r.set_owner_organisation(Org("police"));
    r.add_statuses(av1::Action::STATUS_PLANNED);
    EXPECT_THAT(Listed(r), ElementsAre(a1_.name(), b1_.name()));
    r.set_assessment(round_.name());
    EXPECT_THAT(Listed(r), ElementsAre(a1_.name()));
  }
  {
    av1::ListActionsRequest r;
    r.set_overdue_only(true);
    r.set_as_of_date("2026-04-06");
    r.set_owner_organisation(Org("health"));
    EXPECT_THAT(Listed(r), ElementsAre(a2_.name(), a3_.name()));
    r.add_statuses(av1::Action::STATUS_IN_PROGRESS);
    EXPECT_THAT(Listed(r), ElementsAre(a3_.name()));
  }
  {
    av1::ListActionsRequest r;
    r.set_partnership(Partnership());
    r.set_assessment(round_.name());
    r.set_step_id("s1");
    r.set_question_id("s1.q1");
    EXPECT_THAT(Listed(r), ElementsAre(a1_.name()));
    r.set_due_before("2026-03-10");
    EXPECT_THAT(Listed(r), IsEmpty());
  }
  {
    av1::ListActionsRequest r;
    r.set_due_before("2026-04-01");
    r.set_overdue_only(true);
    r.set_as_of_date("2026-04-30");
    // a1, a2, b1 open and overdue and due before April; a3 due after; a5 cancelled.
    EXPECT_THAT(Listed(r), SizeIs(3));
    r.set_step_id("s2");
    EXPECT_THAT(Listed(r), ElementsAre(a2_.name()));
  }
}

TEST_F(ActionListingTest, PagesOfTwoInDueDateOrder) {
  av1::ListActionsRequest request;
  request.set_partnership(Partnership());
  request.set_page_size(2);
  av1::ListActionsRequest unpaged = request;
  unpaged.clear_page_size();
  std::vector<std::string> expected = Listed(unpaged);
  ASSERT_THAT(expected, SizeIs(6));

  std::vector<std::string> seen;
  std::vector<std::string> due_dates;
  int pages = 0;
  for (;;) {
    av1::ListActionsResponse response;
    ASSERT_THAT(List(admin_, request, &response), IsOk());
    ++pages;
    EXPECT_LE(response.actions_size(), 2);
    for (const auto& action : response.actions()) {
      seen.push_back(action.name());
      due_dates.push_back(action.due_date());
    }
    if (response.next_page_token().empty()) break;
    ASSERT_LT(pages, 10);
    request.set_page_token(response.next_page_token());
  }
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(seen, expected);
  EXPECT_TRUE(std::is_sorted(due_dates.begin(), due_dates.end()));
  EXPECT_THAT(due_dates, ElementsAre("2026-02-01", "2026-03-10", "2026-03-20", "2026-03-20",
                                     "2026-04-05", "2026-05-01"));

  // A page token belongs to its query.
  av1::ListActionsRequest first = request;
  first.clear_page_token();
  av1::ListActionsResponse page1;
  ASSERT_THAT(List(admin_, first, &page1), IsOk());
  ASSERT_FALSE(page1.next_page_token().empty());
  av1::ListActionsRequest other = first;
  other.set_step_id("s1");
  other.set_page_token(page1.next_page_token());
  av1::ListActionsResponse response;
  EXPECT_THAT(List(admin_, other, &response), StatusIs(Code::kInvalidArgument));
  av1::ListActionsRequest negative;
  negative.set_page_size(-1);
  EXPECT_THAT(List(admin_, negative, &response), StatusIs(Code::kInvalidArgument));

  // Paging with a filter and overdue_only.
  av1::ListActionsRequest overdue;
  overdue.set_overdue_only(true);
  overdue.set_as_of_date("2027-01-01");
  overdue.set_page_size(2);
  av1::ListActionsRequest overdue_unpaged = overdue;
  overdue_unpaged.clear_page_size();
  EXPECT_EQ(Listed(overdue), Listed(overdue_unpaged));
  EXPECT_THAT(Listed(overdue), SizeIs(4));
}

// ---- Finalisation ----

TEST_F(ActionServiceTest, FinalisationNeedsEveryQuestionCoveredByAnActionOfTheRound) {
  RateAndConsolidateEverything(round_);
  ASSERT_FALSE(HasFailure());
  ASSERT_THAT(Submit(admin_, round_.name()), IsOk());
  // Nothing planned yet: each question's only gap is its action plan entry.
  asv1::CheckFinalisationResponse check = MustCheck(round_.name());
  EXPECT_FALSE(check.ready());
  std::vector<std::string> all_gaps;
  for (const std::string& q : AllQuestions()) {
    all_gaps.push_back(absl::StrCat(q, ": no action plan entry covers it"));
  }
  EXPECT_THAT(check.missing(), ElementsAreArray(all_gaps));

  // Steps 1 to 5 get an action each covering their four questions.
  std::vector<av1::Action> step_actions;
  for (int s = 1; s <= 5; ++s) {
    step_actions.push_back(
        MustCreate(admin_, Plan(absl::StrCat("s", s), StepQuestions(s), "police", "2026-09-30")));
  }
  // An action of another round covering step 6 does not count for this one.
  asv1::Assessment other_round = MustCreateRound(admin_, kP, "Another round");
  MustCreate(admin_, Plan("s6", StepQuestions(6), "police", "2026-09-30", &other_round));
  // Nor does a cancelled one.
  av1::Action cancelled = MustCreate(admin_, Plan("s6", StepQuestions(6), "health", "2026-09-30"));
  av1::Action out;
  ASSERT_THAT(Cancel(admin_, cancelled.name(), "Wrong owner", &out), IsOk());

  check = MustCheck(round_.name());
  EXPECT_FALSE(check.ready());
  EXPECT_THAT(check.missing(), ElementsAre("s6.q1: no action plan entry covers it",
                                           "s6.q2: no action plan entry covers it",
                                           "s6.q3: no action plan entry covers it",
                                           "s6.q4: no action plan entry covers it"));
  EXPECT_THAT(Finalise(round_.name()), StatusIs(Code::kFailedPrecondition, "s6.q1"));

  // Partly covered: only the rest is missing.
  MustCreate(admin_, Plan("s6", {"s6.q1", "s6.q3"}, "health", "2026-09-30"));
  check = MustCheck(round_.name());
  EXPECT_THAT(check.missing(), ElementsAre("s6.q2: no action plan entry covers it",
                                           "s6.q4: no action plan entry covers it"));
  // A done action still covers its questions.
  av1::Action rest = MustCreate(admin_, Plan("s6", {"s6.q2", "s6.q4"}, "police", "2026-09-30"));
  ASSERT_THAT(Complete(police_owner_, rest.name(), "Done already", &out), IsOk());
  check = MustCheck(round_.name());
  EXPECT_THAT(check.missing(), IsEmpty());
  EXPECT_TRUE(check.ready());
  asv1::Assessment finalised;
  ASSERT_THAT(Finalise(round_.name(), &finalised), IsOk());
  EXPECT_EQ(finalised.state(), asv1::Assessment::STATE_FINALISED);

  // The plan of a finalised round is still tracked: progress goes on after finalisation,
  // but the finalised round takes no new actions (it is read-only until reopened).
  av1::Action progressed;
  EXPECT_THAT(Progress(police_owner_, step_actions.front().name(), "Progress after finalisation",
                       &progressed, /*start=*/true),
              IsOk());
  EXPECT_EQ(progressed.status(), av1::Action::STATUS_IN_PROGRESS);
  av1::Action refused;
  EXPECT_THAT(Create(admin_, Plan("s1", {"s1.q1"}, "police", "2026-09-30"), &refused),
              StatusIs(Code::kFailedPrecondition));
}

// ---- Carry-over ----

class CarryOverTest : public ActionServiceTest {
 protected:
  // Round 1: rated, consolidated, one action per step, finalised with step 1's action
  // done, step 3's in progress, an extra cancelled one on step 2, the others planned.
  void SetUp() override {
    ActionServiceTest::SetUp();
    if (HasFatalFailure()) return;
    RateAndConsolidateEverything(round_);
    ASSERT_FALSE(HasFailure());
    for (int s = 1; s <= 6; ++s) {
      av1::Action plan = Plan(absl::StrCat("s", s), StepQuestions(s), s % 2 ? "police" : "health",
                              absl::StrCat("2026-0", s, "-15"));
      plan.set_owner_name(absl::StrCat("Owner ", s));
      step_action_[s] = MustCreate(admin_, plan);
    }
    av1::Action out;
    ASSERT_THAT(Complete(police_owner_, step_action_[1].name(), "Done", &out), IsOk());
    ASSERT_THAT(Progress(police_owner_, step_action_[3].name(), "Begun", &step_action_[3], true),
                IsOk());
    extra_cancelled_ = MustCreate(admin_, Plan("s2", {"s2.q1"}, "education", "2026-02-01"));
    ASSERT_THAT(Cancel(admin_, extra_cancelled_.name(), "Duplicate", &out), IsOk());
    ASSERT_THAT(Submit(admin_, round_.name()), IsOk());
    ASSERT_THAT(Finalise(round_.name()), IsOk());
    round2_ = MustCreateRound(admin_, kP, "Round 2");
    ASSERT_FALSE(HasFailure());
  }

  std::map<int, av1::Action> step_action_;
  av1::Action extra_cancelled_;
  asv1::Assessment round2_;
};

TEST_F(CarryOverTest, CarriesOnlyTheOpenActionsAndLinksBothWays) {
  EXPECT_EQ(round2_.previous_assessment(), round_.name());
  const int64_t head = FeedHead();

  av1::CarryOverActionsResponse carried;
  ASSERT_THAT(CarryOver(admin_, round2_.name(), "", "carry-1", &carried), IsOk());
  EXPECT_THAT(carried.not_carried(), IsEmpty());
  ASSERT_THAT(carried.actions(), SizeIs(5));  // steps 2 to 6

  std::map<std::string, const av1::Action*> by_old;
  for (const av1::Action& action : carried.actions()) by_old[action.carried_from()] = &action;
  std::vector<std::string> open_old;
  for (int s = 2; s <= 6; ++s) open_old.push_back(step_action_[s].name());
  std::vector<std::string> carried_from;
  for (const auto& [old, action] : by_old) carried_from.push_back(old);
  EXPECT_THAT(carried_from, UnorderedElementsAreArray(open_old));

  for (int s = 2; s <= 6; ++s) {
    SCOPED_TRACE(absl::StrCat("step ", s));
    const av1::Action& old_before = step_action_[s];
    ASSERT_TRUE(by_old.count(old_before.name()));
    const av1::Action& fresh = *by_old[old_before.name()];
    EXPECT_NE(fresh.name(), old_before.name());
    EXPECT_EQ(fresh.assessment(), round2_.name());
    EXPECT_EQ(fresh.partnership(), Partnership());
    EXPECT_EQ(fresh.step_id(), old_before.step_id());
    EXPECT_THAT(fresh.question_ids(), ElementsAreArray(old_before.question_ids()));
    EXPECT_EQ(fresh.description(), old_before.description());
    EXPECT_EQ(fresh.intended_outcome(), old_before.intended_outcome());
    EXPECT_EQ(fresh.owner_organisation(), old_before.owner_organisation());
    EXPECT_EQ(fresh.owner_name(), old_before.owner_name());
    EXPECT_EQ(fresh.due_date(), old_before.due_date());
    EXPECT_EQ(fresh.status(),
              s == 3 ? av1::Action::STATUS_IN_PROGRESS : av1::Action::STATUS_PLANNED);
    EXPECT_TRUE(fresh.carried_to().empty());
    EXPECT_EQ(fresh.creator(), admin_.principal);
    av1::Action stored = MustGet(fresh.name());
    stored.clear_overdue();  // judged against today when read
    av1::Action returned = fresh;
    returned.clear_overdue();
    EXPECT_TRUE(MessageDifferencer::Equals(stored, returned));

    av1::Action old_after = MustGet(old_before.name());
    EXPECT_EQ(old_after.status(), av1::Action::STATUS_CARRIED_OVER);
    EXPECT_EQ(old_after.carried_to(), fresh.name());
    EXPECT_EQ(old_after.assessment(), round_.name());
    ASSERT_EQ(old_after.progress_updates_size(), old_before.progress_updates_size() + 1);
    EXPECT_EQ(old_after.progress_updates(old_after.progress_updates_size() - 1).status(),
              av1::Action::STATUS_CARRIED_OVER);
    EXPECT_FALSE(old_after.overdue());
  }
  // Done and cancelled actions stay as they were.
  EXPECT_EQ(MustGet(step_action_[1].name()).status(), av1::Action::STATUS_DONE);
  EXPECT_TRUE(MustGet(step_action_[1].name()).carried_to().empty());
  EXPECT_EQ(MustGet(extra_cancelled_.name()).status(), av1::Action::STATUS_CANCELLED);
  EXPECT_TRUE(MustGet(extra_cancelled_.name()).carried_to().empty());
  EXPECT_THAT(ActionsOf(round2_), UnorderedElementsAreArray(Names(carried.actions())));

  // A repeat with the same request id returns the same result and carries nothing twice.
  av1::CarryOverActionsResponse again;
  ASSERT_THAT(CarryOver(admin_, round2_.name(), "", "carry-1", &again), IsOk());
  EXPECT_TRUE(MessageDifferencer::Equals(again, carried));
  // A new request finds nothing open left to carry.
  av1::CarryOverActionsResponse nothing;
  ASSERT_THAT(CarryOver(scrutineer_, round2_.name(), round_.name(), "carry-2", &nothing), IsOk());
  EXPECT_THAT(nothing.actions(), IsEmpty());
  EXPECT_THAT(ActionsOf(round2_), SizeIs(5));

  // Carried-over actions are closed in the old round.
  av1::Action out;
  EXPECT_THAT(Progress(police_owner_, step_action_[3].name(), "more", &out),
              StatusIs(Code::kFailedPrecondition));
  EXPECT_THAT(Cancel(admin_, step_action_[2].name(), "x", &out),
              StatusIs(Code::kFailedPrecondition));
  // ...and carry on in the new one.
  EXPECT_THAT(Progress(police_owner_, by_old[step_action_[3].name()]->name(), "more", &out),
              IsOk());

  // The feed has one change per record written: the new action, then the old one closed.
  std::vector<asv1::Change> changes = ChangesAfter(head);
  ASSERT_THAT(changes, SizeIs(11));  // 5 × (new, old) + the progress note above
  for (int i = 0; i < 10; i += 2) {
    SCOPED_TRACE(i);
    const asv1::Change& fresh = changes[i];
    const asv1::Change& old = changes[i + 1];
    EXPECT_EQ(fresh.kind(), asv1::CHANGE_KIND_ACTION_CHANGED);
    EXPECT_EQ(old.kind(), asv1::CHANGE_KIND_ACTION_CHANGED);
    ASSERT_TRUE(fresh.has_action());
    ASSERT_TRUE(old.has_action());
    EXPECT_EQ(fresh.action().name(), carried.actions(i / 2).name());
    EXPECT_EQ(fresh.assessment(), round2_.name());
    EXPECT_EQ(old.action().name(), fresh.action().carried_from());
    EXPECT_EQ(old.action().carried_to(), fresh.action().name());
    EXPECT_EQ(old.action().status(), av1::Action::STATUS_CARRIED_OVER);
    EXPECT_EQ(old.assessment(), round_.name());
    EXPECT_EQ(old.partnership(), Partnership());
    EXPECT_EQ(fresh.actor(), admin_.principal);
  }
  EXPECT_EQ(changes[10].action().name(), by_old[step_action_[3].name()]->name());
}

TEST_F(CarryOverTest, QuestionsTheNewFrameworkDroppedAreNotCarried) {
  // The region adapts the framework: step 6 removed, and step 5 loses its last two
  // questions. Round 2 of the partnership runs on the adapted version.
  auto frameworks = hub_->FrameworkStub();
  fv1::FrameworkVersion draft;
  {
    grpc::ClientContext context;
    Authorize(context, hub_->admin_token());
    fv1::AdaptFrameworkRequest request;
    request.set_source_version(kBuiltIn);
    request.set_framework_id("north-six-steps");
    request.set_display_name("North's Six Steps");
    request.set_region(kRegion);
    fv1::AdaptFrameworkResponse response;
    ASSERT_THAT(frameworks->AdaptFramework(&context, request, &response), IsOk());
    draft = response.version();
  }
  ASSERT_EQ(draft.steps_size(), 6);
  draft.mutable_steps()->RemoveLast();
  draft.mutable_steps(4)->mutable_questions()->DeleteSubrange(2, 2);
  {
    grpc::ClientContext context;
    Authorize(context, hub_->admin_token());
    fv1::UpdateFrameworkVersionRequest request;
    *request.mutable_framework_version() = draft;
    request.mutable_update_mask()->add_paths("steps");
    ASSERT_THAT(frameworks->UpdateFrameworkVersion(&context, request, &draft), IsOk());
  }
  {
    grpc::ClientContext context;
    Authorize(context, hub_->admin_token());
    fv1::PublishFrameworkVersionRequest request;
    request.set_name(draft.name());
    ASSERT_THAT(frameworks->PublishFrameworkVersion(&context, request, &draft), IsOk());
  }
  asv1::Assessment adapted_round;
  {
    grpc::ClientContext context;
    Authorize(context, admin_.token);
    asv1::CreateAssessmentRequest request;
    *request.mutable_assessment() = round2_;
    request.mutable_assessment()->set_framework_version(draft.name());
    request.mutable_assessment()->set_title("Round 2 on the adapted framework");
    ASSERT_THAT(assessments_->CreateAssessment(&context, request, &adapted_round), IsOk());
  }
  ASSERT_EQ(adapted_round.previous_assessment(), round_.name());

  av1::CarryOverActionsResponse carried;
  ASSERT_THAT(CarryOver(admin_, adapted_round.name(), "", "", &carried), IsOk());
  EXPECT_THAT(carried.not_carried(), ElementsAre(step_action_[6].name()));
  std::map<std::string, av1::Action> by_step;
  for (const av1::Action& action : carried.actions()) by_step[action.step_id()] = action;
  ASSERT_EQ(by_step.size(), 4u);  // steps 2 to 5
  EXPECT_THAT(by_step["s5"].question_ids(), ElementsAre("s5.q1", "s5.q2"));
  EXPECT_THAT(by_step["s4"].question_ids(), ElementsAreArray(StepQuestions(4)));
  // What could not be carried stays open in the old round.
  av1::Action left = MustGet(step_action_[6].name());
  EXPECT_EQ(left.status(), av1::Action::STATUS_PLANNED);
  EXPECT_TRUE(left.carried_to().empty());
  EXPECT_EQ(MustGet(step_action_[5].name()).carried_to(), by_step["s5"].name());
}

TEST_F(CarryOverTest, TheNewRoundsFinalisationCountsTheCarriedActions) {
  av1::CarryOverActionsResponse carried;
  ASSERT_THAT(CarryOver(admin_, round2_.name(), "", "", &carried), IsOk());
  ASSERT_THAT(carried.actions(), SizeIs(5));
  // Round 2 has nothing rated yet, but steps 2 to 6 are covered by the carried actions.
  asv1::CheckFinalisationResponse check = MustCheck(round2_.name());
  std::vector<std::string> action_gaps;
  for (const std::string& gap : check.missing()) {
    if (gap.find("no action plan entry") != std::string::npos) action_gaps.push_back(gap);
  }
  EXPECT_THAT(action_gaps, ElementsAre("s1.q1: no action plan entry covers it",
                                       "s1.q2: no action plan entry covers it",
                                       "s1.q3: no action plan entry covers it",
                                       "s1.q4: no action plan entry covers it"));
}

TEST_F(CarryOverTest, Refusals) {
  av1::CarryOverActionsResponse response;
  // Round 1 has no previous round.
  EXPECT_THAT(CarryOver(admin_, round_.name(), "", "", &response),
              StatusIs(Code::kFailedPrecondition));
  // Not from itself, not from a round that is not finalised.
  EXPECT_THAT(CarryOver(admin_, round2_.name(), round2_.name(), "", &response),
              StatusIs(Code::kInvalidArgument, "from_assessment"));
  asv1::Assessment draft = MustCreateRound(admin_, kP, "A draft");
  EXPECT_THAT(CarryOver(admin_, round2_.name(), draft.name(), "", &response),
              StatusIs(Code::kFailedPrecondition));
  // Not into a finalised round.
  EXPECT_THAT(CarryOver(admin_, round_.name(), round2_.name(), "", &response), Not(IsOk()));
  // Not from another partnership's round, which the caller cannot see.
  asv1::Assessment durham = MustCreateRound(outsider_, kOtherP, "Durham 1");
  EXPECT_THAT(CarryOver(admin_, round2_.name(), durham.name(), "", &response),
              StatusIs(Code::kNotFound));
  // Nor, for the deployment administrator who can see both, across partnerships.
  EXPECT_THAT(CarryOver(admin_hub_, round2_.name(), durham.name(), "", &response),
              StatusIs(Code::kInvalidArgument, "from_assessment"));
  // Only planners carry over; outsiders do not see the round.
  for (const User* who : {&police_owner_, &police_respondent_, &viewer_}) {
    EXPECT_THAT(CarryOver(*who, round2_.name(), "", "", &response),
                StatusIs(Code::kPermissionDenied))
        << who->principal;
  }
  EXPECT_THAT(CarryOver(outsider_, round2_.name(), "", "", &response), StatusIs(Code::kNotFound));
  EXPECT_THAT(CarryOver(admin_, "assessments/none", "", "", &response), StatusIs(Code::kNotFound));
  // Nothing was carried by any of these.
  EXPECT_THAT(ActionsOf(round2_), IsEmpty());
  EXPECT_EQ(MustGet(step_action_[2].name()).status(), av1::Action::STATUS_PLANNED);
}

// ---- The change feed ----

TEST_F(ActionServiceTest, EveryActionWriteIsInTheFeedInOrderWithTheRecord) {
  const int64_t head = FeedHead();
  av1::Action a = MustCreate(admin_, Plan("s2", {"s2.q1"}, "police", "2026-03-31"));
  av1::Action b = MustCreate(scrutineer_, Plan("s3", {"s3.q1"}, "health", "2026-04-30"));
  av1::Action a_progress, a_updated, a_done, b_cancelled, out;
  ASSERT_THAT(Progress(police_owner_, a.name(), "Begun", &a_progress, true), IsOk());
  av1::Action change = a_progress;
  change.set_due_date("2026-05-31");
  ASSERT_THAT(Update(admin_, change, {"due_date"}, &a_updated), IsOk());
  ASSERT_THAT(Complete(police_respondent_, a.name(), "Finished", &a_done), IsOk());
  ASSERT_THAT(Cancel(scrutineer_, b.name(), "Not needed", &b_cancelled), IsOk());
  // Refused writes leave no trace.
  EXPECT_THAT(Progress(viewer_, b.name(), "x", &out), StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(Complete(admin_, a.name(), "again", &out), StatusIs(Code::kFailedPrecondition));
  EXPECT_THAT(Cancel(admin_, a.name(), "", &out), StatusIs(Code::kInvalidArgument));
  // A repeated create writes nothing either.
  av1::Action c, c_again;
  ASSERT_THAT(Create(admin_, Plan("s4", {"s4.q1"}, "police", "2026-03-31"), &c, "req-c"), IsOk());
  ASSERT_THAT(Create(admin_, Plan("s4", {"s4.q1"}, "police", "2026-03-31"), &c_again, "req-c"),
              IsOk());

  std::vector<asv1::Change> changes = ChangesAfter(head);
  const std::vector<std::pair<const av1::Action*, std::string>> expected = {
      {&a, admin_.principal},
      {&b, scrutineer_.principal},
      {&a_progress, police_owner_.principal},
      {&a_updated, admin_.principal},
      {&a_done, police_respondent_.principal},
      {&b_cancelled, scrutineer_.principal},
      {&c, admin_.principal}};
  ASSERT_THAT(changes, SizeIs(expected.size()));
  for (size_t i = 0; i < expected.size(); ++i) {
    SCOPED_TRACE(i);
    const asv1::Change& feed = changes[i];
    const av1::Action& record = *expected[i].first;
    EXPECT_EQ(feed.kind(), asv1::CHANGE_KIND_ACTION_CHANGED);
    EXPECT_EQ(feed.assessment(), round_.name());
    EXPECT_EQ(feed.partnership(), Partnership());
    EXPECT_EQ(feed.region(), absl::StrCat("regions/", kRegion));
    EXPECT_EQ(feed.actor(), expected[i].second);
    if (i > 0) {
      EXPECT_EQ(feed.sequence(), changes[i - 1].sequence() + 1);
    }
    ASSERT_TRUE(feed.has_action());
    EXPECT_EQ(feed.action().name(), record.name());
    EXPECT_EQ(feed.action().status(), record.status());
    EXPECT_EQ(feed.action().etag(), record.etag());
    EXPECT_EQ(feed.action().due_date(), record.due_date());
    EXPECT_EQ(feed.action().progress_updates_size(), record.progress_updates_size());
  }
  EXPECT_EQ(changes[2].action().status(), av1::Action::STATUS_IN_PROGRESS);
  EXPECT_EQ(changes[3].action().due_date(), "2026-05-31");
  EXPECT_EQ(changes[4].action().status(), av1::Action::STATUS_DONE);
  EXPECT_EQ(changes[4].action().completion_note(), "Finished");
  EXPECT_EQ(changes[5].action().status(), av1::Action::STATUS_CANCELLED);
  EXPECT_EQ(changes[5].action().cancel_reason(), "Not needed");

  // The partnership's own feed has them too; another partnership's does not.
  {
    grpc::ClientContext context;
    Authorize(context, viewer_.token);
    asv1::ListChangesRequest request;
    request.set_after_sequence(head);
    asv1::ListChangesResponse response;
    ASSERT_THAT(assessments_->ListChanges(&context, request, &response), IsOk());
    EXPECT_THAT(response.changes(), SizeIs(expected.size()));
  }
  {
    grpc::ClientContext context;
    Authorize(context, outsider_.token);
    asv1::ListChangesRequest request;
    request.set_after_sequence(head);
    asv1::ListChangesResponse response;
    ASSERT_THAT(assessments_->ListChanges(&context, request, &response), IsOk());
    EXPECT_THAT(response.changes(), IsEmpty());
  }
}

// ---- Progress notes are bounded (issue 13) ----

namespace caps = ::sixsteps::assessment;

class ProgressNotesTest : public ActionServiceTest {
 protected:
  grpc::Status ListNotes(const User& as, const std::string& name, int page_size,
                         const std::string& page_token,
                         av1::ListProgressUpdatesResponse* response) {
    grpc::ClientContext context;
    if (!as.token.empty()) Authorize(context, as.token);
    av1::ListProgressUpdatesRequest request;
    request.set_name(name);
    request.set_page_size(page_size);
    request.set_page_token(page_token);
    return actions_->ListProgressUpdates(&context, request, response);
  }

  // Every note, page by page, as `as`.
  std::vector<av1::ProgressUpdate> AllNotes(const User& as, const std::string& name, int page_size,
                                            int* pages = nullptr) {
    std::vector<av1::ProgressUpdate> notes;
    std::string token;
    int count = 0;
    for (; count < 1000; ++count) {
      av1::ListProgressUpdatesResponse response;
      EXPECT_THAT(ListNotes(as, name, page_size, token, &response), IsOk());
      for (const auto& note : response.progress_updates()) notes.push_back(note);
      token = response.next_page_token();
      if (token.empty()) break;
    }
    if (pages != nullptr) *pages = count + 1;
    return notes;
  }

  // The action's stored record, read and written behind the service's back, as a replica
  // of the previous release (which kept every note in the record) would.
  av1::Action StoredRecord(const std::string& name) {
    pqxx::connection connection(hub_->assessment_database_url());
    pqxx::work txn(connection);
    pqxx::result rows = txn.exec_params("SELECT record FROM actions WHERE action_id = $1",
                                        name.substr(name.find('/') + 1));
    av1::Action record;
    EXPECT_EQ(rows.size(), 1u);
    if (!rows.empty()) EXPECT_TRUE(record.ParseFromString(pqxx::binarystring(rows[0][0]).str()));
    return record;
  }
  void StoreRecord(const av1::Action& record) {
    pqxx::connection connection(hub_->assessment_database_url());
    pqxx::work txn(connection);
    txn.exec_params(
        "UPDATE actions SET record = $2, row_version = row_version + 1 "
        "WHERE action_id = $1",
        record.name().substr(record.name().find('/') + 1),
        pqxx::binarystring(record.SerializeAsString()));
    txn.commit();
  }
  int NoteRows(const std::string& name) {
    pqxx::connection connection(hub_->assessment_database_url());
    pqxx::work txn(connection);
    return txn
        .exec_params("SELECT count(*) FROM action_progress_updates WHERE action_id = $1",
                     name.substr(name.find('/') + 1))[0][0]
        .as<int>();
  }
};

// The attack of issue 13: an action owner appends notes in a loop. It is refused at the
// cap, early, and the action, its feed changes and its revisions stay small.
TEST_F(ProgressNotesTest, AHundredThousandNoteLoopStopsAtTheCapAndTheActionStaysSmall) {
  av1::Action action = MustCreate(admin_, Plan("s5", {"s5.q1"}, "police", "2026-09-30"));
  const int64_t head = FeedHead();
  int accepted = 0;
  grpc::Status refused;
  for (int i = 0; i < 100000; ++i) {
    av1::Action updated;
    grpc::Status status =
        Progress(police_owner_, action.name(), absl::StrCat("Progress note ", i + 1), &updated);
    if (!status.ok()) {
      refused = status;
      break;
    }
    ++accepted;
    ASSERT_LE(updated.progress_updates_size(), caps::kLatestProgressUpdatesKept);
  }
  EXPECT_EQ(accepted, caps::kMaxProgressUpdatesPerAction);
  EXPECT_THAT(refused,
              StatusIs(Code::kResourceExhausted, absl::StrCat(caps::kMaxProgressUpdatesPerAction)));
  // Whoever tries again is refused the same way, and nothing changes.
  for (int i = 0; i < 20; ++i) {
    av1::Action out;
    EXPECT_THAT(Progress(admin_, action.name(), "one more", &out),
                StatusIs(Code::kResourceExhausted));
  }
  EXPECT_EQ(NoteRows(action.name()), caps::kMaxProgressUpdatesPerAction);

  // The action carries its latest notes and the count, not the whole history.
  av1::Action read = MustGet(action.name());
  EXPECT_EQ(read.progress_update_count(), caps::kMaxProgressUpdatesPerAction);
  ASSERT_EQ(read.progress_updates_size(), caps::kLatestProgressUpdatesKept);
  EXPECT_EQ(read.progress_updates(4).note(), "Progress note 200");
  EXPECT_EQ(read.progress_updates(4).number(), 200);
  EXPECT_EQ(read.progress_updates(0).number(), 196);
  EXPECT_LT(read.ByteSizeLong(), 4096u);
  av1::ListActionsRequest list;
  list.set_assessment(round_.name());
  av1::ListActionsResponse listed;
  ASSERT_THAT(List(viewer_, list, &listed), IsOk());
  ASSERT_THAT(listed.actions(), SizeIs(1));
  EXPECT_EQ(listed.actions(0).progress_updates_size(), caps::kLatestProgressUpdatesKept);
  EXPECT_LT(listed.ByteSizeLong(), 4096u);

  // One feed change per accepted note, each small: no change carries the history.
  std::vector<asv1::Change> changes = ChangesAfter(head);
  ASSERT_THAT(changes, SizeIs(caps::kMaxProgressUpdatesPerAction));
  size_t feed_bytes = 0;
  for (const asv1::Change& change : changes) {
    EXPECT_LE(change.action().progress_updates_size(), caps::kLatestProgressUpdatesKept);
    EXPECT_LT(change.ByteSizeLong(), 4096u);
    feed_bytes += change.ByteSizeLong();
  }
  // Linear in the notes, not quadratic.
  EXPECT_LT(feed_bytes, 200u * 4096u);
  // Each revision of the action (kept in its table, read by no RPC) is as small.
  {
    pqxx::connection connection(hub_->assessment_database_url());
    pqxx::work txn(connection);
    pqxx::result rows = txn.exec_params(
        "SELECT count(*), max(octet_length(record)) FROM revisions WHERE record_name = $1",
        action.name());
    EXPECT_EQ(rows[0][0].as<int>(), caps::kMaxProgressUpdatesPerAction + 1);
    EXPECT_LT(rows[0][1].as<int>(), 4096);
  }

  // Every note is still there, in order, page by page.
  int pages = 0;
  std::vector<av1::ProgressUpdate> all = AllNotes(viewer_, action.name(), 50, &pages);
  ASSERT_THAT(all, SizeIs(caps::kMaxProgressUpdatesPerAction));
  EXPECT_EQ(pages, 4);
  for (int i = 0; i < static_cast<int>(all.size()); ++i) {
    EXPECT_EQ(all[i].number(), i + 1);
    EXPECT_EQ(all[i].note(), absl::StrCat("Progress note ", i + 1));
    EXPECT_EQ(all[i].author(), police_owner_.principal);
  }

  // The note that closes the action is still accepted: a full action can be completed.
  av1::Action done;
  ASSERT_THAT(Complete(police_owner_, action.name(), "Finished", &done), IsOk());
  EXPECT_EQ(done.status(), av1::Action::STATUS_DONE);
  EXPECT_EQ(done.progress_update_count(), caps::kMaxProgressUpdatesPerAction + 1);
  EXPECT_EQ(done.progress_updates(caps::kLatestProgressUpdatesKept - 1).note(), "Finished");
}

TEST_F(ProgressNotesTest, NoteTextIsCappedPerNoteAndPerAction) {
  av1::Action action = MustCreate(admin_, Plan("s2", {"s2.q1"}, "police", "2026-09-30"));
  av1::Action out;
  EXPECT_THAT(Progress(police_owner_, action.name(),
                       std::string(caps::kMaxProgressNoteLength + 1, 'x'), &out),
              StatusIs(Code::kInvalidArgument, "note"));
  EXPECT_EQ(MustGet(action.name()).progress_update_count(), 0);

  // Long notes with long evidence: the bytes per action run out before the count does.
  const std::string note(caps::kMaxProgressNoteLength, 'n');
  const std::string evidence(2000, 'e');
  const int64_t per_note = static_cast<int64_t>(note.size() + evidence.size());
  int accepted = 0;
  grpc::Status refused;
  for (int i = 0; i < caps::kMaxProgressUpdatesPerAction; ++i) {
    grpc::Status status = Progress(police_owner_, action.name(), note, &out, false, evidence);
    if (!status.ok()) {
      refused = status;
      break;
    }
    ++accepted;
  }
  EXPECT_THAT(refused, StatusIs(Code::kResourceExhausted, "bytes"));
  EXPECT_EQ(accepted, caps::kMaxProgressBytesPerAction / per_note);
  EXPECT_EQ(MustGet(action.name()).progress_update_count(), accepted);
  // A short note still fits where a long one did not.
  EXPECT_THAT(Progress(police_owner_, action.name(), "short", &out), IsOk());
  av1::Action done;
  EXPECT_THAT(Complete(police_owner_, action.name(), std::string(5000, 'c'), &done), IsOk());
}

TEST_F(ProgressNotesTest, EveryoneWhoReadsTheActionListsItsNotesOthersGetNotFound) {
  av1::Action action = MustCreate(admin_, Plan("s3", {"s3.q1"}, "police", "2026-09-30"));
  av1::Action out;
  for (int i = 1; i <= 7; ++i) {
    ASSERT_THAT(Progress(police_respondent_, action.name(), absl::StrCat("n", i), &out), IsOk());
  }
  for (const User* who : {&viewer_, &police_owner_, &health_respondent_, &admin_, &admin_hub_}) {
    std::vector<av1::ProgressUpdate> notes = AllNotes(*who, action.name(), 3);
    ASSERT_THAT(notes, SizeIs(7));
    for (int i = 0; i < 7; ++i) EXPECT_EQ(notes[i].note(), absl::StrCat("n", i + 1));
  }
  av1::ListProgressUpdatesResponse page;
  ASSERT_THAT(ListNotes(viewer_, action.name(), 3, "", &page), IsOk());
  EXPECT_EQ(page.total_count(), 7);
  EXPECT_THAT(page.progress_updates(), SizeIs(3));
  EXPECT_THAT(ListNotes(outsider_, action.name(), 3, "", &page), StatusIs(Code::kNotFound));
  EXPECT_THAT(ListNotes(User{}, action.name(), 3, "", &page), StatusIs(Code::kUnauthenticated));
  EXPECT_THAT(ListNotes(viewer_, "actions/act-nosuch", 3, "", &page), StatusIs(Code::kNotFound));
  EXPECT_THAT(ListNotes(viewer_, "action/x", 3, "", &page),
              StatusIs(Code::kInvalidArgument, "name"));
  EXPECT_THAT(ListNotes(viewer_, action.name(), -1, "", &page), StatusIs(Code::kInvalidArgument));
  // A token is for the action it was issued for.
  av1::Action other = MustCreate(admin_, Plan("s3", {"s3.q2"}, "police", "2026-09-30"));
  ASSERT_THAT(ListNotes(viewer_, action.name(), 3, "", &page), IsOk());
  ASSERT_FALSE(page.next_page_token().empty());
  EXPECT_THAT(ListNotes(viewer_, other.name(), 3, page.next_page_token(), &page),
              StatusIs(Code::kInvalidArgument, "page_token"));
}

// A record of the previous release keeps every note inside it; so does a note a replica of
// that release appends during a rolling upgrade. Both stay readable, and the next write
// stores them as rows.
TEST_F(ProgressNotesTest, NotesOfRecordsWrittenBeforeNotesWereRowsStayReadable) {
  av1::Action action = MustCreate(admin_, Plan("s4", {"s4.q1"}, "police", "2026-09-30"));
  av1::Action legacy = StoredRecord(action.name());
  ASSERT_EQ(legacy.progress_update_count(), 0);
  for (int i = 1; i <= 12; ++i) {
    av1::ProgressUpdate* update = legacy.add_progress_updates();
    update->set_note(absl::StrCat("old ", i));
    update->set_author(police_owner_.principal);
    update->set_status(av1::Action::STATUS_PLANNED);
  }
  StoreRecord(legacy);

  av1::Action read = MustGet(action.name());
  EXPECT_EQ(read.progress_update_count(), 12);
  ASSERT_EQ(read.progress_updates_size(), caps::kLatestProgressUpdatesKept);
  EXPECT_EQ(read.progress_updates(0).note(), "old 8");
  EXPECT_EQ(read.progress_updates(0).number(), 8);
  std::vector<av1::ProgressUpdate> notes = AllNotes(viewer_, action.name(), 5);
  ASSERT_THAT(notes, SizeIs(12));
  for (int i = 0; i < 12; ++i) {
    EXPECT_EQ(notes[i].note(), absl::StrCat("old ", i + 1));
    EXPECT_EQ(notes[i].number(), i + 1);
  }

  // The next note stores the old ones as rows first.
  av1::Action updated;
  ASSERT_THAT(Progress(police_owner_, action.name(), "new 13", &updated), IsOk());
  EXPECT_EQ(updated.progress_update_count(), 13);
  EXPECT_EQ(NoteRows(action.name()), 13);
  EXPECT_EQ(StoredRecord(action.name()).progress_updates_size(), caps::kLatestProgressUpdatesKept);

  // An older replica appends a note to the record (and not as a row).
  av1::Action stored = StoredRecord(action.name());
  av1::ProgressUpdate* appended = stored.add_progress_updates();
  appended->set_note("from an old replica");
  appended->set_author(police_owner_.principal);
  StoreRecord(stored);
  read = MustGet(action.name());
  EXPECT_EQ(read.progress_update_count(), 14);
  EXPECT_EQ(read.progress_updates(caps::kLatestProgressUpdatesKept - 1).note(),
            "from an old replica");
  notes = AllNotes(viewer_, action.name(), 200);
  ASSERT_THAT(notes, SizeIs(14));
  EXPECT_EQ(notes[12].note(), "new 13");
  EXPECT_EQ(notes[13].note(), "from an old replica");
  EXPECT_EQ(notes[13].number(), 14);
  ASSERT_THAT(Progress(police_owner_, action.name(), "new 15", &updated), IsOk());
  EXPECT_EQ(updated.progress_update_count(), 15);
  EXPECT_EQ(NoteRows(action.name()), 15);
  notes = AllNotes(viewer_, action.name(), 200);
  ASSERT_THAT(notes, SizeIs(15));
  EXPECT_EQ(notes[13].note(), "from an old replica");
  EXPECT_EQ(notes[14].note(), "new 15");
}

}  // namespace
}  // namespace sixsteps::testing
