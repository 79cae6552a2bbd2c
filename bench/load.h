// The load generator's engine: drives an operation at a set concurrency for a set time and
// summarises what happened (throughput, latency percentiles, errors). Knows nothing about
// the hub; bench/scenarios.cc gives it the calls.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace sixsteps::bench {

// Latencies of one run, in milliseconds.
struct LatencySummary {
  int64_t count = 0;
  double p50 = 0, p95 = 0, p99 = 0, max = 0, mean = 0;
};

// Nearest-rank percentiles of `samples` (sorted in place).
LatencySummary Summarise(std::vector<double>& samples);

struct RunResult {
  int64_t ok = 0;
  int64_t errors = 0;
  // Every call started, warm-up included (the denominator of CPU time per call).
  int64_t started = 0;
  // The first error seen, for the report ("" if none).
  std::string first_error;
  // Length of the measured window.
  absl::Duration elapsed;
  LatencySummary latency;
  double throughput() const {
    double s = absl::ToDoubleSeconds(elapsed);
    return s > 0 ? static_cast<double>(ok) / s : 0;
  }
};

struct RunOptions {
  int concurrency = 16;
  // Calls started during warm-up are made but not counted.
  absl::Duration warmup = absl::Seconds(2);
  absl::Duration duration = absl::Seconds(10);
  // If > 0, calls start at most this many per second (open loop, still at most
  // `concurrency` in flight); 0 starts the next call as soon as one finishes (closed loop).
  double max_rate = 0;
};

// One asynchronous call for in-flight slot `slot` (0 <= slot < concurrency): must call
// `done` exactly once, from any thread, with an empty string on success or the error.
using AsyncCall = std::function<void(int slot, std::function<void(std::string error)> done)>;

// Keeps `concurrency` calls in flight (or paces them at max_rate) for warm-up plus duration,
// then waits for the calls still in flight. Only calls started after warm-up count.
RunResult RunAsync(const RunOptions& options, const AsyncCall& call);

// The same for a blocking operation: `concurrency` threads, each calling `call(thread)`
// in a loop. Used for ceilings measured without gRPC.
using BlockingCall = std::function<std::string(int thread)>;
RunResult RunBlocking(const RunOptions& options, const BlockingCall& call);

}  // namespace sixsteps::bench
