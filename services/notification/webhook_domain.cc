#include "services/notification/webhook_domain.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cstring>

#include "absl/random/distributions.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "services/base/make_status.h"

namespace sixsteps::notification {
namespace {

constexpr absl::string_view kSecretPrefix = "whsec_";
constexpr int kSecretBytes = 32;

bool InIpv4Block(uint32_t address, uint32_t block, int bits) {
  const uint32_t mask = bits == 0 ? 0 : ~uint32_t{0} << (32 - bits);
  return (address & mask) == (block & mask);
}

uint32_t Ipv4(int a, int b, int c, int d) {
  return (uint32_t(a) << 24) | (uint32_t(b) << 16) | (uint32_t(c) << 8) | uint32_t(d);
}

bool AllowedIpv4(uint32_t a, bool allow_loopback) {
  if (InIpv4Block(a, Ipv4(127, 0, 0, 0), 8)) return allow_loopback;
  static constexpr struct {
    int a, b, c, d, bits;
  } kRefused[] = {
      {0, 0, 0, 0, 8},       // "this network", unspecified
      {10, 0, 0, 0, 8},      // private
      {100, 64, 0, 0, 10},   // carrier-grade NAT
      {169, 254, 0, 0, 16},  // link-local (cloud metadata services)
      {172, 16, 0, 0, 12},   // private
      {192, 0, 0, 0, 24},    // IETF protocol assignments
      {192, 168, 0, 0, 16},  // private
      {198, 18, 0, 0, 15},   // benchmarking
      {224, 0, 0, 0, 4},     // multicast
      {240, 0, 0, 0, 4},     // reserved, broadcast
  };
  for (const auto& r : kRefused) {
    if (InIpv4Block(a, Ipv4(r.a, r.b, r.c, r.d), r.bits)) return false;
  }
  return true;
}

bool AllowedIpv6(const in6_addr& a, bool allow_loopback) {
  const uint8_t* b = a.s6_addr;
  if (IN6_IS_ADDR_V4MAPPED(&a) || IN6_IS_ADDR_V4COMPAT(&a)) {
    if (IN6_IS_ADDR_V4COMPAT(&a) && IN6_IS_ADDR_UNSPECIFIED(&a)) return false;
    return AllowedIpv4(Ipv4(b[12], b[13], b[14], b[15]), allow_loopback);
  }
  if (IN6_IS_ADDR_LOOPBACK(&a)) return allow_loopback;
  if (IN6_IS_ADDR_UNSPECIFIED(&a)) return false;
  if ((b[0] & 0xfe) == 0xfc) return false;                  // fc00::/7 unique local
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return false;  // fe80::/10 link-local
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0) return false;  // fec0::/10 site-local
  if (b[0] == 0xff) return false;                           // multicast
  if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b) return false;  // NAT64
  return true;
}

bool IsLoopbackName(absl::string_view host) {
  return absl::EqualsIgnoreCase(host, "localhost") || host == "127.0.0.1" || host == "::1";
}

}  // namespace

absl::StatusOr<std::string> NewWebhookSecret() {
  unsigned char bytes[kSecretBytes];
  if (RAND_bytes(bytes, sizeof bytes) != 1) {
    return absl::InternalError("the random generator failed to make a webhook secret");
  }
  return absl::StrCat(kSecretPrefix, absl::Base64Escape(absl::string_view(
                                         reinterpret_cast<char*>(bytes), sizeof bytes)));
}

absl::StatusOr<std::string> WebhookKey(absl::string_view secret) {
  std::string key;
  if (!absl::ConsumePrefix(&secret, kSecretPrefix) || !absl::Base64Unescape(secret, &key) ||
      key.size() < 24 || key.size() > 64) {
    return Invalid("secret", "not a whsec_ secret of 24 to 64 bytes");
  }
  return key;
}

absl::StatusOr<std::string> SignWebhook(absl::string_view secret, absl::string_view message_id,
                                        int64_t timestamp_seconds, absl::string_view body) {
  absl::StatusOr<std::string> key = WebhookKey(secret);
  if (!key.ok()) return key.status();
  const std::string signed_content = absl::StrCat(message_id, ".", timestamp_seconds, ".", body);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_length = 0;
  if (HMAC(EVP_sha256(), key->data(), static_cast<int>(key->size()),
           reinterpret_cast<const unsigned char*>(signed_content.data()), signed_content.size(),
           mac, &mac_length) == nullptr) {
    return absl::InternalError("HMAC-SHA256 failed");
  }
  return absl::StrCat(
      "v1,", absl::Base64Escape(absl::string_view(reinterpret_cast<char*>(mac), mac_length)));
}

bool IsIpLiteral(absl::string_view text) {
  std::string s(text);
  in_addr v4;
  in6_addr v6;
  return inet_pton(AF_INET, s.c_str(), &v4) == 1 || inet_pton(AF_INET6, s.c_str(), &v6) == 1;
}

bool IsAllowedWebhookAddressText(absl::string_view text, bool allow_loopback) {
  std::string s(text);
  in_addr v4;
  in6_addr v6;
  if (inet_pton(AF_INET, s.c_str(), &v4) == 1) {
    return AllowedIpv4(ntohl(v4.s_addr), allow_loopback);
  }
  if (inet_pton(AF_INET6, s.c_str(), &v6) == 1) return AllowedIpv6(v6, allow_loopback);
  return false;
}

