// Report 2, the partnership trend, over gRPC on the shared world (reporting_fixture.h).
#include <gmock/gmock.h>
#include <grpcpp/client_context.h>
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "tests/integration/reporting_fixture.h"

namespace sixsteps::testing::reporting_fixture {
namespace {

// ---- Report 2: the trend ----

TEST_F(ReportingTest, TrendMarksEachQuestionAndStepAgainstThePreviousRound) {
  const World& w = *world_;
  rv1::PartnershipTrend trend;
  ASSERT_THAT(Trend(w.viewer.at(kP1), P(kP1), &trend), IsOk());
  EXPECT_EQ(trend.partnership(), P(kP1));
  EXPECT_EQ(trend.partnership_name(), "Partnership tyneside");
  EXPECT_EQ(trend.kind(), "independent_scrutiny");
  ExpectFresh(trend.freshness());
  ASSERT_THAT(trend.rounds(), SizeIs(2));
  EXPECT_EQ(trend.rounds(0).assessment(), w.p1_first.name());
  EXPECT_EQ(trend.rounds(1).assessment(), w.p1_second.name());
  EXPECT_EQ(trend.rounds(0).period_end(), "2025-03-31");
  EXPECT_EQ(trend.rounds(1).title(), "Scrutiny 2025/26");

  const std::set<std::string> improved = {"s1.q3", "s5.q1", "s6.q1"};
  const std::set<std::string> worse = {"s3.q3", "s6.q4"};
  ASSERT_THAT(trend.questions(), SizeIs(24));
  for (int i = 0; i < 24; ++i) {
    const rv1::QuestionTrend& q = trend.questions(i);
    EXPECT_EQ(q.question_id(), QuestionId(i));
    EXPECT_EQ(q.step_id(), StepId(i / 4 + 1));
    EXPECT_THAT(q.ratings(),
                ElementsAre(Rate(kP1First.consolidated[i]), Rate(kP1Second.consolidated[i])))
        << q.question_id();
    rv1::Trend expected = improved.count(q.question_id()) ? rv1::TREND_IMPROVED
                          : worse.count(q.question_id())  ? rv1::TREND_WORSE
                                                          : rv1::TREND_SAME;
    EXPECT_EQ(q.trend(), expected) << q.question_id();
  }
  ASSERT_THAT(trend.steps(), SizeIs(6));
  const std::vector<rv1::Trend> steps = {rv1::TREND_IMPROVED, rv1::TREND_SAME,     rv1::TREND_WORSE,
                                         rv1::TREND_SAME,     rv1::TREND_IMPROVED, rv1::TREND_SAME};
  for (int step = 1; step <= 6; ++step) {
    const rv1::StepTrend& s = trend.steps(step - 1);
    EXPECT_EQ(s.step_id(), StepId(step));
    EXPECT_EQ(s.trend(), steps[step - 1]) << s.step_id();
    ASSERT_THAT(s.counts(), SizeIs(2));
    EXPECT_THAT(s.counts(0), EqualsProto(StepCounts(kP1First, step))) << s.step_id();
    EXPECT_THAT(s.counts(1), EqualsProto(StepCounts(kP1Second, step))) << s.step_id();
  }

  // One round only: nothing to compare with.
  rv1::PartnershipTrend single;
  ASSERT_THAT(Trend(w.viewer.at(kP2), P(kP2), &single), IsOk());
  ASSERT_THAT(single.rounds(), SizeIs(1));
  for (const rv1::QuestionTrend& q : single.questions()) {
    EXPECT_EQ(q.trend(), rv1::TREND_NOT_COMPARABLE) << q.question_id();
  }
}

// A round kind in any spelling the API reads names the same rounds; the reply spells it the
// one way (see services/reporting/round_kind.h).
TEST_F(ReportingTest, TrendReadsEverySpellingOfAKindAndRepliesInOne) {
  const World& w = *world_;
  for (const char* spelling :
       {"independent_scrutiny", "independent-scrutiny", "ASSESSMENT_KIND_INDEPENDENT_SCRUTINY"}) {
    rv1::PartnershipTrend trend;
    ASSERT_THAT(Trend(w.viewer.at(kP1), P(kP1), &trend, spelling), IsOk()) << spelling;
    EXPECT_EQ(trend.kind(), "independent_scrutiny") << spelling;
    EXPECT_THAT(trend.rounds(), SizeIs(2)) << spelling;
  }
  rv1::PartnershipTrend wider;
  ASSERT_THAT(Trend(w.viewer.at(kP1), P(kP1), &wider, "wider-partners"), IsOk());
  EXPECT_EQ(wider.kind(), "wider_partner_assessment");
  EXPECT_THAT(wider.rounds(), IsEmpty());
  rv1::PartnershipTrend refused;
  EXPECT_THAT(Trend(w.viewer.at(kP1), P(kP1), &refused, "scrutiny"),
              StatusIs(Code::kInvalidArgument, "kind"));
}

}  // namespace
}  // namespace sixsteps::testing::reporting_fixture
