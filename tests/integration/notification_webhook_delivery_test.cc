// Webhook deliveries to a real HTTPS receiver on loopback that checks each signature
// itself: a feed event delivered once, retries after failures with every attempt in the
// log, redelivery, a subscription disabled after a day of failures (clock injected) with a
// notice to its owners, a hanging receiver that delays no other subscription, the ping of
// SendTestNotice, and the delivery side's refusal of loopback and private addresses.
#include "tests/integration/notification_webhook_fixture.h"

namespace sixsteps::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

// Waits (bounded) until the webhook has `count` deliveries in `state`.
std::vector<nv1::WebhookDelivery> AwaitDeliveries(
    const std::function<std::vector<nv1::WebhookDelivery>()>& list,
    const std::function<bool(const std::vector<nv1::WebhookDelivery>&)>& done) {
  std::vector<nv1::WebhookDelivery> found;
  for (int i = 0; i < 1200; ++i) {
    found = list();
    if (done(found)) return found;
    absl::SleepFor(absl::Milliseconds(50));
  }
  ADD_FAILURE() << "the deliveries did not get there";
  return found;
}

bool AllDelivered(const std::vector<nv1::WebhookDelivery>& d, size_t count) {
  if (d.size() < count) return false;
  for (const auto& one : d) {
    if (one.state() != nv1::WebhookDelivery::STATE_DELIVERED) return false;
  }
  return true;
}

TEST_F(WebhookTest, AFeedEventIsDeliveredSignedOnceToTheMatchingSubscriptionsOnly) {
  nv1::Webhook w = Create(kP, Receiver("feed"), {"round_opened"});
  ReceiverSecret("feed", w.secret());
  nv1::Webhook filtered = Create(kP, Receiver("feed-filtered"), {"challenge_raised"});
  nv1::Webhook elsewhere =
      Create("partnerships/wh-q", Receiver("feed-elsewhere"), {"round_opened"}, tokens_["other"]);
  av1::Assessment round = CreateRound("Signed round");

  std::vector<nlohmann::json> got = AwaitReceived("feed", 1);
  ASSERT_THAT(got, SizeIs(1));
  EXPECT_TRUE(got[0]["signature_ok"].get<bool>()) << got[0].dump();
  nlohmann::json body = nlohmann::json::parse(got[0]["body"].get<std::string>());
  EXPECT_EQ(body["type"], "round_opened");
  EXPECT_EQ(body["data"]["about"], round.name());
  EXPECT_EQ(body["data"]["partnership"], kP);
  EXPECT_EQ(body["data"]["region"], "regions/wh-r");
  EXPECT_EQ(body["data"]["round_title"], "Signed round");

  std::vector<nv1::WebhookDelivery> deliveries = AwaitDeliveries(
      [&] { return Deliveries(w.name()); }, [](const auto& d) { return AllDelivered(d, 1); });
  ASSERT_THAT(deliveries, SizeIs(1));
  const nv1::WebhookDelivery& d = deliveries[0];
  EXPECT_EQ(got[0]["id"], d.message_id());
  EXPECT_EQ(d.event_type(), "round_opened");
  EXPECT_EQ(d.payload(), got[0]["body"].get<std::string>());
  ASSERT_THAT(d.attempts(), SizeIs(1));
  EXPECT_EQ(d.attempts(0).outcome(), "delivered");
  EXPECT_EQ(d.attempts(0).response_code(), 200);
  EXPECT_EQ(d.attempts(0).response_body(), absl::StrCat("received ", d.message_id()));

  // Once: the follower's restart reads no change twice, and nothing else was sent.
  hub_->StopNotification();
  ASSERT_THAT(hub_->StartNotification(clock_), IsOk());
  CreateRound("After the restart");
  AwaitReceived("feed", 2);
  EXPECT_THAT(Received("feed"), SizeIs(2));
  EXPECT_THAT(Received("feed-filtered"), IsEmpty());
  EXPECT_THAT(Received("feed-elsewhere"), IsEmpty());
  EXPECT_THAT(Deliveries(filtered.name()), IsEmpty());
  EXPECT_THAT(Deliveries(elsewhere.name(), tokens_["other"]), IsEmpty());
}

