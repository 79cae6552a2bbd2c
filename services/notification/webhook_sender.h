// One webhook POST over libcurl, hardened against server-side request forgery: https only
// (http to loopback only when the operator allows it for tests), no redirect followed, no
// proxy, the host resolved here and every address it resolves to checked
// (IsAllowedWebhookAddress) and then pinned for libcurl (CURLOPT_RESOLVE), and the address
// libcurl finally connects to checked again (CURLOPT_OPENSOCKETFUNCTION), so a name that
// resolves differently a moment later cannot reach an internal address. Connect and total
// timeouts; at most 64 KiB of the answer is read.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"

namespace sixsteps::notification {

struct WebhookHttpSettings {
  // http:// to loopback, and loopback addresses at all: tests only
  // (--webhook_allow_loopback_http, SIXSTEPS_WEBHOOK_ALLOW_LOOPBACK_HTTP).
  bool allow_loopback = false;
  // A PEM bundle to verify receivers with (the system's by default).
  std::string ca_file;
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
