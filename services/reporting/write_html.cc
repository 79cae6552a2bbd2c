// The HTML writer: any document as one self-contained printable page.
#include <string>
#include <variant>

#include "absl/strings/str_cat.h"
#include "services/reporting/document.h"
#include "services/reporting/render.h"
#include "services/reporting/render_internal.h"
#include "services/reporting/write_sink.h"

namespace sixsteps::reporting::doc {
namespace {

using render_internal::ChartSvg;
using render_internal::CountChartSvg;
using render_internal::LabelsOf;

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
td.warn { color: #8b0000; font-weight: 600; border: 2px solid #8b0000; }
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

std::string Runs(const std::vector<Run>& runs) {
  std::string out;
  for (const Run& run : runs) {
    std::string text = H(run.text);
    if (run.code) text = absl::StrCat("<code>", text, "</code>");
    if (run.italic) text = absl::StrCat("<em>", text, "</em>");
    if (run.bold) text = absl::StrCat("<strong>", text, "</strong>");
    out += text;
  }
  return out;
}

std::string CellHtml(const Cell& cell) {
  switch (cell.kind) {
    case Cell::Kind::kRating: {
      const auto& labels = LabelsOf(cell.rating);
      return absl::StrCat("<td class=\"rating ", labels.css_class, "\" title=\"", labels.name,
                          "\"><span class=\"letter\">", H(labels.letter), "</span> ",
                          H(AfterLetter(cell)), "</td>");
    }
    case Cell::Kind::kNumber:
      return absl::StrCat("<td class=\"num\">", H(cell.text), "</td>");
    case Cell::Kind::kStatus:
      if (cell.warn) return absl::StrCat("<td class=\"warn\">", H(cell.text), "</td>");
      break;
    default:
      break;
  }
  if (cell.bold) return absl::StrCat("<td><strong>", H(cell.text), "</strong></td>");
  return absl::StrCat("<td>", H(cell.text), "</td>");
}

// One overload per kind of block (document.h); the Block one picks by the block's kind.
void WriteBlock(SinkWriter& out, const Facts& facts) {
  bool any = false;
  for (const auto& [k, v] : facts.items) any |= !v.empty();
  if (!any) return;
  out.Write("<dl class=\"meta\">\n");
  for (const auto& [k, v] : facts.items)
    if (!v.empty()) out.Write("<dt>", H(k), "</dt><dd>", H(v), "</dd>\n");
  out.Write("</dl>\n");
}

void WriteBlock(SinkWriter& out, const Paragraph& p) {
  out.Write(p.note ? "<p class=\"freshness\">" : "<p>", Runs(p.runs), "</p>\n");
}

void WriteBlock(SinkWriter& out, const List& l) {
  out.Write(l.ordered ? "<ol>\n" : "<ul>\n");
  for (const auto& item : l.items) out.Write("<li>", Runs(item.runs), "</li>\n");
  out.Write(l.ordered ? "</ol>\n" : "</ul>\n");
}

void WriteBlock(SinkWriter& out, const Table& table) {
  out.Write("<table>\n<thead><tr>");
  for (const auto& h : table.header) out.Write("<th>", H(h), "</th>");
  out.Write("</tr></thead>\n<tbody>\n");
  for (const auto& row : table.rows) {
    std::string line = "<tr>";
    for (const Cell& cell : row) line += CellHtml(cell);
    out.Write(line, "</tr>\n");
  }
  out.Write("</tbody>\n</table>\n");
}

void WriteBlock(SinkWriter& out, const Chart& c) { out.Write(ChartSvg(c)); }

void WriteBlock(SinkWriter& out, const CountChart& c) {
  // The picture, then its counts as a table: what a screen reader reads, and what
  // someone who wants the figures copies.
  if (c.series.empty() || c.categories.empty()) return;
  out.Write(CountChartSvg(c));
  WriteBlock(out, ChartTable(c));
}

void WriteBlock(SinkWriter& out, const Block& block) {
  std::visit([&out](const auto& kind) { WriteBlock(out, kind); }, block);
}

}  // namespace

absl::Status WriteHtml(const Document& d, const ByteSink& sink) {
  SinkWriter out(sink);
  out.Write("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n",
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>",
            H(d.subtitle.empty() ? d.title : absl::StrCat(d.title, " — ", d.subtitle)),
            "</title>\n<style>", kCss, "</style>\n</head>\n<body>\n<header>\n");
  if (!d.title.empty()) out.Write("<h1>", H(d.title), "</h1>\n");
  if (!d.subtitle.empty()) out.Write("<p class=\"subtitle\">", H(d.subtitle), "</p>\n");
  WriteBlock(out, d.facts);
  for (const Paragraph& p : d.intro) WriteBlock(out, p);
  out.Write("</header>\n<main>\n");
  bool open = false;
  for (const Section& s : d.sections) {
    if (s.level <= 1) {
      if (open) out.Write("</section>\n");
      out.Write("<section>\n");
      open = true;
    }
    if (!s.heading.empty()) {
      const char* tag = s.level <= 1 ? "h2" : "h3";
      out.Write("<", tag, ">", H(s.heading), "</", tag, ">\n");
    }
    for (const Block& b : s.blocks) WriteBlock(out, b);
  }
  if (open) out.Write("</section>\n");
  out.Write("</main>\n<footer>\n");
  if (!d.attribution.empty() && !d.attribution_in_body)
    out.Write("<p class=\"attribution\">", H(d.attribution), "</p>\n");
  out.Write("</footer>\n</body>\n</html>\n");
  return out.Finish();
}

}  // namespace sixsteps::reporting::doc
