// MarkdownToHtml: the small Markdown subset the annual report section is written in, as
// escaped HTML.
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "services/reporting/render.h"

namespace sixsteps::reporting {
namespace {

bool IsPunct(char c) { return absl::ascii_ispunct(static_cast<unsigned char>(c)); }

std::string InlineHtml(absl::string_view s) {
  std::string out;
  size_t i = 0;
  while (i < s.size()) {
    char c = s[i];
    if (c == '\\' && i + 1 < s.size() && IsPunct(s[i + 1])) {
      out += HtmlEscape(s.substr(i + 1, 1));
      i += 2;
      continue;
    }
    if (c == '`') {
      size_t end = s.find('`', i + 1);
      if (end != absl::string_view::npos) {
        absl::StrAppend(&out, "<code>", HtmlEscape(s.substr(i + 1, end - i - 1)), "</code>");
        i = end + 1;
        continue;
      }
    }
    if ((c == '*' || c == '_') && i + 1 < s.size() && s[i + 1] == c) {
      std::string marker(2, c);
      size_t end = s.find(marker, i + 2);
      if (end != absl::string_view::npos && end > i + 2) {
        absl::StrAppend(&out, "<strong>", InlineHtml(s.substr(i + 2, end - i - 2)), "</strong>");
        i = end + 2;
        continue;
      }
    }
    if ((c == '*' || c == '_') && i + 1 < s.size() && s[i + 1] != ' ') {
      size_t end = s.find(c, i + 1);
      if (end != absl::string_view::npos && end > i + 1) {
        absl::StrAppend(&out, "<em>", InlineHtml(s.substr(i + 1, end - i - 1)), "</em>");
        i = end + 1;
        continue;
      }
    }
    // The entities MarkdownText writes stay as they are (escaping them again would show
    // "&lt;" where the text had "<"); every other '&' is escaped.
    if (c == '&') {
      bool entity = false;
      for (absl::string_view known : {"&lt;", "&gt;", "&amp;", "&quot;", "&#39;"}) {
        if (absl::StartsWith(s.substr(i), known)) {
          out.append(known.data(), known.size());
          i += known.size();
          entity = true;
          break;
        }
      }
      if (entity) continue;
    }
    out += HtmlEscape(s.substr(i, 1));
    ++i;
  }
  return out;
}

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

std::string MarkdownToHtml(absl::string_view markdown) {
  std::string out;
  std::vector<std::string> paragraph;
  std::string list;  // "ul", "ol" or empty
  std::vector<std::vector<std::string>> table;

  auto flush_paragraph = [&] {
    if (paragraph.empty()) return;
    absl::StrAppend(&out, "<p>", InlineHtml(absl::StrJoin(paragraph, " ")), "</p>\n");
    paragraph.clear();
  };
  auto close_list = [&] {
    if (list.empty()) return;
    absl::StrAppend(&out, "</", list, ">\n");
    list.clear();
  };
  auto flush_table = [&] {
    if (table.empty()) return;
    out += "<table>\n";
    for (size_t r = 0; r < table.size(); ++r) {
      const char* cell = r == 0 ? "th" : "td";
      out += r == 0 ? "<thead><tr>" : "<tr>";
      for (const auto& c : table[r])
        absl::StrAppend(&out, "<", cell, ">", InlineHtml(c), "</", cell, ">");
      out += r == 0 ? "</tr></thead>\n<tbody>\n" : "</tr>\n";
    }
    out += "</tbody>\n</table>\n";
    table.clear();
  };
  auto flush_all = [&] {
    flush_paragraph();
    close_list();
    flush_table();
  };

  for (absl::string_view raw : absl::StrSplit(markdown, '\n')) {
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
      table.push_back(SplitTableRow(trimmed));
      continue;
    }
    flush_table();
    // Headings.
    size_t hashes = 0;
    while (hashes < trimmed.size() && trimmed[hashes] == '#') ++hashes;
    if (hashes >= 1 && hashes <= 6 && hashes < trimmed.size() && trimmed[hashes] == ' ') {
      flush_paragraph();
      close_list();
      absl::StrAppend(&out, "<h", hashes, ">",
                      InlineHtml(absl::StripAsciiWhitespace(trimmed.substr(hashes))), "</h", hashes,
                      ">\n");
      continue;
    }
    // Rules.
    if (trimmed == "---" || trimmed == "***" || trimmed == "___") {
      flush_all();
      out += "<hr>\n";
      continue;
    }
    // Lists.
    std::string kind;
    absl::string_view item;
    if (trimmed.size() > 2 && (trimmed[0] == '-' || trimmed[0] == '*' || trimmed[0] == '+') &&
        trimmed[1] == ' ') {
      kind = "ul";
      item = trimmed.substr(2);
    } else {
      size_t digits = 0;
      while (digits < trimmed.size() &&
             absl::ascii_isdigit(static_cast<unsigned char>(trimmed[digits])))
        ++digits;
      if (digits > 0 && digits + 1 < trimmed.size() &&
          (trimmed[digits] == '.' || trimmed[digits] == ')') && trimmed[digits + 1] == ' ') {
        kind = "ol";
        item = trimmed.substr(digits + 2);
      }
    }
    if (!kind.empty()) {
      flush_paragraph();
      if (list != kind) {
        close_list();
        list = kind;
        absl::StrAppend(&out, "<", list, ">\n");
      }
      absl::StrAppend(&out, "<li>", InlineHtml(absl::StripAsciiWhitespace(item)), "</li>\n");
      continue;
    }
    close_list();
    paragraph.push_back(std::string(trimmed));
  }
  flush_all();
  return out;
}

}  // namespace sixsteps::reporting
