// The evidence and voice reports of the reporting service (issue 16, H5): the evidence
// register, the engagement summary and the audits-and-reviews summary of a round, and
// their lines in the annual report section.
#include "services/base/make_status.h"
#include "services/common/grpc_reply.h"
#include "services/reporting/reporting_service.h"

namespace sixsteps::reporting {

absl::StatusOr<Reports::RegisterRound> Reports::LoadRegisterRound(const Caller& caller,
                                                                  const std::string& assessment,
                                                                  int64_t min_sequence,
                                                                  absl::Time deadline) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string id, ParseId(assessment, "assessments", "assessment"));
  RegisterRound loaded;
  SIXSTEPS_RETURN_IF_ERROR(
      Read(min_sequence, deadline,
           [&](ReadModel::Snapshot& model, const rv1::Freshness& f) -> absl::Status {
             loaded.freshness = f;
             auto may_see = [&](const RoundOwner& owner) {
               if (!MayReadPartnershipReports(caller, owner.region_id, owner.partnership_id,
                                              owner.opted_out)) {
                 return false;
               }
               loaded.sees_sensitive = SeesSensitive(caller, owner.partnership_id);
               return true;
             };
             absl::StatusOr<RoundData> round = model.LoadRound(id, may_see);
             if (!round.ok()) {
               return round.status().code() == absl::StatusCode::kNotFound ? NotFound(assessment)
                                                                           : round.status();
             }
             loaded.round = *std::move(round);
             SIXSTEPS_ASSIGN_OR_RETURN(loaded.data, model.LoadRegister(loaded.round));
             return absl::OkStatus();
           }));
  return loaded;
}

absl::StatusOr<rv1::EvidenceRegister> Reports::EvidenceRegister(
    const Caller& caller, const rv1::GetEvidenceRegisterRequest& r, absl::Time deadline) {
  SIXSTEPS_ASSIGN_OR_RETURN(RegisterRound loaded,
                            LoadRegisterRound(caller, r.assessment(), r.min_sequence(), deadline));
  return BuildEvidenceRegister(loaded.round, loaded.data, loaded.sees_sensitive, loaded.freshness);
}

absl::StatusOr<rv1::EngagementSummary> Reports::EngagementSummary(
    const Caller& caller, const rv1::GetEngagementSummaryRequest& r, absl::Time deadline) {
  SIXSTEPS_ASSIGN_OR_RETURN(RegisterRound loaded,
                            LoadRegisterRound(caller, r.assessment(), r.min_sequence(), deadline));
  return BuildEngagementSummary(loaded.round, loaded.data, loaded.sees_sensitive, loaded.freshness);
}

absl::StatusOr<rv1::AuditsAndReviewsSummary> Reports::AuditsAndReviews(
    const Caller& caller, const rv1::GetAuditsAndReviewsSummaryRequest& r, absl::Time deadline) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string as_of, AsOf(r.as_of_date()));
  SIXSTEPS_ASSIGN_OR_RETURN(RegisterRound loaded,
                            LoadRegisterRound(caller, r.assessment(), r.min_sequence(), deadline));
  return BuildAuditsAndReviewsSummary(loaded.round, loaded.data, loaded.sees_sensitive, as_of,
                                      loaded.freshness);
}

absl::StatusOr<std::string> Reports::AnnualVoice(const Caller& caller,
                                                 const std::string& assessment,
                                                 int64_t min_sequence, absl::Time deadline) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string as_of, AsOf(""));
  SIXSTEPS_ASSIGN_OR_RETURN(RegisterRound loaded,
                            LoadRegisterRound(caller, assessment, min_sequence, deadline));
  // The annual report is published: only OFFICIAL material goes into it, whoever asks.
  return AnnualVoiceMarkdown(
      BuildEngagementSummary(loaded.round, loaded.data, /*sees_sensitive=*/false, loaded.freshness),
      BuildAuditsAndReviewsSummary(loaded.round, loaded.data, /*sees_sensitive=*/false, as_of,
                                   loaded.freshness));
}

// ---- Handlers ----

SIXSTEPS_RPC(ReportingServiceImpl, GetEvidenceRegister, rv1::GetEvidenceRegisterRequest,
             rv1::EvidenceRegister)
SIXSTEPS_RPC(ReportingServiceImpl, GetEngagementSummary, rv1::GetEngagementSummaryRequest,
             rv1::EngagementSummary)
SIXSTEPS_RPC(ReportingServiceImpl, GetAuditsAndReviewsSummary,
             rv1::GetAuditsAndReviewsSummaryRequest, rv1::AuditsAndReviewsSummary)

absl::StatusOr<rv1::EvidenceRegister> ReportingServiceImpl::DoGetEvidenceRegister(
    const Caller& caller, const rv1::GetEvidenceRegisterRequest& request,
    const grpc::ServerContextBase& context) {
  return reports_->EvidenceRegister(caller, request, DeadlineOf(context));
}

absl::StatusOr<rv1::EngagementSummary> ReportingServiceImpl::DoGetEngagementSummary(
    const Caller& caller, const rv1::GetEngagementSummaryRequest& request,
    const grpc::ServerContextBase& context) {
  return reports_->EngagementSummary(caller, request, DeadlineOf(context));
}

absl::StatusOr<rv1::AuditsAndReviewsSummary> ReportingServiceImpl::DoGetAuditsAndReviewsSummary(
    const Caller& caller, const rv1::GetAuditsAndReviewsSummaryRequest& request,
    const grpc::ServerContextBase& context) {
  return reports_->AuditsAndReviews(caller, request, DeadlineOf(context));
}

}  // namespace sixsteps::reporting
