// AssessmentService: rounds (assessments) and their lifecycle: create, read, list, update,
// submit for review, check and finalise, reopen.
#include "services/assessment/assessment_service.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "services/assessment/lifecycle.h"
#include "services/assessment/page_sizes.h"
#include "services/assessment/programme_domain.h"
#include "services/base/clock.h"
#include "services/base/make_status.h"
#include "services/common/grpc_reply.h"
#include "services/common/ids.h"
#include "services/common/pagination.h"
#include "services/common/validation.h"

namespace sixsteps::assessment {
namespace {

// The records finalisation is judged on; the snapshot also needs the respondents and the
// context answers.
absl::StatusOr<RoundRecords> ReadFinalisationRecords(RoundTx& tx) {
  RoundRecords records;
  SIXSTEPS_ASSIGN_OR_RETURN(records.consolidations, tx.Consolidations());
  SIXSTEPS_ASSIGN_OR_RETURN(records.responses, tx.Responses("", ""));
  SIXSTEPS_ASSIGN_OR_RETURN(records.challenges, tx.Challenges());
  SIXSTEPS_ASSIGN_OR_RETURN(records.covered_by_actions, tx.QuestionsCoveredByActions());
  return records;
}

}  // namespace

SIXSTEPS_RPC(AssessmentServiceImpl, CreateAssessment, v1::CreateAssessmentRequest, v1::Assessment)
absl::StatusOr<v1::Assessment> AssessmentServiceImpl::DoCreateAssessment(
    const Caller& caller, const v1::CreateAssessmentRequest& request) {
  SIXSTEPS_RETURN_IF_ERROR(ValidateRequestId(request.request_id()));
  v1::CreateAssessmentRequest without_id = request;
  without_id.clear_request_id();
  std::optional<IdempotencyKey> key =
      KeyFor(caller, "CreateAssessment", request.request_id(), without_id);
  // A repeat gets the first answer, even if the framework version has been retired since.
  if (key) {
    SIXSTEPS_ASSIGN_OR_RETURN(std::optional<std::string> repeated, store_->FindRepeat(*key));
    if (repeated) return RepeatedResponse<v1::Assessment>(*repeated);
  }
  const v1::Assessment& requested = request.assessment();
  SIXSTEPS_ASSIGN_OR_RETURN(std::string partnership,
                            ParsePartnership(requested.partnership(), "assessment.partnership"));
  SIXSTEPS_RETURN_IF_ERROR(
      ValidateFrameworkVersionName(requested.framework_version(), "assessment.framework_version"));
  SIXSTEPS_RETURN_IF_ERROR(ValidateNewAssessment(requested));
  SIXSTEPS_ASSIGN_OR_RETURN(std::string region, directory_->PartnershipRegion(caller, partnership));

  StoredAssessment round;
  v1::Assessment& assessment = round.assessment;
  assessment.set_name(AssessmentName(RandomId("a")));
  assessment.set_partnership(requested.partnership());
  assessment.set_region(absl::StrCat("regions/", region));
  assessment.set_framework_version(requested.framework_version());
  assessment.set_kind(requested.kind());
  assessment.set_title(requested.title());
  assessment.set_period_start(requested.period_start());
  assessment.set_period_end(requested.period_end());
  assessment.set_state(v1::Assessment::STATE_DRAFT);
  assessment.set_revision(1);
  assessment.set_creator(caller.principal);
  *assessment.mutable_create_time() = TimestampNow();
  *assessment.mutable_update_time() = assessment.create_time();
  SIXSTEPS_RETURN_IF_ERROR(CheckCanSetUp(caller, assessment));
  SIXSTEPS_ASSIGN_OR_RETURN(
      fv1::FrameworkVersion framework,
      directory_->PublishedFrameworkVersion(caller, requested.framework_version()));
  round.framework = std::make_shared<const fv1::FrameworkVersion>(std::move(framework));
  std::optional<std::string> repeated;
  SIXSTEPS_RETURN_IF_ERROR(store_->CreateAssessment(round, {caller.principal, "created", ""},
                                                    key ? &*key : nullptr, &repeated));
  if (repeated) return RepeatedResponse<v1::Assessment>(*repeated);
  return assessment;
}

SIXSTEPS_RPC(AssessmentServiceImpl, GetAssessment, v1::GetAssessmentRequest, v1::Assessment)
absl::StatusOr<v1::Assessment> AssessmentServiceImpl::DoGetAssessment(
    const Caller& caller, const v1::GetAssessmentRequest& r) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string id, ParseAssessmentName(r.name(), "name"));
  SIXSTEPS_ASSIGN_OR_RETURN(StoredAssessment round, VisibleRound(caller, id));
  return round.assessment;
}

