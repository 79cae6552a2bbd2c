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
//   GET /v1/assessments/{id}/scrutineer-report ?version=&as_of_date=&min_sequence=
//                                            (format json, pdf or docx only)
//   GET /v1/assessments/{id}/evidence-register   ?min_sequence=          (H5)
//   GET /v1/assessments/{id}/engagement-summary  ?min_sequence=          (H5)
//   GET /v1/assessments/{id}/audits-and-reviews  ?as_of_date=&min_sequence= (H5)
//   GET /v1/evidenceFiles/{id}/content       an evidence file, as an attachment (H5)
//   GET /healthz                             (no token)
// Every report route takes format=json|csv|html|md|xlsx|text (default json) and needs
// "Authorization: Bearer <token>". kind= is a round kind in its one spelling
// (independent_scrutiny, self_assessment, wider_partner_assessment; see round_kind.h), read
// by the same function as the gRPC API's GetPartnershipTrendRequest.kind.
//
// Slow clients (issue #13, finding 8): each request's line, headers and body must arrive
// within HttpLimits::request_timeout of the connection becoming idle, whatever the pace of
// single reads; one client address holds at most max_connections_per_client connections
// (more are answered 429 and closed at once); and there are more workers than that, so one
// client cannot occupy them all.
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
#include "absl/time/time.h"
#include "services/common/auth.h"
#include "services/reporting/render.h"
#include "sixsteps/reporting/v1/reporting_service.pb.h"

namespace grpc {
class Channel;
}  // namespace grpc

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

// Bounds on what clients may hold. The defaults are the service's defaults
// (--http_workers, --http_max_connections_per_client, --http_request_timeout).
struct HttpLimits {
  // Worker threads: connections served at once (others wait in the accept queue).
  int workers = 32;
  // Connections one client IP address may have open at once; below `workers`. Behind a
  // proxy every client has the proxy's address: raise it there.
  int max_connections_per_client = 8;
  // How long a request's line, headers and body may take to arrive, counted from when the
  // connection is accepted or has finished its previous response.
  absl::Duration request_timeout = absl::Seconds(10);
};

// INVALID_ARGUMENT naming the setting for limits out of range: workers 2..1024,
// max_connections_per_client 1..workers-1, request_timeout above 0 and at most 5 minutes.
absl::Status ValidateHttpLimits(const HttpLimits& limits);

class HttpEndpoint {
 public:
  // Loads a report for an authenticated caller, ready to be written (render.h); the
  // endpoint sends it with chunked transfer encoding while it is written, so no whole
  // document is held. Its error codes become HTTP statuses through HttpStatusFor; a writer
  // failing midway ends the connection before the last chunk, so no client takes the body
  // for whole. Called on the server's worker threads, concurrently.
  using FileHandler = std::function<absl::StatusOr<ReportFile>(const auth::Caller&,
                                                               const v1::ExportReportRequest&)>;
  // Produces a whole rendered report instead (tests and small callers); sent the same way.
  using Handler =
      std::function<absl::StatusOr<Rendered>(const auth::Caller&, const v1::ExportReportRequest&)>;

  // `verifier` must outlive the endpoint.
  HttpEndpoint(const auth::TokenVerifier* verifier, FileHandler handler, HttpLimits limits = {});
  HttpEndpoint(const auth::TokenVerifier* verifier, Handler handler, HttpLimits limits = {});
  // Stops the server if it is running.
  ~HttpEndpoint();
  HttpEndpoint(const HttpEndpoint&) = delete;
  HttpEndpoint& operator=(const HttpEndpoint&) = delete;

  // ---- evidence and voice reports (H5) ----
  // Serves GET /v1/evidenceFiles/{id}/content by streaming the file from the assessment
  // service's EvidenceFileService on `assessment`, as the caller (their own token): the
  // route exists only when this is set, before Start.
  void ServeEvidenceFiles(std::shared_ptr<grpc::Channel> assessment) {
    evidence_files_ = std::move(assessment);
  }

  // Binds `host`:`port` (0 picks a free port) and serves on a background thread.
  // UNAVAILABLE if the address cannot be bound; FAILED_PRECONDITION if already started;
  // INVALID_ARGUMENT for limits ValidateHttpLimits refuses.
  absl::Status Start(const std::string& host, int port);
  // The bound port, 0 before Start.
  int port() const { return port_.load(); }
  // Stops accepting, finishes the requests in flight and joins the thread. Idempotent.
  void Stop();

  // Serves one connection's bytes (request lines, headers, bodies, as a client sends them)
  // without a socket and returns what the server answers: the same routes, query parsing,
  // header checks and handler as Start serves, in-process (issue 19's fuzz target,
  // tests/fuzz/http_endpoint_fuzz.cc). Independent of Start.
  std::string ServeBytes(absl::string_view request);

 private:
  // Installs the routes and the settings they rely on (headers, body limit, logging).
  void Route(httplib::Server& server);

  const auth::TokenVerifier* verifier_;
  FileHandler handler_;
  const HttpLimits limits_;
  std::mutex mu_;
  std::unique_ptr<httplib::Server> server_ ABSL_GUARDED_BY(mu_);
  std::thread thread_ ABSL_GUARDED_BY(mu_);
  std::atomic<int> port_{0};
  std::shared_ptr<grpc::Channel> evidence_files_;  // H5: see ServeEvidenceFiles
  // ServeBytes's server, routed on first use.
  std::mutex in_process_mu_;
  std::unique_ptr<httplib::Server> in_process_ ABSL_GUARDED_BY(in_process_mu_);
};

}  // namespace sixsteps::reporting
