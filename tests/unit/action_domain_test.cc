// The action-plan rules as plain functions: overdue, today in the hub's time zone, what a
// planned action must say, sustain actions, who plans and who reports progress, and how an
// open action is carried into a new round.
#include "services/assessment/action_domain.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "services/assessment/domain.h"
#include "tests/support/status_matchers.h"

namespace sixsteps::assessment {
namespace {

using ::sixsteps::testing::IsOk;
using ::sixsteps::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using Role = auth::Role;

constexpr char kPartnership[] = "partnerships/p1";
constexpr char kPolice[] = "partnerships/p1/organisations/police";

// Two steps of four questions each, like the built-in framework's first two.
fv1::FrameworkVersion TwoSteps() {
  fv1::FrameworkVersion version;
  for (const std::string step_id : {"s1", "s2"}) {
    fv1::Step* step = version.add_steps();
    step->set_id(step_id);
    for (int q = 1; q <= 4; ++q) step->add_questions()->set_id(step_id + ".q" + std::to_string(q));
  }
  return version;
}

av1::Action ValidPlan() {
  av1::Action action;
  action.set_assessment("assessments/a1");
  action.set_step_id("s1");
  action.add_question_ids("s1.q1");
  action.add_question_ids("s1.q3");
  action.set_kind(av1::Action::KIND_IMPROVEMENT);
  action.set_description("Audit the referral pathway");
  action.set_intended_outcome("Referrals acknowledged within a day");
  action.set_owner_organisation(kPolice);
  action.set_owner_name("DI Jones");
  action.set_due_date("2026-03-31");
  return action;
}

av1::Action WithStatus(av1::Action::Status status, const std::string& due = "2026-03-31") {
  av1::Action action = ValidPlan();
  action.set_status(status);
  action.set_due_date(due);
  return action;
}

v1::Assessment Round() {
  v1::Assessment round;
  round.set_name("assessments/a1");
  round.set_partnership(kPartnership);
  round.set_region("regions/r1");
  return round;
}

auth::Caller With(std::vector<auth::Grant> grants) {
  auth::Caller caller;
  caller.principal = "users/u1";
  caller.grants = std::move(grants);
  return caller;
}

auth::Grant OnPartnership(Role role, const std::string& partnership = "p1",
                          const std::string& organisation = "") {
  return {role, "r1", partnership, organisation};
}

auth::Grant OnRegion(Role role, const std::string& region = "r1") { return {role, region, "", ""}; }

// ---- IsOpenAction / IsOverdue ----

TEST(IsOpenActionTest, OnlyPlannedAndInProgressAreOpen) {
  EXPECT_TRUE(IsOpenAction(WithStatus(av1::Action::STATUS_PLANNED)));
  EXPECT_TRUE(IsOpenAction(WithStatus(av1::Action::STATUS_IN_PROGRESS)));
  EXPECT_FALSE(IsOpenAction(WithStatus(av1::Action::STATUS_DONE)));
  EXPECT_FALSE(IsOpenAction(WithStatus(av1::Action::STATUS_CANCELLED)));
  EXPECT_FALSE(IsOpenAction(WithStatus(av1::Action::STATUS_CARRIED_OVER)));
  EXPECT_FALSE(IsOpenAction(WithStatus(av1::Action::STATUS_UNSPECIFIED)));
}

TEST(IsOverdueTest, TheDueDateItselfIsNotOverdue) {
  av1::Action action = WithStatus(av1::Action::STATUS_PLANNED, "2026-03-31");
  EXPECT_FALSE(IsOverdue(action, "2026-03-30"));
  EXPECT_FALSE(IsOverdue(action, "2026-03-31"));
  EXPECT_TRUE(IsOverdue(action, "2026-04-01"));
  EXPECT_TRUE(IsOverdue(action, "2027-01-01"));
}

TEST(IsOverdueTest, AcrossMonthAndYearBoundaries) {
  EXPECT_FALSE(IsOverdue(WithStatus(av1::Action::STATUS_PLANNED, "2025-12-31"), "2025-12-31"));
  EXPECT_TRUE(IsOverdue(WithStatus(av1::Action::STATUS_PLANNED, "2025-12-31"), "2026-01-01"));
  EXPECT_FALSE(IsOverdue(WithStatus(av1::Action::STATUS_PLANNED, "2026-02-28"), "2026-02-28"));
  EXPECT_TRUE(IsOverdue(WithStatus(av1::Action::STATUS_PLANNED, "2026-02-28"), "2026-03-01"));
  EXPECT_TRUE(IsOverdue(WithStatus(av1::Action::STATUS_PLANNED, "2026-09-30"), "2026-10-01"));
}

TEST(IsOverdueTest, EachStatusAfterTheDueDate) {
  const std::string after = "2026-04-01";
  EXPECT_TRUE(IsOverdue(WithStatus(av1::Action::STATUS_PLANNED), after));
  EXPECT_TRUE(IsOverdue(WithStatus(av1::Action::STATUS_IN_PROGRESS), after));
  EXPECT_FALSE(IsOverdue(WithStatus(av1::Action::STATUS_DONE), after));
  EXPECT_FALSE(IsOverdue(WithStatus(av1::Action::STATUS_CANCELLED), after));
  EXPECT_FALSE(IsOverdue(WithStatus(av1::Action::STATUS_CARRIED_OVER), after));
}

TEST(IsOverdueTest, NoStatusIsOverdueBeforeOrOnTheDueDate) {
  for (auto status :
       {av1::Action::STATUS_PLANNED, av1::Action::STATUS_IN_PROGRESS, av1::Action::STATUS_DONE,
        av1::Action::STATUS_CANCELLED, av1::Action::STATUS_CARRIED_OVER}) {
    EXPECT_FALSE(IsOverdue(WithStatus(status), "2026-03-31")) << av1::Action::Status_Name(status);
    EXPECT_FALSE(IsOverdue(WithStatus(status), "2026-01-01")) << av1::Action::Status_Name(status);
  }
}

// ---- TodayIn ----

absl::TimeZone Zone(const std::string& name) {
  absl::TimeZone zone;
  EXPECT_TRUE(absl::LoadTimeZone(name, &zone)) << name;
  return zone;
}

absl::Time Utc(int y, int m, int d, int hh, int mm, int ss = 0) {
  return absl::FromCivil(absl::CivilSecond(y, m, d, hh, mm, ss), absl::UTCTimeZone());
}

TEST(TodayInTest, HalfAnHourBeforeMidnightUtcInSummerIsTomorrowInLondon) {
  absl::Time now = Utc(2026, 6, 30, 23, 30);
  EXPECT_EQ(TodayIn(absl::UTCTimeZone(), now), "2026-06-30");
  EXPECT_EQ(TodayIn(Zone("UTC"), now), "2026-06-30");
  EXPECT_EQ(TodayIn(Zone("Europe/London"), now), "2026-07-01");
}

TEST(TodayInTest, LondonMidnightUnderBritishSummerTime) {
  absl::TimeZone london = Zone("Europe/London");
  // Midnight in London (BST, UTC+1) is 23:00 UTC the evening before.
  EXPECT_EQ(TodayIn(london, Utc(2026, 6, 30, 22, 59, 59)), "2026-06-30");
  EXPECT_EQ(TodayIn(london, Utc(2026, 6, 30, 23, 0, 0)), "2026-07-01");
}

TEST(TodayInTest, InWinterLondonIsOnUtc) {
  absl::TimeZone london = Zone("Europe/London");
  EXPECT_EQ(TodayIn(london, Utc(2026, 1, 15, 23, 30)), "2026-01-15");
  EXPECT_EQ(TodayIn(london, Utc(2026, 1, 16, 0, 0)), "2026-01-16");
  EXPECT_EQ(TodayIn(absl::UTCTimeZone(), Utc(2026, 1, 15, 23, 30)), "2026-01-15");
}

TEST(TodayInTest, HalfAnHourAfterMidnightUtcIsYesterdayWestOfGreenwich) {
  absl::Time now = Utc(2026, 7, 1, 0, 30);
  EXPECT_EQ(TodayIn(absl::UTCTimeZone(), now), "2026-07-01");
  EXPECT_EQ(TodayIn(Zone("America/New_York"), now), "2026-06-30");
}

TEST(TodayInTest, OverdueFollowsTheHubsDate) {
  // Due 30 June: at 23:30 UTC on 30 June it is already 1 July in London, so overdue there
  // but not in a hub on UTC.
  av1::Action action = WithStatus(av1::Action::STATUS_PLANNED, "2026-06-30");
  absl::Time now = Utc(2026, 6, 30, 23, 30);
  EXPECT_FALSE(IsOverdue(action, TodayIn(absl::UTCTimeZone(), now)));
  EXPECT_TRUE(IsOverdue(action, TodayIn(Zone("Europe/London"), now)));
}

// ---- ValidateActionPlan ----

class ValidateActionPlanTest : public ::testing::Test {
 protected:
  absl::Status Validate(const av1::Action& action) {
    return ValidateActionPlan(action, framework_, kPartnership);
  }
  FrameworkIndex framework_ = IndexOf(TwoSteps());
};

TEST_F(ValidateActionPlanTest, AValidPlanPasses) {
  EXPECT_THAT(Validate(ValidPlan()), IsOk());
  av1::Action sustain = ValidPlan();
  sustain.set_kind(av1::Action::KIND_SUSTAIN);
  EXPECT_THAT(Validate(sustain), IsOk());
  av1::Action all_four = ValidPlan();
  all_four.clear_question_ids();
  for (const char* q : {"s1.q1", "s1.q2", "s1.q3", "s1.q4"}) all_four.add_question_ids(q);
  EXPECT_THAT(Validate(all_four), IsOk());
}

TEST_F(ValidateActionPlanTest, StepMustBeOneOfTheFramework) {
  av1::Action action = ValidPlan();
  action.set_step_id("s7");
  EXPECT_THAT(Validate(action), StatusIs(absl::StatusCode::kInvalidArgument, "action.step_id"));
  action.set_step_id("");
  EXPECT_THAT(Validate(action), StatusIs(absl::StatusCode::kInvalidArgument, "action.step_id"));
}

TEST_F(ValidateActionPlanTest, AtLeastOneQuestion) {
  av1::Action action = ValidPlan();
  action.clear_question_ids();
  EXPECT_THAT(Validate(action),
              StatusIs(absl::StatusCode::kInvalidArgument, "action.question_ids"));
}

TEST_F(ValidateActionPlanTest, QuestionsMustBeOfTheActionsStep) {
  av1::Action other_step = ValidPlan();
  other_step.add_question_ids("s2.q1");
  EXPECT_THAT(Validate(other_step),
              StatusIs(absl::StatusCode::kInvalidArgument, "action.question_ids[2]"));
  av1::Action unknown = ValidPlan();
  unknown.set_question_ids(0, "s1.q9");
  EXPECT_THAT(Validate(unknown),
              StatusIs(absl::StatusCode::kInvalidArgument, "action.question_ids[0]"));
}

TEST_F(ValidateActionPlanTest, NoQuestionTwice) {
  av1::Action action = ValidPlan();
  action.add_question_ids("s1.q1");
  EXPECT_THAT(Validate(action), StatusIs(absl::StatusCode::kInvalidArgument, "listed twice"));
}

TEST_F(ValidateActionPlanTest, DescriptionIsRequiredAndBounded) {
  av1::Action action = ValidPlan();
  action.set_description("");
  EXPECT_THAT(Validate(action), StatusIs(absl::StatusCode::kInvalidArgument, "action.description"));
  action.set_description("   ");
  EXPECT_THAT(Validate(action), StatusIs(absl::StatusCode::kInvalidArgument, "action.description"));
  action.set_description(std::string(kMaxTextLength + 1, 'x'));
  EXPECT_THAT(Validate(action), StatusIs(absl::StatusCode::kInvalidArgument, "action.description"));
  action.set_description(std::string(kMaxTextLength, 'x'));
  EXPECT_THAT(Validate(action), IsOk());
}

TEST_F(ValidateActionPlanTest, IntendedOutcomeIsRequired) {
  av1::Action action = ValidPlan();
  action.set_intended_outcome("");
  EXPECT_THAT(Validate(action),
              StatusIs(absl::StatusCode::kInvalidArgument, "action.intended_outcome"));
  action.set_intended_outcome(std::string(kMaxTextLength + 1, 'y'));
  EXPECT_THAT(Validate(action),
              StatusIs(absl::StatusCode::kInvalidArgument, "action.intended_outcome"));
}

TEST_F(ValidateActionPlanTest, OwnerOrganisationMustBeOfTheRoundsPartnership) {
  av1::Action action = ValidPlan();
  action.set_owner_organisation("");
  EXPECT_THAT(Validate(action),
              StatusIs(absl::StatusCode::kInvalidArgument, "action.owner_organisation"));
  action.set_owner_organisation("partnerships/p2/organisations/police");
  EXPECT_THAT(Validate(action),
              StatusIs(absl::StatusCode::kInvalidArgument, "action.owner_organisation"));
  // A partnership whose id merely starts with the round's.
  action.set_owner_organisation("partnerships/p1x/organisations/police");
  EXPECT_THAT(Validate(action),
              StatusIs(absl::StatusCode::kInvalidArgument, "action.owner_organisation"));
  action.set_owner_organisation("police");
  EXPECT_THAT(Validate(action),
              StatusIs(absl::StatusCode::kInvalidArgument, "action.owner_organisation"));
}

TEST_F(ValidateActionPlanTest, OwnerNameIsOptionalButBounded) {
  av1::Action action = ValidPlan();
  action.clear_owner_name();
  EXPECT_THAT(Validate(action), IsOk());
  action.set_owner_name(std::string(kMaxShortTextLength + 1, 'n'));
  EXPECT_THAT(Validate(action), StatusIs(absl::StatusCode::kInvalidArgument, "action.owner_name"));
  action.set_owner_name("   ");
  EXPECT_THAT(Validate(action), StatusIs(absl::StatusCode::kInvalidArgument, "action.owner_name"));
}

TEST_F(ValidateActionPlanTest, DueDateMustBeARealIsoDate) {
  for (const char* bad :
       {"", "2026-02-30", "31/03/2026", "2026-3-31", "2026-03-31T00:00:00Z", "tomorrow"}) {
    av1::Action action = ValidPlan();
    action.set_due_date(bad);
    EXPECT_THAT(Validate(action), StatusIs(absl::StatusCode::kInvalidArgument, "action.due_date"))
        << bad;
  }
  av1::Action leap = ValidPlan();
  leap.set_due_date("2028-02-29");
  EXPECT_THAT(Validate(leap), IsOk());
}

TEST_F(ValidateActionPlanTest, KindMustBeImprovementOrSustain) {
  av1::Action action = ValidPlan();
  action.set_kind(av1::Action::KIND_UNSPECIFIED);
  EXPECT_THAT(Validate(action), StatusIs(absl::StatusCode::kInvalidArgument, "action.kind"));
  action.set_kind(static_cast<av1::Action::Kind>(42));
  EXPECT_THAT(Validate(action), StatusIs(absl::StatusCode::kInvalidArgument, "action.kind"));
}

// ---- CheckSustainAllowed ----

TEST(CheckSustainAllowedTest, ImprovementNeedsNoRating) {
  EXPECT_THAT(CheckSustainAllowed(ValidPlan(), {}), IsOk());
  EXPECT_THAT(CheckSustainAllowed(ValidPlan(), {{"s1.q1", fv1::RATING_RED}}), IsOk());
}

TEST(CheckSustainAllowedTest, SustainNeedsAConsolidatedGreenForEveryQuestion) {
  av1::Action sustain = ValidPlan();  // s1.q1, s1.q3
  sustain.set_kind(av1::Action::KIND_SUSTAIN);
  EXPECT_THAT(
      CheckSustainAllowed(sustain, {{"s1.q1", fv1::RATING_GREEN}, {"s1.q3", fv1::RATING_GREEN}}),
      IsOk());
  EXPECT_THAT(
      CheckSustainAllowed(sustain, {{"s1.q1", fv1::RATING_GREEN}, {"s1.q3", fv1::RATING_AMBER}}),
      StatusIs(absl::StatusCode::kFailedPrecondition, "s1.q3"));
  EXPECT_THAT(
      CheckSustainAllowed(sustain, {{"s1.q1", fv1::RATING_RED}, {"s1.q3", fv1::RATING_GREEN}}),
      StatusIs(absl::StatusCode::kFailedPrecondition, "s1.q1"));
  EXPECT_THAT(CheckSustainAllowed(sustain, {{"s1.q1", fv1::RATING_GREEN}}),
              StatusIs(absl::StatusCode::kFailedPrecondition, "s1.q3"));
  EXPECT_THAT(CheckSustainAllowed(sustain, {}), StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(CheckSustainAllowed(
                  sustain, {{"s1.q1", fv1::RATING_GREEN}, {"s1.q3", fv1::RATING_UNSPECIFIED}}),
              StatusIs(absl::StatusCode::kFailedPrecondition, "s1.q3"));
}

// ---- CheckCanPlan / CheckCanReportProgress ----

TEST(CheckCanPlanTest, PlannersMayPlan) {
  const v1::Assessment round = Round();
  EXPECT_THAT(CheckCanPlan(With({OnPartnership(Role::ROLE_PARTNERSHIP_ADMINISTRATOR)}), round),
              IsOk());
  EXPECT_THAT(CheckCanPlan(With({OnPartnership(Role::ROLE_INDEPENDENT_SCRUTINEER)}), round),
              IsOk());
  EXPECT_THAT(CheckCanPlan(With({OnRegion(Role::ROLE_HUB_ADMINISTRATOR)}), round), IsOk());
  EXPECT_THAT(CheckCanPlan(With({OnRegion(Role::ROLE_HUB_ADMINISTRATOR, "*")}), round), IsOk());
  EXPECT_THAT(CheckCanPlan(With({OnPartnership(Role::ROLE_INTEGRATION)}), round), IsOk());
  EXPECT_THAT(CheckCanPlan(With({OnRegion(Role::ROLE_INTEGRATION)}), round), IsOk());
}

TEST(CheckCanPlanTest, OthersMayNot) {
  const v1::Assessment round = Round();
  for (const auth::Grant& grant :
       {OnPartnership(Role::ROLE_PARTNER_RESPONDENT, "p1", "police"),
        OnPartnership(Role::ROLE_ACTION_OWNER, "p1", "police"), OnPartnership(Role::ROLE_VIEWER),
        OnPartnership(Role::ROLE_PARTNERSHIP_ADMINISTRATOR, "p2"),
        OnPartnership(Role::ROLE_INDEPENDENT_SCRUTINEER, "p2"),
        OnRegion(Role::ROLE_HUB_ADMINISTRATOR, "r2"), OnRegion(Role::ROLE_VIEWER),
        OnRegion(Role::ROLE_DASHBOARD), OnRegion(Role::ROLE_INTEGRATION, "r2")}) {
    EXPECT_THAT(CheckCanPlan(With({grant}), round), StatusIs(absl::StatusCode::kPermissionDenied))
        << auth::RoleName(grant.role) << " on " << grant.region << "/" << grant.partnership;
  }
  EXPECT_THAT(CheckCanPlan(With({}), round), StatusIs(absl::StatusCode::kPermissionDenied));
}

TEST(CheckCanReportProgressTest, TheOwnerOrganisationsRespondentsAndActionOwners) {
  const v1::Assessment round = Round();
  const av1::Action action = ValidPlan();  // owned by police
  EXPECT_THAT(
      CheckCanReportProgress(With({OnPartnership(Role::ROLE_PARTNER_RESPONDENT, "p1", "police")}),
                             round, action),
      IsOk());
  EXPECT_THAT(CheckCanReportProgress(With({OnPartnership(Role::ROLE_ACTION_OWNER, "p1", "police")}),
                                     round, action),
              IsOk());
  // An action owner of another organisation as well as police.
  EXPECT_THAT(CheckCanReportProgress(With({OnPartnership(Role::ROLE_ACTION_OWNER, "p1", "health"),
                                           OnPartnership(Role::ROLE_ACTION_OWNER, "p1", "police")}),
                                     round, action),
              IsOk());
}

TEST(CheckCanReportProgressTest, PlannersToo) {
  const v1::Assessment round = Round();
  const av1::Action action = ValidPlan();
  EXPECT_THAT(CheckCanReportProgress(With({OnPartnership(Role::ROLE_PARTNERSHIP_ADMINISTRATOR)}),
                                     round, action),
              IsOk());
  EXPECT_THAT(CheckCanReportProgress(With({OnPartnership(Role::ROLE_INDEPENDENT_SCRUTINEER)}),
                                     round, action),
              IsOk());
  EXPECT_THAT(CheckCanReportProgress(With({OnRegion(Role::ROLE_HUB_ADMINISTRATOR)}), round, action),
              IsOk());
}

TEST(CheckCanReportProgressTest, OtherOrganisationsViewersAndOtherPartnershipsMayNot) {
  const v1::Assessment round = Round();
  const av1::Action action = ValidPlan();
  for (const auth::Grant& grant :
       {OnPartnership(Role::ROLE_PARTNER_RESPONDENT, "p1", "health"),
        OnPartnership(Role::ROLE_ACTION_OWNER, "p1", "health"), OnPartnership(Role::ROLE_VIEWER),
        // The same organisation id in another partnership is another organisation.
        OnPartnership(Role::ROLE_PARTNER_RESPONDENT, "p2", "police"),
        OnPartnership(Role::ROLE_ACTION_OWNER, "p2", "police"),
        // A role that does not act for organisations, even with one named.
        OnPartnership(Role::ROLE_VIEWER, "p1", "police"), OnRegion(Role::ROLE_VIEWER),
        OnRegion(Role::ROLE_DASHBOARD)}) {
    EXPECT_THAT(CheckCanReportProgress(With({grant}), round, action),
                StatusIs(absl::StatusCode::kPermissionDenied))
        << auth::RoleName(grant.role) << " on " << grant.partnership << "/" << grant.organisation;
  }
}

// ---- CarriedForward ----

v1::Assessment NewRound() {
  v1::Assessment round;
  round.set_name("assessments/a2");
  round.set_partnership(kPartnership);
  round.set_region("regions/r1");
  return round;
}

av1::Action OldOpenAction() {
  av1::Action old = ValidPlan();
  old.set_name("actions/old1");
  old.set_partnership(kPartnership);
  old.set_region("regions/r1");
  old.set_status(av1::Action::STATUS_IN_PROGRESS);
  old.set_etag("7");
  old.set_creator("users/planner");
  old.mutable_create_time()->set_seconds(1700000000);
  old.mutable_update_time()->set_seconds(1700000100);
  av1::ProgressUpdate* update = old.add_progress_updates();
  update->set_note("started");
  old.set_carried_from("actions/older");
  return old;
}

TEST(CarriedForwardTest, CopiesThePlanIntoTheNewRoundLinkedToTheOldOne) {
  std::optional<av1::Action> carried =
      CarriedForward(OldOpenAction(), IndexOf(TwoSteps()), NewRound());
  ASSERT_TRUE(carried.has_value());
  EXPECT_EQ(carried->assessment(), "assessments/a2");
  EXPECT_EQ(carried->partnership(), kPartnership);
  EXPECT_EQ(carried->region(), "regions/r1");
  EXPECT_EQ(carried->step_id(), "s1");
  EXPECT_THAT(carried->question_ids(), ElementsAre("s1.q1", "s1.q3"));
  EXPECT_EQ(carried->kind(), av1::Action::KIND_IMPROVEMENT);
  EXPECT_EQ(carried->description(), "Audit the referral pathway");
  EXPECT_EQ(carried->intended_outcome(), "Referrals acknowledged within a day");
  EXPECT_EQ(carried->owner_organisation(), kPolice);
  EXPECT_EQ(carried->owner_name(), "DI Jones");
  EXPECT_EQ(carried->due_date(), "2026-03-31");
  EXPECT_EQ(carried->status(), av1::Action::STATUS_IN_PROGRESS);
  EXPECT_EQ(carried->carried_from(), "actions/old1");
  // A new record: no name, etag, history or links forward of its own yet.
  EXPECT_TRUE(carried->name().empty());
  EXPECT_TRUE(carried->etag().empty());
  EXPECT_TRUE(carried->carried_to().empty());
  EXPECT_THAT(carried->progress_updates(), IsEmpty());
  EXPECT_FALSE(carried->has_create_time());
}

TEST(CarriedForwardTest, DropsQuestionsTheNewFrameworkNoLongerHas) {
  // The new framework's step s1 lost q3 and q4.
  fv1::FrameworkVersion smaller = TwoSteps();
  smaller.mutable_steps(0)->mutable_questions()->DeleteSubrange(2, 2);
  std::optional<av1::Action> carried =
      CarriedForward(OldOpenAction(), IndexOf(smaller), NewRound());
  ASSERT_TRUE(carried.has_value());
  EXPECT_THAT(carried->question_ids(), ElementsAre("s1.q1"));
}

TEST(CarriedForwardTest, DropsQuestionsThatMovedToAnotherStep) {
  // s1.q3 now belongs to step s2.
  fv1::FrameworkVersion moved = TwoSteps();
  moved.mutable_steps(0)->mutable_questions()->DeleteSubrange(2, 1);
  moved.mutable_steps(1)->add_questions()->set_id("s1.q3");
  std::optional<av1::Action> carried = CarriedForward(OldOpenAction(), IndexOf(moved), NewRound());
  ASSERT_TRUE(carried.has_value());
  EXPECT_THAT(carried->question_ids(), ElementsAre("s1.q1"));
}

TEST(CarriedForwardTest, NothingWhenNoneOfItsQuestionsRemain) {
  fv1::FrameworkVersion other;
  fv1::Step* step = other.add_steps();
  step->set_id("s1");
  step->add_questions()->set_id("s1.q2");
  EXPECT_FALSE(CarriedForward(OldOpenAction(), IndexOf(other), NewRound()).has_value());
  EXPECT_FALSE(
      CarriedForward(OldOpenAction(), IndexOf(fv1::FrameworkVersion()), NewRound()).has_value());
}

// Batch calls (responses, consolidations) take one to kMaxBatchSize items.
TEST(BatchSize, FromOneToTheMostABatchTakes) {
  EXPECT_THAT(CheckBatchSize(1, "responses"), IsOk());
  EXPECT_THAT(CheckBatchSize(kMaxBatchSize, "responses"), IsOk());
  EXPECT_THAT(CheckBatchSize(0, "responses"),
              StatusIs(absl::StatusCode::kInvalidArgument, "requests: must not be empty"));
  EXPECT_THAT(CheckBatchSize(kMaxBatchSize + 1, "consolidations"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "requests: at most 500 consolidations in one batch"));
}

// ---- Progress notes (issue 13) ----

av1::Action WithNotes(int in_record, int count) {
  av1::Action action;
  action.set_progress_update_count(count);
  for (int i = 1; i <= in_record; ++i) action.add_progress_updates()->set_note(std::to_string(i));
  return action;
}

TEST(ProgressNotesTest, CapacityCountsNotesAndBytes) {
  EXPECT_THAT(CheckProgressCapacity({0, 0}, 100), IsOk());
  EXPECT_THAT(CheckProgressCapacity({kMaxProgressUpdatesPerAction - 1, 0}, 100), IsOk());
  EXPECT_THAT(CheckProgressCapacity({kMaxProgressUpdatesPerAction, 0}, 1),
              StatusIs(absl::StatusCode::kResourceExhausted, "200"));
  EXPECT_THAT(CheckProgressCapacity({1, kMaxProgressBytesPerAction - 100}, 100), IsOk());
  EXPECT_THAT(CheckProgressCapacity({1, kMaxProgressBytesPerAction - 100}, 101),
              StatusIs(absl::StatusCode::kResourceExhausted, "bytes"));
}

TEST(ProgressNotesTest, UnadoptedNotesAreThoseBeyondTheCount) {
  // Written before notes were rows: every note is in the record only.
  EXPECT_EQ(UnadoptedProgressCount(WithNotes(12, 0)), 12);
  // Written since: the record holds the latest, all of them rows.
  EXPECT_EQ(UnadoptedProgressCount(WithNotes(3, 3)), 0);
  EXPECT_EQ(UnadoptedProgressCount(WithNotes(kLatestProgressUpdatesKept, 40)), 0);
  // A replica of the previous release appended one.
  EXPECT_EQ(UnadoptedProgressCount(WithNotes(4, 3)), 1);
  EXPECT_EQ(UnadoptedProgressCount(WithNotes(kLatestProgressUpdatesKept + 1, 40)), 1);
}

TEST(ProgressNotesTest, KeepLatestProgressTrimsCountsAndNumbers) {
  av1::Action legacy = WithNotes(12, 0);
  KeepLatestProgress(legacy);
  EXPECT_EQ(legacy.progress_update_count(), 12);
  ASSERT_EQ(legacy.progress_updates_size(), kLatestProgressUpdatesKept);
  EXPECT_EQ(legacy.progress_updates(0).note(), "8");
  EXPECT_EQ(legacy.progress_updates(0).number(), 8);
  EXPECT_EQ(legacy.progress_updates(4).number(), 12);
  av1::Action again = legacy;
  KeepLatestProgress(again);
  EXPECT_EQ(again.SerializeAsString(), legacy.SerializeAsString());

  av1::Action small = WithNotes(2, 2);
  KeepLatestProgress(small);
  EXPECT_EQ(small.progress_update_count(), 2);
  EXPECT_EQ(small.progress_updates_size(), 2);
}

}  // namespace
}  // namespace sixsteps::assessment
