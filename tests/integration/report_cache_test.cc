// The assessment report cache across two reporting replicas sharing one read model (issue
// 18, Reads): what the leader applies drops the other replica's cached report (LISTEN/
// NOTIFY from the apply transaction), a report is never older than min_sequence asks, a
// report built while its round changed is not kept (the build/notify race), a directory
// change drops everything, a lost listener connection drops everything and serves nothing
// from memory until it is back; a report sent from its encoded form is the report built from
// the read model, and still refused to another partnership (also on gRPC's fast path, where
// the cached bytes are sent as they are kept); what no call used for the idle time is
// dropped. Conditions are waited for, never timed.
#include <gmock/gmock.h>
#include <google/protobuf/util/message_differencer.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/slice.h>
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "services/base/status_macros.h"
#include "services/common/db.h"
#include "services/reporting/read_model.h"
#include "services/reporting/report_cache.h"
#include "services/reporting/report_cache_listener.h"
#include "services/reporting/reporting_service.h"
#include "services/reporting/reports_cycle.h"
#include "tests/support/north_feed.h"
#include "tests/support/pg_cluster.h"
#include "tests/support/small_framework.h"
#include "tests/support/status_matchers.h"

namespace sixsteps::reporting {
namespace {

using ::sixsteps::testing::IsOk;
using ::sixsteps::testing::SharedPgCluster;
using ::sixsteps::testing::StatusIs;
using Served = ReportCache::Served;

constexpr char kRound[] = "a-1";
constexpr char kOtherRound[] = "a-2";
constexpr const char* kFramework = ::sixsteps::testing::kSmallFrameworkName;
using ::sixsteps::testing::SmallFramework;

std::vector<idv1::Partnership> Partnerships(const std::string& name) {
  idv1::Partnership p;
  p.set_name("partnerships/north");
  p.set_region("regions/ne");
  p.set_display_name(name);
  return {p};
}

std::vector<idv1::Region> Regions() {
  idv1::Region r;
  r.set_name("regions/ne");
  r.set_display_name("North East");
  return {r};
}

auth::Caller Viewer(const std::string& partnership) {
  auth::Caller caller;
  caller.principal = "users/u-1";
  caller.grants = {{auth::Role::ROLE_VIEWER, "ne", partnership, ""}};
  return caller;
}

using Feed = ::sixsteps::testing::NorthFeed;

// One reporting replica: its own pool, read model, cache, listener and reports.
struct Replica {
  explicit Replica(const std::string& url, size_t cache_bytes = size_t{8} << 20, bool listen = true)
      : pool(url, 2, absl::Seconds(10)),
        model(&pool),
        cache(cache_bytes),
        listener(url, &cache),
        reports(&model, absl::UTCTimeZone()) {
    reports.UseCache(&cache);
    if (listen) listener.Start();
  }
  absl::StatusOr<rv1::AssessmentReport> Report(const std::string& id, int64_t min_sequence = 0,
                                               absl::Duration wait = absl::Seconds(20)) {
    rv1::GetAssessmentReportRequest request;
    request.set_assessment("assessments/" + id);
    request.set_as_of_date("2026-04-01");
    request.set_min_sequence(min_sequence);
    return reports.Assessment(Viewer("north"), request, absl::Now() + wait);
  }
  // The report as the gRPC handler hands it over (ReportForm::kEncoded), as a client reads
  // it: encoded, then parsed.
  absl::StatusOr<rv1::AssessmentReport> Sent(const std::string& id,
                                             const std::string& partnership = "north") {
    rv1::GetAssessmentReportRequest request;
    request.set_assessment("assessments/" + id);
    request.set_as_of_date("2026-04-01");
    SIXSTEPS_ASSIGN_OR_RETURN(
        rv1::AssessmentReport sent,
        reports.Assessment(Viewer(partnership), request, absl::Now() + absl::Seconds(20),
                           ReportForm::kEncoded));
    rv1::AssessmentReport received;
    if (!received.ParseFromString(sent.SerializeAsString())) {
      return absl::DataLossError("the sent report does not parse");
    }
    return received;
  }
  // The report as gRPC's fast path sends it (Reports::AssessmentFromMemory), parsed as a
  // client reads it; nullopt when the fast path leaves the call to the handler.
  std::optional<rv1::AssessmentReport> FromMemory(const std::string& id,
                                                  const std::string& partnership = "north",
                                                  int64_t min_sequence = 0) {
    rv1::GetAssessmentReportRequest request;
    request.set_assessment("assessments/" + id);
    request.set_as_of_date("2026-04-01");
    request.set_min_sequence(min_sequence);
    std::optional<grpc::ByteBuffer> sent =
        reports.AssessmentFromMemory(Viewer(partnership), request);
    if (!sent.has_value()) return std::nullopt;
    std::vector<grpc::Slice> slices;
    EXPECT_TRUE(sent->Dump(&slices).ok());
    std::string bytes;
    for (const grpc::Slice& slice : slices) {
      bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
    }
    rv1::AssessmentReport received;
    EXPECT_TRUE(received.ParseFromString(bytes));
    return received;
  }
  db::ConnectionPool pool;
  ReadModel model;
  ReportCache cache;
  CacheListener listener;
  Reports reports;
};

fv1::Rating RatingOf(const rv1::AssessmentReport& report, const std::string& question) {
  for (const auto& step : report.steps())
    for (const auto& q : step.questions())
      if (q.question_id() == question) return q.consolidated_rating();
  return fv1::RATING_UNSPECIFIED;
}

// Waits (without a time limit the test asserts on) until `done`; false after a minute.
bool Eventually(const std::function<bool()>& done) {
  for (absl::Time until = absl::Now() + absl::Minutes(1); absl::Now() < until;) {
    if (done()) return true;
    absl::SleepFor(absl::Milliseconds(10));
  }
  return done();
}

class ReportCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::string> url = SharedPgCluster().CreateMigratedDatabase(
        "report_cache", "reporting", ReportingMigrations());
    ASSERT_THAT(url, IsOk());
    url_ = *url;
    leader_ = std::make_unique<Replica>(url_);
    other_ = std::make_unique<Replica>(url_);
    // Both listeners connected (and listening) before the first change is applied, so that
    // neither misses the NOTIFY that tells it how far the feed has come.
    ASSERT_TRUE(Eventually(
        [&] { return leader_->listener.connections() > 0 && other_->listener.connections() > 0; }));
    ASSERT_THAT(leader_->model.PutFramework(kFramework, SmallFramework()), IsOk());
    ASSERT_THAT(leader_->model.PutDirectory(Regions(), Partnerships("North"), {}), IsOk());
    ASSERT_THAT(leader_->model.Apply({feed_.Round(kRound), feed_.Round(kOtherRound),
                                      feed_.Rating(kRound, "s1.q1", fv1::RATING_RED)}),
                IsOk());
    ASSERT_TRUE(Listening(*leader_) && Listening(*other_));
  }

