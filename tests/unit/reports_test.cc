// The report builders: plain functions from read-model data to report messages.
#include "services/reporting/reports.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "services/reporting/render.h"
#include "services/reporting/round_kind.h"
#include "tests/support/export_text.h"

namespace sixsteps::reporting {
namespace {

using ::sixsteps::testing::HasUnescaped;
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
  RegionalInput west{"west", "West", true, false, std::nullopt, 3};
  RegionalInput mine{"east", "East", true, true, std::nullopt, 1};
  rv1::RegionalOverview overview = BuildRegionalOverview(
      "regions/ne", "North East", {open, hidden, mine, west}, "2026-04-01", {});
  ASSERT_EQ(overview.partnerships_size(), 4);
  EXPECT_EQ(overview.partnerships(0).partnership_name(), "North");
  EXPECT_EQ(overview.partnerships(0).overdue_actions(), 2);
  EXPECT_EQ(overview.partnerships(0).last_scrutiny_date(), "2026-03-31");
  EXPECT_THAT(overview.partnerships(0).step_heat(), ElementsAre(2.0, 0.0));
  EXPECT_FALSE(overview.partnerships(1).anonymous()) << "members see their own name";
  EXPECT_EQ(overview.partnerships(1).partnership_name(), "East");
  for (int i : {2, 3}) {
    const rv1::RegionalRow& row = overview.partnerships(i);
    EXPECT_TRUE(row.anonymous());
    EXPECT_EQ(row.partnership(), "");
    EXPECT_EQ(row.assessment(), "");
    EXPECT_EQ(row.last_scrutiny_date(), "") << "a date can name a partnership too";
    EXPECT_THAT(row.partnership_name(), ::testing::HasSubstr("anonymous"));
    EXPECT_THAT(row.partnership_name(), ::testing::Not(::testing::HasSubstr("South")));
    EXPECT_THAT(row.partnership_name(), ::testing::Not(::testing::HasSubstr("West")));
  }
}

// The live path: figures as the read model keeps them (RoundFigures, stored), taken over into
// the row. A hidden partnership's row still loses its round and date; a named one keeps them.
TEST(RegionalOverviewTest, StoredFiguresAreShownWholeAndHiddenRowsLoseTheirRoundAndDate) {
  rv1::RegionalRow stored;
  stored.set_assessment("assessments/a-9");
  stored.set_last_scrutiny_date("2026-03-31");
  stored.add_step_ids("s1");
  stored.add_step_heat(1.5);
  stored.mutable_counts()->set_amber(2);
  RegionalInput named{"north", "North", false, false, std::nullopt, 4, stored};
  RegionalInput hidden[3] = {{"a", "A", true, false, std::nullopt, 0, stored},
                             {"b", "B", true, false, std::nullopt, 0, stored},
                             {"c", "C", true, false, std::nullopt, 0, stored}};
  const rv1::RegionalOverview overview = BuildRegionalOverview(
      "regions/ne", "North East", {named, hidden[0], hidden[1], hidden[2]}, "2026-04-01", {});
  ASSERT_EQ(overview.partnerships_size(), 4);
  const rv1::RegionalRow& shown = overview.partnerships(0);
  EXPECT_EQ(shown.partnership(), "partnerships/north");
  EXPECT_EQ(shown.partnership_name(), "North");
  EXPECT_EQ(shown.overdue_actions(), 4);
  EXPECT_EQ(shown.assessment(), "assessments/a-9");
  EXPECT_EQ(shown.last_scrutiny_date(), "2026-03-31");
  EXPECT_THAT(shown.step_ids(), ElementsAre("s1"));
  EXPECT_EQ(shown.counts().amber(), 2);
  for (int i : {1, 2, 3}) {
    const rv1::RegionalRow& row = overview.partnerships(i);
    EXPECT_TRUE(row.anonymous());
    EXPECT_EQ(row.partnership(), "");
    EXPECT_EQ(row.assessment(), "");
    EXPECT_EQ(row.last_scrutiny_date(), "");
    EXPECT_THAT(row.step_heat(), ElementsAre(1.5)) << "the figures themselves stay";
  }
}

// The attack: with names chosen so that name order would say which anonymous row is which
// ("Aardvark" before "Zebra"), the anonymous rows come after the named ones in an order of
// their figures alone, whatever order the partnerships came in.
TEST(RegionalOverviewTest, AnonymousRowsAreOrderedByTheirFiguresNotTheirNames) {
  auto round = [](fv1::Rating first, fv1::Rating second) {
    return FinalisedRound{Round().assessment,
                          Shared(TwoByTwo()),
                          {ConsolidationOf("s1.q1", first), ConsolidationOf("s1.q2", second),
                           ConsolidationOf("s2.q1", first), ConsolidationOf("s2.q2", second)}};
  };
  // Aardvark: all Red; Zebra: all Green; Middle: named.
  RegionalInput aardvark{
      "aardvark", "Aardvark", true, false, round(fv1::RATING_RED, fv1::RATING_RED), 0};
  RegionalInput middle{
      "middle", "Middle", false, false, round(fv1::RATING_AMBER, fv1::RATING_AMBER), 0};
  RegionalInput zebra{"zebra", "Zebra", true, false, round(fv1::RATING_GREEN, fv1::RATING_GREEN),
                      0};
  rv1::RegionalOverview by_name = BuildRegionalOverview(
      "regions/ne", "North East", {aardvark, middle, zebra}, "2026-04-01", {});
  rv1::RegionalOverview reversed = BuildRegionalOverview(
      "regions/ne", "North East", {zebra, middle, aardvark}, "2026-04-01", {});
  for (const rv1::RegionalOverview* overview : {&by_name, &reversed}) {
    ASSERT_EQ(overview->partnerships_size(), 3);
    EXPECT_EQ(overview->partnerships(0).partnership_name(), "Middle") << "named rows first";
    const rv1::RegionalRow& first = overview->partnerships(1);
    const rv1::RegionalRow& second = overview->partnerships(2);
    ASSERT_TRUE(first.anonymous());
    ASSERT_TRUE(second.anonymous());
    // Fewer Reds first: Zebra's row, though "Aardvark" sorts first by name.
    EXPECT_EQ(first.counts().green(), 4);
    EXPECT_EQ(second.counts().red(), 4);
    EXPECT_EQ(first.partnership_name(), "Partnership 1 (anonymous)");
    EXPECT_EQ(second.partnership_name(), "Partnership 2 (anonymous)");
  }
  // The same rows whichever order they came in.
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(by_name.partnerships(i).SerializeAsString(),
              reversed.partnerships(i).SerializeAsString())
        << i;
  }
}

