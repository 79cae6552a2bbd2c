// The regional overview cache across two reporting replicas sharing one read model (issue
// 18, Reads): an overview is served from a replica's memory only while the region's
// versions in the call's own snapshot are those it was built at, so whatever the leader
// applies to the region (a round's figures, an action) or to the directory (a name, an
// opt-out) is in the other replica's next overview, and a change in another region keeps
// it; each caller's view of the opted-out partnerships is kept apart; what is sent from the
// encoded form is the overview built from the read model. The cache's bound is checked
// without a database.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "services/common/db.h"
#include "services/reporting/overview_cache.h"
#include "services/reporting/read_model.h"
#include "services/reporting/reporting_service.h"
#include "tests/support/north_feed.h"
#include "tests/support/pg_cluster.h"
#include "tests/support/small_framework.h"
#include "tests/support/status_matchers.h"

namespace sixsteps::reporting {
namespace {

using ::sixsteps::testing::IsOk;
using ::sixsteps::testing::SharedPgCluster;
using ::testing::SizeIs;
using Served = OverviewCache::Served;

constexpr char kAsOf[] = "2026-04-01";

idv1::Partnership PartnershipOf(const std::string& id, const std::string& region,
                                const std::string& name, bool opted_out = false) {
  idv1::Partnership p;
  p.set_name("partnerships/" + id);
  p.set_region("regions/" + region);
  p.set_display_name(name);
  p.set_regional_comparison_opt_out(opted_out);
  return p;
}

std::vector<idv1::Region> Regions() {
  idv1::Region ne, sw;
  ne.set_name("regions/ne");
  ne.set_display_name("North East");
  sw.set_name("regions/sw");
  sw.set_display_name("South West");
  return {ne, sw};
}

// North and its neighbour east in region ne (north opted out of regional comparison when
// `north_opted_out`); south in region sw.
std::vector<idv1::Partnership> Partnerships(const std::string& north_name,
                                            bool north_opted_out = false) {
  return {PartnershipOf("north", "ne", north_name, north_opted_out),
          PartnershipOf("east", "ne", "East"), PartnershipOf("south", "sw", "South")};
}

auth::Caller Viewer(const std::string& region, const std::string& partnership) {
  auth::Caller caller;
  caller.principal = "users/" + partnership;
  caller.grants = {{auth::Role::ROLE_VIEWER, region, partnership, ""}};
  return caller;
}

// A change of the north feed moved to partnership `partnership` of `region`.
assessment::v1::Change Elsewhere(assessment::v1::Change change, const std::string& partnership,
                                 const std::string& region) {
  change.set_partnership("partnerships/" + partnership);
  change.set_region("regions/" + region);
  if (change.has_assessment_record()) {
    change.mutable_assessment_record()->set_partnership("partnerships/" + partnership);
    change.mutable_assessment_record()->set_region("regions/" + region);
  }
  return change;
}

// One reporting replica: its own pool, read model, overview cache and reports.
struct Replica {
  explicit Replica(const std::string& url, size_t cache_bytes = size_t{8} << 20)
      : pool(url, 2, absl::Seconds(10)),
        model(&pool),
        cache(cache_bytes),
        reports(&model, absl::UTCTimeZone()) {
    reports.UseOverviewCache(&cache);
  }
  // The overview as the gRPC handler hands it over (ReportForm::kEncoded), read as a client
  // reads it: encoded, then parsed.
  absl::StatusOr<rv1::RegionalOverview> Overview(const auth::Caller& caller,
                                                 int64_t min_sequence = 0) {
    rv1::GetRegionalOverviewRequest request;
    request.set_region("regions/ne");
    request.set_as_of_date(kAsOf);
    request.set_min_sequence(min_sequence);
    absl::StatusOr<rv1::RegionalOverview> sent =
        reports.Region(caller, request, absl::Now() + absl::Seconds(20), ReportForm::kEncoded);
    if (!sent.ok()) return sent.status();
    rv1::RegionalOverview received;
    if (!received.ParseFromString(sent->SerializeAsString())) {
      return absl::DataLossError("the sent overview does not parse");
    }
    return received;
  }
  db::ConnectionPool pool;
  ReadModel model;
  OverviewCache cache;
  Reports reports;
};

// The overview without its freshness (which each call sets), encoded, for comparison.
std::string Content(rv1::RegionalOverview overview) {
  overview.clear_freshness();
  return overview.SerializeAsString();
}

// The row of partnership `id` ("partnerships/id"), or nullptr.
const rv1::RegionalRow* RowOf(const rv1::RegionalOverview& overview, const std::string& id) {
  for (const rv1::RegionalRow& row : overview.partnerships()) {
    if (row.partnership() == "partnerships/" + id) return &row;
  }
  return nullptr;
}

class OverviewCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::string> url = SharedPgCluster().CreateMigratedDatabase(
        "overview_cache", "reporting", ReportingMigrations());
    ASSERT_THAT(url, IsOk());
    url_ = *url;
    leader_ = std::make_unique<Replica>(url_);
    other_ = std::make_unique<Replica>(url_);
    ASSERT_THAT(leader_->model.PutFramework(::sixsteps::testing::kSmallFrameworkName,
                                            ::sixsteps::testing::SmallFramework()),
                IsOk());
    ASSERT_THAT(leader_->model.PutDirectory(Regions(), Partnerships("North"), {}), IsOk());
    ASSERT_THAT(leader_->model.Apply({feed_.Rating("a-1", "s1.q1", fv1::RATING_RED),
                                      feed_.Round("a-1", /*finalised=*/true)}),
                IsOk());
  }