bool IsAllowedWebhookAddress(const sockaddr* address, bool allow_loopback) {
  if (address == nullptr) return false;
  if (address->sa_family == AF_INET) {
    in_addr v4;
    std::memcpy(&v4, &reinterpret_cast<const sockaddr_in*>(address)->sin_addr, sizeof v4);
    return AllowedIpv4(ntohl(v4.s_addr), allow_loopback);
  }
  if (address->sa_family == AF_INET6) {
    in6_addr v6;
    std::memcpy(&v6, &reinterpret_cast<const sockaddr_in6*>(address)->sin6_addr, sizeof v6);
    return AllowedIpv6(v6, allow_loopback);
  }
  return false;
}

absl::StatusOr<WebhookTarget> ParseWebhookUrl(absl::string_view url, bool allow_loopback_http,
                                              absl::string_view field) {
  if (url.empty()) return Invalid(field, "is required");
  if (url.size() > kMaxWebhookUrlLength) {
    return Invalid(field, absl::StrCat("at most ", kMaxWebhookUrlLength, " characters"));
  }
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f ||
        static_cast<unsigned char>(c) >= 0x80) {
      return Invalid(field, "must not hold spaces, control or non-ASCII characters");
    }
  }
  WebhookTarget target;
  absl::string_view rest = url;
  if (absl::ConsumePrefix(&rest, "https://")) {
    target.https = true;
    target.port = 443;
  } else if (absl::ConsumePrefix(&rest, "http://")) {
    target.https = false;
    target.port = 80;
  } else {
    return Invalid(field, "must be an https:// URL");
  }
  absl::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  if (absl::StrContains(authority, '@')) {
    return Invalid(field, "must not carry a user name or password");
  }
  absl::string_view host = authority;
  absl::string_view port;
  if (absl::ConsumePrefix(&host, "[")) {
    size_t close = host.find(']');
    if (close == absl::string_view::npos) return Invalid(field, "has an unclosed '['");
    absl::string_view after = host.substr(close + 1);
    host = host.substr(0, close);
    if (!after.empty() && !absl::ConsumePrefix(&after, ":")) {
      return Invalid(field, "has something after the address");
    }
    port = after;
    if (!IsIpLiteral(host)) return Invalid(field, "has a bracketed host that is not IPv6");
  } else if (size_t colon = host.rfind(':'); colon != absl::string_view::npos) {
    port = host.substr(colon + 1);
    host = host.substr(0, colon);
  }
  if (host.empty()) return Invalid(field, "has no host");
  for (char c : host) {
    if (!absl::ascii_isalnum(c) && c != '.' && c != '-' && c != ':' && c != '_') {
      return Invalid(field, "has a host with a character no host name has");
    }
  }
  if (!port.empty()) {
    int number = 0;
    if (!absl::SimpleAtoi(port, &number) || number < 1 || number > 65535) {
      return Invalid(field, "has a port that is not 1 to 65535");
    }
    target.port = number;
  }
  target.host = absl::AsciiStrToLower(host);
  if (!target.https && !(allow_loopback_http && IsLoopbackName(target.host))) {
    return Invalid(field, allow_loopback_http
                              ? "must be an https:// URL (http only to a loopback address)"
                              : "must be an https:// URL");
  }
  const bool loopback_allowed = allow_loopback_http;
  if (IsIpLiteral(target.host) && !IsAllowedWebhookAddressText(target.host, loopback_allowed)) {
    return Invalid(field,
                   "names an address in a private, loopback, link-local or reserved network");
  }
  if (target.host == "localhost" && !loopback_allowed) {
    return Invalid(field, "names a loopback address");
  }
  return target;
}

absl::Duration WebhookRetryDelay(int failed_attempts, absl::BitGenRef random, absl::Duration base,
                                 absl::Duration cap) {
  absl::Duration ceiling = base;
  for (int i = 1; i < failed_attempts && ceiling < cap; ++i) ceiling *= 2;
  ceiling = std::min(ceiling, cap);
  const absl::Duration floor = absl::Seconds(1);
  if (ceiling <= floor) return floor;
  return absl::Milliseconds(absl::Uniform<int64_t>(random, absl::ToInt64Milliseconds(floor),
                                                   absl::ToInt64Milliseconds(ceiling) + 1));
}

std::string LoggableBody(absl::string_view body, size_t max_bytes) {
  std::string kept(body.substr(0, max_bytes));
  for (char& c : kept) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (!((u >= 0x20 && u < 0x7f) || c == '\t' || c == '\n' || c == '\r')) c = '?';
  }
  return kept;
}

AttemptDecision DecideAfterAttempt(bool delivered, absl::Time now, absl::Time event_time,
                                   absl::Time failing_since, int failed_attempts,
                                   absl::BitGenRef random) {
  AttemptDecision decision;
  if (delivered) {
    decision.state = "delivered";
    return decision;
  }
  decision.failing_since = failing_since == absl::InfinitePast() ? now : failing_since;
  decision.disable_subscription = now - decision.failing_since >= kWebhookRetryWindow;
  const absl::Time next = now + WebhookRetryDelay(failed_attempts, random);
  if (now - event_time >= kWebhookRetryWindow || decision.disable_subscription) {
    decision.state = "failed";
  } else {
    decision.state = "pending";
    // The last try falls at the end of the window, not after it.
    decision.next_attempt = std::min(next, event_time + kWebhookRetryWindow);
  }
  return decision;
}

}  // namespace sixsteps::notification
