// The webhook sender's lookup of the receiver's host has its own time limit
// (services/notification/webhook_sender.h ResolveWithin): getaddrinfo has none, so a resolver
// that does not answer held a delivery worker before libcurl's timeouts even started. The
// resolver here hangs until the test lets it go.
#include <arpa/inet.h>
#include <netinet/in.h>

#include <atomic>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "services/notification/webhook_sender.h"
#include "tests/support/status_matchers.h"

namespace sixsteps::notification {
namespace {

using ::sixsteps::testing::StatusIs;
using ::testing::HasSubstr;

// A resolver that blocks until `release` is notified, counting its calls and returns.
struct HangingResolver {
  std::shared_ptr<absl::Notification> release = std::make_shared<absl::Notification>();
  std::shared_ptr<std::atomic<int>> calls = std::make_shared<std::atomic<int>>(0);
  std::shared_ptr<std::atomic<int>> returned = std::make_shared<std::atomic<int>>(0);

  HostResolver Resolver() const {
    return [release = release, calls = calls, returned = returned](const std::string&, int) {
      calls->fetch_add(1);
      release->WaitForNotification();
      returned->fetch_add(1);
      return absl::StatusOr<std::vector<ResolvedAddress>>(absl::UnavailableError("released"));
    };
  }
};

// Waits until every lookup thread has ended, so that the next test starts with none.
void WaitForLookupsToEnd() {
  while (RunningLookups() > 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
}

ResolvedAddress Loopback(int port) {
  ResolvedAddress address;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&address.address);
  v4->sin_family = AF_INET;
  v4->sin_port = htons(static_cast<uint16_t>(port));
  v4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.length = sizeof(sockaddr_in);
  return address;
}

TEST(WebhookResolveTest, AnAnswerWithinTheLimitIsReturned) {
  HostResolver answers = [](const std::string& host, int port) {
    EXPECT_EQ(host, "hooks.example.org");
    return absl::StatusOr<std::vector<ResolvedAddress>>(std::vector{Loopback(port)});
  };
  absl::StatusOr<std::vector<ResolvedAddress>> found =
      ResolveWithin(answers, "hooks.example.org", 443, absl::Seconds(30));
  ASSERT_TRUE(found.ok()) << found.status();
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ(found->front().address.ss_family, AF_INET);
  WaitForLookupsToEnd();
}

TEST(WebhookResolveTest, GetaddrinfoResolvesANumericAddress) {
  absl::StatusOr<std::vector<ResolvedAddress>> found = ResolveWithGetaddrinfo("127.0.0.1", 8443);
  ASSERT_TRUE(found.ok()) << found.status();
  ASSERT_FALSE(found->empty());
  const auto* v4 = reinterpret_cast<const sockaddr_in*>(&found->front().address);
  EXPECT_EQ(v4->sin_family, AF_INET);
  EXPECT_EQ(ntohs(v4->sin_port), 8443);
}

TEST(WebhookResolveTest, AResolverThatHangsDoesNotHoldTheDelivery) {
  HangingResolver hanging;
  WebhookHttpSettings settings;
  settings.resolve = hanging.Resolver();
  settings.resolve_timeout = absl::Milliseconds(50);
  WebhookHttpClient client(settings);
  HttpAnswer answer = client.Post("https://hooks.example.org/sixsteps", {}, "{}");
  // The post has ended while the resolver still hangs: nothing waited for it.
  EXPECT_EQ(hanging.returned->load(), 0);
  EXPECT_EQ(answer.code, 0);
  EXPECT_THAT(answer.error, HasSubstr("cannot resolve hooks.example.org: no answer within"));
  hanging.release->Notify();
  WaitForLookupsToEnd();
  EXPECT_EQ(hanging.calls->load(), 1);
  EXPECT_EQ(hanging.returned->load(), 1);
}

TEST(WebhookResolveTest, LookupsThatHangAreBoundedInNumber) {
  HangingResolver hanging;
  const HostResolver resolve = hanging.Resolver();
  for (int i = 0; i < kMaxRunningLookups; ++i) {
    EXPECT_THAT(ResolveWithin(resolve, "hooks.example.org", 443, absl::Milliseconds(1)),
                StatusIs(absl::StatusCode::kDeadlineExceeded, "no answer within"));
  }
  // Every thread is still waiting for the resolver: the next lookup is refused without one.
  EXPECT_THAT(ResolveWithin(resolve, "hooks.example.org", 443, absl::Seconds(30)),
              StatusIs(absl::StatusCode::kUnavailable, "lookups are still waiting"));
  hanging.release->Notify();
  WaitForLookupsToEnd();
  EXPECT_EQ(hanging.calls->load(), kMaxRunningLookups);
  EXPECT_EQ(hanging.returned->load(), kMaxRunningLookups);
}

}  // namespace
}  // namespace sixsteps::notification
