// The notification service against real identity, assessment and PostgreSQL: each feed
// rule's recipients and text in the outbox, the calendar rules across a day boundary and a
// daylight-saving change (clock injected), exactly-once across a restart, the partnership
// switches, tenancy of the outbox, and bad input refused with nothing saved.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/common/status.h"
#include "services/notification/follower.h"
#include "tests/support/action_samples.h"
#include "tests/support/calls.h"
#include "tests/support/pg_cluster.h"
#include "tests/support/settable_clock.h"
#include "tests/support/shared_hub.h"
#include "tests/support/status_matchers.h"
#include "tests/support/test_hub.h"

namespace sixsteps::testing {
namespace {

namespace av1 = ::sixsteps::assessment::v1;
namespace acv1 = ::sixsteps::action::v1;
namespace nv1 = ::sixsteps::notification::v1;
namespace fwv1 = ::sixsteps::framework::v1;
using auth::Role;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

constexpr char kPolice[] = "partnerships/nt-p/organisations/police";

using TestClock = SettableClock;

using NStub = nv1::NotificationService::Stub;

class NotificationTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto hub = TestHub::Start("notification");
    ASSERT_THAT(hub, IsOk());
    hub_ = hub->release();
    ASSERT_THAT(hub_->CreateRegion("nt-r"), IsOk());
    ASSERT_THAT(hub_->CreateRegion("nt-other"), IsOk());
    ASSERT_THAT(hub_->CreatePartnership("nt-p", "nt-r"), IsOk());
    ASSERT_THAT(hub_->CreatePartnership("nt-q", "nt-other"), IsOk());
    for (const char* org : {"police", "council"}) {
      ASSERT_THAT(hub_->CreateOrganisation(
                      "nt-p", org, identity::v1::ORGANISATION_KIND_OTHER_RELEVANT_AGENCY, false),
                  IsOk());
    }
    auto user = [](const std::string& email, const std::vector<TestHub::Binding>& roles) {
      return SignedInUser(*hub_, email, roles);
    };
    const std::string p = "partnerships/nt-p";
    tokens_["pol"] = user("pol@nt.test", {{Role::ROLE_PARTNER_RESPONDENT, p, kPolice}});
    tokens_["cou"] =
        user("cou@nt.test",
             {{Role::ROLE_PARTNER_RESPONDENT, p, "partnerships/nt-p/organisations/council"}});
    tokens_["own"] = user("own@nt.test", {{Role::ROLE_ACTION_OWNER, p, kPolice}});
    tokens_["adm"] = user("adm@nt.test", {{Role::ROLE_PARTNERSHIP_ADMINISTRATOR, p, ""}});
    tokens_["alice"] = user("alice@nt.test", {{Role::ROLE_INDEPENDENT_SCRUTINEER, p, ""}});
    tokens_["viewer"] = user("viewer@nt.test", {{Role::ROLE_VIEWER, p, ""}});
    tokens_["other"] =
        user("other@nt.test", {{Role::ROLE_PARTNERSHIP_ADMINISTRATOR, "partnerships/nt-q", ""}});
    ASSERT_TRUE(absl::LoadTimeZone("Europe/London", &london_));
    clock_ = new TestClock();
    clock_->Set(UtcMinute(2026, 3, 29, 22, 59));  // 23:59 BST on Sunday 29 March
    ASSERT_THAT(hub_->StartNotification(clock_, london_), IsOk());
  }
  static void TearDownTestSuite() {
    delete hub_;
    hub_ = nullptr;
  }

  // Every outbox message the administrator sees, oldest first.
  static std::vector<nv1::OutboxMessage> Outbox(const std::string& token = "") {
    auto stub = hub_->NotificationStub();
    std::vector<nv1::OutboxMessage> all;
    nv1::ListOutboxMessagesRequest request;
    request.set_page_size(7);
    do {
      nv1::ListOutboxMessagesResponse page;
      EXPECT_THAT(Call(*stub, &NStub::ListOutboxMessages,
                       token.empty() ? hub_->admin_token() : token, request, &page),
                  IsOk());
      for (const auto& m : page.messages()) all.insert(all.begin(), m);
      request.set_page_token(page.next_page_token());
    } while (!request.page_token().empty());
    return all;
  }

