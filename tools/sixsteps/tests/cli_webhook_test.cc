// `sixsteps notifications webhooks ...` and `... test ...` driven in-process against a fake
// NotificationService: the requests they send (the etag read first), what they print, and
// their usage errors.
#include <mutex>

#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "sixsteps/notification/v1/notification_service.grpc.pb.h"
#include "tools/sixsteps/tests/cli_run.h"

namespace sixsteps::cli {
namespace {

namespace nv1 = ::sixsteps::notification::v1;

constexpr char kName[] = "partnerships/sunderland/webhooks/wh-1";

class FakeWebhookService final : public nv1::NotificationService::Service {
 public:
  std::mutex mu;
  std::vector<nv1::CreateWebhookRequest> creates;
  std::vector<nv1::UpdateWebhookRequest> updates;
  std::vector<nv1::DeleteWebhookRequest> deletes;
  std::vector<nv1::SendTestNoticeRequest> tests;

  static nv1::Webhook Stored() {
    nv1::Webhook w;
    w.set_name(kName);
    w.set_url("https://cases.example.org/hook");
    w.add_event_types("action_overdue");
    w.set_enabled(true);
    w.set_etag("r3");
    return w;
  }
  grpc::Status CreateWebhook(grpc::ServerContext*, const nv1::CreateWebhookRequest* r,
                             nv1::Webhook* out) override {
    std::lock_guard<std::mutex> lock(mu);
    creates.push_back(*r);
    *out = Stored();
    out->set_secret("whsec_c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0");
    return grpc::Status::OK;
  }
  grpc::Status GetWebhook(grpc::ServerContext*, const nv1::GetWebhookRequest* r,
                          nv1::Webhook* out) override {
    if (r->name() != kName) return {grpc::StatusCode::NOT_FOUND, r->name()};
    *out = Stored();
    return grpc::Status::OK;
  }
  grpc::Status UpdateWebhook(grpc::ServerContext*, const nv1::UpdateWebhookRequest* r,
                             nv1::Webhook* out) override {
    std::lock_guard<std::mutex> lock(mu);
    updates.push_back(*r);
    *out = r->webhook();
    return grpc::Status::OK;
  }
  grpc::Status DeleteWebhook(grpc::ServerContext*, const nv1::DeleteWebhookRequest* r,
                             google::protobuf::Empty*) override {
    std::lock_guard<std::mutex> lock(mu);
    deletes.push_back(*r);
    return grpc::Status::OK;
  }
  grpc::Status ListWebhookDeliveries(grpc::ServerContext*,
                                     const nv1::ListWebhookDeliveriesRequest* r,
                                     nv1::ListWebhookDeliveriesResponse* out) override {
    nv1::WebhookDelivery* d = out->add_deliveries();
    d->set_name(absl::StrCat(r->parent(), "/deliveries/7"));
    d->set_event_type("action_overdue");
    d->set_message_id("msg_7");
    d->set_state(nv1::WebhookDelivery::STATE_FAILED);
    nv1::WebhookAttempt* a = d->add_attempts();
    a->set_outcome("refused");
    a->set_response_code(503);
    a->set_response_body("try later");
    return grpc::Status::OK;
  }
  grpc::Status SendTestNotice(grpc::ServerContext*, const nv1::SendTestNoticeRequest* r,
                              nv1::SendTestNoticeResponse* out) override {
    std::lock_guard<std::mutex> lock(mu);
    tests.push_back(*r);
    out->set_outcome("kept_in_outbox");
    out->set_detail("no SMTP server is configured");
    return grpc::Status::OK;
  }
};

class CliWebhookTest : public testing_support::CliTest {
 protected:
  void SetUp() override { Serve({&fake_}); }
  FakeWebhookService fake_;
};

TEST_F(CliWebhookTest, CreateSendsTheSubscriptionAndPrintsTheSecretOnce) {
  testing_support::Result r =
      Run({"notifications", "webhooks", "create", "sunderland", "--url",
           "https://cases.example.org/hook", "--events", "action_overdue,challenge_raised"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_EQ(fake_.creates.size(), 1u);
  EXPECT_EQ(fake_.creates[0].parent(), "partnerships/sunderland");
  EXPECT_THAT(fake_.creates[0].webhook().event_types(),
              ::testing::ElementsAre("action_overdue", "challenge_raised"));
  EXPECT_THAT(r.out, HasSubstr("whsec_"));
  EXPECT_THAT(r.out, HasSubstr("shown once"));
  r = Run({"notifications", "webhooks", "create", "regions/north-east", "--url", "https://x.org",
           "--events", "round_opened"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(fake_.creates[1].parent(), "regions/north-east");
}

TEST_F(CliWebhookTest, UpdateAndDeleteSendTheEtagTheyRead) {
  testing_support::Result r =
      Run({"notifications", "webhooks", "update", kName, "--enabled", "false"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_EQ(fake_.updates.size(), 1u);
  EXPECT_EQ(fake_.updates[0].webhook().etag(), "r3");
  EXPECT_EQ(fake_.updates[0].update_mask(), "enabled");
  EXPECT_FALSE(fake_.updates[0].webhook().enabled());
  r = Run({"notifications", "webhooks", "delete", kName});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_EQ(fake_.deletes.size(), 1u);
  EXPECT_EQ(fake_.deletes[0].etag(), "r3");
  EXPECT_EQ(Run({"notifications", "webhooks", "delete", "partnerships/x/webhooks/nope"}).exit_code,
            5);
}

TEST_F(CliWebhookTest, DeliveriesShowEachAttemptAndTestsSayWhatHappened) {
  testing_support::Result r = Run({"notifications", "webhooks", "deliveries", kName});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("deliveries/7"));
  EXPECT_THAT(r.out, HasSubstr("503"));
  EXPECT_THAT(r.out, HasSubstr("try later"));
  r = Run({"notifications", "test", "email", "me@example.org"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("kept_in_outbox"));
  ASSERT_EQ(fake_.tests.size(), 1u);
  EXPECT_EQ(fake_.tests[0].email(), "me@example.org");
}

TEST_F(CliWebhookTest, UsageErrorsSendNothing) {
  EXPECT_EQ(
      Run({"notifications", "webhooks", "create", "sunderland", "--url", "https://x"}).exit_code,
      64);
  EXPECT_EQ(Run({"notifications", "webhooks", "update", kName}).exit_code, 64);
  EXPECT_EQ(Run({"notifications", "test", "email"}).exit_code, 64);
  EXPECT_TRUE(fake_.creates.empty());
  EXPECT_TRUE(fake_.updates.empty());
  testing_support::Result help = Run({"notifications", "help"});
  EXPECT_THAT(help.out, HasSubstr("sixsteps notifications webhooks rotate-secret"));
}

}  // namespace
}  // namespace sixsteps::cli
