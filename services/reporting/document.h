// The format-neutral document every report is built into once (title, attribution, sections
// of headings, key/value facts, paragraphs, lists, tables of typed cells, charts, and the
// data table of the data formats), and the writers that render any document, one per format:
// HTML, Markdown, text, CSV, XLSX (libxlsxwriter), PDF (cairo + pango) and DOCX
// (WordprocessingML in a libzip archive). A report adds a document by writing one builder
// (document_builders*.cc); a format adds one writer here (write_*.cc). No clock, no store,
// no network.
#pragma once

#include <array>
#include <cstddef>
#include <functional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "sixsteps/framework/v1/framework.pb.h"
#include "sixsteps/reporting/v1/reporting.pb.h"

namespace sixsteps::reporting::doc {

using ::sixsteps::framework::v1::Rating;

// A piece of inline text with its emphasis.
struct Run {
  std::string text;
  bool bold = false;
  bool italic = false;
  bool code = false;
};

// A paragraph: runs of text. `note` paragraphs are small and italic (freshness lines).
struct Paragraph {
  std::vector<Run> runs;
  bool note = false;
};
Paragraph Para(absl::string_view text);
Paragraph Note(absl::string_view text);

// A table cell. Every kind has its text; a rating cell is also coloured, and its text
// always carries the letter and the name ("R Red"), so nobody needs colour to read it.
struct Cell {
  enum class Kind { kText, kNumber, kDate, kRating, kStatus };
  Kind kind = Kind::kText;
  std::string text;
  double number = 0;                                  // kNumber
  Rating rating = framework::v1::RATING_UNSPECIFIED;  // kRating
  bool warn = false;                                  // kStatus: needs attention
  bool bold = false;
};
Cell Text(absl::string_view text);
Cell Bold(absl::string_view text);
Cell Number(double value);
Cell Date(absl::string_view iso_date);
// "R Red", "A Amber", "G Green" or "- Not rated", then `extra` (for example "(3)").
Cell RatingCell(Rating rating, absl::string_view extra = "");
// A state word; `warn` marks one that needs attention (overdue), drawn with a red border
// and "!" so it reads without colour.
Cell Status(absl::string_view text, bool warn = false);

struct Table {
  std::vector<std::string> header;
  std::vector<std::vector<Cell>> rows;
};

// Key/value facts ("Partnership: Sunderland"); empty values are left out by writers.
struct Facts {
  std::vector<std::pair<std::string, std::string>> items;
};

struct List {
  bool ordered = false;
  std::vector<Paragraph> items;
};

// A chart as data: small multiples, one panel per series (a step), each a stacked bar per
// category (a round) of counts per rating. Writers draw each segment with its letter or a
// pattern as well as its colour.
struct RatingSeries {
  std::string name;
  // counts[category] = {red, amber, green, not rated}
  std::vector<std::array<int, 4>> counts;
};
struct Chart {
  std::string title;
  std::vector<std::string> categories;
  std::vector<RatingSeries> series;
};

// Scrutiny cycle (H4): a chart of counts over time (overdue actions per partner at each
// quarter end) as small multiples, one panel per series, a bar per category (a date) with
// its count written on it, so it reads without colour. DOCX gives its data as a table.
struct CountSeries {
  std::string name;
  std::vector<int> counts;  // one per category
};
struct CountChart {
  std::string title;
  std::vector<std::string> categories;
  std::vector<CountSeries> series;
};

using Block = std::variant<Paragraph, Facts, List, Table, Chart, CountChart>;

// A heading (level 1 sections, level 2 subsections) and what follows it.
struct Section {
  int level = 1;
  std::string heading;
  std::vector<Block> blocks;
};

// The report's records as one flat table for the data formats: the CSV file and the first
// XLSX sheet. Column names are the ones integrators read (snake_case, stable across
// releases), one row per item (question, partnership, action). Empty `header`: the report
// has no such table, and the CSV writer writes the document's tables instead.
struct DataTable {
  std::string name;  // the XLSX sheet's name ("Grid"), at most 31 characters
  std::vector<std::string> header;
  std::vector<std::vector<Cell>> rows;
};

struct Document {
  std::string title;
  std::string subtitle;
  // Shown on the first page under the title.
  Facts facts;
  std::vector<Paragraph> intro;
  std::vector<Section> sections;
  // The framework's attribution when it is an adaptation ("Adapted from Pearce, J (2019)
  // ..."); empty otherwise. Writers show it at the end and in every page footer.
  std::string attribution;
  // Whether the sections already end with the attribution (the annual report section's
  // Markdown does); otherwise writers add it after the last section.
  bool attribution_in_body = false;
  // The data formats' table (CSV, first XLSX sheet); see DataTable.
  DataTable data;
};

// Section helpers for builders.
Section& AddSection(Document* d, absl::string_view heading, int level = 1);

// A legend of rating definitions as a table, for the reports that carry them.
Table RatingLegend(
    const google::protobuf::RepeatedPtrField<framework::v1::RatingDefinition>& definitions);

// The parsed Markdown of an annual report section as document blocks and sections
// (document_markdown.cc): headings start sections, tables become text tables.
void AppendMarkdown(Document* d, absl::string_view markdown);

// ---- Builders: one per report (document_builders.cc) ----

Document BuildDocument(const v1::AssessmentReport& report);
Document BuildDocument(const v1::PartnershipTrend& report);
// The trend's chart: each step's questions per rating across the rounds.
Chart TrendChart(const v1::PartnershipTrend& report);
Document BuildDocument(const v1::RegionalOverview& report);
Document BuildDocument(const v1::ActionTracker& report);
Document BuildDocument(const v1::AnnualReportSection& report);
// ---- scrutiny cycle (H4): document_cycle.cc ----
Document BuildDocument(const v1::ScrutineerReport& report);
Document BuildDocument(const v1::EvidenceRegister& report);
Document BuildDocument(const v1::EngagementSummary& report);
Document BuildDocument(const v1::AuditsAndReviewsSummary& report);
// A rating chart of each step across the rounds of a trend (TrendChart) and a count chart
// from the report's data; empty charts when there is nothing to draw.
CountChart CountChartOf(const v1::CountsOverTime& counts);

// ---- Writers ----
// One per format, each over any Document, each writing to a ByteSink in pieces of at most
// kSinkChunk bytes as it goes (no writer holds a whole rendered document, except DOCX whose
// zip is assembled in memory by libzip, and XLSX whose workbook libxlsxwriter assembles in
// a private temporary file). Each returns INTERNAL when its library fails or the sink
// refuses (a client that went away); what reached the sink before is then incomplete.

// Receives the bytes of a document as they are written; false stops the writer.
using ByteSink = std::function<bool(const char* data, size_t size)>;
inline constexpr size_t kSinkChunk = 64 * 1024;

// One self-contained printable HTML page (inline CSS, no external resource, nothing that
// runs): every text HTML-escaped; rating cells coloured and showing letter and name; charts
// as inline SVG whose segments are patterned and lettered, so they read without colour.
absl::Status WriteHtml(const Document& document, const ByteSink& sink);

// Markdown: every text through MarkdownText (no link, image, raw HTML or heading can be
// formed from a report's data); rating cells as "**G** Green"; charts as tables of counts.
absl::Status WriteMarkdown(const Document& document, const ByteSink& sink);

// Terminal text: headings underlined, tables in wrapped columns, rating cells "G Green".
// Plain text, not Markdown: the data's text is shown as it is (no backslash escapes), through
// TerminalText, so no control character or terminal escape sequence reaches the terminal.
absl::Status WriteText(const Document& document, const ByteSink& sink);

// CSV (RFC 4180, CRLF, UTF-8 without a byte order mark): the document's DataTable, or, when
// it has none, each table of the document after its header row, tables separated by an empty
// record. Every cell goes through CsvField, so none can start a formula. A rating cell is
// written as its name ("Green", then any extra text), the value integrators read.
absl::Status WriteCsv(const Document& document, const ByteSink& sink);

// XLSX (libxlsxwriter): the DataTable as the first sheet (header row frozen, autofilter),
// then a "Report" sheet with the whole document (facts, headings, paragraphs, tables,
// charts' counts). Text is only ever a string cell, never a formula or a link; numbers are
// numbers; rating cells are coloured and carry letter and name.
absl::Status WriteXlsx(const Document& document, const ByteSink& sink);

// A4 PDF: headings, "Page N of M", contents with page numbers when a document of several
// sections runs to kContentsMinPages or more, tables breaking across pages with their header
// repeated, rating cells lettered and named as well as coloured, the attribution in every footer.
// Pages reach `sink` as cairo finishes them. INTERNAL when cairo fails or the sink refuses.
inline constexpr int kContentsMinPages = 3;
absl::Status WritePdf(const Document& document, const ByteSink& sink);

// DOCX (WordprocessingML, zipped with libzip): Title and Heading 1/2 styles, a contents
// field when the document has more than kDocxContentsSections sections (a word processor
// paginates, so the writer cannot count pages), tables with a repeated header row, shaded rating
// cells with letter and name, "Page N of M" and the attribution in the footer. Every text is
// XML-escaped; no macros. INTERNAL when libzip fails.
inline constexpr size_t kDocxContentsSections = 10;
absl::StatusOr<std::string> WriteDocx(const Document& document);
// The same DOCX handed to `sink` in pieces of at most kSinkChunk bytes.
absl::Status WriteDocx(const Document& document, const ByteSink& sink);

// Collects a writer's bytes into a string.
absl::StatusOr<std::string> PdfBytes(const Document& document);

}  // namespace sixsteps::reporting::doc