// A lone anonymous row would be named by elimination: it is left out.
TEST(RegionalOverviewTest, ALoneAnonymousRowIsLeftOut) {
  RegionalInput open{"north", "North", false, false, std::nullopt, 2};
  RegionalInput hidden{"south", "South", true, false, std::nullopt, 5};
  rv1::RegionalOverview overview =
      BuildRegionalOverview("regions/ne", "North East", {hidden, open}, "2026-04-01", {});
  ASSERT_EQ(overview.partnerships_size(), 1);
  EXPECT_EQ(overview.partnerships(0).partnership_name(), "North");
  // Its members see it, named.
  hidden.caller_is_member = true;
  overview = BuildRegionalOverview("regions/ne", "North East", {hidden, open}, "2026-04-01", {});
  ASSERT_EQ(overview.partnerships_size(), 2);
  EXPECT_EQ(overview.partnerships(0).partnership_name(), "South");
}

auth::Caller CallerWith(std::vector<auth::Grant> grants) {
  auth::Caller caller;
  caller.principal = "users/u-1";
  caller.grants = std::move(grants);
  return caller;
}

TEST(OptOutTest, OnlyMembersAndHubAdministratorsSeeThrough) {
  using Role = auth::Role;
  const auth::Caller deployment_admin = CallerWith({{Role::ROLE_HUB_ADMINISTRATOR, "*", "", ""}});
  const auth::Caller hub_admin = CallerWith({{Role::ROLE_HUB_ADMINISTRATOR, "ne", "", ""}});
  const auth::Caller member = CallerWith({{Role::ROLE_VIEWER, "ne", "south", ""}});
  const auth::Caller respondent =
      CallerWith({{Role::ROLE_PARTNER_RESPONDENT, "ne", "south", "police"}});
  const auth::Caller dashboard = CallerWith({{Role::ROLE_DASHBOARD, "ne", "", ""}});
  const auth::Caller region_viewer = CallerWith({{Role::ROLE_VIEWER, "ne", "", ""}});
  const auth::Caller everywhere_viewer = CallerWith({{Role::ROLE_VIEWER, "*", "", ""}});
  const auth::Caller integration = CallerWith({{Role::ROLE_INTEGRATION, "ne", "", ""}});
  const auth::Caller neighbour =
      CallerWith({{Role::ROLE_PARTNERSHIP_ADMINISTRATOR, "ne", "north", ""}});
  const auth::Caller dashboard_and_member =
      CallerWith({{Role::ROLE_DASHBOARD, "ne", "", ""}, {Role::ROLE_VIEWER, "ne", "south", ""}});
  const auth::Caller other_hub_admin = CallerWith({{Role::ROLE_HUB_ADMINISTRATOR, "sw", "", ""}});

  for (const auth::Caller* c :
       {&deployment_admin, &hub_admin, &member, &respondent, &dashboard_and_member}) {
    EXPECT_TRUE(SeesThroughOptOut(*c, "ne", "south")) << c->grants[0].role;
    EXPECT_TRUE(MayReadPartnershipReports(*c, "ne", "south", true)) << c->grants[0].role;
  }
  for (const auth::Caller* c : {&dashboard, &region_viewer, &everywhere_viewer, &integration}) {
    EXPECT_FALSE(SeesThroughOptOut(*c, "ne", "south")) << c->grants[0].role;
    EXPECT_FALSE(MayReadPartnershipReports(*c, "ne", "south", true)) << c->grants[0].role;
    // A partnership that did not opt out they read.
    EXPECT_TRUE(MayReadPartnershipReports(*c, "ne", "south", false)) << c->grants[0].role;
  }
  // Those who cannot see the partnership at all read nothing of it, opted out or not.
  for (const auth::Caller* c : {&neighbour, &other_hub_admin}) {
    EXPECT_FALSE(MayReadPartnershipReports(*c, "ne", "south", true));
    EXPECT_FALSE(MayReadPartnershipReports(*c, "ne", "south", false));
  }
}

