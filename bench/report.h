// The benchmark's output: the figures as a Markdown table, each row with its ratio to
// the ceiling it is compared with.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bench/scenarios.h"

namespace sixsteps::bench {

// One row per result: scenario, calls/s, p50/p95/p99 (ms), errors, ratio to its ceiling
// (found among `results` by name), note.
std::string ResultsTable(const std::vector<ScenarioResult>& results);

// Resident memory of the hub's services.
struct MemoryRow {
  std::string service;
  double idle_mib = 0;
  double peak_mib = 0;
  // Of idle_mib, the process's own pages (RssAnon); the rest are its shared libraries'
  // pages, which the other services map too.
  double idle_anon_mib = 0;
};
std::string MemoryTable(const std::vector<MemoryRow>& rows);

// Latency at concurrency 1 against the data set's size, in one region or spread over many.
struct ScalingRow {
  int partnerships = 0;                         // in all the layout's regions
  int regions = 1;                              // the layout's
  int region_partnerships = 0;                  // what the regional overview covered: its region's
  int rounds = 0;                               // finalised rounds the reports were read from
  std::map<std::string, LatencySummary> reads;  // by scenario name, "read: " left off
};
// One row per ScalingRow, each read's p50 / p95, and the overview's p50 per partnership of
// its region (flat when the overview grows linearly with its region).
std::string ScalingTable(const std::vector<ScalingRow>& rows);

// One growth of the data set.
struct GenerationRow {
  int partnerships = 0;     // the size grown to
  int regions = 1;          // dealt over
  int64_t written = 0;      // partnerships found incomplete and written (a rerun: none)
  int64_t calls = 0;        // made by the generator, checks of complete partnerships included
  absl::Duration took;      // writing
  absl::Duration catch_up;  // until the reports had applied every write after it
};
std::string GenerationTable(const std::vector<GenerationRow>& rows);

// Where a run's wall time went (issue 18: the 15-minute budget read from one run).
struct PhaseTime {
  std::string phase;
  absl::Duration took;
};
std::string PhaseTable(const std::vector<PhaseTime>& phases);

// Phases timed back to back: each Lap ends the phase that ran since the previous one (or
// since the log was made), so the phases add up to the whole run.
class PhaseLog {
 public:
  void Lap(std::string phase);
  const std::vector<PhaseTime>& phases() const { return phases_; }

 private:
  absl::Time last_ = absl::Now();
  std::vector<PhaseTime> phases_;
};

}  // namespace sixsteps::bench