  // The recipients' email addresses of the messages of `rule`, oldest first.
  static std::vector<std::string> Sent(const std::string& rule) {
    std::vector<std::string> sent;
    for (const auto& m : Outbox()) {
      if (m.rule() == rule) sent.push_back(m.recipient_email());
    }
    return sent;
  }

  // Waits (bounded) until the follower has read the feed to its head.
  static void AwaitFeed() {
    absl::StatusOr<int64_t> head = hub_->FeedHead();
    ASSERT_THAT(head, IsOk());
    for (int i = 0; i < 400; ++i) {
      pqxx::connection connection(hub_->notification_database_url());
      pqxx::nontransaction query(connection);
      if (query.exec("SELECT sequence FROM feed_cursor")[0][0].as<int64_t>() >= *head) return;
      absl::SleepFor(absl::Milliseconds(50));
    }
    FAIL() << "the notification follower did not reach sequence " << *head;
  }

  static av1::Assessment CreateRound() {
    av1::CreateAssessmentRequest request;
    av1::Assessment* a = request.mutable_assessment();
    a->set_partnership("partnerships/nt-p");
    a->set_framework_version("frameworks/six-steps/versions/2019");
    a->set_kind(av1::ASSESSMENT_KIND_INDEPENDENT_SCRUTINY);
    a->set_title("Scrutiny <2026>");
    a->set_period_start("2025-04-01");
    a->set_period_end("2026-03-31");
    av1::Assessment round;
    auto stub = hub_->AssessmentStub();
    EXPECT_THAT(Call(*stub, &av1::AssessmentService::Stub::CreateAssessment, tokens_["adm"],
                     request, &round),
                IsOk());
    return round;
  }

  static TestHub* hub_;
  static std::map<std::string, std::string> tokens_;
  static TestClock* clock_;
  static absl::TimeZone london_;
};

TestHub* NotificationTest::hub_ = nullptr;
std::map<std::string, std::string> NotificationTest::tokens_;
TestClock* NotificationTest::clock_ = nullptr;
absl::TimeZone NotificationTest::london_;

TEST_F(NotificationTest, FeedRulesReachTheRightPeopleOnce) {
  auto assessments = hub_->AssessmentStub();
  using AStub = av1::AssessmentService::Stub;
  av1::Assessment round = CreateRound();
  av1::AddRespondentRequest add;
  add.set_parent(round.name());
  add.mutable_respondent()->set_organisation(kPolice);
  av1::Respondent police;
  ASSERT_THAT(Call(*assessments, &AStub::AddRespondent, tokens_["adm"], add, &police), IsOk());
  AwaitFeed();
  EXPECT_THAT(Sent("respondent_assigned"), ElementsAre("pol@nt.test"));

  av1::BatchUpsertResponsesRequest batch;
  batch.set_parent(round.name());
  av1::Response* response = batch.add_requests()->mutable_response();
  response->set_name(absl::StrCat(police.name(), "/responses/s1.q1"));
  response->set_rating(fwv1::RATING_RED);
  response->set_commentary("Not yet");
  av1::BatchUpsertResponsesResponse written;
  ASSERT_THAT(Call(*assessments, &AStub::BatchUpsertResponses, tokens_["pol"], batch, &written),
              IsOk());
  av1::RaiseChallengeRequest raise;
  raise.set_parent(round.name());
  raise.mutable_challenge()->set_response(response->name());
  raise.mutable_challenge()->set_text("Which audit <says> so?");
  av1::Challenge challenge;
  ASSERT_THAT(Call(*assessments, &AStub::RaiseChallenge, tokens_["alice"], raise, &challenge),
              IsOk());
  av1::AnswerChallengeRequest answer;
  answer.set_name(challenge.name());
  answer.set_answer("The 2025 section 11 audit.");
  answer.set_etag(challenge.etag());
  ASSERT_THAT(Call(*assessments, &AStub::AnswerChallenge, tokens_["pol"], answer, &challenge),
              IsOk());
  AwaitFeed();
  EXPECT_THAT(Sent("challenge_raised"), ElementsAre("pol@nt.test"));
  EXPECT_THAT(Sent("challenge_answered"), ElementsAre("alice@nt.test"));
  for (const nv1::OutboxMessage& m : Outbox()) {
    if (m.rule() != "challenge_raised") continue;
    EXPECT_EQ(m.state(), nv1::OutboxMessage::STATE_OUTBOX);
    EXPECT_EQ(m.partnership(), "partnerships/nt-p");
    EXPECT_EQ(m.about(), challenge.name());
    EXPECT_THAT(m.subject(), HasSubstr("a challenge on question s1.q1"));
    EXPECT_THAT(m.text_body(), HasSubstr("Which audit <says> so?"));
    EXPECT_THAT(m.html_body(), HasSubstr("Which audit &lt;says&gt; so?"));
    EXPECT_THAT(m.html_body(), HasSubstr("Scrutiny &lt;2026&gt;"));
  }

  // A restart reads nothing twice: the cursor moved with the notices.
  const size_t before = Outbox().size();
  hub_->StopNotification();
  ASSERT_THAT(hub_->StartNotification(clock_, london_), IsOk());
  AwaitFeed();
  ASSERT_THAT(hub_->notification_follower()->CatchUp(), IsOk());
  EXPECT_EQ(Outbox().size(), before);
}

