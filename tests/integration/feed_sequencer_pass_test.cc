// The feed sequencer's pass in one call (sequence_feed, migration V016), on a migrated
// assessment database of the test cluster with no sequencer running: it waits for an appender
// that holds a ticket up to its horizon (the appender lock's key in the function is the
// writers'), not for one that drew after it; it numbers each transaction's entries together in
// ticket order; a rolled-back ticket does not hold the feed; a pass with nothing drawn since the
// last does nothing; readers' passes (several connections at once) give each entry one number;
// and a burst the queue's statistics do not know of moves with work linear in its size (V017).
#include <atomic>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <pqxx/errorhandler>
#include <pqxx/pqxx>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "services/assessment/pg_feed_sequencer.h"
#include "services/assessment/pg_store_internal.h"
#include "services/assessment/store.h"
#include "tests/support/pg_cluster.h"
#include "tests/support/status_matchers.h"

namespace sixsteps::assessment {
namespace {

using ::sixsteps::testing::IsOk;
using ::sixsteps::testing::SharedPgCluster;

int64_t Numbered(const absl::StatusOr<int64_t>& numbered) {
  EXPECT_THAT(numbered, IsOk());
  return numbered.value_or(-1);
}

struct Pass {
  bool ready = false;
  int64_t numbered = 0;
  int64_t horizon = -1;
  std::string appenders;
};

class FeedSequencerPassTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::string> url = SharedPgCluster().CreateMigratedDatabase(
        ::testing::UnitTest::GetInstance()->current_test_info()->name(), "assessment",
        AssessmentMigrations());
    ASSERT_THAT(url, IsOk());
    url_ = *url;
  }

  // One call of the function: a new pass, or again with the horizon of one not ready.
  Pass Run(const Pass& again = {}) {
    pqxx::connection connection(url_);
    pqxx::nontransaction txn(connection);
    pqxx::row row = txn.exec_params(
        "SELECT ready, numbered, horizon, appenders "
        "FROM sequence_feed(NULLIF($1::bigint, -1), NULLIF($2::text, ''), true)",
        again.horizon, again.appenders)[0];
    Pass pass;
    pass.ready = row[0].as<bool>();
    pass.numbered = row[1].as<int64_t>();
    if (!row[2].is_null()) pass.horizon = row[2].as<int64_t>();
    if (!row[3].is_null()) pass.appenders = row[3].as<std::string>();
    return pass;
  }

  // Appends an entry the way writers do (the appender lock, then a ticket).
  static void Append(pqxx::transaction_base& txn, const std::string& record) {
    txn.exec_params(pg_store_internal::kInsertUnsequencedChange, "p1", "r1",
                    pqxx::binarystring(record));
  }
  void AppendCommitted(const std::string& record) {
    pqxx::connection connection(url_);
    pqxx::work txn(connection);
    Append(txn, record);
    txn.commit();
  }

  // The numbered feed's records in sequence order, and the counter's row.
  std::vector<std::string> Feed() {
    pqxx::connection connection(url_);
    pqxx::work txn(connection);
    std::vector<std::string> records;
    for (const pqxx::row& row :
         txn.exec("SELECT sequence, record FROM changes ORDER BY sequence")) {
      EXPECT_EQ(row[0].as<int64_t>(), static_cast<int64_t>(records.size()) + 1) << "a gap";
      records.push_back(pqxx::binarystring(row[1]).str());
    }
    return records;
  }
  int64_t Scalar(const std::string& sql) {
    pqxx::connection connection(url_);
    pqxx::work txn(connection);
    return txn.exec1(sql)[0].as<int64_t>();
  }

  std::string url_;
};

