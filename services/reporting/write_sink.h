// What the text writers (HTML, Markdown, text, CSV) share: a buffer that hands a document's
// bytes to its ByteSink in pieces of at most kSinkChunk bytes as they are written, and the
// few facts about cells every writer reads. Private to the writers (write_*.cc).
#pragma once

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "services/reporting/document.h"

namespace sixsteps::reporting::doc {

class SinkWriter {
 public:
  explicit SinkWriter(const ByteSink& sink) : sink_(sink) { buffer_.reserve(kSinkChunk); }
  SinkWriter(const SinkWriter&) = delete;
  SinkWriter& operator=(const SinkWriter&) = delete;

  // Appends; hands full pieces to the sink. After a refusal everything is dropped.
  template <typename... Pieces>
  void Write(const Pieces&... pieces) {
    (Append(absl::string_view(pieces)), ...);
  }
  // Hands over what is left; INTERNAL if the sink refused anything.
  absl::Status Finish();

 private:
  void Append(absl::string_view piece);
  void Flush();

  const ByteSink& sink_;
  std::string buffer_;
  bool refused_ = false;
};

// A rating cell's text after its letter ("Red (3)" of "R Red (3)"), or its whole text.
std::string AfterLetter(const Cell& cell);

// A run's text as its leading spaces, its words and its trailing spaces: the escaping of
// Markdown (MarkdownText) trims, and emphasis must sit against the words.
struct Spaced {
  absl::string_view lead, words, trail;
};
Spaced SplitSpaces(absl::string_view text);

// A chart's counts as a table, for the formats that do not draw: a row per series, a
// column per category, each cell lettered ("R1 A2 G0 -1").
Table ChartTable(const Chart& chart);
// Counts over time as a table: a row per series, a column per category, each cell a count.
Table ChartTable(const CountChart& chart);
// A chart block (Chart or CountChart) as its ChartTable, for the writers that draw none
// (CSV, Markdown, text, XLSX); nullopt for any other block.
std::optional<Table> ChartAsTable(const Block& block);

// Hands `bytes` to `sink` in pieces of at most kSinkChunk bytes.
absl::Status SinkAll(absl::string_view bytes, const ByteSink& sink);

}  // namespace sixsteps::reporting::doc