TEST_F(NotificationTest, ActionRulesFollowTheHubsDateAcrossDaylightSaving) {
  av1::Assessment round = CreateRound();
  acv1::CreateActionRequest request = ImprovementAction(round.name(), kPolice, "2026-03-30");
  acv1::Action created;
  auto actions = hub_->ActionStub();
  ASSERT_THAT(
      Call(*actions, &acv1::ActionService::Stub::CreateAction, tokens_["adm"], request, &created),
      IsOk());
  AwaitFeed();
  notification::Follower* follower = hub_->notification_follower();
  // 23:59 BST on the 29th (22:59 UTC): due tomorrow.
  clock_->Set(UtcMinute(2026, 3, 29, 22, 59));
  ASSERT_THAT(follower->RunCalendar(), IsOk());
  EXPECT_THAT(Sent("action_due_soon"), ElementsAre("own@nt.test"));
  EXPECT_THAT(Sent("action_due_today"), IsEmpty());
  // 00:01 BST on the 30th, still the 29th in UTC: due today.
  clock_->Set(UtcMinute(2026, 3, 29, 23, 1));
  ASSERT_THAT(follower->RunCalendar(), IsOk());
  ASSERT_THAT(follower->RunCalendar(), IsOk());
  EXPECT_THAT(Sent("action_due_today"), ElementsAre("own@nt.test"));
  EXPECT_THAT(Sent("action_due_soon"), ElementsAre("own@nt.test"));
  // The 31st: overdue. Thirteen days late: no escalation yet; fourteen: the administrators.
  clock_->Set(UtcMinute(2026, 3, 31, 8, 0));
  ASSERT_THAT(follower->RunCalendar(), IsOk());
  EXPECT_THAT(Sent("action_overdue"), ElementsAre("own@nt.test"));
  clock_->Set(UtcMinute(2026, 4, 12, 22, 59));  // 23:59 BST on 12 April: 13 days
  ASSERT_THAT(follower->RunCalendar(), IsOk());
  EXPECT_THAT(Sent("action_escalation"), IsEmpty());
  clock_->Set(UtcMinute(2026, 4, 12, 23, 1));  // 00:01 BST on 13 April: 14 days
  ASSERT_THAT(follower->RunCalendar(), IsOk());
  EXPECT_THAT(Sent("action_escalation"), ElementsAre("adm@nt.test"));
  EXPECT_THAT(Sent("action_overdue"), ElementsAre("own@nt.test"));
  for (const nv1::OutboxMessage& m : Outbox()) {
    if (m.rule() != "action_escalation") continue;
    EXPECT_EQ(m.idempotency_key(),
              absl::StrCat("action_escalation|", created.name(), "|2026-03-30|", m.recipient()));
    EXPECT_THAT(m.text_body(), HasSubstr("still open 14 days later"));
  }
}

