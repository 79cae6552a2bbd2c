// AssessmentService: consolidated ratings per question, and the divergence between
// respondents' ratings (and with the partnership's own self-assessment).
#include "services/assessment/assessment_service.h"
#include "services/assessment/classification_rules.h"

#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "services/base/clock.h"
#include "services/base/make_status.h"
#include "services/common/grpc_reply.h"
#include "services/common/validation.h"

namespace sixsteps::assessment {
namespace {

// The checks of a consolidation request that need no round: `field` names it in errors.
absl::Status ValidateConsolidation(const v1::Consolidation& request, absl::string_view field) {
  if (request.rating() == fv1::RATING_UNSPECIFIED || !fv1::Rating_IsValid(request.rating())) {
    return absl::InvalidArgumentError(absl::StrCat(field, ".rating: must be Red, Amber or Green"));
  }
  SIXSTEPS_RETURN_IF_ERROR(
      ValidateFreeText(request.rationale(), kMaxTextLength, absl::StrCat(field, ".rationale")));
  SIXSTEPS_RETURN_IF_ERROR(ValidateOptionalFreeText(request.remaining_work(), kMaxTextLength,
                                                    absl::StrCat(field, ".remaining_work")));
  return ValidateEvidence(request.evidence(), absl::StrCat(field, ".evidence"));
}

}  // namespace

absl::StatusOr<v1::Consolidation> AssessmentServiceImpl::WriteConsolidation(
    RoundTx& tx, const Caller& caller, const v1::Consolidation& request, absl::string_view field) {
  const std::string id = LastSegment(tx.round().assessment.name());
  SIXSTEPS_RETURN_IF_ERROR(CheckCanReview(caller, tx.round().assessment));
  SIXSTEPS_RETURN_IF_ERROR(CheckWritable(tx.round().assessment));
  const FrameworkIndex framework = IndexOf(*tx.round().framework);
  if (!framework.HasQuestion(request.question_id())) {
    return NotFound(absl::StrCat("question '", request.question_id(), "' of ",
                                 tx.round().assessment.framework_version()));
  }
  // Every assigned respondent must have rated the question first.
  SIXSTEPS_ASSIGN_OR_RETURN(std::vector<v1::Respondent> respondents, tx.Respondents());
  SIXSTEPS_ASSIGN_OR_RETURN(std::vector<v1::Response> responses,
                            tx.Responses("", request.question_id()));
  std::set<std::string> rated;
  int response_evidence = 0;
  for (const auto& response : responses) {
    if (response.rating() != fv1::RATING_UNSPECIFIED) {
      rated.insert(
          RespondentResourceName(id, ParseResponseName(response.name(), "")->respondent_id));
    }
    response_evidence += response.evidence_size();
  }
  std::vector<std::string> waiting;
  for (const auto& respondent : respondents) {
    if (IsAssigned(respondent, request.question_id(), framework) &&
        !rated.contains(respondent.name())) {
      waiting.push_back(respondent.name());
    }
  }
  if (respondents.empty()) {
    return absl::FailedPreconditionError("the round has no respondents yet");
  }
  if (!waiting.empty()) {
    return absl::FailedPreconditionError(absl::StrCat("waiting for the rating of ",
                                                      request.question_id(),
                                                      " from: ", absl::StrJoin(waiting, ", ")));
  }
  SIXSTEPS_ASSIGN_OR_RETURN(std::optional<v1::Consolidation> existing,
                            tx.GetConsolidationForUpdate(request.question_id()));
  // The first consolidation of a question has no etag to send; replacing one needs it.
  if (existing) {
    SIXSTEPS_RETURN_IF_ERROR(CheckReplaceEtag(request.etag(), existing->etag(), existing->name()));
  }
  v1::Consolidation written;
  written.set_question_id(request.question_id());
  written.set_rating(request.rating());
  written.set_rationale(request.rationale());
  written.set_remaining_work(request.remaining_work());
  SIXSTEPS_ASSIGN_OR_RETURN(
      std::vector<v1::EvidenceItem> evidence,
      MergeClassifiedEvidence(tx, caller, existing ? existing->evidence() : written.evidence(),
                              request.evidence(), absl::StrCat(field, ".evidence")));
  for (auto& item : evidence) *written.add_evidence() = std::move(item);
  SIXSTEPS_RETURN_IF_ERROR(CheckEvidenceRule(written.rating(),
                                             written.evidence_size() + response_evidence,
                                             written.remaining_work(), field));
  SIXSTEPS_RETURN_IF_ERROR(
      tx.PutConsolidation(written, {caller.principal, existing ? "updated" : "created", ""}));
  return written;
}

SIXSTEPS_RPC(AssessmentServiceImpl, ConsolidateQuestion, v1::ConsolidateQuestionRequest,
             v1::Consolidation)
absl::StatusOr<v1::Consolidation> AssessmentServiceImpl::DoConsolidateQuestion(
    const Caller& caller, const v1::ConsolidateQuestionRequest& r) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string id, ParseAssessmentName(r.parent(), "parent"));
  SIXSTEPS_RETURN_IF_ERROR(ValidateConsolidation(r.consolidation(), "consolidation"));
  v1::Consolidation written;
  SIXSTEPS_RETURN_IF_ERROR(
      InVisibleRound(caller, id, RoundLock::kShared, [&](RoundTx& tx) -> absl::Status {
        SIXSTEPS_ASSIGN_OR_RETURN(
            written, WriteConsolidation(tx, caller, r.consolidation(), "consolidation"));
        return absl::OkStatus();
      }));
  return written;
}

