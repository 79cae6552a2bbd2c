// Load shedding and the transport's explicit limits (issue 19, "Overload").
//
// Past a configured number of calls in flight on one server, a further call is refused at
// once with RESOURCE_EXHAUSTED instead of waiting for a thread: a client sees the overload
// in microseconds and can back off or go elsewhere, and the calls already admitted keep
// their latency. Health checks are never counted nor shed (an overloaded server is still
// alive and SERVING: killing it would only move its load elsewhere).
//
// How: each server has a Gate counting its calls (a slot taken when the call arrives, given
// back when it ends, streams included). The methods served on gRPC's callback API
// (SIXSTEPS_RPC, callback_rpc.h) are admitted by the adapter itself: a call over the limit
// is answered RESOURCE_EXHAUSTED on gRPC's thread, before its handler is queued. For the
// others a server interceptor takes the slot and marks a call over the limit in its
// received metadata; authenticating the call (auth::TokenVerifier::Authenticate, the first
// thing every authenticated RPC does) checks ShedRefusal first and fails with it, so the
// handler never runs. gRPC's server interceptors cannot end a call themselves, hence the
// mark. Calls that need no token (signing in) are counted, not shed.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include <grpcpp/support/server_interceptor.h>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/string_view.h"

#include "absl/status/status.h"

namespace grpc {
class ServerBuilder;
class ServerContextBase;
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

// The calls in flight of one server, and its limit: shared by the interceptor (synchronous
// methods and streams) and the callback adapter (callback_rpc.h), which admits its calls
// itself and refuses one past the limit at once, before its handler is queued.
class Gate {
 public:
  explicit Gate(int limit);
  // Takes a slot; false (and the call counted as shed for `method`) at the limit.
  bool TryAdmit(absl::string_view method);
  // Gives back a slot TryAdmit took.
  void Release();

 private:
  const int limit_;
  std::atomic<int> in_flight_{0};
};

// The RESOURCE_EXHAUSTED status a shed call gets.
absl::Status ShedStatus();

// The interceptor factory of one server whose calls pass through `gate`, except those of
// `skipped` (method paths admitted by the callback adapter). Registered by
// RunningServer::Start when the server has a limit.
std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> InterceptorFactory(
    std::shared_ptr<Gate> gate, std::shared_ptr<const absl::flat_hash_set<std::string>> skipped);

// Sets the transport limits above on a server being built.
void ApplyTransportLimits(grpc::ServerBuilder& builder);

// The calls admitted and not yet ended, on every server of this process that has a limit
// (also exported as the gauge grpc_server_calls_in_flight): back to the open streams' count
// once a burst is over, for tests that look for calls left hanging.
int CallsInFlight();

// RESOURCE_EXHAUSTED if the call was shed by its server's interceptor, else OK.
absl::Status ShedRefusal(const grpc::ServerContextBase& context);

}  // namespace sixsteps::admission
