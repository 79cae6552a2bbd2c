#include "tools/sixsteps/programme_commands.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "sixsteps/assessment/v1/assessment_service.grpc.pb.h"
#include "sixsteps/assessment/v1/programme_service.grpc.pb.h"
#include "tools/sixsteps/assessment_format.h"
#include "tools/sixsteps/assessment_names.h"
#include "tools/sixsteps/cli_status.h"
#include "tools/sixsteps/enum_words.h"
#include "tools/sixsteps/identity_names.h"
#include "tools/sixsteps/rpc_client.h"

namespace sixsteps::cli {
namespace {

using Stub = asv1::ProgrammeService::StubInterface;
using Plan = asv1::PlannedRound;
// "p-1" or "plannedRounds/p-1".
absl::StatusOr<std::string> ExpandPlannedRoundName(absl::string_view argument) {
  absl::string_view id = argument;
  absl::ConsumePrefix(&id, "plannedRounds/");
  if (id.empty() || absl::StrContains(id, '/')) {
    return UsageError(absl::StrCat("'", argument, "' is not a planned round (p-ID)"));
  }
  return absl::StrCat("plannedRounds/", id);
}

// "a-1/r-1", "a-1/respondents/r-1" or "assessments/a-1/respondents/r-1".
absl::StatusOr<std::string> ExpandRespondent(absl::string_view argument) {
  std::vector<std::string> parts = absl::StrSplit(argument, '/');
  if (parts.size() == 4 && parts[0] == "assessments" && parts[2] == "respondents") {
    return std::string(argument);
  }
  if (parts.size() == 3 && parts[1] == "respondents") parts = {parts[0], parts[2]};
  if (parts.size() == 2 && !parts[0].empty() && !parts[1].empty()) {
    return absl::StrCat("assessments/", parts[0], "/respondents/", parts[1]);
  }
  return UsageError(absl::StrCat("'", argument, "' is not a respondent (A/R, say a-1/r-1)"));
}

std::string FormatPlan(const Plan& plan) {
  std::string text = absl::StrCat(
      plan.name(), "  ", plan.title(), "\n", "  state:        ", WordOf(plan.state()), "\n",
      "  partnership:  ", plan.partnership(), "\n",
      "  kind:         ", AssessmentKindWord(plan.kind()), "\n",
      "  framework:    ", plan.framework_version(), "\n",
      "  cadence:      ", WordOf(plan.cadence()), "\n", "  period:       ", plan.period_start(),
      " to ", plan.period_end(), "\n", "  opens:        ", plan.open_date(), "\n",
      "  deadline:     ", plan.response_deadline(), "\n",
      "  report due:   ", plan.report_due_date(), "\n",
      "  carry answers forward: ", plan.carry_forward() ? "yes" : "no", "\n");
  for (const asv1::Respondent& respondent : plan.standing_respondents()) {
    absl::StrAppend(&text, "  respondent:   ", RespondentLabel(respondent), "\n");
  }
  if (!plan.assessment().empty())
    absl::StrAppend(&text, "  opened as:    ", plan.assessment(), "\n");
  if (!plan.next_planned_round().empty()) {
    absl::StrAppend(&text, "  next:         ", plan.next_planned_round(), "\n");
  }
  if (!plan.cancel_reason().empty()) {
    absl::StrAppend(&text, "  cancelled:    ", plan.cancel_reason(), "\n");
  }
  return text;
}

std::string FormatPlanList(const std::vector<Plan>& plans) {
  if (plans.empty()) return "No planned rounds\n";
  std::string text = "OPENS       DEADLINE    STATE      CADENCE   NAME                TITLE\n";
  for (const Plan& plan : plans) {
    absl::StrAppend(&text, plan.open_date(), "  ", plan.response_deadline(), "  ",
                    absl::StrFormat("%-9s  %-8s  %-18s  ", WordOf(plan.state()),
                                    WordOf(plan.cadence()), LastSegment(plan.name())),
                    plan.title(), "\n");
  }
  return text;
}

// The programme service's client; `confirm` reads and writes answers on the assessment
// service, which shares its channel.
using Client = RpcClient<Stub>;

absl::StatusOr<Plan> GetPlan(Client& client, absl::string_view argument) {
  asv1::GetPlannedRoundRequest request;
  SIXSTEPS_ASSIGN_OR_RETURN(*request.mutable_name(), ExpandPlannedRoundName(argument));
  return client.Call(&Stub::GetPlannedRound, request);
}

absl::Status PlanRound(const CheckedArgs& args, Client& client, const CommandContext& context) {
  asv1::CreatePlannedRoundRequest request;
  Plan& plan = *request.mutable_planned_round();
  SIXSTEPS_ASSIGN_OR_RETURN(*plan.mutable_partnership(), ExpandPartnershipName(args.Positional(0)));
  plan.set_kind(*args.Enum<asv1::AssessmentKind>("kind"));
  plan.set_framework_version(args.Text("framework"));
  plan.set_cadence(*args.Enum<Plan::Cadence>("cadence"));
  plan.set_title(args.Text("title"));
  auto [start, end] = *args.Period("period");
  plan.set_period_start(start);
  plan.set_period_end(end);
  plan.set_open_date(args.Text("opens"));
  plan.set_response_deadline(args.Text("deadline"));
  plan.set_report_due_date(args.Text("report_due"));
  plan.set_carry_forward(args.Truth("carry_forward").value_or(false));
  for (const std::string& org : args.Values("org")) {
    SIXSTEPS_ASSIGN_OR_RETURN(*plan.add_standing_respondents()->mutable_organisation(),
                              ExpandOrganisationName(org, plan.partnership()));
  }
  for (const std::string& user : args.Values("scrutineer")) {
    SIXSTEPS_ASSIGN_OR_RETURN(*plan.add_standing_respondents()->mutable_scrutineer(),
                              ExpandUserName(user));
  }
  SIXSTEPS_ASSIGN_OR_RETURN(Plan created, client.Call(&Stub::CreatePlannedRound, request));
  return PrintMessage(created, absl::StrCat("Planned ", created.name(), "\n", FormatPlan(created)),
                      context);
}

absl::Status List(const CheckedArgs& args, Client& client, const CommandContext& context) {
  asv1::ListPlannedRoundsRequest request;
  SIXSTEPS_ASSIGN_OR_RETURN(*request.mutable_partnership(),
                            ExpandPartnershipName(args.Positional(0)));
  std::vector<Plan> plans;
  SIXSTEPS_RETURN_IF_ERROR(client.ForEachPage(
      &Stub::ListPlannedRounds, request, [&](const asv1::ListPlannedRoundsResponse& page) {
        plans.insert(plans.end(), page.planned_rounds().begin(), page.planned_rounds().end());
      }));
  return PrintMessage(Collect<asv1::ListPlannedRoundsResponse>(
                          plans, &asv1::ListPlannedRoundsResponse::mutable_planned_rounds),
                      FormatPlanList(plans), context);
}

absl::Status Show(const CheckedArgs& args, Client& client, const CommandContext& context) {
  SIXSTEPS_ASSIGN_OR_RETURN(Plan plan, GetPlan(client, args.Positional(0)));
  return PrintMessage(plan, FormatPlan(plan), context);
}

absl::Status Edit(const CheckedArgs& args, Client& client, const CommandContext& context) {
  // Update what was read, with the etag read: a change by someone else meanwhile is ABORTED.
  SIXSTEPS_ASSIGN_OR_RETURN(Plan current, GetPlan(client, args.Positional(0)));
  asv1::UpdatePlannedRoundRequest request;
  Plan& plan = *request.mutable_planned_round();
  plan = current;
  google::protobuf::FieldMask& mask = *request.mutable_update_mask();
  for (const auto& [flag, path] : {std::pair{"title", "title"},
                                   {"opens", "open_date"},
                                   {"deadline", "response_deadline"},
                                   {"report_due", "report_due_date"},
                                   {"framework", "framework_version"}}) {
    std::optional<std::string> value = args.Optional(flag);
    if (!value) continue;
    plan.GetReflection()->SetString(&plan, Plan::descriptor()->FindFieldByName(path), *value);
    mask.add_paths(path);
  }
  if (auto period = args.Period("period")) {
    plan.set_period_start(period->first);
    plan.set_period_end(period->second);
    mask.add_paths("period_start");
    mask.add_paths("period_end");
  }
  if (std::optional<Plan::Cadence> cadence = args.Enum<Plan::Cadence>("cadence")) {
    plan.set_cadence(*cadence);
    mask.add_paths("cadence");
  }
  if (std::optional<bool> carry = args.Truth("carry_forward")) {
    plan.set_carry_forward(*carry);
    mask.add_paths("carry_forward");
  }
  SIXSTEPS_ASSIGN_OR_RETURN(Plan updated, client.Call(&Stub::UpdatePlannedRound, request));
  return PrintMessage(updated, absl::StrCat("Updated ", updated.name(), "\n", FormatPlan(updated)),
                      context);
}

absl::Status Cancel(const CheckedArgs& args, Client& client, const CommandContext& context) {
  asv1::CancelPlannedRoundRequest request;
  SIXSTEPS_ASSIGN_OR_RETURN(*request.mutable_name(), ExpandPlannedRoundName(args.Positional(0)));
  request.set_reason(args.Text("reason"));
  return client.CallAndPrint(&Stub::CancelPlannedRound, request, context, SaidDone("Cancelled"));
}

absl::Status Extend(const CheckedArgs& args, Client& client, const CommandContext& context) {
  asv1::ExtendResponseDeadlineRequest request;
  SIXSTEPS_ASSIGN_OR_RETURN(*request.mutable_name(), ExpandRespondent(args.Positional(0)));
  request.set_deadline(args.Text("to"));
  request.set_reason(args.Text("reason"));
  SIXSTEPS_ASSIGN_OR_RETURN(asv1::Respondent respondent,
                            client.Call(&Stub::ExtendResponseDeadline, request));
  return PrintMessage(respondent,
                      absl::StrCat("The deadline of ", respondent.name(), " is now ",
                                   respondent.response_deadline(), "\n"),
                      context);
}

// Confirms a respondent's carried-forward answers: saves each again as it is, with its
// etag, in one batch (all or nothing), which is what confirms an answer.
absl::Status Confirm(const CheckedArgs& args, Client& client, const CommandContext& context) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string respondent, ExpandRespondent(args.Positional(0)));
  using AStub = asv1::AssessmentService::StubInterface;
  auto assessments = ClientOf<asv1::AssessmentService>(client.channel(), context.call);
  asv1::ListResponsesRequest list;
  list.set_parent(respondent);
  asv1::BatchUpsertResponsesRequest batch;
  batch.set_parent(respondent.substr(0, respondent.find("/respondents/")));
  SIXSTEPS_RETURN_IF_ERROR(assessments.ForEachPage(
      &AStub::ListResponses, list, [&](const asv1::ListResponsesResponse& page) {
        for (const asv1::Response& response : page.responses()) {
          if (response.carried_forward_unconfirmed()) {
            *batch.add_requests()->mutable_response() = response;
          }
        }
      }));
  if (batch.requests().empty()) {
    return PrintMessage(asv1::BatchUpsertResponsesResponse(),
                        absl::StrCat(respondent, " has no unconfirmed carried-forward answers\n"),
                        context);
  }
  SIXSTEPS_ASSIGN_OR_RETURN(asv1::BatchUpsertResponsesResponse confirmed,
                            assessments.Call(&AStub::BatchUpsertResponses, batch));
  return PrintMessage(confirmed,
                      absl::StrCat("Confirmed ", confirmed.responses_size(),
                                   " carried-forward answer(s) of ", respondent, "\n"),
                      context);
}

