// AssessmentService: respondents' responses (a rating, evidence and commentary per question).
#include "services/assessment/assessment_service.h"
#include "services/assessment/classification_rules.h"

#include <algorithm>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/assessment/action_domain.h"
#include "services/assessment/page_sizes.h"
#include "services/assessment/programme_domain.h"
#include "services/base/clock.h"
#include "services/base/make_status.h"
#include "services/base/personal_data.h"
#include "services/common/grpc_reply.h"
#include "services/common/pagination.h"
#include "services/common/validation.h"

namespace sixsteps::assessment {

absl::Status AssessmentServiceImpl::InVisibleRoundForResponses(
    const Caller& caller, const std::string& assessment_id,
    const std::vector<ResponseKey>& responses, const AssessmentStore::RoundWork& work) {
  // Asked before the transaction: the directory may call identity.
  SIXSTEPS_ASSIGN_OR_RETURN(Visibility visible, VisibilityFor(*directory_, caller));
  return store_->InRoundForResponses(assessment_id, ScopeForLocks(caller, visible), responses,
                                     [&](RoundTx& tx) -> absl::Status {
                                       if (!CanReadRound(caller, visible, tx.round().assessment)) {
                                         return NotFound(AssessmentName(assessment_id));
                                       }
                                       return work(tx);
                                     });
}

absl::StatusOr<v1::Response> AssessmentServiceImpl::WriteResponse(RoundTx& tx, const Caller& caller,
                                                                  const v1::Response& request,
                                                                  absl::string_view field) {
  SIXSTEPS_ASSIGN_OR_RETURN(ResponseName name,
                            ParseResponseName(request.name(), absl::StrCat(field, ".name")));
  const v1::Assessment& assessment = tx.round().assessment;
  SIXSTEPS_ASSIGN_OR_RETURN(std::optional<v1::Respondent> respondent,
                            tx.GetRespondent(name.respondent_id));
  if (!respondent) return NotFound(RespondentResourceName(name.assessment_id, name.respondent_id));
  SIXSTEPS_RETURN_IF_ERROR(CheckCanRespond(caller, assessment, *respondent));
  SIXSTEPS_RETURN_IF_ERROR(CheckWritable(assessment));
  // A round opened from a planned round locks each respondent's answers after their
  // deadline (issue 15).
  SIXSTEPS_RETURN_IF_ERROR(CheckBeforeDeadline(*respondent, TodayIn(zone_, clock_->Now())));
  const FrameworkIndex framework = IndexOf(*tx.round().framework);
  if (!framework.HasQuestion(name.question_id)) {
    return NotFound(
        absl::StrCat("question ", name.question_id, " of ", assessment.framework_version()));
  }
  if (!IsAssigned(*respondent, name.question_id, framework)) {
    return absl::FailedPreconditionError(
        absl::StrCat("question ", name.question_id, " is not assigned to ", respondent->name()));
  }
  // No rating (RATING_UNSPECIFIED) is accepted: the answer is a draft, so a respondent may
  // record evidence and commentary before rating (issue 14 decided to keep this). It counts
  // as not rated: ConsolidateQuestion waits for it (FAILED_PRECONDITION "waiting for the
  // rating of …"), GetDivergence leaves it out, and the evidence rule does not apply to it
  // until it is rated. It does not hold up SubmitAssessmentForReview; finalisation needs
  // consolidated ratings, which in turn need every assigned respondent's rating.
  if (!fv1::Rating_IsValid(request.rating())) {
    return absl::InvalidArgumentError(absl::StrCat(field, ".rating: unknown rating"));
  }
  SIXSTEPS_RETURN_IF_ERROR(ValidateEvidence(request.evidence(), absl::StrCat(field, ".evidence")));
  for (const auto& [text, part] : {std::pair{&request.commentary(), "commentary"},
                                   {&request.remaining_work(), "remaining_work"}}) {
    if (CharacterCount(*text) > kMaxTextLength || !IsValidUtf8(*text)) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ".", part, ": at most ", kMaxTextLength, " characters of UTF-8"));
    }
    SIXSTEPS_RETURN_IF_ERROR(CheckNoPersonalData(absl::StrCat(field, ".", part), *text));
  }
  SIXSTEPS_ASSIGN_OR_RETURN(std::optional<v1::Response> existing,
                            tx.GetResponseForUpdate(name.respondent_id, name.question_id));
  if (existing) {
    if (request.etag().empty()) {
      return absl::AbortedError(
          absl::StrCat(request.name(), " already exists (etag ", existing->etag(),
                       "): send the etag of the version you based your change on"));
    }
    SIXSTEPS_RETURN_IF_ERROR(CheckEtag(request.etag(), existing->etag(), request.name()));
  }
  v1::Response response;
  response.set_name(ResponseResourceName(name));
  response.set_question_id(name.question_id);
  response.set_rating(request.rating());
  SIXSTEPS_ASSIGN_OR_RETURN(
      std::vector<v1::EvidenceItem> evidence,
      MergeClassifiedEvidence(tx, caller, existing ? existing->evidence() : response.evidence(),
                              request.evidence(), absl::StrCat(field, ".evidence")));
  for (auto& item : evidence) *response.add_evidence() = std::move(item);
  response.set_commentary(request.commentary());
  response.set_remaining_work(request.remaining_work());
  // Saving a carried-forward answer again confirms it: the new record is not marked
  // carried_forward_unconfirmed, and keeps where it came from.
  if (existing) response.set_carried_forward_from(existing->carried_forward_from());
  SIXSTEPS_RETURN_IF_ERROR(CheckEvidenceRule(response.rating(), response.evidence_size(),
                                             response.remaining_work(), field));
  SIXSTEPS_RETURN_IF_ERROR(
      tx.PutResponse(response, {caller.principal, existing ? "updated" : "created", ""}));
  return response;
}

