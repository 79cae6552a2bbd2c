// The response deadline reminders against real identity, assessment (a planned round opened
// by the opener, as on its open date) and PostgreSQL: 7 days before, the day before and
// the day itself, passed — to the respondent, and at passing also to the partnership
// administrators — on the hub's date across the spring daylight-saving change (the clock
// injected), never twice, also after a restart; an extended deadline is reminded anew.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "services/assessment/pg_store_programme.h"
#include "services/assessment/programme_opener.h"
#include "services/common/db.h"
#include "services/common/status.h"
#include "services/notification/follower.h"
#include "tests/support/calls.h"
#include "tests/support/settable_clock.h"
#include "tests/support/status_matchers.h"
#include "tests/support/test_hub.h"

namespace sixsteps::testing {
namespace {

namespace av1 = ::sixsteps::assessment::v1;
namespace nv1 = ::sixsteps::notification::v1;
using auth::Role;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

constexpr char kPartnership[] = "partnerships/dl-p";
constexpr char kPolice[] = "partnerships/dl-p/organisations/police";
// The UK's clocks go forward on Sunday 31 March 2030: the deadline is that day.
constexpr char kDeadline[] = "2030-03-31";

using TestClock = SettableClock;

class NotificationDeadlinesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto hub = TestHub::Start("notification_deadlines");
    ASSERT_THAT(hub, IsOk());
    hub_ = hub->release();
    ASSERT_THAT(hub_->CreateRegion("dl-r"), IsOk());
    ASSERT_THAT(hub_->CreatePartnership("dl-p", "dl-r"), IsOk());
    ASSERT_THAT(hub_->CreateOrganisation(
                    "dl-p", "police", identity::v1::ORGANISATION_KIND_OTHER_RELEVANT_AGENCY, false),
                IsOk());
    ASSERT_THAT(hub_->UserWithRoles("pol@dl.test",
                                    {{Role::ROLE_PARTNER_RESPONDENT, kPartnership, kPolice}}),
                IsOk());
    absl::StatusOr<std::string> admin = hub_->UserWithRoles(
        "adm@dl.test", {{Role::ROLE_PARTNERSHIP_ADMINISTRATOR, kPartnership, ""}});
    ASSERT_THAT(admin, IsOk());
    admin_ = *admin;
    ASSERT_TRUE(absl::LoadTimeZone("Europe/London", &london_));
    clock_ = new TestClock();
    clock_->Set(UtcMinute(2030, 3, 1, 12, 0));
    ASSERT_THAT(hub_->StartNotification(clock_, london_), IsOk());
  }
  static void TearDownTestSuite() {
    delete hub_;
    hub_ = nullptr;
  }

  // Plans a round of dl-p answered by its police, and opens it as the opener does on its
  // open date: its respondent has the plan's response deadline. Returns the respondent.
  static av1::Respondent OpenPlannedRound() {
    av1::CreatePlannedRoundRequest request;
    av1::PlannedRound* plan = request.mutable_planned_round();
    plan->set_partnership(kPartnership);
    plan->set_kind(av1::ASSESSMENT_KIND_SELF_ASSESSMENT);
    plan->set_framework_version("frameworks/six-steps/versions/2019");
    plan->set_cadence(av1::PlannedRound::CADENCE_ONE_OFF);
    plan->set_title("Self-assessment <2030>");
    plan->set_period_start("2029-04-01");
    plan->set_period_end("2030-02-28");
    plan->set_open_date("2030-03-01");
    plan->set_response_deadline(kDeadline);
    plan->set_report_due_date("2030-04-30");
    plan->add_standing_respondents()->set_organisation(kPolice);
    av1::PlannedRound planned;
    auto programme = hub_->ProgrammeStub();
    EXPECT_THAT(Call(*programme, &av1::ProgrammeService::Stub::CreatePlannedRound, admin_, request,
                     &planned),
                IsOk());
    // The opener on its own pool, its clock on the open date (as the service's would be).
    TestClock opening;
    opening.Set(UtcMinute(2030, 3, 1, 12, 0));
    db::ConnectionPool pool(hub_->assessment_database_url(), 2, absl::Seconds(2));
    assessment::PgProgrammeStore store(&pool, nullptr);
    assessment::PlannedRoundOpener opener(&store, &opening, absl::UTCTimeZone());
    absl::StatusOr<std::vector<std::string>> opened = opener.OpenDue();
    EXPECT_THAT(opened, IsOk());
    av1::GetPlannedRoundRequest get;
    get.set_name(planned.name());
    EXPECT_THAT(
        Call(*programme, &av1::ProgrammeService::Stub::GetPlannedRound, admin_, get, &planned),
        IsOk());
    av1::ListRespondentsRequest list;
    list.set_parent(planned.assessment());
    av1::ListRespondentsResponse respondents;
    auto assessment = hub_->AssessmentStub();
    EXPECT_THAT(Call(*assessment, &av1::AssessmentService::Stub::ListRespondents, admin_, list,
                     &respondents),
                IsOk());
    EXPECT_EQ(respondents.respondents_size(), 1);
    return respondents.respondents_size() > 0 ? respondents.respondents(0) : av1::Respondent();
  }

