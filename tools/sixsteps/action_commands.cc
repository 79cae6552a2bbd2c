#include "tools/sixsteps/action_commands.h"

#include <map>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "sixsteps/action/v1/action_service.grpc.pb.h"
#include "sixsteps/assessment/v1/assessment_service.grpc.pb.h"
#include "sixsteps/identity/v1/identity_service.grpc.pb.h"
#include "tools/sixsteps/assessment_format.h"
#include "tools/sixsteps/assessment_names.h"
#include "tools/sixsteps/cli_status.h"
#include "tools/sixsteps/identity_names.h"
#include "tools/sixsteps/rpc_client.h"

namespace sixsteps::cli {
namespace {

namespace iv1 = ::sixsteps::identity::v1;
using Stub = acv1::ActionService::StubInterface;
using Client = RpcClient<Stub>;

// An owner organisation: "p/o" or the full name as is; a bare id within the partnership of
// `assessment` (read from the assessment service on the same channel) or `partnership`.
absl::StatusOr<std::string> OwnerName(absl::string_view argument, const std::string& assessment,
                                      const std::string& partnership,
                                      std::shared_ptr<grpc::ChannelInterface> channel,
                                      const CallSettings& call) {
  if (absl::StrContains(argument, '/')) return ExpandOrganisationName(argument);
  if (!partnership.empty()) return ExpandOrganisationName(argument, partnership);
  if (assessment.empty()) {
    return UsageError(
        absl::StrCat("give the organisation as PARTNERSHIP/", argument, " (or --partnership P)"));
  }
  auto assessments = ClientOf<asv1::AssessmentService>(std::move(channel), call);
  asv1::GetAssessmentRequest request;
  request.set_name(assessment);
  SIXSTEPS_ASSIGN_OR_RETURN(
      asv1::Assessment a,
      assessments.Call(&asv1::AssessmentService::StubInterface::GetAssessment, request));
  return ExpandOrganisationName(argument, a.partnership());
}

absl::Status Add(const CheckedArgs& args, Client& client, const CommandContext& context) {
  acv1::CreateActionRequest request;
  acv1::Action& action = *request.mutable_action();
  SIXSTEPS_ASSIGN_OR_RETURN(*action.mutable_assessment(), ExpandAssessmentName(args.Positional(0)));
  *action.mutable_step_id() = args.Text("step");
  for (const std::string& q : args.List("questions")) action.add_question_ids(q);
  *action.mutable_description() = args.Text("description");
  *action.mutable_intended_outcome() = args.Text("outcome");
  std::string owner = args.Text("owner");
  std::optional<std::string> owner_name = args.Optional("owner_name");
  action.set_owner_name(owner_name.value_or(""));
  action.set_due_date(args.Text("due"));
  action.set_kind(args.Has("sustain") ? acv1::Action::KIND_SUSTAIN
                                      : acv1::Action::KIND_IMPROVEMENT);
  std::optional<std::string> request_id = args.Optional("request_id");
  request.set_request_id(request_id.value_or(""));
  SIXSTEPS_ASSIGN_OR_RETURN(
      *action.mutable_owner_organisation(),
      OwnerName(owner, action.assessment(), "", client.channel(), context.call));
  SIXSTEPS_ASSIGN_OR_RETURN(acv1::Action created, client.Call(&Stub::CreateAction, request));
  return PrintMessage(created, absl::StrCat("Added ", created.name(), "\n", FormatAction(created)),
                      context);
}

// Display names of organisations, best effort (an organisation the caller cannot read keeps
// its resource name).
std::map<std::string, std::string> OrganisationLabels(const std::vector<acv1::Action>& actions,
                                                      const CommandContext& context) {
  std::map<std::string, std::string> labels;
  if (!context.channel_for) return labels;
  auto identity = ClientOf<iv1::IdentityService>(context.channel_for("identity"), context.call);
  for (const acv1::Action& action : actions) {
    if (labels.contains(action.owner_organisation())) continue;
    iv1::GetOrganisationRequest request;
    request.set_name(action.owner_organisation());
    absl::StatusOr<iv1::Organisation> found =
        identity.Call(&iv1::IdentityService::StubInterface::GetOrganisation, request);
    labels[action.owner_organisation()] = found.ok() && !found->display_name().empty()
                                              ? found->display_name()
                                              : LastSegment(action.owner_organisation());
  }
  return labels;
}

absl::Status List(const CheckedArgs& args, Client& client, const CommandContext& context) {
  acv1::ListActionsRequest request;
  std::optional<std::string> partnership = args.Optional("partnership");
  if (partnership) {
    SIXSTEPS_ASSIGN_OR_RETURN(*request.mutable_partnership(), ExpandPartnershipName(*partnership));
  }
  std::optional<std::string> assessment = args.Optional("assessment");
  if (assessment) {
    SIXSTEPS_ASSIGN_OR_RETURN(*request.mutable_assessment(), ExpandAssessmentName(*assessment));
  }
  std::optional<std::string> step = args.Optional("step");
  request.set_step_id(step.value_or(""));
  std::optional<std::string> question = args.Optional("question");
  request.set_question_id(question.value_or(""));
  for (acv1::Action::Status status : args.Enums<acv1::Action::Status>("status")) {
    request.add_statuses(status);
  }
  *request.mutable_as_of_date() = args.Text("as_of");
  *request.mutable_due_before() = args.Text("due_before");
  request.set_overdue_only(args.Has("overdue"));
  std::optional<std::string> owner = args.Optional("owner");
  if (owner) {
    SIXSTEPS_ASSIGN_OR_RETURN(*request.mutable_owner_organisation(),
                              OwnerName(*owner, request.assessment(), request.partnership(),
                                        client.channel(), context.call));
  }
  acv1::ListActionsResponse all;
  SIXSTEPS_RETURN_IF_ERROR(
      client.ForEachPage(&Stub::ListActions, request, [&](const acv1::ListActionsResponse& page) {
        for (const auto& a : page.actions()) *all.add_actions() = a;
        all.set_as_of_date(page.as_of_date());
      }));
  std::vector<acv1::Action> actions(all.actions().begin(), all.actions().end());
  if (context.output == OutputFormat::kJson) return PrintMessage(all, "", context);
  if (request.overdue_only()) {
    std::string as_of = all.as_of_date().empty() ? request.as_of_date() : all.as_of_date();
    *context.out << FormatOverdueByOwner(actions, as_of, OrganisationLabels(actions, context));
  } else {
    *context.out << FormatActionList(actions);
  }
  return absl::OkStatus();
}

absl::Status Show(const CheckedArgs& args, Client& client, const CommandContext& context) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string name, ExpandActionName(args.Positional(0)));
  SIXSTEPS_ASSIGN_OR_RETURN(acv1::Action action, client.Get(&Stub::GetAction, name));
  return PrintMessage(action, FormatAction(action), context);
}

