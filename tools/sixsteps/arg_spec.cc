#include "tools/sixsteps/arg_spec.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
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

absl::StatusOr<bool> ParseTruth(absl::string_view flag, absl::string_view value) {
  std::string lower = absl::AsciiStrToLower(value);
  if (lower == "true" || lower == "yes" || lower == "1") return true;
  if (lower == "false" || lower == "no" || lower == "0") return false;
  return UsageError(absl::StrCat(FlagText(flag), " must be true or false, got '", value, "'"));
}

}  // namespace

namespace arg {

ArgDecl String(std::string name) { return Declare(std::move(name), ArgKind::kString); }
ArgDecl File(std::string name) { return Declare(std::move(name), ArgKind::kFile); }
ArgDecl Date(std::string name) { return Declare(std::move(name), ArgKind::kDate); }
ArgDecl Integer(std::string name, int64_t min, std::string problem) {
  ArgDecl decl = Declare(std::move(name), ArgKind::kInteger);
  decl.min = min;
  decl.problem = std::move(problem);
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
ArgDecl WithCheck(std::string name, absl::Status (*check)(absl::string_view)) {
  ArgDecl decl = Declare(std::move(name), ArgKind::kChecked);
  decl.check = check;
  return decl;
}

}  // namespace arg

std::string FlagText(absl::string_view name) {
  return absl::StrCat("--", absl::StrReplaceAll(name, {{"_", "-"}}));
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

std::optional<int64_t> CheckedArgs::Integer(absl::string_view flag) const {
  auto it = integers_.find(flag);
  if (it == integers_.end()) return std::nullopt;
  return it->second.front();
}

std::optional<int> CheckedArgs::Position(absl::string_view flag) const {
  std::optional<int64_t> value = Integer(flag);
  if (!value) return std::nullopt;
  return static_cast<int>(*value);
}

std::optional<bool> CheckedArgs::Truth(absl::string_view flag) const {
  std::optional<int64_t> value = Integer(flag);
  if (!value) return std::nullopt;
  return *value != 0;
}

absl::StatusOr<CheckedArgs> CheckArgs(const ArgSpec& spec, const ParsedArgs& args) {
  CheckedArgs checked;
  checked.raw_ = args;
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
    if (positional.kind != ArgKind::kEnum) continue;
    SIXSTEPS_ASSIGN_OR_RETURN(int number, positional.parse(args.Positional(i)));
    checked.numbers_[positional.name].push_back(number);
  }

  for (const ArgDecl& flag : spec.flags) {
    const std::string text = FlagText(flag.name);
    std::vector<std::string> values = args.Values(flag.name);
    if (!flag.repeated && values.size() > 1) {
      return UsageError(absl::StrCat(text, " may be given only once"));
    }
    if (flag.required && values.empty()) return UsageError(absl::StrCat(text, " is required"));
    for (const std::string& value : values) {
      if (flag.non_empty && flag.kind != ArgKind::kList && value.empty()) {
        return UsageError(absl::StrCat(text, " must not be empty"));
      }
      switch (flag.kind) {
        case ArgKind::kString:
        case ArgKind::kFile:
        case ArgKind::kSwitch:
          break;
        case ArgKind::kDate:
          SIXSTEPS_RETURN_IF_ERROR(CheckIsoDate(value, text));
          break;
        case ArgKind::kInteger: {
          int64_t number = 0;
          if (!absl::SimpleAtoi(value, &number) || number < flag.min) {
            return UsageError(absl::StrCat(text, " must be ", flag.problem, ", got '", value, "'"));
          }
          checked.integers_[flag.name].push_back(number);
          break;
        }
        case ArgKind::kChoice:
          if (std::find(flag.choices.begin(), flag.choices.end(), value) == flag.choices.end()) {
            return UsageError(
                absl::StrCat(text, " must be ", Alternatives(flag.choices), ", got '", value, "'"));
          }
          break;
        case ArgKind::kEnum: {
          SIXSTEPS_ASSIGN_OR_RETURN(int number, flag.parse(value));
          checked.numbers_[flag.name].push_back(number);
          break;
        }
        case ArgKind::kEnumList:
          for (const std::string& word : SplitList(value)) {
            SIXSTEPS_ASSIGN_OR_RETURN(int number, flag.parse(word));
            checked.numbers_[flag.name].push_back(number);
          }
          break;
        case ArgKind::kTruth: {
          SIXSTEPS_ASSIGN_OR_RETURN(bool truth, ParseTruth(flag.name, value));
          checked.integers_[flag.name].push_back(truth ? 1 : 0);
          break;
        }
        case ArgKind::kList:
          if (flag.non_empty && SplitList(value).empty()) {
            return UsageError(absl::StrCat(text, " must name at least one ", flag.problem));
          }
          break;
        case ArgKind::kChecked:
          SIXSTEPS_RETURN_IF_ERROR(flag.check(value));
          break;
      }
    }
  }

  for (const FlagGroup& group : spec.groups) {
    const size_t given = static_cast<size_t>(std::count_if(
        group.flags.begin(), group.flags.end(), [&](const std::string& f) { return args.Has(f); }));
    const bool broken = (group.rule == FlagGroup::Rule::kAtMostOne && given > 1) ||
                        (group.rule == FlagGroup::Rule::kExactlyOne && given != 1) ||
                        (group.rule == FlagGroup::Rule::kAtLeastOne && given == 0);
    if (broken) return UsageError(group.message);
  }
  return checked;
}

}  // namespace sixsteps::cli
