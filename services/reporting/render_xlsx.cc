// XlsxPairs and XlsxTable: the two layouts every XLSX sheet is made of.
#include "services/reporting/render_xlsx.h"

namespace sixsteps::reporting::render_internal {

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

}  // namespace sixsteps::reporting::render_internal
