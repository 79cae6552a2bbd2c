#include "services/common/trace_context.h"

#include <cstdio>
#include <random>

#include <grpcpp/server_context.h>

#include "absl/strings/str_cat.h"

namespace sixsteps::trace {
namespace {

constexpr size_t kTraceIdLength = 32;
constexpr size_t kSpanIdLength = 16;
// "00-" + 32 + "-" + 16 + "-" + 2.
constexpr size_t kVersion00Length = 55;

bool IsLowerHex(absl::string_view text) {
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool AllZero(absl::string_view text) { return text.find_first_not_of('0') == text.npos; }

int HexValue(char c) { return c <= '9' ? c - '0' : c - 'a' + 10; }

std::string RandomHex(size_t digits) {
  thread_local std::mt19937_64 generator(std::random_device{}());
  std::string text;
  while (text.size() < digits) {
    char chunk[17];
    std::snprintf(chunk, sizeof(chunk), "%016llx", static_cast<unsigned long long>(generator()));
    text += chunk;
  }
  text.resize(digits);
  // An all-zero id is invalid; 2^-64 odds, but a valid id costs nothing.
  if (AllZero(text)) text.back() = '1';
  return text;
}

// Adds a new trace's header to every outgoing call that has none.
class ClientTraceInterceptor : public grpc::experimental::Interceptor {
 public:
  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::PRE_SEND_INITIAL_METADATA)) {
      std::multimap<std::string, std::string>* metadata = methods->GetSendInitialMetadata();
      if (metadata != nullptr && metadata->find(kTraceparentKey) == metadata->end()) {
        metadata->emplace(kTraceparentKey, StartSpan(std::nullopt).ChildTraceparent());
      }
    }
    methods->Proceed();
  }
};

class ClientTraceInterceptorFactory : public grpc::experimental::ClientInterceptorFactoryInterface {
 public:
  grpc::experimental::Interceptor* CreateClientInterceptor(
      grpc::experimental::ClientRpcInfo*) override {
    return new ClientTraceInterceptor();
  }
};

}  // namespace

std::optional<Traceparent> ParseTraceparent(absl::string_view header) {
  if (header.size() < kVersion00Length) return std::nullopt;
  absl::string_view version = header.substr(0, 2);
  if (!IsLowerHex(version) || version == "ff") return std::nullopt;
  if (version == "00" ? header.size() != kVersion00Length
                      : header.size() > kVersion00Length && header[kVersion00Length] != '-') {
    return std::nullopt;
  }
  if (header[2] != '-' || header[35] != '-' || header[52] != '-') return std::nullopt;
  absl::string_view trace_id = header.substr(3, kTraceIdLength);
  absl::string_view parent_id = header.substr(36, kSpanIdLength);
  absl::string_view flags = header.substr(53, 2);
  if (!IsLowerHex(trace_id) || !IsLowerHex(parent_id) || !IsLowerHex(flags)) return std::nullopt;
  if (AllZero(trace_id) || AllZero(parent_id)) return std::nullopt;
  return Traceparent{std::string(trace_id), std::string(parent_id),
                     static_cast<uint8_t>(HexValue(flags[0]) * 16 + HexValue(flags[1]))};
}

std::string FormatTraceparent(const Traceparent& traceparent) {
  char flags[3];
  std::snprintf(flags, sizeof(flags), "%02x", traceparent.flags);
  return absl::StrCat("00-", traceparent.trace_id, "-", traceparent.parent_id, "-", flags);
}

std::string NewTraceId() { return RandomHex(kTraceIdLength); }
std::string NewSpanId() { return RandomHex(kSpanIdLength); }

std::string Span::ChildTraceparent() const { return FormatTraceparent({trace_id, span_id, flags}); }

void Span::AddToLog(nlohmann::json& fields) const {
  fields["trace_id"] = trace_id;
  fields["span_id"] = span_id;
  if (!parent_span_id.empty()) fields["parent_span_id"] = parent_span_id;
}

Span StartSpan(std::optional<absl::string_view> header) {
  std::optional<Traceparent> incoming;
  if (header.has_value()) incoming = ParseTraceparent(*header);
  if (!incoming.has_value()) return Span{NewTraceId(), NewSpanId(), "", 0};
  return Span{incoming->trace_id, NewSpanId(), incoming->parent_id, incoming->flags};
}

void ServerCallTrace::Start(std::multimap<grpc::string_ref, grpc::string_ref>* metadata) {
  if (metadata == nullptr) return;
  std::optional<absl::string_view> header;
  auto found = metadata->find(kTraceparentKey);
  if (found != metadata->end())
    header = absl::string_view(found->second.data(), found->second.size());
  span_ = StartSpan(header);
  child_ = span_.ChildTraceparent();
  metadata->erase(kTraceparentKey);
  metadata->emplace(grpc::string_ref(kTraceparentKey),
                    grpc::string_ref(child_.data(), child_.size()));
}

std::string TraceparentFor(const grpc::ServerContext& context) {
  const auto& metadata = context.client_metadata();
  auto found = metadata.find(kTraceparentKey);
  if (found == metadata.end()) return "";
  return std::string(found->second.data(), found->second.size());
}

std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>
NewClientTraceInterceptorFactory() {
  return std::make_unique<ClientTraceInterceptorFactory>();
}

}  // namespace sixsteps::trace
