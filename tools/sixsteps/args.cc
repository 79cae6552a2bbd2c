#include "tools/sixsteps/args.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "tools/sixsteps/cli_status.h"

namespace sixsteps::cli {

absl::string_view ParsedArgs::Positional(size_t index) const {
  return index < positionals_.size() ? absl::string_view(positionals_[index]) : absl::string_view();
}

ParsedArgs ParsedArgs::WithoutLeadingPositionals(size_t count) const {
  ParsedArgs rest = *this;
  rest.positionals_.erase(rest.positionals_.begin(),
                          rest.positionals_.begin() + std::min(count, positionals_.size()));
  return rest;
}

bool ParsedArgs::Has(absl::string_view flag) const {
  return std::any_of(flags_.begin(), flags_.end(),
                     [&](const auto& entry) { return entry.first == flag; });
}

std::vector<std::string> ParsedArgs::Values(absl::string_view flag) const {
  std::vector<std::string> values;
  for (const auto& [name, value] : flags_) {
    if (name == flag) values.push_back(value);
  }
  return values;
}

std::vector<std::string> ParsedArgs::Extract(absl::string_view flag) {
  std::vector<std::string> values = Values(flag);
  flags_.erase(std::remove_if(flags_.begin(), flags_.end(),
                              [&](const auto& entry) { return entry.first == flag; }),
               flags_.end());
  return values;
}

absl::Status ParsedArgs::CheckPositionalCount(size_t min, size_t max) const {
  if (positionals_.size() < min) return UsageError("missing argument");
  if (positionals_.size() > max) {
    return UsageError(absl::StrCat("unexpected argument '", positionals_[max], "'"));
  }
  return absl::OkStatus();
}

absl::StatusOr<ParsedArgs> ParseArgs(const std::vector<std::string>& words,
                                     const absl::flat_hash_set<std::string>& boolean_flags) {
  std::vector<std::string> positionals;
  std::vector<std::pair<std::string, std::string>> flags;
  bool flags_ended = false;
  for (size_t i = 0; i < words.size(); ++i) {
    const std::string& word = words[i];
    if (flags_ended || word.size() < 2 || word[0] != '-') {
      // "-" alone and negative-looking texts such as "-5" stay positional.
      positionals.push_back(word);
      continue;
    }
    if (word == "--") {
      flags_ended = true;
      continue;
    }
    if (word == "-h") {
      flags.emplace_back("help", "true");
      continue;
    }
    if (word[1] != '-') {
      positionals.push_back(word);
      continue;
    }
    absl::string_view body = absl::string_view(word).substr(2);
    size_t equals = body.find('=');
    std::string name = absl::StrReplaceAll(body.substr(0, equals), {{"-", "_"}});
    if (name.empty()) return UsageError(absl::StrCat("malformed flag '", word, "'"));
    if (boolean_flags.contains(name)) {
      if (equals != absl::string_view::npos) {
        return UsageError(absl::StrCat("--", name, " takes no value"));
      }
      flags.emplace_back(std::move(name), "true");
    } else if (equals != absl::string_view::npos) {
      flags.emplace_back(std::move(name), std::string(body.substr(equals + 1)));
    } else if (i + 1 < words.size()) {
      // The next word is the value even if it starts with "-", so "--position -1" is
      // reported as a bad position rather than as an unknown flag.
      flags.emplace_back(std::move(name), words[++i]);
    } else {
      return UsageError(absl::StrCat("--", name, " needs a value"));
    }
  }
  return ParsedArgs(std::move(positionals), std::move(flags));
}

}  // namespace sixsteps::cli
