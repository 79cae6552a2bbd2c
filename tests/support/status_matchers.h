// gMock matchers for absl::Status, absl::StatusOr and grpc::Status (Abseil 20220623 ships
// none): EXPECT_THAT(status, IsOk()); EXPECT_THAT(status, StatusIs(kNotFound)).
#pragma once

#include <gmock/gmock.h>
#include <grpcpp/support/status.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace sixsteps::testing {

inline absl::StatusCode CodeOf(const absl::Status& status) { return status.code(); }
template <typename T>
absl::StatusCode CodeOf(const absl::StatusOr<T>& status_or) {
  return status_or.status().code();
}
inline absl::StatusCode CodeOf(const grpc::Status& status) {
  return static_cast<absl::StatusCode>(status.error_code());
}

inline std::string MessageOf(const absl::Status& status) { return std::string(status.message()); }
template <typename T>
std::string MessageOf(const absl::StatusOr<T>& status_or) {
  return std::string(status_or.status().message());
}
inline std::string MessageOf(const grpc::Status& status) { return status.error_message(); }

MATCHER(IsOk, "is OK") {
  if (CodeOf(arg) == absl::StatusCode::kOk) return true;
  *result_listener << "status is " << absl::StatusCodeToString(CodeOf(arg)) << ": "
                   << MessageOf(arg);
  return false;
}

MATCHER_P(StatusIs, code, "has status code " + absl::StatusCodeToString(code)) {
  if (CodeOf(arg) == code) return true;
  *result_listener << "status is " << absl::StatusCodeToString(CodeOf(arg)) << ": "
                   << MessageOf(arg);
  return false;
}

// The code and a substring of the message (for example the field an error names).
MATCHER_P2(StatusIs, code, message_part,
           "has status code " + absl::StatusCodeToString(code) + " mentioning \"" +
               std::string(message_part) + "\"") {
  std::string message = MessageOf(arg);
  if (CodeOf(arg) == code && message.find(message_part) != std::string::npos) return true;
  *result_listener << "status is " << absl::StatusCodeToString(CodeOf(arg)) << ": " << message;
  return false;
}

}  // namespace sixsteps::testing
