// Load shedding and the transport's explicit limits (issue 19, "Overload").
//
// Past a configured number of calls in flight on one server, a further call is refused at
// once with RESOURCE_EXHAUSTED instead of waiting for a thread: a client sees the overload
// in microseconds and can back off or go elsewhere, and the calls already admitted keep
// their latency. Health checks are never counted nor shed (an overloaded server is still
// alive and SERVING: killing it would only move its load elsewhere).
//
// How: a server interceptor counts the calls of its server (a slot taken when the call's
// metadata arrives, given back when the call ends, streams included) and marks a call over
// the limit in its received metadata; authenticating the call (auth::TokenVerifier::
// Authenticate, the first thing every authenticated RPC does) checks ShedRefusal first and
// fails with it, so the handler never runs. gRPC's server interceptors cannot end a call
// themselves, hence the mark. Calls that need no token (signing in) are counted, not shed.
#pragma once

#include <memory>

#include <grpcpp/support/server_interceptor.h>

#include "absl/status/status.h"

namespace grpc {
class ServerBuilder;
class ServerContext;
}  // namespace grpc

namespace sixsteps::admission {

// The most metadata (headers) a client may send with one call, in bytes: an access token and
// a request id take under 2 KiB. gRPC's own default (8 KiB) is replaced by this one, so that
// the limit is ours and written down. A call over it is refused before any handler runs.
inline constexpr int kMaxMetadataBytes = 16 * 1024;
// The most calls one connection (one HTTP/2 client channel) may have open at once; further
// ones wait in the client until one ends. gRPC's default is unlimited. It exceeds the default
// calls-in-flight limit so that one channel can still reach the shedding threshold.
inline constexpr int kMaxConcurrentStreamsPerConnection = 128;

// The interceptor factory of one server: at most `max_calls_in_flight` of its calls in
// flight (0: no limit). Registered by RunningServer::Start.
std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> InterceptorFactory(
    int max_calls_in_flight);

// Sets the transport limits above on a server being built.
void ApplyTransportLimits(grpc::ServerBuilder& builder);

// The calls admitted and not yet ended, on every server of this process that has a limit
// (also exported as the gauge grpc_server_calls_in_flight): back to the open streams' count
// once a burst is over, for tests that look for calls left hanging.
int CallsInFlight();

// RESOURCE_EXHAUSTED if the call was shed by its server's interceptor, else OK.
absl::Status ShedRefusal(const grpc::ServerContext& context);

}  // namespace sixsteps::admission
