// The refusal matrix of AssessmentService, ActionService and ReportingService (and of every
// later service): one table of rows, each a request aimed at part-a's records (region A),
// a caller (tests/support/auth_matrix.h: Who) and the code docs/permissions.md says that
// caller gets. Per RPC there are rows for
//   - nobody: called with every bad token (none, expired, forged, tampered, alg none):
//     UNAUTHENTICATED;
//   - another tenant: region B's hub administrator, and part-c's administrator (another
//     partnership of region A): NOT_FOUND for a record they cannot see (a list answers, but
//     with nothing of A; a change stream stays silent until its deadline);
//   - a read-only role of A (viewer, dashboard) where the RPC writes, and other roles of A
//     the doc leaves out: PERMISSION_DENIED;
//   - at least one allowed caller: succeeds, or gets past the checks to a rule's status
//     (FAILED_PRECONDITION), which no refused caller ever sees.
// Refused rows run first, all of them, and must leave identity's, framework's and
// assessment's databases as they were (every table but audit_events, sign_in_throttle and
// refresh_tokens);
// allowed rows run after, in the table's order (rows marked `last` at the end).
// auth_matrix_coverage_test.cc fails for any method of any sixsteps.*.v1 service without
// these rows.
//
// ADDING AN RPC (one to three lines, plus building its request):
//   action("ListProgressUpdates", "of A's action", Fixed(request),
//          {{N, UA}, {B, NF}, {O, NF}, {V, OK}, {AO, OK, "Started the audit"}});
// (a text after OK: what the allowed answer must show). A method that writes also needs a
// read-only refusal, {V, PD}. A NEW SERVICE: a helper like action() below, and its server in
// MatrixWorld::ChannelFor (tests/support/auth_matrix.cc).
#include <gmock/gmock.h>
#include <google/protobuf/descriptor.h>
#include <grpcpp/client_context.h>
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <set>
#include <type_traits>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "tests/support/auth_matrix.h"
#include "tests/support/status_matchers.h"
#include "tests/support/test_hub.h"

