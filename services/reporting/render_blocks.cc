// The building blocks every report renderer uses per format: a CSV row, Markdown tables
// and legends, the HTML page (head with its inline CSS, tables, rating cells, footer) and
// terminal text tables.
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/reporting/render.h"
#include "services/reporting/render_internal.h"

namespace sixsteps::reporting::render_internal {

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

std::string RatingClass(Rating rating) { return LabelsOf(rating).css_class; }

// A table cell coloured by rating that also shows the letter and the name.
std::string HtmlRatingCell(Rating rating, absl::string_view extra) {
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
               absl::string_view table_class) {
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
// Text
// ---------------------------------------------------------------------------------------

std::string TextRating(Rating rating) { return absl::StrCat("[", RatingLetter(rating), "]"); }

// Columns sized to their widest cell (at most `max_width` code points each).
void TextTable(std::string* out, const Row& header, const std::vector<Row>& rows,
               size_t max_width) {
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

void TextWrapped(std::string* out, absl::string_view indent, absl::string_view text, size_t width) {
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

}  // namespace sixsteps::reporting::render_internal
