// Presents report messages as files: JSON, CSV, HTML, Markdown, XLSX, terminal text, PDF
// and DOCX, each format one writer over the report's document (document.h).
// Pure functions of the message (XLSX goes through a private temporary file, because
// Debian 12's libxlsxwriter 1.1.4 cannot write to memory); no clock, no store, no network.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/reporting/document.h"
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
// unknown format value; INTERNAL if a writer fails. Each report is built once into its
// document (document.h); every format but JSON is one writer over that document, the same
// for every report:
//  - JSON: protobuf JSON with the proto field names, pretty-printed, zero values included.
//  - CSV: the document's data table (doc::WriteCsv): one row per question (assessment
//    report, trend), per partnership (regional overview), per action (tracker); the annual
//    report section is one row. No cell can start a formula (see CsvField).
//  - HTML, MARKDOWN, TEXT, XLSX, PDF, DOCX: doc::WriteHtml, WriteMarkdown, WriteText,
//    WriteXlsx, WritePdf, WriteDocx; every rating shows its letter and name as well as any
//    colour.
// Report is any of the reports listed at Describe below (each instantiated in render.cc):
// a new report adds its Describe overload, its doc::BuildDocument and a line to that list.
template <typename Report>
absl::StatusOr<Rendered> Render(const Report& report, v1::Format format);

// What Render would name and type the file (content left empty), before any byte is
// written: what a streaming caller sends first. INVALID_ARGUMENT for an unknown format.
absl::StatusOr<Rendered> Describe(const v1::AssessmentReport& report, v1::Format format);
absl::StatusOr<Rendered> Describe(const v1::PartnershipTrend& report, v1::Format format);
absl::StatusOr<Rendered> Describe(const v1::RegionalOverview& report, v1::Format format);
absl::StatusOr<Rendered> Describe(const v1::ActionTracker& report, v1::Format format);
absl::StatusOr<Rendered> Describe(const v1::AnnualReportSection& report, v1::Format format);
absl::StatusOr<Rendered> Describe(const v1::ScrutineerReport& report, v1::Format format);
absl::StatusOr<Rendered> Describe(const v1::EvidenceRegister& report, v1::Format format);
absl::StatusOr<Rendered> Describe(const v1::EngagementSummary& report, v1::Format format);
absl::StatusOr<Rendered> Describe(const v1::AuditsAndReviewsSummary& report, v1::Format format);

// Renders as Render does, handing the bytes to `sink` as the writer produces them (pieces of
// at most doc::kSinkChunk bytes), so no whole rendered document is held (DOCX excepted: its
// zip is built in memory). Same statuses as Render; INTERNAL also when `sink` refuses.
template <typename Report>
absl::Status RenderTo(const Report& report, v1::Format format, const doc::ByteSink& sink);

// A report ready to be written: what its file is called and typed (content empty), and how
// to write its bytes to a sink as RenderTo does. It owns its report, so it can be written
// later, on another thread (the HTTP endpoint writes while it sends).
struct ReportFile {
  Rendered described;
  std::function<absl::Status(const doc::ByteSink&)> write;
};
// INVALID_ARGUMENT for an unknown format; nothing is rendered yet.
template <typename Report>
absl::StatusOr<ReportFile> Prepare(Report report, v1::Format format);

// "Red", "Amber", "Green", or "Not rated" for RATING_UNSPECIFIED.
std::string RatingName(framework::v1::Rating rating);
// "R", "A", "G", or "-" when not rated.
std::string RatingLetter(framework::v1::Rating rating);

// The file name extension of a format ("json", "csv", "html", "md", "xlsx", "txt", "pdf",
// "docx").
std::string FormatExtension(v1::Format format);

}  // namespace sixsteps::reporting
