// The scrutiny cycle's report builders (reports_cycle.h): plain functions of read-model
// data, checked without a database.
#include "services/reporting/reports_cycle.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "services/reporting/render_escape.h"
#include "tests/support/status_matchers.h"

namespace sixsteps::reporting {
namespace {

using ::sixsteps::testing::IsOk;
using ::sixsteps::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

google::protobuf::Timestamp At(int64_t seconds) {
  google::protobuf::Timestamp t;
  t.set_seconds(seconds);
  return t;
}

constexpr int64_t k2026Jan1 = 1767225600;  // 2026-01-01T00:00:00Z
constexpr int64_t kDay = 86400;

actv1::Action Action(const std::string& owner, const std::string& due, actv1::Action::Status status,
                     int64_t created, int64_t updated) {
  actv1::Action a;
  a.set_name(absl::StrCat("actions/", owner, due));
  a.set_assessment("assessments/a");
  a.set_owner_organisation(owner);
  a.set_due_date(due);
  a.set_status(status);
  *a.mutable_create_time() = At(created);
  *a.mutable_update_time() = At(updated);
  return a;
}

TEST(QuarterEnds, StepBackThreeMonthsKeepingTheMonthsEnd) {
  EXPECT_THAT(QuarterEnds("2026-05-31", 4),
              ElementsAre("2025-08-31", "2025-11-30", "2026-02-28", "2026-05-31"));
}

TEST(OverdueOverTime, CountsWhatWasOpenAndPastDueAtEachDate) {
  std::vector<actv1::Action> actions = {
      // Due in February, done in April: overdue at the end of March only.
      Action("police", "2026-02-15", actv1::Action::STATUS_DONE, k2026Jan1, k2026Jan1 + 100 * kDay),
      // Still open, due in May: overdue from June on.
      Action("police", "2026-05-01", actv1::Action::STATUS_IN_PROGRESS, k2026Jan1, k2026Jan1),
      // Created in July, due before: counts only once it exists.
      Action("health", "2026-03-01", actv1::Action::STATUS_PLANNED, k2026Jan1 + 190 * kDay,
             k2026Jan1 + 190 * kDay)};
  rv1::CountsOverTime chart = OverdueOverTime(
      "Overdue", actions, {"2026-03-31", "2026-06-30", "2026-09-30"},
      [](const actv1::Action& a) { return a.owner_organisation(); },
      [](const std::string& key) { return absl::StrCat("The ", key); });
  ASSERT_EQ(chart.series_size(), 2);
  EXPECT_EQ(chart.series(0).label(), "The health");
  EXPECT_THAT(chart.series(0).counts(), ElementsAre(0, 0, 1));
  EXPECT_EQ(chart.series(1).label(), "The police");
  EXPECT_THAT(chart.series(1).counts(), ElementsAre(1, 1, 1));
}

RoundData Round() {
  RoundData round;
  round.assessment.set_name("assessments/a");
  round.assessment.set_partnership("partnerships/p");
  round.assessment.set_title("2026 round");
  fv1::Step* step = round.framework.add_steps();
  step->set_id("s1");
  step->set_title("Leadership");
  fv1::Question* q = step->add_questions();
  q->set_id("s1.q2");
  q->set_text("Is it clear who leads?");
  return round;
}

av1::ScrutinyReport Published(int version, const std::string& summary) {
  av1::ScrutinyReport r;
  r.set_assessment("assessments/a");
  r.set_version(version);
  r.set_state(av1::ScrutinyReport::STATE_PUBLISHED);
  r.set_summary(summary);
  *r.mutable_publish_time() = At(k2026Jan1 + version * kDay);
  av1::Finding* f = r.add_findings();
  f->set_id("f-1");
  f->set_title("Audit is late");
  f->set_nature(av1::Finding::NATURE_CONCERN);
  f->add_step_ids("s1");
  f->add_question_ids("s1.q2");
  av1::Recommendation* rec = r.add_recommendations();
  rec->set_id("rec-1");
  rec->set_text("Finish the audit");
  rec->add_finding_ids("f-1");
  rec->set_accepted(true);
  if (version > 1) r.set_change_note("A date was wrong");
  return r;
}

TEST(BuildScrutineerReport, ShowsTheLatestOrTheNamedVersionWithProgress) {
  RoundData round = Round();
  round.actions = {
      Action("police", "2026-03-01", actv1::Action::STATUS_PLANNED, k2026Jan1, k2026Jan1),
      Action("police", "2026-12-01", actv1::Action::STATUS_DONE, k2026Jan1, k2026Jan1)};
  for (actv1::Action& a : round.actions) {
    a.set_recommendation("assessments/a/scrutinyReport/recommendations/rec-1");
  }
  std::vector<av1::ScrutinyReport> published = {Published(1, "First"), Published(2, "Second")};
  absl::StatusOr<rv1::ScrutineerReport> latest =
      BuildScrutineerReport(round, published, 0, "2026-06-30", {});
  ASSERT_THAT(latest, IsOk());
  EXPECT_EQ(latest->report().summary(), "Second");
  EXPECT_THAT(latest->findings(0).rests_on(),
              ElementsAre("s1 Leadership", "s1.q2 Is it clear who leads?"));
  EXPECT_EQ(latest->recommendations(0).actions().open(), 1);
  EXPECT_EQ(latest->recommendations(0).actions().overdue(), 1);
  EXPECT_EQ(latest->recommendations(0).actions().done(), 1);
  EXPECT_THAT(latest->recommendations(0).findings(), ElementsAre("Audit is late"));
  ASSERT_EQ(latest->versions_size(), 2);
  EXPECT_EQ(latest->versions(1).change_note(), "A date was wrong");
  absl::StatusOr<rv1::ScrutineerReport> first =
      BuildScrutineerReport(round, published, 1, "2026-06-30", {});
  ASSERT_THAT(first, IsOk());
  EXPECT_EQ(first->report().summary(), "First");
  EXPECT_THAT(BuildScrutineerReport(round, published, 3, "2026-06-30", {}),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(BuildScrutineerReport(round, {}, 0, "2026-06-30", {}),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST(BuildAnnualCycle, EscapesEveryTextFromTheRecords) {
  rv1::AssessmentReport report;
  report.set_assessment("assessments/a");
  report.set_title("2026 round");
  *report.mutable_finalise_time() = At(k2026Jan1 + 180 * kDay);
  fv1::FrameworkVersion framework;
  fv1::ContextQuestion* c1 = framework.add_context_questions();
  c1->set_id("c1");
  c1->set_text("Who employs the independent scrutineer(s)?");
  AnnualCycleInput in;
  in.report = &report;
  in.framework = &framework;
  in.as_of = "2026-12-31";
  av1::ContextAnswer answer;
  answer.set_context_question_id("c1");
  answer.set_text("The board [click](javascript:alert(1)) <img src=x>");
  in.context_answers = {answer};
  in.published = {Published(1, "All **good** <script>")};
  in.published[0].mutable_findings(0)->set_title("![x](http://evil/)");
  AnnualCycleParts parts = BuildAnnualCycle(in);
  EXPECT_EQ(parts.cycle.year_start(), "2025-07-01");
  EXPECT_EQ(parts.cycle.year_end(), "2026-06-30");
  for (const std::string& raw : {std::string("[click](javascript"), std::string("<img"),
                                 std::string("<script>"), std::string("![x]")}) {
    EXPECT_THAT(parts.markdown, Not(HasSubstr(raw))) << parts.markdown;
  }
  EXPECT_THAT(parts.markdown, HasSubstr(MarkdownText("All **good** <script>")));
  EXPECT_THAT(parts.markdown, HasSubstr("**Who employs the independent scrutineer(s)?**"));
  EXPECT_THAT(parts.markdown, HasSubstr("There was no earlier round of this kind."));
}

}  // namespace
}  // namespace sixsteps::reporting