using ProgrammeCommand = Command<Client>;

const std::vector<ProgrammeCommand>& Commands() {
  const ArgDecl planned = arg::String("PLANNED").Required();
  const ArgDecl partnership = arg::String("PARTNERSHIP").Required();
  const ArgDecl respondent = arg::String("RESPONDENT").Required();
  static const auto* const kCommands = new std::vector<ProgrammeCommand>{
      {"plan",
       "sixsteps programme plan PARTNERSHIP --kind K --framework V --cadence annual|biennial|"
       "one_off --title T --period 2026-04-01:2027-03-31 --opens DATE --deadline DATE "
       "--report-due DATE [--carry-forward yes|no] [--org ORG]... [--scrutineer USER]...",
       {.positionals = {partnership},
        .flags = {arg::Enum<ParseAssessmentKind>("kind").Required(),
                  arg::String("framework").Required(),
                  arg::Enum<Plan::Cadence>("cadence").Required(), arg::String("title").Required(),
                  arg::Period("period").Required(), arg::Date("opens").Required(),
                  arg::Date("deadline").Required(), arg::Date("report_due").Required(),
                  arg::Truth("carry_forward"), arg::String("org").Repeated(),
                  arg::String("scrutineer").Repeated()}},
       PlanRound},
      {"list", "sixsteps programme list PARTNERSHIP", {.positionals = {partnership}}, List},
      {"show", "sixsteps programme show PLANNED", {.positionals = {planned}}, Show},
      {"edit",
       "sixsteps programme edit PLANNED [--title T] [--framework V] [--cadence C] [--period P] "
       "[--opens DATE] [--deadline DATE] [--report-due DATE] [--carry-forward yes|no]",
       {.positionals = {planned},
        .flags = {arg::String("title"), arg::String("framework"),
                  arg::Enum<Plan::Cadence>("cadence"), arg::Period("period"), arg::Date("opens"),
                  arg::Date("deadline"), arg::Date("report_due"), arg::Truth("carry_forward")},
        .groups = {{FlagGroup::Rule::kAtLeastOne,
                    {"title", "framework", "cadence", "period", "opens", "deadline", "report_due",
                     "carry_forward"},
                    "nothing to change: give --title, --framework, --cadence, --period, --opens, "
                    "--deadline, --report-due or --carry-forward"}}},
       Edit},
      {"cancel",
       "sixsteps programme cancel PLANNED --reason R",
       {.positionals = {planned}, .flags = {arg::String("reason").Required()}},
       Cancel},
      {"extend",
       "sixsteps programme extend A/R --to DATE --reason R",
       {.positionals = {respondent},
        .flags = {arg::Date("to").Required(), arg::String("reason").Required()}},
       Extend},
      {"confirm", "sixsteps programme confirm A/R", {.positionals = {respondent}}, Confirm},
  };
  return *kCommands;
}

}  // namespace

