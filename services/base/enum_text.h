// The one spelling of a proto enum value as text (docs/contributing.md, "Add an RPC"): the
// value's name without its enum's prefix, in lower case, words joined by '_'
// (ASSESSMENT_KIND_WIDER_PARTNER_ASSESSMENT -> wider_partner_assessment,
// Action.STATUS_IN_PROGRESS -> in_progress). The prefix is the zero value's name without
// UNSPECIFIED (buf lint keeps every enum so). Derived from the enum's descriptor, so a value
// added to a contract is spelled by the same rule with no table to update; the services'
// documents and the CLI both spell enums with it.
#pragma once

#include <string>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/generated_enum_reflection.h>

namespace sixsteps {

// The prefix of every value of `descriptor` ("ASSESSMENT_KIND_"); "" when its zero value is
// not named ..._UNSPECIFIED.
std::string EnumPrefix(const google::protobuf::EnumDescriptor* descriptor);

// The text of `value` ("in_progress"); "" for null (a number the enum does not declare) and for
// the zero value (UNSPECIFIED: not set).
std::string EnumValueText(const google::protobuf::EnumValueDescriptor* value);

// The text of a generated enum's value: EnumText(Action::STATUS_IN_PROGRESS) == "in_progress".
template <typename E>
std::string EnumText(E value) {
  return EnumValueText(
      google::protobuf::GetEnumDescriptor<E>()->FindValueByNumber(static_cast<int>(value)));
}

}  // namespace sixsteps
