// The auth matrix's world (auth_matrix.h): the hub, its users and the records every row
// refers to, built once per binary; auth_matrix.cc has the calls and checks.
#include "sixsteps/notification/v1/notification_service.grpc.pb.h"
#include "tests/support/auth_matrix.h"

#include <google/protobuf/util/time_util.h>
#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <gtest/gtest.h>

#include <iostream>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/common/status.h"
#include "tests/support/calls.h"

namespace sixsteps::testing {
namespace {

namespace idv1 = ::sixsteps::identity::v1;
namespace fwv1 = ::sixsteps::framework::v1;
namespace asv1 = ::sixsteps::assessment::v1;
namespace acv1 = ::sixsteps::action::v1;
namespace rv1 = ::sixsteps::reporting::v1;
namespace nv1 = ::sixsteps::notification::v1;
using auth::Role;
using ::google::protobuf::util::TimeUtil;
using IdStub = idv1::IdentityService::Stub;
using FwStub = fwv1::FrameworkService::Stub;
using AsStub = asv1::AssessmentService::Stub;
using AcStub = acv1::ActionService::Stub;
using RStub = rv1::ReportingService::Stub;

constexpr char kBuiltInVersion[] = "frameworks/six-steps/versions/2019";

std::string Sub(const std::string& token) { return JwtPart(token, 1)["sub"].get<std::string>(); }
absl::Status MakeUsers(MatrixWorld& w) {
  TestHub& hub = *w.hub;
  for (const char* region : {"region-a", "region-b"}) {
    SIXSTEPS_RETURN_IF_ERROR(hub.CreateRegion(region));
  }
  SIXSTEPS_RETURN_IF_ERROR(hub.CreatePartnership("part-a", "region-a"));
  SIXSTEPS_RETURN_IF_ERROR(hub.CreatePartnership("part-c", "region-a"));
  SIXSTEPS_RETURN_IF_ERROR(hub.CreatePartnership("part-b", "region-b"));
  for (const char* partnership : {"part-a", "part-b", "part-c"}) {
    SIXSTEPS_RETURN_IF_ERROR(
        hub.CreateOrganisation(partnership, "police", idv1::ORGANISATION_KIND_POLICE, true));
  }
  SIXSTEPS_RETURN_IF_ERROR(
      hub.CreateOrganisation("part-a", "council", idv1::ORGANISATION_KIND_LOCAL_AUTHORITY, true));
  const std::string part_a = "partnerships/part-a";
  const std::string police_a = "partnerships/part-a/organisations/police";
  const std::string council_a = "partnerships/part-a/organisations/council";
  const std::vector<std::tuple<Who, std::string, std::vector<TestHub::Binding>>> users = {
      {Who::kScrutineerA, "alice@a.test", {{Role::ROLE_INDEPENDENT_SCRUTINEER, part_a, ""}}},
      // The most a user can be without any role in A.
      {Who::kRegionB,
       "bob@b.test",
       {{Role::ROLE_HUB_ADMINISTRATOR, "regions/region-b", ""},
        {Role::ROLE_PARTNERSHIP_ADMINISTRATOR, "partnerships/part-b", ""}}},
      {Who::kOtherPartnership,
       "carol@c.test",
       {{Role::ROLE_PARTNERSHIP_ADMINISTRATOR, "partnerships/part-c", ""}}},
      {Who::kViewerA, "viewer@a.test", {{Role::ROLE_VIEWER, part_a, ""}}},
      {Who::kDashboardA, "dashboard@a.test", {{Role::ROLE_DASHBOARD, "regions/region-a", ""}}},
      {Who::kPoliceRespondentA,
       "police@a.test",
       {{Role::ROLE_PARTNER_RESPONDENT, part_a, police_a}}},
      {Who::kCouncilRespondentA,
       "council@a.test",
       {{Role::ROLE_PARTNER_RESPONDENT, part_a, council_a}}},
      {Who::kActionOwnerA, "owner@a.test", {{Role::ROLE_ACTION_OWNER, part_a, police_a}}},
      {Who::kPartnershipAdminA,
       "admin@a.test",
       {{Role::ROLE_PARTNERSHIP_ADMINISTRATOR, part_a, ""}}},
      {Who::kHubAdminA, "hub@a.test", {{Role::ROLE_HUB_ADMINISTRATOR, "regions/region-a", ""}}},
  };
  for (const auto& [who, email, roles] : users) {
    SIXSTEPS_ASSIGN_OR_RETURN(w.tokens[who], hub.UserWithRoles(email, roles));
  }
  w.tokens[Who::kNobody] = "";
  return absl::OkStatus();
}

// Identity's and framework's records of A, for auth_matrix_test.cc.
absl::Status MakeIdentityRecords(MatrixWorld& w) {
  IdentityRecords& r = w.identity;
  auto identity = w.hub->IdentityStub();
  auto framework = w.hub->FrameworkStub();
  r.user_a = Sub(w.TokenOf(Who::kScrutineerA));
  r.user_b = Sub(w.TokenOf(Who::kRegionB));
  idv1::ListRoleBindingsRequest bindings_request;
  bindings_request.set_principal(r.user_a);
  idv1::ListRoleBindingsResponse bindings;
  SIXSTEPS_RETURN_IF_ERROR(
      Call(*identity, &IdStub::ListRoleBindings, w.admin, bindings_request, &bindings));
  if (bindings.role_bindings_size() != 1) return absl::InternalError("alice has one binding");
  r.binding_a = bindings.role_bindings(0).name();

  // A service account of partnership A with an API key.
  idv1::CreateServiceAccountRequest account_request;
  account_request.mutable_service_account()->set_display_name("Case system A");
  account_request.mutable_service_account()->set_owner("partnerships/part-a");
  idv1::ServiceAccount account;
  SIXSTEPS_RETURN_IF_ERROR(
      Call(*identity, &IdStub::CreateServiceAccount, w.admin, account_request, &account));
  r.account_a = account.name();
  idv1::CreateApiKeyRequest key_request;
  key_request.set_parent(r.account_a);
  key_request.mutable_api_key()->set_display_name("export");
  *key_request.mutable_api_key()->mutable_expire_time() =
      TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(absl::Now() + absl::Hours(24)));
  idv1::CreateApiKeyResponse key;
  SIXSTEPS_RETURN_IF_ERROR(Call(*identity, &IdStub::CreateApiKey, w.admin, key_request, &key));
  r.api_key_a = key.api_key().name();
  r.api_key_a_id = IdOf(r.api_key_a);

