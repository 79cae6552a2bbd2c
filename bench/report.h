// The benchmark's output: the figures as a Markdown table, each row with its ratio to
// the ceiling it is compared with.
#pragma once

#include <map>
#include <string>
#include <vector>

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

// Latency at concurrency 1 against the data set's size.
struct ScalingRow {
  int partnerships = 0;
  int region_partnerships = 0;  // what the regional overview covered
  int rounds = 0;
  std::map<std::string, LatencySummary> reads;  // by scenario name
};
std::string ScalingTable(const std::vector<ScalingRow>& rows);

}  // namespace sixsteps::bench