// Every note of an action, page by page (an action has at most a few hundred).
absl::Status Notes(const CheckedArgs& args, Client& client, const CommandContext& context) {
  acv1::ListProgressUpdatesRequest request;
  SIXSTEPS_ASSIGN_OR_RETURN(*request.mutable_name(), ExpandActionName(args.Positional(0)));
  request.set_page_size(200);
  acv1::ListProgressUpdatesResponse all;
  SIXSTEPS_RETURN_IF_ERROR(client.ForEachPage(&Stub::ListProgressUpdates, request,
                                              [&](const acv1::ListProgressUpdatesResponse& page) {
                                                for (const auto& u : page.progress_updates())
                                                  *all.add_progress_updates() = u;
                                                all.set_total_count(page.total_count());
                                              }));
  if (all.progress_updates().empty()) {
    return PrintMessage(all, absl::StrCat(request.name(), " has no progress notes\n"), context);
  }
  return PrintMessage(
      all,
      absl::StrCat(
          request.name(), ": ", all.progress_updates_size(), " progress notes\n",
          FormatProgressUpdates({all.progress_updates().begin(), all.progress_updates().end()})),
      context);
}

absl::Status Update(const CheckedArgs& args, Client& client, const CommandContext& context) {
  acv1::AddProgressUpdateRequest request;
  SIXSTEPS_ASSIGN_OR_RETURN(*request.mutable_name(), ExpandActionName(args.Positional(0)));
  *request.mutable_note() = args.Text("note");
  std::optional<std::string> evidence = args.Optional("evidence");
  request.set_evidence(evidence.value_or(""));
  request.set_start(args.Has("start"));
  SIXSTEPS_ASSIGN_OR_RETURN(acv1::Action action, client.Call(&Stub::AddProgressUpdate, request));
  return PrintMessage(action,
                      absl::StrCat("Noted progress on ", action.name(), " (status ",
                                   WordOf(action.status()), ")\n"),
                      context);
}

