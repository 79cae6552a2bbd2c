// The small Markdown subset the annual report section is written in, read into blocks that
// the document model (AppendMarkdown) presents in every format. Private to the reporting renderers.
#pragma once

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "services/reporting/document.h"

namespace sixsteps::reporting::markdown {

// One block of Markdown, its inline text still Markdown (escapes, emphasis, code).
struct Block {
  enum class Kind { kParagraph, kHeading, kRule, kList, kTable };
  Kind kind = Kind::kParagraph;
  int level = 0;                               // kHeading: 1-6
  bool ordered = false;                        // kList
  std::string text;                            // kParagraph, kHeading
  std::vector<std::string> items;              // kList
  std::vector<std::vector<std::string>> rows;  // kTable: header row first
};

// ATX headings, paragraphs (lines joined by a space), "-"/"*"/"+"/"1." lists, pipe tables
// and rules, in order.
std::vector<Block> ParseBlocks(absl::string_view markdown);

// Inline Markdown as runs of plain text: backslash escapes and the entities MarkdownText
// writes are decoded, **bold**, *italic* and `code` become run flags.
std::vector<doc::Run> InlineRuns(absl::string_view text);

}  // namespace sixsteps::reporting::markdown
