// How the CLI spells a proto enum value on the command line and in its output, derived from
// the enum's descriptor in one place: the value's name without the enum's prefix, in lower
// case, words joined by '_' (ASSESSMENT_KIND_WIDER_PARTNER_ASSESSMENT ->
// wider_partner_assessment), the same spelling the services' HTTP parameters use. Parsing
// reads '-' as '_' and ignores case, so the older hyphenated spellings keep working.
#pragma once

#include <optional>
#include <string>

#include <google/protobuf/descriptor.h>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace sixsteps::cli {

// The canonical word of `value` ("-" for null), with words joined by `separator`.
std::string EnumWord(const google::protobuf::EnumValueDescriptor* value, absl::string_view prefix,
                     absl::string_view separator = "_");

// The number of the value of `descriptor` whose canonical word (or full name) is `argument`,
// any case, '-' read as '_'; the zero value (UNSPECIFIED) never matches. nullopt if none.
std::optional<int> ParseEnumWord(const google::protobuf::EnumDescriptor* descriptor,
                                 absl::string_view prefix, absl::string_view argument);

// Every canonical word of `descriptor` but the zero value's, as "a, b or c".
std::string EnumWords(const google::protobuf::EnumDescriptor* descriptor, absl::string_view prefix,
                      absl::string_view last_separator = " or ");

}  // namespace sixsteps::cli