  std::string url_;
  ::sixsteps::testing::NorthFeed feed_;
  std::unique_ptr<Replica> leader_;
  std::unique_ptr<Replica> other_;
};

TEST_F(OverviewCacheTest, TheLeadersWriteIsInTheOtherReplicasNextOverview) {
  const auth::Caller viewer = Viewer("ne", "east");
  absl::StatusOr<rv1::RegionalOverview> first = other_->Overview(viewer);
  ASSERT_THAT(first, IsOk());
  const rv1::RegionalRow* north = RowOf(*first, "north");
  ASSERT_NE(north, nullptr);
  EXPECT_EQ(north->assessment(), "assessments/a-1");
  EXPECT_EQ(north->counts().red(), 1);
  EXPECT_EQ(other_->cache.served(Served::kBuilt), 1);

  // Again: from the cache, the same overview, as fresh as the read model.
  absl::StatusOr<rv1::RegionalOverview> again = other_->Overview(viewer);
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(other_->cache.served(Served::kChecked), 1);
  EXPECT_EQ(Content(*again), Content(*first));
  EXPECT_EQ(again->freshness().sequence(), feed_.last());

  // The leader finalises a later round of north: the other replica's next overview shows
  // it, without any word from the leader but the read model's row.
  ASSERT_THAT(leader_->model.Apply({feed_.Rating("a-2", "s1.q1", fv1::RATING_GREEN),
                                    feed_.Round("a-2", /*finalised=*/true)}),
              IsOk());
  absl::StatusOr<rv1::RegionalOverview> after = other_->Overview(viewer, feed_.last());
  ASSERT_THAT(after, IsOk());
  north = RowOf(*after, "north");
  ASSERT_NE(north, nullptr);
  EXPECT_EQ(north->assessment(), "assessments/a-2");
  EXPECT_EQ(north->counts().green(), 1);
  EXPECT_EQ(north->counts().red(), 0);
  EXPECT_EQ(after->freshness().sequence(), feed_.last());
  EXPECT_EQ(other_->cache.served(Served::kBuilt), 2);

  // What the cache sends is what a replica without one builds from the same snapshot.
  Replica uncached(url_);
  uncached.reports.UseOverviewCache(nullptr);
  absl::StatusOr<rv1::RegionalOverview> built = uncached.Overview(viewer);
  ASSERT_THAT(built, IsOk());
  absl::StatusOr<rv1::RegionalOverview> cached = other_->Overview(viewer);
  ASSERT_THAT(cached, IsOk());
  EXPECT_EQ(other_->cache.served(Served::kChecked), 2);
  EXPECT_EQ(Content(*cached), Content(*built));
}

TEST_F(OverviewCacheTest, AnActionOfTheRegionIsCountedInTheNextOverview) {
  const auth::Caller viewer = Viewer("ne", "east");
  absl::StatusOr<rv1::RegionalOverview> before = other_->Overview(viewer);
  ASSERT_THAT(before, IsOk());
  ASSERT_NE(RowOf(*before, "north"), nullptr);
  EXPECT_EQ(RowOf(*before, "north")->overdue_actions(), 0);
  // An open action of north due before the as-of date: overdue.
  ASSERT_THAT(leader_->model.Apply({feed_.Action("a-1", "x-1", actv1::Action::STATUS_PLANNED,
                                                 "2026-02-01", 1'767'225'600, 1'767'225'600)}),
              IsOk());
  absl::StatusOr<rv1::RegionalOverview> after = other_->Overview(viewer, feed_.last());
  ASSERT_THAT(after, IsOk());
  ASSERT_NE(RowOf(*after, "north"), nullptr);
  EXPECT_EQ(RowOf(*after, "north")->overdue_actions(), 1);
}

