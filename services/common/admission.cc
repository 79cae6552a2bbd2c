#include "services/common/admission.h"

#include <atomic>
#include <cstring>
#include <string>

#include <grpcpp/server_builder.h>
#include <grpcpp/server_context.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/common/metrics.h"

namespace sixsteps::admission {
namespace {

// The mark a shed call carries in its received metadata. A client cannot shed its own calls
// nor dodge the mark: whatever it sends under this key is removed first.
constexpr char kShedKey[] = "x-sixsteps-shed";
constexpr char kShedValue[] = "1";

// Every gate's admitted calls, for CallsInFlight and its gauge.
std::atomic<int> all_in_flight{0};

const metrics::Registration& InFlightGauge() {
  static const metrics::Registration* registration = new metrics::Registration(
      metrics::DefaultRegistry().AddCollector([](metrics::GaugeSink& sink) {
        sink.Set("grpc_server_calls_in_flight",
                 "Calls admitted by the servers' load shedding and not yet ended.", {},
                 all_in_flight.load(std::memory_order_relaxed));
      }));
  return *registration;
}

metrics::Counter& ShedCounter() {
  static metrics::Counter& counter = metrics::DefaultRegistry().AddCounter(
      "grpc_server_shed_total",
      "Calls refused with RESOURCE_EXHAUSTED because the server had its limit of calls in "
      "flight, by method.");
  return counter;
}

class AdmissionInterceptor : public grpc::experimental::Interceptor {
 public:
  AdmissionInterceptor(grpc::experimental::ServerRpcInfo* info, Gate& gate)
      : method_(info->method() != nullptr ? info->method() : ""), gate_(gate) {}

  ~AdmissionInterceptor() override {
    if (admitted_) gate_.Release();
  }

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    using grpc::experimental::InterceptionHookPoints;
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      Admit(methods->GetRecvInitialMetadata());
    }
    methods->Proceed();
  }

 private:
  void Admit(std::multimap<grpc::string_ref, grpc::string_ref>* metadata) {
    if (metadata == nullptr) return;
    metadata->erase(kShedKey);
    admitted_ = gate_.TryAdmit(method_);
    if (!admitted_) metadata->emplace(grpc::string_ref(kShedKey), grpc::string_ref(kShedValue));
  }

  std::string method_;
  Gate& gate_;
  bool admitted_ = false;
};

class AdmissionInterceptorFactory : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  AdmissionInterceptorFactory(std::shared_ptr<Gate> gate,
                              std::shared_ptr<const absl::flat_hash_set<std::string>> skipped)
      : gate_(std::move(gate)), skipped_(std::move(skipped)) {}

  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    // Health checks and reflection are neither counted nor shed. Nor are change-feed
    // watches: a WatchChanges stream is a reactor that holds no thread while it waits, is
    // bounded by its own limits (per principal and per server, up to 2,048), and lives for
    // hours; counted here, a few dozen open dashboards would shed every unary call.
    if (info->method() != nullptr && (absl::StartsWith(info->method(), "/grpc.health.") ||
                                      absl::StartsWith(info->method(), "/grpc.reflection.") ||
                                      absl::EndsWith(info->method(), "/WatchChanges") ||
                                      skipped_->contains(absl::string_view(info->method())))) {
      return nullptr;
    }
    return new AdmissionInterceptor(info, *gate_);
  }

 private:
  std::shared_ptr<Gate> gate_;
  std::shared_ptr<const absl::flat_hash_set<std::string>> skipped_;
};

}  // namespace

Gate::Gate(int limit) : limit_(limit) { InFlightGauge(); }

bool Gate::TryAdmit(absl::string_view method) {
  int before = in_flight_.fetch_add(1, std::memory_order_relaxed);
  if (before < limit_) {
    all_in_flight.fetch_add(1, std::memory_order_relaxed);
    return true;
  }
  in_flight_.fetch_sub(1, std::memory_order_relaxed);
  ShedCounter().Increment({{"method", std::string(method)}});
  return false;
}

void Gate::Release() {
  in_flight_.fetch_sub(1, std::memory_order_relaxed);
  all_in_flight.fetch_sub(1, std::memory_order_relaxed);
}

absl::Status ShedStatus() {
  return absl::ResourceExhaustedError(
      "the server has its limit of calls in flight; retry with backoff");
}

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> InterceptorFactory(
    std::shared_ptr<Gate> gate, std::shared_ptr<const absl::flat_hash_set<std::string>> skipped) {
  return std::make_unique<AdmissionInterceptorFactory>(std::move(gate), std::move(skipped));
}

int CallsInFlight() { return all_in_flight.load(std::memory_order_relaxed); }

void ApplyTransportLimits(grpc::ServerBuilder& builder) {
  builder.AddChannelArgument(GRPC_ARG_MAX_METADATA_SIZE, kMaxMetadataBytes);
  builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS, kMaxConcurrentStreamsPerConnection);
}

absl::Status ShedRefusal(const grpc::ServerContextBase& context) {
  const auto& metadata = context.client_metadata();
  if (metadata.find(kShedKey) == metadata.end()) return absl::OkStatus();
  return ShedStatus();
}

}  // namespace sixsteps::admission
