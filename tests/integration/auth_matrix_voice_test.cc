// The auth matrix's rows of VoiceService (engagement records, case audits, learning reviews)
// and the records they aim at, planted in part-a's draft round when the matrix's hub is
// built. See auth_matrix_assessment_test.cc for what the rows prove; an OFFICIAL-SENSITIVE
// record adds rows for the region-wide roles that may read the round but not it.
#include <grpcpp/client_context.h>

#include "services/base/status_macros.h"
#include "services/common/status.h"
#include "tests/support/auth_matrix.h"
#include "tests/support/requests.h"
#include "tests/support/voice_record_samples.h"

namespace sixsteps::testing {
namespace {

namespace asv1 = ::sixsteps::assessment::v1;
using VStub = asv1::VoiceService::Stub;

using namespace short_names;  // NOLINT(build/namespaces)

constexpr char kPoliceA[] = "partnerships/part-a/organisations/police";

asv1::CaseAudit Audit() {
  asv1::CaseAudit audit;
  audit.set_topic("Domestic abuse referrals");
  audit.set_audit_date("2025-06-01");
  audit.add_agencies(kPoliceA);
  audit.set_case_count(6);
  audit.add_findings("Referrals were timely");
  return audit;
}

asv1::LearningReview Review() {
  asv1::LearningReview review;
  review.set_type(asv1::LEARNING_REVIEW_TYPE_LOCAL_CHILD_SAFEGUARDING_PRACTICE_REVIEW);
  review.set_status(asv1::LEARNING_REVIEW_STATUS_IN_PROGRESS);
  review.set_title("Child R: adolescent exploitation");
  review.set_start_date("2025-03-01");
  return review;
}

// The record's current etag, read by its partnership's administrator when a row runs.
template <typename Record, typename GetRequest>
std::string EtagOf(const MatrixWorld& w, const std::string& name,
                   grpc::Status (VStub::*get)(grpc::ClientContext*, const GetRequest&, Record*)) {
  grpc::ClientContext context;
  Authorize(context, w.TokenOf(PA));
  GetRequest request;
  request.set_name(name);
  Record record;
  (void)(w.hub->VoiceStub().get()->*get)(&context, request, &record);
  return record.etag();
}

// An update of `record` with its current etag.
template <typename Request, typename Record, typename GetRequest>
RequestFn UpdateOf(const MatrixWorld* w, Record record,
                   grpc::Status (VStub::*get)(grpc::ClientContext*, const GetRequest&, Record*),
                   Record* (Request::*mutable_record)()) {
  return [w, record, get, mutable_record] {
    auto request = std::make_shared<Request>();
    Record* target = ((*request).*mutable_record)();
    *target = record;
    target->set_etag(EtagOf(*w, record.name(), get));
    return request;
  };
}

}  // namespace

absl::Status MakeVoiceRecords(MatrixWorld& w) {
  auto voice = w.hub->VoiceStub();
  const std::string& admin = w.TokenOf(PA);
  auto create = [&](auto method, auto request, auto* created) -> absl::Status {
    grpc::ClientContext context;
    Authorize(context, admin);
    return FromGrpcStatus(((*voice).*method)(&context, request, created));
  };
  auto engagement = ParentOf<asv1::CreateEngagementRecordRequest>(w.assessment.round);
  asv1::EngagementRecord record;
  *engagement.mutable_engagement_record() =
      PractitionersFocusGroup("Practitioners' focus group of A", asv1::CLASSIFICATION_OFFICIAL);
  SIXSTEPS_RETURN_IF_ERROR(create(&VStub::CreateEngagementRecord, engagement, &record));
  w.voice.engagement = record.name();
  *engagement.mutable_engagement_record() =
      PractitionersFocusGroup("Family-led audit of A", asv1::CLASSIFICATION_OFFICIAL_SENSITIVE);
  SIXSTEPS_RETURN_IF_ERROR(create(&VStub::CreateEngagementRecord, engagement, &record));
  w.voice.sensitive_engagement = record.name();
  auto audit = ParentOf<asv1::CreateCaseAuditRequest>(w.assessment.round);
  *audit.mutable_case_audit() = Audit();
  asv1::CaseAudit audited;
  SIXSTEPS_RETURN_IF_ERROR(create(&VStub::CreateCaseAudit, audit, &audited));
  w.voice.case_audit = audited.name();
  auto review = ParentOf<asv1::CreateLearningReviewRequest>(w.assessment.round);
  *review.mutable_learning_review() = Review();
  asv1::LearningReview reviewed;
  SIXSTEPS_RETURN_IF_ERROR(create(&VStub::CreateLearningReview, review, &reviewed));
  w.voice.learning_review = reviewed.name();
  return absl::OkStatus();
}

std::vector<Row> VoiceRows(const MatrixWorld& world) {
  const MatrixWorld* w = &world;
  const std::string& round = world.assessment.round;
  const VoiceRecords& r = world.voice;
  std::vector<Row> rows;
  const RowsOf voice(rows, asv1::VoiceService::service_full_name());

  // ---- Engagement records.
  {
    auto m = ParentOf<asv1::CreateEngagementRecordRequest>(round);
    *m.mutable_engagement_record() =
        PractitionersFocusGroup("Planted survey", asv1::CLASSIFICATION_OFFICIAL);
    voice("CreateEngagementRecord", "an engagement record of A's round", Fixed(m),
          {{N, UA},
           {B, NF},
           {O, NF},
           {V, PD},
           {D, PD},
           {RS, PD},
           {PA, OK, "Planted survey"},
           {SC, OK},
           {HA, OK},
           {IN, OK}});
    m.mutable_engagement_record()->set_classification(asv1::CLASSIFICATION_OFFICIAL_SENSITIVE);
    voice("CreateEngagementRecord", "an OFFICIAL-SENSITIVE record of A's round", Fixed(m),
          {{HA, PD}, {V, PD}, {SC, OK}});
  }
  voice("GetEngagementRecord", "A's engagement record",
        Fixed(Named<asv1::GetEngagementRecordRequest>(r.engagement)),
        {{N, UA}, {B, NF}, {O, NF}, {V, OK, IdOf(r.engagement)}, {D, OK, IdOf(r.engagement)}});
  voice("GetEngagementRecord", "A's OFFICIAL-SENSITIVE engagement record",
        Fixed(Named<asv1::GetEngagementRecordRequest>(r.sensitive_engagement)),
        {{D, NF},
         {HA, NF},
         {V, OK, IdOf(r.sensitive_engagement)},
         {RS, OK, IdOf(r.sensitive_engagement)}});
  voice("ListEngagementRecords", "A's round's engagement records",
        Fixed(ParentOf<asv1::ListEngagementRecordsRequest>(round)),
        {{N, UA},
         {B, NF},
         {O, NF},
         {V, OK, IdOf(r.sensitive_engagement)},
         {D, OK, IdOf(r.engagement)}});
  {
    asv1::EngagementRecord record = PractitionersFocusGroup(
        "Practitioners' focus group of A, revised", asv1::CLASSIFICATION_OFFICIAL);
    record.set_name(r.engagement);
    voice("UpdateEngagementRecord", "A's engagement record",
          UpdateOf<asv1::UpdateEngagementRecordRequest>(
              w, record, &VStub::GetEngagementRecord,
              &asv1::UpdateEngagementRecordRequest::mutable_engagement_record),
          {{N, UA}, {B, NF}, {O, NF}, {V, PD}, {D, PD}, {RS, PD}, {PA, OK, "revised", true}});
  }

  // ---- Case audits.
  {
    auto m = ParentOf<asv1::CreateCaseAuditRequest>(round);
    *m.mutable_case_audit() = Audit();
    voice("CreateCaseAudit", "a case audit of A's round", Fixed(m),
          {{N, UA},
           {B, NF},
           {O, NF},
           {V, PD},
           {D, PD},
           {RS, PD},
           {SC, OK, "Domestic abuse"},
           {IN, OK}});
  }
  voice("GetCaseAudit", "A's case audit", Fixed(Named<asv1::GetCaseAuditRequest>(r.case_audit)),
        {{N, UA}, {B, NF}, {O, NF}, {D, OK, IdOf(r.case_audit)}});
  voice("ListCaseAudits", "A's round's case audits",
        Fixed(ParentOf<asv1::ListCaseAuditsRequest>(round)),
        {{N, UA}, {B, NF}, {O, NF}, {V, OK, IdOf(r.case_audit)}});
  {
    asv1::CaseAudit audit = Audit();
    audit.set_name(r.case_audit);
    audit.set_case_count(7);
    voice("UpdateCaseAudit", "A's case audit",
          UpdateOf<asv1::UpdateCaseAuditRequest>(w, audit, &VStub::GetCaseAudit,
                                                 &asv1::UpdateCaseAuditRequest::mutable_case_audit),
          {{N, UA}, {B, NF}, {O, NF}, {V, PD}, {D, PD}, {HA, OK, "case_count: 7", true}});
  }

  // ---- Learning reviews.
  {
    auto m = ParentOf<asv1::CreateLearningReviewRequest>(round);
    *m.mutable_learning_review() = Review();
    voice("CreateLearningReview", "a learning review of A's round", Fixed(m),
          {{N, UA}, {B, NF}, {O, NF}, {V, PD}, {D, PD}, {RS, PD}, {PA, OK, "Child R"}});
  }
  voice("GetLearningReview", "A's learning review",
        Fixed(Named<asv1::GetLearningReviewRequest>(r.learning_review)),
        {{N, UA}, {B, NF}, {O, NF}, {V, OK, IdOf(r.learning_review)}});
  voice("ListLearningReviews", "A's round's learning reviews",
        Fixed(ParentOf<asv1::ListLearningReviewsRequest>(round)),
        {{N, UA}, {B, NF}, {O, NF}, {D, OK, IdOf(r.learning_review)}});
  {
    asv1::LearningReview review = Review();
    review.set_name(r.learning_review);
    review.set_status(asv1::LEARNING_REVIEW_STATUS_COMPLETED);
    voice("UpdateLearningReview", "A's learning review",
          UpdateOf<asv1::UpdateLearningReviewRequest>(
              w, review, &VStub::GetLearningReview,
              &asv1::UpdateLearningReviewRequest::mutable_learning_review),
          {{N, UA},
           {B, NF},
           {O, NF},
           {V, PD},
           {D, PD},
           {SC, OK, "LEARNING_REVIEW_STATUS_COMPLETED", true}});
  }
  return rows;
}

}  // namespace sixsteps::testing