// `early` is most often the newest transaction id with no transaction completed since it got
// it, so it is at or above the snapshot's xmax and not in its xip list: the appender lock (not
// the snapshot's running list) is what finds it.
TEST_F(FeedSequencerPassTest, WaitsForAnAppenderBelowItsHorizonOnly) {
  pqxx::connection early_connection(url_);
  pqxx::work early(early_connection);
  Append(early, "early-1");
  Append(early, "early-2");

  Pass waiting = Run();
  EXPECT_FALSE(waiting.ready) << "an appender holding a ticket up to the horizon is running";
  EXPECT_EQ(waiting.horizon, 2);

  AppendCommitted("late");  // ticket 3, above the horizon: committed, not waited for
  Pass still = Run(waiting);
  EXPECT_FALSE(still.ready);
  EXPECT_EQ(still.horizon, 2) << "the same horizon is kept across tries";

  early.commit();
  Pass done = Run(waiting);
  EXPECT_TRUE(done.ready);
  EXPECT_EQ(done.numbered, 2) << "up to the horizon only";
  EXPECT_THAT(Feed(), ::testing::ElementsAre("early-1", "early-2"));

  Pass next = Run();
  EXPECT_TRUE(next.ready);
  EXPECT_EQ(next.numbered, 1);
  EXPECT_THAT(Feed(), ::testing::ElementsAre("early-1", "early-2", "late"));
  EXPECT_EQ(Scalar("SELECT last FROM feed_counter"), 3);
  EXPECT_EQ(Scalar("SELECT ticketed_through FROM feed_counter"), 3);
  EXPECT_EQ(Scalar("SELECT count(*) FROM unsequenced_changes"), 0);
}

TEST_F(FeedSequencerPassTest, ATransactionsEntriesStayTogetherInTicketOrder) {
  pqxx::connection a_connection(url_);
  pqxx::work a(a_connection);
  Append(a, "a-1");        // ticket 1
  AppendCommitted("b-1");  // ticket 2
  Append(a, "a-2");        // ticket 3
  a.commit();
  Pass pass = Run();
  EXPECT_TRUE(pass.ready);
  EXPECT_EQ(pass.numbered, 3);
  EXPECT_THAT(Feed(), ::testing::ElementsAre("a-1", "a-2", "b-1"));
}

TEST_F(FeedSequencerPassTest, ARolledBackTicketDoesNotHoldTheFeedAndAnIdlePassDoesNothing) {
  {
    pqxx::connection connection(url_);
    pqxx::work rolled_back(connection);
    Append(rolled_back, "never");
    rolled_back.abort();
  }
  AppendCommitted("kept");
  Pass pass = Run();
  EXPECT_TRUE(pass.ready);
  EXPECT_EQ(pass.numbered, 1);
  EXPECT_THAT(Feed(), ::testing::ElementsAre("kept"));
  EXPECT_EQ(Scalar("SELECT ticketed_through FROM feed_counter"), 2);

  // Nothing drawn since: ready at once, nothing numbered, the counter's row not written.
  const int64_t row_xmin = Scalar("SELECT xmin::text::bigint FROM feed_counter");
  Pass idle = Run();
  EXPECT_TRUE(idle.ready);
  EXPECT_EQ(idle.numbered, 0);
  EXPECT_EQ(idle.horizon, 2);
  EXPECT_EQ(Scalar("SELECT xmin::text::bigint FROM feed_counter"), row_xmin);
}

// The busy sequencer takes its horizon, then numbers up to it a moment later: what was
// appended in between waits for the next pass.
TEST_F(FeedSequencerPassTest, AHorizonTakenEarlierBoundsThePass) {
  pqxx::connection connection(url_);
  const FeedSequencer::InTransaction autocommit = FeedSequencer::Autocommit(connection);
  absl::StatusOr<std::optional<FeedSequencer::Horizon>> none =
      FeedSequencer::TakeHorizon(autocommit);
  ASSERT_THAT(none, IsOk());
  EXPECT_FALSE(none->has_value()) << "nothing was drawn";

  AppendCommitted("before");
  absl::StatusOr<std::optional<FeedSequencer::Horizon>> horizon =
      FeedSequencer::TakeHorizon(autocommit);
  ASSERT_THAT(horizon, IsOk());
  ASSERT_TRUE(horizon->has_value());
  EXPECT_EQ((*horizon)->ticket, 1);
  AppendCommitted("after");
  EXPECT_EQ(Numbered(FeedSequencer::NumberReady(autocommit, absl::Seconds(10), **horizon)), 1);
  EXPECT_THAT(Feed(), ::testing::ElementsAre("before"));
  EXPECT_EQ(Numbered(FeedSequencer::NumberReady(autocommit)), 1);
  EXPECT_THAT(Feed(), ::testing::ElementsAre("before", "after"));
  absl::StatusOr<std::optional<FeedSequencer::Horizon>> drained =
      FeedSequencer::TakeHorizon(autocommit);
  ASSERT_THAT(drained, IsOk());
  EXPECT_FALSE(drained->has_value());
}

