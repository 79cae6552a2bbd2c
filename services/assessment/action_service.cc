#include "services/assessment/action_service.h"

#include <google/protobuf/util/time_util.h>

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "services/assessment/assessment_service.h"
#include "services/assessment/page_sizes.h"
#include "services/base/clock.h"
#include "services/base/make_status.h"
#include "services/common/grpc_reply.h"
#include "services/common/ids.h"
#include "services/common/validation.h"

namespace sixsteps::assessment {
namespace {

using google::protobuf::util::TimeUtil;

absl::StatusOr<std::string> ParseActionName(absl::string_view name, absl::string_view field) {
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  if (parts.size() != 2 || parts[0] != "actions" || parts[1].empty() || parts[1].size() > 64) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": must look like actions/{action}, got '", name, "'"));
  }
  return std::string(parts[1]);
}

absl::Status MustBeOpen(const av1::Action& action) {
  if (IsOpenAction(action)) return absl::OkStatus();
  return absl::FailedPreconditionError(
      absl::StrCat(action.name(), " is ", av1::Action::Status_Name(action.status()),
                   ": only planned and in-progress actions change"));
}

absl::Status ValidateNote(absl::string_view note, absl::string_view field) {
  return ValidateFreeText(note, kMaxTextLength, field);
}

absl::Status ValidateOptional(absl::string_view text, absl::string_view field) {
  return ValidateOptionalFreeText(text, kMaxShortTextLength, field);
}

// Drops all but the latest notes from a record whose every note is a row (its count says
// how many there are), so that nothing is mistaken for an unadopted note.
void TrimToLatest(av1::Action& action) {
  int excess = action.progress_updates_size() - kLatestProgressUpdatesKept;
  if (excess > 0) action.mutable_progress_updates()->DeleteSubrange(0, excess);
}

// Stores as rows the notes the locked record holds that are not rows yet (see
// UnadoptedProgressCount), numbered after the rows, so that every write leaves the record
// with only its latest notes and the count.
absl::Status AdoptUnstoredNotes(RoundTx& tx, av1::Action& action) {
  int unadopted = UnadoptedProgressCount(action);
  if (unadopted == 0) return absl::OkStatus();
  SIXSTEPS_ASSIGN_OR_RETURN(ProgressUsage usage,
                            tx.ProgressUsageOf(std::string(LastSegment(action.name()))));
  for (int i = action.progress_updates_size() - unadopted; i < action.progress_updates_size();
       ++i) {
    av1::ProgressUpdate* update = action.mutable_progress_updates(i);
    update->set_number(++usage.count);
    SIXSTEPS_RETURN_IF_ERROR(
        tx.AppendProgressUpdate(std::string(LastSegment(action.name())), *update));
  }
  action.set_progress_update_count(usage.count);
  TrimToLatest(action);
  return absl::OkStatus();
}

// Appends a note to the locked action: a row of its own, and the record's latest few.
// With `capped`, refuses a note over the per-action caps first (the note that closes an
// action is not capped: it is the last one).
absl::Status AppendProgress(RoundTx& tx, av1::Action& action, const Caller& caller,
                            absl::string_view note, absl::string_view evidence, bool capped) {
  SIXSTEPS_RETURN_IF_ERROR(AdoptUnstoredNotes(tx, action));
  const std::string id(LastSegment(action.name()));
  av1::ProgressUpdate update;
  update.set_note(std::string(note));
  update.set_evidence(std::string(evidence));
  update.set_author(caller.principal);
  *update.mutable_time() = TimestampNow();
  update.set_status(action.status());
  SIXSTEPS_ASSIGN_OR_RETURN(ProgressUsage usage, tx.ProgressUsageOf(id));
  if (capped) SIXSTEPS_RETURN_IF_ERROR(CheckProgressCapacity(usage, ProgressBytes(update)));
  update.set_number(usage.count + 1);
  SIXSTEPS_RETURN_IF_ERROR(tx.AppendProgressUpdate(id, update));
  *action.add_progress_updates() = std::move(update);
  action.set_progress_update_count(usage.count + 1);
  TrimToLatest(action);
  return absl::OkStatus();
}

