// The document model's constructors and the parts every builder shares: sections, the
// rating legend and annual-report Markdown read into blocks.
#include "services/reporting/document.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/reporting/render.h"
#include "services/reporting/render_markdown.h"

namespace sixsteps::reporting::doc {

Paragraph Para(absl::string_view text) { return Paragraph{{Run{std::string(text)}}, false}; }

Paragraph Note(absl::string_view text) { return Paragraph{{Run{std::string(text)}}, true}; }

Cell Text(absl::string_view text) {
  Cell c;
  c.text = std::string(text);
  return c;
}

Cell Bold(absl::string_view text) {
  Cell c = Text(text);
  c.bold = true;
  return c;
}

Cell Number(double value) {
  Cell c;
  c.kind = Cell::Kind::kNumber;
  c.number = value;
  c.text = absl::StrCat(value);
  return c;
}

Cell Date(absl::string_view iso_date) {
  Cell c = Text(iso_date);
  c.kind = Cell::Kind::kDate;
  return c;
}

Cell RatingCell(Rating rating, absl::string_view extra) {
  Cell c;
  c.kind = Cell::Kind::kRating;
  c.rating = rating;
  c.text =
      absl::StrCat(RatingLetter(rating), " ", RatingName(rating), extra.empty() ? "" : " ", extra);
  return c;
}

Cell Status(absl::string_view text, bool warn) {
  Cell c = Text(warn ? absl::StrCat("! ", text) : std::string(text));
  c.kind = Cell::Kind::kStatus;
  c.warn = warn;
  return c;
}

Section& AddSection(Document* d, absl::string_view heading, int level) {
  d->sections.push_back(Section{level, std::string(heading), {}});
  return d->sections.back();
}

Table RatingLegend(
    const google::protobuf::RepeatedPtrField<framework::v1::RatingDefinition>& definitions) {
  Table t;
  t.header = {"Rating", "Meaning"};
  for (const auto& d : definitions)
    t.rows.push_back({RatingCell(d.rating()), Text(d.definition())});
  t.rows.push_back(
      {RatingCell(framework::v1::RATING_UNSPECIFIED), Text("No consolidated rating yet.")});
  return t;
}

namespace {

Paragraph Inline(absl::string_view markdown_text) {
  return Paragraph{markdown::InlineRuns(markdown_text), false};
}

std::string Plain(absl::string_view markdown_text) {
  std::string out;
  for (const Run& run : markdown::InlineRuns(markdown_text)) out += run.text;
  return out;
}

}  // namespace

void AppendMarkdown(Document* d, absl::string_view text) {
  using markdown::Block;
  auto blocks_here = [d]() -> std::vector<doc::Block>& {
    if (d->sections.empty()) AddSection(d, "", 1);
    return d->sections.back().blocks;
  };
  for (const Block& b : markdown::ParseBlocks(text)) {
    switch (b.kind) {
      case Block::Kind::kHeading:
        AddSection(d, Plain(b.text), b.level <= 2 ? 1 : 2);
        break;
      case Block::Kind::kParagraph:
        blocks_here().push_back(Inline(b.text));
        break;
      case Block::Kind::kRule:
        break;
      case Block::Kind::kList: {
        List list;
        list.ordered = b.ordered;
        for (const auto& item : b.items) list.items.push_back(Inline(item));
        blocks_here().push_back(std::move(list));
        break;
      }
      case Block::Kind::kTable: {
        Table table;
        for (size_t r = 0; r < b.rows.size(); ++r) {
          if (r == 0) {
            for (const auto& c : b.rows[r]) table.header.push_back(Plain(c));
            continue;
          }
          std::vector<Cell> row;
          for (const auto& c : b.rows[r]) row.push_back(Text(Plain(c)));
          table.rows.push_back(std::move(row));
        }
        blocks_here().push_back(std::move(table));
        break;
      }
    }
  }
}

absl::StatusOr<std::string> PdfBytes(const Document& document) {
  std::string out;
  absl::Status status = WritePdf(document, [&out](const char* data, size_t size) {
    out.append(data, size);
    return true;
  });
  if (!status.ok()) return status;
  return out;
}

}  // namespace sixsteps::reporting::doc