SIXSTEPS_RPC(AssessmentServiceImpl, ListAssessments, v1::ListAssessmentsRequest,
             v1::ListAssessmentsResponse)
absl::StatusOr<v1::ListAssessmentsResponse> AssessmentServiceImpl::DoListAssessments(
    const Caller& caller, const v1::ListAssessmentsRequest& r) {
  std::string partnership;
  if (!r.partnership().empty()) {
    SIXSTEPS_ASSIGN_OR_RETURN(partnership, ParsePartnership(r.partnership(), "partnership"));
  }
  SIXSTEPS_ASSIGN_OR_RETURN(int page_size, NormalisePageSize(r.page_size(), kListAssessmentsPage));
  std::string query = absl::StrCat("assessments:", partnership);
  SIXSTEPS_ASSIGN_OR_RETURN(std::string before, DecodePageToken(r.page_token(), query));
  int64_t before_seq = 0;
  if (!before.empty() && !absl::SimpleAtoi(before, &before_seq)) {
    return absl::InvalidArgumentError("page_token is not a token this service issued");
  }
  std::vector<int64_t> seqs;
  SIXSTEPS_ASSIGN_OR_RETURN(Visibility visible, VisibilityFor(*directory_, caller));
  SIXSTEPS_ASSIGN_OR_RETURN(
      std::vector<v1::Assessment> assessments,
      store_->ListAssessments(visible, partnership, before_seq, page_size + 1, &seqs));
  v1::ListAssessmentsResponse response;
  for (int i = 0; i < static_cast<int>(assessments.size()) && i < page_size; ++i) {
    *response.add_assessments() = std::move(assessments[i]);
  }
  if (static_cast<int>(seqs.size()) > page_size) {
    response.set_next_page_token(EncodePageToken(absl::StrCat(seqs[page_size - 1]), query));
  }
  return response;
}

SIXSTEPS_RPC(AssessmentServiceImpl, UpdateAssessment, v1::UpdateAssessmentRequest, v1::Assessment)
absl::StatusOr<v1::Assessment> AssessmentServiceImpl::DoUpdateAssessment(
    const Caller& caller, const v1::UpdateAssessmentRequest& r) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string id,
                            ParseAssessmentName(r.assessment().name(), "assessment.name"));
  SIXSTEPS_RETURN_IF_ERROR(RequireEtag(r.assessment().etag(), "assessment.etag"));
  std::vector<std::string> paths(r.update_mask().paths().begin(), r.update_mask().paths().end());
  if (paths.empty()) paths = {"title", "period_start", "period_end"};
  for (const std::string& path : paths) {
    if (path != "title" && path != "period_start" && path != "period_end") {
      return absl::InvalidArgumentError(absl::StrCat(
          "update_mask: '", path, "' cannot be updated; use title, period_start, period_end"));
    }
  }
  v1::Assessment updated;
  SIXSTEPS_RETURN_IF_ERROR(
      InVisibleRound(caller, id, RoundLock::kExclusive, [&](RoundTx& tx) -> absl::Status {
        updated = tx.round().assessment;
        SIXSTEPS_RETURN_IF_ERROR(CheckCanSetUp(caller, updated));
        SIXSTEPS_RETURN_IF_ERROR(CheckWritable(updated));
        SIXSTEPS_RETURN_IF_ERROR(CheckEtag(r.assessment().etag(), updated.etag(), updated.name()));
        for (const std::string& path : paths) {
          if (path == "title") updated.set_title(r.assessment().title());
          if (path == "period_start") updated.set_period_start(r.assessment().period_start());
          if (path == "period_end") updated.set_period_end(r.assessment().period_end());
        }
        SIXSTEPS_RETURN_IF_ERROR(ValidateNewAssessment(updated));
        return tx.PutAssessment(updated, v1::CHANGE_KIND_ASSESSMENT_UPDATED,
                                {caller.principal, "updated", ""});
      }));
  return updated;
}

