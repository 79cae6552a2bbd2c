// `sixsteps notifications ...` driven in-process against a fake NotificationService: the
// requests it sends, what it prints, and its usage errors.
#include <map>
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

class FakeNotificationService final : public nv1::NotificationService::Service {
 public:
  std::mutex mu;
  std::vector<nv1::ListOutboxMessagesRequest> lists;
  std::vector<nv1::UpdateRuleSettingsRequest> updates;

  static nv1::OutboxMessage Message(int id) {
    nv1::OutboxMessage m;
    m.set_name(absl::StrCat("outboxMessages/", id));
    m.set_rule("action_overdue");
    m.set_state(nv1::OutboxMessage::STATE_OUTBOX);
    m.set_recipient_email(absl::StrCat("owner", id, "@example.org"));
    m.set_subject(absl::StrCat("Overdue ", id));
    m.set_text_body("Dear Jo,\nThe action is overdue.\n");
    return m;
  }
  grpc::Status ListOutboxMessages(grpc::ServerContext*, const nv1::ListOutboxMessagesRequest* r,
                                  nv1::ListOutboxMessagesResponse* out) override {
    std::lock_guard<std::mutex> lock(mu);
    lists.push_back(*r);
    // Two pages of one message each.
    *out->add_messages() = Message(r->page_token().empty() ? 2 : 1);
    if (r->page_token().empty()) out->set_next_page_token("next");
    return grpc::Status::OK;
  }
  grpc::Status GetOutboxMessage(grpc::ServerContext*, const nv1::GetOutboxMessageRequest* r,
                                nv1::OutboxMessage* out) override {
    if (r->name() != "outboxMessages/2") return {grpc::StatusCode::NOT_FOUND, r->name()};
    *out = Message(2);
    return grpc::Status::OK;
  }
  grpc::Status UpdateRuleSettings(grpc::ServerContext*, const nv1::UpdateRuleSettingsRequest* r,
                                  nv1::RuleSettings* out) override {
    std::lock_guard<std::mutex> lock(mu);
    updates.push_back(*r);
    out->set_name(r->name());
    *out->add_rules() = r->rules(0);
    return grpc::Status::OK;
  }
};

class CliNotificationTest : public testing_support::CliTest {
 protected:
  void SetUp() override { Serve({&fake_}); }
  FakeNotificationService fake_;
};

TEST_F(CliNotificationTest, OutboxListPagesThroughAndFilters) {
  testing_support::Result r =
      Run({"notifications", "outbox", "list", "--partnership", "sunderland"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("outboxMessages/2"));
  EXPECT_THAT(r.out, HasSubstr("owner1@example.org"));
  ASSERT_EQ(fake_.lists.size(), 2u);
  EXPECT_EQ(fake_.lists[0].partnership(), "partnerships/sunderland");
  EXPECT_EQ(fake_.lists[1].page_token(), "next");
  EXPECT_THAT(addresses_, ::testing::Each("127.0.0.1:50055"));
}

// --limit bounds what is shown and read: the first page holds the one message asked for, so
// the second is never requested.
TEST_F(CliNotificationTest, OutboxListStopsAtTheLimit) {
  testing_support::Result r = Run({"notifications", "outbox", "list", "--limit", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("outboxMessages/2"));
  EXPECT_THAT(r.out, Not(HasSubstr("owner1@example.org")));
  ASSERT_EQ(fake_.lists.size(), 1u);
  EXPECT_EQ(fake_.lists[0].page_size(), 1);
}

TEST_F(CliNotificationTest, OutboxShowPrintsTheText) {
  testing_support::Result r = Run({"notifications", "outbox", "show", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("Subject: Overdue 2"));
  EXPECT_THAT(r.out, HasSubstr("The action is overdue."));
  EXPECT_EQ(Run({"notifications", "outbox", "show", "9"}).exit_code, 5);  // NOT_FOUND
}

TEST_F(CliNotificationTest, RulesSetSendsOneSwitch) {
  testing_support::Result r =
      Run({"notifications", "rules", "set", "sunderland", "action_escalation", "off"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_EQ(fake_.updates.size(), 1u);
  EXPECT_EQ(fake_.updates[0].name(), "partnerships/sunderland/ruleSettings");
  EXPECT_EQ(fake_.updates[0].rules(0).rule(), "action_escalation");
  EXPECT_FALSE(fake_.updates[0].rules(0).enabled());
  EXPECT_THAT(r.out, HasSubstr("action_escalation"));
}

TEST_F(CliNotificationTest, UsageErrorsSendNothing) {
  EXPECT_EQ(Run({"notifications", "rules", "set", "p", "x", "maybe"}).exit_code, 64);
  EXPECT_EQ(Run({"notifications", "frob"}).exit_code, 64);
  EXPECT_EQ(Run({"notifications", "outbox", "show"}).exit_code, 64);
  EXPECT_TRUE(fake_.updates.empty());
  testing_support::Result help = Run({"notifications", "help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_THAT(help.out, HasSubstr("sixsteps notifications outbox list"));
}

}  // namespace
}  // namespace sixsteps::cli
