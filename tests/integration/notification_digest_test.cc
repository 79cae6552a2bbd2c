// The weekly digest (digest, H1) against real identity, assessment and PostgreSQL: sent at
// the configured weekday and hour in the hub's time zone (clock injected) to each person
// with something open and nobody else, once per person and week also across a restart,
// across a week boundary and the spring daylight-saving change; with a List-Unsubscribe
// link whose token turns that person's digest off, and nobody else's; a forged, expired or
// another person's token refused with its status, changing nothing; preferences each
// person's own.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <pqxx/pqxx>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "services/common/status.h"
#include "services/notification/follower.h"
#include "services/notification/pg_store_webhooks.h"
#include "services/notification/service_secret.h"
#include "services/notification/webhook_store.h"
#include "sixsteps/action/v1/action_service.grpc.pb.h"
#include "tests/support/action_samples.h"
#include "tests/support/calls.h"
#include "tests/support/settable_clock.h"
#include "tests/support/shared_hub.h"
#include "tests/support/status_matchers.h"
#include "tests/support/test_hub.h"

namespace sixsteps::testing {
namespace {

namespace av1 = ::sixsteps::assessment::v1;
namespace acv1 = ::sixsteps::action::v1;
namespace nv1 = ::sixsteps::notification::v1;
using auth::Role;
using NStub = nv1::NotificationService::Stub;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

constexpr char kPartnership[] = "partnerships/dg-p";
constexpr char kPolice[] = "partnerships/dg-p/organisations/police";
constexpr char kUnsubscribeUrl[] = "https://hub.example.test/unsubscribe";

class NotificationDigestTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto hub = TestHub::Start("notification_digest");
    ASSERT_THAT(hub, IsOk());
    hub_ = hub->release();
    ASSERT_THAT(hub_->CreateRegion("dg-r"), IsOk());
    ASSERT_THAT(hub_->CreatePartnership("dg-p", "dg-r"), IsOk());
    ASSERT_THAT(hub_->CreateOrganisation(
                    "dg-p", "police", identity::v1::ORGANISATION_KIND_OTHER_RELEVANT_AGENCY, false),
                IsOk());
    auto user = [](const std::string& email, const std::vector<TestHub::Binding>& roles) {
      return SignedInUser(*hub_, email, roles);
    };
    tokens_["pol"] = user("pol@dg.test", {{Role::ROLE_PARTNER_RESPONDENT, kPartnership, kPolice}});
    tokens_["own"] = user("own@dg.test", {{Role::ROLE_ACTION_OWNER, kPartnership, kPolice}});
    tokens_["adm"] =
        user("adm@dg.test", {{Role::ROLE_PARTNERSHIP_ADMINISTRATOR, kPartnership, ""}});
    ASSERT_TRUE(absl::LoadTimeZone("Europe/London", &london_));
    clock_ = new SettableClock(UtcMinute(2030, 3, 8, 12, 0));  // Friday 8 March 2030, GMT
    notification::DigestOptions digests;
    digests.schedule = {absl::Weekday::monday, 8};
    digests.unsubscribe_url = kUnsubscribeUrl;
    hub_->set_digest_options(digests);
    ASSERT_THAT(hub_->StartNotification(clock_, london_), IsOk());
  }
  static void TearDownTestSuite() {
    delete hub_;
    hub_ = nullptr;
  }

  // A draft round answered by the police (deadline 2030-03-29) and an action it owns.
  static void OpenThings() {
    auto assessments = hub_->AssessmentStub();
    av1::CreateAssessmentRequest create;
    av1::Assessment* a = create.mutable_assessment();
    a->set_partnership(kPartnership);
    a->set_framework_version("frameworks/six-steps/versions/2019");
    a->set_kind(av1::ASSESSMENT_KIND_INDEPENDENT_SCRUTINY);
    a->set_title("Scrutiny <2030>");
    a->set_period_start("2029-04-01");
    a->set_period_end("2030-03-31");
    av1::Assessment round;
    ASSERT_THAT(Call(*assessments, &av1::AssessmentService::Stub::CreateAssessment, tokens_["adm"],
                     create, &round),
                IsOk());
    av1::AddRespondentRequest add;
    add.set_parent(round.name());
    add.mutable_respondent()->set_organisation(kPolice);
    add.mutable_respondent()->set_response_deadline("2030-03-29");
    av1::Respondent police;
    ASSERT_THAT(Call(*assessments, &av1::AssessmentService::Stub::AddRespondent, tokens_["adm"],
                     add, &police),
                IsOk());
    acv1::CreateActionRequest request = ImprovementAction(round.name(), kPolice, "2030-03-20");
    acv1::Action created;
    auto actions = hub_->ActionStub();
    ASSERT_THAT(
        Call(*actions, &acv1::ActionService::Stub::CreateAction, tokens_["adm"], request, &created),
        IsOk());
  }