TEST_F(OverviewCacheTest, ADirectoryChangeIsInTheNextOverview) {
  const auth::Caller viewer = Viewer("ne", "east");
  ASSERT_THAT(other_->Overview(viewer), IsOk());
  ASSERT_THAT(leader_->model.PutDirectory(Regions(), Partnerships("North Tyneside"), {}), IsOk());
  absl::StatusOr<rv1::RegionalOverview> renamed = other_->Overview(viewer);
  ASSERT_THAT(renamed, IsOk());
  ASSERT_NE(RowOf(*renamed, "north"), nullptr);
  EXPECT_EQ(RowOf(*renamed, "north")->partnership_name(), "North Tyneside");
  EXPECT_EQ(other_->cache.served(Served::kBuilt), 2);

  // North opts out: its neighbour no longer sees it named (a lone anonymous row is left
  // out), its own members still do.
  ASSERT_THAT(leader_->model.PutDirectory(Regions(),
                                          Partnerships("North Tyneside", /*opted_out=*/true), {}),
              IsOk());
  absl::StatusOr<rv1::RegionalOverview> as_neighbour = other_->Overview(viewer);
  ASSERT_THAT(as_neighbour, IsOk());
  EXPECT_THAT(as_neighbour->partnerships(), SizeIs(1));
  EXPECT_EQ(RowOf(*as_neighbour, "north"), nullptr);
}

TEST_F(OverviewCacheTest, EachViewOfTheOptedOutPartnershipsIsKeptApart) {
  ASSERT_THAT(leader_->model.PutDirectory(Regions(), Partnerships("North", /*opted_out=*/true), {}),
              IsOk());
  const auth::Caller neighbour = Viewer("ne", "east");
  const auth::Caller member = Viewer("ne", "north");
  for (int pass = 0; pass < 2; ++pass) {
    absl::StatusOr<rv1::RegionalOverview> seen_by_neighbour = other_->Overview(neighbour);
    ASSERT_THAT(seen_by_neighbour, IsOk());
    EXPECT_EQ(RowOf(*seen_by_neighbour, "north"), nullptr) << "pass " << pass;
    absl::StatusOr<rv1::RegionalOverview> seen_by_member = other_->Overview(member);
    ASSERT_THAT(seen_by_member, IsOk());
    ASSERT_NE(RowOf(*seen_by_member, "north"), nullptr) << "pass " << pass;
    EXPECT_EQ(RowOf(*seen_by_member, "north")->partnership_name(), "North");
  }
  // Two views built once each, then each served from the cache.
  EXPECT_EQ(other_->cache.served(Served::kBuilt), 2);
  EXPECT_EQ(other_->cache.served(Served::kChecked), 2);
  EXPECT_EQ(other_->cache.entries(), 1u);
}

TEST_F(OverviewCacheTest, AChangeInAnotherRegionKeepsTheOverview) {
  const auth::Caller viewer = Viewer("ne", "east");
  ASSERT_THAT(other_->Overview(viewer), IsOk());
  ASSERT_THAT(leader_->model.Apply(
                  {Elsewhere(feed_.Round("b-1"), "south", "sw"),
                   Elsewhere(feed_.Rating("b-1", "s1.q1", fv1::RATING_AMBER), "south", "sw")}),
              IsOk());
  absl::StatusOr<rv1::RegionalOverview> again = other_->Overview(viewer, feed_.last());
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(again->freshness().sequence(), feed_.last());
  EXPECT_EQ(other_->cache.served(Served::kChecked), 1);
  EXPECT_EQ(other_->cache.served(Served::kBuilt), 1);
}

// ---- The cache alone ----