  // Partnership A's case-management system: another account of part-a, bound as
  // integration on part-a, signed in with its own key.
  account_request.mutable_service_account()->set_display_name("Case system A, integration");
  idv1::ServiceAccount integration;
  SIXSTEPS_RETURN_IF_ERROR(
      Call(*identity, &IdStub::CreateServiceAccount, w.admin, account_request, &integration));
  idv1::CreateRoleBindingRequest bind;
  bind.mutable_role_binding()->set_principal(integration.name());
  bind.mutable_role_binding()->set_role(Role::ROLE_INTEGRATION);
  bind.mutable_role_binding()->set_scope("partnerships/part-a");
  idv1::RoleBinding bound;
  SIXSTEPS_RETURN_IF_ERROR(Call(*identity, &IdStub::CreateRoleBinding, w.admin, bind, &bound));
  key_request.set_parent(integration.name());
  SIXSTEPS_RETURN_IF_ERROR(Call(*identity, &IdStub::CreateApiKey, w.admin, key_request, &key));
  idv1::SignInWithApiKeyRequest sign_in;
  sign_in.set_api_key(key.secret());
  idv1::SignInWithApiKeyResponse signed_in;
  SIXSTEPS_RETURN_IF_ERROR(Call(*identity, &IdStub::SignInWithApiKey, "", sign_in, &signed_in));
  w.tokens[Who::kIntegrationA] = signed_in.access_token();

