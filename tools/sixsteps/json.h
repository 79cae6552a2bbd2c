// Protobuf messages as JSON, the form scripts read and hubs exchange documents in.
#pragma once

#include <string>

#include <google/protobuf/message.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace sixsteps::cli {

// The message as indented JSON with the .proto field names, fields that hold their default
// value left out, and one trailing newline. Deterministic: the same message always gives
// the same bytes (fields in field-number order; the contracts have no maps), so an
// exported document can be compared byte for byte.
absl::StatusOr<std::string> ToJson(const google::protobuf::Message& message);

// The message as JSON on one line (no indentation) and a trailing newline, for streams of
// records ("JSON lines"), with the same field names and omissions as ToJson.
absl::StatusOr<std::string> ToJsonLine(const google::protobuf::Message& message);

// Parses JSON into `message`, rejecting unknown fields (a typo in a hand-edited document
// must not be dropped silently). An INVALID_ARGUMENT status naming the problem on failure.
absl::Status FromJson(absl::string_view json, google::protobuf::Message& message);

}  // namespace sixsteps::cli
