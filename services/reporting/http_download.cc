#include "services/reporting/http_download.h"

#include <httplib.h>

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "services/common/status.h"
#include "services/common/validation.h"
#include "sixsteps/assessment/v1/evidence_file_service.grpc.pb.h"

namespace sixsteps::reporting {

bool IsUtf8Request(const httplib::Request& req) {
  if (!IsValidUtf8(req.path)) return false;
  for (const auto& [name, value] : req.params) {
    if (!IsValidUtf8(name) || !IsValidUtf8(value)) return false;
  }
  return true;
}
namespace {

namespace av1 = ::sixsteps::assessment::v1;

// A download may take a while over a slow link; the stream ends by itself after this.
constexpr absl::Duration kDownloadDeadline = absl::Minutes(30);

// One download in flight: the gRPC stream and the chunk not yet handed to the client.
struct Download {
  grpc::ClientContext context;
  std::unique_ptr<grpc::ClientReader<av1::DownloadEvidenceFileResponse>> reader;
  std::string pending;
  bool finished = false;
};

}  // namespace

std::string AttachmentDisposition(absl::string_view file_name) {
  std::string ascii, encoded;
  for (unsigned char c : file_name) {
    bool plain = absl::ascii_isalnum(c) || c == '.' || c == '_' || c == '-';
    ascii.push_back(plain ? static_cast<char>(c) : '_');
    if (plain) {
      encoded.push_back(static_cast<char>(c));
    } else {
      absl::StrAppend(&encoded, absl::StrFormat("%%%02X", c));
    }
  }
  if (ascii.empty()) ascii = encoded = "evidence";
  return absl::StrCat("attachment; filename=\"", ascii, "\"; filename*=UTF-8''", encoded);
}

absl::Status StartEvidenceFileDownload(const std::shared_ptr<grpc::Channel>& assessment,
                                       const std::string& bearer_token, const std::string& file_id,
                                       httplib::Response& res, const std::string& traceparent) {
  auto download = std::make_shared<Download>();
  download->context.AddMetadata("authorization", absl::StrCat("Bearer ", bearer_token));
  if (!traceparent.empty())
    download->context.AddMetadata("traceparent", traceparent);  // traces (H8)
  download->context.set_deadline(absl::ToChronoTime(absl::Now() + kDownloadDeadline));
  av1::DownloadEvidenceFileRequest request;
  request.set_name(absl::StrCat("evidenceFiles/", file_id));
  // The stub only makes the call; the channel keeps the stream alive.
  download->reader = av1::EvidenceFileService::NewStub(assessment)
                         ->DownloadEvidenceFile(&download->context, request);
  av1::DownloadEvidenceFileResponse first;
  if (!download->reader->Read(&first)) {
    grpc::Status status = download->reader->Finish();
    download->finished = true;
    if (status.ok()) return absl::InternalError("the download ended before the file's record");
    return FromGrpcStatus(status);
  }
  download->pending = std::move(*first.mutable_chunk());
  res.status = 200;
  res.set_header("Content-Disposition", AttachmentDisposition(first.file().file_name()));
  res.set_header("Content-Security-Policy", kDownloadContentSecurityPolicy);
  res.set_header("X-Evidence-File-SHA256", first.file().sha256());
  res.set_chunked_content_provider(
      // Binary whatever the file is: the type the assessment service detected is in its
      // record, not something a browser should act on.
      "application/octet-stream",
      [download](size_t, httplib::DataSink& sink) {
        if (!download->pending.empty()) {
          std::string chunk = std::move(download->pending);
          download->pending.clear();
          return sink.write(chunk.data(), chunk.size());
        }
        av1::DownloadEvidenceFileResponse next;
        if (download->reader->Read(&next)) {
          return next.chunk().empty() || sink.write(next.chunk().data(), next.chunk().size());
        }
        grpc::Status status = download->reader->Finish();
        download->finished = true;
        // A stream that failed part-way must not look complete: the connection is closed
        // without the last chunk, so the client sees a truncated transfer.
        if (!status.ok()) return false;
        sink.done();
        return true;
      },
      [download](bool) {
        if (download->finished) return;
        download->context.TryCancel();
        av1::DownloadEvidenceFileResponse drain;
        while (download->reader->Read(&drain)) {
        }
        download->reader->Finish();
        download->finished = true;
      });
  return absl::OkStatus();
}

}  // namespace sixsteps::reporting