  static std::vector<nv1::OutboxMessage> Outbox() {
    auto stub = hub_->NotificationStub();
    std::vector<nv1::OutboxMessage> all;
    nv1::ListOutboxMessagesRequest request;
    request.set_page_size(500);
    nv1::ListOutboxMessagesResponse page;
    EXPECT_THAT(Call(*stub, &nv1::NotificationService::Stub::ListOutboxMessages,
                     hub_->admin_token(), request, &page),
                IsOk());
    for (const auto& m : page.messages()) all.insert(all.begin(), m);
    return all;
  }

  static std::vector<std::string> Sent(const std::string& rule) {
    std::vector<std::string> sent;
    for (const auto& m : Outbox()) {
      if (m.rule() == rule) sent.push_back(m.recipient_email());
    }
    return sent;
  }

  // The feed to its head, then the calendar at the clock's time.
  static void Judge(absl::Time now) {
    clock_->Set(now);
    ASSERT_THAT(hub_->notification_follower()->CatchUp(), IsOk());
    ASSERT_THAT(hub_->notification_follower()->RunCalendar(), IsOk());
  }

  static TestHub* hub_;
  static std::string admin_;
  static TestClock* clock_;
  static absl::TimeZone london_;
};

TestHub* NotificationDeadlinesTest::hub_ = nullptr;
std::string NotificationDeadlinesTest::admin_;
TestClock* NotificationDeadlinesTest::clock_ = nullptr;
absl::TimeZone NotificationDeadlinesTest::london_;

TEST_F(NotificationDeadlinesTest, RemindersFollowTheHubsDateAcrossDaylightSavingOnce) {
  av1::Respondent respondent = OpenPlannedRound();
  ASSERT_EQ(respondent.response_deadline(), kDeadline);
  // Eight days before: nothing yet.
  Judge(UtcMinute(2030, 3, 23, 12, 0));
  EXPECT_THAT(Sent("response_deadline_7_days"), IsEmpty());
  // Seven days before (GMT).
  Judge(UtcMinute(2030, 3, 24, 0, 1));
  EXPECT_THAT(Sent("response_deadline_7_days"), ElementsAre("pol@dl.test"));
  // 23:59 GMT on the 29th: still two days; 00:01 on the 30th: the day before.
  Judge(UtcMinute(2030, 3, 29, 23, 59));
  EXPECT_THAT(Sent("response_deadline_1_day"), IsEmpty());
  Judge(UtcMinute(2030, 3, 30, 0, 1));
  EXPECT_THAT(Sent("response_deadline_1_day"), ElementsAre("pol@dl.test"));
  // The deadline day (the clocks go forward at 01:00 UTC): 23:59 BST is 22:59 UTC, still the
  // last day; 00:01 BST on 1 April is 23:01 UTC on the 31st: passed.
  Judge(UtcMinute(2030, 3, 31, 22, 59));
  EXPECT_THAT(Sent("response_deadline_passed"), IsEmpty());
  Judge(UtcMinute(2030, 3, 31, 23, 1));
  EXPECT_THAT(Sent("response_deadline_passed"), UnorderedElementsAre("pol@dl.test", "adm@dl.test"));

  // A restart, and the days judged again: nothing twice.
  hub_->StopNotification();
  ASSERT_THAT(hub_->StartNotification(clock_, london_), IsOk());
  Judge(UtcMinute(2030, 4, 2, 9, 0));
  EXPECT_THAT(Sent("response_deadline_7_days"), ElementsAre("pol@dl.test"));
  EXPECT_THAT(Sent("response_deadline_1_day"), ElementsAre("pol@dl.test"));
  EXPECT_THAT(Sent("response_deadline_passed"), UnorderedElementsAre("pol@dl.test", "adm@dl.test"));
  for (const nv1::OutboxMessage& m : Outbox()) {
    if (m.rule() == "response_deadline_1_day") {
      EXPECT_EQ(m.idempotency_key(), absl::StrCat("response_deadline_1_day|", respondent.name(),
                                                  "|2030-03-31|", m.recipient()));
      EXPECT_THAT(m.subject(), HasSubstr("due by 2030-03-31"));
      EXPECT_THAT(m.html_body(), HasSubstr("Self-assessment &lt;2030&gt;"));
    }
    if (m.rule() == "response_deadline_passed") {
      EXPECT_THAT(m.text_body(), HasSubstr("has passed (1 days ago)"));
    }
  }

  // Extended to 14 April: the new deadline is reminded anew, 7 days before it.
  av1::ExtendResponseDeadlineRequest extend;
  extend.set_name(respondent.name());
  extend.set_deadline("2030-04-14");
  extend.set_reason("The police asked for two more weeks");
  av1::Respondent extended;
  auto programme = hub_->ProgrammeStub();
  ASSERT_THAT(Call(*programme, &av1::ProgrammeService::Stub::ExtendResponseDeadline, admin_, extend,
                   &extended),
              IsOk());
  Judge(UtcMinute(2030, 4, 7, 12, 0));
  EXPECT_THAT(Sent("response_deadline_7_days"), ElementsAre("pol@dl.test", "pol@dl.test"));
  EXPECT_THAT(Sent("response_deadline_passed"), UnorderedElementsAre("pol@dl.test", "adm@dl.test"));
}

}  // namespace
}  // namespace sixsteps::testing
