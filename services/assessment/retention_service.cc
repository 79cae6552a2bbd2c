#include "services/assessment/retention_service.h"

#include "absl/strings/str_cat.h"
#include "services/assessment/domain.h"
#include "services/assessment/page_sizes.h"
#include "services/assessment/retention_domain.h"
#include "services/base/make_status.h"
#include "services/common/grpc_reply.h"
#include "services/common/pagination.h"

namespace sixsteps::assessment {

SIXSTEPS_RPC(RetentionServiceImpl, GetRetentionPolicy, v1::GetRetentionPolicyRequest,
             v1::RetentionPolicy)
absl::StatusOr<v1::RetentionPolicy> RetentionServiceImpl::DoGetRetentionPolicy(
    const Caller& caller, const v1::GetRetentionPolicyRequest& r) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string partnership_id, ParseRetentionPolicyName(r.name(), "name"));
  SIXSTEPS_RETURN_IF_ERROR(
      ReadablePartnershipRegion(*directory_, caller, partnership_id, r.name()).status());
  return retention_->GetPolicy(partnership_id);
}

SIXSTEPS_RPC(RetentionServiceImpl, UpdateRetentionPolicy, v1::UpdateRetentionPolicyRequest,
             v1::RetentionPolicy)
absl::StatusOr<v1::RetentionPolicy> RetentionServiceImpl::DoUpdateRetentionPolicy(
    const Caller& caller, const v1::UpdateRetentionPolicyRequest& r) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string partnership_id,
                            ParseRetentionPolicyName(r.policy().name(), "policy.name"));
  SIXSTEPS_RETURN_IF_ERROR(ValidateRetentionPolicy(r.policy()));
  SIXSTEPS_ASSIGN_OR_RETURN(
      std::string region,
      ReadablePartnershipRegion(*directory_, caller, partnership_id, r.policy().name()));
  SIXSTEPS_RETURN_IF_ERROR(CheckCanManageRetention(caller, region, partnership_id));
  v1::RetentionPolicy policy;
  policy.set_name(RetentionPolicyName(partnership_id));
  policy.set_partnership(absl::StrCat("partnerships/", partnership_id));
  policy.set_evidence_file_years(r.policy().evidence_file_years());
  policy.set_engagement_record_years(r.policy().engagement_record_years());
  policy.set_case_audit_years(r.policy().case_audit_years());
  policy.set_learning_review_years(r.policy().learning_review_years());
  policy.set_update_by(caller.principal);
  *policy.mutable_update_time() = ToTimestamp(clock_->Now());
  return retention_->PutPolicy(std::move(policy), region, r.policy().etag());
}

SIXSTEPS_RPC(RetentionServiceImpl, PlaceLegalHold, v1::PlaceLegalHoldRequest, v1::LegalHold)
absl::StatusOr<v1::LegalHold> RetentionServiceImpl::DoPlaceLegalHold(
    const Caller& caller, const v1::PlaceLegalHoldRequest& r) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string assessment_id, ParseAssessmentName(r.parent(), "parent"));
  SIXSTEPS_RETURN_IF_ERROR(ValidateHoldReason(r.reason(), "reason"));
  SIXSTEPS_ASSIGN_OR_RETURN(v1::Assessment round, ReadableRound(caller, assessment_id, r.parent()));
  SIXSTEPS_RETURN_IF_ERROR(CheckCanManageRetention(caller, LastSegment(round.region()),
                                                   LastSegment(round.partnership())));
  v1::LegalHold hold;
  hold.set_assessment(round.name());
  hold.set_partnership(round.partnership());
  hold.set_region(round.region());
  hold.set_reason(r.reason());
  hold.set_placed_by(caller.principal);
  *hold.mutable_place_time() = ToTimestamp(clock_->Now());
  return retention_->PlaceHold(std::move(hold));
}

