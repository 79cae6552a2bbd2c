// The report builders: plain functions from read-model data to report messages.
#include "services/reporting/reports.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace sixsteps::reporting {
namespace {

using ::testing::ElementsAre;

// A framework of two steps with two questions each.
fv1::FrameworkVersion TwoByTwo() {
  fv1::FrameworkVersion framework;
  framework.set_name("frameworks/six-steps/versions/2019");
  framework.set_title("Six Steps");
  framework.set_source_citation("Pearce, J (2019) Six Steps");
  for (int s = 1; s <= 2; ++s) {
    fv1::Step* step = framework.add_steps();
    step->set_id("s" + std::to_string(s));
    step->set_title("Step " + std::to_string(s));
    for (int q = 1; q <= 2; ++q) {
      fv1::Question* question = step->add_questions();
      question->set_id(step->id() + ".q" + std::to_string(q));
      question->set_text("Question " + question->id());
    }
  }
  fv1::RatingDefinition* green = framework.add_rating_definitions();
  green->set_rating(fv1::RATING_GREEN);
  green->set_definition("positive with evidence");
  return framework;
}

std::shared_ptr<const fv1::FrameworkVersion> Shared(fv1::FrameworkVersion framework) {
  return std::make_shared<const fv1::FrameworkVersion>(std::move(framework));
}

av1::Response ResponseOf(const std::string& respondent, const std::string& question,
                         fv1::Rating rating, int evidence) {
  av1::Response response;
  response.set_name("assessments/a-1/respondents/" + respondent + "/responses/" + question);
  response.set_question_id(question);
  response.set_rating(rating);
  for (int i = 0; i < evidence; ++i) response.add_evidence()->set_description("evidence");
  return response;
}

av1::Consolidation ConsolidationOf(const std::string& question, fv1::Rating rating,
                                   const std::string& remaining_work = "") {
  av1::Consolidation consolidation;
  consolidation.set_question_id(question);
  consolidation.set_rating(rating);
  consolidation.set_remaining_work(remaining_work);
  return consolidation;
}

actv1::Action ActionOf(const std::string& id, const std::string& step, actv1::Action::Status status,
                       const std::string& due, const std::string& owner) {
  actv1::Action action;
  action.set_name("actions/" + id);
  action.set_assessment("assessments/a-1");
  action.set_step_id(step);
  action.set_status(status);
  action.set_due_date(due);
  action.set_owner_organisation("partnerships/north/organisations/" + owner);
  action.mutable_create_time()->set_seconds(1767225600);  // 2026-01-01T00:00:00Z
  return action;
}

RoundData Round() {
  RoundData round;
  round.assessment.set_name("assessments/a-1");
  round.assessment.set_partnership("partnerships/north");
  round.assessment.set_region("regions/north-east");
  round.assessment.set_title("2026 scrutiny");
  round.assessment.set_kind(av1::ASSESSMENT_KIND_INDEPENDENT_SCRUTINY);
  round.assessment.set_state(av1::Assessment::STATE_IN_REVIEW);
  round.framework = TwoByTwo();
  round.partnership_name = "North";
  av1::Respondent police;
  police.set_name("assessments/a-1/respondents/r-police");
  police.set_organisation("partnerships/north/organisations/police");
  av1::Respondent health;
  health.set_name("assessments/a-1/respondents/r-health");
  health.set_organisation("partnerships/north/organisations/health");
  round.respondents = {police, health};
  round.organisation_names["partnerships/north/organisations/police"] = "Northshire Police";
  round.organisation_names["partnerships/north/organisations/health"] = "North ICB";
  round.responses = {ResponseOf("r-police", "s1.q1", fv1::RATING_GREEN, 1),
                     ResponseOf("r-health", "s1.q1", fv1::RATING_RED, 0),
                     ResponseOf("r-police", "s1.q2", fv1::RATING_AMBER, 1),
                     ResponseOf("r-health", "s1.q2", fv1::RATING_AMBER, 0)};
  // s1.q1 Amber without remaining work: evidence missing. s2.q1 Green with no evidence.
  round.consolidations = {ConsolidationOf("s1.q1", fv1::RATING_AMBER),
                          ConsolidationOf("s1.q2", fv1::RATING_AMBER, "train the wider partners"),
                          ConsolidationOf("s2.q1", fv1::RATING_GREEN)};
  av1::Challenge open;
  open.set_question_id("s1.q1");
  open.set_state(av1::Challenge::STATE_OPEN);
  av1::Challenge closed;
  closed.set_question_id("s1.q2");
  closed.set_state(av1::Challenge::STATE_CLOSED);
  round.challenges = {open, closed};
  round.actions = {ActionOf("x1", "s1", actv1::Action::STATUS_PLANNED, "2026-03-01", "police"),
                   ActionOf("x2", "s1", actv1::Action::STATUS_DONE, "2026-02-01", "police"),
                   ActionOf("x3", "s2", actv1::Action::STATUS_IN_PROGRESS, "2026-06-01", "health")};
  return round;
}

TEST(AssessmentReportTest, CountsGapsDivergenceAndActions) {
  rv1::Freshness freshness;
  freshness.set_sequence(42);
  rv1::AssessmentReport report = BuildAssessmentReport(Round(), "2026-04-01", freshness);
  ASSERT_EQ(report.steps_size(), 2);
  EXPECT_EQ(report.partnership_name(), "North");
  EXPECT_EQ(report.freshness().sequence(), 42);
  EXPECT_EQ(report.counts().amber(), 2);
  EXPECT_EQ(report.counts().green(), 1);
  EXPECT_EQ(report.counts().red(), 0);
  EXPECT_EQ(report.counts().unrated(), 1);
  EXPECT_EQ(report.completeness_percent(), 75);
  EXPECT_THAT(report.questions_missing_evidence(), ElementsAre("s1.q1", "s2.q1"));
  EXPECT_THAT(report.divergent_questions(), ElementsAre("s1.q1"));
  const rv1::QuestionRow& first = report.steps(0).questions(0);
  EXPECT_TRUE(first.severe_divergence());
  EXPECT_EQ(first.open_challenges(), 1);
  EXPECT_EQ(first.evidence_items(), 1);
  ASSERT_EQ(first.respondent_ratings_size(), 2);
  EXPECT_EQ(first.respondent_ratings(0).label(), "Northshire Police");
  EXPECT_EQ(report.open_challenges(), 1);
  EXPECT_EQ(report.steps(0).actions().open(), 1);
  EXPECT_EQ(report.steps(0).actions().overdue(), 1);  // due 2026-03-01, as of 2026-04-01
  EXPECT_EQ(report.steps(0).actions().done(), 1);
  EXPECT_EQ(report.steps(1).actions().overdue(), 0);
  EXPECT_EQ(report.attribution(), "Pearce, J (2019) Six Steps");
}

TEST(AssessmentReportTest, AnAdaptedFrameworkCarriesItsAttributionLine) {
  RoundData round = Round();
  round.framework.set_attribution("Adapted from Pearce, J (2019) ...");
  EXPECT_EQ(BuildAssessmentReport(round, "2026-04-01", {}).attribution(),
            "Adapted from Pearce, J (2019) ...");
}

TEST(TrendTest, MatchesQuestionsByIdAndMarksTheDirection) {
  FinalisedRound first{
      Round().assessment,
      Shared(TwoByTwo()),
      {ConsolidationOf("s1.q1", fv1::RATING_RED), ConsolidationOf("s1.q2", fv1::RATING_GREEN),
       ConsolidationOf("s2.q1", fv1::RATING_AMBER)}};
  FinalisedRound second{
      Round().assessment,
      Shared(TwoByTwo()),
      {ConsolidationOf("s1.q1", fv1::RATING_AMBER), ConsolidationOf("s1.q2", fv1::RATING_RED),
       ConsolidationOf("s2.q1", fv1::RATING_AMBER), ConsolidationOf("s2.q2", fv1::RATING_GREEN)}};
  rv1::PartnershipTrend trend = BuildPartnershipTrend("partnerships/north", "North",
                                                      "independent_scrutiny", {first, second}, {});
  ASSERT_EQ(trend.questions_size(), 4);
  EXPECT_EQ(trend.questions(0).trend(), rv1::TREND_IMPROVED);
  EXPECT_EQ(trend.questions(1).trend(), rv1::TREND_WORSE);
  EXPECT_EQ(trend.questions(2).trend(), rv1::TREND_SAME);
  EXPECT_EQ(trend.questions(3).trend(), rv1::TREND_NOT_COMPARABLE);
  EXPECT_THAT(trend.questions(0).ratings(), ElementsAre(fv1::RATING_RED, fv1::RATING_AMBER));
  // Step 1: mean 2.0 → 1.5.
  EXPECT_EQ(trend.steps(0).trend(), rv1::TREND_WORSE);
}

TEST(RegionalOverviewTest, OptedOutPartnershipsAreAnonymousToNonMembers) {
  FinalisedRound latest{
      Round().assessment,
      Shared(TwoByTwo()),
      {ConsolidationOf("s1.q1", fv1::RATING_GREEN), ConsolidationOf("s1.q2", fv1::RATING_RED)}};
  latest.assessment.set_period_end("2026-03-31");
  RegionalInput open{"north", "North", false, false, latest, 2};
  RegionalInput hidden{"south", "South", true, false, latest, 0};
  RegionalInput mine{"east", "East", true, true, std::nullopt, 1};
  rv1::RegionalOverview overview =
      BuildRegionalOverview("regions/ne", "North East", {open, hidden, mine}, "2026-04-01", {});
  ASSERT_EQ(overview.partnerships_size(), 3);
  EXPECT_EQ(overview.partnerships(0).partnership_name(), "North");
  EXPECT_EQ(overview.partnerships(0).overdue_actions(), 2);
  EXPECT_EQ(overview.partnerships(0).last_scrutiny_date(), "2026-03-31");
  EXPECT_THAT(overview.partnerships(0).step_heat(), ElementsAre(2.0, 0.0));
  EXPECT_TRUE(overview.partnerships(1).anonymous());
  EXPECT_EQ(overview.partnerships(1).partnership(), "");
  EXPECT_EQ(overview.partnerships(1).assessment(), "");
  EXPECT_THAT(overview.partnerships(1).partnership_name(),
              ::testing::Not(::testing::HasSubstr("South")));
  EXPECT_FALSE(overview.partnerships(2).anonymous()) << "members see their own name";
}

TEST(ActionTrackerTest, GroupsOpenActionsByOwnerAndStepWithAges) {
  RoundData round = Round();
  rv1::ActionTracker tracker =
      BuildActionTracker("partnerships/north", round.actions, round.organisation_names,
                         {{"s1", "Step 1"}, {"s2", "Step 2"}}, "2026-04-01", {});
  EXPECT_EQ(tracker.counts().open(), 2);
  EXPECT_EQ(tracker.counts().overdue(), 1);
  ASSERT_EQ(tracker.by_owner_size(), 2);
  const rv1::ActionGroup& health = tracker.by_owner(0);
  EXPECT_EQ(health.label(), "North ICB");
  const rv1::ActionGroup& police = tracker.by_owner(1);
  ASSERT_EQ(police.actions_size(), 1) << "only open actions are listed";
  EXPECT_TRUE(police.actions(0).overdue());
  EXPECT_EQ(police.actions(0).days_overdue(), 31);
  EXPECT_EQ(police.actions(0).age_days(), 90);
  EXPECT_EQ(tracker.by_step(0).label(), "Step 1");
}

TEST(AnnualReportTest, SummarisesTheRoundWithTheAttribution) {
  rv1::AssessmentReport report = BuildAssessmentReport(Round(), "2026-04-01", {});
  rv1::AnnualReportSection section = BuildAnnualReportSection(report);
  EXPECT_THAT(section.markdown(), ::testing::HasSubstr("North"));
  EXPECT_THAT(section.markdown(), ::testing::HasSubstr("| Step 1 | 0 | 2 | 0 |"));
  EXPECT_THAT(section.markdown(), ::testing::HasSubstr("Pearce, J (2019) Six Steps"));
  EXPECT_EQ(section.attribution(), "Pearce, J (2019) Six Steps");
}

TEST(DatesTest, DaysBetweenIsoDates) {
  EXPECT_EQ(DaysBetween("2026-03-01", "2026-04-01"), 31);
  EXPECT_EQ(DaysBetween("2024-02-28", "2024-03-01"), 2);  // leap year
  EXPECT_EQ(DaysBetween("2026-04-01", "2026-03-01"), -31);
}

}  // namespace
}  // namespace sixsteps::reporting
