// Render: builds a report's document once and hands it to the writer of the format (JSON,
// the report message itself, is the one format without a document); names the file; rating
// names and format extensions. The builders are in document_builders*.cc, the writers in
// write_*.cc.
#include "services/reporting/render.h"

#include <memory>
#include <string>
#include <utility>

#include <google/protobuf/util/json_util.h>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "services/base/names.h"
#include "services/base/status_macros.h"
#include "services/reporting/render_internal.h"
#include "services/reporting/write_sink.h"

namespace sixsteps::reporting::render_internal {
namespace {

// Keeps [A-Za-z0-9._-], turns runs of anything else into one '-', trims and bounds it.
std::string SafeStem(absl::string_view text) {
  std::string out;
  for (char c : text) {
    bool keep =
        absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
    if (keep) {
      out.push_back(c);
    } else if (!out.empty() && out.back() != '-') {
      out.push_back('-');
    }
  }
  while (!out.empty() && (out.back() == '-' || out.back() == '.')) out.pop_back();
  while (!out.empty() && (out.front() == '-' || out.front() == '.')) out.erase(0, 1);
  if (out.size() > 96) out.resize(96);
  return out;
}

std::string FileName(absl::string_view prefix, absl::string_view id, Format format) {
  std::string stem = SafeStem(id);
  std::string name = stem.empty() ? std::string(prefix) : absl::StrCat(prefix, "-", stem);
  return absl::StrCat(name, ".", FormatExtension(format));
}

std::string ContentType(Format format) {
  switch (format) {
    case v1::FORMAT_CSV:
      return "text/csv; charset=utf-8; header=present";
    case v1::FORMAT_HTML:
      return "text/html; charset=utf-8";
    case v1::FORMAT_MARKDOWN:
      return "text/markdown; charset=utf-8";
    case v1::FORMAT_XLSX:
      return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    case v1::FORMAT_TEXT:
      return "text/plain; charset=utf-8";
    case v1::FORMAT_PDF:
      return "application/pdf";
    case v1::FORMAT_DOCX:
      return "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
    case v1::FORMAT_JSON:
    default:
      return "application/json; charset=utf-8";
  }
}

}  // namespace

const RatingLabels& LabelsOf(Rating rating) {
  static const RatingLabels kRed{"Red", "R", "r"}, kAmber{"Amber", "A", "a"},
      kGreen{"Green", "G", "g"}, kUnrated{"Not rated", "-", "u"};
  switch (rating) {
    case framework::v1::RATING_RED:
      return kRed;
    case framework::v1::RATING_AMBER:
      return kAmber;
    case framework::v1::RATING_GREEN:
      return kGreen;
    default:
      return kUnrated;
  }
}

absl::StatusOr<std::string> ToJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  std::string out;
  auto status = google::protobuf::util::MessageToJsonString(message, &out, options);
  if (!status.ok()) {
    return absl::InternalError(absl::StrCat("JSON rendering failed: ", status.ToString()));
  }
  return out;
}

}  // namespace sixsteps::reporting::render_internal

