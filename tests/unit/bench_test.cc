// The benchmark's own arithmetic and data plan: percentiles, the load engine's counting,
// a data set that follows from its seed alone, its partnerships dealt over regions, and the
// tables it prints.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <set>
#include <thread>

#include "absl/time/clock.h"

#include "bench/load.h"
#include "bench/plan.h"
#include "bench/report.h"

namespace sixsteps::bench {
namespace {

TEST(SummariseTest, NearestRankPercentiles) {
  std::vector<double> samples;
  for (int i = 100; i >= 1; --i) samples.push_back(i);
  LatencySummary s = Summarise(samples);
  EXPECT_EQ(s.count, 100);
  EXPECT_DOUBLE_EQ(s.p50, 50);
  EXPECT_DOUBLE_EQ(s.p95, 95);
  EXPECT_DOUBLE_EQ(s.p99, 99);
  EXPECT_DOUBLE_EQ(s.max, 100);
  EXPECT_DOUBLE_EQ(s.mean, 50.5);
}

TEST(SummariseTest, FewSamplesAndNone) {
  std::vector<double> one = {7};
  EXPECT_DOUBLE_EQ(Summarise(one).p99, 7);
  std::vector<double> none;
  EXPECT_EQ(Summarise(none).count, 0);
}

TEST(RunBlockingTest, CountsSuccessesAndErrorsSeparately) {
  RunOptions options;
  options.concurrency = 2;
  options.warmup = absl::ZeroDuration();
  options.duration = absl::Milliseconds(100);
  std::atomic<int> calls{0};
  RunResult result = RunBlocking(
      options, [&](int) -> std::string { return calls.fetch_add(1) % 2 == 0 ? "" : "boom"; });
  EXPECT_GT(result.ok, 0);
  EXPECT_GT(result.errors, 0);
  EXPECT_EQ(result.first_error, "boom");
  EXPECT_LE(result.ok + result.errors, calls.load());
  EXPECT_EQ(result.latency.count, result.ok);
}

TEST(RunAsyncTest, KeepsAtMostConcurrencyCallsInFlight) {
  RunOptions options;
  options.concurrency = 3;
  options.warmup = absl::ZeroDuration();
  options.duration = absl::Milliseconds(100);
  std::atomic<int> in_flight{0}, most{0};
  std::set<int> slots;
  RunResult result = RunAsync(options, [&](int slot, std::function<void(std::string)> done) {
    int now = ++in_flight;
    int seen = most.load();
    while (now > seen && !most.compare_exchange_weak(seen, now)) {
    }
    slots.insert(slot);  // the dispatcher is the only caller
    std::thread([&, done = std::move(done)] {
      absl::SleepFor(absl::Milliseconds(1));
      --in_flight;
      done("");
    }).detach();
  });
  EXPECT_GT(result.ok, 0);
  EXPECT_EQ(result.errors, 0);
  EXPECT_LE(most.load(), 3);
  EXPECT_THAT(slots, ::testing::IsSubsetOf(std::set<int>{0, 1, 2}));
  EXPECT_EQ(in_flight.load(), 0) << "RunAsync returned before its calls finished";
}

TEST(PlanTest, FollowsFromTheSeedAlone) {
  DataSetOptions options;
  options.seed = 42;
  PartnershipPlan a = PlanPartnership(options, 7);
  PartnershipPlan b = PlanPartnership(options, 7);
  EXPECT_EQ(a.organisations.size(), b.organisations.size());
  ASSERT_EQ(a.rounds.size(), b.rounds.size());
  for (size_t i = 0; i < a.rounds.size(); ++i) {
    EXPECT_EQ(a.rounds[i].ratings, b.rounds[i].ratings);
    EXPECT_EQ(a.rounds[i].consolidated, b.rounds[i].consolidated);
  }
  options.seed = 43;
  PartnershipPlan c = PlanPartnership(options, 7);
  bool differs = c.organisations.size() != a.organisations.size();
  for (size_t i = 0; i < a.rounds.size() && !differs; ++i) {
    differs = a.rounds[i].ratings != c.rounds[i].ratings;
  }
  EXPECT_TRUE(differs) << "another seed gave the same data set";
}

TEST(PlanTest, FiveFinalisedYearsAndOneInProgress) {
  DataSetOptions options;
  int overdue_candidates = 0, completed = 0;
  for (int index = 0; index < 50; ++index) {
    PartnershipPlan plan = PlanPartnership(options, index);
    ASSERT_GE(plan.organisations.size(), 3u);
    ASSERT_LE(plan.organisations.size(), 8u);
    EXPECT_TRUE(plan.organisations[0].core && plan.organisations[1].core &&
                plan.organisations[2].core);
    ASSERT_EQ(plan.rounds.size(), 6u);
    for (size_t y = 0; y < plan.rounds.size(); ++y) {
      const RoundPlan& round = plan.rounds[y];
      EXPECT_EQ(round.year, 2021 + static_cast<int>(y));
      EXPECT_EQ(round.finalised, y < 5);
      EXPECT_GE(round.respondents.size(), 3u);
      EXPECT_LE(round.respondents.size(), plan.organisations.size());
      ASSERT_EQ(round.ratings.size(), round.respondents.size());
      for (const std::string& letters : round.ratings) {
        EXPECT_EQ(letters.size(), 24u);
        EXPECT_EQ(letters.find_first_not_of("RAG"), std::string::npos);
      }
      if (!round.finalised) {
        EXPECT_TRUE(round.consolidated.empty());
        EXPECT_TRUE(round.actions.empty());
        continue;
      }
      EXPECT_EQ(round.consolidated.size(), 24u);
      ASSERT_EQ(round.actions.size(), 6u);
      for (const ActionPlan& action : round.actions) {
        (action.completed ? completed : overdue_candidates)++;
      }
    }
  }
  // Some actions are done and some left open, so the trackers have overdue work to show.
  EXPECT_GT(completed, 0);
  EXPECT_GT(overdue_candidates, 0);
}

TEST(PlanTest, ConsolidatedRatingIsTheCommonestTheWorseOnATie) {
  DataSetOptions options;
  for (int index = 0; index < 20; ++index) {
    for (const RoundPlan& round : PlanPartnership(options, index).rounds) {
      if (!round.finalised) continue;
      for (int q = 0; q < kQuestions; ++q) {
        int counts[3] = {0, 0, 0};
        for (const std::string& letters : round.ratings) {
          counts[std::string("RAG").find(letters[q])]++;
        }
        int chosen = static_cast<int>(std::string("RAG").find(round.consolidated[q]));
        for (int k = 0; k < 3; ++k) {
          EXPECT_TRUE(counts[chosen] > counts[k] || (counts[chosen] == counts[k] && chosen <= k))
              << "question " << q;
        }
      }
    }
  }
}

TEST(PlanTest, QuestionAndStepIds) {
  EXPECT_EQ(QuestionId(0), "s1.q1");
  EXPECT_EQ(QuestionId(5), "s2.q2");
  EXPECT_EQ(QuestionId(23), "s6.q4");
  EXPECT_EQ(StepId(6), "s6");
}

TEST(LayoutTest, RegionIdsFollowFromBaseSeedAndCount) {
  EXPECT_THAT(LayoutRegionIds("bench", 42, 1), ::testing::ElementsAre("bench-s42-n1-r1"));
  std::vector<std::string> ten = LayoutRegionIds("bench", 42, 10);
  ASSERT_EQ(ten.size(), 10u);
  EXPECT_EQ(ten.front(), "bench-s42-n10-r01");
  EXPECT_EQ(ten.back(), "bench-s42-n10-r10");
  EXPECT_EQ(std::set<std::string>(ten.begin(), ten.end()).size(), 10u);
  // Another seed or count never names the same regions.
  EXPECT_NE(LayoutRegionIds("bench", 7, 10)[0], ten[0]);
  EXPECT_NE(LayoutRegionIds("bench", 42, 9)[0], ten[0]);
  // The longest partnership id the layout makes is still a resource id (at most 63).
  EXPECT_LE(ten.back().size() + std::string("-p3000").size(), 63u);
}

TEST(LayoutTest, DealsRoundRobinAndCountsEachRegion) {
  for (int regions : {1, 3, 10}) {
    for (int total : {0, 1, 9, 10, 11, 20, 150, 3000}) {
      std::map<int, int> dealt;
      for (int index = 0; index < total; ++index) {
        const int region = RegionOfPartnership(index, regions);
        ASSERT_GE(region, 0);
        ASSERT_LT(region, regions);
        ++dealt[region];
      }
      int sum = 0;
      for (int region = 0; region < regions; ++region) {
        EXPECT_EQ(PartnershipsInRegion(total, regions, region), dealt[region])
            << total << " over " << regions << ", region " << region;
        sum += PartnershipsInRegion(total, regions, region);
      }
      EXPECT_EQ(sum, total);
      // Round-robin: no region holds more than one partnership more than another.
      EXPECT_LE(PartnershipsInRegion(total, regions, 0) -
                    PartnershipsInRegion(total, regions, regions - 1),
                1);
    }
  }
  EXPECT_EQ(RegionOfPartnership(0, 10), 0);
  EXPECT_EQ(RegionOfPartnership(13, 10), 3);
  EXPECT_EQ(PartnershipsInRegion(3000, 10, 0), 300);
  EXPECT_EQ(PartnershipsInRegion(15, 10, 4), 2);
  EXPECT_EQ(PartnershipsInRegion(15, 10, 5), 1);
}

LatencySummary Latency(double p50, double p95) {
  LatencySummary latency;
  latency.p50 = p50;
  latency.p95 = p95;
  return latency;
}

TEST(ReportTest, ScalingTableOneRowPerSizeAndLayout) {
  ScalingRow one;
  one.partnerships = 150;
  one.regions = 1;
  one.region_partnerships = 150;
  one.rounds = 750;
  one.reads = {{"assessment report", Latency(0.71, 1.52)},
               {"regional overview", Latency(7.5, 12.58)}};
  ScalingRow spread = one;
  spread.regions = 10;
  spread.region_partnerships = 15;
  spread.rounds = 75;
  spread.reads.erase("assessment report");  // a read missing from a row leaves its cell empty
  const std::string table = ScalingTable({one, spread});
  EXPECT_EQ(table,
            "| partnerships | regions | the overview's region holds | finalised rounds read | "
            "assessment report p50 / p95 ms | regional overview p50 / p95 ms | overview p50 per "
            "partnership of its region (µs) |\n"
            "|---:|---:|---:|---:|---:|---:|---:|\n"
            "| 150 | 1 | 150 | 750 | 0.71 / 1.52 | 7.50 / 12.58 | 50.0 |\n"
            "| 150 | 10 | 15 | 75 | | 7.50 / 12.58 | 500.0 |\n");
  EXPECT_EQ(ScalingTable({}), "");
}

TEST(ReportTest, GenerationTableGivesCallsPerPartnershipWritten) {
  GenerationRow grown;
  grown.partnerships = 500;
  grown.regions = 10;
  grown.written = 350;
  grown.calls = 47250;
  grown.took = absl::Seconds(250);
  grown.catch_up = absl::Seconds(3);
  GenerationRow rerun = grown;
  rerun.written = 0;  // a rerun only checks
  rerun.calls = 1000;
  rerun.took = absl::Seconds(4);
  rerun.catch_up = absl::ZeroDuration();
  const std::string table = GenerationTable({grown, rerun});
  EXPECT_THAT(table,
              ::testing::HasSubstr("| 500 | 10 | 350 | 47250 | 135 | 250 s | 189 | 3 s |\n"));
  EXPECT_THAT(table, ::testing::HasSubstr("| 500 | 10 | 0 | 1000 |  | 4 s | 250 | 0 s |\n"));
}

TEST(ReportTest, PhaseTableAddsUpToTheRun) {
  const std::string table = PhaseTable({{"generation: 150 partnerships", absl::Seconds(90)},
                                        {"scenario: read: regional overview", absl::Seconds(10)}});
  EXPECT_EQ(table,
            "| phase | wall time | share |\n|---|---:|---:|\n"
            "| generation: 150 partnerships | 90.0 s | 90% |\n"
            "| scenario: read: regional overview | 10.0 s | 10% |\n"
            "| **all** | 100.0 s | 100% |\n");
}

TEST(ReportTest, PhaseLogLapsFollowEachOther) {
  PhaseLog log;
  log.Lap("first");
  log.Lap("second");
  ASSERT_EQ(log.phases().size(), 2u);
  EXPECT_EQ(log.phases()[0].phase, "first");
  EXPECT_EQ(log.phases()[1].phase, "second");
  EXPECT_GE(log.phases()[1].took, absl::ZeroDuration());
}

}  // namespace
}  // namespace sixsteps::bench
