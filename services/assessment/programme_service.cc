// ProgrammeService: planned rounds (create, read, list, update, cancel) and extending a
// respondent's response deadline.
#include "services/assessment/programme_service.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/assessment/action_domain.h"
#include "services/assessment/page_sizes.h"
#include "services/base/make_status.h"
#include "services/common/grpc_reply.h"
#include "services/common/ids.h"
#include "services/common/pagination.h"

namespace sixsteps::assessment {
namespace {

// The fields UpdatePlannedRound may change (its update_mask paths).
const std::set<std::string>& UpdatablePaths() {
  static const auto* paths = new std::set<std::string>{
      "title",     "framework_version", "cadence",         "period_start",  "period_end",
      "open_date", "response_deadline", "report_due_date", "carry_forward", "standing_respondents"};
  return *paths;
}

void CopyPath(const std::string& path, const v1::PlannedRound& from, v1::PlannedRound& to) {
  if (path == "title") to.set_title(from.title());
  if (path == "framework_version") to.set_framework_version(from.framework_version());
  if (path == "cadence") to.set_cadence(from.cadence());
  if (path == "period_start") to.set_period_start(from.period_start());
  if (path == "period_end") to.set_period_end(from.period_end());
  if (path == "open_date") to.set_open_date(from.open_date());
  if (path == "response_deadline") to.set_response_deadline(from.response_deadline());
  if (path == "report_due_date") to.set_report_due_date(from.report_due_date());
  if (path == "carry_forward") to.set_carry_forward(from.carry_forward());
  if (path == "standing_respondents") {
    *to.mutable_standing_respondents() = from.standing_respondents();
  }
}

// A standing respondent as the plan keeps it: who and what, nothing the service sets.
void KeepOnlyWhoAndWhat(v1::PlannedRound& plan) {
  for (v1::Respondent& respondent : *plan.mutable_standing_respondents()) {
    respondent.clear_name();
    respondent.clear_create_time();
    respondent.clear_response_deadline();
    respondent.clear_deadline_extensions();
  }
}

}  // namespace

std::string ProgrammeServiceImpl::Today() const { return TodayIn(zone_, clock_->Now()); }

absl::StatusOr<v1::PlannedRound> ProgrammeServiceImpl::VisiblePlan(const Caller& caller,
                                                                   const std::string& id) {
  SIXSTEPS_ASSIGN_OR_RETURN(Visibility visible, VisibilityFor(*directory_, caller));
  absl::StatusOr<v1::PlannedRound> plan = programme_->GetPlannedRound(id);
  if (plan.ok() && !CanReadPartnership(caller, visible, LastSegment(plan->region()),
                                       LastSegment(plan->partnership()))) {
    return NotFound(PlannedRoundName(id));
  }
  return plan;
}

absl::StatusOr<fv1::FrameworkVersion> ProgrammeServiceImpl::CheckAgainstDirectory(
    const Caller& caller, const v1::PlannedRound& plan) {
  SIXSTEPS_ASSIGN_OR_RETURN(fv1::FrameworkVersion framework, directory_->PublishedFrameworkVersion(
                                                                 caller, plan.framework_version()));
  SIXSTEPS_RETURN_IF_ERROR(ValidateStandingRespondents(plan, IndexOf(framework)));
  for (const v1::Respondent& respondent : plan.standing_respondents()) {
    if (!respondent.organisation().empty()) {
      SIXSTEPS_RETURN_IF_ERROR(directory_->CheckOrganisation(caller, respondent.organisation()));
    } else {
      SIXSTEPS_RETURN_IF_ERROR(directory_->CheckScrutineer(caller, LastSegment(plan.partnership()),
                                                           respondent.scrutineer()));
    }
  }
  return framework;
}

SIXSTEPS_RPC(ProgrammeServiceImpl, CreatePlannedRound, v1::CreatePlannedRoundRequest,
             v1::PlannedRound)
absl::StatusOr<v1::PlannedRound> ProgrammeServiceImpl::DoCreatePlannedRound(
    const Caller& caller, const v1::CreatePlannedRoundRequest& r) {
  v1::PlannedRound plan = r.planned_round();
  SIXSTEPS_ASSIGN_OR_RETURN(std::string partnership,
                            ParsePartnership(plan.partnership(), "planned_round.partnership"));
  SIXSTEPS_RETURN_IF_ERROR(ValidatePlan(plan, Today()));
  SIXSTEPS_ASSIGN_OR_RETURN(std::string region, directory_->PartnershipRegion(caller, partnership));
  SIXSTEPS_RETURN_IF_ERROR(CheckCanPlan(caller, region, partnership));
  KeepOnlyWhoAndWhat(plan);
  SIXSTEPS_ASSIGN_OR_RETURN(fv1::FrameworkVersion framework, CheckAgainstDirectory(caller, plan));
  plan.set_name(PlannedRoundName(RandomId("p")));
  plan.set_region(absl::StrCat("regions/", region));
  plan.set_state(v1::PlannedRound::STATE_PLANNED);
  for (auto clear :
       {&v1::PlannedRound::clear_assessment, &v1::PlannedRound::clear_next_planned_round,
        &v1::PlannedRound::clear_previous_planned_round, &v1::PlannedRound::clear_cancel_reason,
        &v1::PlannedRound::clear_etag}) {
    (plan.*clear)();
  }
  plan.clear_open_time();
  plan.set_creator(caller.principal);
  *plan.mutable_create_time() = ToTimestamp(clock_->Now());
  *plan.mutable_update_time() = plan.create_time();
  SIXSTEPS_RETURN_IF_ERROR(
      programme_->CreatePlannedRound(plan, framework, {caller.principal, "created", ""}));
  return plan;
}

SIXSTEPS_RPC(ProgrammeServiceImpl, GetPlannedRound, v1::GetPlannedRoundRequest, v1::PlannedRound)
absl::StatusOr<v1::PlannedRound> ProgrammeServiceImpl::DoGetPlannedRound(
    const Caller& caller, const v1::GetPlannedRoundRequest& r) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string id, ParsePlannedRoundName(r.name(), "name"));
  return VisiblePlan(caller, id);
}

