// The small Markdown subset the annual report section is written in, parsed into blocks
// and inline runs for the document model (AppendMarkdown).
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "services/reporting/render.h"
#include "services/reporting/render_markdown.h"

namespace sixsteps::reporting {
namespace {

bool IsPunct(char c) { return absl::ascii_ispunct(static_cast<unsigned char>(c)); }

std::vector<std::string> SplitTableRow(absl::string_view line) {
  line = absl::StripAsciiWhitespace(line);
  if (absl::StartsWith(line, "|")) line.remove_prefix(1);
  if (absl::EndsWith(line, "|") && !absl::EndsWith(line, "\\|")) line.remove_suffix(1);
  std::vector<std::string> cells;
  std::string cell;
  for (size_t i = 0; i < line.size(); ++i) {
    if (line[i] == '\\' && i + 1 < line.size() && line[i + 1] == '|') {
      cell += "\\|";
      ++i;
    } else if (line[i] == '|') {
      cells.push_back(std::string(absl::StripAsciiWhitespace(cell)));
      cell.clear();
    } else {
      cell.push_back(line[i]);
    }
  }
  cells.push_back(std::string(absl::StripAsciiWhitespace(cell)));
  return cells;
}

bool IsTableRule(absl::string_view line) {
  line = absl::StripAsciiWhitespace(line);
  if (line.empty() || line.find('-') == absl::string_view::npos) return false;
  for (char c : line)
    if (c != '|' && c != '-' && c != ':' && c != ' ') return false;
  return true;
}

}  // namespace

namespace markdown {

std::vector<Block> ParseBlocks(absl::string_view text) {
  std::vector<Block> blocks;
  // At most one paragraph, list or table is open at a time: any other line closes it.
  std::vector<std::string> paragraph;
  Block open;
  bool list_open = false;
  bool table_open = false;
  auto flush_paragraph = [&] {
    if (paragraph.empty()) return;
    Block b;
    b.kind = Block::Kind::kParagraph;
    b.text = absl::StrJoin(paragraph, " ");
    blocks.push_back(std::move(b));
    paragraph.clear();
  };
  auto close_list = [&] {
    if (!list_open) return;
    blocks.push_back(std::move(open));
    open = Block();
    list_open = false;
  };
  auto flush_table = [&] {
    if (!table_open) return;
    blocks.push_back(std::move(open));
    open = Block();
    table_open = false;
  };
  auto flush_all = [&] {
    flush_paragraph();
    close_list();
    flush_table();
  };

  for (absl::string_view raw : absl::StrSplit(text, '\n')) {
    absl::string_view line = absl::StripSuffix(raw, "\r");
    absl::string_view trimmed = absl::StripAsciiWhitespace(line);
    if (trimmed.empty()) {
      flush_all();
      continue;
    }
    // Pipe tables: a header row, a rule, then rows.
    if (absl::StartsWith(trimmed, "|")) {
      flush_paragraph();
      close_list();
      if (IsTableRule(trimmed)) continue;
      if (!table_open) {
        open = Block();
        open.kind = Block::Kind::kTable;
        table_open = true;
      }
      open.rows.push_back(SplitTableRow(trimmed));
      continue;
    }
    flush_table();
    // Headings.
    size_t hashes = 0;
    while (hashes < trimmed.size() && trimmed[hashes] == '#') ++hashes;
    if (hashes >= 1 && hashes <= 6 && hashes < trimmed.size() && trimmed[hashes] == ' ') {
      flush_paragraph();
      close_list();
      Block b;
      b.kind = Block::Kind::kHeading;
      b.level = static_cast<int>(hashes);
      b.text = std::string(absl::StripAsciiWhitespace(trimmed.substr(hashes)));
      blocks.push_back(std::move(b));
      continue;
    }
    // Rules.
    if (trimmed == "---" || trimmed == "***" || trimmed == "___") {
      flush_all();
      Block b;
      b.kind = Block::Kind::kRule;
      blocks.push_back(std::move(b));
      continue;
    }
    // Lists.
    int kind = 0;  // 1 unordered, 2 ordered
    absl::string_view item;
    if (trimmed.size() > 2 && (trimmed[0] == '-' || trimmed[0] == '*' || trimmed[0] == '+') &&
        trimmed[1] == ' ') {
      kind = 1;
      item = trimmed.substr(2);
    } else {
      size_t digits = 0;
      while (digits < trimmed.size() &&
             absl::ascii_isdigit(static_cast<unsigned char>(trimmed[digits])))
        ++digits;
      if (digits > 0 && digits + 1 < trimmed.size() &&
          (trimmed[digits] == '.' || trimmed[digits] == ')') && trimmed[digits + 1] == ' ') {
        kind = 2;
        item = trimmed.substr(digits + 2);
      }
    }
    if (kind != 0) {
      flush_paragraph();
      if (list_open && open.ordered != (kind == 2)) close_list();
      if (!list_open) {
        open = Block();
        open.kind = Block::Kind::kList;
        open.ordered = kind == 2;
        list_open = true;
      }
      open.items.push_back(std::string(absl::StripAsciiWhitespace(item)));
      continue;
    }
    close_list();
    paragraph.push_back(std::string(trimmed));
  }
  flush_all();
  return blocks;
}

namespace {

// Appends `text` to the last run when it has the same emphasis, else as a new run.
void AppendRun(std::vector<doc::Run>* runs, absl::string_view text, const doc::Run& style) {
  if (text.empty()) return;
  if (!runs->empty() && runs->back().bold == style.bold && runs->back().italic == style.italic &&
      runs->back().code == style.code) {
    runs->back().text.append(text.data(), text.size());
    return;
  }
  doc::Run run = style;
  run.text = std::string(text);
  runs->push_back(std::move(run));
}

// InlineHtml's reading of `s`, as runs.
void CollectRuns(absl::string_view s, const doc::Run& style, std::vector<doc::Run>* runs) {
  static constexpr std::pair<absl::string_view, absl::string_view> kEntities[] = {
      {"&lt;", "<"}, {"&gt;", ">"}, {"&amp;", "&"}, {"&quot;", "\""}, {"&#39;", "'"}};
  size_t i = 0;
  while (i < s.size()) {
    char c = s[i];
    if (c == '\\' && i + 1 < s.size() && IsPunct(s[i + 1])) {
      AppendRun(runs, s.substr(i + 1, 1), style);
      i += 2;
      continue;
    }
    if (c == '`') {
      size_t end = s.find('`', i + 1);
      if (end != absl::string_view::npos) {
        doc::Run code = style;
        code.code = true;
        AppendRun(runs, s.substr(i + 1, end - i - 1), code);
        i = end + 1;
        continue;
      }
    }
    if ((c == '*' || c == '_') && i + 1 < s.size() && s[i + 1] == c) {
      size_t end = s.find(std::string(2, c), i + 2);
      if (end != absl::string_view::npos && end > i + 2) {
        doc::Run bold = style;
        bold.bold = true;
        CollectRuns(s.substr(i + 2, end - i - 2), bold, runs);
        i = end + 2;
        continue;
      }
    }
    if ((c == '*' || c == '_') && i + 1 < s.size() && s[i + 1] != ' ') {
      size_t end = s.find(c, i + 1);
      if (end != absl::string_view::npos && end > i + 1) {
        doc::Run italic = style;
        italic.italic = true;
        CollectRuns(s.substr(i + 1, end - i - 1), italic, runs);
        i = end + 1;
        continue;
      }
    }
    bool entity = false;
    if (c == '&') {
      for (const auto& [known, decoded] : kEntities) {
        if (absl::StartsWith(s.substr(i), known)) {
          AppendRun(runs, decoded, style);
          i += known.size();
          entity = true;
          break;
        }
      }
    }
    if (entity) continue;
    AppendRun(runs, s.substr(i, 1), style);
    ++i;
  }
}

}  // namespace

std::vector<doc::Run> InlineRuns(absl::string_view text) {
  std::vector<doc::Run> runs;
  CollectRuns(text, doc::Run(), &runs);
  return runs;
}

}  // namespace markdown

}  // namespace sixsteps::reporting
