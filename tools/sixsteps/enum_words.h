// How the CLI spells a proto enum value on the command line and in its output: the one
// spelling of services/base/enum_text.h (ASSESSMENT_KIND_WIDER_PARTNER_ASSESSMENT ->
// wider_partner_assessment), which the reporting service's documents use too. Parsing reads
// '-' as '_' and ignores case, so the older hyphenated spellings keep working.
#pragma once

#include <optional>
#include <string>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/generated_enum_reflection.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/base/enum_text.h"

namespace sixsteps::cli {

// The word of `value`; "-" for null and for the zero value (UNSPECIFIED: not set).
std::string EnumWord(const google::protobuf::EnumValueDescriptor* value);

// The number of the value of `descriptor` whose word (or full name) is `argument`, any
// case, '-' read as '_'; the zero value (UNSPECIFIED) never matches. nullopt if none.
std::optional<int> ParseEnumWord(const google::protobuf::EnumDescriptor* descriptor,
                                 absl::string_view argument);

// Every word of `descriptor` but the zero value's, as "a, b or c".
std::string EnumWords(const google::protobuf::EnumDescriptor* descriptor,
                      absl::string_view last_separator = " or ");

// The usage error for an argument that is none of `descriptor`'s words: "unknown
// participant group 'x': expected children, ... or practitioners" (the enum's name in words).
absl::Status UnknownEnumWord(const google::protobuf::EnumDescriptor* descriptor,
                             absl::string_view argument);

// The word of a generated enum's value ("in_progress").
template <typename E>
std::string WordOf(E value) {
  return EnumWord(google::protobuf::GetEnumDescriptor<E>()->FindValueByNumber(value));
}

// A generated enum's value from its word, or the usage error.
template <typename E>
absl::StatusOr<E> ParseEnum(absl::string_view argument) {
  const google::protobuf::EnumDescriptor* descriptor = google::protobuf::GetEnumDescriptor<E>();
  if (std::optional<int> number = ParseEnumWord(descriptor, argument)) {
    return static_cast<E>(*number);
  }
  return UnknownEnumWord(descriptor, argument);
}

}  // namespace sixsteps::cli
