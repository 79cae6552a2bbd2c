#include "tools/sixsteps/scrutiny_report_commands.h"

#include <google/protobuf/util/json_util.h>

#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "sixsteps/assessment/v1/scrutiny_report_service.grpc.pb.h"
#include "tools/sixsteps/assessment_names.h"
#include "tools/sixsteps/cli_status.h"
#include "tools/sixsteps/enum_words.h"
#include "tools/sixsteps/identity_names.h"
#include "tools/sixsteps/local_files.h"
#include "tools/sixsteps/rpc_client.h"

namespace sixsteps::cli {
namespace {

namespace asv1 = ::sixsteps::assessment::v1;
using Stub = asv1::ScrutinyReportService::StubInterface;
using Client = RpcClient<Stub>;
using ReportCommand = Command<Client>;

// A JSON file ("-" for standard input) read into `message` (proto3 JSON names).
absl::Status ReadJson(const std::string& path, const CommandContext& context,
                      google::protobuf::Message* message) {
  std::string contents;
  if (path == "-") {
    std::ostringstream in;
    in << context.in->rdbuf();
    contents = in.str();
  } else {
    SIXSTEPS_ASSIGN_OR_RETURN(contents, ReadTextFile(path));
  }
  google::protobuf::util::Status parsed =
      google::protobuf::util::JsonStringToMessage(contents, message);
  if (!parsed.ok()) {
    return LocalError(kExitDataError, absl::StrCat(path, ": ", parsed.message().as_string()));
  }
  return absl::OkStatus();
}

absl::StatusOr<asv1::ScrutinyReport> GetReport(Client& client, const std::string& parent,
                                               int version = 0) {
  asv1::GetScrutinyReportRequest request;
  request.set_parent(parent);
  request.set_version(version);
  return client.Call(&Stub::GetScrutinyReport, request);
}

absl::Status Print(const asv1::ScrutinyReport& report, absl::string_view what,
                   const CommandContext& context) {
  return PrintMessage(report, absl::StrCat(what, " ", report.name(), "\n"), context);
}

// write A [--summary S] [--file REPORT.json]: creates the report if the round has none,
// then writes the summary, findings and recommendations given (the others stay).
absl::Status Write(const CheckedArgs& args, Client& client, const CommandContext& context) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string parent, ExpandAssessmentName(args.Positional(0)));
  asv1::UpdateScrutinyReportRequest update;
  std::optional<std::string> file = args.Optional("file");
  if (file) SIXSTEPS_RETURN_IF_ERROR(ReadJson(*file, context, &update));
  absl::StatusOr<asv1::ScrutinyReport> current = GetReport(client, parent);
  if (!current.ok() && current.status().code() == absl::StatusCode::kNotFound) {
    asv1::CreateScrutinyReportRequest create;
    create.set_parent(parent);
    create.set_summary(args.Optional("summary").value_or(""));
    current = client.Call(&Stub::CreateScrutinyReport, create);
    if (current.ok() && !file) return Print(*current, "Created", context);
  }
  if (!current.ok()) return current.status();
  update.set_parent(parent);
  update.set_etag(current->etag());
  std::optional<std::string> summary = args.Optional("summary");
  update.set_summary(summary ? *summary
                             : (update.summary().empty() ? current->summary() : update.summary()));
  if (!file) {
    *update.mutable_findings() = current->findings();
    *update.mutable_recommendations() = current->recommendations();
  }
  SIXSTEPS_ASSIGN_OR_RETURN(asv1::ScrutinyReport written,
                            client.Call(&Stub::UpdateScrutinyReport, update));
  return Print(written, "Wrote", context);
}

// Calls `method` with `request` on the report of the round named first on the command line,
// as it is now: its parent and the etag just read (a change meanwhile is ABORTED).
template <typename Request>
absl::StatusOr<asv1::ScrutinyReport> CallOnCurrent(
    const CheckedArgs& args, Client& client,
    grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, asv1::ScrutinyReport*),
    Request request) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string parent, ExpandAssessmentName(args.Positional(0)));
  SIXSTEPS_ASSIGN_OR_RETURN(asv1::ScrutinyReport current, GetReport(client, parent));
  request.set_parent(parent);
  request.set_etag(current.etag());
  return client.Call(method, request);
}

absl::Status Findings(const CheckedArgs& args, Client& client, const CommandContext& context) {
  asv1::SetScrutineerFindingsRequest request;
  SIXSTEPS_RETURN_IF_ERROR(ReadJson(args.Text("file"), context, &request));
  SIXSTEPS_ASSIGN_OR_RETURN(asv1::ScrutinyReport written,
                            CallOnCurrent(args, client, &Stub::SetScrutineerFindings, request));
  return Print(written, "Wrote your findings in", context);
}

