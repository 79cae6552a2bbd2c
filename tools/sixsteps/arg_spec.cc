#include "tools/sixsteps/arg_spec.h"

#include <algorithm>
#include <functional>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "tools/sixsteps/assessment_names.h"
#include "tools/sixsteps/cli_status.h"

namespace sixsteps::cli {
namespace {

ArgDecl Declare(std::string name, ArgKind kind) {
  ArgDecl decl;
  decl.name = std::move(name);
  decl.kind = kind;
  return decl;
}

// "a, b or c".
std::string Alternatives(const std::vector<std::string>& words) {
  if (words.size() < 2) return absl::StrJoin(words, "");
  return absl::StrCat(absl::StrJoin(words.begin(), words.end() - 1, ", "), " or ", words.back());
}

std::optional<bool> ParseTruth(absl::string_view value) {
  std::string lower = absl::AsciiStrToLower(value);
  if (lower == "true" || lower == "yes" || lower == "on" || lower == "1") return true;
  if (lower == "false" || lower == "no" || lower == "off" || lower == "0") return false;
  return std::nullopt;
}

}  // namespace

namespace arg {

ArgDecl String(std::string name) { return Declare(std::move(name), ArgKind::kString); }
ArgDecl File(std::string name) { return Declare(std::move(name), ArgKind::kFile); }
ArgDecl Date(std::string name) { return Declare(std::move(name), ArgKind::kDate); }
ArgDecl Period(std::string name) { return Declare(std::move(name), ArgKind::kPeriod); }
ArgDecl Integer(std::string name, int64_t min, std::string problem, int64_t max) {
  ArgDecl decl = Declare(std::move(name), ArgKind::kInteger);
  decl.min = min;
  decl.max = max;
  decl.problem = std::move(problem);
  return decl;
}
ArgDecl Duration(std::string name, absl::Duration max, absl::Duration bare_unit) {
  ArgDecl decl = Declare(std::move(name), ArgKind::kDuration);
  decl.max_duration = max;
  decl.bare_unit = bare_unit;
  return decl;
}
ArgDecl Choice(std::string name, std::vector<std::string> choices) {
  ArgDecl decl = Declare(std::move(name), ArgKind::kChoice);
  decl.choices = std::move(choices);
  return decl;
}
ArgDecl Truth(std::string name) { return Declare(std::move(name), ArgKind::kTruth); }
ArgDecl Switch(std::string name) { return Declare(std::move(name), ArgKind::kSwitch); }
ArgDecl List(std::string name, std::string item) {
  ArgDecl decl = Declare(std::move(name), ArgKind::kList);
  decl.problem = std::move(item);
  return decl;
}
ArgDecl WithParser(std::string name, ArgKind kind,
                   absl::StatusOr<int> (*parse)(absl::string_view)) {
  ArgDecl decl = Declare(std::move(name), kind);
  decl.parse = parse;
  return decl;
}

}  // namespace arg

std::string FlagText(absl::string_view name) {
  return absl::StrCat("--", absl::StrReplaceAll(name, {{"_", "-"}}));
}

std::optional<absl::Duration> ParseDuration(absl::string_view text, absl::Duration bare_unit) {
  absl::Duration duration = absl::ZeroDuration();
  double bare = 0;
  int64_t count = 0;
  if (bare_unit != absl::ZeroDuration() && absl::SimpleAtod(text, &bare)) {
    duration = bare_unit * bare;
  } else if (text.size() >= 2 && absl::SimpleAtoi(text.substr(0, text.size() - 1), &count)) {
    switch (text.back()) {
      case 'w':
        duration = absl::Hours(24 * 7) * count;
        break;
      case 'd':
        duration = absl::Hours(24) * count;
        break;
      case 'h':
        duration = absl::Hours(count);
        break;
      case 'm':
        duration = absl::Minutes(count);
        break;
      case 's':
        duration = absl::Seconds(count);
        break;
      default:
        return std::nullopt;
    }
  } else if (!absl::ParseDuration(text, &duration)) {
    return std::nullopt;
  }
  if (duration <= absl::ZeroDuration()) return std::nullopt;
  return duration;
}

std::string CheckedArgs::Text(absl::string_view flag) const { return Optional(flag).value_or(""); }

std::optional<std::string> CheckedArgs::Optional(absl::string_view flag) const {
  std::vector<std::string> values = raw_.Values(flag);
  if (values.empty()) return std::nullopt;
  return std::move(values.front());
}

std::vector<std::string> CheckedArgs::List(absl::string_view flag) const {
  return SplitList(Text(flag));
}

std::optional<int64_t> CheckedArgs::Integer(absl::string_view name) const {
  auto it = integers_.find(name);
  if (it == integers_.end()) return std::nullopt;
  return it->second.front();
}

std::optional<int> CheckedArgs::Position(absl::string_view flag) const {
  std::optional<int64_t> value = Integer(flag);
  if (!value) return std::nullopt;
  return static_cast<int>(*value);
}

std::optional<bool> CheckedArgs::Truth(absl::string_view name) const {
  std::optional<int64_t> value = Integer(name);
  if (!value) return std::nullopt;
  return *value != 0;
}

std::optional<absl::Duration> CheckedArgs::Duration(absl::string_view flag) const {
  auto it = durations_.find(flag);
  if (it == durations_.end()) return std::nullopt;
  return it->second;
}

std::optional<std::pair<std::string, std::string>> CheckedArgs::Period(
    absl::string_view flag) const {
  auto it = periods_.find(flag);
  if (it == periods_.end()) return std::nullopt;
  return it->second;
}

// Checks one value of a declared argument and keeps its typed form.
class ValueChecker {
 public:
  explicit ValueChecker(CheckedArgs& checked) : checked_(checked) {}