  // At `now`: the feed to its head, then the digests.
  static void Judge(absl::Time now) {
    clock_->Set(now);
    ASSERT_THAT(hub_->notification_follower()->CatchUp(), IsOk());
    ASSERT_THAT(hub_->notification_follower()->RunDigests(), IsOk());
  }

  static std::vector<nv1::OutboxMessage> Digests() {
    auto stub = hub_->NotificationStub();
    nv1::ListOutboxMessagesRequest request;
    request.set_page_size(500);
    nv1::ListOutboxMessagesResponse page;
    EXPECT_THAT(Call(*stub, &NStub::ListOutboxMessages, hub_->admin_token(), request, &page),
                IsOk());
    std::vector<nv1::OutboxMessage> digests;
    for (const auto& m : page.messages()) {
      if (m.rule() == "weekly_digest") digests.insert(digests.begin(), m);
    }
    return digests;
  }

  static std::vector<std::string> To(const std::vector<nv1::OutboxMessage>& messages) {
    std::vector<std::string> to;
    for (const auto& m : messages) to.push_back(m.recipient_email());
    return to;
  }

  static absl::StatusOr<nv1::NotificationPreferences> Preferences(const std::string& who) {
    nv1::GetNotificationPreferencesRequest request;
    request.set_name("users/me/notificationPreferences");
    nv1::NotificationPreferences preferences;
    auto stub = hub_->NotificationStub();
    SIXSTEPS_RETURN_IF_ERROR(
        Call(*stub, &NStub::GetNotificationPreferences, tokens_[who], request, &preferences));
    return preferences;
  }

  // UnsubscribeDigest with `token`, as `who` (no access token if empty).
  static absl::Status Unsubscribe(const std::string& token, const std::string& who = "") {
    nv1::UnsubscribeDigestRequest request;
    request.set_token(token);
    nv1::NotificationPreferences answer;
    grpc::ClientContext context;
    if (!who.empty()) Authorize(context, tokens_[who]);
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
    return FromGrpcStatus(hub_->NotificationStub()->UnsubscribeDigest(&context, request, &answer));
  }

  static TestHub* hub_;
  static std::map<std::string, std::string> tokens_;
  static SettableClock* clock_;
  static absl::TimeZone london_;
};

TestHub* NotificationDigestTest::hub_ = nullptr;
std::map<std::string, std::string> NotificationDigestTest::tokens_;
SettableClock* NotificationDigestTest::clock_ = nullptr;
absl::TimeZone NotificationDigestTest::london_;

