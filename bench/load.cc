#include "bench/load.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <mutex>
#include <numeric>
#include <thread>

namespace sixsteps::bench {
namespace {

using Clock = std::chrono::steady_clock;

double Millis(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

// What the calls of one run report back, shared by every completion.
class Tally {
 public:
  void Add(bool counted, Clock::duration latency, const std::string& error) {
    std::lock_guard<std::mutex> lock(mu_);
    if (!counted) return;
    if (error.empty()) {
      ++ok_;
      latencies_.push_back(Millis(latency));
    } else {
      ++errors_;
      if (first_error_.empty()) first_error_ = error;
    }
  }
  RunResult Finish(absl::Duration elapsed) {
    std::lock_guard<std::mutex> lock(mu_);
    RunResult result;
    result.ok = ok_;
    result.errors = errors_;
    result.first_error = first_error_;
    result.elapsed = elapsed;
    result.latency = Summarise(latencies_);
    return result;
  }

 private:
  std::mutex mu_;
  int64_t ok_ = 0, errors_ = 0;
  std::string first_error_;
  std::vector<double> latencies_;
};

Clock::duration ToClock(absl::Duration d) {
  return std::chrono::duration_cast<Clock::duration>(absl::ToChronoNanoseconds(d));
}

}  // namespace

LatencySummary Summarise(std::vector<double>& samples) {
  LatencySummary summary;
  summary.count = static_cast<int64_t>(samples.size());
  if (samples.empty()) return summary;
  std::sort(samples.begin(), samples.end());
  auto rank = [&](double p) {
    // Nearest rank: the smallest sample with at least p of the samples at or below it.
    size_t index = static_cast<size_t>(std::ceil(p * static_cast<double>(samples.size())));
    return samples[std::clamp<size_t>(index, 1, samples.size()) - 1];
  };
  summary.p50 = rank(0.50);
  summary.p95 = rank(0.95);
  summary.p99 = rank(0.99);
  summary.max = samples.back();
  summary.mean = std::accumulate(samples.begin(), samples.end(), 0.0) / samples.size();
  return summary;
}

RunResult RunAsync(const RunOptions& options, const AsyncCall& call) {
  Tally tally;
  std::mutex mu;
  std::condition_variable changed;
  std::vector<int> free_slots(options.concurrency);
  std::iota(free_slots.rbegin(), free_slots.rend(), 0);
  int in_flight = 0;

  const Clock::time_point start = Clock::now();
  const Clock::time_point measure_from = start + ToClock(options.warmup);
  const Clock::time_point end = measure_from + ToClock(options.duration);
  const Clock::duration interval = options.max_rate > 0
                                       ? std::chrono::duration_cast<Clock::duration>(
                                             std::chrono::duration<double>(1.0 / options.max_rate))
                                       : Clock::duration::zero();
  Clock::time_point next_start = start;
  int64_t started = 0;

  // One dispatcher starts every call: as soon as a slot is free, or at the next tick of
  // the pace. Completions (on gRPC's threads) only record and free their slot.
  while (true) {
    int slot;
    {
      std::unique_lock<std::mutex> lock(mu);
      changed.wait(lock, [&] { return !free_slots.empty(); });
      slot = free_slots.back();
      free_slots.pop_back();
      ++in_flight;
    }
    if (interval > Clock::duration::zero()) {
      std::this_thread::sleep_until(next_start);
      next_start = std::max(next_start + interval, Clock::now() - 10 * interval);
    }
    const Clock::time_point t0 = Clock::now();
    if (t0 >= end) {
      std::lock_guard<std::mutex> lock(mu);
      free_slots.push_back(slot);
      --in_flight;
      break;
    }
    ++started;
    call(slot, [&, slot, t0](std::string error) {
      Clock::time_point t1 = Clock::now();
      tally.Add(t0 >= measure_from, t1 - t0, error);
      std::lock_guard<std::mutex> lock(mu);
      free_slots.push_back(slot);
      --in_flight;
      changed.notify_all();
    });
  }
  std::unique_lock<std::mutex> lock(mu);
  changed.wait(lock, [&] { return in_flight == 0; });
  lock.unlock();
  RunResult result = tally.Finish(absl::FromChrono(end - measure_from));
  result.started = started;
  return result;
}

RunResult RunBlocking(const RunOptions& options, const BlockingCall& call) {
  Tally tally;
  const Clock::time_point start = Clock::now();
  const Clock::time_point measure_from = start + ToClock(options.warmup);
  const Clock::time_point end = measure_from + ToClock(options.duration);
  std::vector<std::thread> threads;
  for (int t = 0; t < options.concurrency; ++t) {
    threads.emplace_back([&, t] {
      while (true) {
        const Clock::time_point t0 = Clock::now();
        if (t0 >= end) return;
        std::string error = call(t);
        tally.Add(t0 >= measure_from, Clock::now() - t0, error);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  return tally.Finish(absl::FromChrono(end - measure_from));
}

}  // namespace sixsteps::bench