absl::Status Edit(const CheckedArgs& args, Client& client, const CommandContext& context) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string name, ExpandActionName(args.Positional(0)));
  std::optional<std::string> description = args.Optional("description");
  std::optional<std::string> outcome = args.Optional("outcome");
  const std::string due = args.Text("due");
  std::optional<std::string> owner = args.Optional("owner");
  std::optional<std::string> owner_name = args.Optional("owner_name");
  std::optional<std::string> questions = args.Optional("questions");
  // Update what was read, with the etag read: a change by someone else meanwhile is ABORTED.
  SIXSTEPS_ASSIGN_OR_RETURN(acv1::Action current, client.Get(&Stub::GetAction, name));
  acv1::UpdateActionRequest request;
  *request.mutable_action() = current;
  acv1::Action& action = *request.mutable_action();
  google::protobuf::FieldMask& mask = *request.mutable_update_mask();
  if (description) {
    action.set_description(*description);
    mask.add_paths("description");
  }
  if (outcome) {
    action.set_intended_outcome(*outcome);
    mask.add_paths("intended_outcome");
  }
  if (!due.empty()) {
    action.set_due_date(due);
    mask.add_paths("due_date");
  }
  if (owner_name) {
    action.set_owner_name(*owner_name);
    mask.add_paths("owner_name");
  }
  if (questions) {
    action.clear_question_ids();
    for (const std::string& q : SplitList(*questions)) action.add_question_ids(q);
    mask.add_paths("question_ids");
  }
  if (owner) {
    SIXSTEPS_ASSIGN_OR_RETURN(
        *action.mutable_owner_organisation(),
        OwnerName(*owner, "", current.partnership(), client.channel(), context.call));
    mask.add_paths("owner_organisation");
  }
  SIXSTEPS_ASSIGN_OR_RETURN(acv1::Action updated, client.Call(&Stub::UpdateAction, request));
  return PrintMessage(
      updated, absl::StrCat("Updated ", updated.name(), "\n", FormatAction(updated)), context);
}

absl::Status Done(const CheckedArgs& args, Client& client, const CommandContext& context) {
  acv1::CompleteActionRequest request;
  SIXSTEPS_ASSIGN_OR_RETURN(*request.mutable_name(), ExpandActionName(args.Positional(0)));
  *request.mutable_completion_note() = args.Text("note");
  std::optional<std::string> evidence = args.Optional("evidence");
  request.set_evidence(evidence.value_or(""));
  // Based on the action as it is now (the service needs its etag).
  SIXSTEPS_ASSIGN_OR_RETURN(acv1::Action current, client.Get(&Stub::GetAction, request.name()));
  request.set_etag(current.etag());
  return client.CallAndPrint(&Stub::CompleteAction, request, context, SaidDone("Done:"));
}

absl::Status Cancel(const CheckedArgs& args, Client& client, const CommandContext& context) {
  acv1::CancelActionRequest request;
  SIXSTEPS_ASSIGN_OR_RETURN(*request.mutable_name(), ExpandActionName(args.Positional(0)));
  *request.mutable_reason() = args.Text("reason");
  SIXSTEPS_ASSIGN_OR_RETURN(acv1::Action current, client.Get(&Stub::GetAction, request.name()));
  request.set_etag(current.etag());
  return client.CallAndPrint(&Stub::CancelAction, request, context, SaidDone("Cancelled"));
}

absl::Status CarryOver(const CheckedArgs& args, Client& client, const CommandContext& context) {
  acv1::CarryOverActionsRequest request;
  SIXSTEPS_ASSIGN_OR_RETURN(*request.mutable_assessment(),
                            ExpandAssessmentName(args.Positional(0)));
  std::optional<std::string> from = args.Optional("from");
  if (from) {
    SIXSTEPS_ASSIGN_OR_RETURN(*request.mutable_from_assessment(), ExpandAssessmentName(*from));
  }
  std::optional<std::string> request_id = args.Optional("request_id");
  request.set_request_id(request_id.value_or(""));
  SIXSTEPS_ASSIGN_OR_RETURN(acv1::CarryOverActionsResponse response,
                            client.Call(&Stub::CarryOverActions, request));
  std::string text = absl::StrCat("Carried ", response.actions_size(), " open action(s) into ",
                                  request.assessment(), "\n");
  if (response.actions_size() > 0) {
    absl::StrAppend(&text, FormatActionList(std::vector<acv1::Action>(response.actions().begin(),
                                                                      response.actions().end())));
  }
  if (response.not_carried_size() > 0) {
    absl::StrAppend(&text,
                    "Not carried (none of their questions is in the new round's framework):\n");
    for (const std::string& name : response.not_carried()) absl::StrAppend(&text, "  ", name, "\n");
  }
  return PrintMessage(response, text, context);
}