  // The replica's listener is connected and has heard the feed up to its last change.
  bool Listening(Replica& replica) {
    return Eventually(
        [&] { return replica.listener.connections() > 0 && HeardUpTo(replica, feed_.last()); });
  }
  // Whether a report could be served from memory at `sequence` (a probe that builds
  // nothing: an entry of a round no test reads).
  static bool HeardUpTo(Replica& replica, int64_t sequence) {
    ReportCache::Generation since = replica.cache.Begin();
    auto probe = std::make_shared<CachedReport>();
    if (!replica.cache.Put("probe", "2026-04-01", since, probe)) return false;
    return replica.cache.FindLive("probe", "2026-04-01", sequence).has_value();
  }

  std::string url_;
  Feed feed_;
  std::unique_ptr<Replica> leader_;
  std::unique_ptr<Replica> other_;
};

TEST_F(ReportCacheTest, TheLeadersWriteDropsTheOtherReplicasReport) {
  absl::StatusOr<rv1::AssessmentReport> first = other_->Report(kRound);
  ASSERT_THAT(first, IsOk());
  EXPECT_EQ(RatingOf(*first, "s1.q1"), fv1::RATING_RED);
  EXPECT_EQ(other_->cache.served(Served::kBuilt), 1);
  // Again: from memory, the same report.
  absl::StatusOr<rv1::AssessmentReport> again = other_->Report(kRound);
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(other_->cache.served(Served::kFromMemory), 1);
  EXPECT_EQ(RatingOf(*again, "s1.q1"), fv1::RATING_RED);
  EXPECT_EQ(again->freshness().sequence(), feed_.last());
  ASSERT_NE(other_->cache.Find(kRound, "2026-04-01"), nullptr);

  // The leader applies a change to the round: the other replica hears it and drops the
  // report, before anyone asks for it again.
  ASSERT_THAT(leader_->model.Apply({feed_.Rating(kRound, "s1.q1", fv1::RATING_GREEN)}), IsOk());
  ASSERT_TRUE(Eventually([&] { return other_->cache.Find(kRound, "2026-04-01") == nullptr; }));
  absl::StatusOr<rv1::AssessmentReport> after = other_->Report(kRound);
  ASSERT_THAT(after, IsOk());
  EXPECT_EQ(RatingOf(*after, "s1.q1"), fv1::RATING_GREEN);
  EXPECT_EQ(after->freshness().sequence(), feed_.last());
  EXPECT_EQ(other_->cache.served(Served::kBuilt), 2);
}

