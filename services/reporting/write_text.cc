// The terminal text writer: any document as plain text with underlined headings and tables
// in wrapped columns.
#include <algorithm>
#include <numeric>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/reporting/document.h"
#include "services/reporting/render.h"
#include "services/reporting/render_internal.h"
#include "services/reporting/write_sink.h"

namespace sixsteps::reporting::doc {
namespace {

using render_internal::PadRight;
using render_internal::Utf8Length;
using render_internal::Wrap;

constexpr size_t kLineWidth = 100;
constexpr size_t kTableWidth = 140;
constexpr size_t kMaxColumn = 40, kMinColumn = 8;

// The data's text as it is, minus what a terminal would act on (see WriteText).
std::string Safe(absl::string_view text) { return TerminalText(text); }

std::string Runs(const std::vector<Run>& runs) {
  std::string out;
  for (const Run& run : runs) {
    Spaced spaced = SplitSpaces(run.text);
    absl::StrAppend(&out, spaced.lead.empty() ? "" : " ", Safe(spaced.words),
                    spaced.trail.empty() ? "" : " ");
  }
  return out;
}

std::string CellText(const Cell& cell) {
  if (cell.kind == Cell::Kind::kRating)
    return absl::StrCat(RatingLetter(cell.rating), " ", Safe(AfterLetter(cell)));
  return Safe(cell.text);
}

void Wrapped(SinkWriter& out, absl::string_view first, absl::string_view text,
             size_t width = kLineWidth) {
  std::string indent(Utf8Length(first), ' ');
  auto lines = Wrap(text, width - indent.size());
  if (lines.empty()) lines.push_back("");
  for (size_t i = 0; i < lines.size(); ++i) out.Write(i == 0 ? first : indent, lines[i], "\n");
}

// Splits a line longer than `width` code points (a long word Wrap left whole).
std::vector<std::string> Fit(absl::string_view text, size_t width) {
  std::vector<std::string> out;
  for (const std::string& line : Wrap(text, width)) {
    std::string piece;
    size_t n = 0;
    for (char c : line) {
      bool starts = (static_cast<unsigned char>(c) & 0xC0) != 0x80;
      if (starts && n == width) {
        out.push_back(piece);
        piece.clear();
        n = 0;
      }
      piece.push_back(c);
      if (starts) ++n;
    }
    out.push_back(piece);
  }
  if (out.empty()) out.push_back("");
  return out;
}

void WriteTable(SinkWriter& out, const Table& table) {
  std::vector<std::vector<std::string>> rows;
  rows.push_back({});
  for (const auto& h : table.header) rows.back().push_back(Safe(h));
  for (const auto& row : table.rows) {
    rows.push_back({});
    for (const Cell& cell : row) rows.back().push_back(CellText(cell));
  }
  size_t columns = 0;
  for (const auto& r : rows) columns = std::max(columns, r.size());
  if (columns == 0) return;
  std::vector<size_t> widths(columns, 1);
  for (const auto& r : rows)
    for (size_t i = 0; i < r.size(); ++i)
      widths[i] = std::min(kMaxColumn, std::max(widths[i], Utf8Length(r[i])));
  // Narrow the widest column until the table fits the terminal (or nothing can narrow).
  auto total = [&] { return std::accumulate(widths.begin(), widths.end(), 2 * (columns - 1)); };
  while (total() > kTableWidth) {
    auto widest = std::max_element(widths.begin(), widths.end());
    if (*widest <= kMinColumn) break;
    --*widest;
  }
  auto line = [&](const std::vector<std::string>& r) {
    std::vector<std::vector<std::string>> cells;
    size_t height = 1;
    for (size_t i = 0; i < columns; ++i) {
      cells.push_back(Fit(i < r.size() ? r[i] : "", widths[i]));
      height = std::max(height, cells.back().size());
    }
    for (size_t k = 0; k < height; ++k) {
      std::string l;
      for (size_t i = 0; i < columns; ++i) {
        if (i > 0) l += "  ";
        l += PadRight(k < cells[i].size() ? cells[i][k] : "", widths[i]);
      }
      while (!l.empty() && l.back() == ' ') l.pop_back();
      out.Write(l, "\n");
    }
  };
  line(rows[0]);
  std::vector<std::string> rule;
  for (size_t w : widths) rule.push_back(std::string(w, '-'));
  line(rule);
  for (size_t i = 1; i < rows.size(); ++i) line(rows[i]);
  out.Write("\n");
}

void WriteFacts(SinkWriter& out, const Facts& facts) {
  bool any = false;
  for (const auto& [k, v] : facts.items) {
    if (v.empty()) continue;
    Wrapped(out, PadRight(Safe(k) + ":", 20), Safe(v));
    any = true;
  }
  if (any) out.Write("\n");
}

void WriteBlock(SinkWriter& out, const Block& block) {
  if (const auto* p = std::get_if<Paragraph>(&block)) {
    Wrapped(out, "", Runs(p->runs));
    out.Write("\n");
  } else if (const auto* f = std::get_if<Facts>(&block)) {
    WriteFacts(out, *f);
  } else if (const auto* l = std::get_if<List>(&block)) {
    int n = 0;
    for (const auto& item : l->items)
      Wrapped(out, l->ordered ? absl::StrCat("  ", ++n, ". ") : "  - ", Runs(item.runs));
    out.Write("\n");
  } else if (const auto* t = std::get_if<Table>(&block)) {
    WriteTable(out, *t);
  } else if (std::optional<Table> chart = ChartAsTable(block)) {
    // A chart without series or categories (a header of its title alone) shows nothing.
    if (!chart->rows.empty() && chart->header.size() > 1) WriteTable(out, *chart);
  }
}

void Heading(SinkWriter& out, absl::string_view text, char underline) {
  out.Write(text, "\n", std::string(Utf8Length(text), underline), "\n\n");
}

}  // namespace

absl::Status WriteText(const Document& d, const ByteSink& sink) {
  SinkWriter out(sink);
  if (!d.title.empty()) Heading(out, Safe(d.title), '#');
  if (!d.subtitle.empty()) out.Write(Safe(d.subtitle), "\n\n");
  WriteFacts(out, d.facts);
  for (const Paragraph& p : d.intro) WriteBlock(out, p);
  for (const Section& s : d.sections) {
    if (!s.heading.empty()) Heading(out, Safe(s.heading), s.level <= 1 ? '=' : '-');
    for (const Block& b : s.blocks) WriteBlock(out, b);
  }
  if (!d.attribution.empty() && !d.attribution_in_body) Wrapped(out, "", Safe(d.attribution));
  return out.Finish();
}

}  // namespace sixsteps::reporting::doc
