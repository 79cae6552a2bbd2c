#include "services/common/call_record.h"

#include <google/protobuf/descriptor.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace sixsteps {
namespace {

// "/sixsteps.identity.v1.IdentityService/GetPartnership" → {service, method}. A method
// this binary does not know (a client may send any path) is "unknown", so that clients
// cannot add series at will.
std::pair<std::string, std::string> SplitMethod(absl::string_view path) {
  if (absl::StartsWith(path, "/")) {
    path.remove_prefix(1);
    size_t slash = path.find('/');
    if (slash != absl::string_view::npos && slash > 0 && slash + 1 < path.size() &&
        path.find('/', slash + 1) == absl::string_view::npos) {
      std::string service(path.substr(0, slash));
      std::string method(path.substr(slash + 1));
      if (google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(
              absl::StrCat(service, ".", method)) != nullptr) {
        return {std::move(service), std::move(method)};
      }
    }
  }
  return {"unknown", "unknown"};
}

}  // namespace

MethodSeries::MethodSeries(std::pair<std::string, std::string> names, metrics::Counter* handled,
                           metrics::Histogram* latency)
    : service_(std::move(names.first)),
      method_(std::move(names.second)),
      handled_(handled),
      latency_(&latency->Series({{"service", service_}, {"method", method_}})) {}

void MethodSeries::Record(grpc::StatusCode code, absl::Duration latency) {
  latency_->Observe(absl::ToDoubleSeconds(latency));
  const size_t index = static_cast<size_t>(code) < kCodes ? static_cast<size_t>(code) : 2;
  metrics::CounterSeries* series = by_code_[index].load(std::memory_order_acquire);
  if (series == nullptr) {
    // Racing threads get the same series from the counter; either may store it.
    series = &handled_->Series(
        {{"service", service_}, {"method", method_}, {"code", StatusCodeName(code)}});
    by_code_[index].store(series, std::memory_order_release);
  }
  series->Add();
}

MethodSeriesTable::MethodSeriesTable()
    : handled_(&metrics::DefaultRegistry().AddCounter(
          "grpc_server_handled_total",
          "RPCs completed on the server, by service, method and status code.")),
      latency_(&metrics::DefaultRegistry().AddHistogram(
          "grpc_server_handling_seconds",
          "Time from the start of an RPC to its status being sent, in seconds.")),
      unknown_({"unknown", "unknown"}, handled_, latency_) {}

MethodSeries* MethodSeriesTable::For(absl::string_view path) {
  {
    absl::ReaderMutexLock lock(&mu_);
    auto found = by_path_.find(path);
    if (found != by_path_.end()) return found->second.get();
  }
  std::pair<std::string, std::string> names = SplitMethod(path);
  if (names.first == "unknown") return &unknown_;
  absl::MutexLock lock(&mu_);
  std::unique_ptr<MethodSeries>& entry = by_path_[path];
  if (entry == nullptr)
    entry = std::make_unique<MethodSeries>(std::move(names), handled_, latency_);
  return entry.get();
}

}  // namespace sixsteps