TEST_F(ReportCacheTest, NeverOlderThanMinSequence) {
  ASSERT_THAT(other_->Report(kRound), IsOk());
  // A change to another round keeps this round's report, now as fresh as that change.
  ASSERT_THAT(leader_->model.Apply({feed_.Rating(kOtherRound, "s1.q1", fv1::RATING_AMBER)}),
              IsOk());
  const int64_t other_round_change = feed_.last();
  absl::StatusOr<rv1::AssessmentReport> kept = other_->Report(kRound, other_round_change);
  ASSERT_THAT(kept, IsOk());
  EXPECT_GE(kept->freshness().sequence(), other_round_change);
  EXPECT_EQ(other_->cache.served(Served::kBuilt), 1) << "the round did not change";

  // A change to the round, asked for at once by its sequence (the replica may not have
  // heard it yet): the report reflects it, whichever way it is served.
  ASSERT_THAT(leader_->model.Apply({feed_.Rating(kRound, "s1.q2", fv1::RATING_AMBER)}), IsOk());
  absl::StatusOr<rv1::AssessmentReport> fresh = other_->Report(kRound, feed_.last());
  ASSERT_THAT(fresh, IsOk());
  EXPECT_EQ(RatingOf(*fresh, "s1.q2"), fv1::RATING_AMBER);
  EXPECT_GE(fresh->freshness().sequence(), feed_.last());

  // A position the read model has not reached is not served from the cache: the call
  // waits for it, and runs out of time.
  EXPECT_THAT(other_->Report(kRound, feed_.last() + 1, absl::Milliseconds(100)),
              StatusIs(absl::StatusCode::kDeadlineExceeded));
}

TEST_F(ReportCacheTest, AReportBuiltWhileItsRoundChangedIsNotKept) {
  // The race, step by step on the cache: a builder takes its generation, then (before it
  // puts its report) the replica hears a change to that round.
  ReportCache& cache = other_->cache;
  const ReportCache::Generation since = cache.Begin();
  cache.Heard(feed_.last(), 0, {kRound}, false);
  EXPECT_FALSE(cache.Put(kRound, "2026-04-01", since, std::make_shared<CachedReport>()));
  EXPECT_TRUE(cache.Put(kOtherRound, "2026-04-01", since, std::make_shared<CachedReport>()))
      << "a change to another round does not matter";
  const ReportCache::Generation later = cache.Begin();
  cache.Heard(feed_.last(), 0, {}, true);  // the directory changed
  EXPECT_FALSE(cache.Put(kRound, "2026-04-01", later, std::make_shared<CachedReport>()));
  EXPECT_EQ(cache.Find(kOtherRound, "2026-04-01"), nullptr) << "dropped with everything";

  // End to end: the leader's change commits after the other replica took its generation
  // and before it built; its NOTIFY arrives before the Put. What it built reflects the
  // change (its snapshot came after the commit) but is not kept, which is always safe.
  const ReportCache::Generation before = cache.Begin();
  // (An entry put now, to see when the change is heard: it is dropped then.)
  ASSERT_TRUE(cache.Put(kRound, "2026-04-02", before, std::make_shared<CachedReport>()));
  ASSERT_THAT(leader_->model.Apply({feed_.Rating(kRound, "s1.q1", fv1::RATING_AMBER)}), IsOk());
  ASSERT_TRUE(Eventually([&] { return cache.Find(kRound, "2026-04-02") == nullptr; }));
  EXPECT_FALSE(cache.Put(kRound, "2026-04-01", before, std::make_shared<CachedReport>()));
}

