// The response deadline reminders (7 days, 1 day, passed) across a day boundary and the
// spring daylight-saving change in Europe/London (clock injected), and the scrutineer's
// report notices (shared, published) to the core partners.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "services/notification/deadline_rules.h"
#include "services/notification/templates.h"
#include "tests/support/settable_clock.h"
#include "tests/support/status_matchers.h"
#include "tests/unit/notification_people.h"

namespace sixsteps::notification {
namespace {

using auth::Role;
using ::sixsteps::testing::IsOk;
using ::sixsteps::testing::UtcMinute;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

constexpr char kPolice[] = "partnerships/p/organisations/police";
constexpr char kCouncil[] = "partnerships/p/organisations/council";

PartnershipPeople People() {
  return PeopleOfP("P Partnership", {{"pol1", Role::ROLE_PARTNER_RESPONDENT, kPolice},
                                     {"cou1", Role::ROLE_PARTNER_RESPONDENT, kCouncil},
                                     {"adm1", Role::ROLE_PARTNERSHIP_ADMINISTRATOR},
                                     {"adm2", Role::ROLE_PARTNERSHIP_ADMINISTRATOR},
                                     {"alice", Role::ROLE_INDEPENDENT_SCRUTINEER}});
}

OpenDeadline Deadline(absl::CivilDay day) {
  OpenDeadline deadline;
  deadline.assessment_id = "a";
  deadline.partnership_id = "p";
  deadline.region_id = "r";
  deadline.round_title = "Scrutiny 2026";
  deadline.respondent = {"r1", kPolice, ""};
  deadline.deadline = day;
  return deadline;
}

std::vector<std::string> RulesOf(const std::vector<Notice>& notices) {
  std::vector<std::string> out;
  for (const Notice& n : notices) out.push_back(absl::StrCat(n.rule, ":", n.recipient.principal));
  return out;
}

TEST(NotificationDeadlineRulesTest, RemindersByDay) {
  const absl::CivilDay day(2026, 5, 20);
  EXPECT_THAT(NoticesForDeadline(Deadline(day), day - 8, People(), {}), IsEmpty());
  EXPECT_THAT(RulesOf(NoticesForDeadline(Deadline(day), day - 7, People(), {})),
              ElementsAre("response_deadline_7_days:users/pol1"));
  EXPECT_THAT(RulesOf(NoticesForDeadline(Deadline(day), day - 2, People(), {})),
              ElementsAre("response_deadline_7_days:users/pol1"));
  EXPECT_THAT(RulesOf(NoticesForDeadline(Deadline(day), day - 1, People(), {})),
              ElementsAre("response_deadline_1_day:users/pol1"));
  EXPECT_THAT(RulesOf(NoticesForDeadline(Deadline(day), day, People(), {})),
              ElementsAre("response_deadline_1_day:users/pol1"));
  EXPECT_THAT(
      RulesOf(NoticesForDeadline(Deadline(day), day + 1, People(), {})),
      ElementsAre("response_deadline_passed:users/pol1", "response_deadline_passed:users/adm1",
                  "response_deadline_passed:users/adm2"));
  EXPECT_THAT(NoticesForDeadline(Deadline(day), day + 1, People(), {"response_deadline_passed"}),
              IsEmpty());
  EXPECT_EQ(DeadlineHorizon(day), day + 7);
}

TEST(NotificationDeadlineRulesTest, AScrutineerRespondentIsRemindedThemself) {
  OpenDeadline deadline = Deadline(absl::CivilDay(2026, 5, 20));
  deadline.respondent = {"r2", "", "users/alice"};
  EXPECT_THAT(RulesOf(NoticesForDeadline(deadline, absl::CivilDay(2026, 5, 19), People(), {})),
              ElementsAre("response_deadline_1_day:users/alice"));
}

TEST(NotificationDeadlineRulesTest, KeysHoldTheDeadlineSoAnExtensionIsANewNotice) {
  const absl::CivilDay day(2026, 5, 20);
  std::vector<Notice> first = NoticesForDeadline(Deadline(day), day - 6, People(), {});
  std::vector<Notice> later = NoticesForDeadline(Deadline(day), day - 3, People(), {});
  ASSERT_EQ(first.size(), 1u);
  ASSERT_EQ(later.size(), 1u);
  EXPECT_EQ(first[0].IdempotencyKey(),
            "response_deadline_7_days|assessments/a/respondents/r1|2026-05-20|users/pol1");
  EXPECT_EQ(first[0].IdempotencyKey(), later[0].IdempotencyKey());
  // Extended by three days: judged the same day, a reminder of the new deadline.
  std::vector<Notice> extended = NoticesForDeadline(Deadline(day + 3), day - 3, People(), {});
  ASSERT_EQ(extended.size(), 1u);
  EXPECT_EQ(extended[0].rule, "response_deadline_7_days");
  EXPECT_NE(extended[0].IdempotencyKey(), first[0].IdempotencyKey());
}

TEST(NotificationDeadlineRulesTest, TheDeadlinePassesAtLocalMidnightAcrossDaylightSaving) {
  absl::TimeZone london;
  ASSERT_TRUE(absl::LoadTimeZone("Europe/London", &london));
  // The deadline is the 29th, the day the clocks go forward: it passes at 00:00 BST on the
  // 30th, which is 23:00 UTC on the 29th.
  OpenDeadline deadline = Deadline(absl::CivilDay(2026, 3, 29));
  ::sixsteps::testing::SettableClock clock(
      UtcMinute(2026, 3, 28, 23, 59));  // GMT: the 28th, the day before
  EXPECT_THAT(RulesOf(NoticesForDeadline(deadline, TodayIn(clock, london), People(), {})),
              ElementsAre("response_deadline_1_day:users/pol1"));
  clock.Set(UtcMinute(2026, 3, 29, 22, 59));  // 23:59 BST on the 29th: the last day still
  EXPECT_THAT(RulesOf(NoticesForDeadline(deadline, TodayIn(clock, london), People(), {})),
              ElementsAre("response_deadline_1_day:users/pol1"));
  clock.Set(
      UtcMinute(2026, 3, 29, 23, 1));  // 00:01 BST on the 30th: passed, though UTC is the 29th
  EXPECT_THAT(
      RulesOf(NoticesForDeadline(deadline, TodayIn(clock, london), People(), {})),
      ElementsAre("response_deadline_passed:users/pol1", "response_deadline_passed:users/adm1",
                  "response_deadline_passed:users/adm2"));
}

av1::Change ReportChange(av1::ChangeKind kind, av1::ScrutinyReport::State state) {
  av1::Change change;
  change.set_sequence(40);
  change.set_kind(kind);
  change.set_partnership("partnerships/p");
  change.set_assessment("assessments/a");
  av1::ScrutinyReport& report = *change.mutable_scrutiny_report();
  report.set_name("assessments/a/scrutinyReport/versions/2");
  report.set_assessment("assessments/a");
  report.set_version(2);
  report.set_state(state);
  report.add_partners(kCouncil);
  return change;
}

TEST(NotificationDeadlineRulesTest, ReportSharedGoesToTheCorePartnersAndThePartnersAsked) {
  ChangeFacts facts;
  facts.round_title = "Scrutiny 2026";
  std::vector<Notice> notices = NoticesForChange(
      ReportChange(av1::CHANGE_KIND_SCRUTINY_REPORT_SHARED, av1::ScrutinyReport::STATE_SHARED),
      facts, People());
  EXPECT_THAT(RulesOf(notices), UnorderedElementsAre("scrutiny_report_shared:users/adm1",
                                                     "scrutiny_report_shared:users/adm2",
                                                     "scrutiny_report_shared:users/cou1"));
  absl::StatusOr<TemplateSet> templates = TemplateSet::Load("");
  ASSERT_THAT(templates, IsOk());
  absl::StatusOr<Composed> composed = templates->Compose(notices[0]);
  ASSERT_THAT(composed, IsOk());
  EXPECT_THAT(composed->subject, HasSubstr("\"Scrutiny 2026\" is shared for checking"));
  EXPECT_THAT(composed->text, HasSubstr("Version 2 of the scrutineer's report"));
}

TEST(NotificationDeadlineRulesTest, ReportPublishedGoesToTheCorePartners) {
  ChangeFacts facts;
  std::vector<Notice> notices =
      NoticesForChange(ReportChange(av1::CHANGE_KIND_SCRUTINY_REPORT_PUBLISHED,
                                    av1::ScrutinyReport::STATE_PUBLISHED),
                       facts, People());
  EXPECT_THAT(RulesOf(notices), ElementsAre("scrutiny_report_published:users/adm1",
                                            "scrutiny_report_published:users/adm2"));
  EXPECT_EQ(notices[0].IdempotencyKey(),
            "scrutiny_report_published|assessments/a/scrutinyReport/versions/2||users/adm1");
  facts.disabled_rules = {"scrutiny_report_published"};
  EXPECT_THAT(NoticesForChange(ReportChange(av1::CHANGE_KIND_SCRUTINY_REPORT_PUBLISHED,
                                            av1::ScrutinyReport::STATE_PUBLISHED),
                               facts, People()),
              IsEmpty());
  // A change whose report the caller may not read (a draft) names nobody.
  av1::Change redacted =
      ReportChange(av1::CHANGE_KIND_SCRUTINY_REPORT_SHARED, av1::ScrutinyReport::STATE_SHARED);
  redacted.clear_scrutiny_report();
  EXPECT_THAT(NoticesForChange(redacted, ChangeFacts(), People()), IsEmpty());
}

}  // namespace
}  // namespace sixsteps::notification