// Where a page of ListActions ends at the latest (see ListActions).
constexpr size_t kMaxListPageBytes = 4 * 1024 * 1024;

}  // namespace

std::string ActionServiceImpl::Today() const { return TodayIn(zone_, absl::Now()); }

SIXSTEPS_RPC(ActionServiceImpl, CreateAction, av1::CreateActionRequest, av1::Action)
absl::StatusOr<av1::Action> ActionServiceImpl::DoCreateAction(const Caller& caller,
                                                              const av1::CreateActionRequest& r) {
  SIXSTEPS_RETURN_IF_ERROR(ValidateRequestId(r.request_id()));
  SIXSTEPS_ASSIGN_OR_RETURN(std::string id,
                            ParseAssessmentName(r.action().assessment(), "action.assessment"));
  av1::CreateActionRequest without_id = r;
  without_id.clear_request_id();
  std::optional<IdempotencyKey> key = KeyFor(caller, "CreateAction", r.request_id(), without_id);
  if (key) {
    SIXSTEPS_ASSIGN_OR_RETURN(std::optional<std::string> repeated, store_->FindRepeat(*key));
    if (repeated) return RepeatedResponse<av1::Action>(*repeated);
  }
  SIXSTEPS_ASSIGN_OR_RETURN(Visibility visible, VisibilityFor(*directory_, caller));
  absl::StatusOr<StoredAssessment> round = store_->GetAssessment(id);
  if (!round.ok() || !CanReadRound(caller, visible, round->assessment)) {
    if (round.ok() || round.status().code() == absl::StatusCode::kNotFound) {
      return NotFound(r.action().assessment());
    }
    return round.status();
  }
  SIXSTEPS_RETURN_IF_ERROR(CheckCanPlan(caller, round->assessment));
  av1::Action action = r.action();
  if (action.kind() == av1::Action::KIND_UNSPECIFIED)
    action.set_kind(av1::Action::KIND_IMPROVEMENT);
  SIXSTEPS_RETURN_IF_ERROR(
      ValidateActionPlan(action, IndexOf(*round->framework), round->assessment.partnership()));
  SIXSTEPS_RETURN_IF_ERROR(directory_->CheckOrganisation(caller, action.owner_organisation()));

  action.set_name(absl::StrCat("actions/", RandomId("act")));
  action.set_partnership(round->assessment.partnership());
  action.set_region(round->assessment.region());
  action.set_status(av1::Action::STATUS_PLANNED);
  action.set_creator(caller.principal);
  *action.mutable_create_time() = TimestampNow();
  for (auto* cleared : {action.mutable_cancel_reason(), action.mutable_completion_note(),
                        action.mutable_carried_from(), action.mutable_carried_to()}) {
    cleared->clear();
  }
  action.clear_progress_updates();
  action.clear_progress_update_count();
  std::optional<std::string> repeated;
  SIXSTEPS_RETURN_IF_ERROR(store_->InRound(
      id, RoundLock::kShared,
      [&](RoundTx& tx) -> absl::Status {
        SIXSTEPS_RETURN_IF_ERROR(CheckWritable(tx.round().assessment));
        if (action.kind() == av1::Action::KIND_SUSTAIN) {
          std::map<std::string, fv1::Rating> consolidated;
          SIXSTEPS_ASSIGN_OR_RETURN(std::vector<v1::Consolidation> list, tx.Consolidations());
          for (const auto& c : list) consolidated[c.question_id()] = c.rating();
          SIXSTEPS_RETURN_IF_ERROR(CheckSustainAllowed(action, consolidated));
        }
        SIXSTEPS_RETURN_IF_ERROR(tx.PutAction(action, {caller.principal, "created", ""}));
        tx.SetIdempotentResult(action.SerializeAsString());
        return absl::OkStatus();
      },
      key ? &*key : nullptr, &repeated));
  if (repeated) return RepeatedResponse<av1::Action>(*repeated);
  action.set_overdue(IsOverdue(action, Today()));
  return action;
}