using ActionCommand = Command<Client>;

const std::vector<ActionCommand>& Commands() {
  const ArgDecl round = arg::String("A").Required();
  const ArgDecl action = arg::String("ACTION").Required();
  const ArgDecl request_id = arg::String("request_id");
  static const auto* const kCommands = new std::vector<ActionCommand>{
      {"add",
       "sixsteps action add A --step s2 --questions s2.q1,s2.q2 --description D --outcome O "
       "--owner ORG [--owner-name N] --due 2026-03-31 [--sustain] [--request-id ID]",
       {.positionals = {round},
        .flags = {arg::String("step").Required(),
                  arg::List("questions", "question").Required().NonEmpty(),
                  arg::String("description").Required(), arg::String("outcome").Required(),
                  arg::String("owner").Required(), arg::String("owner_name"),
                  arg::Date("due").Required(), arg::Switch("sustain"), request_id}},
       Add},
      {"list",
       "sixsteps action list [--partnership P] [--assessment A] [--step S] [--question Q] "
       "[--owner ORG] [--status planned,in_progress,...] [--overdue] [--as-of DATE] "
       "[--due-before DATE]",
       {.flags = {arg::String("partnership"), arg::String("assessment"), arg::String("step"),
                  arg::String("question"), arg::String("owner"),
                  arg::Enum<acv1::Action::Status>("status").AsList(), arg::Switch("overdue"),
                  arg::Date("as_of"), arg::Date("due_before")}},
       List},
      {"show", "sixsteps action show ACTION", {.positionals = {action}}, Show},
      {"notes", "sixsteps action notes ACTION", {.positionals = {action}}, Notes},
      {"update",
       "sixsteps action update ACTION --note N [--evidence E] [--start]",
       {.positionals = {action},
        .flags = {arg::String("note").Required(), arg::String("evidence"), arg::Switch("start")}},
       Update},
      {"edit",
       "sixsteps action edit ACTION [--description D] [--outcome O] [--due DATE] [--owner ORG] "
       "[--owner-name N] [--questions s2.q1,...]",
       {.positionals = {action},
        .flags = {arg::String("description"), arg::String("outcome"), arg::Date("due"),
                  arg::String("owner"), arg::String("owner_name"), arg::List("questions")},
        .groups = {{FlagGroup::Rule::kAtLeastOne,
                    {"description", "outcome", "due", "owner", "owner_name", "questions"},
                    "nothing to change: give --description, --outcome, --due, --owner, "
                    "--owner-name or --questions"}}},
       Edit},
      {"done",
       "sixsteps action done ACTION --note N [--evidence E]",
       {.positionals = {action},
        .flags = {arg::String("note").Required(), arg::String("evidence")}},
       Done},
      {"cancel",
       "sixsteps action cancel ACTION --reason R",
       {.positionals = {action}, .flags = {arg::String("reason").Required()}},
       Cancel},
      {"carry-over",
       "sixsteps action carry-over A [--from A0] [--request-id ID]",
       {.positionals = {round}, .flags = {arg::String("from"), request_id}},
       CarryOver},
  };
  return *kCommands;
}

}  // namespace

ServiceCommands ActionServiceCommands() {
  return WordCommands(CommandWord<acv1::ActionService, Client>{
      .word = "action",
      .summary =
          "action plans: add, list (--overdue by owner), update, edit, done, cancel, carry-over",
      .commands = Commands(),
      .endpoint = "assessment",
      .about =
          "Action plans: every step's Actions row, with owners, due dates and progress. A is ID "
          "or\n"
          "assessments/ID; ACTION is ID or actions/ID; ORG is ID (of the round's partnership),\n"
          "PARTNERSHIP/ID or the full name.",
      .notes =
          "--sustain plans keeping a Green (the questions must be consolidated Green); otherwise\n"
          "the action is an improvement. update adds a progress note (--start moves a planned\n"
          "action to in progress; an action takes up to 200 notes of up to 4,000 characters);\n"
          "show prints the latest notes and notes lists them all; edit reads the action and\n"
          "changes the fields given, with its etag. list --overdue prints what is late as of\n"
          "--as-of (default today in the hub's time zone), grouped by owner organisation, with "
          "the\n"
          "days overdue. carry-over copies the open actions of the previous finalised round into "
          "a\n"
          "new one. The assessment service serves the ActionService."});
}

}  // namespace sixsteps::cli
