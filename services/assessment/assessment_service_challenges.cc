// AssessmentService: challenges a reviewer raises on a response, answered and closed.
#include "services/assessment/assessment_service.h"

#include "absl/strings/str_cat.h"
#include "services/assessment/page_sizes.h"
#include "services/base/clock.h"
#include "services/base/make_status.h"
#include "services/common/grpc_reply.h"
#include "services/common/ids.h"
#include "services/common/validation.h"

namespace sixsteps::assessment {

SIXSTEPS_RPC(AssessmentServiceImpl, RaiseChallenge, v1::RaiseChallengeRequest, v1::Challenge)
absl::StatusOr<v1::Challenge> AssessmentServiceImpl::DoRaiseChallenge(
    const Caller& caller, const v1::RaiseChallengeRequest& r) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string id, ParseAssessmentName(r.parent(), "parent"));
  SIXSTEPS_RETURN_IF_ERROR(ValidateRequestId(r.request_id()));
  SIXSTEPS_ASSIGN_OR_RETURN(ResponseName target,
                            ParseResponseName(r.challenge().response(), "challenge.response"));
  if (target.assessment_id != id) {
    return absl::InvalidArgumentError("challenge.response: must be a response of the round");
  }
  SIXSTEPS_RETURN_IF_ERROR(
      ValidateFreeText(r.challenge().text(), kMaxTextLength, "challenge.text"));
  v1::RaiseChallengeRequest without_id = r;
  without_id.clear_request_id();
  std::optional<IdempotencyKey> key = KeyFor(caller, "RaiseChallenge", r.request_id(), without_id);
  v1::Challenge challenge;
  challenge.set_name(ChallengeName(id, RandomId("ch")));
  std::optional<std::string> repeated;
  SIXSTEPS_ASSIGN_OR_RETURN(Visibility visible, VisibilityFor(*directory_, caller));
  SIXSTEPS_RETURN_IF_ERROR(store_->InRound(
      id, RoundLock::kShared,
      [&](RoundTx& tx) -> absl::Status {
        if (!CanReadRound(caller, visible, tx.round().assessment)) return NotFound(r.parent());
        SIXSTEPS_RETURN_IF_ERROR(CheckCanReview(caller, tx.round().assessment));
        SIXSTEPS_RETURN_IF_ERROR(CheckWritable(tx.round().assessment));
        SIXSTEPS_ASSIGN_OR_RETURN(
            std::optional<v1::Response> response,
            tx.GetResponseForUpdate(target.respondent_id, target.question_id));
        if (!response) return NotFound(r.challenge().response());
        challenge.set_response(response->name());
        challenge.set_question_id(target.question_id);
        challenge.set_text(r.challenge().text());
        challenge.set_state(v1::Challenge::STATE_OPEN);
        challenge.set_raised_by(caller.principal);
        *challenge.mutable_raise_time() = TimestampNow();
        SIXSTEPS_RETURN_IF_ERROR(tx.PutChallenge(challenge, v1::CHANGE_KIND_CHALLENGE_RAISED,
                                                 {caller.principal, "raised", ""}));
        tx.SetIdempotentResult(challenge.SerializeAsString());
        return absl::OkStatus();
      },
      key ? &*key : nullptr, &repeated));
  if (repeated) return RepeatedResponse<v1::Challenge>(*repeated);
  return challenge;
}

