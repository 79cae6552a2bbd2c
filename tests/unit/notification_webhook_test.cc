// The plain parts of webhooks: the Standard Webhooks signature against the specification's
// published vector, secrets, the target URL and address checks (SSRF), the retry schedule,
// the decision after an attempt, and the events of feed changes and calendar days.
#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "absl/random/random.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "services/notification/webhook_domain.h"
#include "services/notification/webhook_events.h"
#include "tests/support/status_matchers.h"

namespace sixsteps::notification {
namespace {

using ::sixsteps::testing::IsOk;
using ::sixsteps::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

TEST(WebhookSignatureTest, MatchesTheStandardWebhooksSpecificationVector) {
  // The vector the Standard Webhooks reference libraries test against.
  absl::StatusOr<std::string> signature =
      SignWebhook("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek",
                  1614265330, R"({"test": 2432232314})");
  ASSERT_THAT(signature, IsOk());
  EXPECT_EQ(*signature, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
}

TEST(WebhookSignatureTest, ChangesWithEveryPartSigned) {
  const std::string secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  const std::string base = *SignWebhook(secret, "msg_1", 100, "{}");
  EXPECT_NE(*SignWebhook(secret, "msg_2", 100, "{}"), base);
  EXPECT_NE(*SignWebhook(secret, "msg_1", 101, "{}"), base);
  EXPECT_NE(*SignWebhook(secret, "msg_1", 100, "{ }"), base);
}

TEST(WebhookSignatureTest, RefusesWhatIsNotASecret) {
  EXPECT_THAT(SignWebhook("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "m", 1, ""),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(SignWebhook("whsec_c2hvcnQ=", "m", 1, ""),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(WebhookSecretTest, IsWhsecAndThirtyTwoRandomBytes) {
  absl::StatusOr<std::string> one = NewWebhookSecret();
  absl::StatusOr<std::string> two = NewWebhookSecret();
  ASSERT_THAT(one, IsOk());
  ASSERT_THAT(two, IsOk());
  EXPECT_TRUE(absl::StartsWith(*one, "whsec_"));
  EXPECT_NE(*one, *two);
  absl::StatusOr<std::string> key = WebhookKey(*one);
  ASSERT_THAT(key, IsOk());
  EXPECT_EQ(key->size(), 32u);
}

TEST(WebhookUrlTest, TakesHttpsWithHostAndPort) {
  absl::StatusOr<WebhookTarget> target =
      ParseWebhookUrl("https://Hooks.Example.org:8443/in?x=1", false);
  ASSERT_THAT(target, IsOk());
  EXPECT_EQ(target->host, "hooks.example.org");
  EXPECT_EQ(target->port, 8443);
  EXPECT_TRUE(target->https);
  ASSERT_THAT(ParseWebhookUrl("https://[2001:db8::1]/x", false), IsOk());
  EXPECT_EQ(ParseWebhookUrl("https://[2001:db8::1]/x", false)->host, "2001:db8::1");
}

TEST(WebhookUrlTest, RefusesEachBadTargetWithItsReason) {
  auto refused = [](absl::string_view url, bool loopback, absl::string_view why) {
    absl::StatusOr<WebhookTarget> target = ParseWebhookUrl(url, loopback);
    EXPECT_THAT(target, StatusIs(absl::StatusCode::kInvalidArgument, std::string(why))) << url;
  };
  refused("http://hooks.example.org/in", false, "https://");
  refused("http://hooks.example.org/in", true, "http only to a loopback");
  refused("http://127.0.0.1:9/in", false, "https://");
  refused("ftp://hooks.example.org/", false, "https://");
  refused("https://127.0.0.1/in", false, "loopback");
  refused("https://localhost/in", false, "loopback");
  refused("https://10.1.2.3/in", true, "private");
  refused("https://192.168.0.10/in", true, "private");
  refused("https://172.20.0.1/in", true, "private");
  refused("https://169.254.169.254/latest/meta-data", true, "private");
  refused("https://[fe80::1]/in", true, "private");
  refused("https://[fd00::1]/in", true, "private");
  refused("https://[::ffff:10.0.0.1]/in", true, "private");
  refused("https://user:pw@hooks.example.org/", false, "user name");
  refused("https://hooks.example.org:0/", false, "port");
  refused("https://hooks.example.org:99999/", false, "port");
  refused("https://hooks example.org/", false, "spaces");
  refused("https:///in", false, "no host");
  refused("", false, "required");
  refused(std::string("https://h.example.org/") + std::string(2100, 'a'), false, "2048");
  // Allowed for tests when the operator says so.
  EXPECT_THAT(ParseWebhookUrl("http://127.0.0.1:8080/in", true), IsOk());
  EXPECT_THAT(ParseWebhookUrl("https://127.0.0.1:8443/in", true), IsOk());
}

TEST(WebhookAddressTest, JudgesSocketAddresses) {
  auto v4 = [](const char* text, bool loopback) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    inet_pton(AF_INET, text, &a.sin_addr);
    return IsAllowedWebhookAddress(reinterpret_cast<sockaddr*>(&a), loopback);
  };
  auto v6 = [](const char* text, bool loopback) {
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    inet_pton(AF_INET6, text, &a.sin6_addr);
    return IsAllowedWebhookAddress(reinterpret_cast<sockaddr*>(&a), loopback);
  };
  EXPECT_TRUE(v4("93.184.216.34", false));
  EXPECT_FALSE(v4("127.0.0.1", false));
  EXPECT_TRUE(v4("127.0.0.1", true));
  EXPECT_FALSE(v4("10.0.0.1", true));
  EXPECT_FALSE(v4("100.64.0.1", true));
  EXPECT_FALSE(v4("0.0.0.0", true));
  EXPECT_FALSE(v4("224.0.0.1", true));
  EXPECT_FALSE(v4("255.255.255.255", true));
  EXPECT_TRUE(v6("2606:2800:220:1::1", false));
  EXPECT_FALSE(v6("::1", false));
  EXPECT_TRUE(v6("::1", true));
  EXPECT_FALSE(v6("::", true));
  EXPECT_FALSE(v6("::ffff:192.168.1.1", true));
  EXPECT_FALSE(v6("::ffff:127.0.0.1", false));
  EXPECT_FALSE(v6("ff02::1", true));
}

TEST(WebhookRetryTest, BacksOffExponentiallyWithFullJitterUnderTheCap) {
  absl::BitGen random;
  for (int attempt = 1; attempt <= 20; ++attempt) {
    absl::Duration ceiling =
        std::min(absl::Seconds(10) * (1 << std::min(attempt - 1, 12)), absl::Hours(1));
    for (int i = 0; i < 50; ++i) {
      absl::Duration delay = WebhookRetryDelay(attempt, random);
      EXPECT_GE(delay, absl::Seconds(1));
      EXPECT_LE(delay, ceiling);
    }
  }
  // Jitter: the delays of one attempt are spread, not one value.
  std::set<int64_t> seen;
  for (int i = 0; i < 20; ++i) seen.insert(absl::ToInt64Milliseconds(WebhookRetryDelay(8, random)));
  EXPECT_GT(seen.size(), 10u);
}

TEST(WebhookDecisionTest, RetriesForADayThenGivesUpAndDisables) {
  absl::BitGen random;
  const absl::Time t0 = absl::FromUnixSeconds(1'800'000'000);
  AttemptDecision ok = DecideAfterAttempt(true, t0, t0, t0 - absl::Hours(3), 1, random);
  EXPECT_EQ(ok.state, "delivered");
  EXPECT_EQ(ok.failing_since, absl::InfinitePast());
  EXPECT_FALSE(ok.disable_subscription);

  AttemptDecision first = DecideAfterAttempt(false, t0, t0, absl::InfinitePast(), 1, random);
  EXPECT_EQ(first.state, "pending");
  EXPECT_EQ(first.failing_since, t0);
  EXPECT_GT(first.next_attempt, t0);
  EXPECT_FALSE(first.disable_subscription);

  // Near the end of the window, the last try is at its end, not after.
  const absl::Time late = t0 + absl::Hours(23) + absl::Minutes(59);
  AttemptDecision last = DecideAfterAttempt(false, late, t0, t0, 30, random);
  EXPECT_EQ(last.state, "pending");
  EXPECT_LE(last.next_attempt, t0 + kWebhookRetryWindow);

  const absl::Time day = t0 + absl::Hours(24);
  AttemptDecision over = DecideAfterAttempt(false, day, t0, t0, 31, random);
  EXPECT_EQ(over.state, "failed");
  EXPECT_TRUE(over.disable_subscription);

  // A fresh event of a subscription failing for a day: given up, and the subscription off.
  AttemptDecision fresh = DecideAfterAttempt(false, day, day, t0, 1, random);
  EXPECT_EQ(fresh.state, "failed");
  EXPECT_TRUE(fresh.disable_subscription);
}

TEST(WebhookEventTypesTest, RefusesUnknownRepeatedNoneAndTooMany) {
  google::protobuf::RepeatedPtrField<std::string> types;
  EXPECT_THAT(ParseWebhookEventTypes(types, "f"), StatusIs(absl::StatusCode::kInvalidArgument));
  *types.Add() = "action_overdue";
  *types.Add() = "challenge_raised";
  EXPECT_THAT(ParseWebhookEventTypes(types, "f"), IsOk());
  *types.Add() = "action_overdue";
  EXPECT_THAT(ParseWebhookEventTypes(types, "f"),
              StatusIs(absl::StatusCode::kInvalidArgument, "twice"));
  types.RemoveLast();
  *types.Add() = "round_closed";
  EXPECT_THAT(ParseWebhookEventTypes(types, "f"),
              StatusIs(absl::StatusCode::kInvalidArgument, "unknown event type"));
  types.Clear();
  *types.Add() = "ping";
  EXPECT_THAT(ParseWebhookEventTypes(types, "f"), StatusIs(absl::StatusCode::kInvalidArgument));
  types.Clear();
  for (int i = 0; i < 17; ++i) *types.Add() = "action_overdue";
  EXPECT_THAT(ParseWebhookEventTypes(types, "f"),
              StatusIs(absl::StatusCode::kInvalidArgument, "at most 16"));
}

TEST(WebhookEventsTest, AChallengeRaisedIsOneEventKeyedBySequence) {
  av1::Change change;
  change.set_sequence(42);
  change.set_kind(av1::CHANGE_KIND_CHALLENGE_RAISED);
  change.set_partnership("partnerships/p");
  change.set_region("regions/r");
  change.mutable_time()->set_seconds(1'800'000'000);
  change.mutable_challenge()->set_name("assessments/a/challenges/c");
  change.mutable_challenge()->set_question_id("q-1");
  change.mutable_challenge()->set_text("<b>why?</b>");
  ChangeFacts facts;
  facts.round_title = "Annual \"2026\"";
  std::vector<WebhookEvent> events = WebhookEventsForChange(change, facts);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, "challenge_raised");
  EXPECT_EQ(events[0].key, "feed:42:challenge_raised");
  EXPECT_EQ(events[0].partnership_id, "p");
  EXPECT_EQ(events[0].region_id, "r");
  nlohmann::json body = nlohmann::json::parse(events[0].payload);
  EXPECT_EQ(body["type"], "challenge_raised");
  EXPECT_EQ(body["timestamp"], "2027-01-15T08:00:00.000Z");
  EXPECT_EQ(body["data"]["partnership"], "partnerships/p");
  EXPECT_EQ(body["data"]["about"], "assessments/a/challenges/c");
  EXPECT_EQ(body["data"]["round_title"], "Annual \"2026\"");
  EXPECT_EQ(body["data"]["sequence"], "42");
  // The challenge's text stays in the hub: integrators fetch it with their own rights.
  EXPECT_FALSE(absl::StrContains(events[0].payload, "why?"));

  change.set_kind(av1::CHANGE_KIND_RESPONSE_CHANGED);
  EXPECT_THAT(WebhookEventsForChange(change, facts), IsEmpty());
}

TEST(WebhookEventsTest, CalendarDaysGiveTheRulesEventsKeyedByDueDate) {
  OpenAction action{"x-1", "p", "r", "a", "Do it", "partnerships/p/organisations/o"};
  action.due = absl::CivilDay(2026, 3, 31);
  const absl::Time now = absl::FromUnixSeconds(1'800'000'000);
  auto types = [&](absl::CivilDay today) {
    std::vector<std::string> out;
    for (const WebhookEvent& e : WebhookEventsForDay({action}, today, now)) out.push_back(e.type);
    return out;
  };
  EXPECT_THAT(types(absl::CivilDay(2026, 3, 1)), IsEmpty());
  EXPECT_THAT(types(absl::CivilDay(2026, 3, 17)), ElementsAre("action_due_soon"));
  EXPECT_THAT(types(absl::CivilDay(2026, 3, 31)), ElementsAre("action_due_today"));
  EXPECT_THAT(types(absl::CivilDay(2026, 4, 1)), ElementsAre("action_overdue"));
  EXPECT_THAT(types(absl::CivilDay(2026, 4, 14)),
              ElementsAre("action_overdue", "action_escalation"));
  // The same day judged twice gives the same keys (kept once).
  EXPECT_EQ(WebhookEventsForDay({action}, absl::CivilDay(2026, 4, 1), now)[0].key,
            "day:action_overdue:x-1:2026-03-31");
  EXPECT_EQ(WebhookEventsForDay({action}, absl::CivilDay(2026, 4, 2), now)[0].key,
            "day:action_overdue:x-1:2026-03-31");
}

TEST(WebhookLogTest, KeepsTheFirstBytesPrintable) {
  EXPECT_EQ(LoggableBody(std::string(600, 'a')).size(), 512u);
  EXPECT_EQ(LoggableBody("ok\n\x01\xff"), "ok\n??");
}

}  // namespace
}  // namespace sixsteps::notification
