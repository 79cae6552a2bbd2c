// What the renderers of the five reports share, declared once: the dispatch by format,
// helpers that read report messages, UTF-8 text shaping and the per-format building blocks
// (CSV rows, Markdown tables, the HTML page, terminal tables). Private to the renderers
// (render*.cc); the public interface is render.h.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <google/protobuf/message.h>
#include <google/protobuf/repeated_ptr_field.h>
#include <google/protobuf/timestamp.pb.h>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/reporting/document.h"
#include "services/reporting/render.h"
#include "sixsteps/framework/v1/framework.pb.h"
#include "sixsteps/reporting/v1/reporting.pb.h"

namespace sixsteps::reporting::render_internal {

using ::sixsteps::framework::v1::Rating;
using ::sixsteps::framework::v1::RatingDefinition;
using v1::Format;

using Row = std::vector<std::string>;

// ---- Dispatch (render.cc) ----

// One report's renderer per format.
struct Renderers {
  std::function<absl::StatusOr<std::string>()> json;
  std::function<std::string()> csv;
  std::function<std::string()> html;
  std::function<std::string()> markdown;
  std::function<absl::StatusOr<std::string>()> xlsx;
  std::function<std::string()> text;
  // The report as a document, for the document writers (PDF, DOCX).
  std::function<doc::Document()> document;
};

// Renders with the renderer for `format` (UNSPECIFIED means JSON) and names the file
// "{prefix}-{id}.{extension}"; INVALID_ARGUMENT for an unknown format.
absl::StatusOr<Rendered> Dispatch(Format format, absl::string_view prefix, absl::string_view id,
                                  const Renderers& r);

// Protobuf JSON with the proto field names, pretty-printed, zero values included.
absl::StatusOr<std::string> ToJson(const google::protobuf::Message& message);

// The renderers of `report`: JSON as every report has it, the other formats its own.
template <typename Report>
Renderers RenderersOf(const Report& report, std::string (*csv)(const Report&),
                      std::string (*html)(const Report&), std::string (*markdown)(const Report&),
                      absl::StatusOr<std::string> (*xlsx)(const Report&),
                      std::string (*text)(const Report&)) {
  doc::Document (*document)(const Report&) = doc::BuildDocument;
  return {[&report] { return ToJson(report); },
          [&report, csv] { return csv(report); },
          [&report, html] { return html(report); },
          [&report, markdown] { return markdown(report); },
          [&report, xlsx] { return xlsx(report); },
          [&report, text] { return text(report); },
          [&report, document] { return document(report); }};
}

// Each report's renderers (render_<report>.cc).
Renderers RenderersOf(const v1::AssessmentReport& report);
Renderers RenderersOf(const v1::PartnershipTrend& report);
Renderers RenderersOf(const v1::RegionalOverview& report);
Renderers RenderersOf(const v1::ActionTracker& report);
Renderers RenderersOf(const v1::AnnualReportSection& report);

// How a rating is shown: "Red", "R" and the CSS class "r"; "Not rated", "-" and "u" when
// unrated.
struct RatingLabels {
  const char* name;
  const char* letter;
  const char* css_class;
};
const RatingLabels& LabelsOf(Rating rating);

// ---- Reading report messages (render_helpers.cc) ----

bool HasTime(const google::protobuf::Timestamp& ts);
// "2024-05-01 12:00:00 UTC", or "" when unset.
std::string FormatTimestamp(const google::protobuf::Timestamp& ts);
std::string FreshnessLine(const v1::Freshness& f);
std::string YesNo(bool value);
std::string Divergence(const v1::QuestionRow& q);
// What needs a reader's attention in a question: "evidence missing", "severe divergence" or
// "divergent", "2 open challenge(s)"; in capitals when `shout` (the terminal's text).
std::vector<std::string> QuestionFlags(const v1::QuestionRow& q, bool shout);
std::string TrendName(v1::Trend trend);
// "R 1, A 2, G 3, - 0".
std::string CountsShort(const v1::RatingCounts& c);
std::string ActionCountsLine(const v1::ActionCounts& c);
std::string Period(absl::string_view start, absl::string_view end);

// The respondents of a report in order of first appearance, keyed by resource name.
struct Respondent {
  std::string key;
  std::string label;
};
std::vector<Respondent> RespondentsOf(const v1::AssessmentReport& report);
const v1::RespondentRating* FindResponse(const v1::QuestionRow& q, const Respondent& who);

// Question id -> text, for the gap lists that carry only ids.
std::map<std::string, std::string> QuestionTexts(const v1::AssessmentReport& report);
const v1::QuestionRow* FindQuestion(const v1::AssessmentReport& report, absl::string_view id);
size_t MaxQuestions(const v1::AssessmentReport& report);
std::string StepHeading(const v1::StepRow& step);
std::string RoundLabel(const v1::TrendRound& round);

// Heat (mean score, Red 1 to Green 3; 0 unrated) banded into thirds of the 1-3 range.
Rating HeatBand(double heat);
std::string HeatText(double heat);
// Step ids of a regional overview in order of first appearance.
std::vector<std::string> RegionalStepIds(const v1::RegionalOverview& report);
int StepIndex(const v1::RegionalRow& row, absl::string_view step_id);

// Every action of a tracker once (groups by owner, then by step), with its owner's label.
struct TrackedAction {
  const v1::ActionLine* line;
  std::string owner_label;
};
std::vector<TrackedAction> FlattenActions(const v1::ActionTracker& report);

// ---- UTF-8 text (render_helpers.cc) ----

size_t Utf8Length(absl::string_view s);
// At most `max_chars` code points; a cut string ends with "…".
std::string Utf8Truncate(absl::string_view s, size_t max_chars);
std::string PadRight(absl::string_view s, size_t width);
// Collapses whitespace (including newlines) to single spaces.
std::string OneLine(absl::string_view s);
// Word-wraps `text` at `width` code points (long words are left whole).
std::vector<std::string> Wrap(absl::string_view text, size_t width);

// ---- Building blocks per format (render_blocks.cc) ----

void CsvRow(std::string* out, const Row& fields);

std::string Md(absl::string_view text);
void MdTable(std::string* out, const Row& header, const std::vector<Row>& rows);
std::string MdRating(Rating rating);
void MdLegend(std::string* out, const google::protobuf::RepeatedPtrField<RatingDefinition>& defs);
void MdFooter(std::string* out, absl::string_view attribution);

std::string H(absl::string_view text);
std::string RatingClass(Rating rating);
// A table cell coloured by rating that also shows the letter and the name.
std::string HtmlRatingCell(Rating rating, absl::string_view extra = "");
std::string HtmlBadge(Rating rating);
std::string HtmlHead(absl::string_view title);
std::string HtmlFooter(absl::string_view attribution, const v1::Freshness* freshness);
void HtmlMeta(std::string* out, const std::vector<std::pair<std::string, std::string>>& items);
void HtmlTable(std::string* out, const Row& header, const std::vector<Row>& rows_html,
               absl::string_view table_class = "");
std::string Num(int64_t n);
void HtmlLegend(std::string* out, const google::protobuf::RepeatedPtrField<RatingDefinition>& defs);

std::string TextRating(Rating rating);
// Columns sized to their widest cell (at most `max_width` code points each).
void TextTable(std::string* out, const Row& header, const std::vector<Row>& rows,
               size_t max_width = 28);
void TextWrapped(std::string* out, absl::string_view indent, absl::string_view text,
                 size_t width = 88);
void TextHeading(std::string* out, absl::string_view heading);
void TextLegend(std::string* out, const google::protobuf::RepeatedPtrField<RatingDefinition>& defs);

// ---- Charts (render_chart_svg.cc) ----

// A document chart as an inline SVG figure with a caption; "" when it has no data.
std::string ChartSvg(const doc::Chart& chart);

}  // namespace sixsteps::reporting::render_internal
