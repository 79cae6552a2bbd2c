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

// `report KIND ARG ...` and `register KIND A ...`: builds the ExportReportRequest for one
// report.
enum class Report {
  kAssessment,
  kTrend,
  kRegion,
  kActions,
  kAnnual,
  kScrutineer,
  // The evidence and voice reports of a round (`register`).
  kEvidence,
  kEngagement,
  kAudits,
};

absl::Status Export(Report kind, const CheckedArgs& args, Client& client,
                    const CommandContext& context) {
  // The scrutineer's report and the registers have no text form: JSON unless asked.
  const bool json_first = kind == Report::kScrutineer || kind == Report::kEvidence ||
                          kind == Report::kEngagement || kind == Report::kAudits;
  const rv1::Format format =
      args.Enum<rv1::Format>("format").value_or(json_first ? rv1::FORMAT_JSON : rv1::FORMAT_TEXT);
  const std::optional<std::string> out_path = args.Optional("out");
  const int64_t min_sequence = args.Integer("min_sequence").value_or(0);
  const std::string as_of = args.Text("as_of");
  // Binary output never goes to a terminal.
  const bool binary =
      format == rv1::FORMAT_XLSX || format == rv1::FORMAT_PDF || format == rv1::FORMAT_DOCX;
  if (binary && (!out_path || *out_path == "-") && context.out_is_terminal) {
    return UsageError(
        absl::StrCat(WordOf(format), " is binary: give --out FILE (or redirect standard output)"));
  }
  absl::string_view target = args.Positional(0);
  rv1::ExportReportRequest request;
  request.set_format(format);
  switch (kind) {
    case Report::kAssessment: {
      rv1::GetAssessmentReportRequest& r = *request.mutable_assessment();
      SIXSTEPS_ASSIGN_OR_RETURN(*r.mutable_assessment(), ExpandAssessmentName(target));
      r.set_min_sequence(min_sequence);
      r.set_as_of_date(as_of);
      break;
    }
    case Report::kTrend: {
      rv1::GetPartnershipTrendRequest& r = *request.mutable_trend();
      SIXSTEPS_ASSIGN_OR_RETURN(*r.mutable_partnership(), ExpandPartnershipName(target));
      if (auto round_kind = args.Enum<sixsteps::assessment::v1::AssessmentKind>("kind")) {
        r.set_kind(TrendKindKey(*round_kind));
      }
      r.set_min_sequence(min_sequence);
      break;
    }
    case Report::kRegion: {
      rv1::GetRegionalOverviewRequest& r = *request.mutable_region();
      SIXSTEPS_ASSIGN_OR_RETURN(*r.mutable_region(), ExpandRegionName(target));
      r.set_min_sequence(min_sequence);
      r.set_as_of_date(as_of);
      break;
    }
    case Report::kActions: {
      rv1::GetActionTrackerRequest& r = *request.mutable_actions();
      SIXSTEPS_ASSIGN_OR_RETURN(*r.mutable_scope(), PartnershipOrRegion(target));
      r.set_min_sequence(min_sequence);
      r.set_as_of_date(as_of);
      break;
    }
    case Report::kScrutineer: {
      // The scrutineer's report as published.
      rv1::GetScrutineerReportRequest& r = *request.mutable_scrutineer();
      SIXSTEPS_ASSIGN_OR_RETURN(*r.mutable_assessment(), ExpandAssessmentName(target));
      r.set_version(static_cast<int32_t>(args.Integer("version").value_or(0)));
      r.set_min_sequence(min_sequence);
      r.set_as_of_date(as_of);
      break;
    }
    case Report::kAnnual: {
      rv1::GetAnnualReportSectionRequest& r = *request.mutable_annual();
      SIXSTEPS_ASSIGN_OR_RETURN(*r.mutable_assessment(), ExpandAssessmentName(target));
      r.set_min_sequence(min_sequence);
      break;
    }
    case Report::kEvidence:
    case Report::kEngagement:
    case Report::kAudits: {
      SIXSTEPS_ASSIGN_OR_RETURN(std::string assessment, ExpandAssessmentName(target));
      if (kind == Report::kEvidence) {
        request.mutable_evidence_register()->set_assessment(assessment);
        request.mutable_evidence_register()->set_min_sequence(min_sequence);
      } else if (kind == Report::kEngagement) {
        request.mutable_engagement_summary()->set_assessment(assessment);
        request.mutable_engagement_summary()->set_min_sequence(min_sequence);
      } else {
        request.mutable_audits_and_reviews()->set_assessment(assessment);
        request.mutable_audits_and_reviews()->set_min_sequence(min_sequence);
        request.mutable_audits_and_reviews()->set_as_of_date(as_of);
      }
      break;
    }
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

// A report's declaration: its target and the flags every report takes besides its own.
ArgSpec ReportArgs(absl::string_view target, std::vector<ArgDecl> own) {
  std::vector<ArgDecl> flags = {
      arg::Enum<ParseReportFormat>("format"), arg::File("out"),
      arg::Integer("min_sequence", 0, "a feed sequence number", INT64_MAX)};
  flags.insert(flags.end(), own.begin(), own.end());
  return {.positionals = {arg::String(std::string(target)).Required()}, .flags = flags};
}

const std::vector<ReportCommand>& ReportCommands() {
  const ArgDecl as_of = arg::Date("as_of");
  static const auto* const kCommands = new std::vector<ReportCommand>{
      {"assessment",
       "sixsteps report assessment A [--format F] [--out FILE] [--as-of DATE] [--min-sequence N]",
       ReportArgs("A", {as_of}), ExportAs<Report::kAssessment>},
      {"trend",
       "sixsteps report trend P [--kind "
       "independent_scrutiny|self_assessment|wider_partner_assessment] "
       "[--format F] [--out FILE] [--min-sequence N]",
       ReportArgs("P", {arg::Enum<ParseAssessmentKind>("kind")}), ExportAs<Report::kTrend>},
      {"region",
       "sixsteps report region R [--format F] [--out FILE] [--as-of DATE] [--min-sequence N]",
       ReportArgs("R", {as_of}), ExportAs<Report::kRegion>},
      {"actions",
       "sixsteps report actions P|regions/R [--format F] [--out FILE] [--as-of DATE] "
       "[--min-sequence N]",
       ReportArgs("P|regions/R", {as_of}), ExportAs<Report::kActions>},
      {"annual", "sixsteps report annual A [--format F] [--out FILE] [--min-sequence N]",
       ReportArgs("A", {}), ExportAs<Report::kAnnual>},
      {"scrutineer",
       "sixsteps report scrutineer A [--version N] [--format json|pdf|docx] [--out FILE] "
       "[--as-of DATE] [--min-sequence N]",
       ReportArgs("A", {as_of, arg::Integer("version", 1, "a published version")}),
       ExportAs<Report::kScrutineer>},
      {"freshness", "sixsteps report freshness", {}, Freshness},
  };
  return *kCommands;
}

const std::vector<ReportCommand>& RegisterCommands() {
  static const auto* const kCommands = new std::vector<ReportCommand>{
      {"evidence",
       "sixsteps register evidence A [--format json|pdf|docx] [--out FILE] [--min-sequence N]",
       ReportArgs("A", {}), ExportAs<Report::kEvidence>},
      {"engagement",
       "sixsteps register engagement A [--format json|pdf|docx] [--out FILE] [--min-sequence N]",
       ReportArgs("A", {}), ExportAs<Report::kEngagement>},
      {"audits",
       "sixsteps register audits A [--format json|pdf|docx] [--out FILE] [--as-of DATE] "
       "[--min-sequence N]",
       ReportArgs("A", {arg::Date("as_of")}), ExportAs<Report::kAudits>},
  };
  return *kCommands;
}

}  // namespace

ServiceCommands ReportServiceCommands() {
  return WordCommands(CommandWord<rv1::ReportingService, Client>{
      .word = "report",
      .summary =
          "reports: assessment, trend, region, actions, annual, scrutineer (text, json, csv, "
          "html, md, xlsx, pdf, docx)",
      .commands = ReportCommands(),
      .endpoint = "reporting",
      .about = "Reports, from the reporting service's read model.",
      .notes =
          "assessment: one round as a grid; trend: a partnership's finalised rounds of one kind\n"
          "(default independent_scrutiny); region: every partnership of a region; actions: open "
          "and\n"
          "overdue actions of a partnership (ID or partnerships/ID) or a region (regions/ID); "
          "annual:\n"
          "a ready-to-paste section for the partnership's annual report; scrutineer: the\n"
          "scrutineer's report on a round as published (the latest version, or --version N), as\n"
          "json, pdf or docx only.\n\n"
          "--format text (default, for the terminal), json, csv, html, markdown (or md), xlsx, "
          "pdf\n"
          "or docx (an A4 document to file, or to edit). The report goes to standard output, or "
          "to\n"
          "--out FILE; XLSX, PDF and DOCX are binary and are not written to a terminal.\n"
          "--as-of judges overdue actions against another date (default today in the hub's time\n"
          "zone). The read model follows the assessment feed: --min-sequence N waits (up to the\n"
          "deadline, --timeout) until it reflects change N, e.g. the sequence of your last write\n"
          "from 'sixsteps assessment feed'. freshness prints the sequence it reflects now.",
      .noun = "report",
      .usage = "sixsteps report REPORT ARG [--format F] [--out FILE] ..."});
}

ServiceCommands RegisterServiceCommands() {
  return WordCommands(CommandWord<rv1::ReportingService, Client>{
      .word = "register",
      .summary = "a round's evidence register, engagement and audits-and-reviews summaries "
                 "(json, pdf, docx)",
      .commands = RegisterCommands(),
      .endpoint = "reporting",
      .about = "A round's evidence and voice reports, from the reporting service.",
      .notes =
          "evidence: which evidence (links, documents, files with name, type, size and SHA-256,\n"
          "engagement records, case audits, learning reviews) supports which question; "
          "engagement:\n"
          "who was heard, how, how many, age bands, themes, \"you said, we did\"; audits: case\n"
          "audits' grade distributions and learning reviews, with their actions' progress "
          "(overdue\n"
          "as of --as-of, default today).\n\n"
          "--format json (default), pdf or docx (binary: give --out FILE). OFFICIAL-SENSITIVE\n"
          "records never appear in these reports; the partnership's own roles are told how many\n"
          "there are. Files themselves: 'sixsteps files download'.",
      .noun = "report",
      .usage = "sixsteps register REPORT A [--format F] [--out FILE] ..."});
}

}  // namespace sixsteps::cli