SIXSTEPS_RPC(ActionServiceImpl, GetAction, av1::GetActionRequest, av1::Action)
absl::StatusOr<av1::Action> ActionServiceImpl::DoGetAction(const Caller& caller,
                                                           const av1::GetActionRequest& r) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string id, ParseActionName(r.name(), "name"));
  SIXSTEPS_ASSIGN_OR_RETURN(Visibility visible, VisibilityFor(*directory_, caller));
  SIXSTEPS_ASSIGN_OR_RETURN(av1::Action action, store_->GetAction(id));
  if (!CanReadPartnership(caller, visible, LastSegment(action.region()),
                          LastSegment(action.partnership()))) {
    return NotFound(r.name());
  }
  KeepLatestProgress(action);
  action.set_overdue(IsOverdue(action, Today()));
  return action;
}

SIXSTEPS_RPC(ActionServiceImpl, ListActions, av1::ListActionsRequest, av1::ListActionsResponse)
absl::StatusOr<av1::ListActionsResponse> ActionServiceImpl::DoListActions(
    const Caller& caller, const av1::ListActionsRequest& r) {
  ActionFilter filter;
  if (!r.partnership().empty()) {
    if (!absl::StartsWith(r.partnership(), "partnerships/") ||
        !IsResourceId(LastSegment(r.partnership()))) {
      return absl::InvalidArgumentError("partnership: must look like partnerships/{partnership}");
    }
    filter.partnership = LastSegment(r.partnership());
  }
  if (!r.assessment().empty()) {
    SIXSTEPS_ASSIGN_OR_RETURN(filter.assessment, ParseAssessmentName(r.assessment(), "assessment"));
  }
  filter.step_id = r.step_id();
  filter.question_id = r.question_id();
  filter.owner_organisation = r.owner_organisation();
  for (int status : r.statuses()) {
    if (!av1::Action::Status_IsValid(status) || status == av1::Action::STATUS_UNSPECIFIED) {
      return absl::InvalidArgumentError("statuses: unknown status");
    }
    filter.statuses.push_back(static_cast<av1::Action::Status>(status));
  }
  filter.overdue_only = r.overdue_only();
  filter.as_of_date = r.as_of_date().empty() ? Today() : r.as_of_date();
  SIXSTEPS_RETURN_IF_ERROR(ValidateIsoDate(filter.as_of_date, "as_of_date"));
  if (!r.due_before().empty()) {
    SIXSTEPS_RETURN_IF_ERROR(ValidateIsoDate(r.due_before(), "due_before"));
    filter.due_before = r.due_before();
  }
  SIXSTEPS_ASSIGN_OR_RETURN(int page_size, NormalisePageSize(r.page_size(), kListActionsPage));
  av1::ListActionsRequest query_request = r;
  query_request.clear_page_size();
  query_request.clear_page_token();
  std::string query =
      absl::StrCat("actions:", query_request.ShortDebugString(), ":", filter.as_of_date);
  SIXSTEPS_ASSIGN_OR_RETURN(std::string after, DecodePageToken(r.page_token(), query));
  if (!after.empty()) {
    std::vector<std::string> parts = absl::StrSplit(after, '|');
    if (parts.size() != 2)
      return absl::InvalidArgumentError("page_token is not a token this service issued");
    filter.after_due_date = parts[0];
    filter.after_id = parts[1];
  }
  SIXSTEPS_ASSIGN_OR_RETURN(Visibility visible, VisibilityFor(*directory_, caller));
  SIXSTEPS_ASSIGN_OR_RETURN(std::vector<av1::Action> actions,
                            store_->ListActions(visible, filter, page_size + 1));
  av1::ListActionsResponse response;
  response.set_as_of_date(filter.as_of_date);
  // A page also ends before it passes kMaxListPageBytes, so that a page of long actions
  // stays well inside the largest message a server sends (an action is at most ~200 KB).
  size_t page_bytes = 0;
  bool more = static_cast<int>(actions.size()) > page_size;
  for (int i = 0; i < static_cast<int>(actions.size()) && i < page_size; ++i) {
    actions[i].set_overdue(IsOverdue(actions[i], filter.as_of_date));
    page_bytes += actions[i].ByteSizeLong();
    if (i > 0 && page_bytes > kMaxListPageBytes) {
      more = true;
      break;
    }
    *response.add_actions() = std::move(actions[i]);
  }
  if (more) {
    const av1::Action& last = response.actions(response.actions_size() - 1);
    response.set_next_page_token(
        EncodePageToken(absl::StrCat(last.due_date(), "|", LastSegment(last.name())), query));
  }
  return response;
}

