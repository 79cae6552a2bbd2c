// A small command-line parser for nested subcommands ("sixsteps framework edit V
// add-step ..."), which absl flags do not support. It only splits words into positional
// arguments and flags; CheckArgs (arg_spec.h) then checks them against the command's
// declaration.
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace sixsteps::cli {

// Positional words and flags, in the order given. A flag's name has no leading dashes and
// its hyphens read as underscores ("--framework-address" is "framework_address").
class ParsedArgs {
 public:
  ParsedArgs() = default;
  ParsedArgs(std::vector<std::string> positionals,
             std::vector<std::pair<std::string, std::string>> flags)
      : positionals_(std::move(positionals)), flags_(std::move(flags)) {}

  const std::vector<std::string>& positionals() const { return positionals_; }
  const std::vector<std::pair<std::string, std::string>>& flags() const { return flags_; }

  // The positional argument at `index`, or "" if there are not that many.
  absl::string_view Positional(size_t index) const;
  // A copy without the first `count` positional arguments (the words already dispatched on).
  ParsedArgs WithoutLeadingPositionals(size_t count) const;

  bool Has(absl::string_view flag) const;
  // Every value of a repeatable flag, in order.
  std::vector<std::string> Values(absl::string_view flag) const;

  // Removes every occurrence of `flag` and returns their values (for global options,
  // which may appear anywhere on the line).
  std::vector<std::string> Extract(absl::string_view flag);

  // A usage error unless there are between `min` and `max` positional arguments.
  absl::Status CheckPositionalCount(size_t min, size_t max) const;

 private:
  std::vector<std::string> positionals_;
  std::vector<std::pair<std::string, std::string>> flags_;
};

// Flags that take no value; everything else takes one, as "--flag value" or
// "--flag=value". "-h" means "--help". "--" ends the flags: every later word is positional,
// so a text that starts with "--" can be given after it.
inline const absl::flat_hash_set<std::string>& DefaultBooleanFlags() {
  // "core": `sixsteps org add ... --core`; "sustain", "start", "overdue": `sixsteps action
  // ...`; "follow": `sixsteps assessment feed --follow`.
  static const auto* const kFlags =
      new absl::flat_hash_set<std::string>{"help", "core", "sustain", "start", "overdue", "follow"};
  return *kFlags;
}

// Splits `words` (argv without the program name). A usage error if a flag that takes a
// value is last, or a boolean flag is given a value.
absl::StatusOr<ParsedArgs> ParseArgs(
    const std::vector<std::string>& words,
    const absl::flat_hash_set<std::string>& boolean_flags = DefaultBooleanFlags());

}  // namespace sixsteps::cli