  // Region A's framework: version 1 published, version 2 a draft.
  fwv1::AdaptFrameworkRequest adapt;
  adapt.set_source_version(kBuiltInVersion);
  adapt.set_framework_id("frame-a");
  adapt.set_display_name("Framework of region A");
  adapt.set_region("region-a");
  fwv1::AdaptFrameworkResponse adapted;
  SIXSTEPS_RETURN_IF_ERROR(Call(*framework, &FwStub::AdaptFramework, w.admin, adapt, &adapted));
  fwv1::PublishFrameworkVersionRequest publish;
  publish.set_name("frameworks/frame-a/versions/1");
  fwv1::FrameworkVersion published;
  SIXSTEPS_RETURN_IF_ERROR(
      Call(*framework, &FwStub::PublishFrameworkVersion, w.admin, publish, &published));
  fwv1::CreateFrameworkVersionRequest create_version;
  create_version.set_parent("frameworks/frame-a");
  create_version.set_version_id("2");
  SIXSTEPS_RETURN_IF_ERROR(
      Call(*framework, &FwStub::CreateFrameworkVersion, w.admin, create_version, &r.draft_a));
  fwv1::GetFrameworkVersionRequest get_built_in;
  get_built_in.set_name(kBuiltInVersion);
  SIXSTEPS_RETURN_IF_ERROR(
      Call(*framework, &FwStub::GetFrameworkVersion, w.admin, get_built_in, &r.built_in));
  fwv1::ExportFrameworkVersionRequest export_request;
  export_request.set_name("frameworks/frame-a/versions/1");
  fwv1::ExportFrameworkVersionResponse exported;
  SIXSTEPS_RETURN_IF_ERROR(
      Call(*framework, &FwStub::ExportFrameworkVersion, w.admin, export_request, &exported));
  r.document_a = exported.document();
  return absl::OkStatus();
}

std::string Question(int i) { return absl::StrCat("s", i / 4 + 1, ".q", i % 4 + 1); }

absl::StatusOr<asv1::Assessment> CreateRound(
    MatrixWorld& w, AsStub& stub, const std::string& title, const std::string& period_start,
    const std::string& period_end,
    asv1::AssessmentKind kind = asv1::ASSESSMENT_KIND_INDEPENDENT_SCRUTINY) {
  asv1::CreateAssessmentRequest request;
  asv1::Assessment* a = request.mutable_assessment();
  a->set_partnership("partnerships/part-a");
  a->set_framework_version(kBuiltInVersion);
  a->set_kind(kind);
  a->set_title(title);
  a->set_period_start(period_start);
  a->set_period_end(period_end);
  asv1::Assessment round;
  SIXSTEPS_RETURN_IF_ERROR(
      Call(stub, &AsStub::CreateAssessment, w.TokenOf(Who::kPartnershipAdminA), request, &round));
  return round;
}

absl::StatusOr<asv1::Respondent> AddPolice(MatrixWorld& w, AsStub& stub, const std::string& round) {
  asv1::AddRespondentRequest add;
  add.set_parent(round);
  add.mutable_respondent()->set_organisation("partnerships/part-a/organisations/police");
  asv1::Respondent respondent;
  SIXSTEPS_RETURN_IF_ERROR(
      Call(stub, &AsStub::AddRespondent, w.TokenOf(Who::kPartnershipAdminA), add, &respondent));
  return respondent;
}

// Police's Red answers to the given questions.
absl::Status AnswerRed(MatrixWorld& w, AsStub& stub, const std::string& round,
                       const std::string& respondent, const std::vector<std::string>& questions) {
  asv1::BatchUpsertResponsesRequest batch;
  batch.set_parent(round);
  for (const std::string& question : questions) {
    asv1::Response* response = batch.add_requests()->mutable_response();
    response->set_name(absl::StrCat(respondent, "/responses/", question));
    response->set_rating(fwv1::RATING_RED);
    response->set_commentary("Not yet");
  }
  asv1::BatchUpsertResponsesResponse written;
  return Call(stub, &AsStub::BatchUpsertResponses, w.TokenOf(Who::kPoliceRespondentA), batch,
              &written);
}

absl::StatusOr<acv1::Action> PlanAction(MatrixWorld& w, AcStub& stub, const std::string& round,
                                        int step, const std::string& description) {
  acv1::CreateActionRequest request;
  acv1::Action* action = request.mutable_action();
  action->set_assessment(round);
  action->set_step_id(absl::StrCat("s", step));
  for (int q = 1; q <= 4; ++q) action->add_question_ids(absl::StrCat("s", step, ".q", q));
  action->set_kind(acv1::Action::KIND_IMPROVEMENT);
  action->set_description(description);
  action->set_intended_outcome("Children are safer");
  action->set_owner_organisation("partnerships/part-a/organisations/police");
  action->set_due_date("2027-03-31");
  acv1::Action created;
  SIXSTEPS_RETURN_IF_ERROR(
      Call(stub, &AcStub::CreateAction, w.TokenOf(Who::kHubAdminA), request, &created));
  return created;
}

absl::Status MakeAssessmentRecords(MatrixWorld& w) {
  AssessmentRecords& r = w.assessment;
  auto assessments = w.hub->AssessmentStub();
  auto actions = w.hub->ActionStub();
  const std::string& alice = w.TokenOf(Who::kScrutineerA);

  // The finalised round.
  SIXSTEPS_ASSIGN_OR_RETURN(
      asv1::Assessment finalised,
      CreateRound(w, *assessments, "Scrutiny 2024/25 of A", "2024-04-01", "2025-03-31"));
  r.finalised = finalised.name();
  SIXSTEPS_ASSIGN_OR_RETURN(asv1::Respondent police, AddPolice(w, *assessments, r.finalised));
  std::vector<std::string> every_question;
  for (int i = 0; i < 24; ++i) every_question.push_back(Question(i));
  SIXSTEPS_RETURN_IF_ERROR(AnswerRed(w, *assessments, r.finalised, police.name(), every_question));
  {
    asv1::Assessment current;
    asv1::GetAssessmentRequest get;
    get.set_name(r.finalised);
    SIXSTEPS_RETURN_IF_ERROR(Call(*assessments, &AsStub::GetAssessment, w.admin, get, &current));
    asv1::SubmitAssessmentForReviewRequest submit;
    submit.set_name(r.finalised);
    submit.set_etag(current.etag());
    SIXSTEPS_RETURN_IF_ERROR(Call(*assessments, &AsStub::SubmitAssessmentForReview,
                                  w.TokenOf(Who::kPartnershipAdminA), submit, &current));
  }
  {
    asv1::BatchConsolidateQuestionsRequest batch;
    batch.set_parent(r.finalised);
    for (const std::string& question : every_question) {
      asv1::Consolidation* c = batch.add_requests()->mutable_consolidation();
      c->set_question_id(question);
      c->set_rating(fwv1::RATING_RED);
      c->set_rationale("Nothing in place yet");
    }
    asv1::BatchConsolidateQuestionsResponse written;
    SIXSTEPS_RETURN_IF_ERROR(
        Call(*assessments, &AsStub::BatchConsolidateQuestions, alice, batch, &written));
  }
  for (int step = 1; step <= 6; ++step) {
    SIXSTEPS_RETURN_IF_ERROR(
        PlanAction(w, *actions, r.finalised, step, absl::StrCat("Start step ", step)).status());
  }
  {
    asv1::Assessment current;
    asv1::GetAssessmentRequest get;
    get.set_name(r.finalised);
    SIXSTEPS_RETURN_IF_ERROR(Call(*assessments, &AsStub::GetAssessment, w.admin, get, &current));
    asv1::FinaliseAssessmentRequest finalise;
    finalise.set_name(r.finalised);
    finalise.set_etag(current.etag());
    SIXSTEPS_RETURN_IF_ERROR(
        Call(*assessments, &AsStub::FinaliseAssessment, alice, finalise, &current));
  }

  // The draft round after it.
  SIXSTEPS_ASSIGN_OR_RETURN(
      asv1::Assessment round,
      CreateRound(w, *assessments, "Scrutiny 2025/26 of A", "2025-04-01", "2026-03-31"));
  r.round = round.name();
  SIXSTEPS_ASSIGN_OR_RETURN(police, AddPolice(w, *assessments, r.round));
  r.police_respondent = police.name();
  {
    asv1::AddRespondentRequest add;
    add.set_parent(r.round);
    add.mutable_respondent()->set_scrutineer(w.identity.user_a);
    add.mutable_respondent()->add_step_ids("s6");
    asv1::Respondent respondent;
    SIXSTEPS_RETURN_IF_ERROR(Call(*assessments, &AsStub::AddRespondent,
                                  w.TokenOf(Who::kPartnershipAdminA), add, &respondent));
    r.alice_respondent = respondent.name();
  }
  SIXSTEPS_RETURN_IF_ERROR(
      AnswerRed(w, *assessments, r.round, r.police_respondent, {"s1.q1", "s1.q4"}));
  r.response = absl::StrCat(r.police_respondent, "/responses/s1.q1");
  {
    asv1::RaiseChallengeRequest raise;
    raise.set_parent(r.round);
    raise.mutable_challenge()->set_response(r.response);
    raise.mutable_challenge()->set_text("Which audit says so?");
    asv1::Challenge challenge;
    SIXSTEPS_RETURN_IF_ERROR(Call(*assessments, &AsStub::RaiseChallenge, alice, raise, &challenge));
    r.challenge = challenge.name();
  }
  for (auto [field, step] : {std::pair{&r.action, 1}, {&r.action_done, 2}, {&r.action_cancel, 3}}) {
    SIXSTEPS_ASSIGN_OR_RETURN(
        acv1::Action action,
        PlanAction(w, *actions, r.round, step, absl::StrCat("Improve step ", step, " of A")));
    *field = action.name();
  }

  // A self-assessment: the partnership administrators review it, not the scrutineers.
  SIXSTEPS_ASSIGN_OR_RETURN(
      asv1::Assessment self,
      CreateRound(w, *assessments, "Self-assessment 2025/26 of A", "2025-04-01", "2026-03-31",
                  asv1::ASSESSMENT_KIND_SELF_ASSESSMENT));
  r.self_assessment = self.name();
  {
    asv1::AddRespondentRequest add;
    add.set_parent(r.self_assessment);
    add.mutable_respondent()->set_organisation("partnerships/part-a/organisations/police");
    add.mutable_respondent()->add_question_ids("s1.q1");
    asv1::Respondent respondent;
    SIXSTEPS_RETURN_IF_ERROR(Call(*assessments, &AsStub::AddRespondent,
                                  w.TokenOf(Who::kPartnershipAdminA), add, &respondent));
    SIXSTEPS_RETURN_IF_ERROR(
        AnswerRed(w, *assessments, r.self_assessment, respondent.name(), {"s1.q1"}));
    r.self_response = absl::StrCat(respondent.name(), "/responses/s1.q1");
  }
  {
    auto programme = w.hub->ProgrammeStub();
    asv1::CreatePlannedRoundRequest plan;
    asv1::PlannedRound* p = plan.mutable_planned_round();
    p->set_partnership("partnerships/part-a");
    p->set_kind(asv1::ASSESSMENT_KIND_SELF_ASSESSMENT);
    p->set_framework_version("frameworks/six-steps/versions/2019");
    p->set_cadence(asv1::PlannedRound::CADENCE_ANNUAL);
    p->set_title("Self-assessment 2090 of A");
    p->set_period_start("2089-04-01");
    p->set_period_end("2090-03-31");
    p->set_open_date("2090-04-01");
    p->set_response_deadline("2090-05-31");
    p->set_report_due_date("2090-06-30");
    p->add_standing_respondents()->set_organisation("partnerships/part-a/organisations/police");
    asv1::PlannedRound planned;
    SIXSTEPS_RETURN_IF_ERROR(Call(*programme, &asv1::ProgrammeService::Stub::CreatePlannedRound,
                                  w.TokenOf(Who::kPartnershipAdminA), plan, &planned));
    r.planned_round = planned.name();
  }
  {
    // An OFFICIAL-SENSITIVE evidence file, in one message.
    grpc::ClientContext context;
    Authorize(context, w.TokenOf(Who::kPartnershipAdminA));
    asv1::EvidenceFile file;
    auto upload = w.hub->EvidenceFileStub()->UploadEvidenceFile(&context, &file);
    asv1::UploadEvidenceFileRequest request;
    request.mutable_metadata()->set_partnership("partnerships/part-a");
    request.mutable_metadata()->set_file_name("part-a case audit.csv");
    request.mutable_metadata()->set_classification(asv1::CLASSIFICATION_OFFICIAL_SENSITIVE);
    request.set_chunk("agency,cases\npolice,12\nhealth,8\n");
    upload->Write(request);
    upload->WritesDone();
    grpc::Status uploaded = upload->Finish();
    if (!uploaded.ok()) return absl::InternalError("evidence file: " + uploaded.error_message());
    r.evidence_file = file.name();
  }
  return absl::OkStatus();
}

// Waits (bounded) until the reporting read model shows part-a and both rounds.
absl::Status AwaitReporting(MatrixWorld& w) {
  SIXSTEPS_ASSIGN_OR_RETURN(int64_t head, w.hub->FeedHead());
  auto reporting = w.hub->ReportingStub();
  rv1::GetAssessmentReportRequest report;
  report.set_assessment(w.assessment.round);
  report.set_min_sequence(head);
  rv1::AssessmentReport answer;
  SIXSTEPS_RETURN_IF_ERROR(Call(*reporting, &RStub::GetAssessmentReport, w.admin, report, &answer));
  rv1::GetPartnershipTrendRequest trend;
  trend.set_partnership("partnerships/part-a");
  const absl::Time give_up = absl::Now() + absl::Seconds(30);
  while (true) {
    rv1::PartnershipTrend answer;
    absl::Status status = Call(*reporting, &RStub::GetPartnershipTrend, w.admin, trend, &answer);
    if (status.ok()) return status;
    if (absl::Now() > give_up) return status;
    absl::SleepFor(absl::Milliseconds(100));
  }
}

// Starts the notification service and waits (bounded) until its outbox holds a message of
// part-a (police's respondent is told of each round police answers in).
absl::Status AwaitNotification(MatrixWorld& w) {
  SIXSTEPS_RETURN_IF_ERROR(w.hub->StartNotification());
  auto stub = w.hub->NotificationStub();
  const absl::Time give_up = absl::Now() + absl::Seconds(60);
  while (true) {
    nv1::ListOutboxMessagesRequest request;
    request.set_partnership("partnerships/part-a");
    nv1::ListOutboxMessagesResponse page;
    absl::Status status =
        Call(*stub, &nv1::NotificationService::Stub::ListOutboxMessages, w.admin, request, &page);
    if (status.ok() && page.messages_size() > 0) return absl::OkStatus();
    if (absl::Now() > give_up) {
      return status.ok() ? absl::DeadlineExceededError("no outbox message of part-a") : status;
    }
    absl::SleepFor(absl::Milliseconds(100));
  }
}

absl::StatusOr<std::unique_ptr<MatrixWorld>> BuildWorld() {
  auto w = std::make_unique<MatrixWorld>();
  SIXSTEPS_ASSIGN_OR_RETURN(w->hub, TestHub::Start("auth_matrix"));
  w->admin = w->hub->admin_token();
  SIXSTEPS_RETURN_IF_ERROR(w->hub->StartReporting());
  SIXSTEPS_RETURN_IF_ERROR(MakeUsers(*w));
  SIXSTEPS_RETURN_IF_ERROR(MakeIdentityRecords(*w));
  SIXSTEPS_RETURN_IF_ERROR(MakeAssessmentRecords(*w));
  SIXSTEPS_RETURN_IF_ERROR(MakeVoiceRecords(*w));
  SIXSTEPS_RETURN_IF_ERROR(MakeScrutinyRecords(*w));
  SIXSTEPS_RETURN_IF_ERROR(MakeRetentionRecords(*w));  // retention (H6)
  SIXSTEPS_RETURN_IF_ERROR(AwaitReporting(*w));
  SIXSTEPS_RETURN_IF_ERROR(AwaitNotification(*w));
  const IdentityRecords& i = w->identity;
  const AssessmentRecords& a = w->assessment;
  w->markers = {"region-a",
                "part-a",
                "frame-a",
                "alice@a.test",
                IdOf(i.user_a),
                IdOf(i.binding_a),
                IdOf(i.account_a),
                i.api_key_a_id,
                IdOf(a.finalised),
                IdOf(a.round),
                IdOf(a.action),
                IdOf(a.action_done),
                IdOf(a.action_cancel),
                IdOf(a.challenge),
                IdOf(a.self_assessment),
                IdOf(w->voice.engagement),
                IdOf(w->voice.sensitive_engagement),
                IdOf(w->voice.case_audit),
                IdOf(w->voice.learning_review),
                IdOf(w->scrutiny.concern),
                IdOf(w->scrutiny.draft),
                IdOf(a.evidence_file)};
  return w;
}

}  // namespace