  // `shown` is how the message names the argument: "--limit", or a metavariable.
  absl::Status Check(const ArgDecl& decl, absl::string_view shown, const std::string& value) {
    auto wrong = [&](absl::string_view what) {
      return UsageError(absl::StrCat(shown, " must be ", what, ", got '", value, "'"));
    };
    if (decl.non_empty && decl.kind != ArgKind::kList && value.empty()) {
      return UsageError(absl::StrCat(shown, " must not be empty"));
    }
    switch (decl.kind) {
      case ArgKind::kString:
      case ArgKind::kFile:
      case ArgKind::kSwitch:
        return absl::OkStatus();
      case ArgKind::kDate:
        return CheckIsoDate(value, shown);
      case ArgKind::kPeriod: {
        SIXSTEPS_ASSIGN_OR_RETURN(checked_.periods_[decl.name], ParsePeriod(value, shown));
        return absl::OkStatus();
      }
      case ArgKind::kInteger: {
        int64_t number = 0;
        if (!absl::SimpleAtoi(value, &number) || number < decl.min) return wrong(decl.problem);
        if (number > decl.max) return wrong(absl::StrCat("at most ", decl.max));
        checked_.integers_[decl.name].push_back(number);
        return absl::OkStatus();
      }
      case ArgKind::kDuration: {
        std::optional<absl::Duration> duration = ParseDuration(value, decl.bare_unit);
        if (!duration) {
          return wrong(decl.bare_unit == absl::ZeroDuration()
                           ? "a duration such as 90d, 2w, 12h or 30m"
                           : absl::StrCat("a number above 0 (of ",
                                          absl::FormatDuration(decl.bare_unit),
                                          ") or a duration such as 90s or 2m"));
        }
        if (*duration > decl.max_duration) {
          return wrong(absl::StrCat("at most ", absl::FormatDuration(decl.max_duration)));
        }
        checked_.durations_[decl.name] = *duration;
        return absl::OkStatus();
      }
      case ArgKind::kChoice:
        if (std::find(decl.choices.begin(), decl.choices.end(), value) == decl.choices.end()) {
          return wrong(Alternatives(decl.choices));
        }
        return absl::OkStatus();
      case ArgKind::kEnum:
        return AddEnum(decl, value);
      case ArgKind::kEnumList:
        for (const std::string& word : SplitList(value))
          SIXSTEPS_RETURN_IF_ERROR(AddEnum(decl, word));
        if (decl.non_empty && SplitList(value).empty()) {
          return UsageError(absl::StrCat(shown, " must name at least one value"));
        }
        return absl::OkStatus();
      case ArgKind::kEnumCounts:
        for (const std::string& item : SplitList(value)) {
          std::vector<std::string> parts = absl::StrSplit(item, '=');
          int64_t count = 0;
          if (parts.size() != 2 || !absl::SimpleAtoi(parts[1], &count) || count < 0 ||
              count > decl.max) {
            return UsageError(absl::StrCat(shown, ": '", item, "' is not WORD=COUNT"));
          }
          SIXSTEPS_RETURN_IF_ERROR(AddEnum(decl, parts[0]));
          checked_.integers_[decl.name].push_back(count);
        }
        return absl::OkStatus();
      case ArgKind::kTruth: {
        std::optional<bool> truth = ParseTruth(value);
        if (!truth) return wrong("true or false");
        checked_.integers_[decl.name].push_back(*truth ? 1 : 0);
        return absl::OkStatus();
      }
      case ArgKind::kList:
        if (decl.non_empty && SplitList(value).empty()) {
          return UsageError(absl::StrCat(shown, " must name at least one ", decl.problem));
        }
        return absl::OkStatus();
    }
    return absl::OkStatus();
  }

