// The parts of webhooks that are plain functions: the secret, the Standard Webhooks
// signature, the checks of a target URL and of the addresses it resolves to (SSRF), and
// the retry schedule. No I/O here except the random bytes of a secret, so each is a unit
// test (tests/unit/notification_webhook_test.cc).
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <string>

#include "absl/random/bit_gen_ref.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace sixsteps::notification {

// The longest URL a subscription may have.
inline constexpr int kMaxWebhookUrlLength = 2048;

// "whsec_" and the base64 of 32 bytes from OpenSSL's RAND_bytes; INTERNAL if the random
// generator fails.
absl::StatusOr<std::string> NewWebhookSecret();

// The key a "whsec_<base64>" secret stands for; INVALID_ARGUMENT if it is not one (or its
// key is not 24 to 64 bytes).
absl::StatusOr<std::string> WebhookKey(absl::string_view secret);

// The webhook-signature header's value: "v1," and the base64 of
// HMAC-SHA256(key, "{message_id}.{timestamp}.{body}") (Standard Webhooks).
absl::StatusOr<std::string> SignWebhook(absl::string_view secret, absl::string_view message_id,
                                        int64_t timestamp_seconds, absl::string_view body);

// A target URL taken apart.
struct WebhookTarget {
  bool https = true;
  std::string host;  // without the brackets of an IPv6 literal
  int port = 443;
};

// Parses and checks a subscription's URL: https (http only if `allow_loopback_http` and the
// host is a loopback literal or "localhost"), a host, an optional port, no user name or
// password, no spaces or control characters, at most kMaxWebhookUrlLength characters; a host
// written as an IP address must be one deliveries may go to (IsAllowedWebhookAddress).
// INVALID_ARGUMENT naming `field` otherwise.
absl::StatusOr<WebhookTarget> ParseWebhookUrl(absl::string_view url, bool allow_loopback_http,
                                              absl::string_view field = "webhook.url");

// Whether a delivery may connect to `address`: never to a private (10/8, 172.16/12,
// 192.168/16, 100.64/10, fc00::/7), link-local (169.254/16, fe80::/10), unspecified,
// multicast, broadcast or reserved address (IPv4-mapped IPv6 judged as IPv4); a loopback
// one (127/8, ::1) only if `allow_loopback`.
bool IsAllowedWebhookAddress(const sockaddr* address, bool allow_loopback);
// The same for an address written as text; false if it is not an IP address.
bool IsAllowedWebhookAddressText(absl::string_view text, bool allow_loopback);
// Whether `text` is an IP address (v4 or v6) rather than a name.
bool IsIpLiteral(absl::string_view text);

// The wait before the next attempt after `failed_attempts` failures: exponential backoff
// with full jitter, uniform in [1 s, min(cap, base * 2^(failed_attempts-1))].
absl::Duration WebhookRetryDelay(int failed_attempts, absl::BitGenRef random,
                                 absl::Duration base = absl::Seconds(10),
                                 absl::Duration cap = absl::Hours(1));

// Deliveries are retried for this long after the event; a subscription failing this long
// without a success is disabled.
inline constexpr absl::Duration kWebhookRetryWindow = absl::Hours(24);

// At most `max_bytes` of `body`, with every byte that is not printable ASCII, a tab or a
// line break replaced by '?': what the delivery log keeps of an answer (valid UTF-8 always).
std::string LoggableBody(absl::string_view body, size_t max_bytes = 512);

// What one attempt's outcome does to its delivery and its subscription.
struct AttemptDecision {
  // "delivered", "pending" (tried again at next_attempt) or "failed" (given up).
  std::string state;
  absl::Time next_attempt = absl::InfinitePast();
  // The subscription's failing_since after it: InfinitePast() after a success.
  absl::Time failing_since = absl::InfinitePast();
  // The subscription has failed for kWebhookRetryWindow: disable it and tell its owners.
  bool disable_subscription = false;
};
// `event_time`: when the delivery was kept; `failing_since`: the subscription's, or
// InfinitePast() if its last attempt succeeded; `failed_attempts`: this delivery's
// failures so far, this one included.
AttemptDecision DecideAfterAttempt(bool delivered, absl::Time now, absl::Time event_time,
                                   absl::Time failing_since, int failed_attempts,
                                   absl::BitGenRef random);

}  // namespace sixsteps::notification