namespace sixsteps::testing {
namespace {

namespace pb = ::google::protobuf;
namespace asv1 = ::sixsteps::assessment::v1;
namespace acv1 = ::sixsteps::action::v1;
namespace fwv1 = ::sixsteps::framework::v1;
namespace rv1 = ::sixsteps::reporting::v1;

// Short names for the table: auth_matrix.h's `short_names`.
using namespace short_names;  // NOLINT(build/namespaces)
constexpr Code FP = Code::kFailedPrecondition;
// A change stream with nothing the caller may see stays open and silent: its first
// message never comes, and the call ends at its deadline.
constexpr Code SILENT = Code::kDeadlineExceeded;

constexpr char kBuiltInVersion[] = "frameworks/six-steps/versions/2019";

// The rows, filled in by RowsOf (tests/support/auth_matrix.h) per service.
struct Table {
  std::vector<Row> rows;
};

// Current etags, read as the deployment administrator when a row runs: a refusal must not
// hinge on a stale etag, and an allowed write needs the current one.
std::string RoundEtag(const MatrixWorld& w, const std::string& name) {
  grpc::ClientContext context;
  Authorize(context, w.admin);
  asv1::GetAssessmentRequest request;
  request.set_name(name);
  asv1::Assessment round;
  (void)w.hub->AssessmentStub()->GetAssessment(&context, request, &round);
  return round.etag();
}

std::string ActionEtag(const MatrixWorld& w, const std::string& name) {
  grpc::ClientContext context;
  Authorize(context, w.admin);
  acv1::GetActionRequest request;
  request.set_name(name);
  acv1::Action action;
  (void)w.hub->ActionStub()->GetAction(&context, request, &action);
  return action.etag();
}

std::string ChallengeEtag(const MatrixWorld& w, const std::string& round, const std::string& name) {
  grpc::ClientContext context;
  Authorize(context, w.admin);
  asv1::ListChallengesRequest request;
  request.set_parent(round);
  asv1::ListChallengesResponse challenges;
  (void)w.hub->AssessmentStub()->ListChallenges(&context, request, &challenges);
  for (const asv1::Challenge& c : challenges.challenges()) {
    if (c.name() == name) return c.etag();
  }
  return "";
}

// A lifecycle request for round `name` with its current etag (and a reason, to reopen).
template <typename T>
RequestFn Transition(const MatrixWorld* w, const std::string& name) {
  return [w, name] {
    auto m = std::make_shared<T>();
    m->set_name(name);
    m->set_etag(RoundEtag(*w, name));
    if constexpr (std::is_same_v<T, asv1::ReopenAssessmentRequest>) m->set_reason("Correct it");
    return m;
  };
}

}  // namespace

std::vector<Row> AssessmentActionReportingRows(const MatrixWorld& world) {
  const MatrixWorld* w = &world;
  const AssessmentRecords& a = world.assessment;
  Table t;
  // ScrutinyReportService's rows (auth_matrix_scrutiny_report_test.cc) come first: theirs
  // rely on alice being a scrutineer respondent of the round, which DeleteRespondent's
  // allowed row below ends.
  t.rows = ScrutinyReportRows(world);
  // ---- scrutiny cycle (H4): the scrutineer's report, after the rows that publish it.
  for (Row& row : CycleRows(world)) t.rows.push_back(std::move(row));
  const RowsOf assessment(t.rows, asv1::AssessmentService::service_full_name());
  const RowsOf action(t.rows, acv1::ActionService::service_full_name());
  const RowsOf reporting(t.rows, rv1::ReportingService::service_full_name());

  // ---- Rounds.
  {
    asv1::CreateAssessmentRequest m;
    asv1::Assessment* round = m.mutable_assessment();
    round->set_partnership("partnerships/part-a");
    round->set_framework_version(kBuiltInVersion);
    round->set_kind(asv1::ASSESSMENT_KIND_INDEPENDENT_SCRUTINY);
    round->set_title("Planted round");
    round->set_period_start("2026-04-01");
    round->set_period_end("2027-03-31");
    assessment("CreateAssessment", "a round of part-a", Fixed(m),
               {{N, UA},
                {B, NF},
                {O, NF},
                {V, PD},
                {D, PD},
                {RS, PD},
                {AO, PD},
                {SC, OK},
                {HA, OK},
                {IN, OK}});
  }
  {
    asv1::GetAssessmentRequest m;
    m.set_name(a.round);
    assessment("GetAssessment", "A's draft round", Fixed(m),
               {{N, UA}, {B, NF}, {O, NF}, {V, OK, a.round}, {D, OK, a.round}});
  }
  {
    asv1::ListAssessmentsRequest m;
    m.set_partnership("partnerships/part-a");
    assessment("ListAssessments", "part-a's rounds", Fixed(m),
               {{N, UA}, {B, OK}, {O, OK}, {V, OK, a.round}, {D, OK, a.round}});
    assessment("ListAssessments", "every round (none of A)", Fixed(asv1::ListAssessmentsRequest()),
               {{B, OK}, {O, OK}, {V, OK, a.round}});
  }
  assessment("UpdateAssessment", "A's draft round's title",
             [w, name = a.round] {
               auto m = std::make_shared<asv1::UpdateAssessmentRequest>();
               m->mutable_assessment()->set_name(name);
               m->mutable_assessment()->set_title("Renamed");
               m->mutable_assessment()->set_etag(RoundEtag(*w, name));
               m->mutable_update_mask()->add_paths("title");
               return m;
             },
             {{N, UA}, {B, NF}, {O, NF}, {V, PD}, {D, PD}, {RS, PD}, {AO, PD}, {PA, OK}});
  assessment("SubmitAssessmentForReview", "A's draft round",
             Transition<asv1::SubmitAssessmentForReviewRequest>(w, a.round),
             {{N, UA}, {B, NF}, {O, NF}, {V, PD}, {D, PD}, {RS, PD}, {AO, PD}, {RC, PD}, {PA, OK}});
  {
    asv1::CheckFinalisationRequest m;
    m.set_name(a.round);
    assessment("CheckFinalisation", "A's round", Fixed(m),
               {{N, UA}, {B, NF}, {O, NF}, {V, OK}, {D, OK}});
  }
  // Independent scrutiny: only the partnership's scrutineers finalise; the round is not
  // ready, so the scrutineer gets the rule's refusal.
  assessment("FinaliseAssessment", "A's round, not ready",
             Transition<asv1::FinaliseAssessmentRequest>(w, a.round),
             {{N, UA}, {B, NF}, {O, NF}, {V, PD}, {D, PD}, {RS, PD}, {PA, PD}, {HA, PD}, {SC, FP}});
  // Reopening: the scrutineers, and the region's hub administrators. Last: the finalised
  // round is where CarryOverActions carries from.
  // A self-assessment: its partnership administrators, not the scrutineers.
  assessment("FinaliseAssessment", "A's self-assessment, not ready",
             Transition<asv1::FinaliseAssessmentRequest>(w, a.self_assessment),
             {{B, NF}, {SC, PD}, {HA, PD}, {PA, FP}});
  assessment("ReopenAssessment", "A's finalised round",
             Transition<asv1::ReopenAssessmentRequest>(w, a.finalised),
             {{N, UA},
              {B, NF},
              {O, NF},
              {V, PD},
              {D, PD},
              {RS, PD},
              {PA, PD},
              {HA, OK, a.finalised, /*last=*/true}});
  {
    asv1::GetFinalisedRevisionRequest m;
    m.set_name(a.finalised);
    m.set_revision(1);
    assessment("GetFinalisedRevision", "A's finalised round", Fixed(m),
               {{N, UA}, {B, NF}, {O, NF}, {V, OK, a.finalised}, {D, OK}});
  }

  // ---- Respondents.
  {
    asv1::AddRespondentRequest m;
    m.set_parent(a.round);
    m.mutable_respondent()->set_organisation("partnerships/part-a/organisations/council");
    m.mutable_respondent()->add_question_ids("s6.q4");
    assessment("AddRespondent", "part-a's council to A's round", Fixed(m),
               {{N, UA}, {B, NF}, {O, NF}, {V, PD}, {D, PD}, {RS, PD}, {AO, PD}, {PA, OK}});
  }
  {
    asv1::ListRespondentsRequest m;
    m.set_parent(a.round);
    assessment("ListRespondents", "of A's round", Fixed(m),
               {{N, UA}, {B, NF}, {O, NF}, {V, OK, IdOf(a.police_respondent)}, {D, OK}});
  }
  {
    asv1::DeleteRespondentRequest m;
    m.set_name(a.alice_respondent);
    assessment("DeleteRespondent", "alice's, who answered nothing", Fixed(m),
               {{N, UA}, {B, NF}, {O, NF}, {V, PD}, {D, PD}, {RS, PD}, {AO, PD}, {PA, OK}});
  }

  // ---- Responses: police's respondents answer for police; nobody else does.
  {
    asv1::UpsertResponseRequest m;
    m.mutable_response()->set_name(absl::StrCat(a.police_respondent, "/responses/s1.q2"));
    m.mutable_response()->set_rating(fwv1::RATING_RED);
    assessment("UpsertResponse", "police's answer to s1.q2", Fixed(m),
               {{N, UA},
                {B, NF},
                {O, NF},
                {V, PD},
                {D, PD},
                {PA, PD},
                {SC, PD},
                {HA, PD},
                {AO, PD},
                {RC, PD},
                {RS, OK, "s1.q2"}});
    m.mutable_response()->set_name(absl::StrCat(a.alice_respondent, "/responses/s6.q1"));
    assessment("UpsertResponse", "alice's answer to s6.q1", Fixed(m),
               {{B, NF}, {RS, PD}, {PA, PD}});
    // Integrations answer for any organisation of their partnership.
    m.mutable_response()->set_name(absl::StrCat(a.police_respondent, "/responses/s2.q1"));
    assessment("UpsertResponse", "police's answer to s2.q1", Fixed(m), {{D, PD}, {IN, OK}});
  }
  {
    asv1::BatchUpsertResponsesRequest m;
    m.set_parent(a.round);
    asv1::Response* response = m.add_requests()->mutable_response();
    response->set_name(absl::StrCat(a.police_respondent, "/responses/s1.q3"));
    response->set_rating(fwv1::RATING_RED);
    assessment("BatchUpsertResponses", "police's answer to s1.q3", Fixed(m),
               {{N, UA},
                {B, NF},
                {O, NF},
                {V, PD},
                {D, PD},
                {PA, PD},
                {SC, PD},
                {AO, PD},
                {RC, PD},
                {RS, OK, "s1.q3"}});
  }
  {
    asv1::GetResponseRequest m;
    m.set_name(a.response);
    assessment("GetResponse", "police's answer to s1.q1", Fixed(m),
               {{N, UA}, {B, NF}, {O, NF}, {V, OK, a.round}, {D, OK}});
  }
  {
    asv1::ListResponsesRequest m;
    m.set_parent(a.round);
    assessment("ListResponses", "of A's round", Fixed(m),
               {{N, UA}, {B, NF}, {O, NF}, {V, OK, a.round}, {D, OK}});
  }

  // ---- Consolidation: in independent scrutiny, the scrutineers.
  {
    asv1::ConsolidateQuestionRequest m;
    m.set_parent(a.round);
    m.mutable_consolidation()->set_question_id("s1.q1");
    m.mutable_consolidation()->set_rating(fwv1::RATING_RED);
    m.mutable_consolidation()->set_rationale("Agreed");
    assessment("ConsolidateQuestion", "s1.q1 of A's round", Fixed(m),
               {{N, UA},
                {B, NF},
                {O, NF},
                {V, PD},
                {D, PD},
                {RS, PD},
                {PA, PD},
                {HA, PD},
                {IN, PD},
                {SC, OK, "s1.q1"}});
    m.set_parent(a.self_assessment);
    assessment("ConsolidateQuestion", "s1.q1 of A's self-assessment", Fixed(m),
               {{B, NF}, {SC, PD}, {HA, PD}, {PA, OK, "s1.q1"}});
    m.set_parent(a.round);
    asv1::BatchConsolidateQuestionsRequest batch;
    batch.set_parent(a.round);
    *batch.add_requests() = m;
    batch.mutable_requests(0)->mutable_consolidation()->set_question_id("s1.q4");
    assessment("BatchConsolidateQuestions", "s1.q4 of A's round", Fixed(batch),
               {{N, UA},
                {B, NF},
                {O, NF},
                {V, PD},
                {D, PD},
                {RS, PD},
                {PA, PD},
                {HA, PD},
                {SC, OK, "s1.q4"}});
  }
  {
    asv1::ListConsolidationsRequest m;
    m.set_parent(a.round);
    assessment("ListConsolidations", "of A's round", Fixed(m),
               {{N, UA}, {B, NF}, {O, NF}, {V, OK}, {D, OK}});
    asv1::GetDivergenceRequest d;
    d.set_name(a.round);
    assessment("GetDivergence", "of A's round", Fixed(d),
               {{N, UA}, {B, NF}, {O, NF}, {V, OK}, {D, OK}});
  }

  // ---- Challenges: scrutineers raise and close; the challenged response's answerers answer.
  {
    asv1::RaiseChallengeRequest m;
    m.set_parent(a.round);
    m.mutable_challenge()->set_response(a.response);
    m.mutable_challenge()->set_text("And the evidence?");
    assessment("RaiseChallenge", "on police's answer", Fixed(m),
               {{N, UA}, {B, NF}, {O, NF}, {V, PD}, {D, PD}, {RS, PD}, {PA, PD}, {SC, OK}});
    m.set_parent(a.self_assessment);
    m.mutable_challenge()->set_response(a.self_response);
    assessment("RaiseChallenge", "on police's answer in A's self-assessment", Fixed(m),
               {{B, NF}, {SC, PD}, {PA, OK}});
  }
  assessment("AnswerChallenge", "alice's challenge of police's answer",
             [w, round = a.round, name = a.challenge] {
               auto m = std::make_shared<asv1::AnswerChallengeRequest>();
               m->set_name(name);
               m->set_answer("The March audit");
               m->set_etag(ChallengeEtag(*w, round, name));
               return m;
             },
             {{N, UA},
              {B, NF},
              {O, NF},
              {V, PD},
              {D, PD},
              {SC, PD},
              {PA, PD},
              {AO, PD},
              {RC, PD},
              {RS, OK, IdOf(a.challenge)}});
  assessment("CloseChallenge", "alice's challenge of police's answer",
             [w, round = a.round, name = a.challenge] {
               auto m = std::make_shared<asv1::CloseChallengeRequest>();
               m->set_name(name);
               m->set_etag(ChallengeEtag(*w, round, name));
               return m;
             },
             {{N, UA},
              {B, NF},
              {O, NF},
              {V, PD},
              {D, PD},
              {RS, PD},
              {PA, PD},
              {SC, OK, IdOf(a.challenge)}});
  {
    asv1::ListChallengesRequest m;
    m.set_parent(a.round);
    assessment("ListChallenges", "of A's round", Fixed(m),
               {{N, UA}, {B, NF}, {O, NF}, {V, OK, IdOf(a.challenge)}, {D, OK}});
  }

  // ---- Context answers: administrators, scrutineers, integrations.
  {
    asv1::SetContextAnswerRequest m;
    m.mutable_context_answer()->set_name(absl::StrCat(a.round, "/contextAnswers/c1"));
    m.mutable_context_answer()->set_text("Three councils, one police force");
    assessment(
        "SetContextAnswer", "c1 of A's round", Fixed(m),
        {{N, UA}, {B, NF}, {O, NF}, {V, PD}, {D, PD}, {RS, PD}, {AO, PD}, {HA, PD}, {PA, OK}});
    m.mutable_context_answer()->set_name(absl::StrCat(a.round, "/contextAnswers/c2"));
    assessment("SetContextAnswer", "c2 of A's round", Fixed(m), {{V, PD}, {IN, OK}});
    asv1::ListContextAnswersRequest list;
    list.set_parent(a.round);
    assessment("ListContextAnswers", "of A's round", Fixed(list),
               {{N, UA}, {B, NF}, {O, NF}, {V, OK}, {D, OK}});
  }

  // ---- History and the change feed.
  {
    asv1::ListRevisionsRequest m;
    m.set_name(a.round);
    assessment("ListRevisions", "of A's round", Fixed(m),
               {{N, UA}, {B, NF}, {O, NF}, {V, OK, a.round}, {D, OK}});
  }
  {
    asv1::ListChangesRequest m;
    m.set_partnership("partnerships/part-a");
    assessment("ListChanges", "part-a's changes", Fixed(m),
               {{N, UA}, {B, OK}, {O, OK}, {V, OK, a.finalised}, {D, OK, a.finalised}});
    assessment("ListChanges", "every change (none of A)", Fixed(asv1::ListChangesRequest()),
               {{B, OK}, {O, OK}});
    asv1::WatchChangesRequest watch;
    watch.set_partnership("partnerships/part-a");
    assessment("WatchChanges", "part-a's changes", Fixed(watch),
               {{N, UA}, {B, SILENT}, {O, SILENT}, {V, OK, a.finalised}, {D, OK}});
    assessment("WatchChanges", "every change (none of A)", Fixed(asv1::WatchChangesRequest()),
               {{B, SILENT}});
  }

  // ---- Actions: planners create, change, cancel and carry over; the owner organisation's
  // respondents and action owners, and the planners, report progress and mark done.
  {
    acv1::CreateActionRequest m;
    acv1::Action* planned = m.mutable_action();
    planned->set_assessment(a.round);
    planned->set_step_id("s4");
    planned->add_question_ids("s4.q1");
    planned->set_description("Planted action");
    planned->set_intended_outcome("Nothing");
    planned->set_owner_organisation("partnerships/part-a/organisations/police");
    planned->set_due_date("2027-01-31");
    action("CreateAction", "in A's round", Fixed(m),
           {{N, UA},
            {B, NF},
            {O, NF},
            {V, PD},
            {D, PD},
            {RS, PD},
            {AO, PD},
            {PA, OK, a.round},
            {IN, OK, a.round}});
  }
  {
    acv1::GetActionRequest m;
    m.set_name(a.action);
    action("GetAction", "A's action", Fixed(m),
           {{N, UA}, {B, NF}, {O, NF}, {V, OK, a.action}, {AO, OK}});
    acv1::ListActionsRequest list;
    list.set_partnership("partnerships/part-a");
    action("ListActions", "part-a's actions", Fixed(list),
           {{N, UA}, {B, OK}, {O, OK}, {V, OK, IdOf(a.action)}, {D, OK, IdOf(a.action)}});
    action("ListActions", "every action (none of A)", Fixed(acv1::ListActionsRequest()),
           {{B, OK}, {O, OK}});
    acv1::ListProgressUpdatesRequest notes;
    notes.set_name(a.action);
    action("ListProgressUpdates", "of A's action", Fixed(notes),
           {{N, UA}, {B, NF}, {O, NF}, {V, OK}, {D, OK}, {AO, OK}});
  }
  action("UpdateAction", "A's action's description",
         [w, name = a.action] {
           auto m = std::make_shared<acv1::UpdateActionRequest>();
           m->mutable_action()->set_name(name);
           m->mutable_action()->set_description("Rewritten");
           m->mutable_action()->set_etag(ActionEtag(*w, name));
           m->mutable_update_mask()->add_paths("description");
           return m;
         },
         {{N, UA}, {B, NF}, {O, NF}, {V, PD}, {D, PD}, {RS, PD}, {AO, PD}, {SC, OK}});
  action("AddProgressUpdate", "on A's action (police's)",
         [w, name = a.action] {
           auto m = std::make_shared<acv1::AddProgressUpdateRequest>();
           m->set_name(name);
           m->set_note("Started the audit");
           m->set_etag(ActionEtag(*w, name));
           return m;
         },
         {{N, UA}, {B, NF}, {O, NF}, {V, PD}, {D, PD}, {RC, PD}, {AO, OK}, {RS, OK}, {HA, OK}});
  action("CompleteAction", "A's action (police's)",
         [w, name = a.action_done] {
           auto m = std::make_shared<acv1::CompleteActionRequest>();
           m->set_name(name);
           m->set_completion_note("Done and audited");
           m->set_etag(ActionEtag(*w, name));
           return m;
         },
         {{N, UA}, {B, NF}, {O, NF}, {V, PD}, {D, PD}, {RC, PD}, {RS, OK, "STATUS_DONE"}});
  action("CancelAction", "A's action",
         [w, name = a.action_cancel] {
           auto m = std::make_shared<acv1::CancelActionRequest>();
           m->set_name(name);
           m->set_reason("Superseded");
           m->set_etag(ActionEtag(*w, name));
           return m;
         },
         {{N, UA}, {B, NF}, {O, NF}, {V, PD}, {D, PD}, {RS, PD}, {AO, PD}, {SC, OK}});
  {
    acv1::CarryOverActionsRequest m;
    m.set_assessment(a.round);
    m.set_from_assessment(a.finalised);
    action("CarryOverActions", "from A's finalised round into its draft", Fixed(m),
           {{N, UA}, {B, NF}, {O, NF}, {V, PD}, {D, PD}, {RS, PD}, {AO, PD}, {PA, OK, a.round}});
  }

  // ---- Reports: anyone who can read the partnership; a region's overview anyone with a
  // binding in the region; a region's action tracker its hub administrators, viewers,
  // dashboards and integrations.
  {
    rv1::GetAssessmentReportRequest m;
    m.set_assessment(a.round);
    reporting("GetAssessmentReport", "of A's round", Fixed(m),
              {{N, UA}, {B, NF}, {O, NF}, {V, OK, a.round}, {D, OK}});
    rv1::GetAnnualReportSectionRequest annual;
    annual.set_assessment(a.round);
    reporting("GetAnnualReportSection", "of A's round", Fixed(annual),
              {{N, UA}, {B, NF}, {O, NF}, {V, OK}, {D, OK}});
    rv1::ExportReportRequest exported;
    *exported.mutable_assessment() = m;
    exported.set_format(rv1::FORMAT_CSV);
    reporting("ExportReport", "A's round as CSV", Fixed(exported),
              {{N, UA}, {B, NF}, {O, NF}, {V, OK}, {D, OK}});
    exported.mutable_actions()->set_scope("regions/region-a");
    reporting("ExportReport", "region A's action tracker as CSV", Fixed(exported),
              {{B, NF}, {O, PD}, {V, PD}, {D, OK}});
  }
  {
    rv1::GetPartnershipTrendRequest m;
    m.set_partnership("partnerships/part-a");
    reporting("GetPartnershipTrend", "of part-a", Fixed(m),
              {{N, UA}, {B, NF}, {O, NF}, {V, OK, "part-a"}, {D, OK}});
  }
  {
    rv1::GetRegionalOverviewRequest m;
    m.set_region("regions/region-a");
    reporting("GetRegionalOverview", "of region A", Fixed(m),
              {{N, UA}, {B, NF}, {V, OK, "part-a"}, {D, OK, "part-a"}, {PA, OK}});
  }
  {
    rv1::GetActionTrackerRequest m;
    m.set_scope("regions/region-a");
    reporting(
        "GetActionTracker", "of region A", Fixed(m),
        {{N, UA}, {B, NF}, {O, PD}, {V, PD}, {RS, PD}, {PA, PD}, {IN, PD}, {D, OK}, {HA, OK}});
    m.set_scope("partnerships/part-a");
    reporting("GetActionTracker", "of part-a", Fixed(m),
              {{N, UA}, {B, NF}, {O, NF}, {V, OK}, {AO, OK}});
  }
  // Freshness is the read model's feed position, a deployment-wide counter: for roles bound
  // on a region (bob administers region B) or the deployment, not a partnership's members.
  reporting("GetFreshness", "the read model's position", Fixed(rv1::GetFreshnessRequest()),
            {{N, UA}, {B, OK}, {D, OK}, {HA, OK}, {V, PD}, {PA, PD}, {RS, PD}, {O, PD}});
  for (Row& row : VoiceRows(world)) t.rows.push_back(std::move(row));
  // ---- evidence and voice reports (H5) ----
  for (Row& row : RegisterRows(world)) t.rows.push_back(std::move(row));
  for (Row& row : RetentionRows(world)) t.rows.push_back(std::move(row));  // retention (H6)
  for (Row& row : NotificationRows(world)) t.rows.push_back(std::move(row));
  for (Row& row : FormatsRows(world)) t.rows.push_back(std::move(row));
  for (Row& row : WebhookRows(world)) t.rows.push_back(std::move(row));  // webhooks (H1)
  for (Row& row : DigestRows(world)) t.rows.push_back(std::move(row));   // digest (H1)
  // ---- The programme of rounds (issue 15): partnership administrators and the region's hub
  // administrators write; anyone who reads the partnership reads.
  const RowsOf programme(t.rows, asv1::ProgrammeService::service_full_name());
  {
    asv1::CreatePlannedRoundRequest m;
    asv1::PlannedRound* p = m.mutable_planned_round();
    p->set_partnership("partnerships/part-a");
    p->set_kind(asv1::ASSESSMENT_KIND_INDEPENDENT_SCRUTINY);
    p->set_framework_version(kBuiltInVersion);
    p->set_cadence(asv1::PlannedRound::CADENCE_ONE_OFF);
    p->set_title("Planted planned round");
    p->set_period_start("2090-04-01");
    p->set_period_end("2091-03-31");
    p->set_open_date("2091-04-01");
    p->set_response_deadline("2091-05-31");
    p->set_report_due_date("2091-06-30");
    programme("CreatePlannedRound", "a planned round of part-a", Fixed(m),
              {{N, UA},
               {B, NF},
               {O, NF},
               {V, PD},
               {D, PD},
               {RS, PD},
               {AO, PD},
               {SC, PD},
               {IN, PD},
               {PA, OK},
               {HA, OK}});
  }
  {
    asv1::GetPlannedRoundRequest m;
    m.set_name(a.planned_round);
    programme("GetPlannedRound", "A's planned round", Fixed(m),
              {{N, UA}, {B, NF}, {O, NF}, {V, OK, a.planned_round}, {RS, OK, a.planned_round}});
  }
  {
    asv1::ListPlannedRoundsRequest m;
    m.set_partnership("partnerships/part-a");
    programme("ListPlannedRounds", "part-a's programme", Fixed(m),
              {{N, UA}, {B, OK}, {O, OK}, {D, OK, a.planned_round}, {SC, OK, a.planned_round}});
  }
  programme("UpdatePlannedRound", "A's planned round's title",
            [w, name = a.planned_round] {
              auto m = std::make_shared<asv1::UpdatePlannedRoundRequest>();
              grpc::ClientContext context;
              Authorize(context, w->admin);
              asv1::GetPlannedRoundRequest get;
              get.set_name(name);
              (void)w->hub->ProgrammeStub()->GetPlannedRound(&context, get,
                                                             m->mutable_planned_round());
              m->mutable_planned_round()->set_title("Renamed planned round");
              m->mutable_update_mask()->add_paths("title");
              return m;
            },
            {{N, UA}, {B, NF}, {O, NF}, {V, PD}, {D, PD}, {RS, PD}, {SC, PD}, {PA, OK}});
  {
    asv1::CancelPlannedRoundRequest m;
    m.set_name(a.planned_round);
    m.set_reason("Replaced by the joint inspection");
    programme("CancelPlannedRound", "A's planned round", Fixed(m),
              {{N, UA},
               {B, NF},
               {O, NF},
               {V, PD},
               {D, PD},
               {RS, PD},
               {SC, PD},
               {IN, PD},
               {HA, OK, "Replaced by the joint inspection", /*last=*/true}});
  }
  {
    // A's draft round was not opened from a planned round: the administrator gets past the
    // checks to the rule (no deadline to extend).
    asv1::ExtendResponseDeadlineRequest m;
    m.set_name(a.police_respondent);
    m.set_deadline("2090-06-30");
    m.set_reason("Inspection week");
    programme("ExtendResponseDeadline", "police's deadline in A's round", Fixed(m),
              {{N, UA},
               {B, NF},
               {O, NF},
               {V, PD},
               {D, PD},
               {RS, PD},
               {SC, PD},
               {IN, PD},
               {PA, FP},
               {HA, FP}});
  }

  // ---- Evidence files (issue 16): a.evidence_file is OFFICIAL-SENSITIVE, so region A's
  // dashboard, which reads part-a's OFFICIAL records, gets NOT_FOUND for it.
  const RowsOf files(t.rows, asv1::EvidenceFileService::service_full_name());
  {
    asv1::UploadEvidenceFileRequest m;
    m.mutable_metadata()->set_partnership("partnerships/part-a");
    m.mutable_metadata()->set_file_name("minutes.csv");
    m.set_chunk("meeting,attended\nboard,12\n");
    files("UploadEvidenceFile", "a file of part-a, in one message", Fixed(m),
          {{N, UA}, {B, NF}, {O, NF}, {V, PD}, {D, PD}, {RS, OK, "minutes.csv"}, {IN, OK}});
  }
  {
    asv1::GetEvidenceFileRequest m;
    m.set_name(a.evidence_file);
    files("GetEvidenceFile", "A's OFFICIAL-SENSITIVE file", Fixed(m),
          {{N, UA}, {B, NF}, {O, NF}, {D, NF}, {HA, NF}, {V, OK, "part-a case audit.csv"}});
    asv1::DownloadEvidenceFileRequest d;
    d.set_name(a.evidence_file);
    files("DownloadEvidenceFile", "A's OFFICIAL-SENSITIVE file", Fixed(d),
          {{N, UA}, {B, NF}, {O, NF}, {D, NF}, {V, OK, "part-a case audit.csv"}, {SC, OK}});
  }
  {
    asv1::ListEvidenceFilesRequest m;
    m.set_partnership("partnerships/part-a");
    files("ListEvidenceFiles", "part-a's files", Fixed(m),
          {{N, UA}, {B, NF}, {O, NF}, {V, OK, "part-a case audit.csv"}, {D, OK}});
    asv1::ListEvidenceFileDownloadsRequest l;
    l.set_partnership("partnerships/part-a");
    files("ListEvidenceFileDownloads", "part-a's download audit", Fixed(l),
          {{N, UA}, {B, NF}, {O, NF}, {V, PD}, {D, PD}, {SC, PD}, {PA, OK}, {HA, OK}});
  }
  return t.rows;
}

namespace {

class AuthMatrixAssessmentTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    absl::StatusOr<MatrixWorld*> world = GetMatrixWorld();
    ASSERT_THAT(world, IsOk());
    world_ = *world;
  }
  void SetUp() override { ASSERT_NE(world_, nullptr) << "the matrix's hub failed to start"; }

