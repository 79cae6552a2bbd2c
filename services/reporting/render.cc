#include "services/reporting/render.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <google/protobuf/timestamp.pb.h>
#include <google/protobuf/util/json_util.h>
#include <xlsxwriter.h>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "services/base/names.h"
#include "services/common/status.h"

namespace sixsteps::reporting {
namespace {

using ::sixsteps::framework::v1::Rating;
using ::sixsteps::framework::v1::RatingDefinition;
using v1::Format;

using Row = std::vector<std::string>;

// ---------------------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------------------

// "assessments/a-1" -> "a-1".

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
    case v1::FORMAT_JSON:
    default:
      return "application/json; charset=utf-8";
  }
}

bool HasTime(const google::protobuf::Timestamp& ts) { return ts.seconds() != 0 || ts.nanos() != 0; }

// "2024-05-01 12:00:00 UTC", or "" when unset.
std::string FormatTimestamp(const google::protobuf::Timestamp& ts) {
  if (!HasTime(ts)) return "";
  absl::Time t = absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos());
  return absl::FormatTime("%Y-%m-%d %H:%M:%S UTC", t, absl::UTCTimeZone());
}

std::string FreshnessLine(const v1::Freshness& f) {
  std::string line = absl::StrCat("Reflects the assessment feed up to change ", f.sequence());
  if (HasTime(f.change_time()))
    absl::StrAppend(&line, " (committed ", FormatTimestamp(f.change_time()), ")");
  if (HasTime(f.report_time()))
    absl::StrAppend(&line, "; report built ", FormatTimestamp(f.report_time()));
  line.push_back('.');
  return line;
}

std::string YesNo(bool value) { return value ? "yes" : "no"; }

std::string Divergence(const v1::QuestionRow& q) {
  if (q.severe_divergence()) return "severe";
  return q.divergent() ? "yes" : "no";
}

std::string TrendName(v1::Trend trend) {
  switch (trend) {
    case v1::TREND_IMPROVED:
      return "Improved";
    case v1::TREND_SAME:
      return "Same";
    case v1::TREND_WORSE:
      return "Worse";
    case v1::TREND_NOT_COMPARABLE:
      return "Not comparable";
    default:
      return "";
  }
}

// "R 1 · A 2 · G 3 · - 0" (ASCII separators for CSV/text friendliness).
std::string CountsShort(const v1::RatingCounts& c) {
  return absl::StrFormat("R %d, A %d, G %d, - %d", c.red(), c.amber(), c.green(), c.unrated());
}

std::string ActionCountsLine(const v1::ActionCounts& c) {
  std::string line =
      absl::StrFormat("%d open, %d overdue, %d done", c.open(), c.overdue(), c.done());
  if (c.cancelled() > 0) absl::StrAppend(&line, ", ", c.cancelled(), " cancelled");
  if (c.carried_over() > 0) absl::StrAppend(&line, ", ", c.carried_over(), " carried over");
  return line;
}

std::string Period(absl::string_view start, absl::string_view end) {
  if (start.empty() && end.empty()) return "";
  return absl::StrCat(start.empty() ? "…" : start, " to ", end.empty() ? "…" : end);
}

// The respondents of a report in order of first appearance, keyed by resource name.
struct Respondent {
  std::string key;
  std::string label;
};
std::vector<Respondent> RespondentsOf(const v1::AssessmentReport& report) {
  std::vector<Respondent> out;
  std::set<std::string> seen;
  for (const auto& step : report.steps()) {
    for (const auto& q : step.questions()) {
      for (const auto& r : q.respondent_ratings()) {
        std::string key =
            r.respondent().empty() ? absl::StrCat("label:", r.label()) : r.respondent();
        if (seen.insert(key).second) {
          out.push_back({key, r.label().empty() ? LastSegment(r.respondent()) : r.label()});
        }
      }
    }
  }
  return out;
}
const v1::RespondentRating* FindResponse(const v1::QuestionRow& q, const Respondent& who) {
  for (const auto& r : q.respondent_ratings()) {
    std::string key = r.respondent().empty() ? absl::StrCat("label:", r.label()) : r.respondent();
    if (key == who.key) return &r;
  }
  return nullptr;
}

// Question id -> text, for the gap lists that carry only ids.
std::map<std::string, std::string> QuestionTexts(const v1::AssessmentReport& report) {
  std::map<std::string, std::string> out;
  for (const auto& step : report.steps())
    for (const auto& q : step.questions()) out[q.question_id()] = q.text();
  return out;
}
const v1::QuestionRow* FindQuestion(const v1::AssessmentReport& report, absl::string_view id) {
  for (const auto& step : report.steps())
    for (const auto& q : step.questions())
      if (q.question_id() == id) return &q;
  return nullptr;
}

size_t MaxQuestions(const v1::AssessmentReport& report) {
  size_t n = 0;
  for (const auto& step : report.steps()) n = std::max<size_t>(n, step.questions_size());
  return n;
}

std::string StepHeading(const v1::StepRow& step) {
  if (step.title().empty()) return step.step_id();
  if (step.step_id().empty()) return step.title();
  return absl::StrCat(step.step_id(), ": ", step.title());
}

std::string RoundLabel(const v1::TrendRound& round) {
  std::string label = round.title().empty() ? LastSegment(round.assessment()) : round.title();
  if (!round.period_end().empty()) absl::StrAppend(&label, " (", round.period_end(), ")");
  return label;
}

// Heat (mean score, Red 1 to Green 3; 0 unrated) banded into thirds of the 1-3 range.
Rating HeatBand(double heat) {
  if (heat <= 0) return framework::v1::RATING_UNSPECIFIED;
  if (heat < 5.0 / 3.0) return framework::v1::RATING_RED;
  if (heat < 7.0 / 3.0) return framework::v1::RATING_AMBER;
  return framework::v1::RATING_GREEN;
}
std::string HeatText(double heat) { return heat <= 0 ? "" : absl::StrFormat("%.2f", heat); }

// Step ids of a regional overview in order of first appearance.
std::vector<std::string> RegionalStepIds(const v1::RegionalOverview& report) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const auto& row : report.partnerships())
    for (const auto& id : row.step_ids())
      if (seen.insert(id).second) out.push_back(id);
  return out;
}
int StepIndex(const v1::RegionalRow& row, absl::string_view step_id) {
  for (int i = 0; i < row.step_ids_size(); ++i)
    if (row.step_ids(i) == step_id) return i;
  return -1;
}

// Every action of a tracker once (groups by owner, then by step), with its owner's label.
struct TrackedAction {
  const v1::ActionLine* line;
  std::string owner_label;
};
std::vector<TrackedAction> FlattenActions(const v1::ActionTracker& report) {
  std::map<std::string, std::string> owner_labels;
  for (const auto& g : report.by_owner()) owner_labels[g.key()] = g.label();
  std::vector<TrackedAction> out;
  std::set<std::string> seen;
  auto add = [&](const v1::ActionGroup& g) {
    for (const auto& a : g.actions()) {
      if (!a.action().empty() && !seen.insert(a.action()).second) continue;
      auto it = owner_labels.find(a.owner_organisation());
      out.push_back(
          {&a, it != owner_labels.end() ? it->second : LastSegment(a.owner_organisation())});
    }
  };
  for (const auto& g : report.by_owner()) add(g);
  for (const auto& g : report.by_step()) add(g);
  return out;
}

// ---- UTF-8 ----

size_t Utf8Length(absl::string_view s) {
  size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

// At most `max_chars` code points; a cut string ends with "…".
std::string Utf8Truncate(absl::string_view s, size_t max_chars) {
  if (Utf8Length(s) <= max_chars) return std::string(s);
  if (max_chars == 0) return "";
  size_t chars = 0;
  size_t i = 0;
  for (; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) {
      if (chars == max_chars - 1) break;
      ++chars;
    }
  }
  return absl::StrCat(s.substr(0, i), "…");
}

std::string PadRight(absl::string_view s, size_t width) {
  size_t len = Utf8Length(s);
  std::string out(s);
  if (len < width) out.append(width - len, ' ');
  return out;
}

// Collapses whitespace (including newlines) to single spaces.
std::string OneLine(absl::string_view s) {
  std::string out;
  bool space = false;
  for (char c : s) {
    if (c == '\n' || c == '\r' || c == '\t' || c == ' ') {
      space = !out.empty();
    } else {
      if (space) out.push_back(' ');
      space = false;
      out.push_back(c);
    }
  }
  return out;
}

// Word-wraps `text` at `width` code points (long words are left whole).
std::vector<std::string> Wrap(absl::string_view text, size_t width) {
  std::vector<std::string> lines;
  std::string line;
  for (absl::string_view word : absl::StrSplit(OneLine(text), ' ', absl::SkipEmpty())) {
    if (!line.empty() && Utf8Length(line) + 1 + Utf8Length(word) > width) {
      lines.push_back(std::move(line));
      line.clear();
    }
    if (!line.empty()) line.push_back(' ');
    absl::StrAppend(&line, word);
  }
  if (!line.empty()) lines.push_back(std::move(line));
  return lines;
}

// ---------------------------------------------------------------------------------------
// JSON
// ---------------------------------------------------------------------------------------

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
// CSV
// ---------------------------------------------------------------------------------------

void CsvRow(std::string* out, const Row& fields) {
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out->push_back(',');
    out->append(CsvField(fields[i]));
  }
  out->append("\r\n");
}

// ---------------------------------------------------------------------------------------
// Markdown
// ---------------------------------------------------------------------------------------

std::string Md(absl::string_view text) { return MarkdownText(text); }

void MdTable(std::string* out, const Row& header, const std::vector<Row>& rows) {
  auto line = [&](const Row& cells) {
    out->append("|");
    for (size_t i = 0; i < header.size(); ++i) {
      out->append(" ");
      out->append(i < cells.size() ? cells[i] : "");
      out->append(" |");
    }
    out->append("\n");
  };
  line(header);
  out->append("|");
  for (size_t i = 0; i < header.size(); ++i) out->append(" --- |");
  out->append("\n");
  for (const Row& r : rows) line(r);
  out->append("\n");
}

std::string MdRating(Rating rating) { return absl::StrCat("**", RatingLetter(rating), "**"); }

void MdLegend(std::string* out, const google::protobuf::RepeatedPtrField<RatingDefinition>& defs) {
  out->append("## Ratings\n\n");
  for (const auto& d : defs) {
    absl::StrAppend(out, "- ", MdRating(d.rating()), " ", RatingName(d.rating()), ": ",
                    Md(d.definition()), "\n");
  }
  absl::StrAppend(out, "- **-** Not rated\n\n");
}

void MdFooter(std::string* out, absl::string_view attribution) {
  if (attribution.empty()) return;
  absl::StrAppend(out, "---\n\n", Md(attribution), "\n");
}

// ---------------------------------------------------------------------------------------
// HTML
// ---------------------------------------------------------------------------------------

