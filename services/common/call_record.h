// What the server records of every call it serves: one log line and the call's code and
// latency in metrics. Shared by the interceptor (synchronous methods and streams,
// server.cc) and the callback adapter (callback_rpc.h).
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <utility>

#include <grpcpp/support/status.h>
#include <nlohmann/json.hpp>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/common/log.h"
#include "services/common/metrics.h"

namespace sixsteps {

const char* StatusCodeName(grpc::StatusCode code);  // server.h

// The metrics series of one method, found once and kept: the per-call path then adds to
// them without taking a lock (see metrics::CounterSeries).
class MethodSeries {
 public:
  MethodSeries(std::pair<std::string, std::string> names, metrics::Counter* handled,
               metrics::Histogram* latency);

  void Record(grpc::StatusCode code, absl::Duration latency);

 private:
  static constexpr size_t kCodes = 17;  // OK … UNAUTHENTICATED
  const std::string service_;
  const std::string method_;
  metrics::Counter* handled_;
  metrics::HistogramSeries* latency_;
  std::atomic<metrics::CounterSeries*> by_code_[kCodes] = {};
};

// Every method's series, by path. Paths this binary does not know share one "unknown"
// entry, so that a client sending made-up paths cannot grow the map.
class MethodSeriesTable {
 public:
  MethodSeriesTable();
  MethodSeries* For(absl::string_view path);

 private:
  metrics::Counter* handled_;
  metrics::Histogram* latency_;
  MethodSeries unknown_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::unique_ptr<MethodSeries>> by_path_ ABSL_GUARDED_BY(mu_);
};

// The call's end: logs its line ("call": method, code, latency, request id, the trace's
// ids, the message of a failure) and records its code and latency. `trace` is anything
// with AddToLog(nlohmann::json&) (trace::Span, trace::ServerCallTrace).
template <typename Trace>
void RecordCallEnd(MethodSeries& series, absl::string_view path, const grpc::Status& status,
                   absl::Duration latency, const std::string& request_id, const Trace& trace) {
  nlohmann::json fields = {
      {"method", path},
      {"code", StatusCodeName(status.error_code())},
      {"latency_ms", absl::ToDoubleMilliseconds(latency)},
      {"request_id", request_id},
  };
  trace.AddToLog(fields);  // traces (H8)
  if (!status.ok()) fields["message"] = status.error_message();
  // Buffered: written out by the logger's own thread (see log.h).
  LogEvent("call", std::move(fields));
  series.Record(status.error_code(), latency);
}

}  // namespace sixsteps