  static const pb::MethodDescriptor* MethodOf(const Row& row) {
    return pb::DescriptorPool::generated_pool()->FindMethodByName(row.method);
  }

  static std::map<std::string, std::string> Fingerprints() { return HubFingerprints(*world_->hub); }

  // Calls `row` as its caller and checks the code; an answer to another tenant must name
  // nothing of A, an allowed answer what the row says it shows. Returns the calls made.
  static int Check(const Row& row) {
    const pb::MethodDescriptor* method = MethodOf(row);
    if (method == nullptr) {
      ADD_FAILURE() << "no method " << row.method;
      return 0;
    }
    std::shared_ptr<pb::Message> request = row.request();
    std::vector<std::pair<std::string, std::string>> tokens;
    if (row.who == Who::kNobody) {
      tokens = BadTokens(*world_);
    } else {
      tokens = {{WhoName(row.who), world_->TokenOf(row.who)}};
    }
    for (const auto& [caller, token] : tokens) {
      SCOPED_TRACE(absl::StrCat(row.method, " (", row.what, ") as ", caller));
      Reply reply = CallGeneric(*world_, method, *request, token);
      EXPECT_THAT(reply.status, StatusIs(row.code));
      if (!reply.status.ok() || !reply.response) continue;
      if (IsOtherTenant(row.who)) {
        std::string leak = LeakOf(*world_, *reply.response);
        // part-c's administrator has a binding in region A, so may read its name.
        if (row.who == Who::kOtherPartnership && leak == "region-a") leak = "";
        EXPECT_EQ(leak, "") << reply.response->DebugString();
      }
      if (!row.must_show.empty()) {
        EXPECT_TRUE(absl::StrContains(reply.response->DebugString(), row.must_show))
            << "the answer should show " << row.must_show << ":\n"
            << reply.response->ShortDebugString().substr(0, 2000);
      }
    }
    return static_cast<int>(tokens.size());
  }

