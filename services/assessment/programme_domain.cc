#include "services/assessment/programme_domain.h"

#include <algorithm>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "services/base/clock.h"
#include "services/base/make_status.h"
#include "services/base/status_macros.h"
#include "services/common/validation.h"

namespace sixsteps::assessment {
namespace {

constexpr absl::string_view kPlannedRoundsPrefix = "plannedRounds/";

// The party a respondent stands for: its organisation or its scrutineer.
std::string PartyOf(const v1::Respondent& respondent) {
  return respondent.organisation().empty() ? respondent.scrutineer() : respondent.organisation();
}

}  // namespace

// ---- Names ----

std::string PlannedRoundName(absl::string_view id) {
  return absl::StrCat(kPlannedRoundsPrefix, id);
}

absl::StatusOr<std::string> ParsePlannedRoundName(absl::string_view name, absl::string_view field) {
  absl::string_view id = name;
  if (!absl::ConsumePrefix(&id, kPlannedRoundsPrefix) || !IsResourceId(id)) {
    return Invalid(field,
                   absl::StrCat("must look like plannedRounds/{planned_round}, got '", name, "'"));
  }
  return std::string(id);
}

absl::Status ValidateFrameworkVersionName(absl::string_view name, absl::string_view field) {
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  if (parts.size() != 4 || parts[0] != "frameworks" || parts[2] != "versions" || parts[1].empty() ||
      parts[3].empty()) {
    return Invalid(field,
                   absl::StrCat("must look like frameworks/{f}/versions/{v}, got '", name, "'"));
  }
  return absl::OkStatus();
}

// ---- The rules of a planned round ----

absl::Status ValidatePlan(const v1::PlannedRound& plan, absl::string_view today) {
  if (plan.kind() == v1::ASSESSMENT_KIND_UNSPECIFIED || !v1::AssessmentKind_IsValid(plan.kind())) {
    return Invalid("planned_round.kind",
                   "must be independent scrutiny, self-assessment or wider partner assessment");
  }
  if (plan.cadence() == v1::PlannedRound::CADENCE_UNSPECIFIED ||
      !v1::PlannedRound::Cadence_IsValid(plan.cadence())) {
    return Invalid("planned_round.cadence", "must be annual, biennial or one_off");
  }
  SIXSTEPS_RETURN_IF_ERROR(
      ValidateFrameworkVersionName(plan.framework_version(), "planned_round.framework_version"));
  SIXSTEPS_RETURN_IF_ERROR(ValidateFreeText(plan.title(), kMaxTitleLength, "planned_round.title"));
  for (const auto& [date, field] : {std::pair{&plan.period_start(), "period_start"},
                                    {&plan.period_end(), "period_end"},
                                    {&plan.open_date(), "open_date"},
                                    {&plan.response_deadline(), "response_deadline"},
                                    {&plan.report_due_date(), "report_due_date"}}) {
    SIXSTEPS_RETURN_IF_ERROR(ValidateIsoDate(*date, absl::StrCat("planned_round.", field)));
  }
  // ISO dates compare as strings.
  if (plan.period_end() < plan.period_start()) {
    return Invalid("planned_round.period_end",
                   "must not be before period_start: the period would be empty");
  }
  if (plan.open_date() < today) {
    return Invalid("planned_round.open_date",
                   absl::StrCat("must be today (", today, ") or later, got ", plan.open_date()));
  }
  if (plan.response_deadline() < plan.open_date()) {
    return Invalid("planned_round.response_deadline",
                   absl::StrCat("must not be before open_date (", plan.open_date(), ")"));
  }
  if (plan.report_due_date() < plan.response_deadline()) {
    return Invalid(
        "planned_round.report_due_date",
        absl::StrCat("must not be before response_deadline (", plan.response_deadline(), ")"));
  }
  return absl::OkStatus();
}

absl::Status ValidateStandingRespondents(const v1::PlannedRound& plan,
                                         const FrameworkIndex& framework) {
  if (plan.standing_respondents_size() > kMaxStandingRespondents) {
    return Invalid("planned_round.standing_respondents",
                   absl::StrCat("at most ", kMaxStandingRespondents));
  }
  const std::string organisations = absl::StrCat(plan.partnership(), "/organisations/");
  std::set<std::string> parties;
  for (int i = 0; i < plan.standing_respondents_size(); ++i) {
    const v1::Respondent& respondent = plan.standing_respondents(i);
    const std::string field = absl::StrCat("planned_round.standing_respondents[", i, "]");
    absl::Status valid = ValidateRespondent(respondent, framework);
    if (!valid.ok()) return Invalid(field, valid.message());
    if (!respondent.organisation().empty() &&
        (!absl::StartsWith(respondent.organisation(), organisations) ||
         !IsResourceId(respondent.organisation().substr(organisations.size())))) {
      return Invalid(absl::StrCat(field, ".organisation"),
                     "must be an organisation of the planned round's partnership");
    }
    if (!respondent.scrutineer().empty() && (!absl::StartsWith(respondent.scrutineer(), "users/") ||
                                             !IsResourceId(LastSegment(respondent.scrutineer())))) {
      return Invalid(absl::StrCat(field, ".scrutineer"), "must be users/{user}");
    }
    if (!parties.insert(PartyOf(respondent)).second) {
      return Invalid(field, absl::StrCat(PartyOf(respondent), " is given twice"));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckStillPlanned(const v1::PlannedRound& plan) {
  if (plan.state() == v1::PlannedRound::STATE_PLANNED) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      plan.name(), " has ",
      plan.state() == v1::PlannedRound::STATE_OPENED ? absl::StrCat("opened as ", plan.assessment())
                                                     : std::string("been cancelled"),
      ": it can no longer change"));
}

absl::Status CheckCanPlan(const Caller& caller, absl::string_view region,
                          absl::string_view partnership) {
  if (caller.CanManagePartnership(LastSegment(region), LastSegment(partnership))) {
    return absl::OkStatus();
  }
  return absl::PermissionDeniedError(
      "only the partnership's administrators and the region's hub administrators plan its rounds "
      "and extend deadlines");
}

absl::Status ValidateReason(absl::string_view reason, absl::string_view field) {
  return ValidateFreeText(reason, kMaxShortTextLength, field);
}

// ---- Dates ----

absl::StatusOr<std::string> AddYears(absl::string_view date, int years) {
  SIXSTEPS_RETURN_IF_ERROR(ValidateIsoDate(date, "date"));
  int year = 0, month = 0, day = 0;
  std::vector<absl::string_view> parts = absl::StrSplit(date, '-');
  if (!absl::SimpleAtoi(parts[0], &year) || !absl::SimpleAtoi(parts[1], &month) ||
      !absl::SimpleAtoi(parts[2], &day)) {
    return Invalid("date", absl::StrCat("'", date, "' is not a date"));
  }
  year += years;
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  if (month == 2 && day == 29 && !leap) day = 28;
  return absl::StrFormat("%04d-%02d-%02d", year, month, day);
}

// ---- Opening ----

namespace {

// The next planned round after `plan` opened: the same plan, every date `years` later.
absl::StatusOr<v1::PlannedRound> Successor(const v1::PlannedRound& plan, int years,
                                           const std::string& id, absl::Time now) {
  v1::PlannedRound next;
  next.set_name(PlannedRoundName(id));
  next.set_partnership(plan.partnership());
  next.set_region(plan.region());
  next.set_kind(plan.kind());
  next.set_framework_version(plan.framework_version());
  next.set_cadence(plan.cadence());
  next.set_title(plan.title());
  SIXSTEPS_ASSIGN_OR_RETURN(*next.mutable_period_start(), AddYears(plan.period_start(), years));
  SIXSTEPS_ASSIGN_OR_RETURN(*next.mutable_period_end(), AddYears(plan.period_end(), years));
  SIXSTEPS_ASSIGN_OR_RETURN(*next.mutable_open_date(), AddYears(plan.open_date(), years));
  SIXSTEPS_ASSIGN_OR_RETURN(*next.mutable_response_deadline(),
                            AddYears(plan.response_deadline(), years));
  SIXSTEPS_ASSIGN_OR_RETURN(*next.mutable_report_due_date(),
                            AddYears(plan.report_due_date(), years));
  next.set_carry_forward(plan.carry_forward());
  *next.mutable_standing_respondents() = plan.standing_respondents();
  next.set_state(v1::PlannedRound::STATE_PLANNED);
  next.set_previous_planned_round(plan.name());
  next.set_creator(kSystemActor);
  *next.mutable_create_time() = ToTimestamp(now);
  *next.mutable_update_time() = next.create_time();
  return next;
}

}  // namespace

absl::StatusOr<RoundOpening> BuildOpening(const v1::PlannedRound& plan,
                                          const fv1::FrameworkVersion& framework,
                                          const v1::FinalisedRevision* previous,
                                          const OpeningIds& ids, absl::Time now) {
  if (static_cast<int>(ids.respondent_ids.size()) != plan.standing_respondents_size()) {
    return absl::InternalError("one respondent id per standing respondent");
  }
  RoundOpening opening;
  const google::protobuf::Timestamp stamp = ToTimestamp(now);
  v1::Assessment& round = opening.assessment;
  round.set_name(AssessmentName(ids.assessment_id));
  round.set_partnership(plan.partnership());
  round.set_region(plan.region());
  round.set_framework_version(plan.framework_version());
  round.set_kind(plan.kind());
  round.set_title(plan.title());
  round.set_period_start(plan.period_start());
  round.set_period_end(plan.period_end());
  round.set_state(v1::Assessment::STATE_DRAFT);
  round.set_revision(1);
  round.set_creator(kSystemActor);
  *round.mutable_create_time() = stamp;
  *round.mutable_update_time() = stamp;
  round.set_planned_round(plan.name());
  round.set_response_deadline(plan.response_deadline());
  round.set_report_due_date(plan.report_due_date());

  const FrameworkIndex index = IndexOf(framework);
  for (int i = 0; i < plan.standing_respondents_size(); ++i) {
    v1::Respondent respondent = plan.standing_respondents(i);
    respondent.set_name(RespondentResourceName(ids.assessment_id, ids.respondent_ids[i]));
    *respondent.mutable_create_time() = stamp;
    respondent.set_response_deadline(plan.response_deadline());
    opening.respondents.push_back(respondent);
    if (!plan.carry_forward() || previous == nullptr) continue;
    // The same party's answers in the previous round, to the questions it answers now.
    auto earlier =
        std::find_if(previous->respondents().begin(), previous->respondents().end(),
                     [&](const v1::Respondent& r) { return PartyOf(r) == PartyOf(respondent); });
    if (earlier == previous->respondents().end()) continue;
    const std::string prefix = absl::StrCat(earlier->name(), "/responses/");
    for (const v1::Response& answer : previous->responses()) {
      if (!absl::StartsWith(answer.name(), prefix) ||
          !IsAssigned(respondent, answer.question_id(), index)) {
        continue;
      }
      v1::Response carried;
      carried.set_name(
          ResponseResourceName({ids.assessment_id, ids.respondent_ids[i], answer.question_id()}));
      carried.set_question_id(answer.question_id());
      carried.set_rating(answer.rating());
      *carried.mutable_evidence() = answer.evidence();
      carried.set_commentary(answer.commentary());
      carried.set_remaining_work(answer.remaining_work());
      carried.set_carried_forward_unconfirmed(true);
      carried.set_carried_forward_from(answer.name());
      opening.responses.push_back(std::move(carried));
    }
  }

  opening.opened = plan;
  opening.opened.set_state(v1::PlannedRound::STATE_OPENED);
  opening.opened.set_assessment(round.name());
  *opening.opened.mutable_open_time() = stamp;
  *opening.opened.mutable_update_time() = stamp;
  const int years = plan.cadence() == v1::PlannedRound::CADENCE_ANNUAL     ? 1
                    : plan.cadence() == v1::PlannedRound::CADENCE_BIENNIAL ? 2
                                                                           : 0;
  if (years > 0) {
    SIXSTEPS_ASSIGN_OR_RETURN(opening.next, Successor(plan, years, ids.next_planned_round_id, now));
    opening.opened.set_next_planned_round(opening.next->name());
  }
  return opening;
}

// ---- Deadlines and carried-forward answers ----

absl::Status CheckBeforeDeadline(const v1::Respondent& respondent, absl::string_view today) {
  if (respondent.response_deadline().empty() || today <= respondent.response_deadline()) {
    return absl::OkStatus();
  }
  return absl::FailedPreconditionError(absl::StrCat(
      "the response deadline of ", respondent.name(), " was ", respondent.response_deadline(),
      ": its answers are locked (a partnership administrator may extend it)"));
}

absl::StatusOr<v1::Respondent> ExtendDeadline(const v1::Respondent& respondent,
                                              absl::string_view deadline, absl::string_view reason,
                                              absl::string_view actor, absl::Time now) {
  SIXSTEPS_RETURN_IF_ERROR(ValidateIsoDate(deadline, "deadline"));
  SIXSTEPS_RETURN_IF_ERROR(ValidateReason(reason, "reason"));
  if (respondent.response_deadline().empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat(respondent.name(),
                     " has no response deadline to extend (its round was not "
                     "opened from a planned round)"));
  }
  if (deadline <= respondent.response_deadline()) {
    return Invalid("deadline", absl::StrCat("must be after the current deadline (",
                                            respondent.response_deadline(), ")"));
  }
  v1::Respondent extended = respondent;
  v1::DeadlineExtension* extension = extended.add_deadline_extensions();
  extension->set_previous_deadline(respondent.response_deadline());
  extension->set_deadline(std::string(deadline));
  extension->set_reason(std::string(reason));
  extension->set_extended_by(std::string(actor));
  *extension->mutable_extend_time() = ToTimestamp(now);
  extended.set_response_deadline(std::string(deadline));
  return extended;
}

absl::Status CheckCarriedForwardConfirmed(const std::vector<v1::Response>& responses) {
  constexpr int kNamed = 10;
  std::vector<std::string> unconfirmed;
  int count = 0;
  for (const v1::Response& response : responses) {
    if (!response.carried_forward_unconfirmed()) continue;
    if (++count <= kNamed) unconfirmed.push_back(response.name());
  }
  if (count == 0) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      count, " carried-forward answer", count == 1 ? " is" : "s are",
      " not confirmed yet (save each again to confirm it): ", absl::StrJoin(unconfirmed, ", "),
      count > kNamed ? ", ..." : ""));
}

}  // namespace sixsteps::assessment