absl::StatusOr<av1::Action> ActionServiceImpl::ChangeAction(const Caller& caller,
                                                            const std::string& name,
                                                            const std::string& etag,
                                                            const ActionChange& change,
                                                            const ActionPrecheck& precheck) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string id, ParseActionName(name, "name"));
  SIXSTEPS_ASSIGN_OR_RETURN(Visibility visible, VisibilityFor(*directory_, caller));
  absl::StatusOr<av1::Action> found = store_->GetAction(id);
  if (!found.ok()) return found.status();
  if (!CanReadPartnership(caller, visible, LastSegment(found->region()),
                          LastSegment(found->partnership()))) {
    return NotFound(name);
  }
  if (precheck) SIXSTEPS_RETURN_IF_ERROR(precheck(id, *found));
  av1::Action action;
  SIXSTEPS_RETURN_IF_ERROR(store_->InRound(
      LastSegment(found->assessment()), RoundLock::kShared, [&](RoundTx& tx) -> absl::Status {
        SIXSTEPS_ASSIGN_OR_RETURN(std::optional<av1::Action> locked, tx.GetActionForUpdate(id));
        if (!locked) return NotFound(name);
        action = *locked;
        SIXSTEPS_RETURN_IF_ERROR(CheckEtag(etag, action.etag(), name));
        SIXSTEPS_RETURN_IF_ERROR(AdoptUnstoredNotes(tx, action));
        Provenance provenance{caller.principal, "updated", ""};
        SIXSTEPS_RETURN_IF_ERROR(change(tx, action, provenance));
        return tx.PutAction(action, provenance);
      }));
  action.set_overdue(IsOverdue(action, Today()));
  return action;
}

