// The XLSX writer: a document's data table as an editable sheet, then the whole document
// on a "Report" sheet. String cells only for text (never a formula or a link).
#include <algorithm>
#include <string>
#include <variant>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/base/status_macros.h"
#include "services/reporting/document.h"
#include "services/reporting/render_internal.h"
#include "services/reporting/render_xlsx.h"
#include "services/reporting/write_sink.h"

namespace sixsteps::reporting::doc {
namespace {

using render_internal::Utf8Length;
using render_internal::Xlsx;

// Excel's rules for a sheet name: at most 31 characters, none of []:*?/\ .
std::string SheetName(absl::string_view name) {
  std::string out;
  for (char c : name)
    if (std::string_view("[]:*?/\\").find(c) == std::string_view::npos) out.push_back(c);
  out = render_internal::Utf8Truncate(out, 31);
  if (out.empty() || out == "Report") out = "Data";
  return out;
}

void WriteCell(Xlsx& x, lxw_worksheet* ws, int row, int col, const Cell& cell) {
  switch (cell.kind) {
    case Cell::Kind::kRating:
      x.Str(ws, row, col, cell.text, x.RatingFormat(cell.rating));
      return;
    case Cell::Kind::kNumber:
      x.Number(ws, row, col, cell.number, cell.bold ? x.bold() : nullptr);
      return;
    default:
      x.Str(ws, row, col, cell.text, cell.bold || cell.warn ? x.bold() : x.wrap());
  }
}

// Writes a table from `row`; returns the next free row.
int WriteTable(Xlsx& x, lxw_worksheet* ws, int row, const std::vector<std::string>& header,
               const std::vector<std::vector<Cell>>& rows) {
  x.Header(ws, row, header);
  int r = row + 1;
  for (const auto& cells : rows) {
    for (size_t c = 0; c < cells.size(); ++c) WriteCell(x, ws, r, static_cast<int>(c), cells[c]);
    ++r;
  }
  return r;
}

std::string Plain(const std::vector<Run>& runs) {
  std::string out;
  for (const Run& run : runs) out += run.text;
  return out;
}

int WriteFacts(Xlsx& x, lxw_worksheet* ws, int row, const Facts& facts) {
  for (const auto& [k, v] : facts.items) {
    if (v.empty()) continue;
    x.Str(ws, row, 0, k, x.bold());
    x.Str(ws, row++, 1, v);
  }
  return row;
}

int WriteBlock(Xlsx& x, lxw_worksheet* ws, int row, const Block& block) {
  if (const auto* p = std::get_if<Paragraph>(&block)) {
    x.Str(ws, row++, 0, Plain(p->runs));
  } else if (const auto* f = std::get_if<Facts>(&block)) {
    row = WriteFacts(x, ws, row, *f);
  } else if (const auto* l = std::get_if<List>(&block)) {
    int n = 0;
    for (const auto& item : l->items)
      x.Str(ws, row++, 0,
            absl::StrCat(l->ordered ? absl::StrCat(++n, ". ") : "• ", Plain(item.runs)));
  } else if (const auto* t = std::get_if<Table>(&block)) {
    row = WriteTable(x, ws, row, t->header, t->rows);
  } else if (std::optional<Table> counts = ChartAsTable(block)) {
    row = WriteTable(x, ws, row, counts->header, counts->rows);
  }
  return row + 1;
}

void DataSheet(Xlsx& x, const DataTable& data) {
  lxw_worksheet* ws = x.Sheet(SheetName(data.name).c_str());
  int last = WriteTable(x, ws, 0, data.header, data.rows) - 1;
  x.Table(ws, 0, static_cast<int>(data.header.size()), last);
  // Each column as wide as its longest line, within reason.
  for (size_t c = 0; c < data.header.size(); ++c) {
    size_t widest = Utf8Length(data.header[c]);
    for (const auto& row : data.rows)
      if (c < row.size()) widest = std::max(widest, Utf8Length(row[c].text));
    x.Width(ws, static_cast<int>(c), static_cast<int>(c),
            static_cast<double>(std::clamp<size_t>(widest + 2, 8, 60)));
  }
  worksheet_set_landscape(ws);
  worksheet_fit_to_pages(ws, 1, 0);
}

}  // namespace

absl::Status WriteXlsx(const Document& d, const ByteSink& sink) {
  SIXSTEPS_ASSIGN_OR_RETURN(auto x, Xlsx::Create(d.title));
  if (!d.data.header.empty()) DataSheet(*x, d.data);
  lxw_worksheet* ws = x->Sheet("Report");
  int row = 0;
  x->Str(ws, row++, 0, d.title, x->bold());
  if (!d.subtitle.empty()) x->Str(ws, row++, 0, d.subtitle);
  row = WriteFacts(*x, ws, row, d.facts);
  for (const Paragraph& p : d.intro) x->Str(ws, row++, 0, Plain(p.runs));
  ++row;
  for (const Section& s : d.sections) {
    if (!s.heading.empty()) x->Str(ws, row++, 0, s.heading, s.level <= 1 ? x->header() : x->bold());
    for (const Block& b : s.blocks) row = WriteBlock(*x, ws, row, b);
  }
  if (!d.attribution.empty() && !d.attribution_in_body) x->Str(ws, row++, 0, d.attribution);
  x->Width(ws, 0, 0, 36);
  x->Width(ws, 1, 30, 18);
  return x->FinishTo(sink);
}

}  // namespace sixsteps::reporting::doc
