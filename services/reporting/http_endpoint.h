// A read-only HTTP endpoint for dashboards that cannot speak gRPC: the reports of the
// reporting service as JSON, CSV, HTML, Markdown, XLSX or text, behind the same bearer
// tokens as the gRPC API.
//
//   GET /v1/assessments/{id}/report          ?as_of_date=&min_sequence=
//   GET /v1/partnerships/{id}/trend          ?kind=&min_sequence=
//   GET /v1/regions/{id}/overview            ?as_of_date=&min_sequence=
//   GET /v1/partnerships/{id}/actions        ?as_of_date=&min_sequence=
//   GET /v1/regions/{id}/actions             ?as_of_date=&min_sequence=
//   GET /v1/assessments/{id}/annual-report   ?min_sequence=
//   GET /healthz                             (no token)
// Every report route takes format=json|csv|html|md|xlsx|text (default json) and needs
// "Authorization: Bearer <token>".
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/common/auth.h"
#include "services/reporting/render.h"
#include "sixsteps/reporting/v1/reporting_service.pb.h"

namespace httplib {
class Server;
}  // namespace httplib

namespace sixsteps::reporting {

// The HTTP status for an absl code: OK 200, INVALID_ARGUMENT/FAILED_PRECONDITION/
// OUT_OF_RANGE 400, UNAUTHENTICATED 401, PERMISSION_DENIED 403, NOT_FOUND 404,
// ALREADY_EXISTS/ABORTED 409, RESOURCE_EXHAUSTED 429, CANCELLED 499, UNIMPLEMENTED 501,
// UNAVAILABLE 503, DEADLINE_EXCEEDED 504, anything else 500. The one place the mapping
// lives (Google's HTTP mapping of the canonical codes).
int HttpStatusFor(absl::StatusCode code);

// Parses a format query value ("json", "csv", "html", "md"/"markdown", "xlsx",
// "text"/"txt"; empty means json). INVALID_ARGUMENT otherwise.
absl::StatusOr<v1::Format> ParseFormat(absl::string_view value);

class HttpEndpoint {
 public:
  // Produces a rendered report for an authenticated caller. Its error codes become HTTP
  // statuses through HttpStatusFor. Called on the server's worker threads, concurrently.
  using Handler =
      std::function<absl::StatusOr<Rendered>(const auth::Caller&, const v1::ExportReportRequest&)>;

  // `verifier` must outlive the endpoint.
  HttpEndpoint(const auth::TokenVerifier* verifier, Handler handler);
  // Stops the server if it is running.
  ~HttpEndpoint();
  HttpEndpoint(const HttpEndpoint&) = delete;
  HttpEndpoint& operator=(const HttpEndpoint&) = delete;

  // Binds `host`:`port` (0 picks a free port) and serves on a background thread.
  // UNAVAILABLE if the address cannot be bound; FAILED_PRECONDITION if already started.
  absl::Status Start(const std::string& host, int port);
  // The bound port, 0 before Start.
  int port() const { return port_.load(); }
  // Stops accepting, finishes the requests in flight and joins the thread. Idempotent.
  void Stop();

 private:
  void Route();

  const auth::TokenVerifier* verifier_;
  Handler handler_;
  std::mutex mu_;
  std::unique_ptr<httplib::Server> server_ ABSL_GUARDED_BY(mu_);
  std::thread thread_ ABSL_GUARDED_BY(mu_);
  std::atomic<int> port_{0};
};

}  // namespace sixsteps::reporting
