// What the report builders (document_builders*.cc) and the writers (write_*.cc) share:
// helpers that read report messages, rating labels, UTF-8 text shaping, JSON and the SVG
// chart. Private to services/reporting; the public interfaces are render.h and document.h.
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
#include "services/base/enum_text.h"
#include "services/reporting/document.h"
#include "services/reporting/render.h"
#include "sixsteps/framework/v1/framework.pb.h"
#include "sixsteps/reporting/v1/reporting.pb.h"

namespace sixsteps::reporting::render_internal {

using ::sixsteps::framework::v1::Rating;
using ::sixsteps::framework::v1::RatingDefinition;
using v1::Format;

using Row = std::vector<std::string>;

// Protobuf JSON with the proto field names, pretty-printed, zero values included.
absl::StatusOr<std::string> ToJson(const google::protobuf::Message& message);

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

// HTML-escaped text (HtmlEscape), for the SVG charts.
inline std::string H(absl::string_view text) { return HtmlEscape(text); }

// ---- Charts (render_chart_svg.cc) ----

// A document chart as an inline SVG figure with a caption; "" when it has no data.
std::string ChartSvg(const doc::Chart& chart);
// A count chart as an inline SVG figure (render_count_chart_svg.cc); "" when it has no data.
std::string CountChartSvg(const doc::CountChart& chart);

// A document is read by people: an enum value shows as words, its one spelling with spaces
// ("in progress", "independent scrutiny"); data (CSV, JSON) and the API keep the spelling.
template <typename E>
std::string EnumWords(E value) {
  std::string words = EnumText(value);
  for (char& c : words) {
    if (c == '_') c = ' ';
  }
  return words;
}

}  // namespace sixsteps::reporting::render_internal