TEST_F(WebhookTest, FailuresAreRetriedWithEveryAttemptLoggedAndRedeliveredOnRequest) {
  nv1::Webhook w = Create(kP, Receiver("flaky"), {"round_opened"});
  ReceiverSecret("flaky", w.secret(), {{"fail", 2}});
  CreateRound("Flaky round");
  AwaitReceived("flaky", 1);
  // The next tries are due after a backoff: the clock moves on instead of the test waiting.
  clock_->Advance(absl::Hours(2));
  AwaitReceived("flaky", 2);
  clock_->Advance(absl::Hours(2));
  std::vector<nlohmann::json> got = AwaitReceived("flaky", 3);
  std::vector<nv1::WebhookDelivery> d = AwaitDeliveries(
      [&] { return Deliveries(w.name()); }, [](const auto& d) { return AllDelivered(d, 1); });
  ASSERT_THAT(d, SizeIs(1));
  ASSERT_THAT(d[0].attempts(), SizeIs(3));
  EXPECT_EQ(d[0].attempts(0).outcome(), "refused");
  EXPECT_EQ(d[0].attempts(0).response_code(), 500);
  EXPECT_EQ(d[0].attempts(0).response_body(), absl::StrCat("receiver says no ", d[0].message_id()));
  EXPECT_EQ(d[0].attempts(1).response_code(), 500);
  EXPECT_EQ(d[0].attempts(2).outcome(), "delivered");
  EXPECT_EQ(d[0].attempts(2).response_code(), 200);
  for (const auto& a : d[0].attempts()) EXPECT_GE(a.latency_ms(), 0);
  // Every try: the same webhook-id, a fresh timestamp, a valid signature.
  ASSERT_THAT(got, SizeIs(3));
  for (const auto& line : got) {
    EXPECT_EQ(line["id"], d[0].message_id());
    EXPECT_TRUE(line["signature_ok"].get<bool>());
  }
  EXPECT_NE(got[0]["timestamp"], got[2]["timestamp"]);

  nv1::RedeliverWebhookDeliveryRequest redeliver;
  redeliver.set_name(d[0].name());
  nv1::WebhookDelivery again;
  ASSERT_THAT(NCall(&NStub::RedeliverWebhookDelivery, tokens_["adm"], redeliver, &again), IsOk());
  got = AwaitReceived("flaky", 4);
  EXPECT_EQ(got[3]["id"], d[0].message_id());
  EXPECT_TRUE(got[3]["signature_ok"].get<bool>());
  d = AwaitDeliveries([&] { return Deliveries(w.name()); },
                      [](const auto& d) { return d.size() == 1 && d[0].attempts_size() == 4; });
  EXPECT_EQ(d[0].state(), nv1::WebhookDelivery::STATE_DELIVERED);
  // Someone else's delivery is not theirs to redeliver.
  EXPECT_THAT(NCall(&NStub::RedeliverWebhookDelivery, tokens_["other"], redeliver, &again),
              StatusIs(absl::StatusCode::kNotFound));
  redeliver.set_name(w.name() + "/deliveries/x");
  EXPECT_THAT(NCall(&NStub::RedeliverWebhookDelivery, tokens_["adm"], redeliver, &again),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(WebhookTest, ASubscriptionFailingForADayIsDisabledAndItsOwnersAreTold) {
  nv1::Webhook w = Create(kP, Receiver("dead"), {"round_opened"}, tokens_["adm"]);
  ReceiverSecret("dead", w.secret(), {{"fail", 1000000}});
  CreateRound("Dead round");
  AwaitReceived("dead", 1);
  AwaitDeliveries([&] { return Deliveries(w.name()); },
                  [](const auto& d) { return d.size() == 1 && d[0].attempts_size() == 1; });
  clock_->Advance(absl::Hours(25));
  nv1::GetWebhookRequest get;
  get.set_name(w.name());
  nv1::Webhook read;
  for (int i = 0; i < 1200; ++i) {
    ASSERT_THAT(NCall(&NStub::GetWebhook, tokens_["adm"], get, &read), IsOk());
    if (!read.enabled()) break;
    absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_FALSE(read.enabled());
  EXPECT_THAT(read.disabled_reason(), HasSubstr("24 hours"));
  std::vector<nv1::WebhookDelivery> d = Deliveries(w.name());
  ASSERT_THAT(d, SizeIs(1));
  EXPECT_EQ(d[0].state(), nv1::WebhookDelivery::STATE_FAILED);
  EXPECT_EQ(d[0].attempts_size(), 2);

  // Both partnership administrators are told, once each (just after the disabling commits).
  std::multiset<std::string> told;
  for (int i = 0; i < 600 && told.size() < 2; ++i) {
    if (i > 0) absl::SleepFor(absl::Milliseconds(50));
    told.clear();
    nv1::ListOutboxMessagesRequest list;
    list.set_partnership(kP);
    list.set_page_size(500);
    nv1::ListOutboxMessagesResponse page;
    ASSERT_THAT(NCall(&NStub::ListOutboxMessages, hub_->admin_token(), list, &page), IsOk());
    for (const auto& m : page.messages()) {
      if (m.rule() == "webhook_disabled" && m.about() == w.name()) {
        told.insert(m.recipient_email());
        EXPECT_THAT(m.text_body(), HasSubstr(w.url()));
      }
    }
  }
  EXPECT_EQ(told, (std::multiset<std::string>{"adm2@wh.test", "adm@wh.test"}));

  // Disabled: no redelivery, no ping, no new deliveries; enabling it again clears it.
  nv1::RedeliverWebhookDeliveryRequest redeliver;
  redeliver.set_name(d[0].name());
  nv1::WebhookDelivery again;
  EXPECT_THAT(NCall(&NStub::RedeliverWebhookDelivery, tokens_["adm"], redeliver, &again),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  nv1::SendTestNoticeRequest ping;
  ping.set_webhook(w.name());
  nv1::SendTestNoticeResponse answer;
  EXPECT_THAT(NCall(&NStub::SendTestNotice, tokens_["adm"], ping, &answer),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  nv1::UpdateWebhookRequest enable;
  *enable.mutable_webhook() = read;
  enable.mutable_webhook()->set_enabled(true);
  enable.set_update_mask("enabled");
  nv1::Webhook enabled;
  ASSERT_THAT(NCall(&NStub::UpdateWebhook, tokens_["adm"], enable, &enabled), IsOk());
  EXPECT_TRUE(enabled.enabled());
  EXPECT_EQ(enabled.disabled_reason(), "");
  EXPECT_FALSE(enabled.has_failing_since());
}

TEST_F(WebhookTest, AHangingReceiverDelaysNoOtherSubscription) {
  nv1::Webhook stuck = Create(kP, Receiver("hang"), {"round_opened"});
  ReceiverSecret("hang", stuck.secret(), {{"hang", true}});
  nv1::Webhook brisk = Create(kP, Receiver("brisk"), {"round_opened"});
  ReceiverSecret("brisk", brisk.secret());
  for (int i = 0; i < 4; ++i) CreateRound(absl::StrCat("Busy round ", i));
  // Every event reaches the brisk receiver while the hanging one holds its deliveries.
  std::vector<nlohmann::json> got = AwaitReceived("brisk", 4);
  EXPECT_THAT(got, SizeIs(4));
  for (const auto& line : got) EXPECT_TRUE(line["signature_ok"].get<bool>());
  // At most two of the stuck subscription's deliveries are in flight (the per-subscription
  // limit), and none has an answer yet.
  AwaitReceived("hang", 2);
  EXPECT_THAT(Received("hang"), SizeIs(2));
  for (const auto& d : Deliveries(stuck.name())) EXPECT_THAT(d.attempts(), IsEmpty());
  Release("hang");
  AwaitReceived("hang", 4);
  AwaitDeliveries([&] { return Deliveries(stuck.name()); },
                  [](const auto& d) { return AllDelivered(d, 4); });
}

TEST_F(WebhookTest, APingAnswersWhatHappened) {
  nv1::Webhook w = Create(kP, Receiver("ping"), {"action_overdue"});
  ReceiverSecret("ping", w.secret());
  nv1::SendTestNoticeRequest request;
  request.set_webhook(w.name());
  nv1::SendTestNoticeResponse response;
  ASSERT_THAT(NCall(&NStub::SendTestNotice, tokens_["adm"], request, &response), IsOk());
  EXPECT_EQ(response.outcome(), "sent");
  EXPECT_THAT(response.detail(), HasSubstr("HTTP 200"));
  EXPECT_EQ(response.delivery().event_type(), "ping");
  ASSERT_THAT(response.delivery().attempts(), SizeIs(1));
  std::vector<nlohmann::json> got = Received("ping");
  ASSERT_THAT(got, SizeIs(1));
  EXPECT_TRUE(got[0]["signature_ok"].get<bool>());
  EXPECT_EQ(nlohmann::json::parse(got[0]["body"].get<std::string>())["type"], "ping");

  ReceiverSecret("ping", w.secret(), {{"fail", 1}});
  std::ofstream(dir_ / "hooks" / "ping.log", std::ios::trunc);
  nv1::Webhook refusing = Create(kP, Receiver("ping-refused"), {"action_overdue"});
  ReceiverSecret("ping-refused", refusing.secret(), {{"fail", 1}});
  request.set_webhook(refusing.name());
  ASSERT_THAT(NCall(&NStub::SendTestNotice, tokens_["adm"], request, &response), IsOk());
  EXPECT_EQ(response.outcome(), "failed");
  EXPECT_THAT(response.detail(), HasSubstr("HTTP 500"));
  // Not the viewer's to test.
  EXPECT_THAT(NCall(&NStub::SendTestNotice, tokens_["viewer"], request, &response),
              StatusIs(absl::StatusCode::kPermissionDenied));
}

TEST_F(WebhookTest, DeliveryRefusesLoopbackWithoutTheFlagAndPrivateAddresses) {
  const std::string url = Receiver("guard");
  notification::WebhookHttpSettings strict;
  strict.ca_file = (dir_ / "cert.pem").string();
  notification::WebhookHttpClient client(strict);
  notification::HttpAnswer answer = client.Post(url, {}, "{}");
  EXPECT_EQ(answer.code, 0);
  EXPECT_THAT(answer.error, HasSubstr("loopback"));
  answer = client.Post(absl::StrCat("http://127.0.0.1:", port_, "/guard"), {}, "{}");
  EXPECT_EQ(answer.code, 0);
  EXPECT_THAT(answer.error, HasSubstr("https://"));
  notification::WebhookHttpSettings loopback = strict;
  loopback.allow_loopback = true;
  notification::WebhookHttpClient tests_only(loopback);
  answer = tests_only.Post("https://10.20.30.40/in", {}, "{}");
  EXPECT_EQ(answer.code, 0);
  EXPECT_THAT(answer.error, HasSubstr("private"));
  EXPECT_THAT(Received("guard"), IsEmpty());
  // With the flag, the same receiver is reached.
  answer = tests_only.Post(url, {}, "{}");
  EXPECT_EQ(answer.code, 200) << answer.error;
}

}  // namespace
}  // namespace sixsteps::testing
