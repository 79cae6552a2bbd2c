// The gRPC ScrutinyReportService (scrutiny_report_service.proto): the scrutineer's report
// of a round, its factual-accuracy check by the partners, versions and corrections, and
// recommendations accepted as actions (scrutiny_report_service.cc); a partnership's
// concerns about the scrutiny and its annual report drafts
// (scrutiny_report_service_partnership.cc). The rules are in scrutiny_report_domain.h.
#pragma once

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "services/assessment/directory.h"
#include "services/assessment/scrutiny_report_domain.h"
#include "services/assessment/scrutiny_store.h"
#include "services/assessment/store.h"
#include "services/common/auth.h"
#include "sixsteps/assessment/v1/scrutiny_report_service.grpc.pb.h"

namespace sixsteps::assessment {

class ScrutinyReportServiceImpl final : public v1::ScrutinyReportService::Service {
 public:
  // Everything must outlive the service.
  ScrutinyReportServiceImpl(AssessmentStore* store, PartnershipRecordStore* records,
                            Directory* directory, const auth::TokenVerifier* verifier)
      : store_(store), records_(records), directory_(directory), verifier_(verifier) {}

  grpc::Status CreateScrutinyReport(grpc::ServerContext*, const v1::CreateScrutinyReportRequest*,
                                    v1::ScrutinyReport*) override;
  grpc::Status GetScrutinyReport(grpc::ServerContext*, const v1::GetScrutinyReportRequest*,
                                 v1::ScrutinyReport*) override;
  grpc::Status ListScrutinyReportVersions(grpc::ServerContext*,
                                          const v1::ListScrutinyReportVersionsRequest*,
                                          v1::ListScrutinyReportVersionsResponse*) override;
  grpc::Status UpdateScrutinyReport(grpc::ServerContext*, const v1::UpdateScrutinyReportRequest*,
                                    v1::ScrutinyReport*) override;
  grpc::Status SetScrutineerFindings(grpc::ServerContext*, const v1::SetScrutineerFindingsRequest*,
                                     v1::ScrutinyReport*) override;
  grpc::Status ShareScrutinyReport(grpc::ServerContext*, const v1::ShareScrutinyReportRequest*,
                                   v1::ScrutinyReport*) override;
  grpc::Status AnswerScrutinyReport(grpc::ServerContext*, const v1::AnswerScrutinyReportRequest*,
                                    v1::ScrutinyReport*) override;
  grpc::Status ResolveScrutinyDispute(grpc::ServerContext*,
                                      const v1::ResolveScrutinyDisputeRequest*,
                                      v1::ScrutinyReport*) override;
  grpc::Status PublishScrutinyReport(grpc::ServerContext*, const v1::PublishScrutinyReportRequest*,
                                     v1::ScrutinyReport*) override;
  grpc::Status CorrectScrutinyReport(grpc::ServerContext*, const v1::CorrectScrutinyReportRequest*,
                                     v1::ScrutinyReport*) override;
  grpc::Status AcceptRecommendation(grpc::ServerContext*, const v1::AcceptRecommendationRequest*,
                                    v1::AcceptRecommendationResponse*) override;
  grpc::Status RaiseScrutinyConcern(grpc::ServerContext*, const v1::RaiseScrutinyConcernRequest*,
                                    v1::ScrutinyConcern*) override;
  grpc::Status RecordScrutinyConcernOutcome(grpc::ServerContext*,
                                            const v1::RecordScrutinyConcernOutcomeRequest*,
                                            v1::ScrutinyConcern*) override;
  grpc::Status ListScrutinyConcerns(grpc::ServerContext*, const v1::ListScrutinyConcernsRequest*,
                                    v1::ListScrutinyConcernsResponse*) override;
  grpc::Status AttachAnnualReportDraft(grpc::ServerContext*,
                                       const v1::AttachAnnualReportDraftRequest*,
                                       v1::AnnualReportDraft*) override;
  grpc::Status CommentOnAnnualReportDraft(grpc::ServerContext*,
                                          const v1::CommentOnAnnualReportDraftRequest*,
                                          v1::AnnualReportDraft*) override;
  grpc::Status GetAnnualReportDraft(grpc::ServerContext*, const v1::GetAnnualReportDraftRequest*,
                                    v1::AnnualReportDraft*) override;
  grpc::Status ListAnnualReportDrafts(grpc::ServerContext*,
                                      const v1::ListAnnualReportDraftsRequest*,
                                      v1::ListAnnualReportDraftsResponse*) override;

 private:
  // SIXSTEPS_RPC authenticates each call with this, then calls Do{Method}.
  const auth::TokenVerifier& verifier() const { return *verifier_; }

