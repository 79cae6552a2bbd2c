// The metrics registry and its Prometheus text exposition (format 0.0.4).
#include "services/common/metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "absl/strings/str_split.h"
#include "services/common/server.h"

namespace sixsteps::metrics {
namespace {

using ::testing::ContainerEq;
using ::testing::HasSubstr;
using ::testing::Not;

std::vector<std::string> Lines(const std::string& text) {
  return absl::StrSplit(text, '\n', absl::SkipEmpty());
}

TEST(MetricsTest, RendersCounterWithHelpTypeAndLabels) {
  Registry registry;
  Counter& calls = registry.AddCounter("calls_total", "Calls handled.");
  calls.Increment({{"method", "Get"}, {"code", "OK"}});
  calls.Increment({{"method", "Get"}, {"code", "OK"}}, 2);
  calls.Increment({{"method", "Get"}, {"code", "NOT_FOUND"}});
  EXPECT_THAT(Lines(registry.Render()), ContainerEq(std::vector<std::string>{
                                            "# HELP calls_total Calls handled.",
                                            "# TYPE calls_total counter",
                                            R"(calls_total{method="Get",code="NOT_FOUND"} 1)",
                                            R"(calls_total{method="Get",code="OK"} 3)",
                                        }));
  EXPECT_EQ(calls.Value({{"method", "Get"}, {"code", "OK"}}), 3);
  EXPECT_EQ(calls.Value({{"method", "Put"}, {"code", "OK"}}), 0);
}

TEST(MetricsTest, SameNameGivesSameCounter) {
  Registry registry;
  EXPECT_EQ(&registry.AddCounter("a_total", "A."), &registry.AddCounter("a_total", "Other."));
}

TEST(MetricsTest, EscapesLabelValuesAndHelp) {
  EXPECT_EQ(EscapeLabelValue(R"(a"b\c)"
                             "\nd"),
            R"(a\"b\\c\nd)");
  Registry registry;
  registry.AddCounter("odd_total", "Line one\nback\\slash \"quoted\"")
      .Increment({{"path", "C:\\dir\n\"x\""}});
  EXPECT_THAT(Lines(registry.Render()), ContainerEq(std::vector<std::string>{
                                            // HELP escapes backslash and newline only.
                                            R"(# HELP odd_total Line one\nback\\slash "quoted")",
                                            "# TYPE odd_total counter",
                                            R"(odd_total{path="C:\\dir\n\"x\""} 1)",
                                        }));
}