SIXSTEPS_RPC(ActionServiceImpl, UpdateAction, av1::UpdateActionRequest, av1::Action)
absl::StatusOr<av1::Action> ActionServiceImpl::DoUpdateAction(const Caller& caller,
                                                              const av1::UpdateActionRequest& r) {
  const av1::Action& values = r.action();
  SIXSTEPS_RETURN_IF_ERROR(RequireEtag(values.etag(), "action.etag"));
  std::vector<std::string> paths(r.update_mask().paths().begin(), r.update_mask().paths().end());
  if (paths.empty()) {
    paths = {"question_ids",       "kind",       "description", "intended_outcome",
             "owner_organisation", "owner_name", "due_date"};
  }
  for (const std::string& path : paths) {
    if (path != "question_ids" && path != "kind" && path != "description" &&
        path != "intended_outcome" && path != "owner_organisation" && path != "owner_name" &&
        path != "due_date") {
      return absl::InvalidArgumentError(absl::StrCat(
          "update_mask: '", path,
          "' cannot be updated here; progress, completion and cancellation have their own calls"));
    }
  }
  bool new_owner = std::find(paths.begin(), paths.end(), "owner_organisation") != paths.end();
  if (new_owner) {
    if (!absl::StrContains(values.owner_organisation(), "/organisations/")) {
      return absl::InvalidArgumentError(
          "action.owner_organisation: must be an organisation of the round's partnership");
    }
    // As in CreateAction: an organisation of another partnership is the wrong kind of
    // owner (INVALID_ARGUMENT), said before identity is asked, which would only answer
    // that the caller cannot see it (NOT_FOUND). An action's partnership never changes, so
    // reading it outside the transaction is safe; one the caller cannot see is left to
    // ChangeAction to refuse as NOT_FOUND.
    absl::StatusOr<std::string> id = ParseActionName(values.name(), "action.name");
    SIXSTEPS_ASSIGN_OR_RETURN(Visibility visible, VisibilityFor(*directory_, caller));
    absl::StatusOr<av1::Action> current =
        id.ok() ? store_->GetAction(*id) : absl::StatusOr<av1::Action>(id.status());
    if (current.ok() &&
        CanReadPartnership(caller, visible, LastSegment(current->region()),
                           LastSegment(current->partnership())) &&
        !absl::StartsWith(values.owner_organisation(),
                          absl::StrCat(current->partnership(), "/organisations/"))) {
      return absl::InvalidArgumentError(
          "action.owner_organisation: must be an organisation of the round's partnership");
    }
    SIXSTEPS_RETURN_IF_ERROR(directory_->CheckOrganisation(caller, values.owner_organisation()));
  }
  return ChangeAction(
      caller, values.name(), values.etag(),
      [&](RoundTx& tx, av1::Action& action, Provenance&) -> absl::Status {
        SIXSTEPS_RETURN_IF_ERROR(CheckCanPlan(caller, tx.round().assessment));
        SIXSTEPS_RETURN_IF_ERROR(MustBeOpen(action));
        for (const std::string& path : paths) {
          if (path == "question_ids") *action.mutable_question_ids() = values.question_ids();
          if (path == "kind") action.set_kind(values.kind());
          if (path == "description") action.set_description(values.description());
          if (path == "intended_outcome") {
            action.set_intended_outcome(values.intended_outcome());
          }
          if (path == "owner_organisation") {
            action.set_owner_organisation(values.owner_organisation());
          }
          if (path == "owner_name") action.set_owner_name(values.owner_name());
          if (path == "due_date") action.set_due_date(values.due_date());
        }
        // The transaction is on the action's own round.
        SIXSTEPS_RETURN_IF_ERROR(ValidateActionPlan(action, IndexOf(*tx.round().framework),
                                                    tx.round().assessment.partnership()));
        if (action.kind() == av1::Action::KIND_SUSTAIN) {
          std::map<std::string, fv1::Rating> consolidated;
          SIXSTEPS_ASSIGN_OR_RETURN(std::vector<v1::Consolidation> list, tx.Consolidations());
          for (const auto& c : list) consolidated[c.question_id()] = c.rating();
          SIXSTEPS_RETURN_IF_ERROR(CheckSustainAllowed(action, consolidated));
        }
        return absl::OkStatus();
      });
}