namespace sixsteps::reporting {

using ::sixsteps::framework::v1::Rating;
using v1::Format;
namespace ri = render_internal;

namespace {

bool Known(Format format) {
  switch (format) {
    case v1::FORMAT_UNSPECIFIED:
    case v1::FORMAT_JSON:
    case v1::FORMAT_CSV:
    case v1::FORMAT_HTML:
    case v1::FORMAT_MARKDOWN:
    case v1::FORMAT_XLSX:
    case v1::FORMAT_TEXT:
    case v1::FORMAT_PDF:
    case v1::FORMAT_DOCX:
      return true;
    default:
      return false;
  }
}

absl::StatusOr<Rendered> DescribeFile(Format format, absl::string_view prefix,
                                      absl::string_view id) {
  if (!Known(format)) {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown export format ", static_cast<int>(format)));
  }
  if (format == v1::FORMAT_UNSPECIFIED) format = v1::FORMAT_JSON;
  return Rendered{"", ri::ContentType(format), ri::FileName(prefix, id, format)};
}

// Every format but JSON is a writer over the report's one document.
template <typename Report>
absl::Status Write(const Report& report, Format format, const doc::ByteSink& sink) {
  if (!Known(format)) {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown export format ", static_cast<int>(format)));
  }
  if (format == v1::FORMAT_UNSPECIFIED || format == v1::FORMAT_JSON) {
    SIXSTEPS_ASSIGN_OR_RETURN(std::string json, ri::ToJson(report));
    return doc::SinkAll(json, sink);
  }
  const doc::Document document = doc::BuildDocument(report);
  switch (format) {
    case v1::FORMAT_CSV:
      return doc::WriteCsv(document, sink);
    case v1::FORMAT_HTML:
      return doc::WriteHtml(document, sink);
    case v1::FORMAT_MARKDOWN:
      return doc::WriteMarkdown(document, sink);
    case v1::FORMAT_XLSX:
      return doc::WriteXlsx(document, sink);
    case v1::FORMAT_TEXT:
      return doc::WriteText(document, sink);
    case v1::FORMAT_PDF:
      return doc::WritePdf(document, sink);
    default:
      return doc::WriteDocx(document, sink);
  }
}

template <typename Report>
absl::StatusOr<ReportFile> PrepareFile(Report report, Format format) {
  SIXSTEPS_ASSIGN_OR_RETURN(Rendered described, Describe(report, format));
  auto owned = std::make_shared<const Report>(std::move(report));
  return ReportFile{std::move(described), [owned, format](const doc::ByteSink& sink) {
                      return Write(*owned, format, sink);
                    }};
}

template <typename Report>
absl::StatusOr<Rendered> Collect(const Report& report, Format format) {
  SIXSTEPS_ASSIGN_OR_RETURN(Rendered out, Describe(report, format));
  SIXSTEPS_RETURN_IF_ERROR(Write(report, format, [&out](const char* data, size_t size) {
    out.content.append(data, size);
    return true;
  }));
  return out;
}

}  // namespace

std::string RatingName(Rating rating) { return render_internal::LabelsOf(rating).name; }

// How each report's file is named.
absl::StatusOr<Rendered> Describe(const v1::AssessmentReport& report, Format format) {
  return DescribeFile(format, "assessment", LastSegment(report.assessment()));
}

absl::StatusOr<Rendered> Describe(const v1::PartnershipTrend& report, Format format) {
  return DescribeFile(format, "trend",
                      absl::StrCat(LastSegment(report.partnership()),
                                   report.kind().empty() ? "" : "-", report.kind()));
}

absl::StatusOr<Rendered> Describe(const v1::RegionalOverview& report, Format format) {
  return DescribeFile(format, "region", LastSegment(report.region()));
}

absl::StatusOr<Rendered> Describe(const v1::ActionTracker& report, Format format) {
  // "partnerships/p" -> "partnerships-p", so a partnership and a region of the same id
  // do not share a file name.
  return DescribeFile(format, "actions", report.scope());
}

absl::StatusOr<Rendered> Describe(const v1::AnnualReportSection& report, Format format) {
  return DescribeFile(format, "annual-report", LastSegment(report.assessment()));
}

// The scrutiny cycle: the scrutineer's report as published, named by round and version.
absl::StatusOr<Rendered> Describe(const v1::ScrutineerReport& report, Format format) {
  return DescribeFile(
      format, "scrutineer-report",
      absl::StrCat(LastSegment(report.assessment()), "-v", report.report().version()));
}
// The evidence and voice reports, named by round.
absl::StatusOr<Rendered> Describe(const v1::EvidenceRegister& report, Format format) {
  return DescribeFile(format, "evidence-register", LastSegment(report.assessment()));
}
absl::StatusOr<Rendered> Describe(const v1::EngagementSummary& report, Format format) {
  return DescribeFile(format, "engagement-summary", LastSegment(report.assessment()));
}
absl::StatusOr<Rendered> Describe(const v1::AuditsAndReviewsSummary& report, Format format) {
  return DescribeFile(format, "audits-and-reviews", LastSegment(report.assessment()));
}

template <typename Report>
absl::Status RenderTo(const Report& report, Format format, const doc::ByteSink& sink) {
  return Write(report, format, sink);
}
template <typename Report>
absl::StatusOr<Rendered> Render(const Report& report, Format format) {
  return Collect(report, format);
}
template <typename Report>
absl::StatusOr<ReportFile> Prepare(Report report, Format format) {
  return PrepareFile(std::move(report), format);
}

// Every report the service renders.
#define SIXSTEPS_RENDERS(Report)                                               \
  template absl::Status RenderTo(const Report&, Format, const doc::ByteSink&); \
  template absl::StatusOr<Rendered> Render(const Report&, Format);             \
  template absl::StatusOr<ReportFile> Prepare(Report, Format);
SIXSTEPS_RENDERS(v1::AssessmentReport)
SIXSTEPS_RENDERS(v1::PartnershipTrend)
SIXSTEPS_RENDERS(v1::RegionalOverview)
SIXSTEPS_RENDERS(v1::ActionTracker)
SIXSTEPS_RENDERS(v1::AnnualReportSection)
SIXSTEPS_RENDERS(v1::ScrutineerReport)
SIXSTEPS_RENDERS(v1::EvidenceRegister)
SIXSTEPS_RENDERS(v1::EngagementSummary)
SIXSTEPS_RENDERS(v1::AuditsAndReviewsSummary)
#undef SIXSTEPS_RENDERS

std::string RatingLetter(Rating rating) { return render_internal::LabelsOf(rating).letter; }

std::string FormatExtension(Format format) {
  switch (format) {
    case v1::FORMAT_CSV:
      return "csv";
    case v1::FORMAT_HTML:
      return "html";
    case v1::FORMAT_MARKDOWN:
      return "md";
    case v1::FORMAT_XLSX:
      return "xlsx";
    case v1::FORMAT_TEXT:
      return "txt";
    case v1::FORMAT_PDF:
      return "pdf";
    case v1::FORMAT_DOCX:
      return "docx";
    default:
      return "json";
  }
}

}  // namespace sixsteps::reporting
