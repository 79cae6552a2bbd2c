#include "services/common/request_strings.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"

namespace sixsteps {
namespace {

namespace pb = google::protobuf;

bool HoldsNul(const std::string& text) { return text.find('\0') != std::string::npos; }

// The path of the field that holds a NUL in `message` (under `prefix`), or "" if none does.
std::string FindNul(const pb::Message& message, const std::string& prefix) {
  const pb::Reflection* reflection = message.GetReflection();
  std::vector<const pb::FieldDescriptor*> fields;
  reflection->ListFields(message, &fields);
  std::string scratch;
  for (const pb::FieldDescriptor* field : fields) {
    const bool is_string = field->type() == pb::FieldDescriptor::TYPE_STRING;
    const bool is_message = field->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE;
    if (!is_string && !is_message) continue;
    std::string name = absl::StrCat(prefix, field->name());
    if (!field->is_repeated()) {
      if (is_string) {
        if (HoldsNul(reflection->GetStringReference(message, field, &scratch))) return name;
      } else {
        std::string found = FindNul(reflection->GetMessage(message, field), name + ".");
        if (!found.empty()) return found;
      }
      continue;
    }
    const int size = reflection->FieldSize(message, field);
    for (int i = 0; i < size; ++i) {
      std::string element = absl::StrCat(name, "[", i, "]");
      if (is_string) {
        if (HoldsNul(reflection->GetRepeatedStringReference(message, field, i, &scratch))) {
          return element;
        }
      } else {
        std::string found =
            FindNul(reflection->GetRepeatedMessage(message, field, i), element + ".");
        if (!found.empty()) return found;
      }
    }
  }
  return "";
}

}  // namespace

absl::Status CheckRequestStrings(const google::protobuf::Message& request) {
  std::string field = FindNul(request, "");
  if (field.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(field, ": must not contain a NUL character (U+0000)"));
}

}  // namespace sixsteps