SIXSTEPS_RPC(ActionServiceImpl, AddProgressUpdate, av1::AddProgressUpdateRequest, av1::Action)
absl::StatusOr<av1::Action> ActionServiceImpl::DoAddProgressUpdate(
    const Caller& caller, const av1::AddProgressUpdateRequest& r) {
  SIXSTEPS_RETURN_IF_ERROR(ValidateFreeText(r.note(), kMaxProgressNoteLength, "note"));
  SIXSTEPS_RETURN_IF_ERROR(ValidateOptional(r.evidence(), "evidence"));
  const int64_t note_bytes = static_cast<int64_t>(r.note().size() + r.evidence().size());
  // A full action is refused here, before the round's transaction and its locks: a
  // client looping on AddProgressUpdate costs two indexed reads a call once it is full.
  // The same checks run again under the action's lock, which decides.
  auto precheck = [&](const std::string& id, const av1::Action& found) -> absl::Status {
    v1::Assessment owner;
    owner.set_partnership(found.partnership());
    owner.set_region(found.region());
    SIXSTEPS_RETURN_IF_ERROR(CheckCanReportProgress(caller, owner, found));
    SIXSTEPS_RETURN_IF_ERROR(MustBeOpen(found));
    SIXSTEPS_ASSIGN_OR_RETURN(ProgressUsage usage, store_->GetProgressUsage(id));
    // Notes the record holds that are not rows yet count too.
    usage.count =
        std::max(usage.count, found.progress_update_count() + UnadoptedProgressCount(found));
    return CheckProgressCapacity(usage, note_bytes);
  };
  return ChangeAction(
      caller, r.name(), r.etag(),
      [&](RoundTx& tx, av1::Action& action, Provenance& provenance) -> absl::Status {
        SIXSTEPS_RETURN_IF_ERROR(CheckCanReportProgress(caller, tx.round().assessment, action));
        SIXSTEPS_RETURN_IF_ERROR(MustBeOpen(action));
        if (r.start() && action.status() == av1::Action::STATUS_PLANNED) {
          action.set_status(av1::Action::STATUS_IN_PROGRESS);
        }
        SIXSTEPS_RETURN_IF_ERROR(
            AppendProgress(tx, action, caller, r.note(), r.evidence(), /*capped=*/true));
        provenance.action = "progress";
        return absl::OkStatus();
      },
      precheck);
}

SIXSTEPS_RPC(ActionServiceImpl, CompleteAction, av1::CompleteActionRequest, av1::Action)
absl::StatusOr<av1::Action> ActionServiceImpl::DoCompleteAction(
    const Caller& caller, const av1::CompleteActionRequest& r) {
  if (r.completion_note().empty()) {
    return absl::InvalidArgumentError("completion_note: marking an action done needs a note");
  }
  SIXSTEPS_RETURN_IF_ERROR(RequireEtag(r.etag(), "etag"));
  SIXSTEPS_RETURN_IF_ERROR(ValidateNote(r.completion_note(), "completion_note"));
  SIXSTEPS_RETURN_IF_ERROR(ValidateOptional(r.evidence(), "evidence"));
  return ChangeAction(
      caller, r.name(), r.etag(),
      [&](RoundTx& tx, av1::Action& action, Provenance& provenance) -> absl::Status {
        SIXSTEPS_RETURN_IF_ERROR(CheckCanReportProgress(caller, tx.round().assessment, action));
        SIXSTEPS_RETURN_IF_ERROR(MustBeOpen(action));
        action.set_status(av1::Action::STATUS_DONE);
        action.set_completion_note(r.completion_note());
        SIXSTEPS_RETURN_IF_ERROR(AppendProgress(tx, action, caller, r.completion_note(),
                                                r.evidence(), /*capped=*/false));
        provenance.action = "done";
        return absl::OkStatus();
      });
}

SIXSTEPS_RPC(ActionServiceImpl, CancelAction, av1::CancelActionRequest, av1::Action)
absl::StatusOr<av1::Action> ActionServiceImpl::DoCancelAction(const Caller& caller,
                                                              const av1::CancelActionRequest& r) {
  if (r.reason().empty()) {
    return absl::InvalidArgumentError("reason: cancelling an action needs a reason");
  }
  SIXSTEPS_RETURN_IF_ERROR(RequireEtag(r.etag(), "etag"));
  SIXSTEPS_RETURN_IF_ERROR(ValidateNote(r.reason(), "reason"));
  return ChangeAction(
      caller, r.name(), r.etag(),
      [&](RoundTx& tx, av1::Action& action, Provenance& provenance) -> absl::Status {
        SIXSTEPS_RETURN_IF_ERROR(CheckCanPlan(caller, tx.round().assessment));
        SIXSTEPS_RETURN_IF_ERROR(MustBeOpen(action));
        action.set_status(av1::Action::STATUS_CANCELLED);
        action.set_cancel_reason(r.reason());
        SIXSTEPS_RETURN_IF_ERROR(
            AppendProgress(tx, action, caller, r.reason(), "", /*capped=*/false));
        provenance.action = "cancelled";
        provenance.reason = r.reason();
        return absl::OkStatus();
      });
}

