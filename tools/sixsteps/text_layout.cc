#include "tools/sixsteps/text_layout.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace sixsteps::cli {

size_t DisplayWidth(absl::string_view text) {
  return std::count_if(text.begin(), text.end(),
                       [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; });
}

std::string Table(const std::vector<std::vector<std::string>>& rows, absl::string_view indent) {
  std::vector<size_t> widths;
  for (const auto& row : rows) {
    widths.resize(std::max(widths.size(), row.size()), 0);
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], DisplayWidth(row[i]));
  }
  std::string out;
  for (const auto& row : rows) {
    absl::StrAppend(&out, indent);
    for (size_t i = 0; i < row.size(); ++i) {
      out += row[i];
      if (i + 1 < row.size()) out.append(widths[i] - DisplayWidth(row[i]) + 2, ' ');
    }
    out += '\n';
  }
  return out;
}

std::string OrDash(std::string text) { return text.empty() ? "-" : text; }

std::string Lines(const std::vector<std::pair<std::string, std::string>>& lines) {
  std::string out;
  for (const auto& [label, value] : lines) absl::StrAppend(&out, label, ": ", OrDash(value), "\n");
  return out;
}

bool IsSet(const google::protobuf::Timestamp& timestamp) {
  return timestamp.seconds() != 0 || timestamp.nanos() != 0;
}

}  // namespace sixsteps::cli