TEST(MetricsTest, FormatsValues) {
  EXPECT_EQ(FormatValue(0), "0");
  EXPECT_EQ(FormatValue(3), "3");
  EXPECT_EQ(FormatValue(0.001), "0.001");
  EXPECT_EQ(FormatValue(0.0025), "0.0025");
  EXPECT_EQ(FormatValue(1e21), "1e+21");
  EXPECT_EQ(FormatValue(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(FormatValue(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(FormatValue(std::numeric_limits<double>::quiet_NaN()), "NaN");
}

TEST(MetricsTest, HistogramBucketsAreCumulative) {
  Registry registry;
  Histogram& latency = registry.AddHistogram("latency_seconds", "Latency.", {0.1, 1, 0.5});
  for (double v : {0.0625, 0.1, 0.25, 0.75, 2.0, 0.03125}) latency.Observe({{"method", "Get"}}, v);
  EXPECT_THAT(Lines(registry.Render()), ContainerEq(std::vector<std::string>{
                                            "# HELP latency_seconds Latency.",
                                            "# TYPE latency_seconds histogram",
                                            // Upper bounds are inclusive: 0.1 falls in le="0.1".
                                            R"(latency_seconds_bucket{method="Get",le="0.1"} 3)",
                                            R"(latency_seconds_bucket{method="Get",le="0.5"} 4)",
                                            R"(latency_seconds_bucket{method="Get",le="1"} 5)",
                                            R"(latency_seconds_bucket{method="Get",le="+Inf"} 6)",
                                            R"(latency_seconds_sum{method="Get"} 3.19375)",
                                            R"(latency_seconds_count{method="Get"} 6)",
                                        }));
}

TEST(MetricsTest, LatencyBucketsSpanOneMillisecondToTenSeconds) {
  const std::vector<double>& buckets = LatencyBuckets();
  ASSERT_FALSE(buckets.empty());
  EXPECT_EQ(buckets.front(), 0.001);
  EXPECT_EQ(buckets.back(), 10);
  EXPECT_TRUE(std::is_sorted(buckets.begin(), buckets.end()));
}

TEST(MetricsTest, CollectorsReportGaugesUntilUnregistered) {
  Registry registry;
  registry.AddCounter("b_total", "B.").Increment({});
  int open = 2;
  Registration first = registry.AddCollector([&](GaugeSink& sink) {
    sink.Set("pool_open", "Open connections.", {{"database", "one"}}, open);
  });
  Registration second = registry.AddCollector([&](GaugeSink& sink) {
    sink.Set("pool_open", "Open connections.", {{"database", "two"}}, 5);
    sink.Set("leader", "Leader.", {}, 1);
  });
  open = 3;  // read at scrape time
  EXPECT_THAT(Lines(registry.Render()), ContainerEq(std::vector<std::string>{
                                            "# HELP b_total B.",
                                            "# TYPE b_total counter",
                                            "b_total 1",
                                            "# HELP leader Leader.",
                                            "# TYPE leader gauge",
                                            "leader 1",
                                            "# HELP pool_open Open connections.",
                                            "# TYPE pool_open gauge",
                                            R"(pool_open{database="one"} 3)",
                                            R"(pool_open{database="two"} 5)",
                                        }));
  second.Reset();
  Registration moved = std::move(first);
  std::string text = registry.Render();
  EXPECT_THAT(text, HasSubstr(R"(pool_open{database="one"} 3)"));
  EXPECT_THAT(text, Not(HasSubstr("database=\"two\"")));
  EXPECT_THAT(text, Not(HasSubstr("leader")));
  { Registration gone = std::move(moved); }
  EXPECT_THAT(registry.Render(), Not(HasSubstr("pool_open")));
}

TEST(MetricsTest, ConcurrentIncrementsAndScrapesLoseNothing) {
  Registry registry;
  Counter& counter = registry.AddCounter("n_total", "N.");
  Histogram& histogram = registry.AddHistogram("h_seconds", "H.");
  constexpr int kThreads = 8;
  constexpr int kEach = 5000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        counter.Increment({{"code", t % 2 == 0 ? "OK" : "NOT_FOUND"}});
        histogram.Observe({{"method", "M"}}, 0.002);
        if (i % 1000 == 0) registry.Render();
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(counter.Value({{"code", "OK"}}), kThreads / 2 * kEach);
  EXPECT_EQ(counter.Value({{"code", "NOT_FOUND"}}), kThreads / 2 * kEach);
  std::string text = registry.Render();
  EXPECT_THAT(text, HasSubstr(R"(h_seconds_count{method="M"} 40000)"));
  EXPECT_THAT(text, HasSubstr(R"(h_seconds_bucket{method="M",le="0.001"} 0)"));
  EXPECT_THAT(text, HasSubstr(R"(h_seconds_bucket{method="M",le="0.0025"} 40000)"));
  EXPECT_THAT(text, HasSubstr(R"(h_seconds_bucket{method="M",le="+Inf"} 40000)"));
}

TEST(MetricsTest, MetricsServerRejectsBadAddress) {
  MetricsServer server;
  EXPECT_EQ(server.Start("no-port").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(server.Start("127.0.0.1:99999").code(), absl::StatusCode::kInvalidArgument);
}

// Series take no lock: threads add to cells of their own, and a scrape sums the cells.
TEST(MetricsTest, ShardedSeriesSumEveryThreadsAdditions) {
  Registry registry;
  Counter& calls = registry.AddCounter("calls_total", "Calls.");
  Histogram& latency = registry.AddHistogram("latency_seconds", "Latency.", {0.1, 1});
  CounterSeries& kept = calls.Series({{"code", "OK"}});
  constexpr int kThreads = 12, kPerThread = 10000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        kept.Add();
        calls.Increment({{"code", "NOT_FOUND"}}, 2);
        latency.Observe({{"method", "Get"}}, (t + i) % 2 == 0 ? 0.05 : 0.5);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(calls.Value({{"code", "OK"}}), kThreads * kPerThread);
  EXPECT_EQ(calls.Value({{"code", "NOT_FOUND"}}), 2.0 * kThreads * kPerThread);
  HistogramSeries& series = latency.Series({{"method", "Get"}});
  EXPECT_THAT(series.Counts(), ContainerEq(std::vector<uint64_t>{kThreads * kPerThread / 2,
                                                                 kThreads * kPerThread / 2, 0}));
  // Floating-point sums depend on the order of the additions.
  EXPECT_NEAR(series.Sum(), kThreads * kPerThread / 2 * (0.05 + 0.5), 1e-6);
  std::string text = registry.Render();
  EXPECT_THAT(text, HasSubstr(R"(latency_seconds_bucket{method="Get",le="+Inf"} 120000)"));
  EXPECT_THAT(text, HasSubstr(R"(latency_seconds_count{method="Get"} 120000)"));
  EXPECT_THAT(text, HasSubstr(R"(calls_total{code="OK"} 120000)"));
}

TEST(RequestIdTest, NewIdsAreSixteenHexDigitsAndDiffer) {
  std::string a = NewRequestId();
  std::string b = NewRequestId();
  EXPECT_EQ(a.size(), 16u);
  EXPECT_TRUE(IsValidRequestId(a));
  EXPECT_NE(a, b);
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos);
}

TEST(RequestIdTest, ValidatesClientIds) {
  EXPECT_TRUE(IsValidRequestId("0f3c2a9e-7b1d-4c55-9a61-2f0e8d7c6b5a"));
  EXPECT_TRUE(IsValidRequestId("req_1.a:b"));
  EXPECT_FALSE(IsValidRequestId(""));
  EXPECT_FALSE(IsValidRequestId("has space"));
  EXPECT_FALSE(IsValidRequestId("quote\""));
  EXPECT_FALSE(IsValidRequestId(std::string(129, 'a')));
  EXPECT_TRUE(IsValidRequestId(std::string(128, 'a')));
}

}  // namespace
}  // namespace sixsteps::metrics
