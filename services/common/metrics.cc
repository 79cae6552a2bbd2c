#include "services/common/metrics.h"

#include <httplib.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <limits>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace sixsteps::metrics {
namespace {

// HELP text escapes only backslash and newline.
std::string EscapeHelp(absl::string_view help) {
  std::string out;
  out.reserve(help.size());
  for (char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

void AppendHeader(std::string& out, const std::string& name, const std::string& help,
                  absl::string_view type) {
  absl::StrAppend(&out, "# HELP ", name, " ", EscapeHelp(help), "\n");
  absl::StrAppend(&out, "# TYPE ", name, " ", type, "\n");
}

// name{a="x",b="y"} value — `extra` (such as le) comes last.
void AppendSample(std::string& out, absl::string_view name, const Labels& labels,
                  const std::pair<std::string, std::string>* extra, double value) {
  out.append(name.data(), name.size());
  if (!labels.empty() || extra != nullptr) {
    out += '{';
    bool first = true;
    auto add = [&](const std::pair<std::string, std::string>& label) {
      if (!first) out += ',';
      first = false;
      absl::StrAppend(&out, label.first, "=\"", EscapeLabelValue(label.second), "\"");
    };
    for (const auto& label : labels) add(label);
    if (extra != nullptr) add(*extra);
    out += '}';
  }
  absl::StrAppend(&out, " ", FormatValue(value), "\n");
}

}  // namespace

// ---- Values ----

std::string EscapeLabelValue(absl::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string FormatValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buffer[64];
  auto [end, error] = std::to_chars(buffer, buffer + sizeof(buffer), value);
  if (error != std::errc()) return absl::StrCat(value);
  return std::string(buffer, end);
}

const std::vector<double>& LatencyBuckets() {
  static const std::vector<double> buckets = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                              0.25,  0.5,    1,     2.5,  5,     10};
  return buckets;
}

// ---- Counter, Histogram, GaugeSink ----

int MetricShard() {
  static std::atomic<int> next{0};
  thread_local const int shard = next.fetch_add(1, std::memory_order_relaxed) % kMetricShards;
  return shard;
}

double CounterSeries::Value() const {
  double total = 0;
  for (const Cell& cell : cells_) total += cell.value.load(std::memory_order_relaxed);
  return total;
}

CounterSeries& Counter::Series(const Labels& labels) {
  std::lock_guard<std::mutex> lock(mu_);
  std::unique_ptr<CounterSeries>& series = values_[labels];
  if (series == nullptr) series = std::make_unique<CounterSeries>();
  return *series;
}

double Counter::Value(const Labels& labels) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = values_.find(labels);
  return it == values_.end() ? 0 : it->second->Value();
}

HistogramSeries::HistogramSeries(const std::vector<double>* upper_bounds)
    : upper_bounds_(upper_bounds) {
  for (Cell& cell : cells_) {
    cell.counts = std::make_unique<std::atomic<uint64_t>[]>(upper_bounds_->size() + 1);
  }
}

void HistogramSeries::Observe(double value) {
  // The first bucket whose upper bound is >= value; past the last one is +Inf.
  size_t bucket = std::lower_bound(upper_bounds_->begin(), upper_bounds_->end(), value) -
                  upper_bounds_->begin();
  Cell& cell = cells_[MetricShard()];
  cell.counts[bucket].fetch_add(1, std::memory_order_relaxed);
  cell.sum.fetch_add(value, std::memory_order_relaxed);
}

std::vector<uint64_t> HistogramSeries::Counts() const {
  std::vector<uint64_t> counts(upper_bounds_->size() + 1, 0);
  for (const Cell& cell : cells_) {
    for (size_t i = 0; i < counts.size(); ++i) {
      counts[i] += cell.counts[i].load(std::memory_order_relaxed);
    }
  }
  return counts;
}

double HistogramSeries::Sum() const {
  double total = 0;
  for (const Cell& cell : cells_) total += cell.sum.load(std::memory_order_relaxed);
  return total;
}

Histogram::Histogram(std::vector<double> upper_bounds) : upper_bounds_(std::move(upper_bounds)) {}

HistogramSeries& Histogram::Series(const Labels& labels) {
  std::lock_guard<std::mutex> lock(mu_);
  std::unique_ptr<HistogramSeries>& series = series_[labels];
  if (series == nullptr) series = std::make_unique<HistogramSeries>(&upper_bounds_);
  return *series;
}

void GaugeSink::Set(const std::string& name, const std::string& help, Labels labels, double value) {
  Family& family = families_[name];
  if (family.help.empty()) family.help = help;
  family.samples.emplace_back(std::move(labels), value);
}

// ---- Registration ----

Registration& Registration::operator=(Registration&& other) noexcept {
  if (this != &other) {
    Reset();
    registry_ = std::exchange(other.registry_, nullptr);
    id_ = std::exchange(other.id_, 0);
  }
  return *this;
}

void Registration::Reset() {
  if (registry_ != nullptr) registry_->RemoveCollector(id_);
  registry_ = nullptr;
  id_ = 0;
}

// ---- Registry ----

Counter& Registry::AddCounter(const std::string& name, const std::string& help) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& counter = counters_[name];
  if (counter == nullptr) {
    counter = std::make_unique<Counter>();
    help_[name] = help;
  }
  return *counter;
}

