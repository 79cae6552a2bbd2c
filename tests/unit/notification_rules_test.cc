// The notification rules: recipients, idempotency keys, switches, and the calendar rules
// across a day boundary and a daylight-saving change in Europe/London (clock injected).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/time/civil_time.h"
#include "services/notification/notification_service.h"
#include "services/notification/rules.h"
#include "tests/support/status_matchers.h"
#include "tests/unit/notification_people.h"

namespace sixsteps::notification {
namespace {

using ::sixsteps::testing::IsOk;
using ::sixsteps::testing::StatusIs;

using auth::Role;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

class FixedClock final : public Clock {
 public:
  explicit FixedClock(absl::Time now) : now_(now) {}
  absl::Time Now() const override { return now_; }
  void Set(absl::Time now) { now_ = now; }

 private:
  absl::Time now_;
};

constexpr char kPolice[] = "partnerships/p/organisations/police";
constexpr char kCouncil[] = "partnerships/p/organisations/council";

PartnershipPeople People() {
  return PeopleOfP("P Partnership", {{"pol1", Role::ROLE_PARTNER_RESPONDENT, kPolice},
                                     {"pol2", Role::ROLE_PARTNER_RESPONDENT, kPolice},
                                     {"cou1", Role::ROLE_PARTNER_RESPONDENT, kCouncil},
                                     {"own1", Role::ROLE_ACTION_OWNER, kPolice},
                                     {"own2", Role::ROLE_ACTION_OWNER, kCouncil},
                                     {"adm1", Role::ROLE_PARTNERSHIP_ADMINISTRATOR},
                                     {"alice", Role::ROLE_INDEPENDENT_SCRUTINEER}});
}

std::vector<std::string> Recipients(const std::vector<Notice>& notices) {
  std::vector<std::string> to;
  for (const Notice& n : notices) to.push_back(n.recipient.principal);
  return to;
}

av1::Change RoundChange(av1::ChangeKind kind, av1::Assessment::State state, int revision) {
  av1::Change change;
  change.set_sequence(7);
  change.set_kind(kind);
  change.set_partnership("partnerships/p");
  change.set_assessment("assessments/a");
  av1::Assessment& round = *change.mutable_assessment_record();
  round.set_name("assessments/a");
  round.set_title("Scrutiny 2026");
  round.set_state(state);
  round.set_revision(revision);
  return change;
}

ChangeFacts WithRespondents() {
  ChangeFacts facts;
  facts.round_title = "Scrutiny 2026";
  facts.respondents = {{"r1", kPolice, ""}, {"r2", "", "users/alice"}};
  return facts;
}

TEST(NotificationRulesTest, RoundOpenedGoesToEveryRespondentsUsers) {
  std::vector<Notice> notices = NoticesForChange(
      RoundChange(av1::CHANGE_KIND_ASSESSMENT_STATE_CHANGED, av1::Assessment::STATE_DRAFT, 2),
      WithRespondents(), People());
  EXPECT_THAT(Recipients(notices), UnorderedElementsAre("users/pol1", "users/pol2", "users/alice"));
  EXPECT_EQ(notices[0].rule, "round_opened");
  EXPECT_EQ(notices[0].fields.at("round_title"), "Scrutiny 2026");
  EXPECT_EQ(notices[0].IdempotencyKey(), "round_opened|assessments/a|2|users/pol1");
}

TEST(NotificationRulesTest, RoundMovedToReviewIsNoOpening) {
  EXPECT_THAT(NoticesForChange(RoundChange(av1::CHANGE_KIND_ASSESSMENT_STATE_CHANGED,
                                           av1::Assessment::STATE_IN_REVIEW, 1),
                               WithRespondents(), People()),
              IsEmpty());
}

TEST(NotificationRulesTest, RespondentAssignedGoesToTheOrganisationsRespondents) {
  av1::Change change;
  change.set_kind(av1::CHANGE_KIND_RESPONDENT_ADDED);
  change.set_partnership("partnerships/p");
  change.set_assessment("assessments/a");
  change.mutable_respondent()->set_name("assessments/a/respondents/r3");
  change.mutable_respondent()->set_organisation(kCouncil);
  std::vector<Notice> notices = NoticesForChange(change, WithRespondents(), People());
  EXPECT_THAT(Recipients(notices), ElementsAre("users/cou1"));
  EXPECT_EQ(notices[0].IdempotencyKey(),
            "respondent_assigned|assessments/a/respondents/r3||users/cou1");
}

av1::Change ChallengeChange(av1::ChangeKind kind) {
  av1::Change change;
  change.set_sequence(41);
  change.set_kind(kind);
  change.set_partnership("partnerships/p");
  change.set_assessment("assessments/a");
  av1::Challenge& c = *change.mutable_challenge();
  c.set_name("assessments/a/challenges/c1");
  c.set_response("assessments/a/respondents/r1/responses/s1.q1");
  c.set_question_id("s1.q1");
  c.set_text("Where is the evidence?");
  c.set_answer("In the audit.");
  c.set_raised_by("users/alice");
  return change;
}

TEST(NotificationRulesTest, ChallengeRaisedGoesToTheChallengedRespondentOnly) {
  std::vector<Notice> notices = NoticesForChange(ChallengeChange(av1::CHANGE_KIND_CHALLENGE_RAISED),
                                                 WithRespondents(), People());
  EXPECT_THAT(Recipients(notices), UnorderedElementsAre("users/pol1", "users/pol2"));
  EXPECT_EQ(notices[0].fields.at("challenge_text"), "Where is the evidence?");
}

TEST(NotificationRulesTest, ChallengeAnsweredGoesToWhoRaisedIt) {
  std::vector<Notice> notices = NoticesForChange(
      ChallengeChange(av1::CHANGE_KIND_CHALLENGE_ANSWERED), WithRespondents(), People());
  EXPECT_THAT(Recipients(notices), ElementsAre("users/alice"));
  EXPECT_EQ(notices[0].IdempotencyKey(),
            "challenge_answered|assessments/a/challenges/c1|41|users/alice");
}

TEST(NotificationRulesTest, ARaiserNotBoundOnThePartnershipIsFoundAmongOthers) {
  PartnershipPeople people = People();
  av1::Change change = ChallengeChange(av1::CHANGE_KIND_CHALLENGE_ANSWERED);
  change.mutable_challenge()->set_raised_by("users/hubby");
  EXPECT_THAT(NoticesForChange(change, WithRespondents(), people), IsEmpty());
  people.others.push_back({"users/hubby", "hubby@example.org", "Hubby"});
  EXPECT_THAT(Recipients(NoticesForChange(change, WithRespondents(), people)),
              ElementsAre("users/hubby"));
  EXPECT_THAT(PrincipalsNamedBy(change), ElementsAre("users/hubby"));
}

TEST(NotificationRulesTest, ASwitchedOffRuleGivesNothing) {
  ChangeFacts facts = WithRespondents();
  facts.disabled_rules = {"challenge_raised"};
  EXPECT_THAT(NoticesForChange(ChallengeChange(av1::CHANGE_KIND_CHALLENGE_RAISED), facts, People()),
              IsEmpty());
}

OpenAction Action(absl::CivilDay due, const char* owner = kPolice) {
  return {"x1", "p", "r", "a", "Audit the referrals", owner, due};
}

std::vector<std::string> RulesOf(const std::vector<Notice>& notices) {
  std::vector<std::string> rules;
  for (const Notice& n : notices) rules.push_back(n.rule + ":" + n.recipient.principal);
  return rules;
}

TEST(NotificationRulesTest, CalendarRulesByDay) {
  const absl::CivilDay due(2026, 5, 20);
  EXPECT_THAT(NoticesForDay(Action(due), due - 15, People(), {}), IsEmpty());
  EXPECT_THAT(RulesOf(NoticesForDay(Action(due), due - 14, People(), {})),
              ElementsAre("action_due_soon:users/own1"));
  EXPECT_THAT(RulesOf(NoticesForDay(Action(due), due - 1, People(), {})),
              ElementsAre("action_due_soon:users/own1"));
  EXPECT_THAT(RulesOf(NoticesForDay(Action(due), due, People(), {})),
              ElementsAre("action_due_today:users/own1"));
  EXPECT_THAT(RulesOf(NoticesForDay(Action(due), due + 1, People(), {})),
              ElementsAre("action_overdue:users/own1"));
  EXPECT_THAT(RulesOf(NoticesForDay(Action(due), due + 13, People(), {})),
              ElementsAre("action_overdue:users/own1"));
  EXPECT_THAT(RulesOf(NoticesForDay(Action(due), due + 14, People(), {})),
              ElementsAre("action_overdue:users/own1", "action_escalation:users/adm1"));
  EXPECT_THAT(RulesOf(NoticesForDay(Action(due), due + 14, People(), {"action_escalation"})),
              ElementsAre("action_overdue:users/own1"));
}

TEST(NotificationRulesTest, CalendarKeysHoldTheDueDateNotTheDay) {
  const absl::CivilDay due(2026, 5, 20);
  // Judged on two days, the same notice has the same key: the store keeps it once.
  std::vector<Notice> first = NoticesForDay(Action(due), due - 10, People(), {});
  std::vector<Notice> later = NoticesForDay(Action(due), due - 3, People(), {});
  ASSERT_EQ(first.size(), 1u);
  ASSERT_EQ(later.size(), 1u);
  EXPECT_EQ(first[0].IdempotencyKey(), "action_due_soon|actions/x1|2026-05-20|users/own1");
  EXPECT_EQ(first[0].IdempotencyKey(), later[0].IdempotencyKey());
  // A new due date is a new notice.
  EXPECT_NE(NoticesForDay(Action(due + 7), due - 3, People(), {})[0].IdempotencyKey(),
            first[0].IdempotencyKey());
}

absl::Time Utc(int y, int m, int d, int hh, int mm) {
  return absl::FromCivil(absl::CivilMinute(y, m, d, hh, mm), absl::UTCTimeZone());
}

TEST(NotificationRulesTest, TheHubsDateTurnsAtLocalMidnightAcrossDaylightSaving) {
  absl::TimeZone london;
  ASSERT_TRUE(absl::LoadTimeZone("Europe/London", &london));
  FixedClock clock(Utc(2026, 3, 28, 23, 59));  // GMT: still the 28th
  EXPECT_EQ(TodayIn(clock, london), absl::CivilDay(2026, 3, 28));
  clock.Set(Utc(2026, 3, 29, 0, 1));  // the 29th, the clocks go forward at 01:00 UTC
  EXPECT_EQ(TodayIn(clock, london), absl::CivilDay(2026, 3, 29));
  clock.Set(Utc(2026, 3, 29, 22, 59));  // BST: 23:59 on the 29th
  EXPECT_EQ(TodayIn(clock, london), absl::CivilDay(2026, 3, 29));
  clock.Set(Utc(2026, 3, 29, 23, 1));  // BST: 00:01 on the 30th, though UTC is the 29th
  EXPECT_EQ(TodayIn(clock, london), absl::CivilDay(2026, 3, 30));

  // An action due on the 30th: "due today" from 23:00 UTC on the 29th, not from midnight UTC.
  OpenAction action = Action(absl::CivilDay(2026, 3, 30));
  clock.Set(Utc(2026, 3, 29, 22, 59));
  EXPECT_THAT(RulesOf(NoticesForDay(action, TodayIn(clock, london), People(), {})),
              ElementsAre("action_due_soon:users/own1"));
  clock.Set(Utc(2026, 3, 29, 23, 1));
  EXPECT_THAT(RulesOf(NoticesForDay(action, TodayIn(clock, london), People(), {})),
              ElementsAre("action_due_today:users/own1"));
  // And back in October: 00:30 UTC on the 25th is 01:30 BST, the 25th.
  clock.Set(Utc(2026, 10, 24, 23, 30));
  EXPECT_EQ(TodayIn(clock, london), absl::CivilDay(2026, 10, 25));
  clock.Set(Utc(2026, 10, 25, 23, 30));  // GMT again: still the 25th
  EXPECT_EQ(TodayIn(clock, london), absl::CivilDay(2026, 10, 25));
}

TEST(NotificationRulesTest, RuleSwitchesRefuseUnknownAndRepeatedRules) {
  google::protobuf::RepeatedPtrField<nv1::RuleSwitch> switches;
  nv1::RuleSwitch* one = switches.Add();
  one->set_rule("action_overdue");
  EXPECT_THAT(ParseRuleSwitches(switches), IsOk());
  switches.Add()->set_rule("action_overdue");
  EXPECT_THAT(ParseRuleSwitches(switches).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "rules[1].rule: rule 'action_overdue' is named twice"));
  switches.RemoveLast();
  switches.Add()->set_rule("pizza_delivered");
  EXPECT_THAT(
      ParseRuleSwitches(switches).status(),
      StatusIs(absl::StatusCode::kInvalidArgument,
               "rules[1].rule: unknown rule 'pizza_delivered' (GetRuleSettings lists them)"));
}

TEST(NotificationRulesTest, SettingsShowEveryRuleOnUnlessSwitchedOff) {
  NotificationStore::Switches stored;
  stored.enabled = {{"action_escalation", false}};
  nv1::RuleSettings settings = SettingsOf("p", stored);
  EXPECT_EQ(settings.name(), "partnerships/p/ruleSettings");
  ASSERT_EQ(settings.rules_size(), static_cast<int>(Rules().size()));
  for (const nv1::RuleSwitch& rule : settings.rules()) {
    EXPECT_EQ(rule.enabled(), rule.rule() != "action_escalation") << rule.rule();
  }
}

TEST(NotificationRulesTest, VisibilityFollowsAdministration) {
  Caller caller;
  caller.principal = "users/u";
  caller.grants = {{Role::ROLE_HUB_ADMINISTRATOR, "north", "", ""},
                   {Role::ROLE_PARTNERSHIP_ADMINISTRATOR, "south", "s1", ""},
                   {Role::ROLE_VIEWER, "east", "e1", ""}};
  DeliveryVisibility visible = VisibilityOf(caller);
  EXPECT_FALSE(visible.everything);
  EXPECT_THAT(visible.regions, ElementsAre("north"));
  EXPECT_THAT(visible.partnerships, ElementsAre("s1"));
  EXPECT_EQ(visible.recipient, "users/u");
}

}  // namespace
}  // namespace sixsteps::notification
