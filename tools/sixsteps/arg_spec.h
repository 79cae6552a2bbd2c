// What each command declares about its arguments, and the one check of a command line
// against that declaration (as grpc_cli's command table does). The dispatcher checks the
// declaration before a command runs (RunCommand in command.h): unknown flags, the number of
// positional arguments, required and repeated flags, flags that go together, and every
// value's type (an integer in a range, one of a set of words or of a proto enum's values, a
// date, a period, a duration, true/false, a list...). The command then reads typed values
// from CheckedArgs and never parses or checks a flag itself.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "tools/sixsteps/args.h"
#include "tools/sixsteps/enum_words.h"

namespace sixsteps::cli {

enum class ArgKind {
  kString,      // any text
  kFile,        // a file path ("-" for standard input or output where the command says so)
  kDate,        // an ISO date, 2026-03-31
  kPeriod,      // two ISO dates, START:END, the end not before the start
  kInteger,     // a whole number from ArgDecl::min to ArgDecl::max
  kDuration,    // a duration above 0 and at most ArgDecl::max_duration (90d, 2w, 12h, 30m)
  kChoice,      // one of ArgDecl::choices
  kEnum,        // a proto enum value, read by ArgDecl::parse
  kEnumList,    // comma-separated proto enum values, each read by ArgDecl::parse
  kEnumCounts,  // comma-separated WORD=COUNT, WORD read by ArgDecl::parse, COUNT from 0
  kTruth,       // true/false (also yes/no, on/off, 1/0)
  kSwitch,      // a flag without a value (must be in DefaultBooleanFlags())
  kList,        // comma-separated words
};

// One positional argument or flag of a command.
struct ArgDecl {
  // A flag's name as ParsedArgs holds it ("remaining_work" for --remaining-work); a
  // positional argument's metavariable ("ROLE").
  std::string name;
  ArgKind kind = ArgKind::kString;
  bool required = false;
  // Flags only: may be given more than once (every value is kept, in order).
  bool repeated = false;
  // The value may not be empty (a list: must hold at least one item).
  bool non_empty = false;
  // kInteger: the range, and what the value must be in words ("a whole number from 1 up")
  // for the message; kList: what one item is called ("question").
  int64_t min = 0;
  int64_t max = std::numeric_limits<int32_t>::max();
  std::string problem;
  // kDuration: the longest allowed, and the unit of a bare number (none: a unit is needed).
  absl::Duration max_duration = absl::InfiniteDuration();
  absl::Duration bare_unit = absl::ZeroDuration();
  // kChoice: the allowed words.
  std::vector<std::string> choices;
  // kEnum, kEnumList, kEnumCounts: reads one word as the enum's number; its error is the
  // usage error.
  absl::StatusOr<int> (*parse)(absl::string_view) = nullptr;

  ArgDecl Required() const { return With(&ArgDecl::required, true); }
  // Flags only: may be given more than once.
  ArgDecl Repeated() const { return With(&ArgDecl::repeated, true); }
  ArgDecl NonEmpty() const { return With(&ArgDecl::non_empty, true); }
  // An enum declaration (arg::Enum) as comma-separated values, or as WORD=COUNT pairs.
  ArgDecl AsList() const { return With(&ArgDecl::kind, ArgKind::kEnumList); }
  ArgDecl AsCounts() const { return With(&ArgDecl::kind, ArgKind::kEnumCounts); }

  template <typename T>
  ArgDecl With(T ArgDecl::*field, T value) const {
    ArgDecl copy = *this;
    copy.*field = value;
    return copy;
  }
};

// Flags of which at most one, exactly one or at least one must be given; or which must be
// given as many times each (pairs: the i-th --you-said goes with the i-th --we-did); or of
// which the later ones may be given at most as often as the first (the i-th --link goes with
// the i-th --evidence).
struct FlagGroup {
  enum class Rule { kAtMostOne, kExactlyOne, kAtLeastOne, kSameCount, kAtMostAsMany };
  Rule rule;
  std::vector<std::string> flags;
  // The usage error when the rule is broken.
  std::string message;
};

struct ArgSpec {
  // In order; the required ones first.
  std::vector<ArgDecl> positionals = {};
  std::vector<ArgDecl> flags = {};
  std::vector<FlagGroup> groups = {};
  // The command dispatches further on its positional arguments (framework edit VERSION
  // SUBCOMMAND ...): only the declared positionals are checked, the rest and every flag
  // are left to the subcommand's own declaration.
  bool subcommands = false;
};

// Declarations, to be read as a table: arg::String("title").Required().
namespace arg {

ArgDecl String(std::string name);
ArgDecl File(std::string name);
ArgDecl Date(std::string name);
ArgDecl Period(std::string name);
// A whole number from `min` to `max` (by default what an int32 field holds).
ArgDecl Integer(std::string name, int64_t min, std::string problem,
                int64_t max = std::numeric_limits<int32_t>::max());
// A duration above 0 and at most `max`; a bare number counts in `bare_unit` if it is not 0.
ArgDecl Duration(std::string name, absl::Duration max = absl::InfiniteDuration(),
                 absl::Duration bare_unit = absl::ZeroDuration());
ArgDecl Choice(std::string name, std::vector<std::string> choices);
ArgDecl Truth(std::string name);
ArgDecl Switch(std::string name);
// `item` names one item for the message of an empty list ("--questions must name at least
// one question").
ArgDecl List(std::string name, std::string item = "item");
ArgDecl WithParser(std::string name, ArgKind kind, absl::StatusOr<int> (*parse)(absl::string_view));

template <auto Parse>
absl::StatusOr<int> ParseAsNumber(absl::string_view value) {
  auto parsed = Parse(value);
  if (!parsed.ok()) return parsed.status();
  return static_cast<int>(*parsed);
}

// A proto enum value: by its word (enum_words.h) when given the enum type,
// arg::Enum<v1::AgeBand>("ages"), or read by a parser that also takes older spellings,
// arg::Enum<ParseAssessmentKind>("kind"). .AsList() and .AsCounts() take several.
template <typename E>
ArgDecl Enum(std::string name) {
  return WithParser(std::move(name), ArgKind::kEnum, ParseAsNumber<ParseEnum<E>>);
}
template <auto Parse>
ArgDecl Enum(std::string name) {
  return WithParser(std::move(name), ArgKind::kEnum, ParseAsNumber<Parse>);
}

}  // namespace arg

// A command line checked against its ArgSpec, with typed values. Reading a flag that the
// spec does not declare is a programming error and reads as absent.
class CheckedArgs {
 public:
  CheckedArgs() = default;