  static MatrixWorld* world_;
};
MatrixWorld* AuthMatrixAssessmentTest::world_ = nullptr;

TEST_F(AuthMatrixAssessmentTest, EveryRowCallsARealMethodWithItsRequestType) {
  for (const Row& row : AssessmentActionReportingRows(*world_)) {
    const pb::MethodDescriptor* method = MethodOf(row);
    ASSERT_NE(method, nullptr) << "the auth matrix names " << row.method << ", no such method";
    EXPECT_EQ(row.request()->GetDescriptor(), method->input_type())
        << row.method << " (" << row.what << ") is called with a " << row.request()->GetTypeName();
  }
}

TEST_F(AuthMatrixAssessmentTest, RefusedCallersAreRefusedAndChangeNothing) {
  const auto before = Fingerprints();
  int calls = 0;
  std::map<RowKind, int> rows;
  for (const Row& row : AssessmentActionReportingRows(*world_)) {
    if (KindOf(row) == RowKind::kAllowed) continue;
    ++rows[KindOf(row)];
    calls += Check(row);
  }
  // Per method, auth_matrix_coverage_test.cc checks the kinds; here, that they all ran.
  EXPECT_GT(rows[RowKind::kUnauthenticated], 0);
  EXPECT_GT(rows[RowKind::kOtherTenant], 0);
  EXPECT_GT(rows[RowKind::kRoleRefused], 0);
  EXPECT_GT(calls, 400);
  EXPECT_EQ(Fingerprints(), before);
}

TEST_F(AuthMatrixAssessmentTest, AllowedCallersGetPastTheChecks) {
  std::vector<Row> allowed, last;
  for (Row& row : AssessmentActionReportingRows(*world_)) {
    if (KindOf(row) != RowKind::kAllowed) continue;
    (row.last ? last : allowed).push_back(std::move(row));
  }
  allowed.insert(allowed.end(), last.begin(), last.end());
  EXPECT_GE(allowed.size(), 44u);
  for (const Row& row : allowed) Check(row);
}

}  // namespace
}  // namespace sixsteps::testing