TEST_F(NotificationDigestTest, WeeklyOncePerPersonAcrossRestartAndSummerTimeAndOptOut) {
  // The first run marks the current week: a new hub does not send at once.
  Judge(UtcMinute(2030, 3, 8, 12, 0));
  OpenThings();
  Judge(UtcMinute(2030, 3, 8, 12, 1));
  EXPECT_THAT(Digests(), IsEmpty());
  // Monday 11 March, 07:59 GMT: not yet; 08:00: the respondent and the action owner, not
  // the administrator (nothing open for them).
  Judge(UtcMinute(2030, 3, 11, 7, 59));
  EXPECT_THAT(Digests(), IsEmpty());
  Judge(UtcMinute(2030, 3, 11, 8, 0));
  std::vector<nv1::OutboxMessage> sent = Digests();
  EXPECT_THAT(To(sent), UnorderedElementsAre("pol@dg.test", "own@dg.test"));
  for (const nv1::OutboxMessage& m : sent) {
    EXPECT_TRUE(
        absl::StartsWith(m.list_unsubscribe(), absl::StrCat("<", kUnsubscribeUrl, "?token=v1.")))
        << m.list_unsubscribe();
    EXPECT_EQ(m.partnership(), "");
    if (m.recipient_email() == "pol@dg.test") {
      EXPECT_THAT(m.text_body(), HasSubstr("\"Scrutiny <2030>\" of "));
      EXPECT_THAT(m.text_body(), HasSubstr("answers due by 2030-03-29 (in 18 days)"));
      EXPECT_THAT(m.html_body(), HasSubstr("Scrutiny &lt;2030&gt;"));
    } else {
      EXPECT_THAT(m.text_body(), HasSubstr("Audit the <referrals> — due 2030-03-20 (in 9 days)"));
    }
  }
  // Again, and after a restart: nothing more that week.
  Judge(UtcMinute(2030, 3, 11, 9, 0));
  hub_->StopNotification();
  ASSERT_THAT(hub_->StartNotification(clock_, london_), IsOk());
  Judge(UtcMinute(2030, 3, 17, 23, 59));
  EXPECT_EQ(Digests().size(), 2u);

  // The week of Monday 25 March (GMT), then Monday 1 April 2030, summer time (the clocks
  // went forward on 31 March): 08:00 BST is 07:00 UTC.
  Judge(UtcMinute(2030, 3, 25, 8, 0));
  EXPECT_EQ(Digests().size(), 4u);
  Judge(UtcMinute(2030, 4, 1, 6, 59));
  EXPECT_EQ(Digests().size(), 4u);
  Judge(UtcMinute(2030, 4, 1, 7, 0));
  sent = Digests();
  ASSERT_EQ(sent.size(), 6u);
  EXPECT_THAT(To({sent[4], sent[5]}), UnorderedElementsAre("pol@dg.test", "own@dg.test"));
  for (int i : {4, 5}) {
    // Both late now; a new week is a new key.
    EXPECT_THAT(sent[i].text_body(), HasSubstr(sent[i].recipient_email() == "pol@dg.test"
                                                   ? "2030-03-29 (3 days ago)"
                                                   : "OVERDUE, was due 2030-03-20 (12 days ago)"));
    EXPECT_THAT(sent[i].idempotency_key(), HasSubstr("|2030-04-01|"));
  }

  // The respondent's link turns their digest off, and only theirs.
  std::string pol_link;
  for (const nv1::OutboxMessage& m : sent) {
    if (m.recipient_email() == "pol@dg.test") pol_link = m.list_unsubscribe();
  }
  absl::string_view token = pol_link;
  ASSERT_TRUE(absl::ConsumePrefix(&token, absl::StrCat("<", kUnsubscribeUrl, "?token=")));
  ASSERT_TRUE(absl::ConsumeSuffix(&token, ">"));
  absl::StatusOr<nv1::NotificationPreferences> pol = Preferences("pol");
  ASSERT_THAT(pol, IsOk());
  const std::string pol_principal(absl::StripSuffix(pol->name(), "/notificationPreferences"));

  // Refused, changing nothing: forged (another secret), altered, expired, another person's.
  absl::StatusOr<notification::ServiceSecret> other =
      notification::ServiceSecret::FromSecret("not-the-hubs-secret-at-all");
  ASSERT_THAT(other, IsOk());
  EXPECT_THAT(Unsubscribe(other->UnsubscribeToken(pol_principal, absl::Now() + absl::Hours(1))),
              StatusIs(absl::StatusCode::kUnauthenticated));
  std::string altered(token);
  altered[5] = altered[5] == 'A' ? 'B' : 'A';
  EXPECT_THAT(Unsubscribe(altered), StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(Unsubscribe(hub_->notification_secret().UnsubscribeToken(
                  pol_principal, clock_->Now() - absl::Seconds(1))),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(Unsubscribe(std::string(token), "own"),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(Unsubscribe(std::string(token), "nonsense-access-token"),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_TRUE(Preferences("pol")->weekly_digest());
  EXPECT_TRUE(Preferences("own")->weekly_digest());

  // The one-click POST carries no access token; the person's own session may send it too.
  ASSERT_THAT(Unsubscribe(std::string(token)), IsOk());
  ASSERT_THAT(Unsubscribe(std::string(token), "pol"), IsOk());  // again: nothing more
  EXPECT_FALSE(Preferences("pol")->weekly_digest());
  EXPECT_TRUE(Preferences("own")->weekly_digest());

  // The next week: the action owner only.
  Judge(UtcMinute(2030, 4, 8, 7, 0));
  sent = Digests();
  ASSERT_EQ(sent.size(), 7u);
  EXPECT_EQ(sent[6].recipient_email(), "own@dg.test");
}

TEST_F(NotificationDigestTest, PreferencesAreEachPersonsOwn) {
  auto stub = hub_->NotificationStub();
  absl::StatusOr<nv1::NotificationPreferences> own = Preferences("own");
  ASSERT_THAT(own, IsOk());
  nv1::UpdateNotificationPreferencesRequest update;
  update.mutable_preferences()->set_name(own->name());
  update.mutable_preferences()->set_weekly_digest(false);
  update.set_update_mask("weekly_digest");
  nv1::NotificationPreferences answer;
  // The partnership's administrator may not turn the owner's digest off.
  EXPECT_THAT(Call(*stub, &NStub::UpdateNotificationPreferences, tokens_["adm"], update, &answer),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(
      Call(*stub, &NStub::UpdateNotificationPreferences, hub_->admin_token(), update, &answer),
      StatusIs(absl::StatusCode::kPermissionDenied));
  nv1::GetNotificationPreferencesRequest get;
  get.set_name(own->name());
  EXPECT_THAT(Call(*stub, &NStub::GetNotificationPreferences, tokens_["adm"], get, &answer),
              StatusIs(absl::StatusCode::kPermissionDenied));
  // Bad input, nothing saved.
  update.set_update_mask("weekly_digest,email");
  EXPECT_THAT(Call(*stub, &NStub::UpdateNotificationPreferences, tokens_["own"], update, &answer),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_TRUE(Preferences("own")->weekly_digest());
  // Their own: off and on again.
  update.set_update_mask("weekly_digest");
  ASSERT_THAT(Call(*stub, &NStub::UpdateNotificationPreferences, tokens_["own"], update, &answer),
              IsOk());
  EXPECT_FALSE(answer.weekly_digest());
  EXPECT_TRUE(answer.has_update_time());
  EXPECT_FALSE(Preferences("own")->weekly_digest());
  update.mutable_preferences()->set_weekly_digest(true);
  ASSERT_THAT(Call(*stub, &NStub::UpdateNotificationPreferences, tokens_["own"], update, &answer),
              IsOk());
  EXPECT_TRUE(Preferences("own")->weekly_digest());
}

// Webhook debts (H1): secrets sealed at rest, clear rows of an older version sealed at
// start and still readable, and a region's subscription only for a region identity has.
TEST_F(NotificationDigestTest, WebhookSecretsAreSealedAndRegionsChecked) {
  auto stub = hub_->NotificationStub();
  nv1::CreateWebhookRequest create;
  create.set_parent("regions/no-such-region");
  create.mutable_webhook()->set_url("https://127.0.0.1:9/hooks");
  create.mutable_webhook()->add_event_types("action_overdue");
  nv1::Webhook created;
  EXPECT_THAT(Call(*stub, &NStub::CreateWebhook, hub_->admin_token(), create, &created),
              StatusIs(absl::StatusCode::kNotFound));
  create.set_parent(kPartnership);
  ASSERT_THAT(Call(*stub, &NStub::CreateWebhook, hub_->admin_token(), create, &created), IsOk());
  ASSERT_TRUE(absl::StartsWith(created.secret(), "whsec_"));
  const std::string id(created.name().substr(created.name().rfind('/') + 1));
  pqxx::connection connection(hub_->notification_database_url());
  {
    pqxx::work txn(connection);
    pqxx::row row = txn.exec_params1(
        "SELECT secret, secret_sealed IS NOT NULL, position($2::bytea in secret_sealed) "
        "FROM webhook_subscriptions WHERE subscription_id = $1",
        id, created.secret());
    EXPECT_EQ(row[0].as<std::string>(), "");
    EXPECT_TRUE(row[1].as<bool>());
    EXPECT_EQ(row[2].as<int>(), 0);  // the secret is nowhere in clear
    // As an older version kept it.
    txn.exec_params(
        "UPDATE webhook_subscriptions SET secret = $2, secret_sealed = NULL "
        "WHERE subscription_id = $1",
        id, "whsec_bGVnYWN5LXNlY3JldC1vZi10aGUtaHVi");
    txn.commit();
  }
  absl::StatusOr<notification::WebhookSubscription> legacy =
      hub_->webhook_store()->GetWebhook({"dg-p", "dg-r"}, id);
  ASSERT_THAT(legacy, IsOk());
  EXPECT_EQ(legacy->secret, "whsec_bGVnYWN5LXNlY3JldC1vZi10aGUtaHVi");
  absl::StatusOr<int> sealed = hub_->webhook_store()->SealClearSecrets();
  ASSERT_THAT(sealed, IsOk());
  EXPECT_EQ(*sealed, 1);
  {
    pqxx::work txn(connection);
    EXPECT_EQ(txn.exec_params1(
                     "SELECT secret FROM webhook_subscriptions WHERE subscription_id = $1", id)[0]
                  .as<std::string>(),
              "");
  }
  legacy = hub_->webhook_store()->GetWebhook({"dg-p", "dg-r"}, id);
  ASSERT_THAT(legacy, IsOk());
  EXPECT_EQ(legacy->secret, "whsec_bGVnYWN5LXNlY3JldC1vZi10aGUtaHVi");
}

}  // namespace
}  // namespace sixsteps::testing
