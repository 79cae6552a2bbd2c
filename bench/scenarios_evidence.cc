#include "bench/scenarios_evidence.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "bench/hub_client.h"
#include "services/common/status.h"
#include "sixsteps/assessment/v1/evidence_file_service.grpc.pb.h"

namespace sixsteps::bench {
namespace {

namespace av1 = ::sixsteps::assessment::v1;
constexpr int64_t kChunkBytes = 1024 * 1024;
constexpr double kMiB = 1024.0 * 1024.0;

// `size` bytes of CSV (an allowed type), different for each `seed`.
std::string CsvOf(int64_t size, int64_t seed) {
  std::string csv = "agency,cases,graded,run\n";
  csv.reserve(static_cast<size_t>(size) + 64);
  for (int64_t row = 0; static_cast<int64_t>(csv.size()) < size; ++row) {
    absl::StrAppend(&csv, "agency", row % 7, ",", row, ",", (row * 31 + seed) % 97, ",", seed,
                    "\n");
  }
  csv.resize(static_cast<size_t>(size));
  csv.back() = '\n';
  return csv;
}

absl::Status FromGrpc(const grpc::Status& status, absl::string_view what) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      absl::StrCat(what, ": ", status.error_message()));
}

absl::StatusOr<av1::EvidenceFile> Upload(av1::EvidenceFileService::Stub& stub,
                                         const std::string& token, const std::string& partnership,
                                         const std::string& bytes) {
  grpc::ClientContext context;
  Authorize(context, token, absl::Minutes(10));
  av1::EvidenceFile file;
  std::unique_ptr<grpc::ClientWriter<av1::UploadEvidenceFileRequest>> writer =
      stub.UploadEvidenceFile(&context, &file);
  av1::UploadEvidenceFileRequest first;
  first.mutable_metadata()->set_partnership(partnership);
  first.mutable_metadata()->set_file_name("benchmark-evidence.csv");
  first.mutable_metadata()->set_classification(av1::CLASSIFICATION_OFFICIAL);
  bool open = writer->Write(first);
  for (size_t at = 0; open && at < bytes.size(); at += kChunkBytes) {
    av1::UploadEvidenceFileRequest next;
    next.set_chunk(bytes.substr(at, kChunkBytes));
    open = writer->Write(next);
  }
  writer->WritesDone();
  SIXSTEPS_RETURN_IF_ERROR(FromGrpc(writer->Finish(), "UploadEvidenceFile"));
  return file;
}

// Downloads the file, keeping only a count of its bytes; FAILED_PRECONDITION if short.
absl::Status Download(av1::EvidenceFileService::Stub& stub, const std::string& token,
                      const av1::EvidenceFile& file) {
  grpc::ClientContext context;
  Authorize(context, token, absl::Minutes(10));
  av1::DownloadEvidenceFileRequest request;
  request.set_name(file.name());
  std::unique_ptr<grpc::ClientReader<av1::DownloadEvidenceFileResponse>> reader =
      stub.DownloadEvidenceFile(&context, request);
  av1::DownloadEvidenceFileResponse message;
  int64_t received = 0;
  while (reader->Read(&message)) received += static_cast<int64_t>(message.chunk().size());
  SIXSTEPS_RETURN_IF_ERROR(FromGrpc(reader->Finish(), "DownloadEvidenceFile"));
  if (received != file.size_bytes()) {
    return absl::FailedPreconditionError(
        absl::StrCat("a download gave ", received, " bytes of ", file.size_bytes()));
  }
  return absl::OkStatus();
}

double MiBPerSecond(int64_t bytes, absl::Duration elapsed) {
  const double seconds = absl::ToDoubleSeconds(elapsed);
  return seconds > 0 ? static_cast<double>(bytes) / kMiB / seconds : 0;
}

}  // namespace

