// The escaping every renderer relies on: HTML text, Markdown text, and CSV fields that no
// spreadsheet can read as a formula.
#include "services/reporting/render_escape.h"

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "services/reporting/render_internal.h"

namespace sixsteps::reporting {

using render_internal::OneLine;

std::string MarkdownText(absl::string_view text) {
  std::string line = OneLine(text);
  std::string out;
  // A list marker ("- ", "+ ", "1. ", "1) ") at the start would make a list of a paragraph
  // that begins with this text.
  size_t digits = 0;
  while (digits < line.size() && absl::ascii_isdigit(static_cast<unsigned char>(line[digits])))
    ++digits;
  size_t marker = std::string::npos;
  if (!line.empty() && (line[0] == '-' || line[0] == '+')) {
    marker = 0;
  } else if (digits > 0 && digits < line.size() && (line[digits] == '.' || line[digits] == ')')) {
    marker = digits;
  }
  if (marker != std::string::npos && marker + 1 < line.size() && line[marker + 1] != ' ') {
    marker = std::string::npos;
  }
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (i == marker) {
      out.push_back('\\');
      out.push_back(c);
      continue;
    }
    switch (c) {
      case '\\':
      case '|':
      case '*':
      case '_':
      case '`':
      case '[':
      case ']':
      case '#':
        out.push_back('\\');
        out.push_back(c);
        break;
      case '<':
      case '>':
      case '&':
        // Entity-escaped as HTML, so raw HTML never reaches a Markdown renderer.
        out += HtmlEscape(absl::string_view(&c, 1));
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

std::string TerminalText(absl::string_view text) {
  std::string folded;
  folded.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    const auto next = i + 1 < text.size() ? static_cast<unsigned char>(text[i + 1]) : 0;
    const auto third = i + 2 < text.size() ? static_cast<unsigned char>(text[i + 2]) : 0;
    if (c == '\n' || c == '\r' || c == '\t') {
      folded.push_back(' ');
    } else if (c < 0x20 || c == 0x7F) {
      continue;  // C0 controls (ESC among them) and DEL
    } else if (c == 0xC2 && next >= 0x80 && next <= 0x9F) {
      ++i;  // C1 controls (U+0080-U+009F; U+009B is CSI)
    } else if (c == 0xE2 && next == 0x80 && third >= 0xAA && third <= 0xAE) {
      i += 2;  // U+202A-U+202E: embeddings and overrides
    } else if (c == 0xE2 && next == 0x81 && third >= 0xA6 && third <= 0xA9) {
      i += 2;  // U+2066-U+2069: isolates
    } else {
      folded.push_back(static_cast<char>(c));
    }
  }
  return OneLine(folded);
}

std::string HtmlEscape(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

namespace {

// A plain number ("-3", "+1.5"): spreadsheets read it as the number it is, so it keeps
// its sign rather than being turned into text.
bool IsPlainNumber(absl::string_view text) {
  size_t i = 0;
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) ++i;
  bool digits = false, point = false;
  for (; i < text.size(); ++i) {
    if (absl::ascii_isdigit(static_cast<unsigned char>(text[i]))) {
      digits = true;
    } else if (text[i] == '.' && !point) {
      point = true;
    } else {
      return false;
    }
  }
  return digits;
}

}  // namespace

bool CsvCellStartsFormula(absl::string_view text) {
  // Spaces in front do not stop every spreadsheet from reading a formula.
  absl::string_view rest = absl::StripLeadingAsciiWhitespace(text);
  if (text.empty()) return false;
  if (text[0] == '\t' || text[0] == '\r' || text[0] == '\n') return true;
  if (rest.empty() || IsPlainNumber(rest)) return false;
  if (rest[0] == '=' || rest[0] == '+' || rest[0] == '-' || rest[0] == '@') return true;
  // The full-width forms (U+FF1D =, U+FF0B +, U+FF0D -, U+FF20 @), which some spreadsheets
  // read as their ASCII twins.
  for (absl::string_view wide : {"\xEF\xBC\x9D", "\xEF\xBC\x8B", "\xEF\xBC\x8D", "\xEF\xBC\xA0"}) {
    if (absl::StartsWith(rest, wide)) return true;
  }
  return false;
}

std::string CsvField(absl::string_view text) {
  const bool formula = CsvCellStartsFormula(text);
  // Quoted also for ';' and tabs: a spreadsheet that guesses another separator must not
  // split the cell and find a formula at the start of a piece.
  if (!formula && text.find_first_of(",;\"\r\n\t") == absl::string_view::npos) {
    return std::string(text);
  }
  std::string out = "\"";
  if (formula) out.push_back('\'');
  for (char c : text) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

}  // namespace sixsteps::reporting