SIXSTEPS_RPC(ProgrammeServiceImpl, ListPlannedRounds, v1::ListPlannedRoundsRequest,
             v1::ListPlannedRoundsResponse)
absl::StatusOr<v1::ListPlannedRoundsResponse> ProgrammeServiceImpl::DoListPlannedRounds(
    const Caller& caller, const v1::ListPlannedRoundsRequest& r) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string partnership,
                            ParsePartnership(r.partnership(), "partnership"));
  SIXSTEPS_ASSIGN_OR_RETURN(int page_size,
                            NormalisePageSize(r.page_size(), kListPlannedRoundsPage));
  const std::string query = absl::StrCat("plannedRounds:", partnership);
  SIXSTEPS_ASSIGN_OR_RETURN(std::string after, DecodePageToken(r.page_token(), query));
  std::vector<std::string> key = absl::StrSplit(after, '|');
  if (!after.empty() && key.size() != 2) {
    return Invalid("page_token", "is not a token this service issued");
  }
  SIXSTEPS_ASSIGN_OR_RETURN(
      std::vector<v1::PlannedRound> plans,
      programme_->ListPlannedRounds(partnership, after.empty() ? "" : key[0],
                                    after.empty() ? "" : key[1], page_size + 1));
  v1::ListPlannedRoundsResponse response;
  if (plans.empty()) return response;
  // One partnership, so one region: the caller sees all of them or none.
  SIXSTEPS_ASSIGN_OR_RETURN(Visibility visible, VisibilityFor(*directory_, caller));
  if (!CanReadPartnership(caller, visible, LastSegment(plans[0].region()), partnership)) {
    return response;
  }
  for (int i = 0; i < static_cast<int>(plans.size()) && i < page_size; ++i) {
    *response.add_planned_rounds() = std::move(plans[i]);
  }
  if (static_cast<int>(plans.size()) > page_size) {
    const v1::PlannedRound& last = response.planned_rounds(page_size - 1);
    response.set_next_page_token(
        EncodePageToken(absl::StrCat(last.open_date(), "|", LastSegment(last.name())), query));
  }
  return response;
}

SIXSTEPS_RPC(ProgrammeServiceImpl, UpdatePlannedRound, v1::UpdatePlannedRoundRequest,
             v1::PlannedRound)