// A transaction that drew tickets on both sides of a pass's horizon: once it has ended, all
// its entries move together in that pass (not split across two passes with others' between).
TEST_F(FeedSequencerPassTest, ATransactionStraddlingTheHorizonMovesWhole) {
  pqxx::connection connection(url_);
  const FeedSequencer::InTransaction autocommit = FeedSequencer::Autocommit(connection);
  pqxx::connection writer_connection(url_);
  pqxx::work writer(writer_connection);
  Append(writer, "w-1");  // ticket 1
  absl::StatusOr<std::optional<FeedSequencer::Horizon>> horizon =
      FeedSequencer::TakeHorizon(autocommit);
  ASSERT_THAT(horizon, IsOk());
  ASSERT_TRUE(horizon->has_value());
  EXPECT_EQ((*horizon)->ticket, 1);
  Append(writer, "w-2");     // ticket 2, above the horizon
  AppendCommitted("other");  // ticket 3
  writer.commit();
  EXPECT_EQ(Numbered(FeedSequencer::NumberReady(autocommit, absl::Seconds(10), **horizon)), 2);
  EXPECT_THAT(Feed(), ::testing::ElementsAre("w-1", "w-2"));
  EXPECT_EQ(Numbered(FeedSequencer::NumberReady(autocommit)), 1);
  EXPECT_THAT(Feed(), ::testing::ElementsAre("w-1", "w-2", "other"));
  EXPECT_EQ(Scalar("SELECT count(*) FROM unsequenced_changes"), 0);
}

TEST_F(FeedSequencerPassTest, RefusedOutsideReadCommitted) {
  pqxx::connection connection(url_);
  pqxx::work txn(connection);
  txn.exec("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ");
  EXPECT_THROW(txn.exec("SELECT * FROM sequence_feed(NULL, NULL, true)"), pqxx::sql_error);
}

