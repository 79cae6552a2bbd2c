// The CSV writer: a document's data table (or its tables), every cell through CsvField.
#include <string>
#include <variant>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/reporting/document.h"
#include "services/reporting/render.h"
#include "services/reporting/write_sink.h"

namespace sixsteps::reporting::doc {
namespace {

void Record(SinkWriter& out, const std::vector<std::string>& fields) {
  std::string line;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) line.push_back(',');
    line += CsvField(fields[i]);
  }
  out.Write(line, "\r\n");
}

void Rows(SinkWriter& out, const std::vector<std::string>& header,
          const std::vector<std::vector<Cell>>& rows) {
  Record(out, header);
  for (const auto& row : rows) {
    std::vector<std::string> fields;
    for (const Cell& cell : row) fields.push_back(AfterLetter(cell));
    Record(out, fields);
  }
}

}  // namespace

absl::Status WriteCsv(const Document& d, const ByteSink& sink) {
  SinkWriter out(sink);
  if (!d.data.header.empty()) {
    Rows(out, d.data.header, d.data.rows);
    return out.Finish();
  }
  bool first = true;
  for (const Section& s : d.sections) {
    for (const Block& b : s.blocks) {
      const std::optional<Table> chart = ChartAsTable(b);
      const Table* t = chart ? &*chart : std::get_if<Table>(&b);
      if (t == nullptr || t->header.empty()) continue;
      if (!first) out.Write("\r\n");
      first = false;
      Rows(out, t->header, t->rows);
    }
  }
  return out.Finish();
}

}  // namespace sixsteps::reporting::doc