std::string WhoName(Who who) {
  switch (who) {
    case Who::kNobody:
      return "nobody";
    case Who::kRegionB:
      return "region B's hub administrator";
    case Who::kOtherPartnership:
      return "part-c's administrator (region A)";
    case Who::kViewerA:
      return "part-a's viewer";
    case Who::kDashboardA:
      return "region A's dashboard";
    case Who::kPoliceRespondentA:
      return "part-a police's respondent";
    case Who::kCouncilRespondentA:
      return "part-a council's respondent";
    case Who::kActionOwnerA:
      return "part-a police's action owner";
    case Who::kScrutineerA:
      return "part-a's scrutineer";
    case Who::kPartnershipAdminA:
      return "part-a's administrator";
    case Who::kHubAdminA:
      return "region A's hub administrator";
    case Who::kIntegrationA:
      return "part-a's integration";
  }
  return "?";
}

namespace {

// The world, once built; stopped after the last test, before gRPC's own shutdown.
std::unique_ptr<MatrixWorld> built_world;

class StopTheWorld : public ::testing::Environment {
 public:
  void TearDown() override { built_world.reset(); }
};
::testing::Environment* const kStopTheWorld =
    ::testing::AddGlobalTestEnvironment(new StopTheWorld());

}  // namespace

absl::StatusOr<MatrixWorld*> GetMatrixWorld() {
  static absl::StatusOr<MatrixWorld*> world = []() -> absl::StatusOr<MatrixWorld*> {
    const absl::Time start = absl::Now();
    absl::StatusOr<std::unique_ptr<MatrixWorld>> built = BuildWorld();
    if (!built.ok()) {
      return absl::Status(built.status().code(),
                          absl::StrCat("setting up the auth matrix: ", built.status().message()));
    }
    built_world = *std::move(built);
    std::cerr << "the auth matrix's hub and records took " << (absl::Now() - start) << "\n";
    return built_world.get();
  }();
  return world;
}

