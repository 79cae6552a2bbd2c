#include "tools/sixsteps/enum_words.h"

#include <optional>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "tools/sixsteps/cli_status.h"

namespace sixsteps::cli {

std::string EnumWord(const google::protobuf::EnumValueDescriptor* value) {
  std::string text = EnumValueText(value);
  return text.empty() ? "-" : text;
}

std::optional<int> ParseEnumWord(const google::protobuf::EnumDescriptor* descriptor,
                                 absl::string_view argument) {
  const std::string prefix = EnumPrefix(descriptor);
  std::string upper = absl::StrReplaceAll(
      absl::AsciiStrToUpper(absl::StripAsciiWhitespace(argument)), {{"-", "_"}});
  if (!absl::StartsWith(upper, prefix)) upper = absl::StrCat(prefix, upper);
  const google::protobuf::EnumValueDescriptor* value = descriptor->FindValueByName(upper);
  if (value == nullptr || value->number() == 0) return std::nullopt;
  return value->number();
}

std::string EnumWords(const google::protobuf::EnumDescriptor* descriptor,
                      absl::string_view last_separator) {
  std::vector<std::string> words;
  for (int i = 0; i < descriptor->value_count(); ++i) {
    if (descriptor->value(i)->number() != 0) words.push_back(EnumWord(descriptor->value(i)));
  }
  if (words.size() < 2) return absl::StrJoin(words, "");
  return absl::StrCat(absl::StrJoin(words.begin(), words.end() - 1, ", "), last_separator,
                      words.back());
}

absl::Status UnknownEnumWord(const google::protobuf::EnumDescriptor* descriptor,
                             absl::string_view argument) {
  // "ParticipantGroup" -> "participant group".
  std::string noun;
  for (char c : descriptor->name()) {
    if (absl::ascii_isupper(c) && !noun.empty()) noun.push_back(' ');
    noun.push_back(absl::ascii_tolower(c));
  }
  return UsageError(
      absl::StrCat("unknown ", noun, " '", argument, "': expected ", EnumWords(descriptor)));
}

}  // namespace sixsteps::cli