SIXSTEPS_RPC(AssessmentServiceImpl, BatchConsolidateQuestions, v1::BatchConsolidateQuestionsRequest,
             v1::BatchConsolidateQuestionsResponse)
absl::StatusOr<v1::BatchConsolidateQuestionsResponse>
AssessmentServiceImpl::DoBatchConsolidateQuestions(const Caller& caller,
                                                   const v1::BatchConsolidateQuestionsRequest& r) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string id, ParseAssessmentName(r.parent(), "parent"));
  SIXSTEPS_RETURN_IF_ERROR(CheckBatchSize(r.requests_size(), "consolidations"));
  std::set<std::string> questions;
  for (int i = 0; i < r.requests_size(); ++i) {
    const v1::ConsolidateQuestionRequest& request = r.requests(i);
    if (!request.parent().empty() && request.parent() != r.parent()) {
      return absl::InvalidArgumentError(
          absl::StrCat("requests[", i, "].parent: must be empty or ", r.parent()));
    }
    const std::string field = absl::StrCat("requests[", i, "].consolidation");
    SIXSTEPS_RETURN_IF_ERROR(ValidateConsolidation(request.consolidation(), field));
    if (!questions.insert(request.consolidation().question_id()).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ".question_id: ", request.consolidation().question_id(),
                       " appears twice in the batch"));
    }
  }
  v1::BatchConsolidateQuestionsResponse response;
  SIXSTEPS_RETURN_IF_ERROR(
      InVisibleRound(caller, id, RoundLock::kShared, [&](RoundTx& tx) -> absl::Status {
        response.Clear();
        for (int i = 0; i < r.requests_size(); ++i) {
          SIXSTEPS_ASSIGN_OR_RETURN(
              *response.add_consolidations(),
              WriteConsolidation(tx, caller, r.requests(i).consolidation(),
                                 absl::StrCat("requests[", i, "].consolidation")));
        }
        return absl::OkStatus();
      }));
  return response;
}

SIXSTEPS_RPC(AssessmentServiceImpl, ListConsolidations, v1::ListConsolidationsRequest,
             v1::ListConsolidationsResponse)