absl::StatusOr<v1::PlannedRound> ProgrammeServiceImpl::DoUpdatePlannedRound(
    const Caller& caller, const v1::UpdatePlannedRoundRequest& r) {
  const v1::PlannedRound& requested = r.planned_round();
  SIXSTEPS_ASSIGN_OR_RETURN(std::string id,
                            ParsePlannedRoundName(requested.name(), "planned_round.name"));
  SIXSTEPS_RETURN_IF_ERROR(RequireEtag(requested.etag(), "planned_round.etag"));
  std::vector<std::string> paths(r.update_mask().paths().begin(), r.update_mask().paths().end());
  if (paths.empty()) paths.assign(UpdatablePaths().begin(), UpdatablePaths().end());
  bool directory_checks = false;
  for (const std::string& path : paths) {
    if (!UpdatablePaths().contains(path)) {
      return Invalid("update_mask", absl::StrCat("'", path, "' cannot be updated"));
    }
    directory_checks |= path == "framework_version" || path == "standing_respondents";
  }
  SIXSTEPS_ASSIGN_OR_RETURN(v1::PlannedRound current, VisiblePlan(caller, id));
  SIXSTEPS_RETURN_IF_ERROR(CheckCanPlan(caller, current.region(), current.partnership()));
  v1::PlannedRound wanted = current;
  for (const std::string& path : paths) CopyPath(path, requested, wanted);
  KeepOnlyWhoAndWhat(wanted);
  SIXSTEPS_RETURN_IF_ERROR(ValidatePlan(wanted, Today()));
  std::optional<fv1::FrameworkVersion> framework;
  if (directory_checks) {
    SIXSTEPS_ASSIGN_OR_RETURN(framework, CheckAgainstDirectory(caller, wanted));
  }
  return programme_->ChangePlannedRound(
      id, v1::CHANGE_KIND_PLANNED_ROUND_UPDATED,
      [&](v1::PlannedRound& plan, Provenance& provenance) -> absl::Status {
        SIXSTEPS_RETURN_IF_ERROR(CheckStillPlanned(plan));
        SIXSTEPS_RETURN_IF_ERROR(CheckEtag(requested.etag(), plan.etag(), plan.name()));
        for (const std::string& path : paths) CopyPath(path, wanted, plan);
        provenance = {caller.principal, "updated", ""};
        return absl::OkStatus();
      },
      framework);
}

SIXSTEPS_RPC(ProgrammeServiceImpl, CancelPlannedRound, v1::CancelPlannedRoundRequest,
             v1::PlannedRound)
absl::StatusOr<v1::PlannedRound> ProgrammeServiceImpl::DoCancelPlannedRound(
    const Caller& caller, const v1::CancelPlannedRoundRequest& r) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string id, ParsePlannedRoundName(r.name(), "name"));
  SIXSTEPS_RETURN_IF_ERROR(ValidateReason(r.reason(), "reason"));
  SIXSTEPS_ASSIGN_OR_RETURN(v1::PlannedRound current, VisiblePlan(caller, id));
  SIXSTEPS_RETURN_IF_ERROR(CheckCanPlan(caller, current.region(), current.partnership()));
  return programme_->ChangePlannedRound(
      id, v1::CHANGE_KIND_PLANNED_ROUND_CANCELLED,
      [&](v1::PlannedRound& plan, Provenance& provenance) -> absl::Status {
        SIXSTEPS_RETURN_IF_ERROR(CheckStillPlanned(plan));
        SIXSTEPS_RETURN_IF_ERROR(CheckEtag(r.etag(), plan.etag(), plan.name()));
        plan.set_state(v1::PlannedRound::STATE_CANCELLED);
        plan.set_cancel_reason(r.reason());
        provenance = {caller.principal, "cancelled", r.reason()};
        return absl::OkStatus();
      },
      std::nullopt);
}

SIXSTEPS_RPC(ProgrammeServiceImpl, ExtendResponseDeadline, v1::ExtendResponseDeadlineRequest,
             v1::Respondent)
absl::StatusOr<v1::Respondent> ProgrammeServiceImpl::DoExtendResponseDeadline(
    const Caller& caller, const v1::ExtendResponseDeadlineRequest& r) {
  SIXSTEPS_ASSIGN_OR_RETURN(RespondentName name, ParseRespondentName(r.name(), "name"));
  SIXSTEPS_ASSIGN_OR_RETURN(Visibility visible, VisibilityFor(*directory_, caller));
  v1::Respondent extended;
  SIXSTEPS_RETURN_IF_ERROR(
      rounds_->InRound(name.assessment_id, RoundLock::kShared, [&](RoundTx& tx) -> absl::Status {
        const v1::Assessment& round = tx.round().assessment;
        if (!CanReadRound(caller, visible, round))
          return NotFound(AssessmentName(name.assessment_id));
        SIXSTEPS_RETURN_IF_ERROR(CheckCanPlan(caller, round.region(), round.partnership()));
        SIXSTEPS_RETURN_IF_ERROR(CheckWritable(round));
        SIXSTEPS_ASSIGN_OR_RETURN(std::optional<v1::Respondent> respondent,
                                  tx.GetRespondent(name.respondent_id));
        if (!respondent) return NotFound(r.name());
        SIXSTEPS_ASSIGN_OR_RETURN(extended, ExtendDeadline(*respondent, r.deadline(), r.reason(),
                                                           caller.principal, clock_->Now()));
        return tx.UpdateRespondent(extended, v1::CHANGE_KIND_RESPONSE_DEADLINE_EXTENDED,
                                   {caller.principal, "deadline extended", r.reason()});
      }));
  return extended;
}

}  // namespace sixsteps::assessment