std::shared_ptr<grpc::Channel> MatrixWorld::ChannelFor(const std::string& service) const {
  static const std::map<std::string, std::function<std::string(const TestHub&)>> kTargets = {
      {idv1::IdentityService::service_full_name(),
       [](const TestHub& h) { return h.identity_target(); }},
      {fwv1::FrameworkService::service_full_name(),
       [](const TestHub& h) { return h.framework_target(); }},
      {asv1::AssessmentService::service_full_name(),
       [](const TestHub& h) { return h.assessment_target(); }},
      {acv1::ActionService::service_full_name(),
       [](const TestHub& h) { return h.assessment_target(); }},
      {asv1::VoiceService::service_full_name(),
       [](const TestHub& h) { return h.assessment_target(); }},
      {asv1::ProgrammeService::service_full_name(),
       [](const TestHub& h) { return h.assessment_target(); }},
      {asv1::ScrutinyReportService::service_full_name(),
       [](const TestHub& h) { return h.assessment_target(); }},
      {asv1::EvidenceFileService::service_full_name(),
       [](const TestHub& h) { return h.assessment_target(); }},
      // retention (H6)
      {asv1::RetentionService::service_full_name(),
       [](const TestHub& h) { return h.assessment_target(); }},
      {rv1::ReportingService::service_full_name(),
       [](const TestHub& h) { return h.reporting_target(); }},
      {nv1::NotificationService::service_full_name(),
       [](const TestHub& h) { return h.notification_target(); }},
  };
  auto target = kTargets.find(service);
  if (target == kTargets.end()) return nullptr;
  auto& channel = channels[service];
  if (!channel) {
    channel = grpc::CreateChannel(target->second(*hub), grpc::InsecureChannelCredentials());
  }
  return channel;
}

}  // namespace sixsteps::testing