absl::StatusOr<v1::Assessment> AssessmentServiceImpl::Transition(const Caller& caller,
                                                                 const std::string& name,
                                                                 const std::string& etag,
                                                                 v1::Assessment::State to,
                                                                 const std::string& reason) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string id, ParseAssessmentName(name, "name"));
  v1::Assessment updated;
  SIXSTEPS_RETURN_IF_ERROR(
      InVisibleRound(caller, id, RoundLock::kExclusive, [&](RoundTx& tx) -> absl::Status {
        const v1::Assessment& current = tx.round().assessment;
        SIXSTEPS_RETURN_IF_ERROR(CheckMayTransition(caller, current, to));
        SIXSTEPS_RETURN_IF_ERROR(CheckEtag(etag, current.etag(), current.name()));
        SIXSTEPS_ASSIGN_OR_RETURN(RoundTransition next,
                                  NextState(current, to, reason, absl::Now()));
        if (current.state() == v1::Assessment::STATE_DRAFT) {
          // Carried-forward answers must be confirmed before submission (issue 15).
          SIXSTEPS_ASSIGN_OR_RETURN(std::vector<v1::Response> answers, tx.Responses("", ""));
          SIXSTEPS_RETURN_IF_ERROR(CheckCarriedForwardConfirmed(answers));
        }
        const bool finalising = to == v1::Assessment::STATE_FINALISED;
        RoundRecords records;
        if (finalising) {
          SIXSTEPS_ASSIGN_OR_RETURN(records, ReadFinalisationRecords(tx));
          SIXSTEPS_RETURN_IF_ERROR(
              CheckFinalisable(IndexOf(*tx.round().framework), FinalisationInputsOf(records)));
        }
        updated = std::move(next.round);
        SIXSTEPS_RETURN_IF_ERROR(tx.PutAssessment(updated, v1::CHANGE_KIND_ASSESSMENT_STATE_CHANGED,
                                                  {caller.principal, next.action, reason}));
        if (!finalising) return absl::OkStatus();
        SIXSTEPS_ASSIGN_OR_RETURN(records.respondents, tx.Respondents());
        SIXSTEPS_ASSIGN_OR_RETURN(records.context_answers, tx.ContextAnswers());
        return tx.PutFinalisedRevision(BuildSnapshot(updated, std::move(records)));
      }));
  return updated;
}

SIXSTEPS_RPC(AssessmentServiceImpl, SubmitAssessmentForReview, v1::SubmitAssessmentForReviewRequest,
             v1::Assessment)
absl::StatusOr<v1::Assessment> AssessmentServiceImpl::DoSubmitAssessmentForReview(
    const Caller& caller, const v1::SubmitAssessmentForReviewRequest& r) {
  return Transition(caller, r.name(), r.etag(), v1::Assessment::STATE_IN_REVIEW, "");
}

SIXSTEPS_RPC(AssessmentServiceImpl, FinaliseAssessment, v1::FinaliseAssessmentRequest,
             v1::Assessment)
absl::StatusOr<v1::Assessment> AssessmentServiceImpl::DoFinaliseAssessment(
    const Caller& caller, const v1::FinaliseAssessmentRequest& r) {
  return Transition(caller, r.name(), r.etag(), v1::Assessment::STATE_FINALISED, "");
}

SIXSTEPS_RPC(AssessmentServiceImpl, ReopenAssessment, v1::ReopenAssessmentRequest, v1::Assessment)
absl::StatusOr<v1::Assessment> AssessmentServiceImpl::DoReopenAssessment(
    const Caller& caller, const v1::ReopenAssessmentRequest& r) {
  if (r.reason().empty()) {
    return absl::InvalidArgumentError("reason: reopening a finalised round needs a reason");
  }
  SIXSTEPS_RETURN_IF_ERROR(ValidateFreeText(r.reason(), kMaxShortTextLength, "reason"));
  return Transition(caller, r.name(), r.etag(), v1::Assessment::STATE_IN_REVIEW, r.reason());
}

SIXSTEPS_RPC(AssessmentServiceImpl, CheckFinalisation, v1::CheckFinalisationRequest,
             v1::CheckFinalisationResponse)
absl::StatusOr<v1::CheckFinalisationResponse> AssessmentServiceImpl::DoCheckFinalisation(
    const Caller& caller, const v1::CheckFinalisationRequest& r) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string id, ParseAssessmentName(r.name(), "name"));
  v1::CheckFinalisationResponse response;
  SIXSTEPS_RETURN_IF_ERROR(
      InVisibleRound(caller, id, RoundLock::kRead, [&](RoundTx& tx) -> absl::Status {
        SIXSTEPS_ASSIGN_OR_RETURN(RoundRecords records, ReadFinalisationRecords(tx));
        response = FinalisationReport(
            tx.round().assessment.state(),
            FinalisationGaps(IndexOf(*tx.round().framework), FinalisationInputsOf(records)));
        return absl::OkStatus();
      }));
  return response;
}

}  // namespace sixsteps::assessment