 private:
  absl::Status AddEnum(const ArgDecl& decl, absl::string_view word) {
    SIXSTEPS_ASSIGN_OR_RETURN(int number, decl.parse(word));
    checked_.numbers_[decl.name].push_back(number);
    return absl::OkStatus();
  }

  CheckedArgs& checked_;
};

absl::StatusOr<CheckedArgs> CheckArgs(const ArgSpec& spec, const ParsedArgs& args) {
  CheckedArgs checked;
  checked.raw_ = args;
  ValueChecker values(checked);
  if (!spec.subcommands) {
    for (const auto& [name, value] : args.flags()) {
      bool declared = std::any_of(spec.flags.begin(), spec.flags.end(),
                                  [&](const ArgDecl& flag) { return flag.name == name; });
      if (!declared) return UsageError(absl::StrCat("unknown flag ", FlagText(name)));
    }
  }
  const size_t required = static_cast<size_t>(
      std::count_if(spec.positionals.begin(), spec.positionals.end(),
                    [](const ArgDecl& positional) { return positional.required; }));
  SIXSTEPS_RETURN_IF_ERROR(args.CheckPositionalCount(
      required, spec.subcommands ? args.positionals().size() : spec.positionals.size()));
  for (size_t i = 0; i < spec.positionals.size() && i < args.positionals().size(); ++i) {
    const ArgDecl& positional = spec.positionals[i];
    SIXSTEPS_RETURN_IF_ERROR(values.Check(positional, positional.name, args.positionals()[i]));
  }

  for (const ArgDecl& flag : spec.flags) {
    const std::string text = FlagText(flag.name);
    std::vector<std::string> given = args.Values(flag.name);
    if (!flag.repeated && given.size() > 1) {
      return UsageError(absl::StrCat(text, " may be given only once"));
    }
    if (flag.required && given.empty()) return UsageError(absl::StrCat(text, " is required"));
    for (const std::string& value : given)
      SIXSTEPS_RETURN_IF_ERROR(values.Check(flag, text, value));
  }

  for (const FlagGroup& group : spec.groups) {
    std::vector<size_t> counts;
    for (const std::string& flag : group.flags) counts.push_back(args.Values(flag).size());
    const size_t given = static_cast<size_t>(
        std::count_if(counts.begin(), counts.end(), [](size_t count) { return count > 0; }));
    const bool broken =
        (group.rule == FlagGroup::Rule::kAtMostOne && given > 1) ||
        (group.rule == FlagGroup::Rule::kExactlyOne && given != 1) ||
        (group.rule == FlagGroup::Rule::kAtLeastOne && given == 0) ||
        (group.rule == FlagGroup::Rule::kSameCount &&
         std::adjacent_find(counts.begin(), counts.end(), std::not_equal_to<>()) != counts.end()) ||
        (group.rule == FlagGroup::Rule::kAtMostAsMany &&
         std::any_of(counts.begin(), counts.end(), [&](size_t n) { return n > counts.front(); }));
    if (broken) return UsageError(group.message);
  }
  return checked;
}

}  // namespace sixsteps::cli
