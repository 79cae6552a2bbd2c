// The fixture of the ActionService's integration tests (action_*_test.cc): identity,
// framework and assessment served on 127.0.0.1 with real PostgreSQL databases, called
// through the generated clients as the people of one partnership (and one outsider), with
// one round of that partnership created.
#pragma once

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
#include "tests/support/calls.h"
#include "tests/support/shared_hub.h"
#include "tests/support/status_matchers.h"
#include "tests/support/test_hub.h"

namespace sixsteps::testing::action_test {

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

inline constexpr char kBuiltIn[] = "frameworks/six-steps/versions/2019";
inline constexpr char kRegion[] = "north";
inline constexpr char kP[] = "sunderland";
inline constexpr char kOtherP[] = "durham";

inline std::string Partnership(const std::string& id = kP) {
  return absl::StrCat("partnerships/", id);
}
inline std::string Org(const std::string& id, const std::string& partnership = kP) {
  return absl::StrCat("partnerships/", partnership, "/organisations/", id);
}

inline std::vector<std::string> StepQuestions(int step) {
  std::vector<std::string> questions;
  for (int q = 1; q <= 4; ++q) questions.push_back(absl::StrCat("s", step, ".q", q));
  return questions;
}

inline std::vector<std::string> AllQuestions() {
  std::vector<std::string> questions;
  for (int s = 1; s <= 6; ++s) {
    for (const std::string& q : StepQuestions(s)) questions.push_back(q);
  }
  return questions;
}

inline std::vector<std::string> Names(
    const google::protobuf::RepeatedPtrField<av1::Action>& actions) {
  std::vector<std::string> names;
  for (const av1::Action& action : actions) names.push_back(action.name());
  return names;
}

// A signed-in user: their token and principal ("users/…").
struct User {
  std::string token;
  std::string principal;
};

// The people of every test.
struct ActionPeople {
  User admin_hub_;
  User admin_, scrutineer_, la_respondent_, health_respondent_, police_respondent_,
      education_respondent_, police_owner_, viewer_, outsider_;
};

// The cases of a suite run in one process share one hub, its rows put back before each case
// (tests/support/shared_hub.h); each case then creates its round.
class ActionServiceTest : public SharedHubTest<ActionPeople> {
 protected:
  void SetUp() override {
    SetUpHub("action");
    if (HasFatalFailure()) return;
    actions_ = hub_->ActionStub();
    assessments_ = hub_->AssessmentStub();
    round_ = MustCreateRound(admin_, kP, "Round 1");
    ASSERT_FALSE(HasFailure());
  }

  // Two partnerships of one region, the people of the first and an administrator of the
  // second.
  void MakePeople() override {
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
    asv1::CreateAssessmentRequest request =
        RoundRequest(Partnership(partnership), asv1::ASSESSMENT_KIND_INDEPENDENT_SCRUTINY, title);
    return assessments_->CreateAssessment(&context, request, created);
  }

  asv1::Assessment MustCreateRound(const User& as, const std::string& partnership,
                                   const std::string& title) {
    asv1::Assessment created;
    EXPECT_THAT(CreateRound(as, partnership, title, &created), IsOk());
    return created;
  }

  // The answer of the assessment service's `method` about the resource `name`, asked as
  // `token`, which must succeed.
  template <typename Request, typename Response>
  Response MustAskAbout(grpc::Status (asv1::AssessmentService::Stub::*method)(grpc::ClientContext*,
                                                                              const Request&,
                                                                              Response*),
                        const std::string& token, const std::string& name) {
    Request request;
    request.set_name(name);
    Response response;
    EXPECT_THAT(Call(*assessments_, method, token, request, &response), IsOk()) << name;
    return response;
  }

  asv1::Assessment MustGetRound(const std::string& name) {
    return MustAskAbout(&asv1::AssessmentService::Stub::GetAssessment, admin_.token, name);
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
    return MustAskAbout(&asv1::AssessmentService::Stub::CheckFinalisation, scrutineer_.token,
                        round);
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

  // Every change after `after` that `token`'s holder may see (by default the deployment
  // administrator, who sees every change).
  std::vector<asv1::Change> ChangesAfter(int64_t after, const std::string& token = "") {
    std::vector<asv1::Change> changes;
    for (;;) {
      grpc::ClientContext context;
      Authorize(context, token.empty() ? hub_->admin_token() : token);
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

  std::unique_ptr<av1::ActionService::Stub> actions_;
  std::unique_ptr<asv1::AssessmentService::Stub> assessments_;
  asv1::Assessment round_;
};

}  // namespace sixsteps::testing::action_test