SIXSTEPS_RPC(AssessmentServiceImpl, UpsertResponse, v1::UpsertResponseRequest, v1::Response)
absl::StatusOr<v1::Response> AssessmentServiceImpl::DoUpsertResponse(
    const Caller& caller, const v1::UpsertResponseRequest& r) {
  SIXSTEPS_ASSIGN_OR_RETURN(ResponseName name,
                            ParseResponseName(r.response().name(), "response.name"));
  v1::Response written;
  SIXSTEPS_RETURN_IF_ERROR(InVisibleRoundForResponses(
      caller, name.assessment_id, {{name.respondent_id, name.question_id}},
      [&](RoundTx& tx) -> absl::Status {
        SIXSTEPS_ASSIGN_OR_RETURN(written, WriteResponse(tx, caller, r.response(), "response"));
        return absl::OkStatus();
      }));
  return written;
}

SIXSTEPS_RPC(AssessmentServiceImpl, BatchUpsertResponses, v1::BatchUpsertResponsesRequest,
             v1::BatchUpsertResponsesResponse)
absl::StatusOr<v1::BatchUpsertResponsesResponse> AssessmentServiceImpl::DoBatchUpsertResponses(
    const Caller& caller, const v1::BatchUpsertResponsesRequest& r) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string id, ParseAssessmentName(r.parent(), "parent"));
  SIXSTEPS_RETURN_IF_ERROR(CheckBatchSize(r.requests_size(), "responses"));
  std::set<std::string> names;
  // What the store reads and locks with the round. A name that does not parse is refused by
  // WriteResponse, in its turn.
  std::vector<ResponseKey> keys;
  for (int i = 0; i < r.requests_size(); ++i) {
    const std::string& name = r.requests(i).response().name();
    if (!absl::StartsWith(name, absl::StrCat(r.parent(), "/"))) {
      return absl::InvalidArgumentError(
          absl::StrCat("requests[", i, "].response.name: must belong to ", r.parent()));
    }
    if (!names.insert(name).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("requests[", i, "].response.name: ", name, " appears twice in the batch"));
    }
    if (absl::StatusOr<ResponseName> parsed = ParseResponseName(name, ""); parsed.ok()) {
      keys.push_back({parsed->respondent_id, parsed->question_id});
    }
  }
  v1::BatchUpsertResponsesResponse response;
  SIXSTEPS_RETURN_IF_ERROR(
      InVisibleRoundForResponses(caller, id, keys, [&](RoundTx& tx) -> absl::Status {
        response.Clear();
        for (int i = 0; i < r.requests_size(); ++i) {
          SIXSTEPS_ASSIGN_OR_RETURN(*response.add_responses(),
                                    WriteResponse(tx, caller, r.requests(i).response(),
                                                  absl::StrCat("requests[", i, "].response")));
        }
        return absl::OkStatus();
      }));
  return response;
}