TEST_F(NotificationTest, TheOutboxShowsEachCallerWhatIsTheirs) {
  ASSERT_FALSE(Outbox().empty());
  // Another partnership's administrator sees nothing of nt-p, and may not open its messages.
  EXPECT_THAT(Outbox(tokens_["other"]), IsEmpty());
  auto stub = hub_->NotificationStub();
  nv1::GetOutboxMessageRequest get;
  get.set_name(Outbox().front().name());
  nv1::OutboxMessage message;
  EXPECT_THAT(Call(*stub, &NStub::GetOutboxMessage, tokens_["other"], get, &message),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(Call(*stub, &NStub::GetOutboxMessage, hub_->admin_token(), get, &message), IsOk());
  // A respondent sees the messages addressed to them, and no one else's.
  for (const nv1::OutboxMessage& m : Outbox(tokens_["pol"])) {
    EXPECT_EQ(m.recipient_email(), "pol@nt.test");
  }
  EXPECT_FALSE(Outbox(tokens_["pol"]).empty());
  // The partnership's administrator sees all of nt-p's.
  EXPECT_EQ(Outbox(tokens_["adm"]).size(), Outbox().size());
  get.set_name("outboxMessages/abc");
  EXPECT_THAT(Call(*stub, &NStub::GetOutboxMessage, hub_->admin_token(), get, &message),
              StatusIs(absl::StatusCode::kInvalidArgument, "name"));
}

TEST_F(NotificationTest, SwitchesAreTheAdministratorsAndBadInputSavesNothing) {
  auto stub = hub_->NotificationStub();
  nv1::UpdateRuleSettingsRequest update;
  update.set_name("partnerships/nt-p/ruleSettings");
  nv1::RuleSwitch* off = update.add_rules();
  off->set_rule("round_opened");
  off->set_enabled(false);
  nv1::RuleSettings settings;
  EXPECT_THAT(Call(*stub, &NStub::UpdateRuleSettings, tokens_["viewer"], update, &settings),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(Call(*stub, &NStub::UpdateRuleSettings, tokens_["other"], update, &settings),
              StatusIs(absl::StatusCode::kNotFound));
  nv1::RuleSwitch* unknown = update.add_rules();
  unknown->set_rule("pizza_delivered");
  EXPECT_THAT(Call(*stub, &NStub::UpdateRuleSettings, tokens_["adm"], update, &settings),
              StatusIs(absl::StatusCode::kInvalidArgument, "unknown rule 'pizza_delivered'"));
  nv1::GetRuleSettingsRequest get;
  get.set_name("partnerships/nt-p/ruleSettings");
  ASSERT_THAT(Call(*stub, &NStub::GetRuleSettings, tokens_["viewer"], get, &settings), IsOk());
  for (const nv1::RuleSwitch& rule : settings.rules()) EXPECT_TRUE(rule.enabled()) << rule.rule();
  EXPECT_FALSE(settings.has_update_time());

  update.mutable_rules()->RemoveLast();
  ASSERT_THAT(Call(*stub, &NStub::UpdateRuleSettings, tokens_["adm"], update, &settings), IsOk());
  for (const nv1::RuleSwitch& rule : settings.rules()) {
    EXPECT_EQ(rule.enabled(), rule.rule() != "round_opened") << rule.rule();
  }
  get.set_name("partnerships/nope/ruleSettings");
  EXPECT_THAT(Call(*stub, &NStub::GetRuleSettings, hub_->admin_token(), get, &settings),
              StatusIs(absl::StatusCode::kNotFound));
}

}  // namespace
}  // namespace sixsteps::testing