SIXSTEPS_RPC(ActionServiceImpl, ListProgressUpdates, av1::ListProgressUpdatesRequest,
             av1::ListProgressUpdatesResponse)
absl::StatusOr<av1::ListProgressUpdatesResponse> ActionServiceImpl::DoListProgressUpdates(
    const Caller& caller, const av1::ListProgressUpdatesRequest& r) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string id, ParseActionName(r.name(), "name"));
  SIXSTEPS_ASSIGN_OR_RETURN(int page_size,
                            NormalisePageSize(r.page_size(), kListProgressUpdatesPage));
  const std::string query = absl::StrCat("progress:", r.name());
  SIXSTEPS_ASSIGN_OR_RETURN(std::string after_key, DecodePageToken(r.page_token(), query));
  int after = 0;
  if (!after_key.empty() && (!absl::SimpleAtoi(after_key, &after) || after < 0)) {
    return absl::InvalidArgumentError("page_token is not a token this service issued");
  }
  // Whoever may read the action reads its notes; anyone else is told it does not exist.
  SIXSTEPS_ASSIGN_OR_RETURN(Visibility visible, VisibilityFor(*directory_, caller));
  absl::StatusOr<av1::Action> action = store_->GetAction(id);
  if (!action.ok() || !CanReadPartnership(caller, visible, LastSegment(action->region()),
                                          LastSegment(action->partnership()))) {
    if (action.ok() || action.status().code() == absl::StatusCode::kNotFound) {
      return NotFound(r.name());
    }
    return action.status();
  }
  SIXSTEPS_ASSIGN_OR_RETURN(std::vector<av1::ProgressUpdate> updates,
                            store_->ListProgressUpdates(id, after, page_size + 1));
  // Notes a record written before notes were rows still holds come after the rows, until
  // the next write of the action stores them as rows too.
  const int stored = action->progress_update_count();
  const int unadopted = UnadoptedProgressCount(*action);
  const int first_unadopted = action->progress_updates_size() - unadopted;
  for (int i = 0; i < unadopted && static_cast<int>(updates.size()) <= page_size; ++i) {
    av1::ProgressUpdate note = action->progress_updates(first_unadopted + i);
    note.set_number(stored + i + 1);
    if (note.number() > after) updates.push_back(std::move(note));
  }
  av1::ListProgressUpdatesResponse response;
  response.set_total_count(stored + unadopted);
  for (int i = 0; i < static_cast<int>(updates.size()) && i < page_size; ++i) {
    *response.add_progress_updates() = std::move(updates[i]);
  }
  if (static_cast<int>(updates.size()) > page_size) {
    response.set_next_page_token(
        EncodePageToken(absl::StrCat(response.progress_updates(page_size - 1).number()), query));
  }
  return response;
}

SIXSTEPS_RPC(ActionServiceImpl, CarryOverActions, av1::CarryOverActionsRequest,
             av1::CarryOverActionsResponse)