SIXSTEPS_RPC(AssessmentServiceImpl, GetResponse, v1::GetResponseRequest, v1::Response)
absl::StatusOr<v1::Response> AssessmentServiceImpl::DoGetResponse(const Caller& caller,
                                                                  const v1::GetResponseRequest& r) {
  SIXSTEPS_ASSIGN_OR_RETURN(ResponseName name, ParseResponseName(r.name(), "name"));
  v1::Response found;
  SIXSTEPS_RETURN_IF_ERROR(InVisibleRound(
      caller, name.assessment_id, RoundLock::kRead, [&](RoundTx& tx) -> absl::Status {
        SIXSTEPS_ASSIGN_OR_RETURN(std::vector<v1::Response> responses,
                                  tx.Responses(name.respondent_id, name.question_id));
        if (responses.empty()) return NotFound(r.name());
        found = responses.front();
        RedactEvidence(caller, LastSegment(tx.round().assessment.region()),
                       LastSegment(tx.round().assessment.partnership()), found.mutable_evidence());
        return absl::OkStatus();
      }));
  return found;
}

SIXSTEPS_RPC(AssessmentServiceImpl, ListResponses, v1::ListResponsesRequest,
             v1::ListResponsesResponse)
absl::StatusOr<v1::ListResponsesResponse> AssessmentServiceImpl::DoListResponses(
    const Caller& caller, const v1::ListResponsesRequest& r) {
  std::string id, respondent;
  if (absl::StrContains(r.parent(), "/respondents/")) {
    SIXSTEPS_ASSIGN_OR_RETURN(RespondentName name, ParseRespondentName(r.parent(), "parent"));
    id = name.assessment_id;
    respondent = name.respondent_id;
  } else {
    SIXSTEPS_ASSIGN_OR_RETURN(id, ParseAssessmentName(r.parent(), "parent"));
  }
  SIXSTEPS_ASSIGN_OR_RETURN(int page_size, NormalisePageSize(r.page_size(), kListResponsesPage));
  std::string query = absl::StrCat(r.parent(), ":", r.question_id());
  SIXSTEPS_ASSIGN_OR_RETURN(std::string after, DecodePageToken(r.page_token(), query));
  v1::ListResponsesResponse response;
  SIXSTEPS_RETURN_IF_ERROR(
      InVisibleRound(caller, id, RoundLock::kRead, [&](RoundTx& tx) -> absl::Status {
        response.Clear();
        SIXSTEPS_ASSIGN_OR_RETURN(std::vector<v1::Response> responses,
                                  tx.Responses(respondent, r.question_id()));
        for (v1::Response& each : responses) {
          RedactEvidence(caller, LastSegment(tx.round().assessment.region()),
                         LastSegment(tx.round().assessment.partnership()), each.mutable_evidence());
        }
        PageByName(std::move(responses), after, page_size, query, response.mutable_responses(),
                   response.mutable_next_page_token());
        return absl::OkStatus();
      }));
  return response;
}

}  // namespace sixsteps::assessment
