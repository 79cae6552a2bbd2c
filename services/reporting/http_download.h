// Evidence files through the reporting HTTP endpoint (issue 16, H5): streamed from the
// assessment service's EvidenceFileService.DownloadEvidenceFile with the caller's own token,
// so that service decides who may read the file and records each download of an
// OFFICIAL-SENSITIVE one in its audit log. One chunk (at most 1 MiB) is held at a time.
#pragma once

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace grpc {
class Channel;
}  // namespace grpc

namespace httplib {
struct Request;
struct Response;
}  // namespace httplib

namespace sixsteps::reporting {

// The headers every file download carries: never rendered inline, never sniffed, and
// sandboxed should a browser show it anyway (an uploaded HTML or SVG cannot run).
inline constexpr char kDownloadContentSecurityPolicy[] = "sandbox; default-src 'none'";

// Whether the request's path and every query name and value (all decoded) are UTF-8: the
// endpoint answers 400 before any route otherwise (nothing non-UTF-8 reaches a service).
bool IsUtf8Request(const httplib::Request& req);

// `Content-Disposition` for a file name: attachment, with an ASCII fallback name and the
// name itself percent-encoded as UTF-8 (RFC 6266 / RFC 8187).
std::string AttachmentDisposition(absl::string_view file_name);

// Starts streaming evidenceFiles/{file_id} into `res` as `bearer_token`: reads the first
// message (the file's record) before answering, so a refusal is the assessment service's
// status (NOT_FOUND for a file the caller may not read, INVALID_ARGUMENT for a malformed
// id, UNAUTHENTICATED...), returned here with nothing written to `res`. On success `res`
// streams the rest, chunked. `traceparent`, when set, is sent on (traces (H8)).
absl::Status StartEvidenceFileDownload(const std::shared_ptr<grpc::Channel>& assessment,
                                       const std::string& bearer_token, const std::string& file_id,
                                       httplib::Response& res, const std::string& traceparent = "");

}  // namespace sixsteps::reporting