absl::StatusOr<v1::ListConsolidationsResponse> AssessmentServiceImpl::DoListConsolidations(
    const Caller& caller, const v1::ListConsolidationsRequest& r) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string id, ParseAssessmentName(r.parent(), "parent"));
  v1::ListConsolidationsResponse response;
  SIXSTEPS_RETURN_IF_ERROR(
      InVisibleRound(caller, id, RoundLock::kRead, [&](RoundTx& tx) -> absl::Status {
        response.Clear();
        SIXSTEPS_ASSIGN_OR_RETURN(std::vector<v1::Consolidation> list, tx.Consolidations());
        for (auto& x : list) {
          RedactEvidence(caller, LastSegment(tx.round().assessment.region()),
                         LastSegment(tx.round().assessment.partnership()), x.mutable_evidence());
          *response.add_consolidations() = std::move(x);
        }
        return absl::OkStatus();
      }));
  return response;
}

SIXSTEPS_RPC(AssessmentServiceImpl, GetDivergence, v1::GetDivergenceRequest,
             v1::GetDivergenceResponse)
absl::StatusOr<v1::GetDivergenceResponse> AssessmentServiceImpl::DoGetDivergence(
    const Caller& caller, const v1::GetDivergenceRequest& r) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string id, ParseAssessmentName(r.name(), "name"));
  v1::GetDivergenceResponse response;
  std::optional<FinalisedRevisionRef> self_assessment;
  std::map<std::string, fv1::Rating> consolidated;
  SIXSTEPS_RETURN_IF_ERROR(
      InVisibleRound(caller, id, RoundLock::kRead, [&](RoundTx& tx) -> absl::Status {
        response.Clear();
        consolidated.clear();
        SIXSTEPS_ASSIGN_OR_RETURN(std::vector<v1::Response> responses, tx.Responses("", ""));
        std::map<std::string, v1::QuestionDivergence> by_question;
        for (const auto& [question, step] : IndexOf(*tx.round().framework).questions) {
          by_question[question].set_question_id(question);
        }
        for (const auto& x : responses) {
          if (x.rating() == fv1::RATING_UNSPECIFIED) continue;
          (*by_question[x.question_id()]
                .mutable_ratings())[x.name().substr(0, x.name().rfind("/responses/"))] = x.rating();
        }
        SIXSTEPS_ASSIGN_OR_RETURN(std::vector<v1::Consolidation> list, tx.Consolidations());
        for (const auto& c : list) consolidated[c.question_id()] = c.rating();
        for (const auto& [question, step] : IndexOf(*tx.round().framework).questions) {
          v1::QuestionDivergence& entry = by_question[question];
          std::vector<fv1::Rating> ratings;
          for (const auto& [respondent, rating] : entry.ratings()) ratings.push_back(rating);
          Spread spread = SpreadOf(ratings);
          entry.set_divergent(spread.divergent);
          entry.set_severe(spread.severe);
          *response.add_questions() = entry;
        }
        self_assessment.reset();
        if (tx.round().assessment.kind() == v1::ASSESSMENT_KIND_INDEPENDENT_SCRUTINY) {
          SIXSTEPS_ASSIGN_OR_RETURN(self_assessment,
                                    tx.LatestFinalised(v1::ASSESSMENT_KIND_SELF_ASSESSMENT));
        }
        return absl::OkStatus();
      }));
  if (self_assessment) {
    SIXSTEPS_ASSIGN_OR_RETURN(
        v1::FinalisedRevision earlier,
        store_->GetFinalisedRevision(self_assessment->assessment_id, self_assessment->revision));
    response.set_self_assessment(AssessmentName(self_assessment->assessment_id));
    std::map<std::string, fv1::Rating> theirs;
    for (const auto& c : earlier.consolidations()) theirs[c.question_id()] = c.rating();
    for (v1::QuestionDivergence& entry : *response.mutable_questions()) {
      auto found = theirs.find(entry.question_id());
      if (found == theirs.end()) continue;
      entry.set_self_assessment_rating(found->second);
      auto ours = consolidated.find(entry.question_id());
      if (ours != consolidated.end()) {
        entry.set_self_assessment_severe(SpreadOf({found->second, ours->second}).severe);
      }
    }
  }
  return response;
}

}  // namespace sixsteps::assessment
