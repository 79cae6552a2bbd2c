#include "tools/sixsteps/report_commands.h"

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

absl::StatusOr<int64_t> MinSequence(const ParsedArgs& args) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::optional<std::string> value, args.Optional("min_sequence"));
  int64_t sequence = 0;
  if (value && (!absl::SimpleAtoi(*value, &sequence) || sequence < 0)) {
    return UsageError(
        absl::StrCat("--min-sequence must be a feed sequence number, got '", *value, "'"));
  }
  return sequence;
}

// "partnerships/p", "regions/r", or a bare id read as a partnership.
absl::StatusOr<std::string> PartnershipOrRegion(absl::string_view argument) {
  if (absl::StartsWith(argument, "regions/")) return ExpandRegionName(argument);
  return ExpandPartnershipName(argument);
}

// Owner-only (0600): what the CLI exports is not for other users of the machine.
absl::Status WriteBytes(const std::string& path, const std::string& contents) {
  return WritePrivateFile(path, contents);
}

// `report KIND ARG ...`: builds the ExportReportRequest for one report.
absl::Status Export(absl::string_view kind, const ParsedArgs& args, Client& client,
                    const CommandContext& context) {
  const bool trend = kind == "trend";
  if (trend) {
    SIXSTEPS_RETURN_IF_ERROR(args.CheckFlags({"format", "out", "min_sequence", "kind"}));
  } else if (kind == "annual") {
    SIXSTEPS_RETURN_IF_ERROR(args.CheckFlags({"format", "out", "min_sequence"}));
  } else {
    SIXSTEPS_RETURN_IF_ERROR(args.CheckFlags({"format", "out", "min_sequence", "as_of"}));
  }
  SIXSTEPS_RETURN_IF_ERROR(args.CheckPositionalCount(1, 1));
  SIXSTEPS_ASSIGN_OR_RETURN(std::optional<std::string> format_arg, args.Optional("format"));
  SIXSTEPS_ASSIGN_OR_RETURN(rv1::Format format, ParseReportFormat(format_arg.value_or("text")));
  SIXSTEPS_ASSIGN_OR_RETURN(std::optional<std::string> out_path, args.Optional("out"));
  SIXSTEPS_ASSIGN_OR_RETURN(int64_t min_sequence, MinSequence(args));
  std::string as_of;
  if (!trend && kind != "annual") {
    SIXSTEPS_ASSIGN_OR_RETURN(std::optional<std::string> value, args.Optional("as_of"));
    if (value) {
      SIXSTEPS_RETURN_IF_ERROR(CheckIsoDate(*value, "--as-of"));
      as_of = *value;
    }
  }
  // Binary output never goes to a terminal.
  if (format == rv1::FORMAT_XLSX && (!out_path || *out_path == "-") && context.out_is_terminal) {
    return UsageError("an XLSX report is binary: give --out FILE (or redirect standard output)");
  }
  absl::string_view target = args.Positional(0);
  rv1::ExportReportRequest request;
  request.set_format(format);
  if (kind == "assessment") {
    rv1::GetAssessmentReportRequest& r = *request.mutable_assessment();
    SIXSTEPS_ASSIGN_OR_RETURN(*r.mutable_assessment(), ExpandAssessmentName(target));
    r.set_min_sequence(min_sequence);
    r.set_as_of_date(as_of);
  } else if (trend) {
    rv1::GetPartnershipTrendRequest& r = *request.mutable_trend();
    SIXSTEPS_ASSIGN_OR_RETURN(*r.mutable_partnership(), ExpandPartnershipName(target));
    SIXSTEPS_ASSIGN_OR_RETURN(std::optional<std::string> round_kind, args.Optional("kind"));
    if (round_kind) {
      SIXSTEPS_ASSIGN_OR_RETURN(sixsteps::assessment::v1::AssessmentKind parsed,
                                ParseAssessmentKind(*round_kind));
      r.set_kind(TrendKindKey(parsed));
    }
    r.set_min_sequence(min_sequence);
  } else if (kind == "region") {
    rv1::GetRegionalOverviewRequest& r = *request.mutable_region();
    SIXSTEPS_ASSIGN_OR_RETURN(*r.mutable_region(), ExpandRegionName(target));
    r.set_min_sequence(min_sequence);
    r.set_as_of_date(as_of);
  } else if (kind == "actions") {
    rv1::GetActionTrackerRequest& r = *request.mutable_actions();
    SIXSTEPS_ASSIGN_OR_RETURN(*r.mutable_scope(), PartnershipOrRegion(target));
    r.set_min_sequence(min_sequence);
    r.set_as_of_date(as_of);
  } else {
    rv1::GetAnnualReportSectionRequest& r = *request.mutable_annual();
    SIXSTEPS_ASSIGN_OR_RETURN(*r.mutable_assessment(), ExpandAssessmentName(target));
    r.set_min_sequence(min_sequence);
  }
  SIXSTEPS_ASSIGN_OR_RETURN(rv1::ExportReportResponse response,
                            client.Call(&Stub::ExportReport, request));
  if (!out_path || *out_path == "-") {
    *context.out << response.content();
    if (format == rv1::FORMAT_TEXT && !response.content().empty() &&
        response.content().back() != '\n') {
      *context.out << "\n";
    }
    return absl::OkStatus();
  }
  SIXSTEPS_RETURN_IF_ERROR(WriteBytes(*out_path, response.content()));
  rv1::ExportReportResponse summary = response;
  summary.clear_content();
  return PrintMessage(summary,
                      absl::StrCat("Wrote ", *out_path, " (", response.content_type(), ", ",
                                   response.content().size(), " bytes)\n"),
                      context);
}