TEST(FreshnessTest, OnlyRolesBoundOnARegionOrTheDeploymentMayAskForThePosition) {
  using Role = auth::Role;
  for (const auth::Grant& grant :
       std::vector<auth::Grant>{{Role::ROLE_HUB_ADMINISTRATOR, "*", "", ""},
                                {Role::ROLE_HUB_ADMINISTRATOR, "ne", "", ""},
                                {Role::ROLE_VIEWER, "*", "", ""},
                                {Role::ROLE_DASHBOARD, "ne", "", ""},
                                {Role::ROLE_INTEGRATION, "ne", "", ""},
                                {Role::ROLE_NOTIFIER, "*", "", ""}}) {
    EXPECT_TRUE(MayReadFreshness(CallerWith({grant}))) << grant.role << " on " << grant.region;
  }
  for (const auth::Grant& grant :
       std::vector<auth::Grant>{{Role::ROLE_VIEWER, "ne", "south", ""},
                                {Role::ROLE_PARTNERSHIP_ADMINISTRATOR, "ne", "south", ""},
                                {Role::ROLE_INDEPENDENT_SCRUTINEER, "ne", "south", ""},
                                {Role::ROLE_PARTNER_RESPONDENT, "ne", "south", "police"},
                                {Role::ROLE_INTEGRATION, "ne", "south", ""}}) {
    EXPECT_FALSE(MayReadFreshness(CallerWith({grant}))) << grant.role;
  }
  EXPECT_FALSE(MayReadFreshness(CallerWith({}))) << "no binding at all";
}

