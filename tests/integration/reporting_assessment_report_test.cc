// Report 1, the assessment report, over gRPC on the shared world (reporting_fixture.h):
// its numbers, a report at a feed position, freshness, and who may read it.
#include <gmock/gmock.h>
#include <grpcpp/client_context.h>
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "tests/integration/reporting_fixture.h"

namespace sixsteps::testing::reporting_fixture {
namespace {

// ---- Report 1: the assessment report ----

TEST_F(ReportingTest, AssessmentReportCountsTheFirstRound) {
  const World& w = *world_;
  rv1::AssessmentReport report;
  ASSERT_THAT(Report(w.partnership_admin.at(kP1), w.p1_first.name(), &report), IsOk());

  EXPECT_EQ(report.assessment(), w.p1_first.name());
  EXPECT_EQ(report.partnership(), P(kP1));
  EXPECT_EQ(report.partnership_name(), "Partnership tyneside");
  EXPECT_EQ(report.region(), "regions/north");
  EXPECT_EQ(report.title(), "Scrutiny 2024/25");
  EXPECT_EQ(report.round_kind(), asv1::ASSESSMENT_KIND_INDEPENDENT_SCRUTINY);
  EXPECT_EQ(report.round_state(), asv1::Assessment::STATE_FINALISED);
  // The text fields v0.2.0 released (deprecated for the two above) keep their values.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  EXPECT_EQ(report.kind(), "independent scrutiny");
  EXPECT_EQ(report.state(), "STATE_FINALISED");
#pragma GCC diagnostic pop
  EXPECT_EQ(report.revision(), 1);
  EXPECT_EQ(report.period_start(), "2024-04-01");
  EXPECT_EQ(report.period_end(), "2025-03-31");
  EXPECT_EQ(report.framework_version(), kBuiltIn);
  EXPECT_THAT(report.framework_title(), HasSubstr("Six Steps for Independent Scrutiny"));
  EXPECT_THAT(report.rating_definitions(), SizeIs(3));
  EXPECT_THAT(report.attribution(), HasSubstr("Pearce, J (2019)"));
  EXPECT_EQ(report.as_of_date(), kAsOf);
  EXPECT_TRUE(report.has_finalise_time());
  ExpectFresh(report.freshness());

  // Counts per step and overall, from the consolidated ratings.
  ASSERT_THAT(report.steps(), SizeIs(6));
  for (int step = 1; step <= 6; ++step) {
    const rv1::StepRow& row = Step(report, step);
    EXPECT_EQ(row.step_id(), StepId(step));
    EXPECT_FALSE(row.title().empty());
    EXPECT_THAT(row.questions(), SizeIs(4));
    EXPECT_THAT(row.counts(), EqualsProto(StepCounts(kP1First, step))) << row.step_id();
  }
  EXPECT_THAT(report.counts(), EqualsProto(Counts(8, 8, 8)));
  EXPECT_EQ(report.completeness_percent(), 100);
  EXPECT_THAT(report.questions_missing_evidence(), IsEmpty());
  EXPECT_EQ(report.open_challenges(), 0);

  // Divergence where respondents disagree, severe only where Green met Red.
  EXPECT_THAT(report.divergent_questions(), ElementsAre("s1.q1", "s2.q2", "s3.q3", "s5.q4"));
  EXPECT_TRUE(Question(report, "s1.q1").severe_divergence());
  for (const char* q : {"s2.q2", "s3.q3", "s5.q4"}) {
    EXPECT_TRUE(Question(report, q).divergent()) << q;
    EXPECT_FALSE(Question(report, q).severe_divergence()) << q;
  }
  EXPECT_FALSE(Question(report, "s4.q1").divergent());

  // Every question: its consolidated rating, the three respondents' ratings with their
  // organisation names, and evidence counted across responses and consolidation.
  for (int i = 0; i < 24; ++i) {
    const rv1::QuestionRow& q = Question(report, QuestionId(i));
    EXPECT_EQ(q.question_id(), QuestionId(i));
    EXPECT_FALSE(q.text().empty());
    EXPECT_EQ(q.consolidated_rating(), Rate(kP1First.consolidated[i])) << q.question_id();
    EXPECT_FALSE(q.evidence_missing()) << q.question_id();
    EXPECT_THAT(q.rationale(), HasSubstr(QuestionId(i)));
    EXPECT_EQ(q.remaining_work().empty(), kP1First.consolidated[i] != 'A') << q.question_id();
    ASSERT_THAT(q.respondent_ratings(), SizeIs(3)) << q.question_id();
    int evidence = kP1First.consolidated[i] != 'R' ? 1 : 0;
    std::map<std::string, fv1::Rating> by_label;
    for (const rv1::RespondentRating& r : q.respondent_ratings()) {
      by_label[r.label()] = r.rating();
      EXPECT_EQ(r.evidence_items(), r.rating() == fv1::RATING_RED ? 0 : 1);
      evidence += r.evidence_items();
      EXPECT_TRUE(
          absl::StartsWith(r.respondent(), absl::StrCat(w.p1_first.name(), "/respondents/")))
          << r.respondent();
    }
    for (const std::string& org : kOrgs) {
      EXPECT_EQ(by_label[absl::StrCat("Organisation ", org)], Rate(kP1First.RatingOf(org, i)))
          << q.question_id() << " " << org;
    }
    EXPECT_EQ(q.evidence_items(), evidence) << q.question_id();
  }
  // s1.q1: two Green responses with an item each, and the scrutineer's item.
  EXPECT_EQ(Question(report, "s1.q1").evidence_items(), 3);

  // The action plan: one action per step; s1 and s3 overdue as of kAsOf (s4 is due that
  // day), s2 done after finalisation.
  EXPECT_THAT(Step(report, 1).actions(), EqualsProto(Actions(1, 1)));
  EXPECT_THAT(Step(report, 2).actions(), EqualsProto(Actions(0, 0, 1)));
  EXPECT_THAT(Step(report, 3).actions(), EqualsProto(Actions(1, 1)));
  EXPECT_THAT(Step(report, 4).actions(), EqualsProto(Actions(1, 0)));
  EXPECT_THAT(Step(report, 5).actions(), EqualsProto(Actions(1, 0)));
  EXPECT_THAT(Step(report, 6).actions(), EqualsProto(Actions(1, 0)));
  EXPECT_THAT(report.actions(), EqualsProto(Actions(5, 2, 1)));
}

TEST_F(ReportingTest, AssessmentReportsOfTheOtherRounds) {
  const World& w = *world_;
  rv1::AssessmentReport second;
  ASSERT_THAT(Report(w.admin, w.p1_second.name(), &second), IsOk());
  EXPECT_THAT(second.counts(), EqualsProto(Counts(8, 7, 9)));
  for (int step = 1; step <= 6; ++step) {
    EXPECT_THAT(Step(second, step).counts(), EqualsProto(StepCounts(kP1Second, step))) << step;
  }
  EXPECT_EQ(second.completeness_percent(), 100);
  EXPECT_THAT(second.divergent_questions(), IsEmpty());
  EXPECT_THAT(second.questions_missing_evidence(), IsEmpty());
  EXPECT_THAT(second.actions(), EqualsProto(Actions(6, 1)));
  EXPECT_THAT(Step(second, 5).actions(), EqualsProto(Actions(1, 1)));
  ExpectFresh(second.freshness());

  rv1::AssessmentReport other;
  ASSERT_THAT(Report(w.partnership_admin.at(kP2), w.p2_first.name(), &other), IsOk());
  EXPECT_EQ(other.partnership_name(), "Partnership wearside");
  EXPECT_THAT(other.counts(), EqualsProto(Counts(9, 8, 7)));
  for (int step = 1; step <= 6; ++step) {
    EXPECT_THAT(Step(other, step).counts(), EqualsProto(StepCounts(kP2First, step))) << step;
  }
  EXPECT_EQ(other.completeness_percent(), 100);
  // s1 overdue, s6 cancelled.
  EXPECT_THAT(other.actions(), EqualsProto(Actions(5, 1, 0, 1)));
  EXPECT_THAT(Step(other, 6).actions(), EqualsProto(Actions(0, 0, 0, 1)));
}

TEST_F(ReportingTest, AReportAskedForAtAFeedPositionReflectsTheWritesBeforeIt) {
  const World& w = *world_;
  // Asked for right after the finalisation, before the consumer could have caught up.
  const rv1::AssessmentReport& report = w.first_report_at_head;
  EXPECT_GE(report.freshness().sequence(), w.first_head);
  EXPECT_EQ(report.round_state(), asv1::Assessment::STATE_FINALISED);
  EXPECT_THAT(report.counts(), EqualsProto(Counts(8, 8, 8)));
  EXPECT_EQ(report.completeness_percent(), 100);
  // Before the step 2 action was done: it was overdue then, as of kAsOf, like s1's and s3's.
  EXPECT_THAT(report.actions(), EqualsProto(Actions(6, 3)));
  EXPECT_THAT(Step(report, 2).actions(), EqualsProto(Actions(1, 1)));

  // A new write, then a report at its position: the read model has it.
  acv1::Action open = w.plan.at(w.p1_second.name())[3];
  acv1::AddProgressUpdateRequest progress;
  progress.set_name(open.name());
  progress.set_note("Training needs analysis started");
  progress.set_start(true);
  acv1::Action started;
  ASSERT_THAT(Call(*w.actions, &ActStub::AddProgressUpdate, w.partnership_admin.at(kP1), progress,
                   &started),
              IsOk());
  ASSERT_EQ(started.status(), acv1::Action::STATUS_IN_PROGRESS);
  absl::StatusOr<int64_t> head = w.hub->FeedHead();
  ASSERT_THAT(head, IsOk());
  ASSERT_GT(*head, w.head);
  rv1::ActionTracker tracker;
  ASSERT_THAT(Tracker(w.partnership_admin.at(kP1), P(kP1), &tracker, *head), IsOk());
  EXPECT_GE(tracker.freshness().sequence(), *head);
  bool seen = false;
  for (const rv1::ActionGroup& group : tracker.by_step()) {
    for (const rv1::ActionLine& line : group.actions()) {
      if (line.action() == open.name()) {
        seen = true;
        EXPECT_EQ(line.action_status(), acv1::Action::STATUS_IN_PROGRESS);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
        EXPECT_EQ(line.status(), "STATUS_IN_PROGRESS");  // as v0.2.0 released it
#pragma GCC diagnostic pop
      }
    }
  }
  EXPECT_TRUE(seen);
}

TEST_F(ReportingTest, AFeedPositionBeyondEveryChangeIsOutOfRange) {
  const World& w = *world_;
  rv1::AssessmentReport report;
  // Nothing to wait for (issue #13, finding 9): said at once, not after the deadline.
  EXPECT_THAT(Report(w.admin, w.p1_first.name(), &report, w.head + 1000, absl::Seconds(30)),
              StatusIs(Code::kOutOfRange, "min_sequence"));
  // Negative positions are refused outright.
  grpc::ClientContext context;
  Authorize(context, w.admin);
  rv1::GetRegionalOverviewRequest request;
  request.set_region("regions/north");
  request.set_min_sequence(-1);
  rv1::RegionalOverview overview;
  EXPECT_THAT(w.hub->ReportingStub()->GetRegionalOverview(&context, request, &overview),
              StatusIs(Code::kInvalidArgument));
}

TEST_F(ReportingTest, FreshnessIsTheFeedPositionApplied) {
  const World& w = *world_;
  grpc::ClientContext context;
  Authorize(context, w.dashboard);
  rv1::Freshness freshness;
  ASSERT_THAT(
      w.hub->ReportingStub()->GetFreshness(&context, rv1::GetFreshnessRequest(), &freshness),
      IsOk());
  ExpectFresh(freshness);
}

TEST_F(ReportingTest, AReportReadAgainIsTheSameReportAtTheSamePosition) {
  // The second read is answered from the replica's cache on gRPC's own thread, its bytes sent
  // as they are kept (callback_rpc.h, SIXSTEPS_RPC_WITH_FAST_PATH): the same report.
  const World& w = *world_;
  rv1::AssessmentReport first, again;
  ASSERT_THAT(Report(w.admin, w.p1_first.name(), &first), IsOk());
  ASSERT_THAT(Report(w.admin, w.p1_first.name(), &again), IsOk());
  EXPECT_EQ(again.freshness().sequence(), first.freshness().sequence());
  ExpectFresh(again.freshness());
  first.clear_freshness();
  again.clear_freshness();
  EXPECT_THAT(again, EqualsProto(first));
  EXPECT_GT(again.steps_size(), 0);
  // Still refused to a viewer of another partnership (their token verified by an earlier
  // call, so that only the tenancy check stands between them and the cached report).
  rv1::AssessmentReport own, refused;
  const std::string& outsider = w.viewer.at(kP2);
  ASSERT_THAT(Report(outsider, w.p2_first.name(), &own), IsOk());
  EXPECT_THAT(Report(outsider, w.p1_first.name(), &refused), StatusIs(Code::kNotFound));
}

// ---- Permissions ----

TEST_F(ReportingTest, AViewerOfOnePartnershipCannotReadAnothers) {
  const World& w = *world_;
  const std::string& outsider = w.viewer.at(kP2);
  rv1::AssessmentReport report;
  EXPECT_THAT(Report(outsider, w.p1_first.name(), &report), StatusIs(Code::kNotFound));
  EXPECT_THAT(Report(outsider, w.p1_second.name(), &report), StatusIs(Code::kNotFound));
  rv1::PartnershipTrend trend;
  EXPECT_THAT(Trend(outsider, P(kP1), &trend), StatusIs(Code::kNotFound));
  rv1::ActionTracker tracker;
  EXPECT_THAT(Tracker(outsider, P(kP1), &tracker), StatusIs(Code::kNotFound));
  rv1::AnnualReportSection section;
  EXPECT_THAT(Annual(outsider, w.p1_first.name(), &section), StatusIs(Code::kNotFound));
  rv1::ExportReportRequest request;
  request.mutable_assessment()->set_assessment(w.p1_first.name());
  rv1::ExportReportResponse exported;
  EXPECT_THAT(Export(outsider, request, rv1::FORMAT_CSV, &exported), StatusIs(Code::kNotFound));
  // The same answer as for a round that does not exist: its existence is not confirmed.
  EXPECT_THAT(Report(outsider, "assessments/no-such-round", &report), StatusIs(Code::kNotFound));
  EXPECT_THAT(Trend(outsider, P("no-such-partnership"), &trend), StatusIs(Code::kNotFound));
  // Their own partnership's reports they read.
  EXPECT_THAT(Report(outsider, w.p2_first.name(), &report), IsOk());
  EXPECT_THAT(Trend(outsider, P(kP2), &trend), IsOk());
  // Without a token, nothing.
  EXPECT_THAT(Report("", w.p1_first.name(), &report), StatusIs(Code::kUnauthenticated));
}

}  // namespace
}  // namespace sixsteps::testing::reporting_fixture
