// The writers' buffered sink and shared cell facts.
#include "services/reporting/write_sink.h"

#include <algorithm>
#include <array>
#include <string>
#include <variant>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/reporting/render.h"

namespace sixsteps::reporting::doc {

void SinkWriter::Append(absl::string_view piece) {
  while (!piece.empty() && !refused_) {
    size_t room = kSinkChunk - buffer_.size();
    size_t n = std::min(room, piece.size());
    buffer_.append(piece.data(), n);
    piece.remove_prefix(n);
    if (buffer_.size() == kSinkChunk) Flush();
  }
}

void SinkWriter::Flush() {
  if (!refused_ && !buffer_.empty() && !sink_(buffer_.data(), buffer_.size())) refused_ = true;
  buffer_.clear();
}

absl::Status SinkWriter::Finish() {
  Flush();
  if (refused_) return absl::InternalError("the document's reader stopped taking bytes");
  return absl::OkStatus();
}

std::string AfterLetter(const Cell& cell) {
  std::string prefix = absl::StrCat(RatingLetter(cell.rating), " ");
  if (cell.kind == Cell::Kind::kRating && absl::StartsWith(cell.text, prefix))
    return cell.text.substr(prefix.size());
  return cell.text;
}

Spaced SplitSpaces(absl::string_view text) {
  size_t first = text.find_first_not_of(" \t\n");
  if (first == absl::string_view::npos) return {text, "", ""};
  size_t last = text.find_last_not_of(" \t\n");
  return {text.substr(0, first), text.substr(first, last + 1 - first), text.substr(last + 1)};
}

namespace {

// A row per series (its name in bold), a column per category, each cell `cell(series, c)`.
template <typename AnyChart, typename CellOf>
Table SeriesTable(const AnyChart& chart, CellOf cell) {
  Table t;
  t.header.push_back(chart.title);
  for (const auto& c : chart.categories) t.header.push_back(c);
  for (const auto& series : chart.series) {
    std::vector<Cell> row = {Bold(series.name)};
    for (size_t c = 0; c < chart.categories.size(); ++c) row.push_back(cell(series, c));
    t.rows.push_back(std::move(row));
  }
  return t;
}

}  // namespace

Table ChartTable(const Chart& chart) {
  return SeriesTable(chart, [](const RatingSeries& series, size_t c) {
    std::array<int, 4> n = c < series.counts.size() ? series.counts[c] : std::array<int, 4>{};
    return Text(absl::StrCat("R", n[0], " A", n[1], " G", n[2], " -", n[3]));
  });
}

Table ChartTable(const CountChart& chart) {
  return SeriesTable(chart, [](const CountSeries& series, size_t c) {
    return Number(c < series.counts.size() ? series.counts[c] : 0);
  });
}

std::optional<Table> ChartAsTable(const Block& block) {
  if (const auto* chart = std::get_if<Chart>(&block)) return ChartTable(*chart);
  if (const auto* chart = std::get_if<CountChart>(&block)) return ChartTable(*chart);
  return std::nullopt;
}

absl::Status SinkAll(absl::string_view bytes, const ByteSink& sink) {
  while (!bytes.empty()) {
    size_t n = std::min(bytes.size(), kSinkChunk);
    if (!sink(bytes.data(), n))
      return absl::InternalError("the document's reader stopped taking bytes");
    bytes.remove_prefix(n);
  }
  return absl::OkStatus();
}

}  // namespace sixsteps::reporting::doc
