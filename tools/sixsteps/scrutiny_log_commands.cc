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
  return client.CallAndPrint(&Stub::RaiseScrutinyConcern, request, context, SaidDone("Raised"));
}

// `concerns outcome` and `annual-draft comment`: --text sent in the request's field `field`
// about a partnership's record of `collection` ("P/ID"), then "<verb> <its name>".
template <typename Request, typename Record>
absl::Status TextOnRecord(const CheckedArgs& args, Client& client, const CommandContext& context,
                          grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&,
                                                       Record*),
                          absl::string_view collection, const std::string& field,
                          absl::string_view verb) {
  Request request;
  request.set_name(ChildName(args.Positional(0), collection));
  request.GetReflection()->SetString(&request, Request::descriptor()->FindFieldByName(field),
                                     args.Text("text"));
  return client.CallAndPrint(method, request, context, SaidDone(verb));
}

absl::Status Outcome(const CheckedArgs& args, Client& client, const CommandContext& context) {
  return TextOnRecord(args, client, context, &Stub::RecordScrutinyConcernOutcome,
                      "scrutinyConcerns", "outcome", "Recorded the outcome of");
}

absl::Status ListConcerns(const CheckedArgs& args, Client& client, const CommandContext& context) {
  asv1::ListScrutinyConcernsRequest request;
  SIXSTEPS_ASSIGN_OR_RETURN(*request.mutable_partnership(),
                            ExpandPartnershipName(args.Positional(0)));
  return client.ListAndPrint(
      &Stub::ListScrutinyConcerns, request, &asv1::ListScrutinyConcernsResponse::concerns,
      &asv1::ListScrutinyConcernsResponse::mutable_concerns, context,
      [](const std::vector<asv1::ScrutinyConcern>& concerns) {
        std::string text = concerns.empty() ? "No concerns you can see\n" : "";
        for (const asv1::ScrutinyConcern& c : concerns) {
          absl::StrAppend(&text, c.name(), "  raised by ", c.raised_by(), "\n  ", c.text(), "\n  ",
                          c.outcome().empty()
                              ? "no outcome yet"
                              : absl::StrCat("outcome (", c.outcome_by(), "): ", c.outcome()),
                          "\n");
        }
        return text;
      });
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
  return client.CallAndPrint(&Stub::AttachAnnualReportDraft, request, context,
                             SaidDone("Attached"));
}

absl::Status Comment(const CheckedArgs& args, Client& client, const CommandContext& context) {
  return TextOnRecord(args, client, context, &Stub::CommentOnAnnualReportDraft,
                      "annualReportDrafts", "text", "Commented on");
}

absl::Status ShowDraft(const CheckedArgs& args, Client& client, const CommandContext& context) {
  asv1::GetAnnualReportDraftRequest request;
  request.set_name(ChildName(args.Positional(0), "annualReportDrafts"));
  return client.CallAndPrint(&Stub::GetAnnualReportDraft, request, context, FormatDraft);
}

absl::Status ListDrafts(const CheckedArgs& args, Client& client, const CommandContext& context) {
  asv1::ListAnnualReportDraftsRequest request;
  SIXSTEPS_ASSIGN_OR_RETURN(*request.mutable_partnership(),
                            ExpandPartnershipName(args.Positional(0)));
  return client.ListAndPrint(&Stub::ListAnnualReportDrafts, request,
                             &asv1::ListAnnualReportDraftsResponse::drafts,
                             &asv1::ListAnnualReportDraftsResponse::mutable_drafts, context,
                             [](const std::vector<asv1::AnnualReportDraft>& drafts) {
                               std::string text = drafts.empty() ? "No drafts\n" : "";
                               for (const auto& d : drafts) absl::StrAppend(&text, FormatDraft(d));
                               return text;
                             });
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

}  // namespace

ServiceCommands ConcernsServiceCommands() {
  return WordCommands(CommandWord<asv1::ScrutinyReportService, Client>{
      .word = "concerns",
      .summary = "concerns about the scrutiny: raise, list, outcome",
      .commands = ConcernCommands(),
      .endpoint = "assessment",
      .about = "Partners' concerns about the scrutiny itself, with who raised them, when, and\n"
               "their outcome. The partnership's administrators and the region's hub\n"
               "administrators see and settle them all; a partner sees its own."});
}

ServiceCommands AnnualDraftServiceCommands() {
  return WordCommands(CommandWord<asv1::ScrutinyReportService, Client>{
      .word = "annual-draft",
      .summary = "annual report drafts for the scrutineer's comments: attach, comment, show, list",
      .commands = DraftCommands(),
      .endpoint = "assessment",
      .about = "Drafts of the partnership's annual report (text from --file, or a --link), for\n"
               "the scrutineer's comments, kept per draft."});
}

}  // namespace sixsteps::cli
