// The check every request passes before its handler runs: no string field holds a NUL
// character. PostgreSQL's text cannot hold one (a NUL there ends the call INTERNAL, after
// the transaction began), and no name, title or comment needs one.
#pragma once

#include <google/protobuf/message.h>

#include "absl/status/status.h"

namespace sixsteps {

// OK, or INVALID_ARGUMENT naming the first string field (not `bytes`: files and hashes may
// hold any byte) that holds a NUL character, by its path from the request, such as
// "answers[2].comment" or "labels[1].value" (a map entry by its position), never by its value.
// Walks only the fields that are set, nested and repeated messages and maps included:
// cheap for the small requests most calls send.
absl::Status CheckRequestStrings(const google::protobuf::Message& request);

}  // namespace sixsteps
