// Webhook subscriptions through the API: the secret shown once, paging, etags, who may
// manage whose, bad input refused with nothing saved, and the test email.
#include "tests/integration/notification_webhook_fixture.h"

namespace sixsteps::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::SizeIs;
using ::testing::StartsWith;

TEST_F(WebhookTest, CreateShowsTheSecretOnceAndListPagesWithout) {
  nv1::Webhook one = Create(kP, Receiver("list-1"), {"round_opened", "action_overdue"});
  nv1::Webhook two = Create(kP, Receiver("list-2"));
  EXPECT_THAT(one.name(), StartsWith("partnerships/wh-p/webhooks/wh-"));
  EXPECT_THAT(one.secret(), StartsWith("whsec_"));
  EXPECT_NE(one.secret(), two.secret());
  EXPECT_TRUE(one.enabled());
  EXPECT_FALSE(one.etag().empty());
  EXPECT_THAT(one.event_types(), ::testing::ElementsAre("round_opened", "action_overdue"));

  nv1::GetWebhookRequest get;
  get.set_name(one.name());
  nv1::Webhook read;
  ASSERT_THAT(NCall(&NStub::GetWebhook, tokens_["adm"], get, &read), IsOk());
  EXPECT_EQ(read.secret(), "");
  EXPECT_EQ(read.url(), one.url());
  EXPECT_EQ(read.creator(), one.creator());

  std::set<std::string> listed;
  nv1::ListWebhooksRequest list;
  list.set_parent(kP);
  list.set_page_size(1);
  int pages = 0;
  do {
    nv1::ListWebhooksResponse page;
    ASSERT_THAT(NCall(&NStub::ListWebhooks, tokens_["adm"], list, &page), IsOk());
    for (const nv1::Webhook& w : page.webhooks()) {
      EXPECT_EQ(w.secret(), "");
      listed.insert(w.name());
    }
    list.set_page_token(page.next_page_token());
    ++pages;
  } while (!list.page_token().empty() && pages < 100);
  EXPECT_TRUE(listed.count(one.name()) && listed.count(two.name()));
  EXPECT_GE(pages, 2);
  // A token of another query is refused.
  nv1::ListWebhooksRequest other;
  other.set_parent("regions/wh-r");
  other.set_page_token(list.page_token().empty() ? "bogus" : list.page_token());
  nv1::ListWebhooksResponse page;
  EXPECT_THAT(NCall(&NStub::ListWebhooks, tokens_["hub"], other, &page),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(WebhookTest, BadInputIsRefusedPreciselyWithNothingSaved) {
  const int64_t before = Count("webhook_subscriptions");
  auto refused = [&](const std::string& parent, const std::string& url,
                     std::vector<std::string> types, const std::string& description,
                     const std::string& why) {
    nv1::CreateWebhookRequest request;
    request.set_parent(parent);
    request.mutable_webhook()->set_url(url);
    request.mutable_webhook()->set_description(description);
    for (const std::string& type : types) request.mutable_webhook()->add_event_types(type);
    nv1::Webhook created;
    EXPECT_THAT(NCall(&NStub::CreateWebhook, tokens_["adm"], request, &created),
                StatusIs(absl::StatusCode::kInvalidArgument, why))
        << url << " " << parent;
  };
  const std::string ok = Receiver("bad-input");
  refused(kP, "http://hooks.example.org/in", {"round_opened"}, "", "https://");
  refused(kP, "ftp://hooks.example.org/in", {"round_opened"}, "", "https://");
  refused(kP, "https://10.0.0.5/in", {"round_opened"}, "", "private");
  refused(kP, "https://169.254.169.254/latest", {"round_opened"}, "", "private");
  refused(kP, "https://[fd00::5]/in", {"round_opened"}, "", "private");
  refused(kP, "https://u:p@hooks.example.org/in", {"round_opened"}, "", "user name");
  refused(kP, "https://hooks.example.org/" + std::string(2100, 'x'), {"round_opened"}, "", "2048");
  refused(kP, ok, {"round_closed"}, "", "unknown event type 'round_closed'");
  refused(kP, ok, {}, "", "at least one event type");
  refused(kP, ok, {"round_opened", "round_opened"}, "", "twice");
  refused(kP, ok, {"round_opened"}, std::string(201, 'd'), "200");
  refused("partnerships/WH P", ok, {"round_opened"}, "", "parent");
  refused("organisations/wh-p", ok, {"round_opened"}, "", "parent");
  EXPECT_EQ(Count("webhook_subscriptions"), before);

  // Updates check the same, and the etag and mask.
  nv1::Webhook w = Create(kP, ok);
  nv1::UpdateWebhookRequest update;
  *update.mutable_webhook() = w;
  update.mutable_webhook()->set_url("http://hooks.example.org/in");
  update.set_update_mask("url");
  nv1::Webhook updated;
  EXPECT_THAT(NCall(&NStub::UpdateWebhook, tokens_["adm"], update, &updated),
              StatusIs(absl::StatusCode::kInvalidArgument, "https://"));
  update.mutable_webhook()->set_url(ok);
  update.set_update_mask("secret");
  EXPECT_THAT(NCall(&NStub::UpdateWebhook, tokens_["adm"], update, &updated),
              StatusIs(absl::StatusCode::kInvalidArgument, "update_mask"));
  update.set_update_mask("");
  EXPECT_THAT(NCall(&NStub::UpdateWebhook, tokens_["adm"], update, &updated),
              StatusIs(absl::StatusCode::kInvalidArgument, "update_mask"));
  update.set_update_mask("url");
  update.mutable_webhook()->clear_etag();
  EXPECT_THAT(NCall(&NStub::UpdateWebhook, tokens_["adm"], update, &updated),
              StatusIs(absl::StatusCode::kInvalidArgument, "etag"));
  nv1::GetWebhookRequest get;
  get.set_name(w.name());
  nv1::Webhook read;
  ASSERT_THAT(NCall(&NStub::GetWebhook, tokens_["adm"], get, &read), IsOk());
  EXPECT_EQ(read.etag(), w.etag());
  EXPECT_EQ(read.url(), ok);
}

TEST_F(WebhookTest, EtagsGuardUpdateRotationAndDeletion) {
  nv1::Webhook w = Create(kP, Receiver("etags"));
  nv1::UpdateWebhookRequest update;
  *update.mutable_webhook() = w;
  update.mutable_webhook()->clear_event_types();
  update.mutable_webhook()->add_event_types("challenge_raised");
  update.mutable_webhook()->set_description("Case system");
  update.set_update_mask("event_types,description");
  nv1::Webhook updated;
  ASSERT_THAT(NCall(&NStub::UpdateWebhook, tokens_["adm"], update, &updated), IsOk());
  EXPECT_THAT(updated.event_types(), ::testing::ElementsAre("challenge_raised"));
  EXPECT_EQ(updated.description(), "Case system");
  EXPECT_NE(updated.etag(), w.etag());
  EXPECT_EQ(updated.secret(), "");
  // The old etag is stale now.
  EXPECT_THAT(NCall(&NStub::UpdateWebhook, tokens_["adm"], update, &updated),
              StatusIs(absl::StatusCode::kAborted));

  nv1::RotateWebhookSecretRequest rotate;
  rotate.set_name(w.name());
  rotate.set_etag(w.etag());
  nv1::Webhook rotated;
  EXPECT_THAT(NCall(&NStub::RotateWebhookSecret, tokens_["adm"], rotate, &rotated),
              StatusIs(absl::StatusCode::kAborted));
  rotate.set_etag(updated.etag());
  ASSERT_THAT(NCall(&NStub::RotateWebhookSecret, tokens_["adm"], rotate, &rotated), IsOk());
  EXPECT_THAT(rotated.secret(), StartsWith("whsec_"));
  EXPECT_NE(rotated.secret(), w.secret());

  nv1::DeleteWebhookRequest remove;
  remove.set_name(w.name());
  remove.set_etag(updated.etag());
  google::protobuf::Empty empty;
  EXPECT_THAT(NCall(&NStub::DeleteWebhook, tokens_["adm"], remove, &empty),
              StatusIs(absl::StatusCode::kAborted));
  remove.clear_etag();
  EXPECT_THAT(NCall(&NStub::DeleteWebhook, tokens_["adm"], remove, &empty),
              StatusIs(absl::StatusCode::kInvalidArgument));
  remove.set_etag(rotated.etag());
  ASSERT_THAT(NCall(&NStub::DeleteWebhook, tokens_["adm"], remove, &empty), IsOk());
  nv1::GetWebhookRequest get;
  get.set_name(w.name());
  nv1::Webhook gone;
  EXPECT_THAT(NCall(&NStub::GetWebhook, tokens_["adm"], get, &gone),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(WebhookTest, OnlyTheScopesAdministratorsManageItsWebhooks) {
  nv1::Webhook w = Create(kP, Receiver("tenancy"));
  nv1::GetWebhookRequest get;
  get.set_name(w.name());
  nv1::Webhook read;
  EXPECT_THAT(NCall(&NStub::GetWebhook, tokens_["other"], get, &read),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(NCall(&NStub::GetWebhook, tokens_["viewer"], get, &read),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(NCall(&NStub::GetWebhook, tokens_["hub"], get, &read), IsOk());
  // The same id under another scope is not reached.
  get.set_name(absl::StrCat("partnerships/wh-q/webhooks/", LastSegment(w.name())));
  EXPECT_THAT(NCall(&NStub::GetWebhook, tokens_["other"], get, &read),
              StatusIs(absl::StatusCode::kNotFound));

  const int64_t before = Count("webhook_subscriptions");
  nv1::CreateWebhookRequest create;
  create.set_parent(kP);
  create.mutable_webhook()->set_url(Receiver("tenancy"));
  create.mutable_webhook()->add_event_types("round_opened");
  nv1::Webhook created;
  EXPECT_THAT(NCall(&NStub::CreateWebhook, tokens_["viewer"], create, &created),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(NCall(&NStub::CreateWebhook, tokens_["other"], create, &created),
              StatusIs(absl::StatusCode::kNotFound));
  create.set_parent("regions/wh-r");
  EXPECT_THAT(NCall(&NStub::CreateWebhook, tokens_["adm"], create, &created),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(NCall(&NStub::CreateWebhook, tokens_["other"], create, &created),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(Count("webhook_subscriptions"), before);
  ASSERT_THAT(NCall(&NStub::CreateWebhook, tokens_["hub"], create, &created), IsOk());
  EXPECT_THAT(created.name(), StartsWith("regions/wh-r/webhooks/"));
}

TEST_F(WebhookTest, ATestEmailGoesOnlyToTheCallersOwnAddress) {
  nv1::SendTestNoticeRequest request;
  nv1::SendTestNoticeResponse response;
  EXPECT_THAT(NCall(&NStub::SendTestNotice, tokens_["adm"], request, &response),
              StatusIs(absl::StatusCode::kInvalidArgument));
  request.set_email("not an address");
  EXPECT_THAT(NCall(&NStub::SendTestNotice, tokens_["adm"], request, &response),
              StatusIs(absl::StatusCode::kInvalidArgument));
  const int64_t before = Count("deliveries");
  request.set_email("viewer@wh.test");
  EXPECT_THAT(NCall(&NStub::SendTestNotice, tokens_["adm"], request, &response),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_EQ(Count("deliveries"), before);
  request.set_email("ADM@wh.test");
  ASSERT_THAT(NCall(&NStub::SendTestNotice, tokens_["adm"], request, &response), IsOk());
  EXPECT_EQ(response.outcome(), "kept_in_outbox");
  EXPECT_EQ(response.outbox_message().rule(), "test_notice");
  EXPECT_EQ(response.outbox_message().recipient_email(), "adm@wh.test");
  EXPECT_THAT(response.outbox_message().text_body(), HasSubstr("test notice"));
  // The caller sees it in their outbox.
  nv1::GetOutboxMessageRequest get;
  get.set_name(response.outbox_message().name());
  nv1::OutboxMessage kept;
  EXPECT_THAT(NCall(&NStub::GetOutboxMessage, tokens_["adm"], get, &kept), IsOk());
}

}  // namespace
}  // namespace sixsteps::testing
