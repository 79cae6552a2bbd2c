// The reporting service's HTTP endpoint (services/reporting/http_endpoint.h): request lines,
// routes, query strings, headers (the bearer token among them) and bodies, served in-process
// by HttpEndpoint::ServeBytes with the routes and checks Start serves on a socket. The report
// handler is a stand-in that describes the request it was given (the reports themselves are
// PostgreSQL's; their inputs are the RPC target's). The evidence-file route
// (/v1/evidenceFiles/{id}/content) streams from a stand-in of the assessment service's
// EvidenceFileService, served in this process over gRPC (so the request the route sends is
// parsed as the real service would): it refuses ids starting "missing" or "denied", fails
// part-way through ids starting "broken", and otherwise sends a record named after the id
// and a few chunks. Every answer is an HTTP response, none is a 500 (an exception escaping a
// route, or the route letting through a request the service cannot read), every request
// handed to the report handler is one the gRPC API could carry (its strings UTF-8), and
// every file sent carries its sandbox and checksum headers.
#include <google/protobuf/stubs/logging.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>
#include <grpcpp/server_context.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "services/common/auth.h"
#include "services/common/log.h"
#include "services/reporting/http_download.h"
#include "services/reporting/http_endpoint.h"
#include "sixsteps/assessment/v1/evidence_file_service.grpc.pb.h"
#include "tests/fuzz/fuzz_keys.h"

namespace {

using sixsteps::reporting::HttpEndpoint;
using sixsteps::reporting::Rendered;
namespace v1 = sixsteps::reporting::v1;

namespace av1 = sixsteps::assessment::v1;

// The bytes of each chunk of a stand-in file: never the id, so that a response's body cannot
// carry header lines (the checks below count them).
constexpr char kChunk[] = "%PDF-1.7 stand-in evidence\n";

// The assessment service's download as the route sees it (see the top of the file).
class StandInEvidenceFiles final : public av1::EvidenceFileService::Service {
 public:
  grpc::Status DownloadEvidenceFile(
      grpc::ServerContext* context, const av1::DownloadEvidenceFileRequest* request,
      grpc::ServerWriter<av1::DownloadEvidenceFileResponse>* writer) override {
    const auto authorization = context->client_metadata().find("authorization");
    if (authorization == context->client_metadata().end() ||
        !absl::StartsWith(
            absl::string_view(authorization->second.data(), authorization->second.size()),
            "Bearer ")) {
      return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "missing bearer token");
    }
    absl::string_view id = request->name();
    if (!absl::ConsumePrefix(&id, "evidenceFiles/") || id.empty()) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "malformed evidence file name");
    }
    if (absl::StartsWith(id, "missing")) {
      return grpc::Status(grpc::StatusCode::NOT_FOUND, "no such evidence file");
    }
    if (absl::StartsWith(id, "denied")) {
      return grpc::Status(grpc::StatusCode::PERMISSION_DENIED, "not yours to read");
    }
    av1::DownloadEvidenceFileResponse message;
    message.mutable_file()->set_name(request->name());
    message.mutable_file()->set_file_name(std::string(id));
    message.mutable_file()->set_sha256(std::string(64, 'a'));
    message.set_chunk(kChunk);
    writer->Write(message);
    message.clear_file();
    for (size_t i = 0; i < id.size() % 4; ++i) writer->Write(message);
    if (absl::StartsWith(id, "broken")) {
      return grpc::Status(grpc::StatusCode::DATA_LOSS, "the file's storage failed part-way");
    }
    return grpc::Status::OK;
  }
};

// The stand-in, served in this process; the route's channel to it.
std::shared_ptr<grpc::Channel> EvidenceFilesChannel() {
  static StandInEvidenceFiles service;
  static std::unique_ptr<grpc::Server> server = [] {
    grpc::ServerBuilder builder;
    builder.RegisterService(&service);
    return builder.BuildAndStart();
  }();
  return server->InProcessChannel(grpc::ChannelArguments());
}

// How often `line` (a whole header line, CRLF on both sides) occurs in `answer`. A body
// cannot hold one: the stand-in handler's text escapes CR and LF, JSON errors too.
size_t HeaderLines(const std::string& answer, const std::string& line) {
  const std::string framed = absl::StrCat("\r\n", line, "\r\n");
  size_t count = 0;
  for (size_t at = answer.find(framed); at != std::string::npos; at = answer.find(framed, at + 1)) {
    ++count;
  }
  return count;
}

HttpEndpoint& Endpoint() {
  static sixsteps::auth::TokenVerifier verifier(std::make_shared<sixsteps::fuzz::FixedKeySource>());
  static HttpEndpoint endpoint(
      &verifier,
      HttpEndpoint::Handler([](const sixsteps::auth::Caller& caller,
                               const v1::ExportReportRequest& request) -> absl::StatusOr<Rendered> {
        if (request.report_case() == v1::ExportReportRequest::REPORT_NOT_SET) {
          return absl::InvalidArgumentError("no report");
        }
        // The gRPC API can never carry a request with a string that is not UTF-8 (protobuf
        // refuses it), so the service behind the handler is not written for one.
        v1::ExportReportRequest read_back;
        if (!read_back.ParseFromString(request.SerializeAsString())) {
          std::fprintf(stderr, "a route handed on a request that is not UTF-8: %s\n",
                       request.ShortDebugString().c_str());
          std::abort();
        }
        Rendered rendered;
        rendered.content = absl::StrCat(caller.principal, "\n", request.ShortDebugString());
        rendered.content_type = "text/plain; charset=utf-8";
        rendered.filename = request.ShortDebugString();
        return rendered;
      }));
  static const bool serving_files = [] {
    endpoint.ServeEvidenceFiles(EvidenceFilesChannel());
    return true;
  }();
  (void)serving_files;
  return endpoint;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  sixsteps::SetLogSinkForTesting([](const std::string&) {});
  // protobuf's line per string that is not UTF-8 (the check above makes them).
  google::protobuf::SetLogHandler(nullptr);
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
  // A file is only ever sent sandboxed, with its checksum.
  const size_t files = HeaderLines(answer, "Content-Type: application/octet-stream");
  if (HeaderLines(answer, absl::StrCat("Content-Security-Policy: ",
                                       sixsteps::reporting::kDownloadContentSecurityPolicy)) !=
          files ||
      HeaderLines(answer, absl::StrCat("X-Evidence-File-SHA256: ", std::string(64, 'a'))) !=
          files) {
    std::fprintf(stderr, "a file without its headers: %s\n", answer.c_str());
    std::abort();
  }
  return 0;
}
