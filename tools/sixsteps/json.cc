#include "tools/sixsteps/json.h"

#include <google/protobuf/util/json_util.h>

#include "absl/strings/str_cat.h"

namespace sixsteps::cli {

namespace {

absl::StatusOr<std::string> Print(const google::protobuf::Message& message, bool indented) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = indented;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = false;
  std::string json;
  auto status = google::protobuf::util::MessageToJsonString(message, &json, options);
  if (!status.ok()) {
    return absl::InternalError(
        absl::StrCat("cannot print ", message.GetTypeName(), " as JSON: ", status.ToString()));
  }
  while (!json.empty() && json.back() == '\n') json.pop_back();
  json.push_back('\n');
  return json;
}

}  // namespace

absl::StatusOr<std::string> ToJson(const google::protobuf::Message& message) {
  return Print(message, /*indented=*/true);
}

absl::StatusOr<std::string> ToJsonLine(const google::protobuf::Message& message) {
  return Print(message, /*indented=*/false);
}

absl::Status FromJson(absl::string_view json, google::protobuf::Message& message) {
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(json.data(), json.size()), &message, options);
  if (!status.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("not a valid ", message.GetTypeName(), ": ", status.message().ToString()));
  }
  return absl::OkStatus();
}

}  // namespace sixsteps::cli