absl::StatusOr<EvidenceScenarioResult> RunEvidenceFiles(const ScenarioContext& context,
                                                        const EvidenceScenarioOptions& options) {
  if (context.partnerships.empty()) return absl::FailedPreconditionError("no seeded partnership");
  SIXSTEPS_ASSIGN_OR_RETURN(std::string token, context.admin->Token());
  auto stub = av1::EvidenceFileService::NewStub(Dial(context.addresses.assessment, "evidence"));
  const std::string bytes = CsvOf(options.file_bytes, absl::ToUnixNanos(absl::Now()));
  EvidenceScenarioResult result;
  result.file_bytes = options.file_bytes;

  absl::Time start = absl::Now();
  SIXSTEPS_ASSIGN_OR_RETURN(av1::EvidenceFile file,
                            Upload(*stub, token, context.partnerships[0].name, bytes));
  result.upload_mib_per_s = MiBPerSecond(options.file_bytes, absl::Now() - start);
  start = absl::Now();
  SIXSTEPS_RETURN_IF_ERROR(Download(*stub, token, file));
  result.download_mib_per_s = MiBPerSecond(options.file_bytes, absl::Now() - start);

  // The concurrent downloads, each on its own connection, with the service's memory sampled.
  auto resident = [&] {
    return options.assessment_resident_mib ? options.assessment_resident_mib() : 0.0;
  };
  result.resident_before_mib = resident();
  std::atomic<bool> done{false};
  std::atomic<double> peak{result.resident_before_mib};
  std::thread sampler([&] {
    while (!done.load()) {
      const double now = resident();
      if (now > peak.load()) peak = now;
      absl::SleepFor(absl::Milliseconds(20));
    }
  });
  std::mutex mu;
  absl::Status first_error;
  std::vector<std::thread> downloads;
  start = absl::Now();
  for (int i = 0; i < options.concurrent_downloads; ++i) {
    downloads.emplace_back([&, i] {
      auto own = av1::EvidenceFileService::NewStub(
          Dial(context.addresses.assessment, absl::StrCat("evidence-", i)));
      absl::Status status = Download(*own, token, file);
      std::lock_guard<std::mutex> lock(mu);
      if (status.ok()) {
        ++result.concurrent_downloads;
      } else if (first_error.ok()) {
        first_error = status;
      }
    });
  }
  for (std::thread& t : downloads) t.join();
  result.concurrent_seconds = absl::ToDoubleSeconds(absl::Now() - start);
  done = true;
  sampler.join();
  result.resident_peak_mib = peak.load();
  SIXSTEPS_RETURN_IF_ERROR(first_error);
  return result;
}

std::string EvidenceTable(const EvidenceScenarioResult& r) {
  std::string out = absl::StrFormat(
      "### Evidence files (%.0f MiB file)\n\n| figure | value | target |\n|---|---|---|\n"
      "| upload | %.1f MiB/s | >= 50 MiB/s |\n| download | %.1f MiB/s | >= 50 MiB/s |\n"
      "| %d concurrent downloads | %.1f s (%.1f MiB/s in all) | |\n",
      static_cast<double>(r.file_bytes) / kMiB, r.upload_mib_per_s, r.download_mib_per_s,
      r.concurrent_downloads, r.concurrent_seconds,
      r.concurrent_seconds > 0
          ? static_cast<double>(r.file_bytes) * r.concurrent_downloads / kMiB / r.concurrent_seconds
          : 0.0);
  if (r.resident_before_mib > 0) {
    absl::StrAppendFormat(&out,
                          "| assessment resident memory during them | %.0f -> %.0f MiB (+%.0f MiB) "
                          "| growth < 64 MiB |\n",
                          r.resident_before_mib, r.resident_peak_mib,
                          r.resident_peak_mib - r.resident_before_mib);
  } else {
    absl::StrAppend(&out, "| assessment resident memory | not measured (give --pid_dir) | |\n");
  }
  return out;
}

}  // namespace sixsteps::bench
