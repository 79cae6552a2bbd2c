// The reporting service's HTTP endpoint (services/reporting/http_endpoint.h): request lines,
// routes, query strings, headers (the bearer token among them) and bodies, served in-process
// by HttpEndpoint::ServeBytes with the routes and checks Start serves on a socket. The report
// handler is a stand-in that describes the request it was given (the reports themselves are
// PostgreSQL's; their inputs are the RPC target's). Every answer is an HTTP response, and
// none is a 500: that would be an exception escaping a route.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/common/auth.h"
#include "services/common/log.h"
#include "services/reporting/http_endpoint.h"
#include "tests/fuzz/fuzz_keys.h"

namespace {

using sixsteps::reporting::HttpEndpoint;
using sixsteps::reporting::Rendered;
namespace v1 = sixsteps::reporting::v1;

HttpEndpoint& Endpoint() {
  static sixsteps::auth::TokenVerifier verifier(std::make_shared<sixsteps::fuzz::FixedKeySource>());
  static HttpEndpoint endpoint(
      &verifier,
      HttpEndpoint::Handler([](const sixsteps::auth::Caller& caller,
                               const v1::ExportReportRequest& request) -> absl::StatusOr<Rendered> {
        if (request.report_case() == v1::ExportReportRequest::REPORT_NOT_SET) {
          return absl::InvalidArgumentError("no report");
        }
        Rendered rendered;
        rendered.content = absl::StrCat(caller.principal, "\n", request.ShortDebugString());
        rendered.content_type = "text/plain; charset=utf-8";
        rendered.filename = request.ShortDebugString();
        return rendered;
      }));
  return endpoint;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  sixsteps::SetLogSinkForTesting([](const std::string&) {});
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string answer =
      Endpoint().ServeBytes(absl::string_view(reinterpret_cast<const char*>(data), size));
  if (answer.empty()) return 0;
  if (!absl::StartsWith(answer, "HTTP/1.1 ")) {
    std::fprintf(stderr, "not an HTTP response: %.80s\n", answer.c_str());
    std::abort();
  }
  if (absl::StrContains(answer, "HTTP/1.1 500 ")) {
    std::fprintf(stderr, "a route failed: %s\n", answer.c_str());
    std::abort();
  }
  return 0;
}
