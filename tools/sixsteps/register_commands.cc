// `sixsteps register evidence|engagement|audits A`: the evidence and voice reports of a
// round (issue 16, H5) through ExportReport.
#include "tools/sixsteps/register_commands.h"

#include "absl/strings/str_cat.h"
#include "sixsteps/reporting/v1/reporting_service.grpc.pb.h"
#include "tools/sixsteps/assessment_names.h"
#include "tools/sixsteps/cli_status.h"
#include "tools/sixsteps/identity_format.h"
#include "tools/sixsteps/rpc_client.h"

namespace sixsteps::cli {
namespace {

namespace rv1 = ::sixsteps::reporting::v1;
using Stub = rv1::ReportingService::StubInterface;
using Client = RpcClient<Stub>;

enum class Register { kEvidence, kEngagement, kAudits };

absl::Status Export(Register kind, const CheckedArgs& args, Client& client,
                    const CommandContext& context) {
  const rv1::Format format = args.Enum<rv1::Format>("format").value_or(rv1::FORMAT_JSON);
  const std::optional<std::string> out_path = args.Optional("out");
  const int64_t min_sequence = args.Integer("min_sequence").value_or(0);
  const bool binary = format == rv1::FORMAT_PDF || format == rv1::FORMAT_DOCX;
  if (binary && (!out_path || *out_path == "-") && context.out_is_terminal) {
    return UsageError(absl::StrCat(rv1::Format_Name(format).substr(7),
                                   " is binary: give --out FILE (or redirect standard output)"));
  }
  std::string assessment;
  SIXSTEPS_ASSIGN_OR_RETURN(assessment, ExpandAssessmentName(args.Positional(0)));
  rv1::ExportReportRequest request;
  request.set_format(format);
  if (kind == Register::kEvidence) {
    request.mutable_evidence_register()->set_assessment(assessment);
    request.mutable_evidence_register()->set_min_sequence(min_sequence);
  } else if (kind == Register::kEngagement) {
    request.mutable_engagement_summary()->set_assessment(assessment);
    request.mutable_engagement_summary()->set_min_sequence(min_sequence);
  } else {
    request.mutable_audits_and_reviews()->set_assessment(assessment);
    request.mutable_audits_and_reviews()->set_min_sequence(min_sequence);
    request.mutable_audits_and_reviews()->set_as_of_date(args.Text("as_of"));
  }
  SIXSTEPS_ASSIGN_OR_RETURN(rv1::ExportReportResponse response,
                            client.Call(&Stub::ExportReport, request));
  if (!out_path || *out_path == "-") {
    *context.out << response.content();
    return absl::OkStatus();
  }
  // Owner-only (0600): what the CLI exports is not for other users of the machine.
  SIXSTEPS_RETURN_IF_ERROR(WritePrivateFile(*out_path, response.content()));
  rv1::ExportReportResponse summary = response;
  summary.clear_content();
  return PrintMessage(summary,
                      absl::StrCat("Wrote ", *out_path, " (", response.content_type(), ", ",
                                   response.content().size(), " bytes)\n"),
                      context);
}

template <Register kind>
absl::Status ExportAs(const CheckedArgs& args, Client& client, const CommandContext& context) {
  return Export(kind, args, client, context);
}

using RegisterCommand = Command<Client>;

std::vector<ArgDecl> RegisterFlags(std::vector<ArgDecl> own) {
  std::vector<ArgDecl> flags = {arg::Enum<ParseReportFormat>("format"), arg::File("out"),
                                arg::Integer("min_sequence", 0, "a feed sequence number")};
  flags.insert(flags.end(), own.begin(), own.end());
  return flags;
}

const std::vector<RegisterCommand>& Commands() {
  static const auto* const kCommands = new std::vector<RegisterCommand>{
      {"evidence",
       "sixsteps register evidence A [--format json|pdf|docx] [--out FILE] [--min-sequence N]",
       {.positionals = {arg::String("A").Required()}, .flags = RegisterFlags({})},
       ExportAs<Register::kEvidence>},
      {"engagement",
       "sixsteps register engagement A [--format json|pdf|docx] [--out FILE] [--min-sequence N]",
       {.positionals = {arg::String("A").Required()}, .flags = RegisterFlags({})},
       ExportAs<Register::kEngagement>},
      {"audits",
       "sixsteps register audits A [--format json|pdf|docx] [--out FILE] [--as-of DATE] "
       "[--min-sequence N]",
       {.positionals = {arg::String("A").Required()}, .flags = RegisterFlags({arg::Date("as_of")})},
       ExportAs<Register::kAudits>},
  };
  return *kCommands;
}

constexpr absl::string_view kUsage = "sixsteps register REPORT A [--format F] [--out FILE] ...";

absl::Status Run(const ParsedArgs& args, std::shared_ptr<grpc::ChannelInterface> channel,
                 const CommandContext& context) {
  if (args.positionals().empty()) {
    return UsageError("missing report (see 'sixsteps register help')", kUsage);
  }
  absl::string_view word = args.Positional(0);
  if (word == "help" || args.Has("help")) {
    *context.out << RegisterHelp();
    return absl::OkStatus();
  }
  if (const RegisterCommand* command = FindCommand(Commands(), word)) {
    std::unique_ptr<Stub> stub = rv1::ReportingService::NewStub(std::move(channel));
    Client client(*stub, context.call);
    return RunCommand(*command, args.WithoutLeadingPositionals(1), client, context);
  }
  return UsageError(absl::StrCat("unknown report '", word, "' (see 'sixsteps register help')"),
                    kUsage);
}

}  // namespace

std::string RegisterHelp() {
  std::string help = absl::StrCat(
      "usage: ", kUsage, "\n\nA round's evidence and voice reports, from the reporting service:\n");
  for (const RegisterCommand& command : Commands()) {
    absl::StrAppend(&help, "  ", command.usage, "\n");
  }
  absl::StrAppend(
      &help,
      "\nevidence: which evidence (links, documents, files with name, type, size and SHA-256,\n"
      "engagement records, case audits, learning reviews) supports which question; engagement:\n"
      "who was heard, how, how many, age bands, themes, \"you said, we did\"; audits: case\n"
      "audits' grade distributions and learning reviews, with their actions' progress (overdue\n"
      "as of --as-of, default today).\n\n"
      "--format json (default), pdf or docx (binary: give --out FILE). OFFICIAL-SENSITIVE\n"
      "records never appear in these reports; the partnership's own roles are told how many\n"
      "there are. Files themselves: 'sixsteps files download'.\n\n"
      "Every command goes to the reporting service (--reporting_address, else\n"
      "$SIXSTEPS_REPORTING_ADDRESS, else 127.0.0.1:50054).\n"
      "Global options: ",
      kGlobalOptionsUsage, "\n");
  return help;
}

ServiceCommands RegisterServiceCommands() {
  return ServiceCommands{
      .service = "register",
      .summary =
          "a round's evidence register, engagement and audits-and-reviews summaries "
          "(json, pdf, docx)",
      .help = RegisterHelp,
      .run = Run,
      .endpoint = "reporting",
  };
}

}  // namespace sixsteps::cli
