// The refusal matrix of ScrutinyReportService (see auth_matrix_assessment_test.cc for the
// rules every row follows), and the records it aims at: alice's report on part-a's draft
// round, shared with the police (its only organisation respondent); a concern the police
// raised; an annual report draft of part-a.
#include <grpcpp/client_context.h>

#include "absl/strings/str_cat.h"
#include "services/base/status_macros.h"
#include "tests/support/auth_matrix.h"
#include "tests/support/test_hub.h"

namespace sixsteps::testing {
namespace {

namespace asv1 = ::sixsteps::assessment::v1;
namespace acv1 = ::sixsteps::action::v1;
using SStub = asv1::ScrutinyReportService::Stub;

using namespace short_names;  // NOLINT(build/namespaces)
constexpr Code FP = Code::kFailedPrecondition;
constexpr Code AE = Code::kAlreadyExists;

constexpr char kPolice[] = "partnerships/part-a/organisations/police";

template <typename Request, typename Response>
absl::Status Call(SStub& stub,
                  grpc::Status (SStub::*method)(grpc::ClientContext*, const Request&, Response*),
                  const std::string& token, const Request& request, Response* response) {
  grpc::ClientContext context;
  Authorize(context, token);
  grpc::Status status = (stub.*method)(&context, request, response);
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
}

// The report's current etag, read as the deployment administrator when a row runs.
std::string ReportEtag(const MatrixWorld& w) {
  asv1::GetScrutinyReportRequest request;
  request.set_parent(w.assessment.round);
  asv1::ScrutinyReport report;
  (void)Call(*w.hub->ScrutinyReportStub(), &SStub::GetScrutinyReport, w.admin, request, &report);
  return report.etag();
}

template <typename T>
RequestFn WithEtag(const MatrixWorld* w, T request) {
  return [w, request] {
    auto m = std::make_shared<T>(request);
    m->set_etag(ReportEtag(*w));
    return m;
  };
}

}  // namespace

absl::Status MakeScrutinyRecords(MatrixWorld& w) {
  auto stub = w.hub->ScrutinyReportStub();
  const std::string alice = w.TokenOf(SC);
  asv1::CreateScrutinyReportRequest create;
  create.set_parent(w.assessment.round);
  create.set_summary("Part A's scrutiny");
  asv1::ScrutinyReport report;
  SIXSTEPS_RETURN_IF_ERROR(Call(*stub, &SStub::CreateScrutinyReport, alice, create, &report));
  asv1::UpdateScrutinyReportRequest update;
  update.set_parent(w.assessment.round);
  update.set_etag(report.etag());
  update.set_summary("Part A's scrutiny");
  asv1::Finding* finding = update.add_findings();
  finding->set_id("f-a");
  finding->set_title("The police's audit is late");
  finding->set_narrative("Seen in the minutes");
  finding->set_nature(asv1::Finding::NATURE_CONCERN);
  finding->add_question_ids("s1.q1");
  asv1::Recommendation* rec = update.add_recommendations();
  rec->set_id("rec-a");
  rec->set_text("Finish the audit");
  rec->add_finding_ids("f-a");
  SIXSTEPS_RETURN_IF_ERROR(Call(*stub, &SStub::UpdateScrutinyReport, alice, update, &report));
  asv1::ShareScrutinyReportRequest share;
  share.set_parent(w.assessment.round);
  share.set_etag(report.etag());
  SIXSTEPS_RETURN_IF_ERROR(Call(*stub, &SStub::ShareScrutinyReport, alice, share, &report));
  w.scrutiny.report = report.name();
  w.scrutiny.recommendation = absl::StrCat(w.assessment.round, "/scrutinyReport/recommendations/",
                                           report.recommendations(0).id());

  asv1::RaiseScrutinyConcernRequest raise;
  raise.set_partnership("partnerships/part-a");
  raise.set_text("We were not asked about the scope");
  asv1::ScrutinyConcern concern;
  SIXSTEPS_RETURN_IF_ERROR(
      Call(*stub, &SStub::RaiseScrutinyConcern, w.TokenOf(RS), raise, &concern));
  w.scrutiny.concern = concern.name();

  asv1::AttachAnnualReportDraftRequest attach;
  attach.set_partnership("partnerships/part-a");
  attach.mutable_draft()->set_title("Annual report of A");
  attach.mutable_draft()->set_year("2025-26");
  attach.mutable_draft()->set_text("Our year");
  asv1::AnnualReportDraft draft;
  SIXSTEPS_RETURN_IF_ERROR(
      Call(*stub, &SStub::AttachAnnualReportDraft, w.TokenOf(PA), attach, &draft));
  w.scrutiny.draft = draft.name();
  return absl::OkStatus();
}

std::vector<Row> ScrutinyReportRows(const MatrixWorld& world) {
  const MatrixWorld* w = &world;
  const std::string round = world.assessment.round;
  const ScrutinyRecords& s = world.scrutiny;
  std::vector<Row> rows;
  const RowsOf report(rows, asv1::ScrutinyReportService::service_full_name());

  {
    asv1::CreateScrutinyReportRequest m;
    m.set_parent(round);
    report("CreateScrutinyReport", "a second report of A's round", Fixed(m),
           {{N, UA}, {B, NF}, {O, NF}, {V, PD}, {D, PD}, {PA, PD}, {RS, PD}, {SC, AE}});
  }
  {
    asv1::GetScrutinyReportRequest m;
    m.set_parent(round);
    report("GetScrutinyReport", "A's shared report", Fixed(m),
           {{N, UA}, {B, NF}, {O, NF}, {V, OK, s.report}, {RS, OK, s.report}, {SC, OK, s.report}});
  }
  {
    asv1::ListScrutinyReportVersionsRequest m;
    m.set_parent(round);
    report("ListScrutinyReportVersions", "A's report versions", Fixed(m),
           {{N, UA}, {B, NF}, {O, NF}, {V, OK, s.report}, {D, OK, s.report}});
  }
  {
    asv1::UpdateScrutinyReportRequest m;
    m.set_parent(round);
    m.set_summary("Rewritten");
    report("UpdateScrutinyReport", "A's shared report (not a draft)", WithEtag(w, m),
           {{N, UA}, {B, NF}, {O, NF}, {V, PD}, {D, PD}, {PA, PD}, {RS, PD}, {SC, FP}});
  }
  {
    asv1::SetScrutineerFindingsRequest m;
    m.set_parent(round);
    report("SetScrutineerFindings", "alice's own findings in A's shared report", WithEtag(w, m),
           {{N, UA}, {B, NF}, {O, NF}, {V, PD}, {PA, PD}, {RS, PD}, {SC, FP}});
  }
  {
    asv1::ShareScrutinyReportRequest m;
    m.set_parent(round);
    report("ShareScrutinyReport", "A's report, shared already", WithEtag(w, m),
           {{N, UA}, {B, NF}, {O, NF}, {V, PD}, {PA, PD}, {RS, PD}, {SC, FP}});
  }
  {
    asv1::AnswerScrutinyReportRequest m;
    m.set_parent(round);
    m.set_organisation(kPolice);
    m.set_verdict(asv1::PartnerAnswer::VERDICT_ACCEPT);
    report("AnswerScrutinyReport", "the police's answer to A's report", Fixed(m),
           {{N, UA},
            {B, NF},
            {O, NF},
            {V, PD},
            {D, PD},
            {SC, PD},
            {PA, PD},
            {RC, PD},  // a partner answering for another
            {RS, OK, "VERDICT_ACCEPT"}});
  }
  {
    asv1::ResolveScrutinyDisputeRequest m;
    m.set_parent(round);
    m.set_organisation(kPolice);
    m.set_outcome(asv1::DisputeResolution::OUTCOME_UPHELD);
    m.set_note("Agreed");
    // After the police accepted (the row above): there is no dispute to resolve.
    report("ResolveScrutinyDispute", "the police's answer (an acceptance)", Fixed(m),
           {{N, UA}, {B, NF}, {O, NF}, {V, PD}, {RS, PD}, {PA, PD}, {SC, FP}});
  }
  {
    asv1::CorrectScrutinyReportRequest m;
    m.set_parent(round);
    m.set_change_note("A typo");
    report("CorrectScrutinyReport", "A's report, not yet published", Fixed(m),
           {{N, UA}, {B, NF}, {O, NF}, {V, PD}, {RS, PD}, {PA, PD}, {SC, FP}});
  }
  {
    asv1::AcceptRecommendationRequest m;
    m.set_name(s.recommendation);
    acv1::Action* a = m.add_actions();
    a->set_step_id("s1");
    a->add_question_ids("s1.q1");
    a->set_description("Finish the audit");
    a->set_intended_outcome("Audited");
    a->set_owner_organisation(kPolice);
    a->set_due_date("2026-09-30");
    report("AcceptRecommendation", "A's recommendation, report not yet published", Fixed(m),
           {{N, UA}, {B, NF}, {O, NF}, {V, PD}, {D, PD}, {RS, PD}, {PA, FP}, {HA, FP}});
  }
  {
    asv1::PublishScrutinyReportRequest m;
    m.set_parent(round);
    // Last: once the police has answered, alice publishes.
    report("PublishScrutinyReport", "A's shared report", WithEtag(w, m),
           {{N, UA},
            {B, NF},
            {O, NF},
            {V, PD},
            {D, PD},
            {RS, PD},
            {PA, PD},
            {SC, OK, "STATE_PUBLISHED", true}});
  }
  {
    asv1::RaiseScrutinyConcernRequest m;
    m.set_partnership("partnerships/part-a");
    m.set_text("The scope was not agreed");
    report("RaiseScrutinyConcern", "a concern about A's scrutiny", Fixed(m),
           {{N, UA}, {B, NF}, {O, NF}, {V, PD}, {D, PD}, {SC, PD}, {RS, OK}, {PA, OK}});
  }
  {
    asv1::RecordScrutinyConcernOutcomeRequest m;
    m.set_name(s.concern);
    m.set_outcome("Scope agreed at the board");
    report("RecordScrutinyConcernOutcome", "the police's concern", Fixed(m),
           {{N, UA}, {B, NF}, {O, NF}, {V, PD}, {RS, PD}, {SC, PD}, {HA, OK}, {PA, OK}});
  }
  {
    asv1::ListScrutinyConcernsRequest m;
    m.set_partnership("partnerships/part-a");
    report("ListScrutinyConcerns", "A's concerns", Fixed(m),
           {{N, UA}, {B, NF}, {O, NF}, {V, OK}, {HA, OK, s.concern}, {RS, OK, s.concern}});
  }
  {
    asv1::AttachAnnualReportDraftRequest m;
    m.set_partnership("partnerships/part-a");
    m.mutable_draft()->set_title("Draft 2");
    m.mutable_draft()->set_year("2025-26");
    m.mutable_draft()->set_link("https://example.org/draft-2.docx");
    report("AttachAnnualReportDraft", "a draft of A's annual report", Fixed(m),
           {{N, UA}, {B, NF}, {O, NF}, {V, PD}, {D, PD}, {SC, PD}, {RS, PD}, {PA, OK}});
  }
  {
    asv1::CommentOnAnnualReportDraftRequest m;
    m.set_name(s.draft);
    m.set_text("Say who employs the scrutineer");
    report("CommentOnAnnualReportDraft", "A's draft", Fixed(m),
           {{N, UA}, {B, NF}, {O, NF}, {V, PD}, {PA, PD}, {RS, PD}, {SC, OK}});
  }
  {
    asv1::GetAnnualReportDraftRequest m;
    m.set_name(s.draft);
    report("GetAnnualReportDraft", "A's draft", Fixed(m),
           {{N, UA}, {B, NF}, {O, NF}, {V, OK, s.draft}, {RS, OK, s.draft}});
  }
  {
    asv1::ListAnnualReportDraftsRequest m;
    m.set_partnership("partnerships/part-a");
    report("ListAnnualReportDrafts", "A's drafts", Fixed(m),
           {{N, UA}, {B, NF}, {O, NF}, {V, OK, s.draft}, {D, OK, s.draft}});
  }
  return rows;
}

}  // namespace sixsteps::testing