SIXSTEPS_RPC(AssessmentServiceImpl, AnswerChallenge, v1::AnswerChallengeRequest, v1::Challenge)
absl::StatusOr<v1::Challenge> AssessmentServiceImpl::DoAnswerChallenge(
    const Caller& caller, const v1::AnswerChallengeRequest& r) {
  SIXSTEPS_ASSIGN_OR_RETURN(ChildName name, ParseChildName(r.name(), "challenges", "name"));
  SIXSTEPS_RETURN_IF_ERROR(RequireEtag(r.etag(), "etag"));
  SIXSTEPS_RETURN_IF_ERROR(ValidateFreeText(r.answer(), kMaxTextLength, "answer"));
  v1::Challenge challenge;
  SIXSTEPS_RETURN_IF_ERROR(InVisibleRound(
      caller, name.assessment_id, RoundLock::kShared, [&](RoundTx& tx) -> absl::Status {
        SIXSTEPS_ASSIGN_OR_RETURN(std::optional<v1::Challenge> found,
                                  tx.GetChallengeForUpdate(name.id));
        if (!found) return NotFound(r.name());
        challenge = *found;
        SIXSTEPS_ASSIGN_OR_RETURN(ResponseName target, ParseResponseName(challenge.response(), ""));
        SIXSTEPS_ASSIGN_OR_RETURN(std::optional<v1::Respondent> respondent,
                                  tx.GetRespondent(target.respondent_id));
        if (!respondent) return NotFound(challenge.response());
        SIXSTEPS_RETURN_IF_ERROR(CheckCanRespond(caller, tx.round().assessment, *respondent));
        SIXSTEPS_RETURN_IF_ERROR(CheckWritable(tx.round().assessment));
        SIXSTEPS_RETURN_IF_ERROR(CheckEtag(r.etag(), challenge.etag(), r.name()));
        if (challenge.state() != v1::Challenge::STATE_OPEN) {
          return absl::FailedPreconditionError(absl::StrCat(r.name(), " is not open"));
        }
        challenge.set_answer(r.answer());
        challenge.set_answered_by(caller.principal);
        *challenge.mutable_answer_time() = TimestampNow();
        challenge.set_state(v1::Challenge::STATE_ANSWERED);
        return tx.PutChallenge(challenge, v1::CHANGE_KIND_CHALLENGE_ANSWERED,
                               {caller.principal, "answered", ""});
      }));
  return challenge;
}

SIXSTEPS_RPC(AssessmentServiceImpl, CloseChallenge, v1::CloseChallengeRequest, v1::Challenge)
absl::StatusOr<v1::Challenge> AssessmentServiceImpl::DoCloseChallenge(
    const Caller& caller, const v1::CloseChallengeRequest& r) {
  SIXSTEPS_ASSIGN_OR_RETURN(ChildName name, ParseChildName(r.name(), "challenges", "name"));
  // Closing after an answer one has not read would close it unseen.
  SIXSTEPS_RETURN_IF_ERROR(RequireEtag(r.etag(), "etag"));
  v1::Challenge challenge;
  SIXSTEPS_RETURN_IF_ERROR(InVisibleRound(
      caller, name.assessment_id, RoundLock::kShared, [&](RoundTx& tx) -> absl::Status {
        SIXSTEPS_RETURN_IF_ERROR(CheckCanReview(caller, tx.round().assessment));
        SIXSTEPS_RETURN_IF_ERROR(CheckWritable(tx.round().assessment));
        SIXSTEPS_ASSIGN_OR_RETURN(std::optional<v1::Challenge> found,
                                  tx.GetChallengeForUpdate(name.id));
        if (!found) return NotFound(r.name());
        challenge = *found;
        SIXSTEPS_RETURN_IF_ERROR(CheckEtag(r.etag(), challenge.etag(), r.name()));
        if (challenge.state() == v1::Challenge::STATE_CLOSED) {
          return absl::FailedPreconditionError(absl::StrCat(r.name(), " is already closed"));
        }
        challenge.set_state(v1::Challenge::STATE_CLOSED);
        challenge.set_closed_by(caller.principal);
        *challenge.mutable_close_time() = TimestampNow();
        return tx.PutChallenge(challenge, v1::CHANGE_KIND_CHALLENGE_CLOSED,
                               {caller.principal, "closed", ""});
      }));
  return challenge;
}

SIXSTEPS_RPC(AssessmentServiceImpl, ListChallenges, v1::ListChallengesRequest,
             v1::ListChallengesResponse)
absl::StatusOr<v1::ListChallengesResponse> AssessmentServiceImpl::DoListChallenges(
    const Caller& caller, const v1::ListChallengesRequest& r) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string id, ParseAssessmentName(r.parent(), "parent"));
  SIXSTEPS_ASSIGN_OR_RETURN(int page_size, NormalisePageSize(r.page_size(), kListChallengesPage));
  const std::string query = absl::StrCat("challenges:", r.parent());
  SIXSTEPS_ASSIGN_OR_RETURN(std::string after, DecodePageToken(r.page_token(), query));
  v1::ListChallengesResponse response;
  SIXSTEPS_RETURN_IF_ERROR(
      InVisibleRound(caller, id, RoundLock::kRead, [&](RoundTx& tx) -> absl::Status {
        response.Clear();
        SIXSTEPS_ASSIGN_OR_RETURN(std::vector<v1::Challenge> list, tx.Challenges());
        PageByName(std::move(list), after, page_size, query, response.mutable_challenges(),
                   response.mutable_next_page_token());
        return absl::OkStatus();
      }));
  return response;
}

}  // namespace sixsteps::assessment
