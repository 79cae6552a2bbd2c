// The personal-data check on every free-text field of every service (issue 16): each field,
// given an email address or an NHS number, is refused INVALID_ARGUMENT naming the field and
// the kind of data, and nothing is written (the change feed has nothing new; the record that
// would have been created does not exist).
#include "tests/integration/assessment_fixture.h"

namespace sixsteps::testing::assessment_test {
namespace {

// Two kinds, alternated across the table so both reach every service.
constexpr char kEmail[] = "Ask jo.bloggs@example.org for the minutes";
constexpr char kNhsNumber[] = "Case of NHS 943 476 5919 reviewed";

struct FieldCase {
  // The field the refusal names.
  std::string field;
  std::function<grpc::Status(const std::string& text)> call;
};

class PersonalDataFieldsTest : public AssessmentServiceTest {
 protected:
  void ExpectEveryFieldRefused(const std::vector<FieldCase>& cases) {
    for (size_t i = 0; i < cases.size(); ++i) {
      const FieldCase& c = cases[i];
      const std::string text = i % 2 == 0 ? kEmail : kNhsNumber;
      const std::string kind = i % 2 == 0 ? "an email address" : "an NHS number";
      const int64_t before = FeedHead();
      grpc::Status status = c.call(text);
      EXPECT_THAT(status,
                  StatusIs(Code::kInvalidArgument, absl::StrCat(c.field, ": looks like ", kind)))
          << c.field;
      EXPECT_THAT(status.error_message(), Not(HasSubstr("example.org"))) << c.field;
      EXPECT_THAT(status.error_message(), Not(HasSubstr("5919"))) << c.field;
      EXPECT_EQ(FeedHead(), before) << c.field << " wrote something";
    }
  }
};

TEST_F(PersonalDataFieldsTest, EveryAssessmentFieldRefusesPersonalDataAndWritesNothing) {
  av1::Assessment round = MustCreate(av1::ASSESSMENT_KIND_INDEPENDENT_SCRUTINY, admin_);
  av1::Respondent la = MustAddOrg(round, kLa);
  const std::string response = ResponseOf(la, "s1.q1");
  av1::Response answered = MustUpsert(respondent_[kLa], GoodAnswer(response, fv1::RATING_GREEN));
  av1::RaiseChallengeRequest raise;
  raise.set_parent(round.name());
  raise.mutable_challenge()->set_response(response);
  raise.mutable_challenge()->set_text("Where is the evidence?");
  av1::Challenge challenge = Must(&AStub::RaiseChallenge, scrutineer_, raise);

  auto upsert = [&](std::function<void(av1::Response&)> set) {
    return [this, answered, set](const std::string&) {
      av1::Response changed = answered;
      changed.clear_update_time();
      set(changed);
      av1::Response written;
      return Upsert(respondent_[kLa], changed, &written);
    };
  };
  auto consolidate = [&](std::function<void(av1::Consolidation&)> set) {
    return [this, round, set](const std::string&) {
      av1::ConsolidateQuestionRequest request;
      request.set_parent(round.name());
      av1::Consolidation* c = request.mutable_consolidation();
      c->set_question_id("s1.q1");
      c->set_rating(fv1::RATING_RED);
      c->set_rationale("Seen the evidence");
      set(*c);
      av1::Consolidation written;
      return Call(&AStub::ConsolidateQuestion, scrutineer_, request, &written);
    };
  };
  std::vector<FieldCase> cases = {
      {"assessment.title",
       [&](const std::string& text) {
         av1::Assessment created;
         return Call(&AStub::CreateAssessment, admin_,
                     NewRound(av1::ASSESSMENT_KIND_SELF_ASSESSMENT, text), &created);
       }},
      {"assessment.title",
       [&](const std::string& text) {
         av1::UpdateAssessmentRequest request;
         *request.mutable_assessment() = Get(round.name());
         request.mutable_assessment()->set_title(text);
         av1::Assessment updated;
         return Call(&AStub::UpdateAssessment, admin_, request, &updated);
       }},
      {"response.commentary", upsert([](auto& r) { r.set_commentary(kEmail); })},
      {"response.remaining_work", upsert([](auto& r) { r.set_remaining_work(kNhsNumber); })},
      {"response.evidence[0].description",
       upsert([](auto& r) { r.mutable_evidence(0)->set_description(kEmail); })},
      {"response.evidence[0].document_reference",
       upsert([](auto& r) { r.mutable_evidence(0)->set_document_reference(kNhsNumber); })},
      {"requests[0].response.commentary",
       [&](const std::string& text) {
         av1::Response changed = answered;
         changed.set_commentary(text);
         av1::BatchUpsertResponsesResponse written;
         return Batch(respondent_[kLa], round, {changed}, &written);
       }},
      {"consolidation.rationale", consolidate([](auto& c) { c.set_rationale(kNhsNumber); })},
      {"consolidation.remaining_work", consolidate([](auto& c) { c.set_remaining_work(kEmail); })},
      {"consolidation.evidence[0].description",
       consolidate([](auto& c) { c.add_evidence()->set_description(kNhsNumber); })},
      {"challenge.text",
       [&](const std::string& text) {
         av1::RaiseChallengeRequest request = raise;
         request.mutable_challenge()->set_text(text);
         av1::Challenge raised;
         return Call(&AStub::RaiseChallenge, scrutineer_, request, &raised);
       }},
      {"answer",
       [&](const std::string& text) {
         av1::AnswerChallengeRequest request;
         request.set_name(challenge.name());
         request.set_answer(text);
         request.set_etag(challenge.etag());
         av1::Challenge answeredChallenge;
         return Call(&AStub::AnswerChallenge, respondent_[kLa], request, &answeredChallenge);
       }},
      {"context_answer.text",
       [&](const std::string& text) {
         av1::SetContextAnswerRequest request;
         request.mutable_context_answer()->set_name(
             absl::StrCat(round.name(), "/contextAnswers/c1"));
         request.mutable_context_answer()->set_text(text);
         av1::ContextAnswer written;
         return Call(&AStub::SetContextAnswer, admin_, request, &written);
       }},
  };
  ExpectEveryFieldRefused(cases);

  // Reopening a finalised round.
  av1::Assessment ready = ReadyRound(av1::ASSESSMENT_KIND_SELF_ASSESSMENT, fv1::RATING_GREEN, true);
  av1::Assessment finalised;
  ASSERT_THAT(Finalise(admin_, ready, &finalised), IsOk());
  ExpectEveryFieldRefused({{"reason", [&](const std::string& text) {
                              av1::ReopenAssessmentRequest request;
                              request.set_name(finalised.name());
                              request.set_reason(text);
                              av1::Assessment reopened;
                              return Call(&AStub::ReopenAssessment, admin_, request, &reopened);
                            }}});
}

TEST_F(PersonalDataFieldsTest, ScrutinyReportAndProgrammeFieldsRefusePersonalDataAndWriteNothing) {
  av1::Assessment round = MustCreate(av1::ASSESSMENT_KIND_INDEPENDENT_SCRUTINY, admin_);
  MustAddOrg(round, kLa);
  MustAddScrutineer(round);
  auto reports = hub_->ScrutinyReportStub();
  auto programme = hub_->ProgrammeStub();
  std::vector<FieldCase> cases = {
      {"summary",
       [&](const std::string& text) {
         av1::CreateScrutinyReportRequest request;
         request.set_parent(round.name());
         request.set_summary(text);
         av1::ScrutinyReport written;
         return Invoke(reports.get(), &av1::ScrutinyReportService::Stub::CreateScrutinyReport,
                       scrutineer_, request, &written);
       }},
      {"text",
       [&](const std::string& text) {
         av1::RaiseScrutinyConcernRequest request;
         request.set_partnership(kPartnership);
         request.set_text(text);
         av1::ScrutinyConcern written;
         return Invoke(reports.get(), &av1::ScrutinyReportService::Stub::RaiseScrutinyConcern,
                       admin_, request, &written);
       }},
      {"planned_round.title",
       [&](const std::string& text) {
         av1::CreatePlannedRoundRequest request;
         av1::PlannedRound* p = request.mutable_planned_round();
         p->set_partnership(kPartnership);
         p->set_kind(av1::ASSESSMENT_KIND_SELF_ASSESSMENT);
         p->set_framework_version("frameworks/six-steps/versions/2019");
         p->set_cadence(av1::PlannedRound::CADENCE_ONE_OFF);
         p->set_title(text);
         p->set_period_start("2089-04-01");
         p->set_period_end("2090-03-31");
         p->set_open_date("2090-04-01");
         p->set_response_deadline("2090-05-31");
         p->set_report_due_date("2090-06-30");
         av1::PlannedRound written;
         return Invoke(programme.get(), &av1::ProgrammeService::Stub::CreatePlannedRound, admin_,
                       request, &written);
       }},
  };
  ExpectEveryFieldRefused(cases);
}

TEST_F(PersonalDataFieldsTest, EveryActionFieldRefusesPersonalDataAndWritesNothing) {
  using ActStub = acv1::ActionService::Stub;
  av1::Assessment round = MustCreate(av1::ASSESSMENT_KIND_INDEPENDENT_SCRUTINY, admin_);
  acv1::Action action;
  ASSERT_THAT(CreateAction(admin_, round, "s1", {"s1.q1"}, &action), IsOk());
  auto create = [&](std::function<void(acv1::Action&)> set) {
    return [this, round, set](const std::string&) {
      acv1::CreateActionRequest request;
      acv1::Action* a = request.mutable_action();
      a->set_assessment(round.name());
      a->set_step_id("s1");
      a->add_question_ids("s1.q1");
      a->set_kind(acv1::Action::KIND_IMPROVEMENT);
      a->set_description("Improve s1");
      a->set_intended_outcome("Children are safer");
      a->set_owner_organisation(Org(kLa));
      a->set_due_date("2026-03-31");
      set(*a);
      acv1::Action created;
      return Invoke(actions_.get(), &ActStub::CreateAction, admin_, request, &created);
    };
  };
  std::vector<FieldCase> cases = {
      {"action.description", create([](auto& a) { a.set_description(kEmail); })},
      {"action.intended_outcome", create([](auto& a) { a.set_intended_outcome(kNhsNumber); })},
      {"action.owner_name", create([](auto& a) { a.set_owner_name(kEmail); })},
      {"action.description",
       [&](const std::string& text) {
         acv1::UpdateActionRequest request;
         *request.mutable_action() = action;
         request.mutable_action()->set_description(text);
         acv1::Action updated;
         return Invoke(actions_.get(), &ActStub::UpdateAction, admin_, request, &updated);
       }},
      {"note",
       [&](const std::string& text) {
         acv1::AddProgressUpdateRequest request;
         request.set_name(action.name());
         request.set_note(text);
         acv1::Action updated;
         return Invoke(actions_.get(), &ActStub::AddProgressUpdate, admin_, request, &updated);
       }},
      {"evidence",
       [&](const std::string& text) {
         acv1::AddProgressUpdateRequest request;
         request.set_name(action.name());
         request.set_note("Started the audit");
         request.set_evidence(text);
         acv1::Action updated;
         return Invoke(actions_.get(), &ActStub::AddProgressUpdate, admin_, request, &updated);
       }},
      {"completion_note",
       [&](const std::string& text) {
         acv1::CompleteActionRequest request;
         request.set_name(action.name());
         request.set_completion_note(text);
         request.set_etag(action.etag());
         acv1::Action updated;
         return Invoke(actions_.get(), &ActStub::CompleteAction, admin_, request, &updated);
       }},
      {"reason",
       [&](const std::string& text) {
         acv1::CancelActionRequest request;
         request.set_name(action.name());
         request.set_reason(text);
         request.set_etag(action.etag());
         acv1::Action updated;
         return Invoke(actions_.get(), &ActStub::CancelAction, admin_, request, &updated);
       }},
  };
  ExpectEveryFieldRefused(cases);
}

TEST_F(PersonalDataFieldsTest, FrameworkAndIdentityFieldsRefusePersonalDataAndCreateNothing) {
  auto frameworks = hub_->FrameworkStub();
  auto identity = hub_->IdentityStub();
  const std::string& root = hub_->admin_token();
  struct Case {
    std::string field;
    std::function<grpc::Status(const std::string&)> create;
    // Reads back what the create would have made: NOT_FOUND if nothing was written.
    std::function<grpc::Status()> read;
  };
  // Adapting the built-in framework as `id`, with a display name and a description; and
  // reading the framework back.
  auto adapt = [&](const std::string& id, const std::string& name, const std::string& description) {
    fv1::AdaptFrameworkRequest request;
    request.set_source_version(kBuiltIn);
    request.set_framework_id(id);
    request.set_display_name(name);
    request.set_description(description);
    request.set_region(kRegion);
    fv1::AdaptFrameworkResponse adapted;
    return Invoke(frameworks.get(), &fv1::FrameworkService::Stub::AdaptFramework, root, request,
                  &adapted);
  };
  auto read_framework = [&](const std::string& id) {
    return [&, id] {
      fv1::GetFrameworkRequest request;
      request.set_name("frameworks/" + id);
      fv1::Framework framework;
      return Invoke(frameworks.get(), &fv1::FrameworkService::Stub::GetFramework, root, request,
                    &framework);
    };
  };
  std::vector<Case> cases = {
      {"display_name",
       [&](const std::string& text) { return adapt("north-east-scrutiny", text, ""); },
       read_framework("north-east-scrutiny")},
      {"description",
       [&](const std::string& text) {
         return adapt("north-east-review", "North East scrutiny", text);
       },
       read_framework("north-east-review")},
      {"partnership.display_name",
       [&](const std::string& text) {
         idv1::CreatePartnershipRequest request;
         request.set_partnership_id("gateshead");
         request.mutable_partnership()->set_display_name(text);
         request.mutable_partnership()->set_region(absl::StrCat("regions/", kRegion));
         idv1::Partnership created;
         return Invoke(identity.get(), &idv1::IdentityService::Stub::CreatePartnership, root,
                       request, &created);
       },
       [&] {
         idv1::GetPartnershipRequest request;
         request.set_name("partnerships/gateshead");
         idv1::Partnership partnership;
         return Invoke(identity.get(), &idv1::IdentityService::Stub::GetPartnership, root, request,
                       &partnership);
       }},
      {"organisation.display_name",
       [&](const std::string& text) {
         idv1::CreateOrganisationRequest request;
         request.set_parent(kPartnership);
         request.set_organisation_id("youth-service");
         request.mutable_organisation()->set_display_name(text);
         request.mutable_organisation()->set_kind(idv1::ORGANISATION_KIND_OTHER_RELEVANT_AGENCY);
         idv1::Organisation created;
         return Invoke(identity.get(), &idv1::IdentityService::Stub::CreateOrganisation, root,
                       request, &created);
       },
       [&] {
         idv1::GetOrganisationRequest request;
         request.set_name(Org("youth-service"));
         idv1::Organisation organisation;
         return Invoke(identity.get(), &idv1::IdentityService::Stub::GetOrganisation, root, request,
                       &organisation);
       }},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    const std::string text = i % 2 == 0 ? kEmail : kNhsNumber;
    const std::string kind = i % 2 == 0 ? "an email address" : "an NHS number";
    grpc::Status status = cases[i].create(text);
    EXPECT_THAT(status, StatusIs(Code::kInvalidArgument,
                                 absl::StrCat(cases[i].field, ": looks like ", kind)))
        << cases[i].field;
    EXPECT_THAT(cases[i].read(), StatusIs(Code::kNotFound)) << cases[i].field;
    // The same create without the personal data succeeds: the refusal was the check's.
    EXPECT_THAT(cases[i].create("Sunderland youth scrutiny"), IsOk()) << cases[i].field;
    EXPECT_THAT(cases[i].read(), IsOk()) << cases[i].field;
  }
}

}  // namespace
}  // namespace sixsteps::testing::assessment_test