absl::Status Share(const CheckedArgs& args, Client& client, const CommandContext& context) {
  SIXSTEPS_ASSIGN_OR_RETURN(
      asv1::ScrutinyReport shared,
      CallOnCurrent(args, client, &Stub::ShareScrutinyReport, asv1::ShareScrutinyReportRequest()));
  return PrintMessage(shared,
                      absl::StrCat("Shared ", shared.name(), " with ",
                                   absl::StrJoin(shared.partners(), ", "), "\n"),
                      context);
}

// The organisation named on the command line: "p/o" or a full name as is, a bare id
// within the report's partnership.
absl::StatusOr<std::string> Organisation(Client& client, const std::string& parent,
                                         absl::string_view argument) {
  if (absl::StrContains(argument, '/')) return ExpandOrganisationName(argument);
  SIXSTEPS_ASSIGN_OR_RETURN(asv1::ScrutinyReport current, GetReport(client, parent));
  return ExpandOrganisationName(argument, current.partnership());
}

// The round and the organisation (--org) a partner's answer or its resolution is about.
template <typename Request>
absl::Status SetRoundAndOrganisation(const CheckedArgs& args, Client& client, Request& request) {
  SIXSTEPS_ASSIGN_OR_RETURN(*request.mutable_parent(), ExpandAssessmentName(args.Positional(0)));
  SIXSTEPS_ASSIGN_OR_RETURN(*request.mutable_organisation(),
                            Organisation(client, request.parent(), args.Text("org")));
  return absl::OkStatus();
}

absl::Status Answer(const CheckedArgs& args, Client& client, const CommandContext& context) {
  asv1::AnswerScrutinyReportRequest request;
  SIXSTEPS_RETURN_IF_ERROR(SetRoundAndOrganisation(args, client, request));
  request.set_verdict(*args.Enum<asv1::PartnerAnswer::Verdict>("verdict"));
  request.set_comment(args.Text("comment"));
  for (const std::string& id : args.List("findings")) request.add_finding_ids(id);
  SIXSTEPS_ASSIGN_OR_RETURN(asv1::ScrutinyReport written,
                            client.Call(&Stub::AnswerScrutinyReport, request));
  return Print(written, "Answered", context);
}

absl::Status Resolve(const CheckedArgs& args, Client& client, const CommandContext& context) {
  asv1::ResolveScrutinyDisputeRequest request;
  SIXSTEPS_RETURN_IF_ERROR(SetRoundAndOrganisation(args, client, request));
  request.set_outcome(*args.Enum<asv1::DisputeResolution::Outcome>("outcome"));
  request.set_note(args.Text("note"));
  SIXSTEPS_ASSIGN_OR_RETURN(asv1::ScrutinyReport written,
                            client.Call(&Stub::ResolveScrutinyDispute, request));
  return Print(written, "Resolved the dispute in", context);
}

absl::Status Publish(const CheckedArgs& args, Client& client, const CommandContext& context) {
  asv1::PublishScrutinyReportRequest request;
  request.set_unanswered_note(args.Text("unanswered_note"));
  SIXSTEPS_ASSIGN_OR_RETURN(asv1::ScrutinyReport published,
                            CallOnCurrent(args, client, &Stub::PublishScrutinyReport, request));
  return Print(published, "Published", context);
}

absl::Status Correct(const CheckedArgs& args, Client& client, const CommandContext& context) {
  asv1::CorrectScrutinyReportRequest request;
  SIXSTEPS_ASSIGN_OR_RETURN(*request.mutable_parent(), ExpandAssessmentName(args.Positional(0)));
  request.set_change_note(args.Text("note"));
  SIXSTEPS_ASSIGN_OR_RETURN(asv1::ScrutinyReport next,
                            client.Call(&Stub::CorrectScrutinyReport, request));
  return Print(next, "Started the correction", context);
}

absl::Status Versions(const CheckedArgs& args, Client& client, const CommandContext& context) {
  asv1::ListScrutinyReportVersionsRequest request;
  SIXSTEPS_ASSIGN_OR_RETURN(*request.mutable_parent(), ExpandAssessmentName(args.Positional(0)));
  asv1::ListScrutinyReportVersionsResponse all;
  SIXSTEPS_RETURN_IF_ERROR(
      client.ForEachPage(&Stub::ListScrutinyReportVersions, request,
                         [&](const asv1::ListScrutinyReportVersionsResponse& page) {
                           for (const auto& r : page.reports()) *all.add_reports() = r;
                         }));
  std::string text;
  for (const asv1::ScrutinyReport& r : all.reports()) {
    absl::StrAppend(&text, "version ", r.version(), "  ", WordOf(r.state()),
                    r.change_note().empty() ? "" : absl::StrCat("  (", r.change_note(), ")"), "\n");
  }
  if (all.reports().empty()) text = absl::StrCat(request.parent(), " has no report you can see\n");
  return PrintMessage(all, text, context);
}

