// Prometheus metrics: a small thread-safe registry of counters, histograms and gauges read
// at scrape time, rendered in the text exposition format 0.0.4, and an HTTP server that
// serves it on GET /metrics (and GET /healthz).
//
// Every gRPC server of the process records its calls in DefaultRegistry() (see
// server.cc); database pools and the reporting feed consumer add their gauges there.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace sixsteps::metrics {

// Label names and values of one series, in the order they are rendered.
using Labels = std::vector<std::pair<std::string, std::string>>;

// Series are added to without a lock: each holds kMetricShards cells, a thread adds to
// the cell of its own shard (threads are spread over the shards as they first add), and a
// scrape sums the cells. A hot path keeps the series it adds to (Counter::Series,
// Histogram::Series) and so takes no lock at all; Increment and Observe find the series by
// its labels under the metric's lock first.
inline constexpr int kMetricShards = 8;

// The shard of the calling thread.
int MetricShard();

// One counter series.
class CounterSeries {
 public:
  void Add(double by = 1) { cells_[MetricShard()].value.fetch_add(by, std::memory_order_relaxed); }
  double Value() const;

 private:
  struct alignas(64) Cell {
    std::atomic<double> value{0};
  };
  Cell cells_[kMetricShards];
};

// A monotonically increasing count per label set.
class Counter {
 public:
  void Increment(const Labels& labels, double by = 1) { Series(labels).Add(by); }
  // The current value of one series (0 if it was never incremented).
  double Value(const Labels& labels) const;
  // The series of `labels`, created at 0 if new; it lives as long as the counter.
  CounterSeries& Series(const Labels& labels);

 private:
  friend class Registry;
  mutable std::mutex mu_;
  std::map<Labels, std::unique_ptr<CounterSeries>> values_ ABSL_GUARDED_BY(mu_);
};

// One histogram series: counts per bucket (not cumulative; the last is +Inf) and the sum.
class HistogramSeries {
 public:
  explicit HistogramSeries(const std::vector<double>* upper_bounds);
  void Observe(double value);
  // Summed over the shards.
  std::vector<uint64_t> Counts() const;
  double Sum() const;

 private:
  struct alignas(64) Cell {
    std::unique_ptr<std::atomic<uint64_t>[]> counts;
    std::atomic<double> sum{0};
  };
  const std::vector<double>* upper_bounds_;
  Cell cells_[kMetricShards];
};

// Observations counted into fixed buckets per label set, with their sum and count.
class Histogram {
 public:
  explicit Histogram(std::vector<double> upper_bounds);
  void Observe(const Labels& labels, double value) { Series(labels).Observe(value); }
  const std::vector<double>& upper_bounds() const { return upper_bounds_; }
  // The series of `labels`, created empty if new; it lives as long as the histogram.
  HistogramSeries& Series(const Labels& labels);

 private:
  friend class Registry;
  const std::vector<double> upper_bounds_;
  mutable std::mutex mu_;
  std::map<Labels, std::unique_ptr<HistogramSeries>> series_ ABSL_GUARDED_BY(mu_);
};

// 1ms … 10s: the buckets of call latencies, in seconds.
const std::vector<double>& LatencyBuckets();

// Where a collector reports gauge values at scrape time.
class GaugeSink {
 public:
  void Set(const std::string& name, const std::string& help, Labels labels, double value);

 private:
  friend class Registry;
  struct Family {
    std::string help;
    std::vector<std::pair<Labels, double>> samples;
  };
  std::map<std::string, Family> families_;
};

class Registry;

// Keeps a collector registered; destroying it unregisters the collector, waiting for a
// scrape that is running it to finish. Move-only.
class Registration {
 public:
  Registration() = default;
  Registration(Registration&& other) noexcept { *this = std::move(other); }
  Registration& operator=(Registration&& other) noexcept;
  Registration(const Registration&) = delete;
  Registration& operator=(const Registration&) = delete;
  ~Registration() { Reset(); }
  void Reset();

 private:
  friend class Registry;
  Registration(Registry* registry, int64_t id) : registry_(registry), id_(id) {}
  Registry* registry_ = nullptr;
  int64_t id_ = 0;
};

class Registry {
 public:
  Registry() = default;
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // The counter or histogram called `name`, created on first use; later calls with the
  // same name return the same one. Never destroyed before the registry.
  Counter& AddCounter(const std::string& name, const std::string& help);
  Histogram& AddHistogram(const std::string& name, const std::string& help,
                          const std::vector<double>& upper_bounds = LatencyBuckets());

  // `collect` runs at every scrape and reports gauges through the sink. Several collectors
  // may report the same gauge with different labels (one per database pool, say).
  // `collect` must not destroy its own registration.
  [[nodiscard]] Registration AddCollector(std::function<void(GaugeSink&)> collect);

  // Everything, in the Prometheus text format 0.0.4, families sorted by name.
  std::string Render() const;

 private:
  friend class Registration;
  void RemoveCollector(int64_t id);

  mutable std::mutex mu_;
  std::map<std::string, std::string> help_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::unique_ptr<Counter>> counters_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::unique_ptr<Histogram>> histograms_ ABSL_GUARDED_BY(mu_);
  // Held while collectors run, so that unregistering waits for a running scrape.
  mutable std::mutex collectors_mu_;
  int64_t next_id_ ABSL_GUARDED_BY(collectors_mu_) = 1;
  std::map<int64_t, std::function<void(GaugeSink&)>> collectors_ ABSL_GUARDED_BY(collectors_mu_);
};

// The registry of this process.
Registry& DefaultRegistry();

// A label value with backslash, double quote and newline escaped.
std::string EscapeLabelValue(absl::string_view value);
// A sample value: shortest exact decimal, "+Inf", "-Inf" or "NaN".
std::string FormatValue(double value);

// Serves a registry over HTTP: GET /metrics (text format 0.0.4) and GET /healthz. Plain
// HTTP: bind it to an address only the scraper reaches.
class MetricsServer {
 public:
  explicit MetricsServer(Registry* registry = &DefaultRegistry());
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  // Binds "host:port" ("127.0.0.1:0" picks a free port; "[::]:9090" for IPv6) and serves
  // on a thread of its own.
  absl::Status Start(const std::string& address);
  // The port actually bound; 0 before Start.
  int port() const { return port_; }
  void Stop();

 private:
  struct Impl;
  Registry* registry_;
  std::unique_ptr<Impl> impl_;
  int port_ = 0;
};

}  // namespace sixsteps::metrics