TEST(OptOutTest, TheRegionsTrackerLeavesOutWhatTheCallerDoesNotSeeThrough) {
  auto action = [](const std::string& id, const std::string& partnership) {
    actv1::Action a = ActionOf(id, "s1", actv1::Action::STATUS_PLANNED, "2026-03-01", "police");
    a.set_partnership("partnerships/" + partnership);
    return a;
  };
  std::vector<actv1::Action> actions = {action("x1", "north"), action("x2", "south"),
                                        action("x3", "south")};
  const absl::flat_hash_set<std::string> opted_out = {"south"};
  auto ids = [](const std::vector<actv1::Action>& shown) {
    std::vector<std::string> out;
    for (const actv1::Action& a : shown) out.push_back(a.name());
    return out;
  };
  const auth::Caller dashboard = CallerWith({{auth::Role::ROLE_DASHBOARD, "ne", "", ""}});
  EXPECT_THAT(ids(ActionsShownInRegion(dashboard, "ne", actions, opted_out)),
              ElementsAre("actions/x1"));
  const auth::Caller hub_admin = CallerWith({{auth::Role::ROLE_HUB_ADMINISTRATOR, "ne", "", ""}});
  EXPECT_THAT(ids(ActionsShownInRegion(hub_admin, "ne", actions, opted_out)),
              ElementsAre("actions/x1", "actions/x2", "actions/x3"));
  const auth::Caller member = CallerWith(
      {{auth::Role::ROLE_DASHBOARD, "ne", "", ""}, {auth::Role::ROLE_VIEWER, "ne", "south", ""}});
  EXPECT_THAT(ids(ActionsShownInRegion(member, "ne", actions, opted_out)),
              ElementsAre("actions/x1", "actions/x2", "actions/x3"));
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

// The attack of the review: HTML and links in a round's title, the partnership's name,
// a step title, a question and the attribution. The section's Markdown carries them as
// text, and so does its HTML rendering.
TEST(AnnualReportTest, TitlesNamesAndTextsCannotInjectMarkdownOrHtml) {
  RoundData round = Round();
  round.assessment.set_title("<img src=x onerror=alert(1)> [click](javascript:alert(2))");
  round.partnership_name = "- [North](javascript:alert(3)) <script>alert(4)</script>";
  round.framework.mutable_steps(0)->set_title("Step | one ![i](javascript:alert(5))");
  round.framework.mutable_steps(0)->mutable_questions(0)->set_text(
      "<a href=\"javascript:alert(6)\">Q</a> **bold** `code`");
  round.framework.set_source_citation("[Pearce](javascript:alert(7)) <b>2019</b> & co");
  round.consolidations.push_back(ConsolidationOf("s1.q1", fv1::RATING_RED));
  round.consolidations.erase(round.consolidations.begin());  // s1.q1 is now Red
  rv1::AssessmentReport report = BuildAssessmentReport(round, "2026-04-01", {});
  rv1::AnnualReportSection section = BuildAnnualReportSection(report);
  const std::string& md = section.markdown();

  for (const char* raw : {"<img", "<script", "<a ", "<b>", "& co"}) {
    EXPECT_THAT(md, ::testing::Not(::testing::HasSubstr(raw))) << raw;
  }
  for (const char* link : {"[", "](", "]", "`", "**"}) {
    EXPECT_FALSE(HasUnescaped(md, link)) << link << " in\n" << md;
  }
  // The name does not turn its paragraph into a list item.
  EXPECT_THAT(md, ::testing::HasSubstr("\n\\- \\[North\\](javascript:alert(3))"));
  // The table keeps its six columns: the step title's pipe is escaped.
  EXPECT_THAT(md, ::testing::HasSubstr("| Step \\| one !\\[i\\](javascript:alert(5)) | 1 |"));
  // The words are all there, as text.
  EXPECT_THAT(md, ::testing::HasSubstr("&lt;img src=x onerror=alert(1)&gt;"));
  EXPECT_THAT(md, ::testing::HasSubstr("&lt;b&gt;2019&lt;/b&gt; &amp; co"));

  // Rendered as HTML (as the HTML export does, through the document model), nothing runs
  // and nothing links.
  absl::StatusOr<Rendered> rendered = Render(section, rv1::FORMAT_HTML);
  ASSERT_TRUE(rendered.ok()) << rendered.status();
  const std::string& html = rendered->content;
  for (const char* tag : {"<img", "<script", "<a", "href=\"", "<b>", "onerror=alert(1)>"}) {
    EXPECT_THAT(html, ::testing::Not(::testing::HasSubstr(tag))) << tag << " in\n" << html;
  }
  EXPECT_THAT(html, ::testing::HasSubstr("&lt;img src=x onerror=alert(1)&gt;"));
  EXPECT_THAT(html, ::testing::HasSubstr("<p>- [North](javascript:alert(3)) &lt;script&gt;"))
      << "no list, no link from a name";
}

TEST(DatesTest, DaysBetweenIsoDates) {
  EXPECT_EQ(DaysBetween("2026-03-01", "2026-04-01"), 31);
  EXPECT_EQ(DaysBetween("2024-02-28", "2024-03-01"), 2);  // leap year
  EXPECT_EQ(DaysBetween("2026-04-01", "2026-03-01"), -31);
}

// The kind `spelling` is read as, or -1 when it is refused.
int KindOf(absl::string_view spelling) {
  absl::StatusOr<av1::AssessmentKind> kind = ParseRoundKind(spelling);
  return kind.ok() ? static_cast<int>(*kind) : -1;
}

// A round kind has one spelling, the enum value's name without its prefix in lower case;
// what the CLI and older clients send is read as the same kind.
TEST(RoundKind, OneSpellingReadLeniently) {
  EXPECT_EQ(RoundKindKey(av1::ASSESSMENT_KIND_INDEPENDENT_SCRUTINY), "independent_scrutiny");
  EXPECT_EQ(RoundKindKey(av1::ASSESSMENT_KIND_SELF_ASSESSMENT), "self_assessment");
  EXPECT_EQ(RoundKindKey(av1::ASSESSMENT_KIND_WIDER_PARTNER_ASSESSMENT),
            "wider_partner_assessment");
  EXPECT_EQ(RoundKindKey(av1::ASSESSMENT_KIND_UNSPECIFIED), "");
  for (int value = 1; value <= 3; ++value) {
    auto kind = static_cast<av1::AssessmentKind>(value);
    std::string key = RoundKindKey(kind);
    EXPECT_EQ(KindOf(key), kind) << key;
    EXPECT_EQ(KindOf(av1::AssessmentKind_Name(kind)), kind);
  }
  EXPECT_EQ(KindOf(""), av1::ASSESSMENT_KIND_INDEPENDENT_SCRUTINY);
  // The CLI's words.
  EXPECT_EQ(KindOf("independent-scrutiny"), av1::ASSESSMENT_KIND_INDEPENDENT_SCRUTINY);
  EXPECT_EQ(KindOf("Self-Assessment"), av1::ASSESSMENT_KIND_SELF_ASSESSMENT);
  EXPECT_EQ(KindOf("wider-partners"), av1::ASSESSMENT_KIND_WIDER_PARTNER_ASSESSMENT);
  EXPECT_EQ(KindOf("wider-partner-assessment"), av1::ASSESSMENT_KIND_WIDER_PARTNER_ASSESSMENT);
  for (const char* bad : {"unspecified", "ASSESSMENT_KIND_UNSPECIFIED", "scrutiny", "self",
                          "independent_scrutiny ", "4"}) {
    EXPECT_EQ(KindOf(bad), -1) << bad;
  }
}

}  // namespace
}  // namespace sixsteps::reporting
