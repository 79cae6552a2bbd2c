// What each command declares about its arguments, and the one check of a command line
// against that declaration (as grpc_cli's command table does). The dispatcher checks the
// declaration before a command runs (RunCommand in command.h): unknown flags, the number of
// positional arguments, required and repeated flags, and every value's kind (an integer in
// range, one of a set of words or of a proto enum's values, a date, true/false, a list...).
// The command then reads typed values from CheckedArgs and never parses a flag itself.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "tools/sixsteps/args.h"

namespace sixsteps::cli {

enum class ArgKind {
  kString,    // any text
  kFile,      // a file path ("-" for standard input or output where the command says so)
  kDate,      // an ISO date, 2026-03-31
  kInteger,   // a whole number >= ArgDecl::min
  kChoice,    // one of ArgDecl::choices
  kEnum,      // a proto enum value, read by ArgDecl::parse
  kEnumList,  // comma-separated proto enum values, each read by ArgDecl::parse
  kTruth,     // true/false (also yes/no, 1/0)
  kSwitch,    // a flag without a value (must be in DefaultBooleanFlags())
  kList,      // comma-separated words
  kChecked,   // any text that ArgDecl::check accepts (a period, a lifetime)
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
  // kInteger: the smallest value, and what the value must be in words ("a whole number
  // from 1 up") for the message.
  int64_t min = 0;
  std::string problem;
  // kChoice: the allowed words.
  std::vector<std::string> choices;
  // kEnum, kEnumList: reads one value as the enum's number; its error is the usage error.
  absl::StatusOr<int> (*parse)(absl::string_view) = nullptr;
  // kChecked: accepts a value or returns the usage error.
  absl::Status (*check)(absl::string_view) = nullptr;

  ArgDecl Required() const {
    ArgDecl copy = *this;
    copy.required = true;
    return copy;
  }
  ArgDecl Repeated() const {
    ArgDecl copy = *this;
    copy.repeated = true;
    return copy;
  }
  ArgDecl NonEmpty() const {
    ArgDecl copy = *this;
    copy.non_empty = true;
    return copy;
  }
};

// Flags of which at most one, exactly one or at least one must be given.
struct FlagGroup {
  enum class Rule { kAtMostOne, kExactlyOne, kAtLeastOne };
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
ArgDecl Integer(std::string name, int64_t min, std::string problem);
ArgDecl Choice(std::string name, std::vector<std::string> choices);
ArgDecl Truth(std::string name);
ArgDecl Switch(std::string name);
// `item` names one item for the message of an empty list ("--questions must name at least
// one question").
ArgDecl List(std::string name, std::string item = "item");
ArgDecl WithParser(std::string name, ArgKind kind, absl::StatusOr<int> (*parse)(absl::string_view));
ArgDecl WithCheck(std::string name, absl::Status (*check)(absl::string_view));

template <auto Parse>
absl::StatusOr<int> ParseAsNumber(absl::string_view value) {
  auto parsed = Parse(value);
  if (!parsed.ok()) return parsed.status();
  return static_cast<int>(*parsed);
}
template <auto Parse>
absl::Status CheckParses(absl::string_view value) {
  return Parse(value).status();
}

// A proto enum value read by Parse (absl::StatusOr<Enum>(absl::string_view)).
template <auto Parse>
ArgDecl Enum(std::string name) {
  return WithParser(std::move(name), ArgKind::kEnum, ParseAsNumber<Parse>);
}
// Comma-separated proto enum values, each read by Parse.
template <auto Parse>
ArgDecl EnumList(std::string name) {
  return WithParser(std::move(name), ArgKind::kEnumList, ParseAsNumber<Parse>);
}
// Any text that Parse (absl::StatusOr<T>(absl::string_view)) accepts.
template <auto Parse>
ArgDecl Checked(std::string name) {
  return WithCheck(std::move(name), CheckParses<Parse>);
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
  std::optional<int64_t> Integer(absl::string_view flag) const;
  // A kInteger flag declared with min 1 (a 1-based position).
  std::optional<int> Position(absl::string_view flag) const;
  std::optional<bool> Truth(absl::string_view flag) const;
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

 private:
  friend absl::StatusOr<CheckedArgs> CheckArgs(const ArgSpec& spec, const ParsedArgs& args);
  ParsedArgs raw_;
  // kInteger, kTruth (0/1), kEnum and kEnumList values, by flag or metavariable.
  absl::flat_hash_map<std::string, std::vector<int64_t>> integers_;
  absl::flat_hash_map<std::string, std::vector<int>> numbers_;
};

// Checks `args` (the words after the command word) against `spec`: a usage error for the
// first problem found, else the typed values.
absl::StatusOr<CheckedArgs> CheckArgs(const ArgSpec& spec, const ParsedArgs& args);

// "--remaining-work" for "remaining_work": a flag as the user types it.
std::string FlagText(absl::string_view name);

}  // namespace sixsteps::cli
