// The programme of rounds as plain functions (issue 15): names, the rules of a planned
// round, who may plan, what opening a planned round creates (the round, its standing
// respondents, the answers carried forward, the next planned round), and response
// deadlines. The ProgrammeService handlers and the opener (programme_opener.h) compose
// them with the store.
#pragma once

#include <optional>
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

// At most this many standing respondents per planned round.
inline constexpr int kMaxStandingRespondents = 50;
// The principal recorded for what the service does by itself (opening a planned round,
// planning its successor).
inline constexpr char kSystemActor[] = "system";

// ---- Names ----
std::string PlannedRoundName(absl::string_view id);
// "plannedRounds/{id}" to its id; INVALID_ARGUMENT naming `field` otherwise.
absl::StatusOr<std::string> ParsePlannedRoundName(absl::string_view name, absl::string_view field);
// "frameworks/{f}/versions/{v}"; INVALID_ARGUMENT naming `field` otherwise.
absl::Status ValidateFrameworkVersionName(absl::string_view name, absl::string_view field);

// ---- The rules of a planned round ----
// Its own fields, without the framework: kind and cadence given, title, every date an ISO
// date, the period not empty (period_end not before period_start), open_date not before
// `today` (the hub's), response_deadline not before open_date, report_due_date not before
// response_deadline. INVALID_ARGUMENT "planned_round.{field}: ..." at the first break.
absl::Status ValidatePlan(const v1::PlannedRound& plan, absl::string_view today);
// Its standing respondents against the pinned framework: at most kMaxStandingRespondents,
// each exactly one of organisation and scrutineer, none twice, organisations of the plan's
// partnership, steps and questions of the framework.
absl::Status ValidateStandingRespondents(const v1::PlannedRound& plan,
                                         const FrameworkIndex& framework);
// FAILED_PRECONDITION unless it is still planned (opened and cancelled ones are read-only).
absl::Status CheckStillPlanned(const v1::PlannedRound& plan);
// Plan, change and cancel a partnership's rounds, extend deadlines: its partnership
// administrators and the hub administrators of its region. PERMISSION_DENIED otherwise.
absl::Status CheckCanPlan(const Caller& caller, absl::string_view region,
                          absl::string_view partnership);
// A reason (cancelling, extending): 1 to kMaxShortTextLength characters.
absl::Status ValidateReason(absl::string_view reason, absl::string_view field);

// ---- Dates ----
// The ISO date `years` years after `date`; Feb 29 becomes Feb 28 in a year without one.
absl::StatusOr<std::string> AddYears(absl::string_view date, int years);

// ---- Opening ----
// What opening a planned round writes, in one transaction.
struct RoundOpening {
  // The round, as CreateAssessment would store it (draft, revision 1), with the planned
  // round, response deadline and report due date.
  v1::Assessment assessment;
  // The standing respondents, named, each with the round's response deadline.
  std::vector<v1::Respondent> respondents;
  // The answers carried forward (carry_forward only), each marked
  // carried_forward_unconfirmed.
  std::vector<v1::Response> responses;
  // The planned round as it is now: opened, pointing at the round (and the next one).
  v1::PlannedRound opened;
  // The next planned round (annual and biennial cadences), dates moved on.
  std::optional<v1::PlannedRound> next;
};
// Ids for what opening creates: the round, each respondent, the next planned round.
struct OpeningIds {
  std::string assessment_id;
  std::vector<std::string> respondent_ids;  // one per standing respondent
  std::string next_planned_round_id;
};
// Builds the opening of `plan` against its pinned `framework`, at `now`. `previous` is the
// latest finalised revision of the partnership's last finalised round of the same kind,
// if there is one: with carry_forward, each standing respondent gets the answers the same
// organisation (or scrutineer) gave there, to the questions of this framework assigned to
// them, marked carried_forward_unconfirmed.
absl::StatusOr<RoundOpening> BuildOpening(const v1::PlannedRound& plan,
                                          const fv1::FrameworkVersion& framework,
                                          const v1::FinalisedRevision* previous,
                                          const OpeningIds& ids, absl::Time now);

// ---- Deadlines and carried-forward answers ----
// FAILED_PRECONDITION naming the deadline when `today` (the hub's) is after the
// respondent's response deadline; OK when it has none.
absl::Status CheckBeforeDeadline(const v1::Respondent& respondent, absl::string_view today);
// The respondent with its deadline moved to `deadline`, the extension (with `reason`, by
// `actor` at `now`) appended. FAILED_PRECONDITION when it has no deadline;
// INVALID_ARGUMENT when `deadline` is not an ISO date after the current one or the reason
// is missing or too long.
absl::StatusOr<v1::Respondent> ExtendDeadline(const v1::Respondent& respondent,
                                              absl::string_view deadline, absl::string_view reason,
                                              absl::string_view actor, absl::Time now);
// Submitting a round for review: FAILED_PRECONDITION naming (up to 10 of) the answers still
// carried forward and not confirmed.
absl::Status CheckCarriedForwardConfirmed(const std::vector<v1::Response>& responses);

}  // namespace sixsteps::assessment