TEST_F(ReportCacheTest, ADirectoryChangeDropsEveryReport) {
  ASSERT_THAT(other_->Report(kRound), IsOk());
  ASSERT_THAT(other_->Report(kOtherRound), IsOk());
  EXPECT_EQ(other_->cache.entries(), 3u);  // the two reports and the probe
  // The same directory again changes nothing, and drops nothing.
  ASSERT_THAT(leader_->model.PutDirectory(Regions(), Partnerships("North"), {}), IsOk());
  ASSERT_THAT(leader_->model.Apply({feed_.Rating(kOtherRound, "s1.q2", fv1::RATING_RED)}), IsOk());
  ASSERT_TRUE(Eventually([&] { return HeardUpTo(*other_, feed_.last()); }));
  EXPECT_NE(other_->cache.Find(kRound, "2026-04-01"), nullptr);
  // A new name drops them all.
  ASSERT_THAT(leader_->model.PutDirectory(Regions(), Partnerships("North Tyneside"), {}), IsOk());
  ASSERT_TRUE(Eventually([&] { return other_->cache.entries() == 0; }));
  absl::StatusOr<rv1::AssessmentReport> renamed = other_->Report(kRound);
  ASSERT_THAT(renamed, IsOk());
  EXPECT_EQ(renamed->partnership_name(), "North Tyneside");
}

TEST_F(ReportCacheTest, WithoutItsListenerAReplicaChecksEveryEntryAgainstTheReadModel) {
  Replica deaf(url_, size_t{8} << 20, /*listen=*/false);
  ASSERT_THAT(deaf.Report(kRound), IsOk());
  // Not connected: nothing is kept, nothing is served from memory.
  EXPECT_EQ(deaf.cache.entries(), 0u);
  ASSERT_THAT(deaf.Report(kRound), IsOk());
  EXPECT_EQ(deaf.cache.served(Served::kFromMemory), 0);
  EXPECT_EQ(deaf.cache.served(Served::kBuilt), 2);
}

TEST_F(ReportCacheTest, ALostListenerConnectionDropsEverything) {
  ASSERT_THAT(other_->Report(kRound), IsOk());
  ASSERT_NE(other_->cache.Find(kRound, "2026-04-01"), nullptr);
  // Both replicas' listeners lose their connections (as in a database restart).
  {
    pqxx::connection admin(url_);
    pqxx::nontransaction txn(admin);
    txn.exec(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE application_name = 'sixsteps-report-cache' AND datname = current_database()");
  }
  ASSERT_TRUE(Eventually([&] { return other_->listener.connections() >= 2; }));
  EXPECT_EQ(other_->cache.Find(kRound, "2026-04-01"), nullptr);
  // Back to normal: a change applied now is heard.
  ASSERT_THAT(other_->Report(kRound), IsOk());
  ASSERT_THAT(leader_->model.Apply({feed_.Rating(kRound, "s1.q2", fv1::RATING_GREEN)}), IsOk());
  ASSERT_TRUE(Eventually([&] { return other_->cache.Find(kRound, "2026-04-01") == nullptr; }));
}

TEST_F(ReportCacheTest, WhatIsSentIsTheReportBuiltFromTheReadModel) {
  // Built (and kept), then from memory, then after the read model confirmed it: on the wire
  // each is the report itself, with the freshness it is served at.
  absl::StatusOr<rv1::AssessmentReport> built = other_->Sent(kRound);
  ASSERT_THAT(built, IsOk());
  EXPECT_EQ(other_->cache.served(Served::kBuilt), 1);
  absl::StatusOr<rv1::AssessmentReport> from_memory = other_->Sent(kRound);
  ASSERT_THAT(from_memory, IsOk());
  EXPECT_EQ(other_->cache.served(Served::kFromMemory), 1);
  Replica deaf(url_, size_t{8} << 20, /*listen=*/false);
  absl::StatusOr<rv1::AssessmentReport> parsed = deaf.Report(kRound);
  ASSERT_THAT(parsed, IsOk());
  EXPECT_EQ(RatingOf(*from_memory, "s1.q1"), fv1::RATING_RED);
  EXPECT_EQ(from_memory->steps_size(), 1);
  EXPECT_EQ(from_memory->partnership_name(), "North");
  for (rv1::AssessmentReport* report : {&*built, &*from_memory, &*parsed}) {
    EXPECT_EQ(report->freshness().sequence(), feed_.last());
    report->clear_freshness();  // its report time differs
  }
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(*built, *parsed));
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(*from_memory, *parsed));
  // The parsed form, from memory, is the same report too.
  absl::StatusOr<rv1::AssessmentReport> again = other_->Report(kRound);
  ASSERT_THAT(again, IsOk());
  again->clear_freshness();
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(*again, *parsed));
  EXPECT_EQ(other_->cache.served(Served::kFromMemory), 2);
}

