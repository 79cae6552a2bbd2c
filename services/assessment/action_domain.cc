#include "services/assessment/action_domain.h"

#include <algorithm>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/base/make_status.h"
#include "services/common/status.h"
#include "services/common/validation.h"

namespace sixsteps::assessment {
namespace {

using auth::Role;

}  // namespace

bool IsOpenAction(const av1::Action& action) {
  return action.status() == av1::Action::STATUS_PLANNED ||
         action.status() == av1::Action::STATUS_IN_PROGRESS;
}

bool IsOverdue(const av1::Action& action, absl::string_view as_of) {
  // ISO dates compare as strings.
  return IsOpenAction(action) && action.due_date() < as_of;
}

std::string TodayIn(absl::TimeZone zone, absl::Time now) {
  return absl::FormatTime("%Y-%m-%d", now, zone);
}

absl::Status ValidateActionPlan(const av1::Action& action, const FrameworkIndex& framework,
                                absl::string_view partnership_name) {
  if (!framework.steps.contains(action.step_id())) {
    return Invalid("action.step_id",
                   absl::StrCat("'", action.step_id(), "' is not a step of the round's framework"));
  }
  if (action.question_ids().empty()) {
    return Invalid("action.question_ids", "an action covers at least one question of its step");
  }
  std::set<std::string> seen;
  for (int i = 0; i < action.question_ids_size(); ++i) {
    const std::string& question = action.question_ids(i);
    auto step = framework.step_of.find(question);
    if (step == framework.step_of.end() || step->second != action.step_id()) {
      return Invalid(absl::StrCat("action.question_ids[", i, "]"),
                     absl::StrCat("'", question, "' is not a question of step ", action.step_id()));
    }
    if (!seen.insert(question).second) {
      return Invalid(absl::StrCat("action.question_ids[", i, "]"), "listed twice");
    }
  }
  SIXSTEPS_RETURN_IF_ERROR(
      ValidateFreeText(action.description(), kMaxTextLength, "action.description"));
  SIXSTEPS_RETURN_IF_ERROR(
      ValidateFreeText(action.intended_outcome(), kMaxTextLength, "action.intended_outcome"));
  if (!absl::StartsWith(action.owner_organisation(),
                        absl::StrCat(partnership_name, "/organisations/"))) {
    return Invalid("action.owner_organisation",
                   "must be an organisation of the round's partnership");
  }
  if (!action.owner_name().empty()) {
    SIXSTEPS_RETURN_IF_ERROR(
        ValidateFreeText(action.owner_name(), kMaxShortTextLength, "action.owner_name"));
  }
  SIXSTEPS_RETURN_IF_ERROR(ValidateIsoDate(action.due_date(), "action.due_date"));
  if (!av1::Action::Kind_IsValid(action.kind()) || action.kind() == av1::Action::KIND_UNSPECIFIED) {
    return Invalid("action.kind", "must be improvement or sustain");
  }
  return absl::OkStatus();
}

absl::Status CheckSustainAllowed(const av1::Action& action,
                                 const std::map<std::string, fv1::Rating>& consolidated) {
  if (action.kind() != av1::Action::KIND_SUSTAIN) return absl::OkStatus();
  for (const std::string& question : action.question_ids()) {
    auto rating = consolidated.find(question);
    if (rating == consolidated.end() || rating->second != fv1::RATING_GREEN) {
      return absl::FailedPreconditionError(
          absl::StrCat("a sustain action maintains a Green: ", question,
                       " has no consolidated Green rating; plan an improvement instead"));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckCanPlan(const Caller& caller, const v1::Assessment& assessment) {
  std::string region = LastSegment(assessment.region());
  std::string partnership = LastSegment(assessment.partnership());
  if (caller.IsHubAdmin(region) ||
      caller.HasPartnershipRole(
          partnership, {Role::ROLE_PARTNERSHIP_ADMINISTRATOR, Role::ROLE_INDEPENDENT_SCRUTINEER,
                        Role::ROLE_INTEGRATION}) ||
      caller.HasRegionRole(region, {Role::ROLE_INTEGRATION})) {
    return absl::OkStatus();
  }
  return absl::PermissionDeniedError(
      "only the partnership's administrators and scrutineers, the region's hub administrators "
      "and integrations plan actions");
}

absl::Status CheckCanReportProgress(const Caller& caller, const v1::Assessment& assessment,
                                    const av1::Action& action) {
  if (CheckCanPlan(caller, assessment).ok()) return absl::OkStatus();
  std::string partnership = LastSegment(assessment.partnership());
  std::string owner = LastSegment(action.owner_organisation());
  for (Role role : {Role::ROLE_PARTNER_RESPONDENT, Role::ROLE_ACTION_OWNER}) {
    for (const std::string& organisation : caller.OrganisationsFor(partnership, role)) {
      if (organisation == owner) return absl::OkStatus();
    }
  }
  return absl::PermissionDeniedError(absl::StrCat(
      "only ", action.owner_organisation(),
      "'s respondents and action owners, and the planners, report progress on this action"));
}

int64_t ProgressBytes(const av1::ProgressUpdate& update) {
  return static_cast<int64_t>(update.note().size() + update.evidence().size());
}

absl::Status CheckProgressCapacity(const ProgressUsage& usage, int64_t note_bytes) {
  if (usage.count >= kMaxProgressUpdatesPerAction) {
    return absl::ResourceExhaustedError(
        absl::StrCat("the action has ", usage.count, " progress notes, the most an action takes (",
                     kMaxProgressUpdatesPerAction, "); complete it, or plan a new action"));
  }
  if (usage.bytes + note_bytes > kMaxProgressBytesPerAction) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "the action's progress notes and evidence would pass ", kMaxProgressBytesPerAction,
        " bytes, the most an action takes (it has ", usage.bytes,
        "); complete it, or plan a "
        "new action"));
  }
  return absl::OkStatus();
}

int UnadoptedProgressCount(const av1::Action& action) {
  int kept = std::min(std::max(action.progress_update_count(), 0), kLatestProgressUpdatesKept);
  return std::max(action.progress_updates_size() - kept, 0);
}

void KeepLatestProgress(av1::Action& action) {
  int unadopted = UnadoptedProgressCount(action);
  action.set_progress_update_count(std::max(action.progress_update_count(), 0) + unadopted);
  int excess = action.progress_updates_size() - kLatestProgressUpdatesKept;
  if (excess > 0) action.mutable_progress_updates()->DeleteSubrange(0, excess);
  // Notes written before they were numbered: the last is the action's latest.
  const int size = action.progress_updates_size();
  for (int i = 0; i < size; ++i) {
    av1::ProgressUpdate* update = action.mutable_progress_updates(i);
    if (update->number() == 0) update->set_number(action.progress_update_count() - (size - 1 - i));
  }
}

std::optional<av1::Action> CarriedForward(const av1::Action& old, const FrameworkIndex& framework,
                                          const v1::Assessment& new_round) {
  av1::Action carried;
  for (const std::string& question : old.question_ids()) {
    auto step = framework.step_of.find(question);
    if (step != framework.step_of.end() && step->second == old.step_id()) {
      carried.add_question_ids(question);
    }
  }
  if (carried.question_ids().empty()) return std::nullopt;
  carried.set_assessment(new_round.name());
  carried.set_partnership(new_round.partnership());
  carried.set_region(new_round.region());
  carried.set_step_id(old.step_id());
  carried.set_kind(old.kind());
  carried.set_description(old.description());
  carried.set_intended_outcome(old.intended_outcome());
  carried.set_owner_organisation(old.owner_organisation());
  carried.set_owner_name(old.owner_name());
  carried.set_due_date(old.due_date());
  carried.set_status(old.status());
  carried.set_carried_from(old.name());
  return carried;
}

}  // namespace sixsteps::assessment
