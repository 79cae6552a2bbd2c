#include "bench/scenarios_evidence.h"

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>
#include <vector>

#include <unistd.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
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

// A process's /proc/PID/stat fields after its name (which may hold spaces): state, ppid, ...
std::vector<std::string> StatFields(const std::string& pid) {
  std::ifstream file(absl::StrCat("/proc/", pid, "/stat"));
  std::string stat((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  const size_t name_end = stat.rfind(')');
  if (name_end == std::string::npos) return {};
  return absl::StrSplit(stat.substr(name_end + 1), ' ', absl::SkipEmpty());
}

// CPU seconds (user + system) a process has used; 0 when it cannot be read.
double CpuSeconds(const std::vector<std::string>& fields) {
  // After the name: state(0) ppid(1) ... utime(11) stime(12), in clock ticks.
  double utime = 0, stime = 0;
  if (fields.size() < 13 || !absl::SimpleAtod(fields[11], &utime) ||
      !absl::SimpleAtod(fields[12], &stime)) {
    return 0;
  }
  return (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

std::string FirstLine(const std::filesystem::path& path) {
  std::ifstream file(path);
  std::string line;
  std::getline(file, line);
  return line;
}

// CPU seconds used so far by the assessment process and by the PostgreSQL cluster whose
// socket is in <pid_dir>/pg (its lock file's first line is the postmaster's pid); negative
// for what cannot be read.
struct CpuSample {
  double assessment = -1;
  double postgres = -1;
};
CpuSample SampleCpu(const std::string& pid_dir) {
  CpuSample sample;
  if (pid_dir.empty()) return sample;
  const std::string assessment = FirstLine(std::filesystem::path(pid_dir) / "assessment.pid");
  if (!assessment.empty()) sample.assessment = CpuSeconds(StatFields(assessment));
  std::error_code error;
  std::string postmaster;
  for (const auto& entry : std::filesystem::directory_iterator(pid_dir + "/pg", error)) {
    const std::string name = entry.path().filename().string();
    if (absl::StartsWith(name, ".s.PGSQL.") && absl::EndsWith(name, ".lock")) {
      postmaster = FirstLine(entry.path());
    }
  }
  if (postmaster.empty()) return sample;
  sample.postgres = CpuSeconds(StatFields(postmaster));
  for (const auto& entry : std::filesystem::directory_iterator("/proc", error)) {
    const std::string pid = entry.path().filename().string();
    if (pid.empty() || !absl::ascii_isdigit(pid[0])) continue;
    std::vector<std::string> fields = StatFields(pid);
    if (fields.size() > 1 && fields[1] == postmaster) sample.postgres += CpuSeconds(fields);
  }
  return sample;
}

CpuPerMiB CpuPerMiBBetween(const CpuSample& before, const CpuSample& after, int64_t bytes) {
  const double mib = static_cast<double>(bytes) / kMiB;
  CpuPerMiB per_mib;
  if (before.assessment >= 0 && after.assessment >= 0) {
    per_mib.assessment_ms = (after.assessment - before.assessment) * 1000 / mib;
  }
  if (before.postgres >= 0 && after.postgres >= 0) {
    per_mib.postgres_ms = (after.postgres - before.postgres) * 1000 / mib;
  }
  return per_mib;
}

std::string CpuText(const CpuPerMiB& cpu) {
  auto one = [](double ms) { return ms < 0 ? std::string("?") : absl::StrFormat("%.1f", ms); };
  return absl::StrCat(one(cpu.assessment_ms), " / ", one(cpu.postgres_ms));
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
  EvidenceScenarioResult result;
  result.file_bytes = options.file_bytes;
  result.uploads = std::max(1, options.uploads);

  // Each upload of different bytes (a file of the same bytes would be stored once); the
  // median rate, and the CPU of all of them per MiB.
  std::vector<std::string> contents;
  for (int i = 0; i < result.uploads; ++i) {
    contents.push_back(CsvOf(options.file_bytes, absl::ToUnixNanos(absl::Now()) + i));
  }
  std::vector<double> rates;
  av1::EvidenceFile file;
  CpuSample cpu = SampleCpu(options.pid_dir);
  for (const std::string& bytes : contents) {
    const absl::Time start = absl::Now();
    SIXSTEPS_ASSIGN_OR_RETURN(file, Upload(*stub, token, context.partnerships[0].name, bytes));
    rates.push_back(MiBPerSecond(options.file_bytes, absl::Now() - start));
  }
  std::sort(rates.begin(), rates.end());
  result.upload_mib_per_s = rates[rates.size() / 2];
  CpuSample uploaded = SampleCpu(options.pid_dir);
  result.upload_cpu = CpuPerMiBBetween(cpu, uploaded, options.file_bytes * result.uploads);
  absl::Time start = absl::Now();
  SIXSTEPS_RETURN_IF_ERROR(Download(*stub, token, file));
  result.download_mib_per_s = MiBPerSecond(options.file_bytes, absl::Now() - start);
  result.download_cpu = CpuPerMiBBetween(uploaded, SampleCpu(options.pid_dir), options.file_bytes);

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
      "| upload (median of %d) | %.1f MiB/s | >= 50 MiB/s |\n| download | %.1f MiB/s | >= 50 MiB/s "
      "|\n"
      "| CPU per MiB uploaded: assessment / PostgreSQL | %s ms | |\n"
      "| CPU per MiB downloaded: assessment / PostgreSQL | %s ms | |\n"
      "| %d concurrent downloads | %.1f s (%.1f MiB/s in all) | |\n",
      static_cast<double>(r.file_bytes) / kMiB, r.uploads, r.upload_mib_per_s, r.download_mib_per_s,
      CpuText(r.upload_cpu), CpuText(r.download_cpu), r.concurrent_downloads, r.concurrent_seconds,
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
