// W3C Trace Context (https://www.w3.org/TR/trace-context/): the `traceparent` header that
// lets an operator follow one request through identity, assessment and reporting by its
// trace id in the log lines. Written by hand (no OpenTelemetry library is packaged for
// Debian 12); only `traceparent` is handled, `tracestate` is neither read nor sent.
//
// Each call a service serves is one span: it keeps the trace id of a valid incoming
// header (its parent-id becomes the span's parent), or starts a new trace when there is
// none or it is invalid, and always gets a new span id. Calls the service makes on the
// caller's behalf send `00-{trace id}-{this span id}-{flags}` on, so the next service's
// span is a child of this one. Calls made for no caller (the feed consumer, the
// notification follower, key refreshes) start a trace of their own.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include <grpcpp/support/client_interceptor.h>
#include <grpcpp/support/string_ref.h>
#include <nlohmann/json.hpp>

#include "absl/strings/string_view.h"

namespace grpc {
class ServerContext;
}  // namespace grpc

namespace sixsteps::trace {

// The gRPC metadata key and HTTP header (both lower case on the wire for gRPC).
inline constexpr char kTraceparentKey[] = "traceparent";

// What a valid `traceparent` says.
struct Traceparent {
  std::string trace_id;   // 32 lowercase hex digits, not all zero
  std::string parent_id;  // 16 lowercase hex digits, not all zero
  uint8_t flags = 0;      // bit 0: sampled
};

// Parses a `traceparent` value. Version 00 must be exactly 55 characters; a later version
// (not ff) may carry more after a '-', which is ignored, as the specification asks.
// Upper-case hex, all-zero ids, version ff or a wrong length give nullopt.
std::optional<Traceparent> ParseTraceparent(absl::string_view header);

// "00-{trace_id}-{parent_id}-{flags as two hex digits}".
std::string FormatTraceparent(const Traceparent& traceparent);

// Fresh random ids (never all zero).
std::string NewTraceId();
std::string NewSpanId();

// One span: a served call or an HTTP request.
struct Span {
  std::string trace_id;
  std::string span_id;
  std::string parent_span_id;  // empty when this span started the trace
  uint8_t flags = 0;

  // What to send on a call made within this span: this span as the parent.
  std::string ChildTraceparent() const;
  // Adds trace_id, span_id (and parent_span_id when there is one) to a log line.
  void AddToLog(nlohmann::json& fields) const;
};

// The span for a call that arrived with `header` (nullopt or an invalid value starts a new
// trace).
Span StartSpan(std::optional<absl::string_view> header);

// The server interceptor's part (server.cc): on receiving a call's metadata, starts the
// call's span and puts the span's ChildTraceparent() in the received metadata in place of
// the client's header, so that TraceparentFor(context) is what the handler sends on. The
// metadata holds string_refs to this object's member, which lives as long as the call.
class ServerCallTrace {
 public:
  void Start(std::multimap<grpc::string_ref, grpc::string_ref>* metadata);
  void AddToLog(nlohmann::json& fields) const { span_.AddToLog(fields); }

 private:
  Span span_;
  std::string child_;
};

// The `traceparent` to send on calls made on behalf of the call being served; empty outside
// a RunningServer (a handler called directly in a unit test).
std::string TraceparentFor(const grpc::ServerContext& context);

// A client interceptor (DialService's channels) that gives every outgoing call a
// `traceparent`: the one the caller added to the context (a call on someone's behalf), or
// else one that starts a new trace.
std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>
NewClientTraceInterceptorFactory();

}  // namespace sixsteps::trace