TEST_F(ReportCacheTest, AReportInMemoryIsStillRefusedToAnotherPartnership) {
  ASSERT_THAT(other_->Sent(kRound), IsOk());
  ASSERT_NE(other_->cache.Find(kRound, "2026-04-01"), nullptr);
  EXPECT_THAT(other_->Sent(kRound, "south"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(other_->cache.served(Served::kFromMemory), 0);
}

TEST_F(ReportCacheTest, TheFastPathSendsTheCachedReportAndLeavesTheRestToTheHandler) {
  // Nothing cached yet: the handler builds it.
  EXPECT_FALSE(other_->FromMemory(kRound).has_value());
  absl::StatusOr<rv1::AssessmentReport> built = other_->Sent(kRound);
  ASSERT_THAT(built, IsOk());
  std::optional<rv1::AssessmentReport> fast = other_->FromMemory(kRound);
  ASSERT_TRUE(fast.has_value());
  EXPECT_EQ(other_->cache.served(Served::kFromMemory), 1);
  EXPECT_EQ(fast->freshness().sequence(), feed_.last());
  EXPECT_TRUE(fast->freshness().has_report_time());
  EXPECT_EQ(RatingOf(*fast, "s1.q1"), fv1::RATING_RED);
  fast->clear_freshness();
  built->clear_freshness();
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(*fast, *built));

  // Another partnership's caller, a position the listener has not heard, a bad request:
  // left to the handler (which refuses, waits or answers INVALID_ARGUMENT), nothing counted.
  EXPECT_FALSE(other_->FromMemory(kRound, "south").has_value());
  EXPECT_FALSE(other_->FromMemory(kRound, "north", feed_.last() + 1).has_value());
  EXPECT_FALSE(other_->FromMemory(kRound, "north", -1).has_value());
  EXPECT_FALSE(other_->FromMemory("not/an/id").has_value());
  EXPECT_EQ(other_->cache.served(Served::kFromMemory), 1);

  // The leader's write drops it: the fast path no longer has it, and the handler builds the
  // changed report.
  ASSERT_THAT(leader_->model.Apply({feed_.Rating(kRound, "s1.q1", fv1::RATING_GREEN)}), IsOk());
  ASSERT_TRUE(Eventually([&] { return !other_->FromMemory(kRound).has_value(); }));
  absl::StatusOr<rv1::AssessmentReport> rebuilt = other_->Sent(kRound);
  ASSERT_THAT(rebuilt, IsOk());
  EXPECT_EQ(RatingOf(*rebuilt, "s1.q1"), fv1::RATING_GREEN);
  std::optional<rv1::AssessmentReport> fast_again = other_->FromMemory(kRound);
  ASSERT_TRUE(fast_again.has_value());
  EXPECT_EQ(RatingOf(*fast_again, "s1.q1"), fv1::RATING_GREEN);
}

// ---- The per-round aggregates the consumer keeps for the regional overview ----

// The aggregates and action days as text, in a fixed order.
std::string Aggregates(const std::string& url) {
  pqxx::connection connection(url);
  pqxx::read_transaction txn(connection);
  std::string out;
  for (const pqxx::row& row :
       txn.exec("SELECT ROW(assessment_id, partnership_id, region_id, kind, finalise_time, "
                "md5(figures))::text FROM round_aggregates ORDER BY assessment_id")) {
    out += row[0].as<std::string>() + "\n";
  }
  for (const pqxx::row& row : txn.exec("SELECT ROW(action_id, create_date, closed_date)::text "
                                       "FROM actions ORDER BY action_id")) {
    out += row[0].as<std::string>() + "\n";
  }
  return out;
}

constexpr int64_t kDay = 86400;
constexpr int64_t k2025 = 1'735'689'600;  // 2025-01-01T00:00:00Z

TEST_F(ReportCacheTest, AggregatesEqualARebuildFromScratch) {
  using Status = actv1::Action;
  ReadModel& model = leader_->model;
  // Round 1 finalised, then corrected; round 2 finalised later (the latest); a third round
  // still in review; actions open, done and cancelled at different times.
  ASSERT_THAT(
      model.Apply({feed_.Rating(kRound, "s1.q2", fv1::RATING_GREEN),
                   feed_.Round(kRound, /*finalised=*/true),
                   feed_.Rating(kRound, "s1.q2", fv1::RATING_AMBER),
                   feed_.Rating(kOtherRound, "s1.q1", fv1::RATING_GREEN),
                   feed_.Round(kOtherRound, /*finalised=*/true), feed_.Round("a-3"),
                   feed_.Action(kRound, "x-1", Status::STATUS_PLANNED, "2025-02-01", k2025, k2025),
                   feed_.Action(kRound, "x-2", Status::STATUS_DONE, "2025-03-01", k2025 + 10 * kDay,
                                k2025 + 200 * kDay),
                   feed_.Action(kOtherRound, "x-3", Status::STATUS_CANCELLED, "2025-05-01",
                                k2025 + 40 * kDay, k2025 + 100 * kDay),
                   feed_.Action(kOtherRound, "x-4", Status::STATUS_IN_PROGRESS, "2025-12-01",
                                k2025 + 90 * kDay, k2025 + 95 * kDay)}),
      IsOk());
  const std::string kept = Aggregates(url_);
  EXPECT_THAT(kept, ::testing::HasSubstr("(a-1,north,ne,ASSESSMENT_KIND_INDEPENDENT_SCRUTINY"));
  EXPECT_THAT(kept, ::testing::Not(::testing::HasSubstr("(a-3,")));
  EXPECT_THAT(kept, ::testing::HasSubstr("(x-2,2025-01-11,2025-07-20)"));
  EXPECT_THAT(kept, ::testing::HasSubstr("(x-1,2025-01-01,)"));

  // From scratch: everything the consumer kept, forgotten and filled in again.
  {
    pqxx::connection connection(url_);
    pqxx::work txn(connection);
    txn.exec("DELETE FROM round_aggregates");
    txn.exec("UPDATE actions SET create_date = NULL, closed_date = NULL");
    txn.commit();
  }
  ASSERT_THAT(model.FillAggregates(), IsOk());
  EXPECT_EQ(Aggregates(url_), kept);

  // And what the overview reads equals what is built from the records themselves.
  const std::vector<std::string> dates = QuarterEnds("2026-03-31", 8);
  ASSERT_THAT(model.Read([&](ReadModel::Snapshot& snapshot) -> absl::Status {
    SIXSTEPS_ASSIGN_OR_RETURN(RegionData region, snapshot.LoadRegion("ne", "2025-06-01"));
    SIXSTEPS_ASSIGN_OR_RETURN(
        std::vector<FinalisedRound> rounds,
        snapshot.FinalisedRounds("north", "ASSESSMENT_KIND_INDEPENDENT_SCRUTINY"));
    EXPECT_EQ(rounds.size(), 2u);
    if (rounds.empty()) return absl::OkStatus();
    EXPECT_EQ(region.latest_figures["north"].SerializeAsString(),
              RoundFigures(rounds.back()).SerializeAsString());
    EXPECT_EQ(region.latest_figures["north"].assessment(), "assessments/a-2");
    EXPECT_EQ(region.overdue["north"], 1) << "x-1 (x-4 is not due yet on 2025-06-01)";

    SIXSTEPS_ASSIGN_OR_RETURN(auto counted, snapshot.OverdueOverTime("ne", dates));
    SIXSTEPS_ASSIGN_OR_RETURN(ActionData actions, snapshot.LoadActions("", "ne"));
    rv1::CountsOverTime built = reporting::OverdueOverTime(
        "", actions.actions, dates, [](const actv1::Action&) { return std::string("north"); },
        [](const std::string& key) { return key; });
    EXPECT_EQ(built.series_size(), 1);
    if (built.series_size() == 1) {
      EXPECT_THAT(counted["north"], ::testing::ElementsAreArray(built.series(0).counts()));
    }
    return absl::OkStatus();
  }),
              IsOk());
}

TEST(ReportCacheBounds, DropsTheLeastRecentlyUsedPastItsBytes) {
  ReportCache cache(3 * 1024);
  cache.Connected(1, 0);
  auto sized = [](size_t bytes) {
    auto entry = std::make_shared<CachedReport>();
    entry->encoded = std::string(bytes, 'x');
    return entry;
  };
  for (const char* round : {"a-1", "a-2", "a-3"}) {
    ASSERT_TRUE(cache.Put(round, "2026-04-01", cache.Begin(), sized(600)));
  }
  ASSERT_NE(cache.Find("a-1", "2026-04-01"), nullptr);  // now the most recent
  ASSERT_TRUE(cache.Put("a-4", "2026-04-01", cache.Begin(), sized(600)));
  EXPECT_LE(cache.bytes(), 3u * 1024);
  EXPECT_NE(cache.Find("a-1", "2026-04-01"), nullptr);
  EXPECT_EQ(cache.Find("a-2", "2026-04-01"), nullptr) << "the least recently used";
  EXPECT_NE(cache.Find("a-4", "2026-04-01"), nullptr);
  EXPECT_FALSE(cache.Put("a-5", "2026-04-01", cache.Begin(), sized(4096))) << "too large";
  // One change drops the round's reports of every date.
  ASSERT_TRUE(cache.Put("a-1", "2026-05-01", cache.Begin(), sized(10)));
  cache.Heard(2, 0, {"a-1"}, false);
  EXPECT_EQ(cache.Find("a-1", "2026-04-01"), nullptr);
  EXPECT_EQ(cache.Find("a-1", "2026-05-01"), nullptr);
}

TEST(ReportCacheBounds, DropsWhatNoCallUsedForItsIdleTime) {
  ReportCache cache(size_t{1} << 20, absl::Minutes(5));
  cache.Connected(1, 0);
  auto entry = std::make_shared<CachedReport>();
  entry->encoded = std::string(1000, 'x');
  const absl::Time start = absl::Now();
  ASSERT_TRUE(cache.Put("a-1", "2026-04-01", cache.Begin(), entry));
  ASSERT_TRUE(cache.Put("a-2", "2026-04-01", cache.Begin(), entry));
  EXPECT_EQ(cache.DropUnused(start + absl::Minutes(4)), 0u) << "used within its idle time";
  EXPECT_EQ(cache.entries(), 2u);
  // Both unused for longer than the idle time: both dropped, and their bytes with them.
  EXPECT_EQ(cache.DropUnused(absl::Now() + absl::Minutes(6)), 2u);
  EXPECT_EQ(cache.entries(), 0u);
  EXPECT_EQ(cache.bytes(), 0u);
  // A report read again stays: what a call found is as good as new.
  ASSERT_TRUE(cache.Put("a-1", "2026-04-01", cache.Begin(), entry));
  ASSERT_TRUE(cache.Put("a-2", "2026-04-01", cache.Begin(), entry));
  const absl::Time put = absl::Now();
  absl::SleepFor(absl::Milliseconds(20));
  ASSERT_TRUE(cache.FindLive("a-2", "2026-04-01", 1).has_value());
  EXPECT_EQ(cache.DropUnused(put + absl::Minutes(5) + absl::Milliseconds(10)), 1u);
  EXPECT_EQ(cache.Find("a-1", "2026-04-01"), nullptr);
  EXPECT_NE(cache.Find("a-2", "2026-04-01"), nullptr);
}

TEST(ReportCachePayload, ReadsWhatTheTransactionWrites) {
  int64_t sequence = 0, micros = 0;
  std::vector<std::string> rounds;
  bool all = true;
  ASSERT_TRUE(
      ParseReportCachePayload("12 1700000000000000" + ReportCacheRounds({"a-1", "a-2"}, false),
                              &sequence, &micros, &rounds, &all));
  EXPECT_EQ(sequence, 12);
  EXPECT_EQ(micros, 1700000000000000);
  EXPECT_THAT(rounds, ::testing::ElementsAre("a-1", "a-2"));
  EXPECT_FALSE(all);
  ASSERT_TRUE(ParseReportCachePayload("13 0" + ReportCacheRounds({}, true), &sequence, &micros,
                                      &rounds, &all));
  EXPECT_TRUE(all);
  // Too many rounds for one notification: all of them.
  EXPECT_EQ(ReportCacheRounds(std::vector<std::string>(1000, "a-0123456789abcdef"), false), " *");
  EXPECT_FALSE(ParseReportCachePayload("nonsense", &sequence, &micros, &rounds, &all));
}

}  // namespace
}  // namespace sixsteps::reporting
