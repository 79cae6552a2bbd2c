#include "services/notification/webhook_sender.h"

#include <curl/curl.h>
#include <netdb.h>
#include <sys/socket.h>

#include <atomic>
#include <cstring>
#include <memory>
#include <thread>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "services/notification/webhook_domain.h"

namespace sixsteps::notification {
namespace {

constexpr size_t kMaxAnswerBytes = 64 * 1024;

struct Transfer {
  std::string body;
  bool allow_loopback = false;
  bool address_refused = false;
};

size_t KeepAnswer(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const size_t bytes = size * count;
  if (transfer->body.size() + bytes > kMaxAnswerBytes) return 0;  // stop reading
  transfer->body.append(data, bytes);
  return bytes;
}

// The last check: the address libcurl is about to connect to.
curl_socket_t OpenCheckedSocket(void* user, curlsocktype, curl_sockaddr* address) {
  auto* transfer = static_cast<Transfer*>(user);
  if (!IsAllowedWebhookAddress(&address->addr, transfer->allow_loopback)) {
    transfer->address_refused = true;
    return CURL_SOCKET_BAD;
  }
  return ::socket(address->family, address->socktype, address->protocol);
}

std::atomic<int> running_lookups{0};

// A lookup's answer, shared by the thread that resolves and the caller that waits for it.
struct PendingLookup {
  absl::Mutex mu;
  bool done ABSL_GUARDED_BY(mu) = false;
  absl::StatusOr<std::vector<ResolvedAddress>> found ABSL_GUARDED_BY(mu);
};

// The host's addresses, each checked; the one to pin ("" and `error` set if refused).
std::string ResolveChecked(const WebhookTarget& target, const WebhookHttpSettings& settings,
                           std::string* error) {
  absl::StatusOr<std::vector<ResolvedAddress>> found =
      ResolveWithin(settings.resolve, target.host, target.port, settings.resolve_timeout);
  if (!found.ok()) {
    *error = std::string(found.status().message());
    return "";
  }
  std::string pinned;
  for (const ResolvedAddress& a : *found) {
    const auto* address = reinterpret_cast<const sockaddr*>(&a.address);
    char text[NI_MAXHOST] = {0};
    ::getnameinfo(address, a.length, text, sizeof text, nullptr, 0, NI_NUMERICHOST);
    if (!IsAllowedWebhookAddress(address, settings.allow_loopback)) {
      *error = absl::StrCat("address refused: ", target.host, " resolves to ", text,
                            ", in a private, loopback, link-local or reserved network");
      return "";
    }
    if (pinned.empty())
      pinned = a.address.ss_family == AF_INET6 ? absl::StrCat("[", text, "]") : text;
  }
  if (pinned.empty()) *error = absl::StrCat(target.host, " has no address");
  return pinned;
}

}  // namespace

absl::StatusOr<std::vector<ResolvedAddress>> ResolveWithGetaddrinfo(const std::string& host,
                                                                    int port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (int rc = ::getaddrinfo(host.c_str(), absl::StrCat(port).c_str(), &hints, &found); rc != 0) {
    return absl::UnavailableError(absl::StrCat("cannot resolve ", host, ": ", ::gai_strerror(rc)));
  }
  std::vector<ResolvedAddress> addresses;
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    if (a->ai_addrlen > sizeof(sockaddr_storage)) continue;
    ResolvedAddress address;
    std::memcpy(&address.address, a->ai_addr, a->ai_addrlen);
    address.length = a->ai_addrlen;
    addresses.push_back(address);
  }
  ::freeaddrinfo(found);
  return addresses;
}