Histogram& Registry::AddHistogram(const std::string& name, const std::string& help,
                                  const std::vector<double>& upper_bounds) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& histogram = histograms_[name];
  if (histogram == nullptr) {
    std::vector<double> sorted = upper_bounds;
    std::sort(sorted.begin(), sorted.end());
    sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
    // +Inf is always the implicit last bucket.
    while (!sorted.empty() && std::isinf(sorted.back())) sorted.pop_back();
    histogram = std::make_unique<Histogram>(std::move(sorted));
    help_[name] = help;
  }
  return *histogram;
}

Registration Registry::AddCollector(std::function<void(GaugeSink&)> collect) {
  std::lock_guard<std::mutex> lock(collectors_mu_);
  int64_t id = next_id_++;
  collectors_[id] = std::move(collect);
  return Registration(this, id);
}

void Registry::RemoveCollector(int64_t id) {
  std::lock_guard<std::mutex> lock(collectors_mu_);
  collectors_.erase(id);
}

std::string Registry::Render() const {
  // Each family renders to its own text, then all are joined in name order.
  std::map<std::string, std::string> families;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [name, counter] : counters_) {
      std::string text;
      AppendHeader(text, name, help_.at(name), "counter");
      std::lock_guard<std::mutex> values_lock(counter->mu_);
      for (const auto& [labels, series] : counter->values_) {
        AppendSample(text, name, labels, nullptr, series->Value());
      }
      families[name] = std::move(text);
    }
    for (const auto& [name, histogram] : histograms_) {
      std::string text;
      AppendHeader(text, name, help_.at(name), "histogram");
      const std::vector<double>& bounds = histogram->upper_bounds_;
      std::lock_guard<std::mutex> series_lock(histogram->mu_);
      for (const auto& [labels, series] : histogram->series_) {
        // The count is the sum of the buckets read, so that it always equals +Inf's.
        const std::vector<uint64_t> counts = series->Counts();
        uint64_t cumulative = 0;
        for (size_t i = 0; i <= bounds.size(); ++i) {
          cumulative += counts[i];
          std::pair<std::string, std::string> le = {
              "le", i < bounds.size() ? FormatValue(bounds[i]) : "+Inf"};
          AppendSample(text, name + "_bucket", labels, &le, static_cast<double>(cumulative));
        }
        AppendSample(text, name + "_sum", labels, nullptr, series->Sum());
        AppendSample(text, name + "_count", labels, nullptr, static_cast<double>(cumulative));
      }
      families[name] = std::move(text);
    }
  }
  GaugeSink sink;
  {
    std::lock_guard<std::mutex> lock(collectors_mu_);
    for (const auto& [id, collect] : collectors_) collect(sink);
  }
  for (auto& [name, family] : sink.families_) {
    if (families.count(name) != 0) continue;  // a gauge may not reuse a counter's name
    std::sort(family.samples.begin(), family.samples.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    std::string text;
    AppendHeader(text, name, family.help, "gauge");
    for (const auto& [labels, value] : family.samples) {
      AppendSample(text, name, labels, nullptr, value);
    }
    families[name] = std::move(text);
  }
  std::string out;
  for (const auto& [name, text] : families) out += text;
  return out;
}

Registry& DefaultRegistry() {
  static Registry* registry = new Registry();  // never destroyed: used until exit
  return *registry;
}

// ---- MetricsServer ----

struct MetricsServer::Impl {
  httplib::Server server;
  std::thread thread;
};

MetricsServer::MetricsServer(Registry* registry) : registry_(registry) {}

MetricsServer::~MetricsServer() { Stop(); }

absl::Status MetricsServer::Start(const std::string& address) {
  if (impl_ != nullptr) return absl::FailedPreconditionError("metrics server already started");
  size_t colon = address.rfind(':');
  int port = -1;
  if (colon == std::string::npos || !absl::SimpleAtoi(address.substr(colon + 1), &port) ||
      port < 0 || port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("metrics_listen must be host:port, got '", address, "'"));
  }
  std::string host = address.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty()) host = "0.0.0.0";

  auto impl = std::make_unique<Impl>();
  // A scrape every few seconds needs no more than a couple of threads.
  impl->server.new_task_queue = [] { return new httplib::ThreadPool(2); };
  Registry* registry = registry_;
  impl->server.Get("/metrics", [registry](const httplib::Request&, httplib::Response& response) {
    response.set_content(registry->Render(), "text/plain; version=0.0.4; charset=utf-8");
  });
  impl->server.Get("/healthz", [](const httplib::Request&, httplib::Response& response) {
    response.set_content("ok\n", "text/plain; charset=utf-8");
  });
  int bound = port;
  if (port == 0) {
    bound = impl->server.bind_to_any_port(host);
  } else if (!impl->server.bind_to_port(host, port)) {
    bound = -1;
  }
  if (bound <= 0) {
    return absl::UnavailableError(absl::StrCat("cannot serve metrics on ", address));
  }
  httplib::Server* server = &impl->server;
  impl->thread = std::thread([server] { server->listen_after_bind(); });
  // stop() only takes effect once the server runs: wait for it, so Stop never hangs.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!impl->server.is_running() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  port_ = bound;
  impl_ = std::move(impl);
  return absl::OkStatus();
}

void MetricsServer::Stop() {
  if (impl_ == nullptr) return;
  impl_->server.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
  impl_.reset();
}

}  // namespace sixsteps::metrics
