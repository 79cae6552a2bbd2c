// Readers for what the reports export, shared by the tests of the exports: CSV records and
// unescaped Markdown.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace sixsteps::testing {

// A small RFC 4180 reader: records of fields, quotes honoured, CRLF or LF line ends.
inline std::vector<std::vector<std::string>> ParseCsv(const std::string& text) {
  std::vector<std::vector<std::string>> records;
  std::vector<std::string> record;
  std::string field;
  bool quoted = false, any = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
      continue;
    }
    any = true;
    if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      record.push_back(std::move(field));
      field.clear();
    } else if (c == '\r' || c == '\n') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      record.push_back(std::move(field));
      field.clear();
      records.push_back(std::move(record));
      record.clear();
      any = false;
    } else {
      field += c;
    }
  }
  if (any || !field.empty() || !record.empty()) {
    record.push_back(std::move(field));
    records.push_back(std::move(record));
  }
  return records;
}

// Whether `md` holds `what` with no backslash in front of it.
inline bool HasUnescaped(const std::string& md, const std::string& what) {
  for (size_t pos = md.find(what); pos != std::string::npos; pos = md.find(what, pos + 1)) {
    size_t backslashes = 0;
    while (backslashes < pos && md[pos - 1 - backslashes] == '\\') ++backslashes;
    if (backslashes % 2 == 0) return true;
  }
  return false;
}

}  // namespace sixsteps::testing