absl::Status Show(const CheckedArgs& args, Client& client, const CommandContext& context) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string parent, ExpandAssessmentName(args.Positional(0)));
  SIXSTEPS_ASSIGN_OR_RETURN(
      asv1::ScrutinyReport report,
      GetReport(client, parent, static_cast<int>(args.Integer("version").value_or(0))));
  return PrintMessage(report, FormatScrutinyReport(report), context);
}

absl::Status Accept(const CheckedArgs& args, Client& client, const CommandContext& context) {
  asv1::AcceptRecommendationRequest request;
  const std::string rec(args.Positional(1));
  SIXSTEPS_ASSIGN_OR_RETURN(std::string parent, ExpandAssessmentName(args.Positional(0)));
  request.set_name(absl::StrCat(parent, "/scrutinyReport/recommendations/", rec));
  sixsteps::action::v1::Action* action = request.add_actions();
  action->set_step_id(args.Text("step"));
  for (const std::string& q : args.List("questions")) action->add_question_ids(q);
  action->set_description(args.Text("description"));
  action->set_intended_outcome(args.Text("outcome"));
  SIXSTEPS_ASSIGN_OR_RETURN(*action->mutable_owner_organisation(),
                            Organisation(client, parent, args.Text("owner")));
  action->set_due_date(args.Text("due"));
  SIXSTEPS_ASSIGN_OR_RETURN(asv1::AcceptRecommendationResponse accepted,
                            client.Call(&Stub::AcceptRecommendation, request));
  std::string text = absl::StrCat("Accepted ", request.name(), "\n");
  for (const auto& a : accepted.actions()) absl::StrAppend(&text, "  action ", a.name(), "\n");
  return PrintMessage(accepted, text, context);
}

const std::vector<ReportCommand>& Commands() {
  const ArgDecl round = arg::String("A").Required();
  const ArgDecl org = arg::String("org").Required();
  static const auto* const kCommands = new std::vector<ReportCommand>{
      {"write",
       "sixsteps scrutiny-report write A [--summary S] [--file REPORT.json]",
       {.positionals = {round}, .flags = {arg::String("summary"), arg::File("file")}},
       Write},
      {"findings",
       "sixsteps scrutiny-report findings A --file FINDINGS.json",
       {.positionals = {round}, .flags = {arg::File("file").Required()}},
       Findings},
      {"share", "sixsteps scrutiny-report share A", {.positionals = {round}}, Share},
      {"answer",
       "sixsteps scrutiny-report answer A --org ORG --verdict accept|accept_with_comment|dispute "
       "[--comment C] [--findings f-1,...]",
       {.positionals = {round},
        .flags = {org, arg::Enum<asv1::PartnerAnswer::Verdict>("verdict").Required(),
                  arg::String("comment"), arg::List("findings")}},
       Answer},
      {"resolve",
       "sixsteps scrutiny-report resolve A --org ORG --outcome upheld|not_upheld --note N",
       {.positionals = {round},
        .flags = {org, arg::Enum<asv1::DisputeResolution::Outcome>("outcome").Required(),
                  arg::String("note").Required()}},
       Resolve},
      {"publish",
       "sixsteps scrutiny-report publish A [--unanswered-note N]",
       {.positionals = {round}, .flags = {arg::String("unanswered_note")}},
       Publish},
      {"correct",
       "sixsteps scrutiny-report correct A --note N",
       {.positionals = {round}, .flags = {arg::String("note").Required()}},
       Correct},
      {"versions", "sixsteps scrutiny-report versions A", {.positionals = {round}}, Versions},
      {"show",
       "sixsteps scrutiny-report show A [--version N]",
       {.positionals = {round}, .flags = {arg::Integer("version", 1, "a version from 1 up")}},
       Show},
      {"accept",
       "sixsteps scrutiny-report accept A REC --step s2 --questions s2.q1,... --description D "
       "--outcome O --owner ORG --due 2026-03-31",
       {.positionals = {round, arg::String("REC").Required()},
        .flags = {arg::String("step").Required(),
                  arg::List("questions", "question").Required().NonEmpty(),
                  arg::String("description").Required(), arg::String("outcome").Required(),
                  arg::String("owner").Required(), arg::Date("due").Required()}},
       Accept},
  };
  return *kCommands;
}

}  // namespace

