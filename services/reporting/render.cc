// Render: picks a report's renderer by format and names the file; the JSON renderer every
// report shares; rating names and format extensions. Each report's renderers live in
// render_{assessment,trend,regional,actions,annual}.cc, which give them as RenderersOf(report).
#include "services/reporting/render.h"

#include <string>

#include <google/protobuf/util/json_util.h>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "services/base/names.h"
#include "services/base/status_macros.h"
#include "services/reporting/render_internal.h"

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

// ---------------------------------------------------------------------------------------
// Dispatch
// ---------------------------------------------------------------------------------------

absl::StatusOr<Rendered> Dispatch(Format format, absl::string_view prefix, absl::string_view id,
                                  const Renderers& r) {
  if (format == v1::FORMAT_UNSPECIFIED) format = v1::FORMAT_JSON;
  // A report may offer only some formats (the scrutineer's report: JSON and the document
  // writers' PDF and DOCX): asking for another is the caller's mistake, said as such.
  const bool offered = [&] {
    switch (format) {
      case v1::FORMAT_CSV:
        return static_cast<bool>(r.csv);
      case v1::FORMAT_HTML:
        return static_cast<bool>(r.html);
      case v1::FORMAT_MARKDOWN:
        return static_cast<bool>(r.markdown);
      case v1::FORMAT_XLSX:
        return static_cast<bool>(r.xlsx);
      case v1::FORMAT_TEXT:
        return static_cast<bool>(r.text);
      default:
        return true;
    }
  }();
  if (!offered) {
    return absl::InvalidArgumentError(absl::StrCat(
        "format: this report is available as ",
        r.csv ? "json, csv, html, markdown, xlsx, text, pdf or docx" : "json, pdf or docx"));
  }
  Rendered out;
  switch (format) {
    case v1::FORMAT_JSON: {
      SIXSTEPS_ASSIGN_OR_RETURN(out.content, r.json());
      break;
    }
    case v1::FORMAT_CSV:
      out.content = r.csv();
      break;
    case v1::FORMAT_HTML:
      out.content = r.html();
      break;
    case v1::FORMAT_MARKDOWN:
      out.content = r.markdown();
      break;
    case v1::FORMAT_XLSX: {
      SIXSTEPS_ASSIGN_OR_RETURN(out.content, r.xlsx());
      break;
    }
    case v1::FORMAT_TEXT:
      out.content = r.text();
      break;
    case v1::FORMAT_PDF: {
      SIXSTEPS_ASSIGN_OR_RETURN(out.content, doc::PdfBytes(r.document()));
      break;
    }
    case v1::FORMAT_DOCX: {
      SIXSTEPS_ASSIGN_OR_RETURN(out.content, doc::WriteDocx(r.document()));
      break;
    }
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("unknown export format ", static_cast<int>(format)));
  }
  out.content_type = ContentType(format);
  out.filename = FileName(prefix, id, format);
  return out;
}

}  // namespace sixsteps::reporting::render_internal

namespace sixsteps::reporting {

using ::sixsteps::framework::v1::Rating;
using v1::Format;
namespace ri = render_internal;

std::string RatingName(Rating rating) { return render_internal::LabelsOf(rating).name; }

// Each report's renderers are in render_<report>.cc; here, how its file is named.
absl::StatusOr<Rendered> Render(const v1::AssessmentReport& report, Format format) {
  return ri::Dispatch(format, "assessment", LastSegment(report.assessment()),
                      ri::RenderersOf(report));
}

absl::StatusOr<Rendered> Render(const v1::PartnershipTrend& report, Format format) {
  return ri::Dispatch(format, "trend",
                      absl::StrCat(LastSegment(report.partnership()),
                                   report.kind().empty() ? "" : "-", report.kind()),
                      ri::RenderersOf(report));
}

absl::StatusOr<Rendered> Render(const v1::RegionalOverview& report, Format format) {
  return ri::Dispatch(format, "region", LastSegment(report.region()), ri::RenderersOf(report));
}

absl::StatusOr<Rendered> Render(const v1::ActionTracker& report, Format format) {
  // "partnerships/p" -> "partnerships-p", so a partnership and a region of the same id
  // do not share a file name.
  return ri::Dispatch(format, "actions", report.scope(), ri::RenderersOf(report));
}

absl::StatusOr<Rendered> Render(const v1::AnnualReportSection& report, Format format) {
  return ri::Dispatch(format, "annual-report", LastSegment(report.assessment()),
                      ri::RenderersOf(report));
}

// Scrutiny cycle (H4): JSON and the document writers only, until the generic writers of
// HTML, Markdown, CSV and XLSX over a document exist.
absl::StatusOr<Rendered> Render(const v1::ScrutineerReport& report, Format format) {
  ri::Renderers renderers;
  renderers.json = [&report] { return ri::ToJson(report); };
  renderers.document = [&report] { return doc::BuildDocument(report); };
  return ri::Dispatch(
      format, "scrutineer-report",
      absl::StrCat(LastSegment(report.assessment()), "-v", report.report().version()), renderers);
}

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
