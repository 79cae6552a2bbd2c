// A round's lifecycle as plain functions, apart from storage: who may move a round, where
// a move takes it, whether it may be finalised, and what its finalised snapshot holds.
// The handlers of SubmitAssessmentForReview, FinaliseAssessment, ReopenAssessment and
// CheckFinalisation compose them inside the round's transaction.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/assessment/domain.h"
#include "sixsteps/assessment/v1/assessment.pb.h"
#include "sixsteps/assessment/v1/assessment_service.pb.h"

namespace sixsteps::assessment {

// Who may move `round` (in its current state) to `to`. Submitting a draft for review:
// whoever sets the round up (CheckCanSetUp) or reviews it (CheckCanReview). Reopening a
// finalised round: its reviewers or the region's hub administrators. Anything else
// (finalising, or a move the state machine refuses): its reviewers. PERMISSION_DENIED
// otherwise. Checked before the etag and the state machine, so that a caller without the
// right learns nothing about the round's state.
absl::Status CheckMayTransition(const Caller& caller, const v1::Assessment& round,
                                v1::Assessment::State to);

// A move of a round: the round as it will be stored, and the provenance action recorded
// with it ("state:in_review", "state:finalised" or "reopened").
struct RoundTransition {
  v1::Assessment round;
  std::string action;
};

// Where moving `round` to `to` takes it, at `now`. The state machine (CheckTransition):
// draft → in review → finalised → (reopen) in review, else FAILED_PRECONDITION. Submitting
// (no reason) moves only a draft and reopening (with a reason) only a finalised round:
// FAILED_PRECONDITION when the one is asked of the other's round. Finalising stamps the
// finalise time; reopening starts the next revision and clears it.
absl::StatusOr<RoundTransition> NextState(const v1::Assessment& round, v1::Assessment::State to,
                                          absl::string_view reason, absl::Time now);

// A round's records, as finalisation reads them inside the round's transaction.
struct RoundRecords {
  std::vector<v1::Respondent> respondents;
  std::vector<v1::Response> responses;
  std::vector<v1::Consolidation> consolidations;
  std::vector<v1::Challenge> challenges;
  std::vector<v1::ContextAnswer> context_answers;
  // Questions covered by the round's actions that are not cancelled.
  std::set<std::string> covered_by_actions;
};

// What FinalisationGaps needs from the records: consolidations by question, the evidence
// items of every response per question, the challenges not closed, the covered questions.
FinalisationInputs FinalisationInputsOf(const RoundRecords& records);

// OK when the round may be finalised (FinalisationGaps finds nothing); FAILED_PRECONDITION
// "cannot finalise yet: {gap}; {gap}…" otherwise.
absl::Status CheckFinalisable(const FrameworkIndex& framework, const FinalisationInputs& inputs);

// CheckFinalisation's answer for a round in `state` with these gaps: a draft must first be
// submitted (said as the first gap); ready only in review with no gap.
v1::CheckFinalisationResponse FinalisationReport(v1::Assessment::State state,
                                                 std::vector<std::string> gaps);

// The snapshot kept of a round as it was finalised (`finalised` as stored, with its etag).
v1::FinalisedRevision BuildSnapshot(const v1::Assessment& finalised, RoundRecords records);

}  // namespace sixsteps::assessment