std::string FormatScrutinyReport(const asv1::ScrutinyReport& r) {
  std::string text = absl::StrCat(r.name(), "  version ", r.version(), ", ", WordOf(r.state()),
                                  "\nLead scrutineer: ", r.lead_scrutineer(), "\n");
  if (!r.change_note().empty()) absl::StrAppend(&text, "Corrected: ", r.change_note(), "\n");
  absl::StrAppend(&text, "\n", r.summary(), "\n\nFindings:\n");
  for (const asv1::Finding& f : r.findings()) {
    absl::StrAppend(&text, "  ", f.id(), "  [", WordOf(f.nature()), "] ", f.title(), "  (",
                    absl::StrJoin(f.step_ids(), ","),
                    f.step_ids().empty() || f.question_ids().empty() ? "" : ",",
                    absl::StrJoin(f.question_ids(), ","), ")\n    ", f.narrative(), "\n");
    if (!f.evidence_files().empty())
      absl::StrAppend(&text, "    files: ", absl::StrJoin(f.evidence_files(), ", "), "\n");
  }
  absl::StrAppend(&text, "Recommendations:\n");
  for (const asv1::Recommendation& rec : r.recommendations()) {
    absl::StrAppend(&text, "  ", rec.id(), "  ", rec.text(), "  (from ",
                    absl::StrJoin(rec.finding_ids(), ","), ")", rec.accepted() ? "  accepted" : "",
                    "\n");
    if (!rec.evidence_files().empty())
      absl::StrAppend(&text, "    files: ", absl::StrJoin(rec.evidence_files(), ", "), "\n");
    for (const asv1::RecommendationAction& a : rec.actions()) {
      absl::StrAppend(&text, "    ", a.action(), "  ", WordOf(a.status()), "  due ", a.due_date(),
                      "  ", a.description(), "\n");
    }
  }
  for (const asv1::ScrutineerContribution& c : r.contributions()) {
    absl::StrAppend(&text, "Findings of ", c.scrutineer(), ":\n");
    for (const asv1::Finding& f : c.findings())
      absl::StrAppend(&text, "  ", f.id(), "  ", f.title(), "\n");
  }
  if (!r.partners().empty()) absl::StrAppend(&text, "Partners' answers:\n");
  for (const std::string& partner : r.partners()) {
    const asv1::PartnerAnswer* answer = nullptr;
    for (const auto& a : r.answers()) {
      if (a.organisation() == partner) answer = &a;
    }
    if (answer == nullptr) {
      absl::StrAppend(&text, "  ", partner, ": not answered\n");
      continue;
    }
    absl::StrAppend(&text, "  ", partner, ": ", WordOf(answer->verdict()),
                    answer->comment().empty() ? "" : absl::StrCat(" - ", answer->comment()), "\n");
    if (answer->has_resolution()) {
      absl::StrAppend(&text, "    resolved: ", WordOf(answer->resolution().outcome()), " - ",
                      answer->resolution().note(), "\n");
    }
  }
  if (!r.unanswered_note().empty()) {
    absl::StrAppend(&text, "Published without every answer: ", r.unanswered_note(), "\n");
  }
  return text;
}

namespace {}  // namespace

ServiceCommands ScrutinyReportServiceCommands() {
  return WordCommands(CommandWord<asv1::ScrutinyReportService, Client>{
      .word = "scrutiny-report",
      .summary = "the scrutineer's report: write, findings, share, answer, resolve, publish, "
                 "correct, versions, show, accept",
      .commands = Commands(),
      .endpoint = "assessment",
      .about =
          "The scrutineer's report of a round: written by its scrutineers (the one who creates it\n"
          "is the lead), shared with the round's partners for a factual-accuracy check, their\n"
          "disputes resolved by the lead, then published; a correction is a new version. A is ID\n"
          "or assessments/ID; ORG is ID (of the round's partnership), PARTNERSHIP/ID or the full\n"
          "name; REC is a recommendation's id (rec-...).",
      .notes =
          "write creates the report if the round has none and writes its summary; --file gives\n"
          "its findings and recommendations as JSON ({\"findings\": [{\"title\": ..., "
          "\"narrative\":\n"
          "..., \"nature\": \"NATURE_CONCERN\", \"questionIds\": [\"s1.q2\"]}], "
          "\"recommendations\":\n"
          "[{\"text\": ..., \"findingIds\": [\"f-...\"]}]}); findings keep their id when sent "
          "back.\n"
          "A finding or recommendation names uploaded OFFICIAL files of the partnership in\n"
          "\"evidenceFiles\": [\"evidenceFiles/ef-...\"] (at most 20 each).\n"
          "findings writes your own findings (each scrutineer keeps theirs). accept turns a\n"
          "published recommendation into an action of the round's plan."});
}

}  // namespace sixsteps::cli
