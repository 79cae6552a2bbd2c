// The layout the CLI's text output shares (the *_format.cc files): aligned tables,
// "label: value" lines and the dash for an empty value. Scripts use --output json instead.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <google/protobuf/timestamp.pb.h>

#include "absl/strings/string_view.h"

namespace sixsteps::cli {

// Width in characters (UTF-8 code points), so names with accents still line up.
size_t DisplayWidth(absl::string_view text);

// Columns separated by two spaces and padded to the widest cell; the last is not padded.
// Every line starts with `indent`.
std::string Table(const std::vector<std::vector<std::string>>& rows, absl::string_view indent = "");

// "-" for an empty text.
std::string OrDash(std::string text);

// One "label: value" line each, "-" for an empty value.
std::string Lines(const std::vector<std::pair<std::string, std::string>>& lines);

// Whether a timestamp is set: some servers send an all-zero timestamp for "unset".
bool IsSet(const google::protobuf::Timestamp& timestamp);

}  // namespace sixsteps::cli