absl::Status Freshness(const ParsedArgs& args, Client& client, const CommandContext& context) {
  SIXSTEPS_RETURN_IF_ERROR(args.CheckFlags({}));
  SIXSTEPS_RETURN_IF_ERROR(args.CheckPositionalCount(0, 0));
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

constexpr struct {
  absl::string_view name;
  absl::string_view usage;
} kCommands[] = {
    {"assessment",
     "sixsteps report assessment A [--format F] [--out FILE] [--as-of DATE] [--min-sequence N]"},
    {"trend",
     "sixsteps report trend P [--kind independent-scrutiny|self-assessment|wider-partners] "
     "[--format F] [--out FILE] [--min-sequence N]"},
    {"region",
     "sixsteps report region R [--format F] [--out FILE] [--as-of DATE] [--min-sequence N]"},
    {"actions",
     "sixsteps report actions P|regions/R [--format F] [--out FILE] [--as-of DATE] "
     "[--min-sequence N]"},
    {"annual", "sixsteps report annual A [--format F] [--out FILE] [--min-sequence N]"},
    {"freshness", "sixsteps report freshness"},
};

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
  for (const auto& command : kCommands) {
    if (command.name != word) continue;
    std::unique_ptr<Stub> stub = rv1::ReportingService::NewStub(std::move(channel));
    Client client(*stub, context.call);
    ParsedArgs rest = args.WithoutLeadingPositionals(1);
    return WithUsage(word == "freshness" ? Freshness(rest, client, context)
                                         : Export(word, rest, client, context),
                     command.usage);
  }
  return UsageError(absl::StrCat("unknown report '", word, "' (see 'sixsteps report help')"),
                    kUsage);
}

}  // namespace

std::string ReportHelp() {
  std::string help =
      absl::StrCat("usage: ", kUsage, "\n\nReports, from the reporting service's read model:\n");
  for (const auto& command : kCommands) absl::StrAppend(&help, "  ", command.usage, "\n");
  absl::StrAppend(
      &help,
      "\nassessment: one round as a grid; trend: a partnership's finalised rounds of one kind\n"
      "(default independent-scrutiny); region: every partnership of a region; actions: open and\n"
      "overdue actions of a partnership (ID or partnerships/ID) or a region (regions/ID); annual:\n"
      "a ready-to-paste section for the partnership's annual report.\n\n"
      "--format text (default, for the terminal), json, csv, html, md or xlsx. The report goes\n"
      "to standard output, or to --out FILE; XLSX is binary and is not written to a terminal.\n"
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
          "reports: assessment, trend, region, actions, annual (text, json, csv, html, md, xlsx)",
      .help = ReportHelp,
      .run = Run,
      .endpoint = "reporting",
  };
}

}  // namespace sixsteps::cli