SIXSTEPS_RPC(RetentionServiceImpl, LiftLegalHold, v1::LiftLegalHoldRequest, v1::LegalHold)
absl::StatusOr<v1::LegalHold> RetentionServiceImpl::DoLiftLegalHold(
    const Caller& caller, const v1::LiftLegalHoldRequest& r) {
  SIXSTEPS_ASSIGN_OR_RETURN(LegalHoldId id, ParseLegalHoldName(r.name(), "name"));
  SIXSTEPS_RETURN_IF_ERROR(ValidateHoldReason(r.reason(), "reason"));
  SIXSTEPS_ASSIGN_OR_RETURN(v1::Assessment round,
                            ReadableRound(caller, id.assessment_id, r.name()));
  SIXSTEPS_RETURN_IF_ERROR(CheckCanManageRetention(caller, LastSegment(round.region()),
                                                   LastSegment(round.partnership())));
  return retention_->LiftHold(id.assessment_id, id.hold_id, r.reason(), caller.principal,
                              clock_->Now());
}

SIXSTEPS_RPC(RetentionServiceImpl, ListLegalHolds, v1::ListLegalHoldsRequest,
             v1::ListLegalHoldsResponse)
absl::StatusOr<v1::ListLegalHoldsResponse> RetentionServiceImpl::DoListLegalHolds(
    const Caller& caller, const v1::ListLegalHoldsRequest& r) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string assessment_id, ParseAssessmentName(r.parent(), "parent"));
  SIXSTEPS_ASSIGN_OR_RETURN(int page_size, NormalisePageSize(r.page_size(), kListLegalHoldsPage));
  const std::string token_query = absl::StrCat("legalHolds:", r.parent());
  SIXSTEPS_ASSIGN_OR_RETURN(int64_t after_seq, KeysetSeq(r.page_token(), token_query));
  SIXSTEPS_RETURN_IF_ERROR(ReadableRound(caller, assessment_id, r.parent()).status());
  std::vector<int64_t> seqs;
  SIXSTEPS_ASSIGN_OR_RETURN(std::vector<v1::LegalHold> holds,
                            retention_->ListHolds(assessment_id, after_seq, page_size + 1, &seqs));
  v1::ListLegalHoldsResponse response;
  response.set_next_page_token(
      TakeKeysetPage(holds, seqs, page_size, token_query, response.mutable_legal_holds()));
  return response;
}

SIXSTEPS_RPC(RetentionServiceImpl, ListTombstones, v1::ListTombstonesRequest,
             v1::ListTombstonesResponse)
absl::StatusOr<v1::ListTombstonesResponse> RetentionServiceImpl::DoListTombstones(
    const Caller& caller, const v1::ListTombstonesRequest& r) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string partnership_id, ParsePartnership(r.parent(), "parent"));
  std::string assessment_id;
  if (!r.assessment().empty()) {
    SIXSTEPS_ASSIGN_OR_RETURN(assessment_id, ParseAssessmentName(r.assessment(), "assessment"));
  }
  SIXSTEPS_ASSIGN_OR_RETURN(int page_size, NormalisePageSize(r.page_size(), kListTombstonesPage));
  const std::string token_query = absl::StrCat("tombstones:", r.parent(), ":", r.assessment());
  SIXSTEPS_ASSIGN_OR_RETURN(int64_t before_seq, KeysetSeq(r.page_token(), token_query));
  SIXSTEPS_ASSIGN_OR_RETURN(
      std::string region,
      ReadablePartnershipRegion(*directory_, caller, partnership_id, r.parent()));
  SIXSTEPS_RETURN_IF_ERROR(CheckCanManageRetention(caller, region, partnership_id));
  std::vector<int64_t> seqs;
  SIXSTEPS_ASSIGN_OR_RETURN(
      std::vector<v1::Tombstone> tombstones,
      retention_->ListTombstones(partnership_id, assessment_id, before_seq, page_size + 1, &seqs));
  v1::ListTombstonesResponse response;
  response.set_next_page_token(
      TakeKeysetPage(tombstones, seqs, page_size, token_query, response.mutable_tombstones()));
  return response;
}

absl::StatusOr<v1::Assessment> RetentionServiceImpl::ReadableRound(const Caller& caller,
                                                                   const std::string& assessment_id,
                                                                   const std::string& name) {
  SIXSTEPS_ASSIGN_OR_RETURN(Visibility visible, VisibilityFor(*directory_, caller));
  absl::StatusOr<StoredAssessment> round = rounds_->GetAssessment(assessment_id);
  if (!round.ok()) {
    if (round.status().code() == absl::StatusCode::kNotFound) return NotFound(name);
    return round.status();
  }
  if (!CanReadRound(caller, visible, round->assessment)) return NotFound(name);
  return round->assessment;
}

}  // namespace sixsteps::assessment
