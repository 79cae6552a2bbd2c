// The Markdown writer: any document as Markdown in which the data can form no markup.
#include <algorithm>
#include <string>
#include <variant>

#include "absl/strings/str_cat.h"
#include "services/reporting/document.h"
#include "services/reporting/render.h"
#include "services/reporting/write_sink.h"

namespace sixsteps::reporting::doc {
namespace {

std::string Md(absl::string_view text) { return MarkdownText(text); }

std::string Runs(const std::vector<Run>& runs) {
  std::string out;
  for (const Run& run : runs) {
    Spaced spaced = SplitSpaces(run.text);
    std::string text = Md(spaced.words);
    if (!text.empty() && run.italic) text = absl::StrCat("*", text, "*");
    if (!text.empty() && run.bold) text = absl::StrCat("**", text, "**");
    absl::StrAppend(&out, spaced.lead.empty() ? "" : " ", text, spaced.trail.empty() ? "" : " ");
  }
  return out;
}

std::string CellMd(const Cell& cell) {
  if (cell.kind == Cell::Kind::kRating)
    return absl::StrCat("**", RatingLetter(cell.rating), "** ", Md(AfterLetter(cell)));
  if (cell.text.empty()) return "";
  if (cell.bold || (cell.kind == Cell::Kind::kStatus && cell.warn))
    return absl::StrCat("**", Md(cell.text), "**");
  return Md(cell.text);
}

void WriteRow(SinkWriter& out, size_t columns, const std::vector<std::string>& cells) {
  std::string line = "|";
  for (size_t i = 0; i < columns; ++i) {
    std::string cell = i < cells.size() ? cells[i] : "";
    absl::StrAppend(&line, " ", cell.empty() ? " " : cell, " |");
  }
  out.Write(line, "\n");
}

// One overload per kind of block (document.h); the Block one picks by the block's kind.
void WriteBlock(SinkWriter& out, const Table& table) {
  size_t columns = table.header.size();
  for (const auto& row : table.rows) columns = std::max(columns, row.size());
  if (columns == 0) return;
  std::vector<std::string> header;
  for (const auto& h : table.header) header.push_back(Md(h));
  WriteRow(out, columns, header);
  std::string rule = "|";
  for (size_t i = 0; i < columns; ++i) rule += " --- |";
  out.Write(rule, "\n");
  for (const auto& row : table.rows) {
    std::vector<std::string> cells;
    for (const Cell& cell : row) cells.push_back(CellMd(cell));
    WriteRow(out, columns, cells);
  }
  out.Write("\n");
}

void WriteBlock(SinkWriter& out, const Facts& facts) {
  bool any = false;
  for (const auto& [k, v] : facts.items) {
    if (v.empty()) continue;
    out.Write("- **", Md(k), ":** ", Md(v), "\n");
    any = true;
  }
  if (any) out.Write("\n");
}

void WriteBlock(SinkWriter& out, const Paragraph& p) {
  std::string text = Runs(p.runs);
  if (text.empty()) return;
  if (p.note) text = absl::StrCat("_", text, "_");
  out.Write(text, "\n\n");
}

void WriteBlock(SinkWriter& out, const List& l) {
  int n = 0;
  for (const auto& item : l.items)
    out.Write(l.ordered ? absl::StrCat(++n, ". ") : "- ", Runs(item.runs), "\n");
  out.Write("\n");
}

// Charts as their counts (ChartTable); a chart without series or categories (a header of
// its title alone) shows nothing.
void WriteCounts(SinkWriter& out, const Table& counts) {
  if (!counts.rows.empty() && counts.header.size() > 1) WriteBlock(out, counts);
}
void WriteBlock(SinkWriter& out, const Chart& c) { WriteCounts(out, ChartTable(c)); }
void WriteBlock(SinkWriter& out, const CountChart& c) { WriteCounts(out, ChartTable(c)); }

void WriteBlock(SinkWriter& out, const Block& block) {
  std::visit([&out](const auto& kind) { WriteBlock(out, kind); }, block);
}

}  // namespace

absl::Status WriteMarkdown(const Document& d, const ByteSink& sink) {
  SinkWriter out(sink);
  if (!d.title.empty()) out.Write("# ", Md(d.title), "\n\n");
  if (!d.subtitle.empty()) out.Write("**", Md(d.subtitle), "**\n\n");
  WriteBlock(out, d.facts);
  for (const Paragraph& p : d.intro) WriteBlock(out, p);
  for (const Section& s : d.sections) {
    if (!s.heading.empty()) out.Write(s.level <= 1 ? "## " : "### ", Md(s.heading), "\n\n");
    for (const Block& b : s.blocks) WriteBlock(out, b);
  }
  if (!d.attribution.empty() && !d.attribution_in_body)
    out.Write("---\n\n", Md(d.attribution), "\n");
  return out.Finish();
}

}  // namespace sixsteps::reporting::doc