ServiceCommands ProgrammeServiceCommands() {
  return WordCommands(CommandWord<asv1::ProgrammeService, Client>{
      .word = "programme",
      .summary = "plan rounds that open by themselves; extend deadlines; confirm answers",
      .commands = Commands(),
      .endpoint = "assessment",
      .about =
          "A partnership's programme of rounds. A planned round opens by itself on its --opens\n"
          "date (in the hub's time zone): the round is created, the standing respondents (--org,\n"
          "--scrutineer) assigned, and with --carry-forward yes the answers of the last finalised\n"
          "round of the same kind copied as drafts marked 'carried forward, not yet confirmed'. "
          "An\n"
          "annual (biennial) round plans the next one a year (two years) later when it opens.\n"
          "PLANNED is p-ID or plannedRounds/p-ID; A/R is a round's respondent (a-1/r-1).",
      .notes =
          "After --deadline a respondent's answers are locked; extend moves one respondent's\n"
          "deadline later, with a reason that is kept (sixsteps assessment respondents shows it).\n"
          "A round cannot be submitted for review while a carried-forward answer is unconfirmed:\n"
          "confirm saves every such answer of a respondent again as it is (editing an answer\n"
          "confirms it too). The assessment service serves the ProgrammeService."});
}

}  // namespace sixsteps::cli
