// One webhook POST over libcurl, hardened against server-side request forgery: https only
// (http to loopback only when the operator allows it for tests), no redirect followed, no
// proxy, the host resolved here and every address it resolves to checked
// (IsAllowedWebhookAddress) and then pinned for libcurl (CURLOPT_RESOLVE), and the address
// libcurl finally connects to checked again (CURLOPT_OPENSOCKETFUNCTION), so a name that
// resolves differently a moment later cannot reach an internal address. The lookup has its
// own time limit (getaddrinfo has none: a resolver that does not answer would hold the
// delivery worker for as long as /etc/resolv.conf's retries last, an NSS module for ever),
// then connect and total timeouts; at most 64 KiB of the answer is read.
#pragma once

#include <sys/socket.h>

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

#include "absl/time/time.h"

namespace sixsteps::notification {

// One address a host name resolved to.
struct ResolvedAddress {
  sockaddr_storage address{};
  socklen_t length = 0;
};

// Resolves a host name (and port) to its addresses: getaddrinfo by default.
using HostResolver =
    std::function<absl::StatusOr<std::vector<ResolvedAddress>>(const std::string& host, int port)>;
absl::StatusOr<std::vector<ResolvedAddress>> ResolveWithGetaddrinfo(const std::string& host,
                                                                    int port);

// `resolve(host, port)` on a thread of its own, waited for at most `limit`: past it the answer
// is DEADLINE_EXCEEDED and the lookup is left to finish by itself (its thread ends when the
// resolver answers). At most kMaxRunningLookups run at once in the process, so that a
// resolver that never answers cannot pile up threads: beyond that a lookup is UNAVAILABLE
// at once.
inline constexpr int kMaxRunningLookups = 64;
absl::StatusOr<std::vector<ResolvedAddress>> ResolveWithin(const HostResolver& resolve,
                                                           const std::string& host, int port,
                                                           absl::Duration limit);
// Lookups started by ResolveWithin that have not finished yet (tests).
int RunningLookups();

struct WebhookHttpSettings {
  // http:// to loopback, and loopback addresses at all: tests only
  // (--webhook_allow_loopback_http, SIXSTEPS_WEBHOOK_ALLOW_LOOPBACK_HTTP).
  bool allow_loopback = false;
  // A PEM bundle to verify receivers with (the system's by default).
  std::string ca_file;
  // The host name's lookup, before connect_timeout starts (ResolveWithin).
  absl::Duration resolve_timeout = absl::Seconds(5);
  HostResolver resolve = ResolveWithGetaddrinfo;
  absl::Duration connect_timeout = absl::Seconds(5);
  absl::Duration total_timeout = absl::Seconds(15);
};

struct HttpAnswer {
  // The HTTP status; 0 if there was no answer.
  int code = 0;
  // The start of the answer's body.
  std::string body;
  // Why there was no answer (empty if there was one).
  std::string error;
  absl::Duration latency;
};

// One client per delivery worker: it keeps its connections open between deliveries.
class WebhookHttpClient {
 public:
  explicit WebhookHttpClient(WebhookHttpSettings settings);
  ~WebhookHttpClient();
  WebhookHttpClient(const WebhookHttpClient&) = delete;
  WebhookHttpClient& operator=(const WebhookHttpClient&) = delete;

  HttpAnswer Post(const std::string& url,
                  const std::vector<std::pair<std::string, std::string>>& headers,
                  const std::string& body);

 private:
  const WebhookHttpSettings settings_;
  void* curl_;
};

}  // namespace sixsteps::notification
