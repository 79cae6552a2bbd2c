#include "services/base/enum_text.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"

namespace sixsteps {

std::string EnumPrefix(const google::protobuf::EnumDescriptor* descriptor) {
  constexpr absl::string_view kUnspecified = "UNSPECIFIED";
  const google::protobuf::EnumValueDescriptor* zero = descriptor->FindValueByNumber(0);
  if (zero == nullptr || !absl::EndsWith(zero->name(), kUnspecified)) return "";
  return zero->name().substr(0, zero->name().size() - kUnspecified.size());
}

std::string EnumValueText(const google::protobuf::EnumValueDescriptor* value) {
  if (value == nullptr || value->number() == 0) return "";
  absl::string_view name = value->name();
  absl::ConsumePrefix(&name, EnumPrefix(value->type()));
  return absl::AsciiStrToLower(name);
}

}  // namespace sixsteps
