// The programme of rounds' rules as plain functions (services/assessment/programme_domain.h):
// a planned round's fields, its standing respondents, who may plan, what opening creates
// (carry-forward, the next planned round), response deadlines and carried-forward answers.
// No database, no server.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "services/assessment/programme_domain.h"
#include "services/base/clock.h"
#include "tests/support/status_matchers.h"
#include "tests/unit/assessment_test_util.h"

namespace sixsteps::assessment {
namespace {

using ::sixsteps::assessment::testing::TwoQuestions;
using ::sixsteps::assessment::testing::With;
using ::sixsteps::testing::IsOk;
using ::sixsteps::testing::StatusIs;
using ::testing::ElementsAre;
using Role = auth::Role;
using Code = absl::StatusCode;
using Plan = v1::PlannedRound;

constexpr char kToday[] = "2026-03-01";

MATCHER_P(Holds, value, "is OK and holds " + std::string(value)) {
  return arg.ok() && *arg == value;
}

Plan ValidPlan() {
  Plan plan;
  plan.set_name("plannedRounds/p1");
  plan.set_partnership("partnerships/durham");
  plan.set_region("regions/north");
  plan.set_kind(v1::ASSESSMENT_KIND_SELF_ASSESSMENT);
  plan.set_framework_version("frameworks/six-steps/versions/1");
  plan.set_cadence(Plan::CADENCE_ANNUAL);
  plan.set_title("Self-assessment 2026");
  plan.set_period_start("2025-04-01");
  plan.set_period_end("2026-03-31");
  plan.set_open_date("2026-04-01");
  plan.set_response_deadline("2026-05-31");
  plan.set_report_due_date("2026-06-30");
  plan.set_state(Plan::STATE_PLANNED);
  return plan;
}

v1::Respondent Org(const std::string& org) {
  v1::Respondent respondent;
  respondent.set_organisation("partnerships/durham/organisations/" + org);
  return respondent;
}

// ---- ValidatePlan ----

TEST(ProgrammeRulesTest, AValidPlanPasses) {
  EXPECT_THAT(ValidatePlan(ValidPlan(), kToday), IsOk());
}

TEST(ProgrammeRulesTest, EveryDateMayBeTheSameDay) {
  Plan plan = ValidPlan();
  plan.set_period_end(plan.period_start());
  plan.set_open_date(kToday);
  plan.set_response_deadline(kToday);
  plan.set_report_due_date(kToday);
  EXPECT_THAT(ValidatePlan(plan, kToday), IsOk());
}

// Well-formed dates in the wrong order: refused, naming the date that is out of place.
struct DatesOutOfOrder {
  std::string name;  // the case's name in the test's
  std::function<void(Plan&)> spoil;
  std::string message;
};

class ProgrammeDatesTest : public ::testing::TestWithParam<DatesOutOfOrder> {};

TEST_P(ProgrammeDatesTest, IsRefused) {
  Plan plan = ValidPlan();
  GetParam().spoil(plan);
  EXPECT_THAT(ValidatePlan(plan, kToday), StatusIs(Code::kInvalidArgument, GetParam().message));
}

INSTANTIATE_TEST_SUITE_P(
    ProgrammeRulesTest, ProgrammeDatesTest,
    ::testing::Values(
        DatesOutOfOrder{
            "ADeadlineBeforeTheOpeningDate", [](Plan& p) { p.set_response_deadline("2026-03-31"); },
            "planned_round.response_deadline: must not be before open_date (2026-04-01)"},
        DatesOutOfOrder{"AReportDueBeforeTheDeadline",
                        [](Plan& p) { p.set_report_due_date("2026-05-30"); },
                        "planned_round.report_due_date"},
        DatesOutOfOrder{"AnEmptyPeriod", [](Plan& p) { p.set_period_end("2025-03-31"); },
                        "planned_round.period_end"},
        DatesOutOfOrder{"AnOpeningDateInThePast", [](Plan& p) { p.set_open_date("2026-02-28"); },
                        "planned_round.open_date"}),
    [](const ::testing::TestParamInfo<DatesOutOfOrder>& info) { return info.param.name; });

TEST(ProgrammeRulesTest, MalformedFieldsAreNamed) {
  struct Case {
    std::function<void(Plan&)> spoil;
    std::string field;
  };
  const std::vector<Case> cases = {
      {[](Plan& p) { p.set_kind(v1::ASSESSMENT_KIND_UNSPECIFIED); }, "planned_round.kind"},
      {[](Plan& p) { p.set_cadence(Plan::CADENCE_UNSPECIFIED); }, "planned_round.cadence"},
      {[](Plan& p) { p.set_framework_version("six-steps/2019"); },
       "planned_round.framework_version"},
      {[](Plan& p) { p.set_title(" "); }, "planned_round.title"},
      {[](Plan& p) { p.set_title(std::string(301, 'x')); }, "planned_round.title"},
      {[](Plan& p) { p.set_period_start("2025-02-30"); }, "planned_round.period_start"},
      {[](Plan& p) { p.set_open_date("1 April 2026"); }, "planned_round.open_date"},
      {[](Plan& p) { p.set_response_deadline(""); }, "planned_round.response_deadline"},
      {[](Plan& p) { p.set_report_due_date("2026-13-01"); }, "planned_round.report_due_date"},
  };
  for (const Case& c : cases) {
    Plan plan = ValidPlan();
    c.spoil(plan);
    EXPECT_THAT(ValidatePlan(plan, kToday), StatusIs(Code::kInvalidArgument, c.field + ":"))
        << c.field;
  }
}

// ---- ValidateStandingRespondents ----

TEST(ProgrammeRulesTest, StandingRespondentsOfThePartnershipAndFrameworkPass) {
  Plan plan = ValidPlan();
  *plan.add_standing_respondents() = Org("police");
  v1::Respondent scrutineer;
  scrutineer.set_scrutineer("users/u-1");
  scrutineer.add_question_ids("s1.q2");
  *plan.add_standing_respondents() = scrutineer;
  EXPECT_THAT(ValidateStandingRespondents(plan, IndexOf(TwoQuestions())), IsOk());
}

TEST(ProgrammeRulesTest, StandingRespondentsAreRefusedPrecisely) {
  const FrameworkIndex framework = IndexOf(TwoQuestions());
  {
    Plan plan = ValidPlan();
    *plan.add_standing_respondents() = Org("police");
    *plan.add_standing_respondents() = Org("police");
    EXPECT_THAT(ValidateStandingRespondents(plan, framework),
                StatusIs(Code::kInvalidArgument,
                         "standing_respondents[1]: partnerships/durham/organisations/"
                         "police is given twice"));
  }
  {
    Plan plan = ValidPlan();
    v1::Respondent other;
    other.set_organisation("partnerships/gateshead/organisations/police");
    *plan.add_standing_respondents() = other;
    EXPECT_THAT(ValidateStandingRespondents(plan, framework),
                StatusIs(Code::kInvalidArgument, "standing_respondents[0].organisation"));
  }
  {
    Plan plan = ValidPlan();
    v1::Respondent both = Org("police");
    both.set_scrutineer("users/u-1");
    *plan.add_standing_respondents() = both;
    EXPECT_THAT(ValidateStandingRespondents(plan, framework),
                StatusIs(Code::kInvalidArgument, "exactly one"));
  }
  {
    Plan plan = ValidPlan();
    v1::Respondent unknown_step = Org("police");
    unknown_step.add_step_ids("s9");
    *plan.add_standing_respondents() = unknown_step;
    EXPECT_THAT(ValidateStandingRespondents(plan, framework),
                StatusIs(Code::kInvalidArgument, "'s9' is not a step"));
  }
  {
    Plan plan = ValidPlan();
    for (int i = 0; i <= kMaxStandingRespondents; ++i) {
      *plan.add_standing_respondents() = Org("o" + std::to_string(i));
    }
    EXPECT_THAT(ValidateStandingRespondents(plan, framework),
                StatusIs(Code::kInvalidArgument, "at most 50"));
  }
}

// ---- States, permissions, names ----

TEST(ProgrammeRulesTest, OnlyAPlannedRoundChanges) {
  Plan plan = ValidPlan();
  EXPECT_THAT(CheckStillPlanned(plan), IsOk());
  plan.set_state(Plan::STATE_OPENED);
  plan.set_assessment("assessments/a-1");
  EXPECT_THAT(CheckStillPlanned(plan),
              StatusIs(Code::kFailedPrecondition, "opened as assessments/a-1"));
  plan.set_state(Plan::STATE_CANCELLED);
  EXPECT_THAT(CheckStillPlanned(plan), StatusIs(Code::kFailedPrecondition, "cancelled"));
}

TEST(ProgrammeRulesTest, PartnershipAndHubAdministratorsPlanAndNobodyElse) {
  EXPECT_THAT(CheckCanPlan(With(Role::ROLE_PARTNERSHIP_ADMINISTRATOR, "north", "durham"),
                           "regions/north", "partnerships/durham"),
              IsOk());
  EXPECT_THAT(CheckCanPlan(With(Role::ROLE_HUB_ADMINISTRATOR, "north"), "regions/north",
                           "partnerships/durham"),
              IsOk());
  for (const Caller& caller :
       {With(Role::ROLE_INDEPENDENT_SCRUTINEER, "north", "durham"),
        With(Role::ROLE_PARTNER_RESPONDENT, "north", "durham", "police"),
        With(Role::ROLE_VIEWER, "north", "durham"), With(Role::ROLE_INTEGRATION, "north", "durham"),
        With(Role::ROLE_PARTNERSHIP_ADMINISTRATOR, "north", "gateshead"),
        With(Role::ROLE_HUB_ADMINISTRATOR, "south")}) {
    EXPECT_THAT(CheckCanPlan(caller, "regions/north", "partnerships/durham"),
                StatusIs(Code::kPermissionDenied));
  }
}

TEST(ProgrammeRulesTest, PlannedRoundNamesParse) {
  EXPECT_THAT(ParsePlannedRoundName("plannedRounds/p-1", "name"), Holds("p-1"));
  EXPECT_THAT(ParsePlannedRoundName("plannedRounds/", "name"),
              StatusIs(Code::kInvalidArgument, "name:"));
  EXPECT_THAT(ParsePlannedRoundName("assessments/a-1", "name"), StatusIs(Code::kInvalidArgument));
  EXPECT_THAT(ParsePlannedRoundName("plannedRounds/p/x", "name"), StatusIs(Code::kInvalidArgument));
}

TEST(ProgrammeRulesTest, YearsAreAddedWithFebruaryTheTwentyNinthKept) {
  EXPECT_THAT(AddYears("2026-04-01", 1), Holds("2027-04-01"));
  EXPECT_THAT(AddYears("2028-02-29", 1), Holds("2029-02-28"));
  EXPECT_THAT(AddYears("2028-02-29", 4), Holds("2032-02-29"));
  EXPECT_THAT(AddYears("2026-12-31", 2), Holds("2028-12-31"));
}

// ---- Opening ----

v1::FinalisedRevision Previous() {
  v1::FinalisedRevision previous;
  v1::Respondent police = Org("police");
  police.set_name("assessments/old/respondents/r-police");
  *previous.add_respondents() = police;
  v1::Respondent health = Org("health");
  health.set_name("assessments/old/respondents/r-health");
  *previous.add_respondents() = health;
  for (const char* respondent : {"r-police", "r-health"}) {
    for (const char* question : {"s1.q1", "s1.q2", "s9.q1"}) {
      v1::Response response;
      response.set_name(
          absl::StrCat("assessments/old/respondents/", respondent, "/responses/", question));
      response.set_question_id(question);
      response.set_rating(fv1::RATING_GREEN);
      response.add_evidence()->set_description("Audit");
      response.set_commentary(absl::StrCat(respondent, " on ", question));
      *previous.add_responses() = response;
    }
  }
  return previous;
}

OpeningIds Ids(int respondents) {
  OpeningIds ids;
  ids.assessment_id = "a-new";
  for (int i = 0; i < respondents; ++i) ids.respondent_ids.push_back("r" + std::to_string(i));
  ids.next_planned_round_id = "p-next";
  return ids;
}

TEST(ProgrammeRulesTest, OpeningCreatesTheRoundWithItsStandingRespondentsAndDeadline) {
  Plan plan = ValidPlan();
  *plan.add_standing_respondents() = Org("police");
  const absl::Time now = absl::FromUnixSeconds(1775000000);
  absl::StatusOr<RoundOpening> opening = BuildOpening(plan, TwoQuestions(), nullptr, Ids(1), now);
  ASSERT_THAT(opening, IsOk());
  const v1::Assessment& round = opening->assessment;
  EXPECT_EQ(round.name(), "assessments/a-new");
  EXPECT_EQ(round.kind(), plan.kind());
  EXPECT_EQ(round.title(), plan.title());
  EXPECT_EQ(round.state(), v1::Assessment::STATE_DRAFT);
  EXPECT_EQ(round.planned_round(), "plannedRounds/p1");
  EXPECT_EQ(round.response_deadline(), "2026-05-31");
  EXPECT_EQ(round.report_due_date(), "2026-06-30");
  EXPECT_EQ(round.creator(), kSystemActor);
  ASSERT_EQ(opening->respondents.size(), 1u);
  EXPECT_EQ(opening->respondents[0].name(), "assessments/a-new/respondents/r0");
  EXPECT_EQ(opening->respondents[0].response_deadline(), "2026-05-31");
  EXPECT_TRUE(opening->responses.empty());
  EXPECT_EQ(opening->opened.state(), Plan::STATE_OPENED);
  EXPECT_EQ(opening->opened.assessment(), "assessments/a-new");
  EXPECT_EQ(FromTimestamp(opening->opened.open_time()), now);
}

TEST(ProgrammeRulesTest, AnAnnualRoundPlansTheNextOneAYearLater) {
  Plan plan = ValidPlan();
  *plan.add_standing_respondents() = Org("police");
  absl::StatusOr<RoundOpening> opening =
      BuildOpening(plan, TwoQuestions(), nullptr, Ids(1), absl::Now());
  ASSERT_THAT(opening, IsOk());
  ASSERT_TRUE(opening->next.has_value());
  const Plan& next = *opening->next;
  EXPECT_EQ(next.name(), "plannedRounds/p-next");
  EXPECT_EQ(opening->opened.next_planned_round(), "plannedRounds/p-next");
  EXPECT_EQ(next.previous_planned_round(), "plannedRounds/p1");
  EXPECT_EQ(next.state(), Plan::STATE_PLANNED);
  EXPECT_EQ(next.period_start(), "2026-04-01");
  EXPECT_EQ(next.period_end(), "2027-03-31");
  EXPECT_EQ(next.open_date(), "2027-04-01");
  EXPECT_EQ(next.response_deadline(), "2027-05-31");
  EXPECT_EQ(next.report_due_date(), "2027-06-30");
  EXPECT_EQ(next.standing_respondents_size(), 1);
  EXPECT_EQ(next.creator(), kSystemActor);
}

TEST(ProgrammeRulesTest, ABiennialRoundPlansTwoYearsOnAndAOneOffNothing) {
  Plan plan = ValidPlan();
  plan.set_cadence(Plan::CADENCE_BIENNIAL);
  absl::StatusOr<RoundOpening> biennial =
      BuildOpening(plan, TwoQuestions(), nullptr, Ids(0), absl::Now());
  ASSERT_THAT(biennial, IsOk());
  ASSERT_TRUE(biennial->next.has_value());
  EXPECT_EQ(biennial->next->open_date(), "2028-04-01");
  plan.set_cadence(Plan::CADENCE_ONE_OFF);
  absl::StatusOr<RoundOpening> once =
      BuildOpening(plan, TwoQuestions(), nullptr, Ids(0), absl::Now());
  ASSERT_THAT(once, IsOk());
  EXPECT_FALSE(once->next.has_value());
  EXPECT_TRUE(once->opened.next_planned_round().empty());
}

TEST(ProgrammeRulesTest, CarryForwardCopiesTheSamePartysAssignedAnswersMarkedUnconfirmed) {
  Plan plan = ValidPlan();
  plan.set_carry_forward(true);
  v1::Respondent police = Org("police");
  police.add_question_ids("s1.q2");  // only one question now
  *plan.add_standing_respondents() = police;
  *plan.add_standing_respondents() = Org("council");  // not in the previous round
  const v1::FinalisedRevision previous = Previous();
  absl::StatusOr<RoundOpening> opening =
      BuildOpening(plan, TwoQuestions(), &previous, Ids(2), absl::Now());
  ASSERT_THAT(opening, IsOk());
  ASSERT_EQ(opening->responses.size(), 1u);
  const v1::Response& carried = opening->responses[0];
  EXPECT_EQ(carried.name(), "assessments/a-new/respondents/r0/responses/s1.q2");
  EXPECT_EQ(carried.question_id(), "s1.q2");
  EXPECT_EQ(carried.rating(), fv1::RATING_GREEN);
  EXPECT_EQ(carried.evidence_size(), 1);
  EXPECT_EQ(carried.commentary(), "r-police on s1.q2");
  EXPECT_TRUE(carried.carried_forward_unconfirmed());
  EXPECT_EQ(carried.carried_forward_from(), "assessments/old/respondents/r-police/responses/s1.q2");
}

TEST(ProgrammeRulesTest, WithoutCarryForwardNothingIsCopied) {
  Plan plan = ValidPlan();
  *plan.add_standing_respondents() = Org("police");
  const v1::FinalisedRevision previous = Previous();
  absl::StatusOr<RoundOpening> opening =
      BuildOpening(plan, TwoQuestions(), &previous, Ids(1), absl::Now());
  ASSERT_THAT(opening, IsOk());
  EXPECT_TRUE(opening->responses.empty());
}

// ---- Deadlines and carried-forward answers ----

TEST(ProgrammeRulesTest, AnswersLockAfterTheDeadlineDayOnly) {
  v1::Respondent respondent = Org("police");
  respondent.set_name("assessments/a/respondents/r");
  EXPECT_THAT(CheckBeforeDeadline(respondent, "2030-01-01"), IsOk());  // no deadline
  respondent.set_response_deadline("2026-05-31");
  EXPECT_THAT(CheckBeforeDeadline(respondent, "2026-05-31"), IsOk());
  EXPECT_THAT(CheckBeforeDeadline(respondent, "2026-06-01"),
              StatusIs(Code::kFailedPrecondition,
                       "deadline of assessments/a/"
                       "respondents/r was 2026-05-31"));
}

TEST(ProgrammeRulesTest, AnExtensionMovesTheDeadlineAndKeepsTheReason) {
  v1::Respondent respondent = Org("police");
  respondent.set_name("assessments/a/respondents/r");
  respondent.set_response_deadline("2026-05-31");
  const absl::Time now = absl::FromUnixSeconds(1780000000);
  absl::StatusOr<v1::Respondent> extended =
      ExtendDeadline(respondent, "2026-06-14", "Inspection in May", "users/u-admin", now);
  ASSERT_THAT(extended, IsOk());
  EXPECT_EQ(extended->response_deadline(), "2026-06-14");
  ASSERT_EQ(extended->deadline_extensions_size(), 1);
  const v1::DeadlineExtension& extension = extended->deadline_extensions(0);
  EXPECT_EQ(extension.previous_deadline(), "2026-05-31");
  EXPECT_EQ(extension.deadline(), "2026-06-14");
  EXPECT_EQ(extension.reason(), "Inspection in May");
  EXPECT_EQ(extension.extended_by(), "users/u-admin");
  EXPECT_EQ(FromTimestamp(extension.extend_time()), now);
}

TEST(ProgrammeRulesTest, ExtensionsAreRefusedPrecisely) {
  v1::Respondent respondent = Org("police");
  respondent.set_name("assessments/a/respondents/r");
  const absl::Time now = absl::Now();
  EXPECT_THAT(ExtendDeadline(respondent, "2026-06-14", "Why", "u", now),
              StatusIs(Code::kFailedPrecondition, "no response deadline"));
  respondent.set_response_deadline("2026-05-31");
  EXPECT_THAT(ExtendDeadline(respondent, "2026-05-31", "Why", "u", now),
              StatusIs(Code::kInvalidArgument, "deadline: must be after"));
  EXPECT_THAT(ExtendDeadline(respondent, "2026-04-30", "Why", "u", now),
              StatusIs(Code::kInvalidArgument, "deadline:"));
  EXPECT_THAT(ExtendDeadline(respondent, "14 June", "Why", "u", now),
              StatusIs(Code::kInvalidArgument, "deadline:"));
  EXPECT_THAT(ExtendDeadline(respondent, "2026-06-14", "", "u", now),
              StatusIs(Code::kInvalidArgument, "reason:"));
  EXPECT_THAT(ExtendDeadline(respondent, "2026-06-14", std::string(2001, 'x'), "u", now),
              StatusIs(Code::kInvalidArgument, "reason:"));
}

TEST(ProgrammeRulesTest, SubmissionWaitsForEveryCarriedForwardAnswer) {
  std::vector<v1::Response> answers(2);
  answers[0].set_name("assessments/a/respondents/r/responses/s1.q1");
  answers[1].set_name("assessments/a/respondents/r/responses/s1.q2");
  EXPECT_THAT(CheckCarriedForwardConfirmed(answers), IsOk());
  answers[1].set_carried_forward_unconfirmed(true);
  answers[1].set_carried_forward_from("assessments/old/respondents/r/responses/s1.q2");
  EXPECT_THAT(CheckCarriedForwardConfirmed(answers),
              StatusIs(Code::kFailedPrecondition,
                       "1 carried-forward answer is not confirmed yet (save each again "
                       "to confirm it): assessments/a/respondents/r/responses/s1.q2"));
}

}  // namespace
}  // namespace sixsteps::assessment
