// What the integration tests that build a world through the services' own RPCs share: a
// unary call as a chosen token whose refusal names the request, and the rating letters
// their data plans are written in.
#pragma once

#include <string>

#include <grpcpp/client_context.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "tests/support/test_hub.h"

namespace sixsteps::testing {

// Calls `method` on `stub` as `token` with a deadline of `timeout`; a refusal keeps its code
// and names the request type, so that a failed setup says which step failed.
template <typename Stub, typename Request, typename Response>
absl::Status Call(Stub& stub,
                  grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
                  const std::string& token, const Request& request, Response* response,
                  absl::Duration timeout = absl::Seconds(60)) {
  grpc::ClientContext context;
  Authorize(context, token);
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  grpc::Status status = (stub.*method)(&context, request, response);
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      absl::StrCat(request.GetDescriptor()->name(), ": ", status.error_message()));
}

// A rating from its letter in a plan: R, A or G; any other letter is no rating.
inline framework::v1::Rating Rate(char letter) {
  switch (letter) {
    case 'R':
      return framework::v1::RATING_RED;
    case 'A':
      return framework::v1::RATING_AMBER;
    case 'G':
      return framework::v1::RATING_GREEN;
    default:
      return framework::v1::RATING_UNSPECIFIED;
  }
}

}  // namespace sixsteps::testing
