#include "services/assessment/lifecycle.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/base/clock.h"
#include "services/base/status_macros.h"

namespace sixsteps::assessment {

absl::Status CheckMayTransition(const Caller& caller, const v1::Assessment& round,
                                v1::Assessment::State to) {
  if (to == v1::Assessment::STATE_IN_REVIEW && round.state() == v1::Assessment::STATE_DRAFT) {
    // Whoever sets a round up may send it for review.
    if (CheckCanSetUp(caller, round).ok()) return absl::OkStatus();
    return CheckCanReview(caller, round);
  }
  if (to == v1::Assessment::STATE_IN_REVIEW) {
    // Reopening: the reviewers, or the region's hub administrators.
    if (caller.IsHubAdmin(LastSegment(round.region()))) return absl::OkStatus();
  }
  return CheckCanReview(caller, round);
}

absl::StatusOr<RoundTransition> NextState(const v1::Assessment& round, v1::Assessment::State to,
                                          absl::string_view reason, absl::Time now) {
  SIXSTEPS_RETURN_IF_ERROR(CheckTransition(round.state(), to));
  const bool reopening = round.state() == v1::Assessment::STATE_FINALISED;
  // Submit (never with a reason) moves a draft; Reopen (always with one) a finalised
  // round. Neither may do the other's transition.
  if (to == v1::Assessment::STATE_IN_REVIEW && reopening == reason.empty()) {
    return absl::FailedPreconditionError(
        reopening
            ? absl::StrCat(round.name(), " is finalised: reopen it, with a reason, to change it")
            : absl::StrCat("only a finalised round can be reopened; ", round.name(),
                           " is not finalised"));
  }
  RoundTransition next{round, ""};
  next.round.set_state(to);
  if (to == v1::Assessment::STATE_FINALISED) {
    *next.round.mutable_finalise_time() = ToTimestamp(now);
    next.action = "state:finalised";
  } else if (reopening) {
    next.round.set_revision(round.revision() + 1);
    next.round.clear_finalise_time();
    next.action = "reopened";
  } else {
    next.action = "state:in_review";
  }
  return next;
}

FinalisationInputs FinalisationInputsOf(const RoundRecords& records) {
  FinalisationInputs inputs;
  for (const auto& c : records.consolidations) inputs.consolidations[c.question_id()] = c;
  for (const auto& response : records.responses) {
    inputs.response_evidence[response.question_id()] += response.evidence_size();
  }
  for (const auto& challenge : records.challenges) {
    inputs.open_challenges += challenge.state() != v1::Challenge::STATE_CLOSED;
  }
  inputs.covered_by_actions = records.covered_by_actions;
  return inputs;
}

absl::Status CheckFinalisable(const FrameworkIndex& framework, const FinalisationInputs& inputs) {
  std::vector<std::string> gaps = FinalisationGaps(framework, inputs);
  if (gaps.empty()) return absl::OkStatus();
  return absl::FailedPreconditionError(
      absl::StrCat("cannot finalise yet: ", absl::StrJoin(gaps, "; ")));
}

v1::CheckFinalisationResponse FinalisationReport(v1::Assessment::State state,
                                                 std::vector<std::string> gaps) {
  if (state == v1::Assessment::STATE_DRAFT) {
    gaps.insert(gaps.begin(), "the round is a draft: submit it for review first");
  }
  v1::CheckFinalisationResponse response;
  for (std::string& gap : gaps) response.add_missing(std::move(gap));
  response.set_ready(response.missing().empty() && state == v1::Assessment::STATE_IN_REVIEW);
  return response;
}

v1::FinalisedRevision BuildSnapshot(const v1::Assessment& finalised, RoundRecords records) {
  v1::FinalisedRevision snapshot;
  *snapshot.mutable_assessment() = finalised;
  for (auto& x : records.respondents) *snapshot.add_respondents() = std::move(x);
  for (auto& x : records.responses) *snapshot.add_responses() = std::move(x);
  for (auto& x : records.consolidations) *snapshot.add_consolidations() = std::move(x);
  for (auto& x : records.challenges) *snapshot.add_challenges() = std::move(x);
  for (auto& x : records.context_answers) *snapshot.add_context_answers() = std::move(x);
  return snapshot;
}

}  // namespace sixsteps::assessment
