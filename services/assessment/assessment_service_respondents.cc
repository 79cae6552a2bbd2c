// AssessmentService: a round's respondents (the organisations and scrutineers who answer).
#include "services/assessment/assessment_service.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/assessment/page_sizes.h"
#include "services/base/clock.h"
#include "services/base/make_status.h"
#include "services/common/grpc_reply.h"
#include "services/common/ids.h"

namespace sixsteps::assessment {

SIXSTEPS_RPC(AssessmentServiceImpl, AddRespondent, v1::AddRespondentRequest, v1::Respondent)
absl::StatusOr<v1::Respondent> AssessmentServiceImpl::DoAddRespondent(
    const Caller& caller, const v1::AddRespondentRequest& r) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string id, ParseAssessmentName(r.parent(), "parent"));
  SIXSTEPS_RETURN_IF_ERROR(ValidateRequestId(r.request_id()));
  v1::AddRespondentRequest without_id = r;
  without_id.clear_request_id();
  std::optional<IdempotencyKey> key = KeyFor(caller, "AddRespondent", r.request_id(), without_id);
  if (key) {
    SIXSTEPS_ASSIGN_OR_RETURN(std::optional<std::string> repeated, store_->FindRepeat(*key));
    if (repeated) return RepeatedResponse<v1::Respondent>(*repeated);
  }
  // Checks against identity first, outside the round's transaction.
  SIXSTEPS_ASSIGN_OR_RETURN(StoredAssessment round, VisibleRound(caller, id));
  SIXSTEPS_RETURN_IF_ERROR(CheckCanSetUp(caller, round.assessment));
  SIXSTEPS_RETURN_IF_ERROR(ValidateRespondent(r.respondent(), IndexOf(*round.framework)));
  const std::string partnership = LastSegment(round.assessment.partnership());
  if (!r.respondent().organisation().empty()) {
    if (!absl::StartsWith(r.respondent().organisation(),
                          absl::StrCat(round.assessment.partnership(), "/organisations/"))) {
      return absl::InvalidArgumentError(
          "respondent.organisation: must be an organisation of the round's partnership");
    }
    SIXSTEPS_RETURN_IF_ERROR(directory_->CheckOrganisation(caller, r.respondent().organisation()));
  } else {
    if (!absl::StartsWith(r.respondent().scrutineer(), "users/")) {
      return absl::InvalidArgumentError("respondent.scrutineer: must be users/{user}");
    }
    SIXSTEPS_RETURN_IF_ERROR(
        directory_->CheckScrutineer(caller, partnership, r.respondent().scrutineer()));
  }
  v1::Respondent respondent = r.respondent();
  respondent.set_name(RespondentResourceName(id, RandomId("r")));
  *respondent.mutable_create_time() = TimestampNow();
  std::optional<std::string> repeated;
  SIXSTEPS_RETURN_IF_ERROR(store_->InRound(
      id, RoundLock::kShared,
      [&](RoundTx& tx) -> absl::Status {
        SIXSTEPS_RETURN_IF_ERROR(CheckWritable(tx.round().assessment));
        SIXSTEPS_RETURN_IF_ERROR(tx.PutRespondent(respondent, {caller.principal, "added", ""}));
        tx.SetIdempotentResult(respondent.SerializeAsString());
        return absl::OkStatus();
      },
      key ? &*key : nullptr, &repeated));
  if (repeated) return RepeatedResponse<v1::Respondent>(*repeated);
  return respondent;
}

SIXSTEPS_RPC(AssessmentServiceImpl, ListRespondents, v1::ListRespondentsRequest,
             v1::ListRespondentsResponse)
absl::StatusOr<v1::ListRespondentsResponse> AssessmentServiceImpl::DoListRespondents(
    const Caller& caller, const v1::ListRespondentsRequest& r) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string id, ParseAssessmentName(r.parent(), "parent"));
  SIXSTEPS_ASSIGN_OR_RETURN(int page_size, NormalisePageSize(r.page_size(), kListRespondentsPage));
  const std::string query = absl::StrCat("respondents:", r.parent());
  SIXSTEPS_ASSIGN_OR_RETURN(std::string after, DecodePageToken(r.page_token(), query));
  v1::ListRespondentsResponse response;
  SIXSTEPS_RETURN_IF_ERROR(
      InVisibleRound(caller, id, RoundLock::kRead, [&](RoundTx& tx) -> absl::Status {
        response.Clear();
        SIXSTEPS_ASSIGN_OR_RETURN(std::vector<v1::Respondent> respondents, tx.Respondents());
        PageByName(std::move(respondents), after, page_size, query, response.mutable_respondents(),
                   response.mutable_next_page_token());
        return absl::OkStatus();
      }));
  return response;
}

SIXSTEPS_RPC(AssessmentServiceImpl, DeleteRespondent, v1::DeleteRespondentRequest,
             google::protobuf::Empty)
absl::StatusOr<google::protobuf::Empty> AssessmentServiceImpl::DoDeleteRespondent(
    const Caller& caller, const v1::DeleteRespondentRequest& r) {
  SIXSTEPS_ASSIGN_OR_RETURN(RespondentName name, ParseRespondentName(r.name(), "name"));
  SIXSTEPS_RETURN_IF_ERROR(InVisibleRound(
      caller, name.assessment_id, RoundLock::kShared, [&](RoundTx& tx) -> absl::Status {
        SIXSTEPS_RETURN_IF_ERROR(CheckCanSetUp(caller, tx.round().assessment));
        SIXSTEPS_RETURN_IF_ERROR(CheckWritable(tx.round().assessment));
        return tx.DeleteRespondent(name.respondent_id, {caller.principal, "removed", ""});
      }));
  return google::protobuf::Empty();
}

}  // namespace sixsteps::assessment
