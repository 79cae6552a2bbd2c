#include "tools/sixsteps/report_commands.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "sixsteps/reporting/v1/reporting_service.grpc.pb.h"
#include "tools/sixsteps/assessment_names.h"
#include "tools/sixsteps/cli_status.h"
#include "tools/sixsteps/identity_format.h"
#include "tools/sixsteps/identity_names.h"
#include "tools/sixsteps/rpc_client.h"

namespace sixsteps::cli {
namespace {

namespace rv1 = ::sixsteps::reporting::v1;
using Stub = rv1::ReportingService::StubInterface;
using Client = RpcClient<Stub>;

// "partnerships/p", "regions/r", or a bare id read as a partnership.
absl::StatusOr<std::string> PartnershipOrRegion(absl::string_view argument) {
  if (absl::StartsWith(argument, "regions/")) return ExpandRegionName(argument);
  return ExpandPartnershipName(argument);
}

// Streams the report (StreamReport) to standard output or to `out_path`, written as it
// arrives, so the CLI never holds a whole document. The file is owner-only (0600): what the
// CLI exports is not for other users of the machine; a stream that fails leaves no file.
absl::Status Receive(const rv1::ExportReportRequest& export_request, Client& client,
                     const CommandContext& context, const std::optional<std::string>& out_path) {
  const bool to_file = out_path && *out_path != "-";
  int fd = -1;
  if (to_file) {
    fd = ::open(out_path->c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
      return UsageError(absl::StrCat("cannot write ", *out_path, ": ", std::strerror(errno)));
    // An existing file keeps its mode through open(): narrow it too.
    if (::fchmod(fd, 0600) != 0) {
      ::close(fd);
      return UsageError(absl::StrCat("cannot write ", *out_path, ": ", std::strerror(errno)));
    }
  }
  rv1::StreamReportRequest request;
  *request.mutable_report() = export_request;
  rv1::StreamReportResponse head;
  bool first = true;
  int64_t received = 0;
  char last = '\n';
  absl::Status status = client.ServerStream<rv1::StreamReportResponse>(
      &Stub::StreamReport, request, [&](const rv1::StreamReportResponse& message) -> absl::Status {
        if (first) {  // the file's type and name
          first = false;
          head = message;
          return absl::OkStatus();
        }
        const std::string& chunk = message.chunk();
        received += static_cast<int64_t>(chunk.size());
        if (!chunk.empty()) last = chunk.back();
        if (!to_file) {
          context.out->write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
          return absl::OkStatus();
        }
        for (size_t at = 0; at < chunk.size();) {
          ssize_t wrote = ::write(fd, chunk.data() + at, chunk.size() - at);
          if (wrote < 0 && errno == EINTR) continue;
          if (wrote < 0) return absl::DataLossError(absl::StrCat("writing ", *out_path, " failed"));
          at += static_cast<size_t>(wrote);
        }
        return absl::OkStatus();
      });
  if (fd >= 0 && ::close(fd) != 0 && status.ok()) {
    status = absl::DataLossError(absl::StrCat("writing ", *out_path, " failed"));
  }
  if (!status.ok()) {
    if (to_file) ::unlink(out_path->c_str());
    return status;
  }
  if (!to_file) {
    if (export_request.format() == rv1::FORMAT_TEXT && last != '\n') *context.out << "\n";
    return absl::OkStatus();
  }
  rv1::ExportReportResponse summary;
  summary.set_content_type(head.content_type());
  summary.set_filename(head.filename());
  return PrintMessage(
      summary,
      absl::StrCat("Wrote ", *out_path, " (", head.content_type(), ", ", received, " bytes)\n"),
      context);
}

// `report KIND ARG ...`: builds the ExportReportRequest for one report.
enum class Report { kAssessment, kTrend, kRegion, kActions, kAnnual, kScrutineer };

absl::Status Export(Report kind, const CheckedArgs& args, Client& client,
                    const CommandContext& context) {
  const bool trend = kind == Report::kTrend;
  // The scrutineer's report has no text form: JSON unless asked.
  const rv1::Format format = args.Enum<rv1::Format>("format").value_or(
      kind == Report::kScrutineer ? rv1::FORMAT_JSON : rv1::FORMAT_TEXT);
  const std::optional<std::string> out_path = args.Optional("out");
  const int64_t min_sequence = args.Integer("min_sequence").value_or(0);
  const std::string as_of = args.Text("as_of");
  // Binary output never goes to a terminal.
  const bool binary =
      format == rv1::FORMAT_XLSX || format == rv1::FORMAT_PDF || format == rv1::FORMAT_DOCX;
  if (binary && (!out_path || *out_path == "-") && context.out_is_terminal) {
    return UsageError(absl::StrCat(rv1::Format_Name(format).substr(7),
                                   " is binary: give --out FILE (or redirect standard output)"));
  }
  absl::string_view target = args.Positional(0);
  rv1::ExportReportRequest request;
  request.set_format(format);
  if (kind == Report::kAssessment) {
    rv1::GetAssessmentReportRequest& r = *request.mutable_assessment();
    SIXSTEPS_ASSIGN_OR_RETURN(*r.mutable_assessment(), ExpandAssessmentName(target));
    r.set_min_sequence(min_sequence);
    r.set_as_of_date(as_of);
  } else if (trend) {
    rv1::GetPartnershipTrendRequest& r = *request.mutable_trend();
    SIXSTEPS_ASSIGN_OR_RETURN(*r.mutable_partnership(), ExpandPartnershipName(target));
    if (auto round_kind = args.Enum<sixsteps::assessment::v1::AssessmentKind>("kind")) {
      r.set_kind(TrendKindKey(*round_kind));
    }
    r.set_min_sequence(min_sequence);
  } else if (kind == Report::kRegion) {
    rv1::GetRegionalOverviewRequest& r = *request.mutable_region();
    SIXSTEPS_ASSIGN_OR_RETURN(*r.mutable_region(), ExpandRegionName(target));
    r.set_min_sequence(min_sequence);
    r.set_as_of_date(as_of);
  } else if (kind == Report::kActions) {
    rv1::GetActionTrackerRequest& r = *request.mutable_actions();
    SIXSTEPS_ASSIGN_OR_RETURN(*r.mutable_scope(), PartnershipOrRegion(target));
    r.set_min_sequence(min_sequence);
    r.set_as_of_date(as_of);
  } else if (kind == Report::kScrutineer) {
    // Scrutiny cycle (H4): the scrutineer's report as published.
    rv1::GetScrutineerReportRequest& r = *request.mutable_scrutineer();
    SIXSTEPS_ASSIGN_OR_RETURN(*r.mutable_assessment(), ExpandAssessmentName(target));
    r.set_version(static_cast<int32_t>(args.Integer("version").value_or(0)));
    r.set_min_sequence(min_sequence);
    r.set_as_of_date(as_of);
  } else {
    rv1::GetAnnualReportSectionRequest& r = *request.mutable_annual();
    SIXSTEPS_ASSIGN_OR_RETURN(*r.mutable_assessment(), ExpandAssessmentName(target));
    r.set_min_sequence(min_sequence);
  }
  return Receive(request, client, context, out_path);
}

absl::Status Freshness(const CheckedArgs&, Client& client, const CommandContext& context) {
  SIXSTEPS_ASSIGN_OR_RETURN(rv1::Freshness freshness,
                            client.Call(&Stub::GetFreshness, rv1::GetFreshnessRequest()));
  return PrintMessage(
      freshness,
      absl::StrCat("The reports reflect the assessment feed up to sequence ", freshness.sequence(),
                   freshness.sequence() > 0
                       ? absl::StrCat(" (committed ", FormatTime(freshness.change_time()), ")")
                       : std::string(),
                   ".\n"),
      context);
}

// A report's command body: Export with its kind.
template <Report kind>
absl::Status ExportAs(const CheckedArgs& args, Client& client, const CommandContext& context) {
  return Export(kind, args, client, context);
}

using ReportCommand = Command<Client>;

// What every report takes besides its own flags.
std::vector<ArgDecl> ReportFlags(std::vector<ArgDecl> own) {
  std::vector<ArgDecl> flags = {arg::Enum<ParseReportFormat>("format"), arg::File("out"),
                                arg::Integer("min_sequence", 0, "a feed sequence number")};
  flags.insert(flags.end(), own.begin(), own.end());
  return flags;
}

const std::vector<ReportCommand>& Commands() {
  const ArgDecl as_of = arg::Date("as_of");
  static const auto* const kCommands = new std::vector<ReportCommand>{
      {"assessment",
       "sixsteps report assessment A [--format F] [--out FILE] [--as-of DATE] [--min-sequence N]",
       {.positionals = {arg::String("A").Required()}, .flags = ReportFlags({as_of})},
       ExportAs<Report::kAssessment>},
      {"trend",
       "sixsteps report trend P [--kind "
       "independent_scrutiny|self_assessment|wider_partner_assessment] "
       "[--format F] [--out FILE] [--min-sequence N]",
       {.positionals = {arg::String("P").Required()},
        .flags = ReportFlags({arg::Enum<ParseAssessmentKind>("kind")})},
       ExportAs<Report::kTrend>},
      {"region",
       "sixsteps report region R [--format F] [--out FILE] [--as-of DATE] [--min-sequence N]",
       {.positionals = {arg::String("R").Required()}, .flags = ReportFlags({as_of})},
       ExportAs<Report::kRegion>},
      {"actions",
       "sixsteps report actions P|regions/R [--format F] [--out FILE] [--as-of DATE] "
       "[--min-sequence N]",
       {.positionals = {arg::String("P|regions/R").Required()}, .flags = ReportFlags({as_of})},
       ExportAs<Report::kActions>},
      {"annual",
       "sixsteps report annual A [--format F] [--out FILE] [--min-sequence N]",
       {.positionals = {arg::String("A").Required()}, .flags = ReportFlags({})},
       ExportAs<Report::kAnnual>},
      // Scrutiny cycle (H4): json, pdf or docx.
      {"scrutineer",
       "sixsteps report scrutineer A [--version N] [--format json|pdf|docx] [--out FILE] "
       "[--as-of DATE] [--min-sequence N]",
       {.positionals = {arg::String("A").Required()},
        .flags = ReportFlags({as_of, arg::Integer("version", 1, "a published version")})},
       ExportAs<Report::kScrutineer>},
      {"freshness", "sixsteps report freshness", {}, Freshness},
  };
  return *kCommands;
}

constexpr absl::string_view kUsage = "sixsteps report REPORT ARG [--format F] [--out FILE] ...";

absl::Status Run(const ParsedArgs& args, std::shared_ptr<grpc::ChannelInterface> channel,
                 const CommandContext& context) {
  if (args.positionals().empty()) {
    return UsageError("missing report (see 'sixsteps report help')", kUsage);
  }
  absl::string_view word = args.Positional(0);
  if (word == "help" || args.Has("help")) {
    *context.out << ReportHelp();
    return absl::OkStatus();
  }
  if (const ReportCommand* command = FindCommand(Commands(), word)) {
    std::unique_ptr<Stub> stub = rv1::ReportingService::NewStub(std::move(channel));
    Client client(*stub, context.call);
    return RunCommand(*command, args.WithoutLeadingPositionals(1), client, context);
  }
  return UsageError(absl::StrCat("unknown report '", word, "' (see 'sixsteps report help')"),
                    kUsage);
}

}  // namespace

std::string ReportHelp() {
  std::string help =
      absl::StrCat("usage: ", kUsage, "\n\nReports, from the reporting service's read model:\n");
  for (const ReportCommand& command : Commands()) absl::StrAppend(&help, "  ", command.usage, "\n");
  absl::StrAppend(
      &help,
      "\nassessment: one round as a grid; trend: a partnership's finalised rounds of one kind\n"
      "(default independent_scrutiny); region: every partnership of a region; actions: open and\n"
      "overdue actions of a partnership (ID or partnerships/ID) or a region (regions/ID); annual:\n"
      "a ready-to-paste section for the partnership's annual report; scrutineer: the\n"
      "scrutineer's report on a round as published (the latest version, or --version N), as\n"
      "json, pdf or docx only.\n\n"
      "--format text (default, for the terminal), json, csv, html, markdown (or md), xlsx, pdf\n"
      "or docx (an A4 document to file, or to edit). The report goes to standard output, or to\n"
      "--out FILE; XLSX, PDF and DOCX are binary and are not written to a terminal.\n"
      "--as-of judges overdue actions against another date (default today in the hub's time\n"
      "zone). The read model follows the assessment feed: --min-sequence N waits (up to the\n"
      "deadline, --timeout) until it reflects change N, e.g. the sequence of your last write\n"
      "from 'sixsteps assessment feed'. freshness prints the sequence it reflects now.\n\n"
      "Every command goes to the reporting service (--reporting_address, else\n"
      "$SIXSTEPS_REPORTING_ADDRESS, else 127.0.0.1:50054).\n"
      "Global options: ",
      kGlobalOptionsUsage, "\n");
  return help;
}

ServiceCommands ReportServiceCommands() {
  return ServiceCommands{
      .service = "report",
      .summary =
          "reports: assessment, trend, region, actions, annual, scrutineer (text, json, csv, "
          "html, md, xlsx, pdf, docx)",
      .help = ReportHelp,
      .run = Run,
      .endpoint = "reporting",
  };
}

}  // namespace sixsteps::cli
