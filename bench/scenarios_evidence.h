// The evidence-file scenario (issue 16): three uploads of 25 MiB files (the median rate)
// and one download of the last, each timed (MiB/s on loopback; target at least 50), then 50
// downloads of it at once with the assessment service's resident memory sampled (growth over its
// size just before them; target under 64 MiB: files stream, nothing holds a whole file). With the
// hub's run folder, also the CPU time per MiB of the assessment process and of PostgreSQL during
// the upload and the download (on a shared machine steadier than MiB/s). Run alone with
// `sixsteps-bench --sizes 20 --only evidence --pid_dir DIR`.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "bench/scenarios.h"

namespace sixsteps::bench {

struct EvidenceScenarioOptions {
  int64_t file_bytes = 25 * 1024 * 1024;
  // Uploads of that size (each of other bytes), for a median rate.
  int uploads = 3;
  int concurrent_downloads = 50;
  // The assessment service's resident memory in MiB (0 when unknown: no memory figures).
  std::function<double()> assessment_resident_mib;
  // The hub's run folder (sixsteps-bench --pid_dir): assessment.pid, and pg/ with the
  // PostgreSQL socket's lock file naming the postmaster. Empty: no CPU figures.
  std::string pid_dir;
};

// CPU time (user + system) per MiB moved, of the assessment process and of the PostgreSQL
// cluster (the postmaster and every process it started: backends, WAL writer, archiver),
// read from /proc before and after; negative when unknown.
struct CpuPerMiB {
  double assessment_ms = -1;
  double postgres_ms = -1;
};

struct EvidenceScenarioResult {
  int64_t file_bytes = 0;
  int uploads = 0;
  double upload_mib_per_s = 0;  // the median
  double download_mib_per_s = 0;
  CpuPerMiB upload_cpu;
  CpuPerMiB download_cpu;
  int concurrent_downloads = 0;
  double concurrent_seconds = 0;
  // Resident memory of the assessment service before the concurrent downloads and at their
  // peak (sampled every 20 ms); 0 when unknown.
  double resident_before_mib = 0;
  double resident_peak_mib = 0;
};

// Uploads to the first seeded partnership as the deployment's hub administrator (an
// OFFICIAL CSV file of no round, different bytes each run), downloads it, then downloads it
// `concurrent_downloads` times at once, each on its own connection; every download is
// checked to be whole.
absl::StatusOr<EvidenceScenarioResult> RunEvidenceFiles(const ScenarioContext& context,
                                                        const EvidenceScenarioOptions& options);

// The result as a Markdown table, with the targets.
std::string EvidenceTable(const EvidenceScenarioResult& result);

}  // namespace sixsteps::bench
