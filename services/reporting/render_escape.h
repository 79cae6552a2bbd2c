// The escaping every renderer relies on, one function per target: HTML text, Markdown text,
// and CSV fields no spreadsheet can read as a formula. Included by render.h.
#pragma once

#include <string>

#include "absl/strings/string_view.h"

namespace sixsteps::reporting {

// Escapes text for HTML element content and attribute values (& < > " ').
std::string HtmlEscape(absl::string_view text);

// Whether a spreadsheet could read the cell as a formula (OWASP's CSV injection list): it
// starts, after any spaces, with '=', '+', '-' or '@' (or their full-width forms), or
// with a tab, CR or LF. Plain numbers such as "-3" do not count.
bool CsvCellStartsFormula(absl::string_view text);

// One RFC 4180 field, the only way CSV cells are written. Quoted when it holds a comma,
// semicolon, quote, tab, CR or LF (quotes doubled). A cell that could start a formula
// (CsvCellStartsFormula) is neutralised as OWASP advises: a single quote in front and the
// whole cell quoted ("=1+1" becomes "'=1+1" in quotes), so a spreadsheet shows it as text.
std::string CsvField(absl::string_view text);

// Text made safe for a Markdown paragraph or table cell: Markdown punctuation
// (\ | * _ ` [ ] #) backslash-escaped, so no link, image, emphasis or heading can be
// formed; & < > entity-escaped, so raw HTML never reaches a renderer; a list marker at the
// start escaped; line breaks folded into spaces. Every Markdown renderer uses it for text
// it did not write itself.
std::string MarkdownText(absl::string_view text);

// Text made safe for a terminal, with no markup escaping (plain text is not Markdown): line
// breaks and tabs folded into spaces; every other control character dropped (C0 including
// ESC, DEL, and the C1 controls U+0080-U+009F, so no terminal escape sequence can be formed);
// the bidirectional overrides and isolates (U+202A-U+202E, U+2066-U+2069) dropped, so text
// cannot be shown in an order other than the one it has. Other text passes unchanged.
std::string TerminalText(absl::string_view text);

}  // namespace sixsteps::reporting