TEST(OverviewCacheBounds, AnEntryAtOtherVersionsIsNeitherServedNorKept) {
  OverviewCache cache(size_t{1} << 20);
  const RegionVersion v1{10, 1}, v2{11, 1}, v3{10, 2};
  auto view = [](const std::vector<std::string>&) { return std::string(); };
  ASSERT_TRUE(cache.Put("ne", kAsOf, v1, {}, "", std::make_shared<const std::string>("one")));
  ASSERT_NE(cache.Find("ne", kAsOf, v1, view), nullptr);
  EXPECT_EQ(*cache.Find("ne", kAsOf, v1, view), "one");
  EXPECT_EQ(cache.Find("ne", kAsOf, v2, view), nullptr) << "the region changed";
  EXPECT_EQ(cache.Find("ne", kAsOf, v3, view), nullptr) << "the directory changed";
  EXPECT_EQ(cache.Find("ne", "2026-04-02", v1, view), nullptr) << "another date";
  EXPECT_EQ(cache.Find("sw", kAsOf, v1, view), nullptr) << "another region";
  // Put at newer versions: the old entry (and all its views) goes.
  ASSERT_TRUE(cache.Put("ne", kAsOf, v2, {}, "", std::make_shared<const std::string>("two")));
  EXPECT_EQ(cache.Find("ne", kAsOf, v1, view), nullptr);
  EXPECT_EQ(*cache.Find("ne", kAsOf, v2, view), "two");
  EXPECT_EQ(cache.entries(), 1u);
  // What a slower call built from an older snapshot does not replace it.
  EXPECT_FALSE(cache.Put("ne", kAsOf, v1, {}, "", std::make_shared<const std::string>("old")));
  EXPECT_EQ(*cache.Find("ne", kAsOf, v2, view), "two");
  // Newer in one version and older in the other cannot come from one read model's snapshots;
  // taken as newer.
  const RegionVersion v4{10, 3};
  EXPECT_TRUE(cache.Put("ne", kAsOf, v4, {}, "", std::make_shared<const std::string>("four")));
  EXPECT_EQ(*cache.Find("ne", kAsOf, v4, view), "four");
}

TEST(OverviewCacheBounds, DropsTheLeastRecentlyUsedPastItsBytes) {
  const std::string overview(3000, 'x');
  // Three overviews with their keys fit (~3.4 kB each), a fourth does not.
  OverviewCache cache(12'000);
  const RegionVersion version{1, 1};
  auto view = [](const std::vector<std::string>&) { return std::string(); };
  for (const char* region : {"r1", "r2", "r3"}) {
    ASSERT_TRUE(
        cache.Put(region, kAsOf, version, {}, "", std::make_shared<const std::string>(overview)));
  }
  // r1 used again, then a fourth: r2, the least recently used, is dropped.
  ASSERT_NE(cache.Find("r1", kAsOf, version, view), nullptr);
  ASSERT_TRUE(
      cache.Put("r4", kAsOf, version, {}, "", std::make_shared<const std::string>(overview)));
  EXPECT_LE(cache.bytes(), 12'000u);
  EXPECT_EQ(cache.entries(), 3u);
  EXPECT_NE(cache.Find("r1", kAsOf, version, view), nullptr);
  EXPECT_EQ(cache.Find("r2", kAsOf, version, view), nullptr);
  EXPECT_NE(cache.Find("r4", kAsOf, version, view), nullptr);
  // One larger than the whole cache is not kept, and drops nothing.
  EXPECT_FALSE(cache.Put("r5", kAsOf, version, {}, "",
                         std::make_shared<const std::string>(std::string(20'000, 'y'))));
  EXPECT_NE(cache.Find("r4", kAsOf, version, view), nullptr);
  // Views of one entry count too: past the bound, another view of the entry goes, never the
  // one just kept.
  OverviewCache small(8'000);
  auto as = [](const std::string& key) {
    return [key](const std::vector<std::string>&) { return key; };
  };
  ASSERT_TRUE(small.Put("ne", kAsOf, version, {"north"}, "a",
                        std::make_shared<const std::string>(overview)));
  ASSERT_TRUE(small.Put("ne", kAsOf, version, {"north"}, "b",
                        std::make_shared<const std::string>(overview)));
  ASSERT_TRUE(small.Put("ne", kAsOf, version, {"north"}, "c",
                        std::make_shared<const std::string>(overview)));
  EXPECT_LE(small.bytes(), 8'000u);
  EXPECT_NE(small.Find("ne", kAsOf, version, as("c")), nullptr);
  EXPECT_FALSE(small.Find("ne", kAsOf, version, as("a")) != nullptr &&
               small.Find("ne", kAsOf, version, as("b")) != nullptr);
}

}  // namespace
}  // namespace sixsteps::reporting