absl::StatusOr<av1::CarryOverActionsResponse> ActionServiceImpl::DoCarryOverActions(
    const Caller& caller, const av1::CarryOverActionsRequest& r) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string id, ParseAssessmentName(r.assessment(), "assessment"));
  SIXSTEPS_RETURN_IF_ERROR(ValidateRequestId(r.request_id()));
  av1::CarryOverActionsRequest without_id = r;
  without_id.clear_request_id();
  std::optional<IdempotencyKey> key =
      KeyFor(caller, "CarryOverActions", r.request_id(), without_id);
  if (key) {
    SIXSTEPS_ASSIGN_OR_RETURN(std::optional<std::string> repeated, store_->FindRepeat(*key));
    if (repeated) return RepeatedResponse<av1::CarryOverActionsResponse>(*repeated);
  }
  SIXSTEPS_ASSIGN_OR_RETURN(Visibility readable, VisibilityFor(*directory_, caller));
  auto visible = [&](const std::string& round_id,
                     absl::string_view name) -> absl::StatusOr<StoredAssessment> {
    absl::StatusOr<StoredAssessment> round = store_->GetAssessment(round_id);
    if (round.ok() && !CanReadRound(caller, readable, round->assessment)) {
      return NotFound(name);
    }
    return round;
  };
  SIXSTEPS_ASSIGN_OR_RETURN(StoredAssessment target, visible(id, r.assessment()));
  SIXSTEPS_RETURN_IF_ERROR(CheckCanPlan(caller, target.assessment));
  std::string from =
      r.from_assessment().empty() ? target.assessment.previous_assessment() : r.from_assessment();
  if (from.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat(r.assessment(),
                     " has no previous finalised round to carry actions from; name one in "
                     "from_assessment"));
  }
  SIXSTEPS_ASSIGN_OR_RETURN(std::string from_id, ParseAssessmentName(from, "from_assessment"));
  if (from_id == id) return absl::InvalidArgumentError("from_assessment: must be another round");
  SIXSTEPS_ASSIGN_OR_RETURN(StoredAssessment source, visible(from_id, from));
  if (source.assessment.partnership() != target.assessment.partnership()) {
    return absl::InvalidArgumentError("from_assessment: must be a round of the same partnership");
  }
  if (source.assessment.state() != v1::Assessment::STATE_FINALISED) {
    return absl::FailedPreconditionError(
        absl::StrCat(from, " is not finalised: actions are carried from a finalised round"));
  }
  const FrameworkIndex framework = IndexOf(*target.framework);
  av1::CarryOverActionsResponse response;
  std::optional<std::string> repeated;
  SIXSTEPS_RETURN_IF_ERROR(store_->InRound(
      id, RoundLock::kShared,
      [&](RoundTx& tx) -> absl::Status {
        response.Clear();
        SIXSTEPS_RETURN_IF_ERROR(CheckWritable(tx.round().assessment));
        SIXSTEPS_ASSIGN_OR_RETURN(std::vector<av1::Action> open, tx.OpenActionsOf(from_id));
        for (av1::Action& old : open) {
          std::optional<av1::Action> carried =
              CarriedForward(old, framework, tx.round().assessment);
          if (!carried) {
            response.add_not_carried(old.name());
            continue;
          }
          carried->set_name(absl::StrCat("actions/", RandomId("act")));
          carried->set_creator(caller.principal);
          *carried->mutable_create_time() = TimestampNow();
          SIXSTEPS_RETURN_IF_ERROR(tx.PutAction(*carried, {caller.principal, "carried_in", ""}));
          old.set_status(av1::Action::STATUS_CARRIED_OVER);
          old.set_carried_to(carried->name());
          SIXSTEPS_RETURN_IF_ERROR(AppendProgress(
              tx, old, caller,
              absl::StrCat("carried over to ", carried->name(), " in ", r.assessment()), "",
              /*capped=*/false));
          SIXSTEPS_RETURN_IF_ERROR(tx.PutAction(old, {caller.principal, "carried_over", ""}));
          *response.add_actions() = *carried;
        }
        tx.SetIdempotentResult(response.SerializeAsString());
        return absl::OkStatus();
      },
      key ? &*key : nullptr, &repeated));
  if (repeated) return RepeatedResponse<av1::CarryOverActionsResponse>(*repeated);
  return response;
}

}  // namespace sixsteps::assessment
