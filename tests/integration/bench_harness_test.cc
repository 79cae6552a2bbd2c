// The benchmark harness against a real hub (identity, framework, assessment, reporting on
// loopback, PostgreSQL): the generator writes whole partnerships through the public APIs,
// a rerun finds them and writes nothing, and each scenario runs without an error. Checks
// that the harness keeps working as the contracts change; it measures nothing.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "bench/scenarios.h"
#include "bench/scenarios_ceilings.h"
#include "bench/scenarios_reads.h"
#include "bench/seed.h"
#include "tests/support/status_matchers.h"
#include "tests/support/test_hub.h"

namespace sixsteps::bench {
namespace {

using ::sixsteps::testing::IsOk;
using ::sixsteps::testing::TestHub;

class BenchHarnessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<TestHub>> hub = TestHub::Start("bench");
    ASSERT_THAT(hub.status(), IsOk());
    hub_ = std::move(*hub);
    ASSERT_THAT(hub_->StartReporting(), IsOk());
    addresses_ = {hub_->identity_target(), hub_->assessment_target(), hub_->reporting_target()};
    stubs_ = std::make_unique<HubStubs>(addresses_);
    absl::StatusOr<std::unique_ptr<TokenSource>> admin = TokenSource::ForPassword(
        stubs_->identity.get(), TestHub::kAdminEmail, TestHub::kAdminPassword);
    ASSERT_THAT(admin.status(), IsOk());
    admin_ = std::move(*admin);
  }

  std::unique_ptr<TokenSource> RegionAccount(const std::string& region, identity::v1::Role role) {
    absl::StatusOr<std::string> token = admin_->Token();
    EXPECT_THAT(token.status(), IsOk());
    absl::StatusOr<std::string> key =
        CreateServiceAccountKey(*stubs_->identity, *token, "test account", region, region, {role});
    EXPECT_THAT(key.status(), IsOk());
    absl::StatusOr<std::unique_ptr<TokenSource>> source =
        TokenSource::ForApiKey(stubs_->identity.get(), *key);
    EXPECT_THAT(source.status(), IsOk());
    return source.ok() ? std::move(*source) : nullptr;
  }

  std::unique_ptr<TestHub> hub_;
  HubAddresses addresses_;
  std::unique_ptr<HubStubs> stubs_;
  std::unique_ptr<TokenSource> admin_;
};