constexpr absl::string_view kCss = R"css(
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { font-family: "DejaVu Sans", "Liberation Sans", Arial, Helvetica, sans-serif; color: #1a1a1a;
  background: #fff; margin: 24px; line-height: 1.4; font-size: 14px; }
h1 { font-size: 1.6em; margin: 0 0 .2em; }
h2 { font-size: 1.25em; margin: 1.4em 0 .5em; border-bottom: 2px solid #333; padding-bottom: .15em; }
h3 { font-size: 1.05em; margin: 1em 0 .3em; }
.subtitle { font-size: 1.1em; margin: 0 0 .6em; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: .5em 0; }
dl.meta dt { font-weight: 600; }
dl.meta dd { margin: 0; }
.freshness { color: #333; font-size: .9em; font-style: italic; }
table { border-collapse: collapse; width: 100%; margin: .4em 0 1em; }
th, td { border: 1px solid #555; padding: 4px 6px; vertical-align: top; text-align: left; }
thead th { background: #e6e6e6; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
table.grid { table-layout: fixed; }
table.grid thead th { vertical-align: bottom; }
table.grid td.q { font-size: .9em; }
table.grid th.rowhead { width: 6.5em; background: #f2f2f2; }
.qid { font-weight: 700; margin-right: .3em; }
.stepid { display: block; font-size: .85em; font-weight: 400; color: #333; }
.rating { text-align: center; font-weight: 700; white-space: nowrap;
  -webkit-print-color-adjust: exact; print-color-adjust: exact; }
.rating .letter { display: inline-block; min-width: 1.3em; font-size: 1.15em; }
.r { background: #b71c1c; color: #fff; }
.a { background: #ffbf00; color: #000; }
.g { background: #1b5e20; color: #fff; }
.u { background: #fff; color: #333; }
td.u { border-style: dashed; }
.badge { display: inline-block; min-width: 1.6em; text-align: center; padding: 0 .35em; border: 1px solid #555;
  border-radius: 3px; font-weight: 700; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
.flag { display: inline-block; font-size: .8em; border: 1px solid #555; border-radius: 3px; padding: 0 .3em;
  margin: 3px 3px 0 0; background: #fff; color: #1a1a1a; }
.flag.warn { border-color: #8b0000; color: #8b0000; font-weight: 600; }
.none { background: #f7f7f7; }
dl.legend dt { margin-top: .4em; font-weight: 600; }
dl.legend dd { margin: .1em 0 0 2.2em; }
ul.gaps li { margin: .15em 0; }
.md table { width: auto; }
footer { margin-top: 2em; border-top: 1px solid #999; padding-top: .5em; font-size: .9em; color: #333; }
@page { size: A4 landscape; margin: 12mm; }
@media print {
  body { margin: 0; font-size: 9.5pt; }
  h2, h3 { break-after: avoid; page-break-after: avoid; }
  tr, .keep { break-inside: avoid; page-break-inside: avoid; }
  thead { display: table-header-group; }
  section.pagebreak { break-before: page; page-break-before: always; }
}
)css";

std::string H(absl::string_view text) { return HtmlEscape(text); }

std::string RatingClass(Rating rating) {
  switch (rating) {
    case framework::v1::RATING_RED:
      return "r";
    case framework::v1::RATING_AMBER:
      return "a";
    case framework::v1::RATING_GREEN:
      return "g";
    default:
      return "u";
  }
}

// A table cell coloured by rating that also shows the letter and the name.
std::string HtmlRatingCell(Rating rating, absl::string_view extra = "") {
  return absl::StrCat("<td class=\"rating ", RatingClass(rating), "\" title=\"", RatingName(rating),
                      "\"><span class=\"letter\">", H(RatingLetter(rating)), "</span> ",
                      RatingName(rating), extra.empty() ? "" : " ", extra, "</td>");
}
std::string HtmlBadge(Rating rating) {
  return absl::StrCat("<span class=\"badge ", RatingClass(rating), "\" title=\"",
                      RatingName(rating), "\">", H(RatingLetter(rating)), "</span>");
}

std::string HtmlHead(absl::string_view title) {
  return absl::StrCat(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<title>",
      H(title), "</title>\n<style>", kCss, "</style>\n</head>\n<body>\n");
}

std::string HtmlFooter(absl::string_view attribution, const v1::Freshness* freshness) {
  std::string out = "<footer>\n";
  if (freshness != nullptr)
    absl::StrAppend(&out, "<p class=\"freshness\">", H(FreshnessLine(*freshness)), "</p>\n");
  if (!attribution.empty())
    absl::StrAppend(&out, "<p class=\"attribution\">", H(attribution), "</p>\n");
  out += "</footer>\n</body>\n</html>\n";
  return out;
}

void HtmlMeta(std::string* out, const std::vector<std::pair<std::string, std::string>>& items) {
  *out += "<dl class=\"meta\">\n";
  for (const auto& [k, v] : items) {
    if (v.empty()) continue;
    absl::StrAppend(out, "<dt>", H(k), "</dt><dd>", H(v), "</dd>\n");
  }
  *out += "</dl>\n";
}

void HtmlTable(std::string* out, const Row& header, const std::vector<Row>& rows_html,
               absl::string_view table_class = "") {
  absl::StrAppend(out, "<table",
                  table_class.empty() ? "" : absl::StrCat(" class=\"", table_class, "\""),
                  ">\n<thead><tr>");
  for (const auto& h : header) absl::StrAppend(out, "<th>", H(h), "</th>");
  *out += "</tr></thead>\n<tbody>\n";
  for (const auto& r : rows_html) {
    *out += "<tr>";
    for (const auto& cell : r) {
      // A cell that is already a <td> (a rating cell) is kept; anything else is wrapped.
      if (absl::StartsWith(cell, "<td")) {
        *out += cell;
      } else {
        absl::StrAppend(out, "<td>", cell, "</td>");
      }
    }
    *out += "</tr>\n";
  }
  *out += "</tbody>\n</table>\n";
}
std::string Num(int64_t n) { return absl::StrCat("<td class=\"num\">", n, "</td>"); }

void HtmlLegend(std::string* out,
                const google::protobuf::RepeatedPtrField<RatingDefinition>& defs) {
  *out +=
      "<section class=\"legend keep\">\n<h2>What the ratings mean</h2>\n<dl class=\"legend\">\n";
  for (const auto& d : defs) {
    absl::StrAppend(out, "<dt>", HtmlBadge(d.rating()), " ", RatingName(d.rating()), "</dt><dd>",
                    H(d.definition()), "</dd>\n");
  }
  absl::StrAppend(out, "<dt>", HtmlBadge(framework::v1::RATING_UNSPECIFIED),
                  " Not rated</dt><dd>No consolidated rating yet.</dd>\n</dl>\n</section>\n");
}

// ---------------------------------------------------------------------------------------
// XLSX
// ---------------------------------------------------------------------------------------

constexpr size_t kXlsxMaxString = 32767;

// One workbook written to a private temporary file and read back.
class Xlsx {
 public:
  static absl::StatusOr<std::unique_ptr<Xlsx>> Create(absl::string_view title) {
    std::error_code ec;
    std::filesystem::path dir = std::filesystem::temp_directory_path(ec);
    if (ec) dir = "/tmp";
    std::string path = (dir / "sixsteps-report-XXXXXX.xlsx").string();
    int fd = mkstemps(path.data(), 5);
    if (fd < 0) return absl::InternalError("cannot create a temporary file for the XLSX export");
    close(fd);
    auto x = std::unique_ptr<Xlsx>(new Xlsx(path, dir.string()));
    if (x->wb_ == nullptr) return absl::InternalError("cannot start the XLSX workbook");
    x->title_ = std::string(title);
    x->props_.title = x->title_.data();
    x->props_.comments = const_cast<char*>("Exported by the Six Steps Scrutiny Hub");
    workbook_set_properties(x->wb_, &x->props_);
    x->InitFormats();
    return x;
  }
  ~Xlsx() {
    if (wb_ != nullptr) workbook_close(wb_);
    std::remove(path_.c_str());
  }

  lxw_worksheet* Sheet(const char* name) { return workbook_add_worksheet(wb_, name); }

  void Str(lxw_worksheet* ws, int row, int col, absl::string_view text, lxw_format* f = nullptr) {
    std::string s = Utf8Truncate(text, kXlsxMaxString - 1);
    Check(worksheet_write_string(ws, row, col, s.c_str(), f));
  }
  void Number(lxw_worksheet* ws, int row, int col, double value, lxw_format* f = nullptr) {
    Check(worksheet_write_number(ws, row, col, value, f));
  }
  void RatingCell(lxw_worksheet* ws, int row, int col, Rating rating) {
    Str(ws, row, col, absl::StrCat(RatingLetter(rating), " ", RatingName(rating)),
        RatingFormat(rating));
  }
  // A header row in bold with a frozen pane below it and an autofilter over `last_row`.
  void Header(lxw_worksheet* ws, int row, const Row& names) {
    for (size_t i = 0; i < names.size(); ++i) Str(ws, row, static_cast<int>(i), names[i], header_);
  }
  void Table(lxw_worksheet* ws, int header_row, int columns, int last_row) {
    worksheet_freeze_panes(ws, header_row + 1, 0);
    if (columns > 0 && last_row > header_row)
      Check(worksheet_autofilter(ws, header_row, 0, last_row, columns - 1));
  }
  void Width(lxw_worksheet* ws, int first, int last, double width, lxw_format* f = nullptr) {
    Check(worksheet_set_column(ws, first, last, width, f));
  }
  lxw_format* RatingFormat(Rating rating) {
    switch (rating) {
      case framework::v1::RATING_RED:
        return red_;
      case framework::v1::RATING_AMBER:
        return amber_;
      case framework::v1::RATING_GREEN:
        return green_;
      default:
        return unrated_;
    }
  }

  lxw_format* header() { return header_; }
  lxw_format* wrap() { return wrap_; }
  lxw_format* bold() { return bold_; }

  // Closes the workbook and returns the file's bytes.
  absl::StatusOr<std::string> Finish() {
    lxw_error err = workbook_close(wb_);
    wb_ = nullptr;
    if (!error_.ok()) return error_;
    if (err != LXW_NO_ERROR) {
      return absl::InternalError(absl::StrCat("XLSX export failed: ", lxw_strerror(err)));
    }
    std::ifstream in(path_, std::ios::binary);
    if (!in) return absl::InternalError("cannot read back the XLSX export");
    std::ostringstream bytes;
    bytes << in.rdbuf();
    return bytes.str();
  }

 private:
  Xlsx(std::string path, std::string tmpdir) : path_(std::move(path)), tmpdir_(std::move(tmpdir)) {
    lxw_workbook_options options = {};
    options.constant_memory = LXW_FALSE;
    options.tmpdir = tmpdir_.data();
    options.use_zip64 = LXW_FALSE;
    wb_ = workbook_new_opt(path_.c_str(), &options);
  }

  void Check(lxw_error err) {
    if (err != LXW_NO_ERROR && error_.ok()) {
      error_ = absl::InternalError(absl::StrCat("XLSX export failed: ", lxw_strerror(err)));
    }
  }

  lxw_format* Fill(lxw_color_t bg, lxw_color_t fg) {
    lxw_format* f = workbook_add_format(wb_);
    format_set_bold(f);
    format_set_pattern(f, LXW_PATTERN_SOLID);
    format_set_bg_color(f, bg);
    format_set_font_color(f, fg);
    format_set_align(f, LXW_ALIGN_CENTER);
    format_set_align(f, LXW_ALIGN_VERTICAL_TOP);
    format_set_border(f, LXW_BORDER_THIN);
    return f;
  }
  void InitFormats() {
    header_ = workbook_add_format(wb_);
    format_set_bold(header_);
    format_set_pattern(header_, LXW_PATTERN_SOLID);
    format_set_bg_color(header_, 0xE6E6E6);
    format_set_border(header_, LXW_BORDER_THIN);
    format_set_text_wrap(header_);
    format_set_align(header_, LXW_ALIGN_VERTICAL_TOP);
    wrap_ = workbook_add_format(wb_);
    format_set_text_wrap(wrap_);
    format_set_align(wrap_, LXW_ALIGN_VERTICAL_TOP);
    bold_ = workbook_add_format(wb_);
    format_set_bold(bold_);
    red_ = Fill(0xB71C1C, 0xFFFFFF);
    amber_ = Fill(0xFFBF00, 0x000000);
    green_ = Fill(0x1B5E20, 0xFFFFFF);
    unrated_ = workbook_add_format(wb_);
    format_set_align(unrated_, LXW_ALIGN_CENTER);
    format_set_align(unrated_, LXW_ALIGN_VERTICAL_TOP);
    format_set_border(unrated_, LXW_BORDER_DASHED);
  }

  std::string path_;
  std::string tmpdir_;
  std::string title_;
  lxw_doc_properties props_ = {};
  lxw_workbook* wb_ = nullptr;
  absl::Status error_;
  lxw_format* header_ = nullptr;
  lxw_format* wrap_ = nullptr;
  lxw_format* bold_ = nullptr;
  lxw_format* red_ = nullptr;
  lxw_format* amber_ = nullptr;
  lxw_format* green_ = nullptr;
  lxw_format* unrated_ = nullptr;
};

// Writes label/value pairs down two columns from `row`; returns the next free row.
int XlsxPairs(Xlsx& x, lxw_worksheet* ws, int row,
              const std::vector<std::pair<std::string, std::string>>& items) {
  for (const auto& [k, v] : items) {
    if (v.empty()) continue;
    x.Str(ws, row, 0, k, x.bold());
    x.Str(ws, row, 1, v);
    ++row;
  }
  return row;
}

// Writes a plain table of strings (header + rows) from `row`; returns the next free row.
int XlsxTable(Xlsx& x, lxw_worksheet* ws, int row, const Row& header,
              const std::vector<Row>& rows) {
  x.Header(ws, row, header);
  int r = row + 1;
  for (const Row& cells : rows) {
    for (size_t c = 0; c < cells.size(); ++c) x.Str(ws, r, static_cast<int>(c), cells[c]);
    ++r;
  }
  return r;
}

// ---------------------------------------------------------------------------------------
// Text
// ---------------------------------------------------------------------------------------

std::string TextRating(Rating rating) { return absl::StrCat("[", RatingLetter(rating), "]"); }

// Columns sized to their widest cell (at most `max_width` code points each).
void TextTable(std::string* out, const Row& header, const std::vector<Row>& rows,
               size_t max_width = 28) {
  std::vector<size_t> widths(header.size(), 0);
  auto measure = [&](const Row& r) {
    for (size_t i = 0; i < widths.size() && i < r.size(); ++i)
      widths[i] = std::min(max_width, std::max(widths[i], Utf8Length(OneLine(r[i]))));
  };
  measure(header);
  for (const Row& r : rows) measure(r);
  auto line = [&](const Row& r) {
    std::string l;
    for (size_t i = 0; i < widths.size(); ++i) {
      if (i > 0) l += "  ";
      std::string cell = i < r.size() ? Utf8Truncate(OneLine(r[i]), widths[i]) : "";
      l += i + 1 == widths.size() ? cell : PadRight(cell, widths[i]);
    }
    while (!l.empty() && l.back() == ' ') l.pop_back();
    absl::StrAppend(out, l, "\n");
  };
  line(header);
  Row rule;
  for (size_t w : widths) rule.push_back(std::string(w, '-'));
  line(rule);
  for (const Row& r : rows) line(r);
}

void TextWrapped(std::string* out, absl::string_view indent, absl::string_view text,
                 size_t width = 88) {
  for (const auto& l : Wrap(text, width)) absl::StrAppend(out, indent, l, "\n");
}

void TextHeading(std::string* out, absl::string_view heading) {
  absl::StrAppend(out, "\n", heading, "\n", std::string(Utf8Length(heading), '='), "\n");
}

void TextLegend(std::string* out,
                const google::protobuf::RepeatedPtrField<RatingDefinition>& defs) {
  TextHeading(out, "Ratings");
  for (const auto& d : defs) {
    TextWrapped(
        out, "",
        absl::StrCat(TextRating(d.rating()), " ", RatingName(d.rating()), ": ", d.definition()));
  }
  absl::StrAppend(out, "[-] Not rated\n");
}

// ---------------------------------------------------------------------------------------
// Report 1: AssessmentReport
// ---------------------------------------------------------------------------------------

std::string ReportTitle(const v1::AssessmentReport& r) {
  if (!r.title().empty()) return r.title();
  return absl::StrCat("Assessment ", LastSegment(r.assessment()));
}

std::vector<std::pair<std::string, std::string>> AssessmentMeta(const v1::AssessmentReport& r) {
  return {{"Partnership",
           r.partnership_name().empty() ? LastSegment(r.partnership()) : r.partnership_name()},
          {"Assessment", r.assessment()},
          {"Kind", r.kind()},
          {"State", r.state()},
          {"Revision", r.revision() > 0 ? absl::StrCat(r.revision()) : ""},
          {"Period", Period(r.period_start(), r.period_end())},
          {"Framework",
           absl::StrCat(r.framework_title(), r.framework_version().empty()
                                                 ? ""
                                                 : absl::StrCat(" (", r.framework_version(), ")"))},
          {"Finalised", FormatTimestamp(r.finalise_time())},
          {"Overdue judged on", r.as_of_date()}};
}

Row AssessmentCsvHeader(const std::vector<Respondent>& respondents) {
  Row header = {"step_id",          "step_title",          "question_id",
                "question",         "consolidated_rating", "evidence_items",
                "evidence_missing", "divergent",           "open_challenges"};
  for (const auto& r : respondents) header.push_back(r.label);
  return header;
}

Row AssessmentCsvRow(const v1::StepRow& step, const v1::QuestionRow& q,
                     const std::vector<Respondent>& respondents) {
  Row row = {step.step_id(),
             step.title(),
             q.question_id(),
             q.text(),
             RatingName(q.consolidated_rating()),
             absl::StrCat(q.evidence_items()),
             YesNo(q.evidence_missing()),
             Divergence(q),
             absl::StrCat(q.open_challenges())};
  for (const auto& who : respondents) {
    const v1::RespondentRating* r = FindResponse(q, who);
    row.push_back(r == nullptr ? "" : RatingName(r->rating()));
  }
  return row;
}

std::string AssessmentCsv(const v1::AssessmentReport& report) {
  std::vector<Respondent> respondents = RespondentsOf(report);
  std::string out;
  CsvRow(&out, AssessmentCsvHeader(respondents));
  for (const auto& step : report.steps())
    for (const auto& q : step.questions()) CsvRow(&out, AssessmentCsvRow(step, q, respondents));
  return out;
}

std::string AssessmentMarkdown(const v1::AssessmentReport& report) {
  std::vector<Respondent> respondents = RespondentsOf(report);
  auto texts = QuestionTexts(report);
  std::string out = absl::StrCat("# ", Md(ReportTitle(report)), "\n\n");
  for (const auto& [k, v] : AssessmentMeta(report)) {
    if (!v.empty()) absl::StrAppend(&out, "- **", k, ":** ", Md(v), "\n");
  }
  absl::StrAppend(&out, "\n_", Md(FreshnessLine(report.freshness())), "_\n\n");

  // The grid, steps as columns as in the source document.
  out += "## Grid\n\n";
  Row header = {" "};
  for (const auto& step : report.steps()) header.push_back(Md(StepHeading(step)));
  std::vector<Row> rows;
  for (size_t i = 0; i < MaxQuestions(report); ++i) {
    Row row = {absl::StrCat("Q", i + 1)};
    for (const auto& step : report.steps()) {
      if (static_cast<int>(i) < step.questions_size()) {
        const auto& q = step.questions(static_cast<int>(i));
        row.push_back(absl::StrCat(MdRating(q.consolidated_rating()), " ", Md(q.question_id())));
      } else {
        row.push_back("");
      }
    }
    rows.push_back(std::move(row));
  }
  Row counts = {"Counts"};
  Row actions = {"Actions"};
  for (const auto& step : report.steps()) {
    counts.push_back(CountsShort(step.counts()));
    actions.push_back(ActionCountsLine(step.actions()));
  }
  rows.push_back(counts);
  rows.push_back(actions);
  MdTable(&out, header, rows);

  out += "## Summary\n\n";
  MdTable(&out,
          {"Red", "Amber", "Green", "Not rated", "Completeness", "Open challenges", "Actions"},
          {{absl::StrCat(report.counts().red()), absl::StrCat(report.counts().amber()),
            absl::StrCat(report.counts().green()), absl::StrCat(report.counts().unrated()),
            absl::StrCat(report.completeness_percent(), "%"),
            absl::StrCat(report.open_challenges()), ActionCountsLine(report.actions())}});

  out += "## Questions\n\n";
  for (const auto& step : report.steps()) {
    absl::StrAppend(&out, "### ", Md(StepHeading(step)), "\n\n");
    Row qh = {"Question",         "Text",      "Rating",         "Evidence",
              "Evidence missing", "Divergent", "Open challenges"};
    for (const auto& who : respondents) qh.push_back(Md(who.label));
    std::vector<Row> qrows;
    for (const auto& q : step.questions()) {
      Row r = {Md(q.question_id()),
               Md(q.text()),
               MdRating(q.consolidated_rating()),
               absl::StrCat(q.evidence_items()),
               YesNo(q.evidence_missing()),
               Divergence(q),
               absl::StrCat(q.open_challenges())};
      for (const auto& who : respondents) {
        const auto* resp = FindResponse(q, who);
        r.push_back(resp == nullptr ? "" : MdRating(resp->rating()));
      }
      qrows.push_back(std::move(r));
    }
    MdTable(&out, qh, qrows);
    absl::StrAppend(&out, "**Action plan** (", ActionCountsLine(step.actions()), ")\n\n");
    for (const auto& q : step.questions()) {
      absl::StrAppend(&out, "- ", MdRating(q.consolidated_rating()), " ", Md(q.question_id()), ":");
      if (!q.rationale().empty()) absl::StrAppend(&out, " ", Md(q.rationale()), " —");
      absl::StrAppend(&out, " work still to do: ",
                      q.remaining_work().empty() ? "none recorded" : Md(q.remaining_work()), "\n");
    }
    out += "\n";
  }

  out += "## Gaps\n\n";
  auto gap_list = [&](absl::string_view title,
                      const google::protobuf::RepeatedPtrField<std::string>& ids) {
    absl::StrAppend(&out, "**", title, ":**", ids.empty() ? " none\n\n" : "\n\n");
    for (const auto& id : ids) {
      const auto* q = FindQuestion(report, id);
      absl::StrAppend(&out, "- ", Md(id), " ", Md(texts[id]),
                      q != nullptr && q->severe_divergence() ? " (severe: Green meets Red)" : "",
                      "\n");
    }
    if (!ids.empty()) out += "\n";
  };
  gap_list("Questions missing evidence", report.questions_missing_evidence());
  gap_list("Divergent ratings", report.divergent_questions());

  MdLegend(&out, report.rating_definitions());
  MdFooter(&out, report.attribution());
  return out;
}

std::string AssessmentHtml(const v1::AssessmentReport& report) {
  std::vector<Respondent> respondents = RespondentsOf(report);
  auto texts = QuestionTexts(report);
  std::string title = ReportTitle(report);
  std::string out = HtmlHead(report.partnership_name().empty()
                                 ? title
                                 : absl::StrCat(title, " — ", report.partnership_name()));
  absl::StrAppend(&out, "<header>\n<h1>", H(title), "</h1>\n");
  if (!report.partnership_name().empty())
    absl::StrAppend(&out, "<p class=\"subtitle\">", H(report.partnership_name()), "</p>\n");
  HtmlMeta(&out, AssessmentMeta(report));
  absl::StrAppend(&out, "<p class=\"freshness\">", H(FreshnessLine(report.freshness())),
                  "</p>\n</header>\n");

  const auto& c = report.counts();

  // The grid: steps as columns, each question's text above its rating, as in Section 4.
  out += "<section>\n<h2>Grid</h2>\n<table class=\"grid\">\n<thead><tr><th class=\"rowhead\"></th>";
  for (const auto& step : report.steps()) {
    absl::StrAppend(&out, "<th scope=\"col\"><span class=\"stepid\">", H(step.step_id()), "</span>",
                    H(step.title()), "</th>");
  }
  out += "</tr></thead>\n<tbody>\n";
  for (size_t i = 0; i < MaxQuestions(report); ++i) {
    int qi = static_cast<int>(i);
    absl::StrAppend(
        &out, "<tr class=\"keep\"><th class=\"rowhead\" rowspan=\"2\" scope=\"row\">Question ",
        i + 1, "</th>");
    for (const auto& step : report.steps()) {
      if (qi >= step.questions_size()) {
        out += "<td class=\"none\"></td>";
        continue;
      }
      const auto& q = step.questions(qi);
      absl::StrAppend(&out, "<td class=\"q\"><span class=\"qid\">", H(q.question_id()), "</span>",
                      H(q.text()));
      std::string flags;
      if (q.evidence_missing()) flags += "<span class=\"flag warn\">evidence missing</span>";
      if (q.severe_divergence()) {
        flags += "<span class=\"flag warn\">severe divergence</span>";
      } else if (q.divergent()) {
        flags += "<span class=\"flag\">divergent</span>";
      }
      if (q.open_challenges() > 0)
        absl::StrAppend(&flags, "<span class=\"flag\">", q.open_challenges(), " open challenge",
                        q.open_challenges() == 1 ? "" : "s", "</span>");
      if (!flags.empty()) absl::StrAppend(&out, "<br>", flags);
      out += "</td>";
    }
    out += "</tr>\n<tr class=\"keep\">";
    for (const auto& step : report.steps()) {
      if (qi >= step.questions_size()) {
        out += "<td class=\"none\"></td>";
      } else {
        out += HtmlRatingCell(step.questions(qi).consolidated_rating());
      }
    }
    out += "</tr>\n";
  }
  out += "<tr><th class=\"rowhead\" scope=\"row\">Counts</th>";
  for (const auto& step : report.steps())
    absl::StrAppend(&out, "<td>", H(CountsShort(step.counts())), "</td>");
  out += "</tr>\n<tr><th class=\"rowhead\" scope=\"row\">Actions</th>";
  for (const auto& step : report.steps())
    absl::StrAppend(&out, "<td>", H(ActionCountsLine(step.actions())), "</td>");
  out += "</tr>\n</tbody>\n</table>\n</section>\n";

  HtmlLegend(&out, report.rating_definitions());

  // Summary.
  out += "<section class=\"keep\">\n<h2>Summary</h2>\n";
  HtmlTable(
      &out, {"Red", "Amber", "Green", "Not rated", "Completeness", "Open challenges", "Actions"},
      {{HtmlRatingCell(framework::v1::RATING_RED, absl::StrCat("(", c.red(), ")")),
        HtmlRatingCell(framework::v1::RATING_AMBER, absl::StrCat("(", c.amber(), ")")),
        HtmlRatingCell(framework::v1::RATING_GREEN, absl::StrCat("(", c.green(), ")")),
        HtmlRatingCell(framework::v1::RATING_UNSPECIFIED, absl::StrCat("(", c.unrated(), ")")),
        absl::StrCat("<td class=\"num\">", report.completeness_percent(), "%</td>"),
        Num(report.open_challenges()), H(ActionCountsLine(report.actions()))}});
  out += "</section>\n";

  // Counts per step.
  out += "<section class=\"keep\">\n<h2>Counts per step</h2>\n";
  std::vector<Row> count_rows;
  for (const auto& step : report.steps()) {
    count_rows.push_back({H(step.step_id()), H(step.title()), Num(step.counts().red()),
                          Num(step.counts().amber()), Num(step.counts().green()),
                          Num(step.counts().unrated()), Num(step.actions().open()),
                          Num(step.actions().overdue()), Num(step.actions().done())});
  }
  count_rows.push_back({"<strong>All</strong>", "", Num(c.red()), Num(c.amber()), Num(c.green()),
                        Num(c.unrated()), Num(report.actions().open()),
                        Num(report.actions().overdue()), Num(report.actions().done())});
  HtmlTable(&out,
            {"Step", "Title", "Red", "Amber", "Green", "Not rated", "Open actions",
             "Overdue actions", "Done actions"},
            count_rows);
  absl::StrAppend(&out, "<p>Completeness: <strong>", report.completeness_percent(),
                  "%</strong> of questions have a consolidated rating.</p>\n</section>\n");

  // Gaps.
  out += "<section class=\"keep\">\n<h2>Gaps</h2>\n";
  auto gap_list = [&](absl::string_view heading,
                      const google::protobuf::RepeatedPtrField<std::string>& ids) {
    absl::StrAppend(&out, "<h3>", heading, "</h3>\n");
    if (ids.empty()) {
      out += "<p>None.</p>\n";
      return;
    }
    out += "<ul class=\"gaps\">\n";
    for (const auto& id : ids) {
      const auto* q = FindQuestion(report, id);
      absl::StrAppend(&out, "<li>", q != nullptr ? HtmlBadge(q->consolidated_rating()) : "",
                      " <span class=\"qid\">", H(id), "</span>", H(texts[id]),
                      q != nullptr && q->severe_divergence()
                          ? " <span class=\"flag warn\">severe: Green meets Red</span>"
                          : "",
                      "</li>\n");
    }
    out += "</ul>\n";
  };
  gap_list("Questions missing evidence", report.questions_missing_evidence());
  gap_list("Divergent ratings", report.divergent_questions());
  absl::StrAppend(&out, "<p>Open challenges: <strong>", report.open_challenges(),
                  "</strong></p>\n</section>\n");

  // Responses: who rated what.
  if (!respondents.empty()) {
    out += "<section>\n<h2>Ratings by respondent</h2>\n";
    Row header = {"Question", "Consolidated"};
    for (const auto& who : respondents) header.push_back(who.label);
    std::vector<Row> rows;
    for (const auto& step : report.steps()) {
      for (const auto& q : step.questions()) {
        Row r = {absl::StrCat("<span class=\"qid\">", H(q.question_id()), "</span>"),
                 HtmlRatingCell(q.consolidated_rating())};
        for (const auto& who : respondents) {
          const auto* resp = FindResponse(q, who);
          r.push_back(resp == nullptr ? "<td class=\"none\"></td>"
                                      : HtmlRatingCell(resp->rating()));
        }
        rows.push_back(std::move(r));
      }
    }
    HtmlTable(&out, header, rows);
    out += "</section>\n";
  }

  // Action plan per step: Section 5 asks for one whatever the rating.
  out += "<section>\n<h2>Action plan</h2>\n";
  for (const auto& step : report.steps()) {
    absl::StrAppend(&out, "<div class=\"step\">\n<h3>", H(StepHeading(step)),
                    "</h3>\n<p>Actions: ", H(ActionCountsLine(step.actions())), "</p>\n");
    std::vector<Row> rows;
    for (const auto& q : step.questions()) {
      rows.push_back(
          {absl::StrCat("<span class=\"qid\">", H(q.question_id()), "</span>", H(q.text())),
           HtmlRatingCell(q.consolidated_rating()), H(q.rationale()),
           q.remaining_work().empty() ? "<em>None recorded</em>" : H(q.remaining_work())});
    }
    HtmlTable(&out, {"Question", "Rating", "Rationale", "Work still to do"}, rows);
    out += "</div>\n";
  }
  out += "</section>\n";

  out += HtmlFooter(report.attribution(), nullptr);
  return out;
}

absl::StatusOr<std::string> AssessmentXlsx(const v1::AssessmentReport& report) {
  SIXSTEPS_ASSIGN_OR_RETURN(auto x, Xlsx::Create(ReportTitle(report)));
  std::vector<Respondent> respondents = RespondentsOf(report);

  // Grid: one row per question, like the CSV.
  lxw_worksheet* grid = x->Sheet("Grid");
  Row header = AssessmentCsvHeader(respondents);
  x->Header(grid, 0, header);
  int row = 1;
  for (const auto& step : report.steps()) {
    for (const auto& q : step.questions()) {
      x->Str(grid, row, 0, step.step_id());
      x->Str(grid, row, 1, step.title(), x->wrap());
      x->Str(grid, row, 2, q.question_id());
      x->Str(grid, row, 3, q.text(), x->wrap());
      x->RatingCell(grid, row, 4, q.consolidated_rating());
      x->Number(grid, row, 5, q.evidence_items());
      x->Str(grid, row, 6, YesNo(q.evidence_missing()));
      x->Str(grid, row, 7, Divergence(q));
      x->Number(grid, row, 8, q.open_challenges());
      for (size_t i = 0; i < respondents.size(); ++i) {
        const auto* resp = FindResponse(q, respondents[i]);
        if (resp != nullptr) x->RatingCell(grid, row, 9 + static_cast<int>(i), resp->rating());
      }
      ++row;
    }
  }
  x->Table(grid, 0, static_cast<int>(header.size()), row - 1);
  x->Width(grid, 0, 0, 10);
  x->Width(grid, 1, 1, 28);
  x->Width(grid, 2, 2, 11);
  x->Width(grid, 3, 3, 60);
  x->Width(grid, 4, 4, 14);
  x->Width(grid, 5, 8, 12);
  if (!respondents.empty()) x->Width(grid, 9, 8 + static_cast<int>(respondents.size()), 16);
  worksheet_set_landscape(grid);
  worksheet_fit_to_pages(grid, 1, 0);

  // Summary: the report's facts and the counts per step.
  lxw_worksheet* summary = x->Sheet("Summary");
  auto meta = AssessmentMeta(report);
  meta.insert(meta.begin(), {"Report", ReportTitle(report)});
  meta.push_back({"Completeness", absl::StrCat(report.completeness_percent(), "%")});
  meta.push_back({"Open challenges", absl::StrCat(report.open_challenges())});
  meta.push_back({"Actions", ActionCountsLine(report.actions())});
  meta.push_back({"Freshness", FreshnessLine(report.freshness())});
  row = XlsxPairs(*x, summary, 0, meta) + 1;
  x->Header(summary, row++,
            {"step_id", "step_title", "red", "amber", "green", "not_rated", "open_actions",
             "overdue_actions", "done_actions", "cancelled_actions", "carried_over_actions"});
  auto count_row = [&](absl::string_view id, absl::string_view title, const v1::RatingCounts& rc,
                       const v1::ActionCounts& ac, lxw_format* f) {
    x->Str(summary, row, 0, id, f);
    x->Str(summary, row, 1, title, f);
    double values[] = {double(rc.red()),     double(rc.amber()),     double(rc.green()),
                       double(rc.unrated()), double(ac.open()),      double(ac.overdue()),
                       double(ac.done()),    double(ac.cancelled()), double(ac.carried_over())};
    for (int i = 0; i < 9; ++i) x->Number(summary, row, 2 + i, values[i], f);
    ++row;
  };
  for (const auto& step : report.steps())
    count_row(step.step_id(), step.title(), step.counts(), step.actions(), nullptr);
  count_row("All", "", report.counts(), report.actions(), x->bold());
  ++row;
  x->Str(summary, row++, 0, "Ratings", x->bold());
  for (const auto& d : report.rating_definitions()) {
    x->RatingCell(summary, row, 0, d.rating());
    x->Str(summary, row++, 1, d.definition());
  }
  ++row;
  if (!report.attribution().empty()) x->Str(summary, row++, 0, report.attribution());
  x->Width(summary, 0, 0, 20);
  x->Width(summary, 1, 1, 40);
  x->Width(summary, 2, 10, 12);

  // Action plan: what each question still needs, for people to edit.
  lxw_worksheet* plan = x->Sheet("Action plan");
  Row plan_header = {"step_id",        "step_title",          "question_id",
                     "question",       "consolidated_rating", "rationale",
                     "remaining_work", "evidence_missing"};
  x->Header(plan, 0, plan_header);
  row = 1;
  for (const auto& step : report.steps()) {
    for (const auto& q : step.questions()) {
      x->Str(plan, row, 0, step.step_id());
      x->Str(plan, row, 1, step.title(), x->wrap());
      x->Str(plan, row, 2, q.question_id());
      x->Str(plan, row, 3, q.text(), x->wrap());
      x->RatingCell(plan, row, 4, q.consolidated_rating());
      x->Str(plan, row, 5, q.rationale(), x->wrap());
      x->Str(plan, row, 6, q.remaining_work(), x->wrap());
      x->Str(plan, row, 7, YesNo(q.evidence_missing()));
      ++row;
    }
  }
  x->Table(plan, 0, static_cast<int>(plan_header.size()), row - 1);
  x->Width(plan, 0, 0, 10);
  x->Width(plan, 1, 1, 24);
  x->Width(plan, 2, 2, 11);
  x->Width(plan, 3, 3, 50);
  x->Width(plan, 4, 4, 14);
  x->Width(plan, 5, 6, 45);
  x->Width(plan, 7, 7, 12);
  return x->Finish();
}

std::string AssessmentText(const v1::AssessmentReport& report) {
  std::vector<Respondent> respondents = RespondentsOf(report);
  auto texts = QuestionTexts(report);
  std::string out = absl::StrCat(ReportTitle(report), "\n");
  for (const auto& [k, v] : AssessmentMeta(report))
    if (!v.empty()) absl::StrAppend(&out, PadRight(k + ":", 19), v, "\n");
  TextWrapped(&out, "", FreshnessLine(report.freshness()));

  TextHeading(&out, "Grid");
  Row header = {""};
  for (const auto& step : report.steps()) header.push_back(StepHeading(step));
  std::vector<Row> rows;
  for (size_t i = 0; i < MaxQuestions(report); ++i) {
    Row r = {absl::StrCat("Q", i + 1)};
    for (const auto& step : report.steps()) {
      if (static_cast<int>(i) < step.questions_size()) {
        const auto& q = step.questions(static_cast<int>(i));
        r.push_back(absl::StrCat(TextRating(q.consolidated_rating()), " ", q.question_id(),
                                 q.evidence_missing() ? " !" : "", q.divergent() ? " ~" : ""));
      } else {
        r.push_back("");
      }
    }
    rows.push_back(std::move(r));
  }
  Row counts = {"Counts"};
  for (const auto& step : report.steps()) counts.push_back(CountsShort(step.counts()));
  rows.push_back(counts);
  TextTable(&out, header, rows, 24);
  out += "(! evidence missing, ~ divergent)\n";

  TextHeading(&out, "Summary");
  absl::StrAppend(&out, "Ratings:         ", CountsShort(report.counts()), "\n",
                  "Completeness:    ", report.completeness_percent(), "%\n",
                  "Open challenges: ", report.open_challenges(), "\n",
                  "Actions:         ", ActionCountsLine(report.actions()), "\n");

  TextHeading(&out, "Questions and action plan");
  for (const auto& step : report.steps()) {
    absl::StrAppend(&out, "\n", StepHeading(step), "  (", CountsShort(step.counts()), "; actions ",
                    ActionCountsLine(step.actions()), ")\n");
    for (const auto& q : step.questions()) {
      std::string lead =
          absl::StrCat("  ", TextRating(q.consolidated_rating()), " ", q.question_id(), " ");
      auto lines = Wrap(q.text(), 80);
      for (size_t i = 0; i < lines.size(); ++i)
        absl::StrAppend(&out, i == 0 ? lead : std::string(Utf8Length(lead), ' '), lines[i], "\n");
      if (lines.empty()) absl::StrAppend(&out, lead, "\n");
      std::string indent(8, ' ');
      std::vector<std::string> facts = {absl::StrCat("evidence ", q.evidence_items())};
      if (q.evidence_missing()) facts.push_back("EVIDENCE MISSING");
      if (q.severe_divergence()) {
        facts.push_back("SEVERE DIVERGENCE");
      } else if (q.divergent()) {
        facts.push_back("divergent");
      }
      if (q.open_challenges() > 0)
        facts.push_back(absl::StrCat(q.open_challenges(), " open challenge(s)"));
      absl::StrAppend(&out, indent, absl::StrJoin(facts, "; "), "\n");
      std::vector<std::string> who;
      for (const auto& r : q.respondent_ratings())
        who.push_back(absl::StrCat(TextRating(r.rating()), " ", r.label()));
      if (!who.empty())
        TextWrapped(&out, indent, absl::StrCat("Respondents: ", absl::StrJoin(who, ", ")), 80);
      if (!q.rationale().empty())
        TextWrapped(&out, indent, absl::StrCat("Rationale: ", q.rationale()), 80);
      TextWrapped(&out, indent,
                  absl::StrCat("Work still to do: ",
                               q.remaining_work().empty() ? "none recorded" : q.remaining_work()),
                  80);
    }
  }

  TextHeading(&out, "Gaps");
  auto gap_list = [&](absl::string_view heading,
                      const google::protobuf::RepeatedPtrField<std::string>& ids) {
    absl::StrAppend(&out, heading, ":", ids.empty() ? " none" : "", "\n");
    for (const auto& id : ids) TextWrapped(&out, "  ", absl::StrCat("- ", id, " ", texts[id]), 86);
  };
  gap_list("Questions missing evidence", report.questions_missing_evidence());
  gap_list("Divergent ratings", report.divergent_questions());

  TextLegend(&out, report.rating_definitions());
  if (!report.attribution().empty()) {
    out += "\n";
    TextWrapped(&out, "", report.attribution());
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Report 2: PartnershipTrend
// ---------------------------------------------------------------------------------------

std::string TrendTitle(const v1::PartnershipTrend& t) {
  return absl::StrCat(
      "Trend: ", t.partnership_name().empty() ? LastSegment(t.partnership()) : t.partnership_name(),
      t.kind().empty() ? "" : absl::StrCat(" (", t.kind(), ")"));
}

Rating RatingAt(const v1::QuestionTrend& q, int i) {
  return i < q.ratings_size() ? q.ratings(i) : framework::v1::RATING_UNSPECIFIED;
}

Row TrendCsvHeader(const v1::PartnershipTrend& t) {
  Row header = {"step_id", "question_id", "question"};
  for (const auto& r : t.rounds()) header.push_back(RoundLabel(r));
  header.push_back("trend");
  return header;
}

std::string TrendCsv(const v1::PartnershipTrend& t) {
  std::string out;
  CsvRow(&out, TrendCsvHeader(t));
  for (const auto& q : t.questions()) {
    Row row = {q.step_id(), q.question_id(), q.text()};
    for (int i = 0; i < t.rounds_size(); ++i) row.push_back(RatingName(RatingAt(q, i)));
    row.push_back(TrendName(q.trend()));
    CsvRow(&out, row);
  }
  return out;
}

std::string TrendMarkdown(const v1::PartnershipTrend& t) {
  std::string out =
      absl::StrCat("# ", Md(TrendTitle(t)), "\n\n_", Md(FreshnessLine(t.freshness())), "_\n\n");
  out += "## Rounds\n\n";
  std::vector<Row> rows;
  for (const auto& r : t.rounds())
    rows.push_back({Md(r.title()), Md(r.period_end()), Md(FormatTimestamp(r.finalise_time())),
                    Md(r.framework_version()), Md(r.assessment())});
  MdTable(&out, {"Round", "Period end", "Finalised", "Framework version", "Assessment"}, rows);
  out += "## Questions\n\n";
  Row header = {"Step", "Question", "Text"};
  for (const auto& r : t.rounds()) header.push_back(Md(RoundLabel(r)));
  header.push_back("Trend");
  rows.clear();
  for (const auto& q : t.questions()) {
    Row row = {Md(q.step_id()), Md(q.question_id()), Md(q.text())};
    for (int i = 0; i < t.rounds_size(); ++i) row.push_back(MdRating(RatingAt(q, i)));
    row.push_back(TrendName(q.trend()));
    rows.push_back(std::move(row));
  }
  MdTable(&out, header, rows);
  out += "## Steps\n\n";
  header = {"Step", "Title"};
  for (const auto& r : t.rounds()) header.push_back(Md(RoundLabel(r)));
  header.push_back("Trend");
  rows.clear();
  for (const auto& s : t.steps()) {
    Row row = {Md(s.step_id()), Md(s.title())};
    for (int i = 0; i < t.rounds_size(); ++i)
      row.push_back(i < s.counts_size() ? CountsShort(s.counts(i)) : "");
    row.push_back(TrendName(s.trend()));
    rows.push_back(std::move(row));
  }
  MdTable(&out, header, rows);
  return out;
}

std::string TrendHtml(const v1::PartnershipTrend& t) {
  std::string out = HtmlHead(TrendTitle(t));
  absl::StrAppend(&out, "<header>\n<h1>", H(TrendTitle(t)), "</h1>\n<p class=\"freshness\">",
                  H(FreshnessLine(t.freshness())), "</p>\n</header>\n");
  out += "<section>\n<h2>Rounds</h2>\n";
  std::vector<Row> rows;
  for (const auto& r : t.rounds())
    rows.push_back({H(r.title()), H(r.period_end()), H(FormatTimestamp(r.finalise_time())),
                    H(r.framework_version()), H(r.assessment())});
  HtmlTable(&out, {"Round", "Period end", "Finalised", "Framework version", "Assessment"}, rows);
  out += "</section>\n<section>\n<h2>Questions</h2>\n";
  Row header = {"Step", "Question"};
  for (const auto& r : t.rounds()) header.push_back(RoundLabel(r));
  header.push_back("Trend");
  rows.clear();
  for (const auto& q : t.questions()) {
    Row row = {H(q.step_id()),
               absl::StrCat("<span class=\"qid\">", H(q.question_id()), "</span>", H(q.text()))};
    for (int i = 0; i < t.rounds_size(); ++i) row.push_back(HtmlRatingCell(RatingAt(q, i)));
    row.push_back(absl::StrCat("<strong>", H(TrendName(q.trend())), "</strong>"));
    rows.push_back(std::move(row));
  }
  HtmlTable(&out, header, rows);
  out += "</section>\n<section>\n<h2>Steps</h2>\n";
  header = {"Step", "Title"};
  for (const auto& r : t.rounds()) header.push_back(RoundLabel(r));
  header.push_back("Trend");
  rows.clear();
  for (const auto& s : t.steps()) {
    Row row = {H(s.step_id()), H(s.title())};
    for (int i = 0; i < t.rounds_size(); ++i)
      row.push_back(i < s.counts_size() ? H(CountsShort(s.counts(i))) : "");
    row.push_back(absl::StrCat("<strong>", H(TrendName(s.trend())), "</strong>"));
    rows.push_back(std::move(row));
  }
  HtmlTable(&out, header, rows);
  out += "</section>\n";
  out += HtmlFooter("", &t.freshness());
  return out;
}

absl::StatusOr<std::string> TrendXlsx(const v1::PartnershipTrend& t) {
  SIXSTEPS_ASSIGN_OR_RETURN(auto x, Xlsx::Create(TrendTitle(t)));
  lxw_worksheet* qs = x->Sheet("Questions");
  Row header = TrendCsvHeader(t);
  x->Header(qs, 0, header);
  int row = 1;
  for (const auto& q : t.questions()) {
    x->Str(qs, row, 0, q.step_id());
    x->Str(qs, row, 1, q.question_id());
    x->Str(qs, row, 2, q.text(), x->wrap());
    for (int i = 0; i < t.rounds_size(); ++i) x->RatingCell(qs, row, 3 + i, RatingAt(q, i));
    x->Str(qs, row, 3 + t.rounds_size(), TrendName(q.trend()));
    ++row;
  }
  x->Table(qs, 0, static_cast<int>(header.size()), row - 1);
  x->Width(qs, 0, 1, 11);
  x->Width(qs, 2, 2, 60);
  x->Width(qs, 3, 3 + t.rounds_size(), 16);

  lxw_worksheet* steps = x->Sheet("Steps");
  Row sh = {"step_id", "step_title", "round", "red", "amber", "green", "not_rated"};
  x->Header(steps, 0, sh);
  row = 1;
  for (const auto& s : t.steps()) {
    for (int i = 0; i < s.counts_size(); ++i) {
      x->Str(steps, row, 0, s.step_id());
      x->Str(steps, row, 1, s.title());
      x->Str(steps, row, 2, i < t.rounds_size() ? RoundLabel(t.rounds(i)) : absl::StrCat(i + 1));
      x->Number(steps, row, 3, s.counts(i).red());
      x->Number(steps, row, 4, s.counts(i).amber());
      x->Number(steps, row, 5, s.counts(i).green());
      x->Number(steps, row, 6, s.counts(i).unrated());
      ++row;
    }
  }
  x->Table(steps, 0, static_cast<int>(sh.size()), row - 1);
  x->Width(steps, 0, 0, 10);
  x->Width(steps, 1, 2, 30);

  lxw_worksheet* rounds = x->Sheet("Rounds");
  std::vector<Row> rows;
  for (const auto& r : t.rounds())
    rows.push_back({r.assessment(), r.title(), r.period_end(), FormatTimestamp(r.finalise_time()),
                    r.framework_version()});
  row = XlsxTable(*x, rounds, 0,
                  {"assessment", "title", "period_end", "finalised", "framework_version"}, rows);
  x->Table(rounds, 0, 5, row - 1);
  x->Width(rounds, 0, 4, 24);
  row += 1;
  x->Str(rounds, row, 0, FreshnessLine(t.freshness()));
  return x->Finish();
}

std::string TrendText(const v1::PartnershipTrend& t) {
  std::string out = absl::StrCat(TrendTitle(t), "\n");
  TextWrapped(&out, "", FreshnessLine(t.freshness()));
  TextHeading(&out, "Rounds");
  std::vector<Row> rows;
  for (size_t i = 0; i < static_cast<size_t>(t.rounds_size()); ++i) {
    const auto& r = t.rounds(static_cast<int>(i));
    rows.push_back({absl::StrCat(i + 1), r.title(), r.period_end(),
                    FormatTimestamp(r.finalise_time()), r.framework_version()});
  }
  TextTable(&out, {"#", "Round", "Period end", "Finalised", "Framework"}, rows, 40);
  TextHeading(&out, "Questions");
  Row header = {"Step", "Question"};
  for (int i = 0; i < t.rounds_size(); ++i) header.push_back(absl::StrCat("#", i + 1));
  header.push_back("Trend");
  header.push_back("Text");
  rows.clear();
  for (const auto& q : t.questions()) {
    Row row = {q.step_id(), q.question_id()};
    for (int i = 0; i < t.rounds_size(); ++i) row.push_back(TextRating(RatingAt(q, i)));
    row.push_back(TrendName(q.trend()));
    row.push_back(q.text());
    rows.push_back(std::move(row));
  }
  TextTable(&out, header, rows, 48);
  TextHeading(&out, "Steps");
  header = {"Step"};
  for (int i = 0; i < t.rounds_size(); ++i) header.push_back(absl::StrCat("#", i + 1));
  header.push_back("Trend");
  rows.clear();
  for (const auto& s : t.steps()) {
    Row row = {s.title().empty() ? s.step_id() : absl::StrCat(s.step_id(), ": ", s.title())};
    for (int i = 0; i < t.rounds_size(); ++i)
      row.push_back(i < s.counts_size() ? CountsShort(s.counts(i)) : "");
    row.push_back(TrendName(s.trend()));
    rows.push_back(std::move(row));
  }
  TextTable(&out, header, rows, 32);
  return out;
}

// ---------------------------------------------------------------------------------------
// Report 3: RegionalOverview
// ---------------------------------------------------------------------------------------

std::string RegionTitle(const v1::RegionalOverview& r) {
  return absl::StrCat("Regional overview: ",
                      r.region_name().empty() ? LastSegment(r.region()) : r.region_name());
}

std::string PartnershipLabel(const v1::RegionalRow& row) {
  if (!row.partnership_name().empty()) return row.partnership_name();
  if (row.anonymous()) return "Anonymous partnership";
  return LastSegment(row.partnership());
}

Row RegionalCsvHeader(const std::vector<std::string>& step_ids) {
  Row header = {"partnership",
                "partnership_name",
                "anonymous",
                "assessment",
                "last_scrutiny_date",
                "red",
                "amber",
                "green",
                "not_rated",
                "overdue_actions"};
  for (const auto& id : step_ids) header.push_back(absl::StrCat("heat_", id));
  return header;
}

std::string RegionalCsv(const v1::RegionalOverview& report) {
  auto step_ids = RegionalStepIds(report);
  std::string out;
  CsvRow(&out, RegionalCsvHeader(step_ids));
  for (const auto& p : report.partnerships()) {
    Row row = {p.partnership(),
               p.partnership_name(),
               YesNo(p.anonymous()),
               p.assessment(),
               p.last_scrutiny_date(),
               absl::StrCat(p.counts().red()),
               absl::StrCat(p.counts().amber()),
               absl::StrCat(p.counts().green()),
               absl::StrCat(p.counts().unrated()),
               absl::StrCat(p.overdue_actions())};
    for (const auto& id : step_ids) {
      int i = StepIndex(p, id);
      row.push_back(i >= 0 && i < p.step_heat_size() ? HeatText(p.step_heat(i)) : "");
    }
    CsvRow(&out, row);
  }
  return out;
}

std::string RegionalMarkdown(const v1::RegionalOverview& report) {
  auto step_ids = RegionalStepIds(report);
  std::string out = absl::StrCat("# ", Md(RegionTitle(report)), "\n\n");
  if (!report.as_of_date().empty())
    absl::StrAppend(&out, "- **Overdue judged on:** ", Md(report.as_of_date()), "\n");
  absl::StrAppend(&out, "\n_", Md(FreshnessLine(report.freshness())), "_\n\n");
  Row header = {"Partnership", "Last scrutiny"};
  for (const auto& id : step_ids) header.push_back(Md(id));
  for (const char* h : {"Red", "Amber", "Green", "Not rated", "Overdue actions"})
    header.push_back(h);
  std::vector<Row> rows;
  for (const auto& p : report.partnerships()) {
    Row row = {Md(PartnershipLabel(p)), Md(p.last_scrutiny_date())};
    for (const auto& id : step_ids) {
      int i = StepIndex(p, id);
      double heat = i >= 0 && i < p.step_heat_size() ? p.step_heat(i) : 0;
      row.push_back(heat <= 0 ? "-" : absl::StrCat(MdRating(HeatBand(heat)), " ", HeatText(heat)));
    }
    for (int v : {p.counts().red(), p.counts().amber(), p.counts().green(), p.counts().unrated(),
                  p.overdue_actions()})
      row.push_back(absl::StrCat(v));
    rows.push_back(std::move(row));
  }
  MdTable(&out, header, rows);
  out +=
      "Heat is the mean score of a step (Red 1, Amber 2, Green 3), lettered by thirds of that "
      "range.\n";
  return out;
}

std::string RegionalHtml(const v1::RegionalOverview& report) {
  auto step_ids = RegionalStepIds(report);
  std::string out = HtmlHead(RegionTitle(report));
  absl::StrAppend(&out, "<header>\n<h1>", H(RegionTitle(report)), "</h1>\n");
  HtmlMeta(&out, {{"Region", report.region()}, {"Overdue judged on", report.as_of_date()}});
  absl::StrAppend(&out, "<p class=\"freshness\">", H(FreshnessLine(report.freshness())),
                  "</p>\n</header>\n");
  out += "<section>\n<h2>Partnerships</h2>\n";
  Row header = {"Partnership", "Last scrutiny"};
  for (const auto& id : step_ids) header.push_back(id);
  for (const char* h : {"Red", "Amber", "Green", "Not rated", "Overdue actions"})
    header.push_back(h);
  std::vector<Row> rows;
  for (const auto& p : report.partnerships()) {
    Row row = {p.anonymous() ? absl::StrCat("<em>", H(PartnershipLabel(p)), "</em>")
                             : H(PartnershipLabel(p)),
               H(p.last_scrutiny_date())};
    for (const auto& id : step_ids) {
      int i = StepIndex(p, id);
      double heat = i >= 0 && i < p.step_heat_size() ? p.step_heat(i) : 0;
      Rating band = HeatBand(heat);
      row.push_back(absl::StrCat("<td class=\"rating ", RatingClass(band), "\" title=\"",
                                 RatingName(band), "\"><span class=\"letter\">",
                                 H(RatingLetter(band)), "</span> ", HeatText(heat), "</td>"));
    }
    for (int v : {p.counts().red(), p.counts().amber(), p.counts().green(), p.counts().unrated(),
                  p.overdue_actions()})
      row.push_back(Num(v));
    rows.push_back(std::move(row));
  }
  HtmlTable(&out, header, rows);
  out +=
      "<p>Heat is the mean score of a step (Red 1, Amber 2, Green 3); the letter bands it by "
      "thirds of that "
      "range. Partnerships that opted out of regional comparison are shown "
      "anonymously.</p>\n</section>\n";
  out += HtmlFooter("", &report.freshness());
  return out;
}

absl::StatusOr<std::string> RegionalXlsx(const v1::RegionalOverview& report) {
  auto step_ids = RegionalStepIds(report);
  SIXSTEPS_ASSIGN_OR_RETURN(auto x, Xlsx::Create(RegionTitle(report)));
  lxw_worksheet* ws = x->Sheet("Partnerships");
  Row header = RegionalCsvHeader(step_ids);
  x->Header(ws, 0, header);
  int row = 1;
  for (const auto& p : report.partnerships()) {
    x->Str(ws, row, 0, p.partnership());
    x->Str(ws, row, 1, PartnershipLabel(p));
    x->Str(ws, row, 2, YesNo(p.anonymous()));
    x->Str(ws, row, 3, p.assessment());
    x->Str(ws, row, 4, p.last_scrutiny_date());
    int values[] = {p.counts().red(), p.counts().amber(), p.counts().green(), p.counts().unrated(),
                    p.overdue_actions()};
    for (int i = 0; i < 5; ++i) x->Number(ws, row, 5 + i, values[i]);
    for (size_t s = 0; s < step_ids.size(); ++s) {
      int i = StepIndex(p, step_ids[s]);
      double heat = i >= 0 && i < p.step_heat_size() ? p.step_heat(i) : 0;
      if (heat > 0)
        x->Number(ws, row, 10 + static_cast<int>(s), heat, x->RatingFormat(HeatBand(heat)));
    }
    ++row;
  }
  x->Table(ws, 0, static_cast<int>(header.size()), row - 1);
  x->Width(ws, 0, 1, 26);
  x->Width(ws, 2, 4, 16);
  x->Width(ws, 5, 9 + static_cast<int>(step_ids.size()), 11);
  x->Str(ws, row + 1, 0, FreshnessLine(report.freshness()));

  lxw_worksheet* steps = x->Sheet("Steps");
  Row sh = {"partnership_name", "step_id", "red", "amber", "green", "not_rated", "heat"};
  x->Header(steps, 0, sh);
  row = 1;
  for (const auto& p : report.partnerships()) {
    for (int i = 0; i < p.step_ids_size(); ++i) {
      x->Str(steps, row, 0, PartnershipLabel(p));
      x->Str(steps, row, 1, p.step_ids(i));
      if (i < p.step_counts_size()) {
        const auto& c = p.step_counts(i);
        int values[] = {c.red(), c.amber(), c.green(), c.unrated()};
        for (int k = 0; k < 4; ++k) x->Number(steps, row, 2 + k, values[k]);
      }
      if (i < p.step_heat_size() && p.step_heat(i) > 0)
        x->Number(steps, row, 6, p.step_heat(i), x->RatingFormat(HeatBand(p.step_heat(i))));
      ++row;
    }
  }
  x->Table(steps, 0, static_cast<int>(sh.size()), row - 1);
  x->Width(steps, 0, 0, 26);
  x->Width(steps, 1, 6, 11);
  return x->Finish();
}

std::string RegionalText(const v1::RegionalOverview& report) {
  auto step_ids = RegionalStepIds(report);
  std::string out = absl::StrCat(RegionTitle(report), "\n");
  if (!report.as_of_date().empty())
    absl::StrAppend(&out, "Overdue judged on: ", report.as_of_date(), "\n");
  TextWrapped(&out, "", FreshnessLine(report.freshness()));
  out += "\n";
  Row header = {"Partnership", "Last scrutiny"};
  for (const auto& id : step_ids) header.push_back(id);
  for (const char* h : {"R", "A", "G", "-", "Overdue"}) header.push_back(h);
  std::vector<Row> rows;
  for (const auto& p : report.partnerships()) {
    Row row = {PartnershipLabel(p), p.last_scrutiny_date()};
    for (const auto& id : step_ids) {
      int i = StepIndex(p, id);
      double heat = i >= 0 && i < p.step_heat_size() ? p.step_heat(i) : 0;
      row.push_back(absl::StrCat(TextRating(HeatBand(heat)), heat > 0 ? " " : "", HeatText(heat)));
    }
    for (int v : {p.counts().red(), p.counts().amber(), p.counts().green(), p.counts().unrated(),
                  p.overdue_actions()})
      row.push_back(absl::StrCat(v));
    rows.push_back(std::move(row));
  }
  TextTable(&out, header, rows, 30);
  out += "\nHeat: mean step score (Red 1, Amber 2, Green 3), lettered by thirds of that range.\n";
  return out;
}

// ---------------------------------------------------------------------------------------
// Report 4: ActionTracker
// ---------------------------------------------------------------------------------------

std::string TrackerTitle(const v1::ActionTracker& t) {
  return absl::StrCat("Action tracker: ", t.scope().empty() ? "all" : t.scope());
}

Row ActionCsvHeader() {
  return {"action",   "assessment", "step_id", "owner_organisation", "owner",       "description",
          "due_date", "status",     "overdue", "age_days",           "days_overdue"};
}
Row ActionFields(const TrackedAction& t) {
  const auto& a = *t.line;
  return {a.action(),
          a.assessment(),
          a.step_id(),
          a.owner_organisation(),
          t.owner_label,
          a.description(),
          a.due_date(),
          a.status(),
          YesNo(a.overdue()),
          absl::StrCat(a.age_days()),
          absl::StrCat(a.days_overdue())};
}

std::string TrackerCsv(const v1::ActionTracker& t) {
  std::string out;
  CsvRow(&out, ActionCsvHeader());
  for (const auto& a : FlattenActions(t)) CsvRow(&out, ActionFields(a));
  return out;
}

std::string GroupHeading(const v1::ActionGroup& g) {
  return g.label().empty() ? LastSegment(g.key()) : g.label();
}

std::string TrackerMarkdown(const v1::ActionTracker& t) {
  std::string out = absl::StrCat("# ", Md(TrackerTitle(t)), "\n\n");
  if (!t.as_of_date().empty())
    absl::StrAppend(&out, "- **Overdue judged on:** ", Md(t.as_of_date()), "\n");
  absl::StrAppend(&out, "- **Actions:** ", ActionCountsLine(t.counts()), "\n\n_",
                  Md(FreshnessLine(t.freshness())), "_\n\n");
  auto groups = [&](absl::string_view heading,
                    const google::protobuf::RepeatedPtrField<v1::ActionGroup>& gs) {
    absl::StrAppend(&out, "## ", heading, "\n\n");
    for (const auto& g : gs) {
      absl::StrAppend(&out, "### ", Md(GroupHeading(g)), "\n\n", ActionCountsLine(g.counts()),
                      "\n\n");
      if (g.actions().empty()) continue;
      std::vector<Row> rows;
      for (const auto& a : g.actions())
        rows.push_back(
            {Md(a.description()), Md(a.step_id()), Md(LastSegment(a.owner_organisation())),
             Md(a.due_date()), Md(a.status()),
             a.overdue() ? absl::StrCat("**OVERDUE** ", a.days_overdue(), " days") : "no",
             absl::StrCat(a.age_days())});
      MdTable(&out, {"Action", "Step", "Owner", "Due", "Status", "Overdue", "Age (days)"}, rows);
    }
  };
  groups("By owner organisation", t.by_owner());
  groups("By step", t.by_step());
  return out;
}

std::string TrackerHtml(const v1::ActionTracker& t) {
  std::string out = HtmlHead(TrackerTitle(t));
  absl::StrAppend(&out, "<header>\n<h1>", H(TrackerTitle(t)), "</h1>\n");
  HtmlMeta(&out, {{"Scope", t.scope()},
                  {"Overdue judged on", t.as_of_date()},
                  {"Actions", ActionCountsLine(t.counts())}});
  absl::StrAppend(&out, "<p class=\"freshness\">", H(FreshnessLine(t.freshness())),
                  "</p>\n</header>\n");
  auto groups = [&](absl::string_view heading,
                    const google::protobuf::RepeatedPtrField<v1::ActionGroup>& gs) {
    absl::StrAppend(&out, "<section>\n<h2>", heading, "</h2>\n");
    for (const auto& g : gs) {
      absl::StrAppend(&out, "<div class=\"group\">\n<h3>", H(GroupHeading(g)), "</h3>\n<p>",
                      H(ActionCountsLine(g.counts())), "</p>\n");
      if (g.actions().empty()) {
        out += "</div>\n";
        continue;
      }
      std::vector<Row> rows;
      for (const auto& a : g.actions()) {
        rows.push_back(
            {H(a.description()), H(a.step_id()), H(LastSegment(a.owner_organisation())),
             H(a.due_date()), H(a.status()),
             a.overdue()
                 ? absl::StrCat("<td class=\"rating r\"><span class=\"letter\">!</span> Overdue ",
                                a.days_overdue(), " days</td>")
                 : "No",
             Num(a.age_days())});
      }
      HtmlTable(&out, {"Action", "Step", "Owner", "Due", "Status", "Overdue", "Age (days)"}, rows);
      out += "</div>\n";
    }
    out += "</section>\n";
  };
  groups("By owner organisation", t.by_owner());
  groups("By step", t.by_step());
  out += HtmlFooter("", &t.freshness());
  return out;
}

absl::StatusOr<std::string> TrackerXlsx(const v1::ActionTracker& t) {
  SIXSTEPS_ASSIGN_OR_RETURN(auto x, Xlsx::Create(TrackerTitle(t)));
  lxw_worksheet* ws = x->Sheet("Actions");
  Row header = ActionCsvHeader();
  x->Header(ws, 0, header);
  int row = 1;
  for (const auto& a : FlattenActions(t)) {
    Row f = ActionFields(a);
    for (int c = 0; c < 8; ++c) x->Str(ws, row, c, f[c], c == 5 ? x->wrap() : nullptr);
    x->Str(ws, row, 8, f[8],
           a.line->overdue() ? x->RatingFormat(framework::v1::RATING_RED) : nullptr);
    x->Number(ws, row, 9, a.line->age_days());
    x->Number(ws, row, 10, a.line->days_overdue());
    ++row;
  }
  x->Table(ws, 0, static_cast<int>(header.size()), row - 1);
  x->Width(ws, 0, 1, 22);
  x->Width(ws, 2, 2, 10);
  x->Width(ws, 3, 4, 22);
  x->Width(ws, 5, 5, 50);
  x->Width(ws, 6, 10, 12);
  auto group_sheet = [&](const char* name,
                         const google::protobuf::RepeatedPtrField<v1::ActionGroup>& gs) {
    lxw_worksheet* s = x->Sheet(name);
    Row h = {"key", "label", "open", "overdue", "done", "cancelled", "carried_over"};
    x->Header(s, 0, h);
    int r = 1;
    for (const auto& g : gs) {
      x->Str(s, r, 0, g.key());
      x->Str(s, r, 1, g.label());
      int values[] = {g.counts().open(), g.counts().overdue(), g.counts().done(),
                      g.counts().cancelled(), g.counts().carried_over()};
      for (int i = 0; i < 5; ++i) x->Number(s, r, 2 + i, values[i]);
      ++r;
    }
    x->Table(s, 0, static_cast<int>(h.size()), r - 1);
    x->Width(s, 0, 1, 30);
  };
  group_sheet("By owner", t.by_owner());
  group_sheet("By step", t.by_step());
  lxw_worksheet* summary = x->Sheet("Summary");
  XlsxPairs(*x, summary, 0,
            {{"Scope", t.scope()},
             {"Overdue judged on", t.as_of_date()},
             {"Actions", ActionCountsLine(t.counts())},
             {"Freshness", FreshnessLine(t.freshness())}});
  x->Width(summary, 0, 0, 20);
  x->Width(summary, 1, 1, 60);
  return x->Finish();
}

std::string TrackerText(const v1::ActionTracker& t) {
  std::string out = absl::StrCat(TrackerTitle(t), "\n");
  if (!t.as_of_date().empty()) absl::StrAppend(&out, "Overdue judged on: ", t.as_of_date(), "\n");
  absl::StrAppend(&out, "Actions: ", ActionCountsLine(t.counts()), "\n");
  TextWrapped(&out, "", FreshnessLine(t.freshness()));
  auto groups = [&](absl::string_view heading,
                    const google::protobuf::RepeatedPtrField<v1::ActionGroup>& gs) {
    TextHeading(&out, heading);
    for (const auto& g : gs) {
      absl::StrAppend(&out, "\n", GroupHeading(g), " (", ActionCountsLine(g.counts()), ")\n");
      std::vector<Row> rows;
      for (const auto& a : g.actions())
        rows.push_back({a.overdue() ? absl::StrCat("OVERDUE ", a.days_overdue(), "d") : "",
                        a.due_date(), a.step_id(), LastSegment(a.owner_organisation()), a.status(),
                        a.description()});
      if (!rows.empty())
        TextTable(&out, {"Overdue", "Due", "Step", "Owner", "Status", "Action"}, rows, 50);
    }
  };
  groups("By owner organisation", t.by_owner());
  groups("By step", t.by_step());
  return out;
}

// ---------------------------------------------------------------------------------------
// Report 5: AnnualReportSection
// ---------------------------------------------------------------------------------------

std::string AnnualTitle(const v1::AnnualReportSection& s) {
  return absl::StrCat("Annual report section",
                      s.partnership_name().empty() ? "" : absl::StrCat(": ", s.partnership_name()));
}

// Whether the section's Markdown carries its attribution already (escaped, as
// BuildAnnualReportSection writes it, or as it was).
bool CarriesAttribution(const v1::AnnualReportSection& s) {
  return !s.attribution().empty() && (absl::StrContains(s.markdown(), Md(s.attribution())) ||
                                      absl::StrContains(s.markdown(), s.attribution()));
}

// The section's Markdown with the attribution appended unless it already carries it.
std::string AnnualMarkdown(const v1::AnnualReportSection& s) {
  std::string out = s.markdown();
  if (!out.empty() && out.back() != '\n') out.push_back('\n');
  if (!s.attribution().empty() && !CarriesAttribution(s)) {
    absl::StrAppend(&out, "\n", Md(s.attribution()), "\n");
  }
  return out;
}

std::string AnnualHtml(const v1::AnnualReportSection& s) {
  std::string out = HtmlHead(AnnualTitle(s));
  absl::StrAppend(&out, "<main class=\"md\">\n", MarkdownToHtml(s.markdown()), "</main>\n");
  out += HtmlFooter(CarriesAttribution(s) ? "" : s.attribution(), &s.freshness());
  return out;
}

absl::StatusOr<std::string> AnnualXlsx(const v1::AnnualReportSection& s) {
  SIXSTEPS_ASSIGN_OR_RETURN(auto x, Xlsx::Create(AnnualTitle(s)));
  lxw_worksheet* ws = x->Sheet("Section");
  int row = XlsxPairs(*x, ws, 0,
                      {{"Assessment", s.assessment()},
                       {"Partnership", s.partnership_name()},
                       {"Attribution", s.attribution()},
                       {"Freshness", FreshnessLine(s.freshness())}});
  ++row;
  x->Str(ws, row++, 0, "Markdown", x->header());
  for (absl::string_view line : absl::StrSplit(s.markdown(), '\n')) {
    x->Str(ws, row++, 0, absl::StripSuffix(line, "\r"));
  }
  x->Width(ws, 0, 0, 100);
  x->Width(ws, 1, 1, 60);
  return x->Finish();
}

std::string AnnualText(const v1::AnnualReportSection& s) {
  std::string out = AnnualMarkdown(s);
  if (out.empty() || out.back() != '\n') out.push_back('\n');
  return out;
}

// ---------------------------------------------------------------------------------------
// Dispatch
// ---------------------------------------------------------------------------------------

struct Renderers {
  std::function<absl::StatusOr<std::string>()> json;
  std::function<std::string()> csv;
  std::function<std::string()> html;
  std::function<std::string()> markdown;
  std::function<absl::StatusOr<std::string>()> xlsx;
  std::function<std::string()> text;
};

absl::StatusOr<Rendered> Dispatch(Format format, absl::string_view prefix, absl::string_view id,
                                  const Renderers& r) {
  if (format == v1::FORMAT_UNSPECIFIED) format = v1::FORMAT_JSON;
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
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("unknown export format ", static_cast<int>(format)));
  }
  out.content_type = ContentType(format);
  out.filename = FileName(prefix, id, format);
  return out;
}

// ---- Markdown to HTML (inline) ----

bool IsPunct(char c) { return absl::ascii_ispunct(static_cast<unsigned char>(c)); }

std::string InlineHtml(absl::string_view s) {
  std::string out;
  size_t i = 0;
  while (i < s.size()) {
    char c = s[i];
    if (c == '\\' && i + 1 < s.size() && IsPunct(s[i + 1])) {
      out += HtmlEscape(s.substr(i + 1, 1));
      i += 2;
      continue;
    }
    if (c == '`') {
      size_t end = s.find('`', i + 1);
      if (end != absl::string_view::npos) {
        absl::StrAppend(&out, "<code>", HtmlEscape(s.substr(i + 1, end - i - 1)), "</code>");
        i = end + 1;
        continue;
      }
    }
    if ((c == '*' || c == '_') && i + 1 < s.size() && s[i + 1] == c) {
      std::string marker(2, c);
      size_t end = s.find(marker, i + 2);
      if (end != absl::string_view::npos && end > i + 2) {
        absl::StrAppend(&out, "<strong>", InlineHtml(s.substr(i + 2, end - i - 2)), "</strong>");
        i = end + 2;
        continue;
      }
    }
    if ((c == '*' || c == '_') && i + 1 < s.size() && s[i + 1] != ' ') {
      size_t end = s.find(c, i + 1);
      if (end != absl::string_view::npos && end > i + 1) {
        absl::StrAppend(&out, "<em>", InlineHtml(s.substr(i + 1, end - i - 1)), "</em>");
        i = end + 1;
        continue;
      }
    }
    // The entities MarkdownText writes stay as they are (escaping them again would show
    // "&lt;" where the text had "<"); every other '&' is escaped.
    if (c == '&') {
      bool entity = false;
      for (absl::string_view known : {"&lt;", "&gt;", "&amp;", "&quot;", "&#39;"}) {
        if (absl::StartsWith(s.substr(i), known)) {
          out.append(known.data(), known.size());
          i += known.size();
          entity = true;
          break;
        }
      }
      if (entity) continue;
    }
    out += HtmlEscape(s.substr(i, 1));
    ++i;
  }
  return out;
}

std::vector<std::string> SplitTableRow(absl::string_view line) {
  line = absl::StripAsciiWhitespace(line);
  if (absl::StartsWith(line, "|")) line.remove_prefix(1);
  if (absl::EndsWith(line, "|") && !absl::EndsWith(line, "\\|")) line.remove_suffix(1);
  std::vector<std::string> cells;
  std::string cell;
  for (size_t i = 0; i < line.size(); ++i) {
    if (line[i] == '\\' && i + 1 < line.size() && line[i + 1] == '|') {
      cell += "\\|";
      ++i;
    } else if (line[i] == '|') {
      cells.push_back(std::string(absl::StripAsciiWhitespace(cell)));
      cell.clear();
    } else {
      cell.push_back(line[i]);
    }
  }
  cells.push_back(std::string(absl::StripAsciiWhitespace(cell)));
  return cells;
}

bool IsTableRule(absl::string_view line) {
  line = absl::StripAsciiWhitespace(line);
  if (line.empty() || line.find('-') == absl::string_view::npos) return false;
  for (char c : line)
    if (c != '|' && c != '-' && c != ':' && c != ' ') return false;
  return true;
}

}  // namespace

// ---------------------------------------------------------------------------------------
// Public functions
// ---------------------------------------------------------------------------------------

std::string MarkdownText(absl::string_view text) {
  std::string line = OneLine(text);
  std::string out;
  // A list marker ("- ", "+ ", "1. ", "1) ") at the start would make a list of a paragraph
  // that begins with this text.
  size_t digits = 0;
  while (digits < line.size() && absl::ascii_isdigit(static_cast<unsigned char>(line[digits])))
    ++digits;
  size_t marker = std::string::npos;
  if (!line.empty() && (line[0] == '-' || line[0] == '+')) {
    marker = 0;
  } else if (digits > 0 && digits < line.size() && (line[digits] == '.' || line[digits] == ')')) {
    marker = digits;
  }
  if (marker != std::string::npos && marker + 1 < line.size() && line[marker + 1] != ' ') {
    marker = std::string::npos;
  }
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (i == marker) {
      out.push_back('\\');
      out.push_back(c);
      continue;
    }
    switch (c) {
      case '\\':
      case '|':
      case '*':
      case '_':
      case '`':
      case '[':
      case ']':
      case '#':
        out.push_back('\\');
        out.push_back(c);
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

std::string RatingName(Rating rating) {
  switch (rating) {
    case framework::v1::RATING_RED:
      return "Red";
    case framework::v1::RATING_AMBER:
      return "Amber";
    case framework::v1::RATING_GREEN:
      return "Green";
    default:
      return "Not rated";
  }
}

std::string RatingLetter(Rating rating) {
  switch (rating) {
    case framework::v1::RATING_RED:
      return "R";
    case framework::v1::RATING_AMBER:
      return "A";
    case framework::v1::RATING_GREEN:
      return "G";
    default:
      return "-";
  }
}

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
    default:
      return "json";
  }
}

std::string HtmlEscape(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

namespace {

// A plain number ("-3", "+1.5"): spreadsheets read it as the number it is, so it keeps
// its sign rather than being turned into text.
bool IsPlainNumber(absl::string_view text) {
  size_t i = 0;
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) ++i;
  bool digits = false, point = false;
  for (; i < text.size(); ++i) {
    if (absl::ascii_isdigit(static_cast<unsigned char>(text[i]))) {
      digits = true;
    } else if (text[i] == '.' && !point) {
      point = true;
    } else {
      return false;
    }
  }
  return digits;
}

}  // namespace

bool CsvCellStartsFormula(absl::string_view text) {
  // Spaces in front do not stop every spreadsheet from reading a formula.
  absl::string_view rest = absl::StripLeadingAsciiWhitespace(text);
  if (text.empty()) return false;
  if (text[0] == '\t' || text[0] == '\r' || text[0] == '\n') return true;
  if (rest.empty() || IsPlainNumber(rest)) return false;
  if (rest[0] == '=' || rest[0] == '+' || rest[0] == '-' || rest[0] == '@') return true;
  // The full-width forms (U+FF1D =, U+FF0B +, U+FF0D -, U+FF20 @), which some spreadsheets
  // read as their ASCII twins.
  for (absl::string_view wide : {"\xEF\xBC\x9D", "\xEF\xBC\x8B", "\xEF\xBC\x8D", "\xEF\xBC\xA0"}) {
    if (absl::StartsWith(rest, wide)) return true;
  }
  return false;
}

std::string CsvField(absl::string_view text) {
  const bool formula = CsvCellStartsFormula(text);
  // Quoted also for ';' and tabs: a spreadsheet that guesses another separator must not
  // split the cell and find a formula at the start of a piece.
  if (!formula && text.find_first_of(",;\"\r\n\t") == absl::string_view::npos) {
    return std::string(text);
  }
  std::string out = "\"";
  if (formula) out.push_back('\'');
  for (char c : text) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

std::string MarkdownToHtml(absl::string_view markdown) {
  std::string out;
  std::vector<std::string> paragraph;
  std::string list;  // "ul", "ol" or empty
  std::vector<std::vector<std::string>> table;

  auto flush_paragraph = [&] {
    if (paragraph.empty()) return;
    absl::StrAppend(&out, "<p>", InlineHtml(absl::StrJoin(paragraph, " ")), "</p>\n");
    paragraph.clear();
  };
  auto close_list = [&] {
    if (list.empty()) return;
    absl::StrAppend(&out, "</", list, ">\n");
    list.clear();
  };
  auto flush_table = [&] {
    if (table.empty()) return;
    out += "<table>\n";
    for (size_t r = 0; r < table.size(); ++r) {
      const char* cell = r == 0 ? "th" : "td";
      out += r == 0 ? "<thead><tr>" : "<tr>";
      for (const auto& c : table[r])
        absl::StrAppend(&out, "<", cell, ">", InlineHtml(c), "</", cell, ">");
      out += r == 0 ? "</tr></thead>\n<tbody>\n" : "</tr>\n";
    }
    out += "</tbody>\n</table>\n";
    table.clear();
  };
  auto flush_all = [&] {
    flush_paragraph();
    close_list();
    flush_table();
  };

  for (absl::string_view raw : absl::StrSplit(markdown, '\n')) {
    absl::string_view line = absl::StripSuffix(raw, "\r");
    absl::string_view trimmed = absl::StripAsciiWhitespace(line);
    if (trimmed.empty()) {
      flush_all();
      continue;
    }
    // Pipe tables: a header row, a rule, then rows.
    if (absl::StartsWith(trimmed, "|")) {
      flush_paragraph();
      close_list();
      if (IsTableRule(trimmed)) continue;
      table.push_back(SplitTableRow(trimmed));
      continue;
    }
    flush_table();
    // Headings.
    size_t hashes = 0;
    while (hashes < trimmed.size() && trimmed[hashes] == '#') ++hashes;
    if (hashes >= 1 && hashes <= 6 && hashes < trimmed.size() && trimmed[hashes] == ' ') {
      flush_paragraph();
      close_list();
      absl::StrAppend(&out, "<h", hashes, ">",
                      InlineHtml(absl::StripAsciiWhitespace(trimmed.substr(hashes))), "</h", hashes,
                      ">\n");
      continue;
    }
    // Rules.
    if (trimmed == "---" || trimmed == "***" || trimmed == "___") {
      flush_all();
      out += "<hr>\n";
      continue;
    }
    // Lists.
    std::string kind;
    absl::string_view item;
    if (trimmed.size() > 2 && (trimmed[0] == '-' || trimmed[0] == '*' || trimmed[0] == '+') &&
        trimmed[1] == ' ') {
      kind = "ul";
      item = trimmed.substr(2);
    } else {
      size_t digits = 0;
      while (digits < trimmed.size() &&
             absl::ascii_isdigit(static_cast<unsigned char>(trimmed[digits])))
        ++digits;
      if (digits > 0 && digits + 1 < trimmed.size() &&
          (trimmed[digits] == '.' || trimmed[digits] == ')') && trimmed[digits + 1] == ' ') {
        kind = "ol";
        item = trimmed.substr(digits + 2);
      }
    }
    if (!kind.empty()) {
      flush_paragraph();
      if (list != kind) {
        close_list();
        list = kind;
        absl::StrAppend(&out, "<", list, ">\n");
      }
      absl::StrAppend(&out, "<li>", InlineHtml(absl::StripAsciiWhitespace(item)), "</li>\n");
      continue;
    }
    close_list();
    paragraph.push_back(std::string(trimmed));
  }
  flush_all();
  return out;
}

absl::StatusOr<Rendered> Render(const v1::AssessmentReport& report, Format format) {
  return Dispatch(
      format, "assessment", LastSegment(report.assessment()),
      {[&] { return ToJson(report); }, [&] { return AssessmentCsv(report); },
       [&] { return AssessmentHtml(report); }, [&] { return AssessmentMarkdown(report); },
       [&] { return AssessmentXlsx(report); }, [&] { return AssessmentText(report); }});
}

absl::StatusOr<Rendered> Render(const v1::PartnershipTrend& report, Format format) {
  return Dispatch(format, "trend",
                  absl::StrCat(LastSegment(report.partnership()), report.kind().empty() ? "" : "-",
                               report.kind()),
                  {[&] { return ToJson(report); }, [&] { return TrendCsv(report); },
                   [&] { return TrendHtml(report); }, [&] { return TrendMarkdown(report); },
                   [&] { return TrendXlsx(report); }, [&] { return TrendText(report); }});
}

absl::StatusOr<Rendered> Render(const v1::RegionalOverview& report, Format format) {
  return Dispatch(format, "region", LastSegment(report.region()),
                  {[&] { return ToJson(report); }, [&] { return RegionalCsv(report); },
                   [&] { return RegionalHtml(report); }, [&] { return RegionalMarkdown(report); },
                   [&] { return RegionalXlsx(report); }, [&] { return RegionalText(report); }});
}

absl::StatusOr<Rendered> Render(const v1::ActionTracker& report, Format format) {
  // "partnerships/p" -> "partnerships-p", so a partnership and a region of the same id
  // do not share a file name.
  return Dispatch(format, "actions", report.scope(),
                  {[&] { return ToJson(report); }, [&] { return TrackerCsv(report); },
                   [&] { return TrackerHtml(report); }, [&] { return TrackerMarkdown(report); },
                   [&] { return TrackerXlsx(report); }, [&] { return TrackerText(report); }});
}

absl::StatusOr<Rendered> Render(const v1::AnnualReportSection& report, Format format) {
  return Dispatch(format, "annual-report", LastSegment(report.assessment()),
                  {[&] { return ToJson(report); },
                   [&] {
                     std::string out;
                     CsvRow(&out, {"assessment", "partnership_name", "markdown", "attribution"});
                     CsvRow(&out, {report.assessment(), report.partnership_name(),
                                   report.markdown(), report.attribution()});
                     return out;
                   },
                   [&] { return AnnualHtml(report); }, [&] { return AnnualMarkdown(report); },
                   [&] { return AnnualXlsx(report); }, [&] { return AnnualText(report); }});
}

}  // namespace sixsteps::reporting
