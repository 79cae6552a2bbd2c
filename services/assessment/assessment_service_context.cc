// AssessmentService: the partnership's answers to the framework's context questions.
#include "services/assessment/assessment_service.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "services/base/clock.h"
#include "services/base/make_status.h"
#include "services/common/grpc_reply.h"
#include "services/common/validation.h"

namespace sixsteps::assessment {

SIXSTEPS_RPC(AssessmentServiceImpl, SetContextAnswer, v1::SetContextAnswerRequest,
             v1::ContextAnswer)
absl::StatusOr<v1::ContextAnswer> AssessmentServiceImpl::DoSetContextAnswer(
    const Caller& caller, const v1::SetContextAnswerRequest& r) {
  SIXSTEPS_ASSIGN_OR_RETURN(
      ChildName name,
      ParseChildName(r.context_answer().name(), "contextAnswers", "context_answer.name"));
  SIXSTEPS_RETURN_IF_ERROR(
      ValidateFreeText(r.context_answer().text(), kMaxTextLength, "context_answer.text"));
  v1::ContextAnswer answer;
  SIXSTEPS_RETURN_IF_ERROR(InVisibleRound(
      caller, name.assessment_id, RoundLock::kShared, [&](RoundTx& tx) -> absl::Status {
        SIXSTEPS_RETURN_IF_ERROR(CheckCanAnswerContext(caller, tx.round().assessment));
        SIXSTEPS_RETURN_IF_ERROR(CheckWritable(tx.round().assessment));
        const FrameworkIndex framework = IndexOf(*tx.round().framework);
        if (std::find(framework.context_questions.begin(), framework.context_questions.end(),
                      name.id) == framework.context_questions.end()) {
          return NotFound(absl::StrCat("context question '", name.id, "' of ",
                                       tx.round().assessment.framework_version()));
        }
        SIXSTEPS_ASSIGN_OR_RETURN(std::optional<v1::ContextAnswer> existing,
                                  tx.GetContextAnswerForUpdate(name.id));
        if (existing) {
          if (r.context_answer().etag().empty()) {
            return absl::AbortedError(absl::StrCat(
                "the partnership has already answered ", name.id, " (etag ", existing->etag(),
                "): send the etag of the answer you based your change on"));
          }
          SIXSTEPS_RETURN_IF_ERROR(
              CheckEtag(r.context_answer().etag(), existing->etag(), r.context_answer().name()));
        }
        answer = v1::ContextAnswer();
        answer.set_context_question_id(name.id);
        answer.set_text(r.context_answer().text());
        return tx.PutContextAnswer(answer,
                                   {caller.principal, existing ? "updated" : "created", ""});
      }));
  return answer;
}

SIXSTEPS_RPC(AssessmentServiceImpl, ListContextAnswers, v1::ListContextAnswersRequest,
             v1::ListContextAnswersResponse)
absl::StatusOr<v1::ListContextAnswersResponse> AssessmentServiceImpl::DoListContextAnswers(
    const Caller& caller, const v1::ListContextAnswersRequest& r) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string id, ParseAssessmentName(r.parent(), "parent"));
  SIXSTEPS_ASSIGN_OR_RETURN(StoredAssessment round, VisibleRound(caller, id));
  v1::ListContextAnswersResponse response;
  // A finalised round shows the answers as they stood when it was finalised.
  if (round.assessment.state() == v1::Assessment::STATE_FINALISED) {
    SIXSTEPS_ASSIGN_OR_RETURN(v1::FinalisedRevision finalised,
                              store_->GetFinalisedRevision(id, round.assessment.revision()));
    for (const auto& answer : finalised.context_answers()) *response.add_context_answers() = answer;
    return response;
  }
  SIXSTEPS_RETURN_IF_ERROR(
      InVisibleRound(caller, id, RoundLock::kRead, [&](RoundTx& tx) -> absl::Status {
        response.Clear();
        SIXSTEPS_ASSIGN_OR_RETURN(std::vector<v1::ContextAnswer> answers, tx.ContextAnswers());
        for (auto& x : answers) *response.add_context_answers() = std::move(x);
        return absl::OkStatus();
      }));
  return response;
}

}  // namespace sixsteps::assessment