absl::StatusOr<std::vector<ResolvedAddress>> ResolveWithin(const HostResolver& resolve,
                                                           const std::string& host, int port,
                                                           absl::Duration limit) {
  if (running_lookups.fetch_add(1) >= kMaxRunningLookups) {
    running_lookups.fetch_sub(1);
    return absl::UnavailableError(
        absl::StrCat("cannot resolve ", host, ": ", kMaxRunningLookups,
                     " lookups are still waiting for the resolver (is the DNS server answering?)"));
  }
  auto pending = std::make_shared<PendingLookup>();
  std::thread([pending, resolve, host, port] {
    absl::StatusOr<std::vector<ResolvedAddress>> found = resolve(host, port);
    {
      absl::MutexLock lock(&pending->mu);
      pending->found = std::move(found);
      pending->done = true;
    }
    running_lookups.fetch_sub(1);
  }).detach();
  absl::MutexLock lock(&pending->mu);
  if (!pending->mu.AwaitWithTimeout(absl::Condition(&pending->done), limit)) {
    return absl::DeadlineExceededError(
        absl::StrCat("cannot resolve ", host, ": no answer within ", absl::FormatDuration(limit)));
  }
  return pending->found;
}

int RunningLookups() { return running_lookups.load(); }

WebhookHttpClient::WebhookHttpClient(WebhookHttpSettings settings)
    : settings_(std::move(settings)), curl_(curl_easy_init()) {}

WebhookHttpClient::~WebhookHttpClient() {
  if (curl_ != nullptr) curl_easy_cleanup(static_cast<CURL*>(curl_));
}

HttpAnswer WebhookHttpClient::Post(const std::string& url,
                                   const std::vector<std::pair<std::string, std::string>>& headers,
                                   const std::string& body) {
  HttpAnswer answer;
  const absl::Time start = absl::Now();
  auto finish = [&](std::string error) {
    answer.error = std::move(error);
    answer.latency = absl::Now() - start;
    return answer;
  };
  absl::StatusOr<WebhookTarget> target = ParseWebhookUrl(url, settings_.allow_loopback, "url");
  if (!target.ok()) return finish(std::string(target.status().message()));
  std::string refused;
  const std::string pinned = ResolveChecked(*target, settings_, &refused);
  if (pinned.empty()) return finish(refused);
  CURL* curl = static_cast<CURL*>(curl_);
  if (curl == nullptr) return finish("libcurl could not start");
  curl_easy_reset(curl);  // keeps the connection cache
  Transfer transfer;
  transfer.allow_loopback = settings_.allow_loopback;
  curl_slist* resolve = nullptr;
  resolve = curl_slist_append(resolve,
                              absl::StrCat(target->host, ":", target->port, ":", pinned).c_str());
  curl_slist* header_list = nullptr;
  header_list = curl_slist_append(header_list, "Content-Type: application/json");
  header_list = curl_slist_append(header_list, "Expect:");
  for (const auto& [name, value] : headers) {
    header_list = curl_slist_append(header_list, absl::StrCat(name, ": ", value).c_str());
  }
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, settings_.allow_loopback ? "http,https" : "https");
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(curl, CURLOPT_PROXY, "");
  curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_RESOLVE, resolve);
  curl_easy_setopt(curl, CURLOPT_OPENSOCKETFUNCTION, OpenCheckedSocket);
  curl_easy_setopt(curl, CURLOPT_OPENSOCKETDATA, &transfer);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, header_list);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "sixsteps-webhooks/1");
  curl_easy_setopt(curl, CURLOPT_POST, 1L);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, KeepAnswer);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &transfer);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(absl::ToInt64Milliseconds(settings_.connect_timeout)));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS,
                   static_cast<long>(absl::ToInt64Milliseconds(settings_.total_timeout)));
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!settings_.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, settings_.ca_file.c_str());
  char error[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
  const CURLcode rc = curl_easy_perform(curl);
  long code = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
  curl_slist_free_all(header_list);
  curl_slist_free_all(resolve);
  answer.code = static_cast<int>(code);
  answer.body = std::move(transfer.body);
  if (transfer.address_refused) return finish("address refused at connect");
  if (rc != CURLE_OK && !(rc == CURLE_WRITE_ERROR && code != 0)) {
    return finish(absl::StrCat(curl_easy_strerror(rc), error[0] ? ": " : "", error));
  }
  return finish("");
}

}  // namespace sixsteps::notification