  absl::StatusOr<v1::ScrutinyReport> DoCreateScrutinyReport(
      const Caller& caller, const v1::CreateScrutinyReportRequest& r);
  absl::StatusOr<v1::ScrutinyReport> DoGetScrutinyReport(const Caller& caller,
                                                         const v1::GetScrutinyReportRequest& r);
  absl::StatusOr<v1::ListScrutinyReportVersionsResponse> DoListScrutinyReportVersions(
      const Caller& caller, const v1::ListScrutinyReportVersionsRequest& r);
  absl::StatusOr<v1::ScrutinyReport> DoUpdateScrutinyReport(
      const Caller& caller, const v1::UpdateScrutinyReportRequest& r);
  absl::StatusOr<v1::ScrutinyReport> DoSetScrutineerFindings(
      const Caller& caller, const v1::SetScrutineerFindingsRequest& r);
  absl::StatusOr<v1::ScrutinyReport> DoShareScrutinyReport(const Caller& caller,
                                                           const v1::ShareScrutinyReportRequest& r);
  absl::StatusOr<v1::ScrutinyReport> DoAnswerScrutinyReport(
      const Caller& caller, const v1::AnswerScrutinyReportRequest& r);
  absl::StatusOr<v1::ScrutinyReport> DoResolveScrutinyDispute(
      const Caller& caller, const v1::ResolveScrutinyDisputeRequest& r);
  absl::StatusOr<v1::ScrutinyReport> DoPublishScrutinyReport(
      const Caller& caller, const v1::PublishScrutinyReportRequest& r);
  absl::StatusOr<v1::ScrutinyReport> DoCorrectScrutinyReport(
      const Caller& caller, const v1::CorrectScrutinyReportRequest& r);
  absl::StatusOr<v1::AcceptRecommendationResponse> DoAcceptRecommendation(
      const Caller& caller, const v1::AcceptRecommendationRequest& r);
  absl::StatusOr<v1::ScrutinyConcern> DoRaiseScrutinyConcern(
      const Caller& caller, const v1::RaiseScrutinyConcernRequest& r);
  absl::StatusOr<v1::ScrutinyConcern> DoRecordScrutinyConcernOutcome(
      const Caller& caller, const v1::RecordScrutinyConcernOutcomeRequest& r);
  absl::StatusOr<v1::ListScrutinyConcernsResponse> DoListScrutinyConcerns(
      const Caller& caller, const v1::ListScrutinyConcernsRequest& r);
  absl::StatusOr<v1::AnnualReportDraft> DoAttachAnnualReportDraft(
      const Caller& caller, const v1::AttachAnnualReportDraftRequest& r);
  absl::StatusOr<v1::AnnualReportDraft> DoCommentOnAnnualReportDraft(
      const Caller& caller, const v1::CommentOnAnnualReportDraftRequest& r);
  absl::StatusOr<v1::AnnualReportDraft> DoGetAnnualReportDraft(
      const Caller& caller, const v1::GetAnnualReportDraftRequest& r);
  absl::StatusOr<v1::ListAnnualReportDraftsResponse> DoListAnnualReportDrafts(
      const Caller& caller, const v1::ListAnnualReportDraftsRequest& r);

  // Runs `change` on the latest version of the report of round `parent` (one the caller can
  // see, else NOT_FOUND), with its etag checked when `etag` is set, and stores the version
  // it leaves in `latest` with the change `kind` it sets, in one transaction.
  using ReportChange =
      std::function<absl::Status(RoundTx& tx, v1::ScrutinyReport& latest, v1::ChangeKind& kind)>;
  absl::StatusOr<v1::ScrutinyReport> ChangeLatest(const Caller& caller, const std::string& parent,
                                                  const std::string& etag,
                                                  const ReportChange& change);
  // The versions of the round's report the caller may see, oldest first (NOT_FOUND for a
  // round they cannot see), and the round.
  absl::StatusOr<std::vector<v1::ScrutinyReport>> VisibleVersions(const Caller& caller,
                                                                  const std::string& parent,
                                                                  StoredAssessment* round);
  // Fills each recommendation's actions (and their status) from the round's action plan.
  absl::Status FillActions(const Caller& caller, v1::ScrutinyReport& report);
  // The region (id) of a partnership (id) the caller may read; NOT_FOUND otherwise.
  absl::StatusOr<std::string> VisiblePartnershipRegion(const Caller& caller,
                                                       const std::string& partnership_id);

  AssessmentStore* store_;
  PartnershipRecordStore* records_;
  Directory* directory_;
  const auth::TokenVerifier* verifier_;
};

}  // namespace sixsteps::assessment