  const std::vector<std::string>& positionals() const { return raw_.positionals(); }
  // The positional argument at `index`, or "" if there are not that many.
  absl::string_view Positional(size_t index) const { return raw_.Positional(index); }
  // The command line as parsed (for commands with subcommands).
  const ParsedArgs& raw() const { return raw_; }

  // True if the flag was given (a switch: set).
  bool Has(absl::string_view flag) const { return raw_.Has(flag); }
  // A flag's value; "" when an optional flag is absent.
  std::string Text(absl::string_view flag) const;
  // A flag's value if it was given.
  std::optional<std::string> Optional(absl::string_view flag) const;
  // Every value of a repeated flag, in order.
  std::vector<std::string> Values(absl::string_view flag) const { return raw_.Values(flag); }
  // The items of a kList flag (none when absent).
  std::vector<std::string> List(absl::string_view flag) const;
  // A kInteger flag or positional argument.
  std::optional<int64_t> Integer(absl::string_view name) const;
  // A kInteger flag declared with min 1 (a 1-based position).
  std::optional<int> Position(absl::string_view flag) const;
  // A kTruth flag or positional argument.
  std::optional<bool> Truth(absl::string_view name) const;
  std::optional<absl::Duration> Duration(absl::string_view flag) const;
  // A kPeriod flag: its start and end dates.
  std::optional<std::pair<std::string, std::string>> Period(absl::string_view flag) const;
  // A kEnum flag or positional argument (by its metavariable).
  template <typename E>
  std::optional<E> Enum(absl::string_view name) const {
    auto it = numbers_.find(name);
    if (it == numbers_.end()) return std::nullopt;
    return static_cast<E>(it->second.front());
  }
  // Every value of a kEnumList flag, in order (none when absent).
  template <typename E>
  std::vector<E> Enums(absl::string_view flag) const {
    std::vector<E> values;
    auto it = numbers_.find(flag);
    if (it != numbers_.end()) {
      for (int number : it->second) values.push_back(static_cast<E>(number));
    }
    return values;
  }
  // Every WORD=COUNT of a kEnumCounts flag, in order (none when absent).
  template <typename E>
  std::vector<std::pair<E, int64_t>> EnumCounts(absl::string_view flag) const {
    std::vector<std::pair<E, int64_t>> counts;
    std::vector<E> words = Enums<E>(flag);
    auto it = integers_.find(flag);
    for (size_t i = 0; i < words.size() && it != integers_.end(); ++i) {
      counts.emplace_back(words[i], it->second[i]);
    }
    return counts;
  }

 private:
  friend absl::StatusOr<CheckedArgs> CheckArgs(const ArgSpec& spec, const ParsedArgs& args);
  friend class ValueChecker;
  ParsedArgs raw_;
  // Typed values by flag or metavariable: kInteger, kTruth (0/1) and the counts of
  // kEnumCounts; the numbers of kEnum, kEnumList and kEnumCounts; kDuration; kPeriod.
  absl::flat_hash_map<std::string, std::vector<int64_t>> integers_;
  absl::flat_hash_map<std::string, std::vector<int>> numbers_;
  absl::flat_hash_map<std::string, absl::Duration> durations_;
  absl::flat_hash_map<std::string, std::pair<std::string, std::string>> periods_;
};

// Checks `args` (the words after the command word) against `spec`: a usage error for the
// first problem found, else the typed values.
absl::StatusOr<CheckedArgs> CheckArgs(const ArgSpec& spec, const ParsedArgs& args);

// "--remaining-work" for "remaining_work": a flag as the user types it.
std::string FlagText(absl::string_view name);

// A duration as kDuration reads it: a whole number and a unit (90d, 2w, 12h, 30m, 45s), an
// absl duration ("36h30m"), or a bare number (decimals allowed) in `bare_unit` when that is
// not 0; nullopt for anything else, and for 0 or less.
std::optional<absl::Duration> ParseDuration(absl::string_view text,
                                            absl::Duration bare_unit = absl::ZeroDuration());

}  // namespace sixsteps::cli