TEST_F(BenchHarnessTest, SeedsThroughTheApisThenEveryScenarioRuns) {
  SeedOptions options;
  options.region_ids = {"bench-test"};
  options.data.seed = 7;
  options.threads = 2;
  Seeder seeder(*stubs_, *admin_, options);
  ASSERT_THAT(seeder.EnsureRegions(), IsOk());
  ASSERT_THAT(seeder.EnsureRegions(), IsOk()) << "a second run finds the region";
  ASSERT_THAT(seeder.SeedUpTo(3, nullptr), IsOk());
  EXPECT_EQ(seeder.written(), 3);

  absl::StatusOr<std::vector<SeededPartnership>> seeded = seeder.Discover(3);
  ASSERT_THAT(seeded.status(), IsOk());
  ASSERT_EQ(seeded->size(), 3u);
  for (int i = 0; i < 3; ++i) {
    const SeededPartnership& p = (*seeded)[i];
    const PartnershipPlan plan = PlanPartnership(options.data, i);
    EXPECT_EQ(p.name, "partnerships/bench-test-p000" + std::to_string(i + 1));
    EXPECT_EQ(p.finalised_rounds.size(), 5u);
    EXPECT_FALSE(p.draft_round.empty());
    EXPECT_EQ(p.draft_respondents.size(), plan.rounds.back().respondents.size());
  }

  // The same seeder asks nothing again of what it saw complete; a rerun (a new seeder) with
  // the same seed finds every partnership complete: two reads each, no writes.
  const int64_t calls = seeder.calls();
  ASSERT_THAT(seeder.SeedUpTo(3, nullptr), IsOk());
  EXPECT_EQ(seeder.calls(), calls);
  Seeder rerun(*stubs_, *admin_, options);
  ASSERT_THAT(rerun.SeedUpTo(3, nullptr), IsOk());
  EXPECT_EQ(rerun.calls(), 3 * 2);
  EXPECT_EQ(rerun.written(), 0);

  ScenarioContext context;
  context.addresses = addresses_;
  context.region = seeder.RegionName();
  context.partnerships = *seeded;
  context.admin = admin_.get();
  std::unique_ptr<TokenSource> integration =
      RegionAccount(context.region, identity::v1::ROLE_INTEGRATION);
  std::unique_ptr<TokenSource> dashboard =
      RegionAccount(context.region, identity::v1::ROLE_DASHBOARD);
  ASSERT_TRUE(integration && dashboard);
  context.integration = integration.get();
  context.dashboard = dashboard.get();
  context.assessment_database_url = hub_->assessment_database_url();
  context.db_pool_size = 2;
  ASSERT_THAT(WaitForReports(context, absl::Seconds(60)), IsOk());

  RunOptions run;
  run.concurrency = 2;
  run.warmup = absl::Milliseconds(100);
  run.duration = absl::Milliseconds(500);
  std::vector<absl::StatusOr<ScenarioResult>> results = {
      RunBareInsert(context, run),
      RunUpsert(context, run),
      RunUpsertSql(context, run, 1),
      RunUpsertSql(context, run, kQuestions),
      RunBatchUpsert(context, run),
      RunAssessmentReport(context, run),
      RunAssessmentReportParsed(context, run),
      RunRegionalOverview(context, run),
      RunActionTracker(context, run),
  };
  for (const absl::StatusOr<ScenarioResult>& result : results) {
    ASSERT_THAT(result.status(), IsOk());
    EXPECT_GT(result->run.ok, 0) << result->name;
    EXPECT_EQ(result->run.errors, 0) << result->name << ": " << result->run.first_error;
  }

  run.max_rate = 50;
  run.duration = absl::Seconds(1);
  absl::StatusOr<FeedLagResult> lag = RunFeedLag(context, run);
  ASSERT_THAT(lag.status(), IsOk());
  EXPECT_EQ(lag->writes.run.errors, 0) << lag->writes.run.first_error;
  EXPECT_GT(lag->lag.run.ok, 0) << "the probe saw none of its writes in a report";
  EXPECT_EQ(lag->lag.run.errors, 0) << lag->lag.run.first_error;
  // Paced at 50 a second, a second of writes is at most about 50 of them.
  EXPECT_LE(lag->writes.run.ok, 60);
}

TEST_F(BenchHarnessTest, DealsPartnershipsOverRegionsAndMeasuresTheFirst) {
  SeedOptions options;
  options.region_ids = LayoutRegionIds("bench-test", 7, 2);
  options.data.seed = 7;
  options.threads = 2;
  Seeder seeder(*stubs_, *admin_, options);
  ASSERT_THAT(seeder.EnsureRegions(), IsOk());
  ASSERT_THAT(seeder.SeedUpTo(3, nullptr), IsOk());

  // Round-robin: partnerships 1 and 3 in the first region, 2 in the second.
  absl::StatusOr<std::vector<SeededPartnership>> first = seeder.Discover(3, 0);
  ASSERT_THAT(first.status(), IsOk());
  std::vector<std::string> names;
  for (const SeededPartnership& p : *first) names.push_back(p.name);
  EXPECT_THAT(names, ::testing::ElementsAre("partnerships/bench-test-s7-n2-r1-p0001",
                                            "partnerships/bench-test-s7-n2-r1-p0003"));
  absl::StatusOr<std::vector<SeededPartnership>> second = seeder.Discover(3, 1);
  ASSERT_THAT(second.status(), IsOk());
  ASSERT_EQ(second->size(), 1u);
  EXPECT_EQ((*second)[0].name, "partnerships/bench-test-s7-n2-r2-p0002");

  // The first region's dashboard sees its region's two partnerships only.
  ScenarioContext context;
  context.addresses = addresses_;
  context.region = seeder.RegionName(0);
  context.admin = admin_.get();
  std::unique_ptr<TokenSource> dashboard =
      RegionAccount(context.region, identity::v1::ROLE_DASHBOARD);
  ASSERT_TRUE(dashboard);
  context.dashboard = dashboard.get();
  ASSERT_THAT(WaitForReports(context, absl::Seconds(60)), IsOk());
  absl::StatusOr<int> size = RegionSize(context);
  ASSERT_THAT(size.status(), IsOk());
  EXPECT_EQ(*size, PartnershipsInRegion(3, 2, 0));
  EXPECT_EQ(*size, 2);
}

}  // namespace
}  // namespace sixsteps::bench
