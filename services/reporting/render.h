// Presents report messages as files: JSON, CSV, HTML, Markdown, XLSX, terminal text, PDF
// and DOCX.
// Pure functions of the message (XLSX goes through a private temporary file, because
// Debian 12's libxlsxwriter 1.1.4 cannot write to memory); no clock, no store, no network.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/reporting/render_escape.h"
#include "sixsteps/framework/v1/framework.pb.h"
#include "sixsteps/reporting/v1/reporting.pb.h"
#include "sixsteps/reporting/v1/reporting_service.pb.h"

namespace sixsteps::reporting {

// A rendered report: its bytes, MIME type ("text/csv; charset=utf-8") and a suggested
// file name made only of [A-Za-z0-9._-] ("assessment-a-1f3a.csv").
struct Rendered {
  std::string content;
  std::string content_type;
  std::string filename;
};

// Renders `report` in `format`. FORMAT_UNSPECIFIED means JSON. INVALID_ARGUMENT for an
// unknown format value; INTERNAL if the XLSX writer fails. Every report renders in every
// format:
//  - JSON: protobuf JSON with the proto field names, pretty-printed, zero values included.
//  - CSV: RFC 4180 (fields with comma, quote, CR or LF quoted, quotes doubled, CRLF line
//    ends), UTF-8 without a byte order mark (spreadsheet users take the XLSX); no cell can
//    start a formula (see CsvField). One row per
//    question (assessment report, trend), per partnership (regional overview), per action
//    (tracker); the annual report section is one row.
//  - HTML: one self-contained printable page (inline CSS, no external resources); every
//    rating shows its letter as well as its colour.
//  - MARKDOWN: tables, ratings as R/A/G letters.
//  - XLSX: an editable workbook; rating cells coloured and lettered. Text is written as
//    string cells only (never formulas or links), so "=..." stays text.
//  - TEXT: for a terminal, ratings as [R]/[A]/[G]/[-].
//  - PDF and DOCX: the report's document (document.h) on A4, through the PDF and DOCX
//    writers; INTERNAL if a writer fails.
absl::StatusOr<Rendered> Render(const v1::AssessmentReport& report, v1::Format format);
absl::StatusOr<Rendered> Render(const v1::PartnershipTrend& report, v1::Format format);
absl::StatusOr<Rendered> Render(const v1::RegionalOverview& report, v1::Format format);
absl::StatusOr<Rendered> Render(const v1::ActionTracker& report, v1::Format format);
absl::StatusOr<Rendered> Render(const v1::AnnualReportSection& report, v1::Format format);
// Scrutiny cycle (H4): JSON, PDF and DOCX only; any other format is INVALID_ARGUMENT.
absl::StatusOr<Rendered> Render(const v1::ScrutineerReport& report, v1::Format format);

// "Red", "Amber", "Green", or "Not rated" for RATING_UNSPECIFIED.
std::string RatingName(framework::v1::Rating rating);
// "R", "A", "G", or "-" when not rated.
std::string RatingLetter(framework::v1::Rating rating);

// The file name extension of a format ("json", "csv", "html", "md", "xlsx", "txt", "pdf",
// "docx").
std::string FormatExtension(v1::Format format);

// A small Markdown subset as HTML, for the annual report section: ATX headings, paragraphs,
// "-"/"*"/"1." lists, pipe tables, **bold**, *italic* and `code`. Everything is escaped;
// raw HTML in the input is shown as text.
std::string MarkdownToHtml(absl::string_view markdown);

}  // namespace sixsteps::reporting
