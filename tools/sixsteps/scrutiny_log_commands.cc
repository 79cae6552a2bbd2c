// `sixsteps concerns ...` and `sixsteps annual-draft ...`: a partnership's concerns about the
// scrutiny (c4) and its annual report's drafts for the scrutineer's comments (c16), on the
// ScrutinyReportService (scrutiny_report_commands.h).

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "sixsteps/assessment/v1/scrutiny_report_service.grpc.pb.h"
#include "tools/sixsteps/assessment_names.h"
#include "tools/sixsteps/cli_status.h"
#include "tools/sixsteps/identity_names.h"
#include "tools/sixsteps/local_files.h"
#include "tools/sixsteps/rpc_client.h"
#include "tools/sixsteps/scrutiny_report_commands.h"

namespace sixsteps::cli {
namespace {

namespace asv1 = ::sixsteps::assessment::v1;
using Stub = asv1::ScrutinyReportService::StubInterface;
using Client = RpcClient<Stub>;
using LogCommand = Command<Client>;

// "P/ID" or the full name of a partnership's record in `collection`.
std::string ChildName(absl::string_view argument, absl::string_view collection) {
  if (absl::StartsWith(argument, "partnerships/")) return std::string(argument);
  size_t slash = argument.find('/');
  if (slash == absl::string_view::npos) return std::string(argument);
  return absl::StrCat("partnerships/", argument.substr(0, slash), "/", collection, "/",
                      argument.substr(slash + 1));
}

absl::Status Raise(const CheckedArgs& args, Client& client, const CommandContext& context) {
  asv1::RaiseScrutinyConcernRequest request;
  SIXSTEPS_ASSIGN_OR_RETURN(*request.mutable_partnership(),
                            ExpandPartnershipName(args.Positional(0)));
  request.set_text(args.Text("text"));
  if (std::optional<std::string> round = args.Optional("assessment")) {
    SIXSTEPS_ASSIGN_OR_RETURN(*request.mutable_assessment(), ExpandAssessmentName(*round));
  }
  SIXSTEPS_ASSIGN_OR_RETURN(asv1::ScrutinyConcern concern,
                            client.Call(&Stub::RaiseScrutinyConcern, request));
  return PrintMessage(concern, absl::StrCat("Raised ", concern.name(), "\n"), context);
}

absl::Status Outcome(const CheckedArgs& args, Client& client, const CommandContext& context) {
  asv1::RecordScrutinyConcernOutcomeRequest request;
  request.set_name(ChildName(args.Positional(0), "scrutinyConcerns"));
  request.set_outcome(args.Text("text"));
  SIXSTEPS_ASSIGN_OR_RETURN(asv1::ScrutinyConcern concern,
                            client.Call(&Stub::RecordScrutinyConcernOutcome, request));
  return PrintMessage(concern, absl::StrCat("Recorded the outcome of ", concern.name(), "\n"),
                      context);
}

absl::Status ListConcerns(const CheckedArgs& args, Client& client, const CommandContext& context) {
  asv1::ListScrutinyConcernsRequest request;
  SIXSTEPS_ASSIGN_OR_RETURN(*request.mutable_partnership(),
                            ExpandPartnershipName(args.Positional(0)));
  asv1::ListScrutinyConcernsResponse all;
  SIXSTEPS_RETURN_IF_ERROR(client.ForEachPage(&Stub::ListScrutinyConcerns, request,
                                              [&](const asv1::ListScrutinyConcernsResponse& page) {
                                                for (const auto& c : page.concerns())
                                                  *all.add_concerns() = c;
                                              }));
  std::string text;
  for (const asv1::ScrutinyConcern& c : all.concerns()) {
    absl::StrAppend(&text, c.name(), "  raised by ", c.raised_by(), "\n  ", c.text(), "\n  ",
                    c.outcome().empty()
                        ? "no outcome yet"
                        : absl::StrCat("outcome (", c.outcome_by(), "): ", c.outcome()),
                    "\n");
  }
  if (all.concerns().empty()) text = "No concerns you can see\n";
  return PrintMessage(all, text, context);
}

std::string FormatDraft(const asv1::AnnualReportDraft& d) {
  std::string text = absl::StrCat(d.name(), "  ", d.year(), "  ", d.title(), "\n");
  if (!d.link().empty()) absl::StrAppend(&text, "  ", d.link(), "\n");
  for (const asv1::DraftComment& c : d.comments()) {
    absl::StrAppend(&text, "  comment by ", c.author(), ": ", c.text(), "\n");
  }
  return text;
}

absl::Status Attach(const CheckedArgs& args, Client& client, const CommandContext& context) {
  asv1::AttachAnnualReportDraftRequest request;
  SIXSTEPS_ASSIGN_OR_RETURN(*request.mutable_partnership(),
                            ExpandPartnershipName(args.Positional(0)));
  asv1::AnnualReportDraft* draft = request.mutable_draft();
  draft->set_title(args.Text("title"));
  draft->set_year(args.Text("year"));
  draft->set_link(args.Optional("link").value_or(""));
  if (std::optional<std::string> file = args.Optional("file")) {
    SIXSTEPS_ASSIGN_OR_RETURN(*draft->mutable_text(), ReadTextFile(*file));
  }
  SIXSTEPS_ASSIGN_OR_RETURN(asv1::AnnualReportDraft attached,
                            client.Call(&Stub::AttachAnnualReportDraft, request));
  return PrintMessage(attached, absl::StrCat("Attached ", attached.name(), "\n"), context);
}

absl::Status Comment(const CheckedArgs& args, Client& client, const CommandContext& context) {
  asv1::CommentOnAnnualReportDraftRequest request;
  request.set_name(ChildName(args.Positional(0), "annualReportDrafts"));
  request.set_text(args.Text("text"));
  SIXSTEPS_ASSIGN_OR_RETURN(asv1::AnnualReportDraft draft,
                            client.Call(&Stub::CommentOnAnnualReportDraft, request));
  return PrintMessage(draft, absl::StrCat("Commented on ", draft.name(), "\n"), context);
}

absl::Status ShowDraft(const CheckedArgs& args, Client& client, const CommandContext& context) {
  asv1::GetAnnualReportDraftRequest request;
  request.set_name(ChildName(args.Positional(0), "annualReportDrafts"));
  SIXSTEPS_ASSIGN_OR_RETURN(asv1::AnnualReportDraft draft,
                            client.Call(&Stub::GetAnnualReportDraft, request));
  return PrintMessage(draft, FormatDraft(draft), context);
}

absl::Status ListDrafts(const CheckedArgs& args, Client& client, const CommandContext& context) {
  asv1::ListAnnualReportDraftsRequest request;
  SIXSTEPS_ASSIGN_OR_RETURN(*request.mutable_partnership(),
                            ExpandPartnershipName(args.Positional(0)));
  asv1::ListAnnualReportDraftsResponse all;
  SIXSTEPS_RETURN_IF_ERROR(
      client.ForEachPage(&Stub::ListAnnualReportDrafts, request,
                         [&](const asv1::ListAnnualReportDraftsResponse& page) {
                           for (const auto& d : page.drafts()) *all.add_drafts() = d;
                         }));
  std::string text;
  for (const asv1::AnnualReportDraft& d : all.drafts()) absl::StrAppend(&text, FormatDraft(d));
  if (all.drafts().empty()) text = "No drafts\n";
  return PrintMessage(all, text, context);
}

const std::vector<LogCommand>& ConcernCommands() {
  static const auto* const kCommands = new std::vector<LogCommand>{
      {"raise",
       "sixsteps concerns raise PARTNERSHIP --text T [--assessment A]",
       {.positionals = {arg::String("PARTNERSHIP").Required()},
        .flags = {arg::String("text").Required(), arg::String("assessment")}},
       Raise},
      {"list",
       "sixsteps concerns list PARTNERSHIP",
       {.positionals = {arg::String("PARTNERSHIP").Required()}},
       ListConcerns},
      {"outcome",
       "sixsteps concerns outcome PARTNERSHIP/CONCERN --text T",
       {.positionals = {arg::String("CONCERN").Required()},
        .flags = {arg::String("text").Required()}},
       Outcome},
  };
  return *kCommands;
}

const std::vector<LogCommand>& DraftCommands() {
  static const auto* const kCommands = new std::vector<LogCommand>{
      {"attach",
       "sixsteps annual-draft attach PARTNERSHIP --title T --year 2025-26 [--file DRAFT.txt] "
       "[--link URL]",
       {.positionals = {arg::String("PARTNERSHIP").Required()},
        .flags = {arg::String("title").Required(), arg::String("year").Required(),
                  arg::File("file"), arg::String("link")},
        .groups = {{FlagGroup::Rule::kAtLeastOne, {"file", "link"}, "give --file or --link"}}},
       Attach},
      {"comment",
       "sixsteps annual-draft comment PARTNERSHIP/DRAFT --text T",
       {.positionals = {arg::String("DRAFT").Required()},
        .flags = {arg::String("text").Required()}},
       Comment},
      {"show",
       "sixsteps annual-draft show PARTNERSHIP/DRAFT",
       {.positionals = {arg::String("DRAFT").Required()}},
       ShowDraft},
      {"list",
       "sixsteps annual-draft list PARTNERSHIP",
       {.positionals = {arg::String("PARTNERSHIP").Required()}},
       ListDrafts},
  };
  return *kCommands;
}

// The two words' dispatch, differing only in their table and help.
template <const std::vector<LogCommand>& (*Table)(), std::string (*Help)()>
absl::Status RunLog(const ParsedArgs& args, std::shared_ptr<grpc::ChannelInterface> channel,
                    const CommandContext& context) {
  if (args.positionals().empty()) return UsageError("missing command (see help)");
  absl::string_view word = args.Positional(0);
  if (word == "help" || args.Has("help")) {
    *context.out << Help();
    return absl::OkStatus();
  }
  if (const LogCommand* command = FindCommand(Table(), word)) {
    std::unique_ptr<Stub> stub = asv1::ScrutinyReportService::NewStub(channel);
    Client client(*stub, context.call);
    return RunCommand(*command, args.WithoutLeadingPositionals(1), client, context);
  }
  return UsageError(absl::StrCat("unknown command '", word, "' (see help)"));
}

std::string HelpOf(absl::string_view usage, absl::string_view about,
                   const std::vector<LogCommand>& commands) {
  std::string help = absl::StrCat("usage: ", usage, "\n\n", about, "\n\nCommands:\n");
  for (const LogCommand& command : commands) absl::StrAppend(&help, "  ", command.usage, "\n");
  absl::StrAppend(&help,
                  "\nEvery command goes to the assessment service (--assessment_address).\n"
                  "Global options: ",
                  kGlobalOptionsUsage, "\n");
  return help;
}

}  // namespace

std::string ConcernsHelp() {
  return HelpOf("sixsteps concerns COMMAND [ARGS...]",
                "Partners' concerns about the scrutiny itself, with who raised them, when, and\n"
                "their outcome. The partnership's administrators and the region's hub\n"
                "administrators see and settle them all; a partner sees its own.",
                ConcernCommands());
}

std::string AnnualDraftHelp() {
  return HelpOf("sixsteps annual-draft COMMAND [ARGS...]",
                "Drafts of the partnership's annual report (text from --file, or a --link), for\n"
                "the scrutineer's comments, kept per draft.",
                DraftCommands());
}

ServiceCommands ConcernsServiceCommands() {
  return ServiceCommands{
      .service = "concerns",
      .summary = "concerns about the scrutiny: raise, list, outcome",
      .help = ConcernsHelp,
      .run = RunLog<ConcernCommands, ConcernsHelp>,
      .endpoint = "assessment",
  };
}

ServiceCommands AnnualDraftServiceCommands() {
  return ServiceCommands{
      .service = "annual-draft",
      .summary = "annual report drafts for the scrutineer's comments: attach, comment, show, list",
      .help = AnnualDraftHelp,
      .run = RunLog<DraftCommands, AnnualDraftHelp>,
      .endpoint = "assessment",
  };
}

}  // namespace sixsteps::cli