// Writers and three numbering connections at once (the leader and two readers'
// ListChanges): every committed entry is numbered once, gap-free, each writer's in its order.
TEST_F(FeedSequencerPassTest, ConcurrentPassesNumberEachEntryOnce) {
  constexpr int kWriters = 6;
  constexpr int kWrites = 40;
  std::atomic<int> writers_left{kWriters};
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      pqxx::connection connection(url_);
      for (int i = 0; i < kWrites; ++i) {
        pqxx::work txn(connection);
        Append(txn, absl::StrCat(w, "-", i, "-a"));
        Append(txn, absl::StrCat(w, "-", i, "-b"));
        if (i % 7 == 3) {
          txn.abort();
        } else {
          txn.commit();
        }
      }
      --writers_left;
    });
  }
  for (int n = 0; n < 3; ++n) {
    threads.emplace_back([&] {
      pqxx::connection connection(url_);
      for (;;) {
        const bool last_look = writers_left == 0;
        absl::StatusOr<int64_t> numbered =
            FeedSequencer::NumberReady(connection, absl::Milliseconds(100));
        EXPECT_THAT(numbered, IsOk());
        if (last_look) return;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  pqxx::connection last_pass(url_);
  ASSERT_THAT(FeedSequencer::NumberReady(last_pass), IsOk());

  const std::vector<std::string> feed = Feed();
  std::vector<int> next(kWriters, 0);
  for (size_t i = 0; i < feed.size(); i += 2) {
    ASSERT_LT(i + 1, feed.size());
    const int w = feed[i][0] - '0';
    while (next[w] % 7 == 3) ++next[w];
    EXPECT_EQ(feed[i], absl::StrCat(w, "-", next[w], "-a")) << "at " << i;
    EXPECT_EQ(feed[i + 1], absl::StrCat(w, "-", next[w], "-b")) << "together, at " << i;
    ++next[w];
  }
  for (int w = 0; w < kWriters; ++w) EXPECT_EQ(next[w], kWrites) << "every write of " << w;
  const int committed_per_writer = kWrites - (kWrites + 3) / 7;  // i % 7 == 3 rolled back
  EXPECT_EQ(feed.size(), static_cast<size_t>(kWriters * committed_per_writer * 2));
  EXPECT_EQ(Scalar("SELECT count(*) FROM unsequenced_changes"), 0);
}

// Keeps the notices a connection receives (auto_explain's plans, at NOTICE level).
class NoticeLog final : public pqxx::errorhandler {
 public:
  explicit NoticeLog(pqxx::connection_base& connection) : pqxx::errorhandler(connection) {}
  bool operator()(const char message[]) noexcept override {
    notices.emplace_back(message);
    return true;
  }
  std::vector<std::string> notices;
};

// Rows a plan's nodes produced, counted once per loop, and rows its filters read and dropped:
// the work a plan did, whatever the time it took.
int64_t RowsHandled(const nlohmann::json& node) {
  int64_t rows = node.value("Actual Rows", int64_t{0}) * node.value("Actual Loops", int64_t{1}) +
                 node.value("Rows Removed by Join Filter", int64_t{0}) +
                 node.value("Rows Removed by Filter", int64_t{0});
  if (node.contains("Plans")) {
    for (const nlohmann::json& child : node["Plans"]) rows += RowsHandled(child);
  }
  return rows;
}

// Stop 28's stall: autovacuum analysed the queue while it was nearly empty (a few live entries
// in the pages earlier bursts left), so the planner took a burst of thousands of entries for a
// handful. V016's move then joined the queue with itself by a nested loop that rescanned one
// side for every row of the other (3,600 entries: 7.5 million rows read, 2.6 s); V017 plans
// the function without nested loops. The move's plan (auto_explain, with its actual row counts)
// must handle a bounded number of rows per entry moved.
TEST_F(FeedSequencerPassTest, ABurstTheStatisticsDoNotKnowMovesInLinearWork) {
  constexpr int kEarlier = 2000;
  constexpr int kTransactions = 200;
  constexpr int kEntriesEach = 24;  // a batch write of 24 responses
  {
    pqxx::connection connection(url_);
    {
      pqxx::work txn(connection);
      for (int e = 0; e < kEarlier; ++e) Append(txn, "earlier");
      txn.commit();
    }
    const pqxx::row earlier = pqxx::nontransaction(connection)
                                  .exec1("SELECT numbered FROM sequence_feed(NULL, NULL, true)");
    ASSERT_EQ(earlier[0].as<int64_t>(), kEarlier);
    AppendCommitted("straggler");  // live in the last page: vacuum keeps the pages
    pqxx::nontransaction(connection).exec("VACUUM ANALYZE unsequenced_changes");
    ASSERT_LE(
        Scalar("SELECT reltuples::bigint FROM pg_class WHERE relname = 'unsequenced_changes'"), 1);
    for (int t = 0; t < kTransactions; ++t) {
      pqxx::work txn(connection);
      for (int e = 0; e < kEntriesEach; ++e) Append(txn, absl::StrCat(t, "-", e));
      txn.commit();
    }
  }

  pqxx::connection connection(url_);
  NoticeLog log(connection);
  pqxx::nontransaction txn(connection);
  txn.exec("LOAD 'auto_explain'");
  txn.exec("SET auto_explain.log_min_duration = 0");
  txn.exec("SET auto_explain.log_analyze = on");
  txn.exec("SET auto_explain.log_nested_statements = on");
  txn.exec("SET auto_explain.log_format = json");
  txn.exec("SET auto_explain.log_level = notice");
  txn.exec("SET client_min_messages = notice");
  const pqxx::row pass = txn.exec1("SELECT ready, numbered FROM sequence_feed(NULL, NULL, true)");
  ASSERT_TRUE(pass[0].as<bool>());
  const int64_t moved = pass[1].as<int64_t>();
  EXPECT_EQ(moved, 1 + kTransactions * kEntriesEach);

  int64_t move_rows = -1;
  for (const std::string& notice : log.notices) {
    const size_t json_start = notice.find('{');
    if (json_start == std::string::npos) continue;
    const nlohmann::json plan = nlohmann::json::parse(notice.substr(json_start), nullptr, false);
    if (plan.is_discarded() || !plan.contains("Plan")) continue;
    if (!absl::StrContains(plan.value("Query Text", ""), "DELETE FROM unsequenced_changes")) {
      continue;
    }
    move_rows = RowsHandled(plan["Plan"]);
  }
  ASSERT_GE(move_rows, moved) << "auto_explain showed no plan of the move; notices: "
                              << log.notices.size();
  EXPECT_LE(move_rows, 30 * moved) << "the move's plan read rows quadratically";

  const std::vector<std::string> feed = Feed();
  ASSERT_EQ(feed.size(), static_cast<size_t>(kEarlier + 1 + kTransactions * kEntriesEach));
  EXPECT_EQ(feed[kEarlier], "straggler");
  for (int t = 0; t < kTransactions; ++t) {
    for (int e = 0; e < kEntriesEach; ++e) {
      ASSERT_EQ(feed[kEarlier + 1 + t * kEntriesEach + e], absl::StrCat(t, "-", e))
          << "in ticket order";
    }
  }
}

}  // namespace
}  // namespace sixsteps::assessment
