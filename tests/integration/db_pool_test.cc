// ConnectionPool against a real PostgreSQL: transactions commit and roll back as
// promised, errors map to the right codes, the pool stays bounded, and it survives a
// restart of the database server.
#include <atomic>
#include <functional>
#include <latch>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "services/common/db.h"
#include "tests/support/pg_cluster.h"
#include "tests/support/status_matchers.h"

namespace sixsteps::db {
namespace {

using ::sixsteps::testing::IsOk;
using ::sixsteps::testing::SharedPgCluster;
using ::sixsteps::testing::StatusIs;

class DbPoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::string> conninfo = SharedPgCluster().CreateDatabase("pool");
    ASSERT_THAT(conninfo, IsOk());
    conninfo_ = *conninfo;
    pqxx::connection conn(conninfo_);
    pqxx::work txn(conn);
    txn.exec(R"sql(
      CREATE TABLE items (
        id    integer PRIMARY KEY,
        label text NOT NULL,
        qty   integer NOT NULL DEFAULT 0 CHECK (qty >= 0)))sql");
    txn.commit();
  }

  // Counts rows through a connection of its own, outside any pool.
  long CountItems() {
    pqxx::connection conn(conninfo_);
    pqxx::work txn(conn);
    return txn.exec("SELECT count(*) FROM items")[0][0].as<long>();
  }

  // Another client adds `n` to item 1's qty and commits: a transaction that read the row
  // before then fails to serialise when it writes it.
  void AddToQtyElsewhere(int n) {
    pqxx::connection other(conninfo_);
    pqxx::work other_txn(other);
    other_txn.exec_params("UPDATE items SET qty = qty + $1 WHERE id = 1", n);
    other_txn.commit();
  }

  // Nothing of a failed transaction was kept, and the connection went back to the pool in a
  // usable state: the next transaction commits.
  void ExpectNothingKeptAndThePoolUsable(ConnectionPool& pool);

  std::string conninfo_;
};

absl::Status InsertItem(pqxx::work& txn, int id, const std::string& label, int qty = 0) {
  txn.exec_params("INSERT INTO items (id, label, qty) VALUES ($1, $2, $3)", id, label, qty);
  return absl::OkStatus();
}

void DbPoolTest::ExpectNothingKeptAndThePoolUsable(ConnectionPool& pool) {
  EXPECT_EQ(CountItems(), 0);
  EXPECT_THAT(pool.InTransaction([](pqxx::work& txn) { return InsertItem(txn, 1, "after"); }),
              IsOk());
  EXPECT_EQ(CountItems(), 1);
}

TEST_F(DbPoolTest, CommitsWhenWorkReturnsOk) {
  ConnectionPool pool(conninfo_, 2);
  EXPECT_THAT(pool.InTransaction([](pqxx::work& txn) { return InsertItem(txn, 1, "one"); }),
              IsOk());
  EXPECT_EQ(CountItems(), 1);

  // The pool's own next transaction sees it too.
  std::string label;
  EXPECT_THAT(pool.InTransaction([&](pqxx::work& txn) {
    label = txn.exec("SELECT label FROM items WHERE id = 1")[0][0].as<std::string>();
    return absl::OkStatus();
  }),
              IsOk());
  EXPECT_EQ(label, "one");
}

TEST_F(DbPoolTest, ErrorStatusRollsBackEveryWriteAndIsReturnedAsIs) {
  ConnectionPool pool(conninfo_, 2);
  int calls = 0;
  absl::Status status = pool.InTransaction([&](pqxx::work& txn) {
    ++calls;
    InsertItem(txn, 1, "one").IgnoreError();
    InsertItem(txn, 2, "two").IgnoreError();
    return absl::NotFoundError("the parent was not there after all");
  });
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kNotFound, "the parent was not there"));
  EXPECT_EQ(calls, 1) << "an application error must not be retried";
  ExpectNothingKeptAndThePoolUsable(pool);
}

TEST_F(DbPoolTest, ExceptionRollsBackEveryWrite) {
  ConnectionPool pool(conninfo_, 2);
  int calls = 0;
  absl::Status status = pool.InTransaction([&](pqxx::work& txn) -> absl::Status {
    ++calls;
    InsertItem(txn, 1, "one").IgnoreError();
    throw std::runtime_error("bug in the handler");
  });
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInternal));
  EXPECT_EQ(calls, 1);
  ExpectNothingKeptAndThePoolUsable(pool);
}

TEST_F(DbPoolTest, UniqueViolationIsAlreadyExists) {
  ConnectionPool pool(conninfo_, 2);
  ASSERT_THAT(pool.InTransaction([](pqxx::work& txn) { return InsertItem(txn, 1, "one"); }),
              IsOk());
  int calls = 0;
  absl::Status status = pool.InTransaction([&](pqxx::work& txn) {
    ++calls;
    InsertItem(txn, 2, "two").IgnoreError();
    return InsertItem(txn, 1, "one again");
  });
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(CountItems(), 1) << "row 2, written before the violation, must be rolled back";
}

TEST_F(DbPoolTest, CheckViolationIsFailedPrecondition) {
  ConnectionPool pool(conninfo_, 2);
  int calls = 0;
  absl::Status status = pool.InTransaction([&](pqxx::work& txn) {
    ++calls;
    return InsertItem(txn, 1, "negative", -3);
  });
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(CountItems(), 0);
}

TEST_F(DbPoolTest, ThirdTransactionGetsUnavailableWhileTwoHoldTheConnections) {
  ConnectionPool pool(conninfo_, /*max_connections=*/2, absl::Milliseconds(300));
  std::latch holding(2);
  std::latch release(1);
  std::vector<absl::Status> holder_results(2);
  std::vector<std::thread> holders;
  for (int i = 0; i < 2; ++i) {
    holders.emplace_back([&, i] {
      holder_results[i] = pool.InTransaction([&, i](pqxx::work& txn) {
        absl::Status inserted = InsertItem(txn, 100 + i, "holder");
        holding.count_down();
        release.wait();
        return inserted;
      });
    });
  }
  holding.wait();
  EXPECT_EQ(pool.open_connections(), 2);

  bool third_ran = false;
  absl::Status third = pool.InTransaction([&](pqxx::work&) {
    third_ran = true;
    return absl::OkStatus();
  });
  EXPECT_THAT(third, StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_FALSE(third_ran);
  EXPECT_EQ(pool.open_connections(), 2);

  release.count_down();
  for (std::thread& holder : holders) holder.join();
  EXPECT_THAT(holder_results[0], IsOk());
  EXPECT_THAT(holder_results[1], IsOk());
  EXPECT_EQ(CountItems(), 2);

  // Once the holders are done the pool serves again, from the connections it has.
  EXPECT_THAT(pool.InTransaction([](pqxx::work&) { return absl::OkStatus(); }), IsOk());
  EXPECT_EQ(pool.open_connections(), 2);
}

TEST_F(DbPoolTest, WaitingTransactionGetsAReleasedConnection) {
  // A long acquire timeout: the waiter must be served by a released connection.
  ConnectionPool pool(conninfo_, /*max_connections=*/1, absl::Seconds(60));
  std::latch holding(1);
  std::latch release(1);
  std::atomic<bool> waiter_ran{false};
  int waiter_saw = -1;
  absl::Status holder_result;
  absl::Status waiter_result;
  std::thread holder([&] {
    holder_result = pool.InTransaction([&](pqxx::work& txn) {
      holding.count_down();
      release.wait();
      return InsertItem(txn, 1, "holder");
    });
  });
  holding.wait();
  std::thread waiter([&] {
    waiter_result = pool.InTransaction([&](pqxx::work& txn) {
      waiter_ran = true;
      // It runs after the holder committed, on the connection the holder gave back.
      waiter_saw = txn.exec("SELECT count(*) FROM items")[0][0].as<int>();
      return InsertItem(txn, 2, "waiter");
    });
  });
  // Gives a pool that wrongly opened a second connection the time to run the waiter's work
  // (this pause only widens that window: with a correct pool the check below always holds).
  absl::SleepFor(absl::Milliseconds(50));
  // The only connection is still held, so the waiter cannot have started.
  EXPECT_FALSE(waiter_ran.load());
  release.count_down();
  holder.join();
  waiter.join();
  EXPECT_THAT(holder_result, IsOk());
  EXPECT_THAT(waiter_result, IsOk());
  EXPECT_TRUE(waiter_ran.load());
  EXPECT_EQ(waiter_saw, 1);
  EXPECT_EQ(CountItems(), 2);
  EXPECT_EQ(pool.open_connections(), 1);
}

TEST_F(DbPoolTest, ManyConcurrentTransactionsNeverExceedTheBound) {
  constexpr int kMax = 2;
  constexpr int kThreads = 8;
  constexpr int kPerThread = 10;
  ConnectionPool pool(conninfo_ + " application_name=sixsteps_pool_bound_test", kMax,
                      absl::Seconds(60));
  std::atomic<int> in_work{0};
  std::atomic<int> max_in_work{0};
  std::atomic<int> max_open{0};
  std::atomic<int> max_backends{0};
  std::atomic<int> failures{0};
  auto note_max = [](std::atomic<int>& max, int value) {
    int seen = max.load();
    while (value > seen && !max.compare_exchange_weak(seen, value)) {
    }
  };
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      for (int i = 0; i < kPerThread; ++i) {
        absl::Status status = pool.InTransaction([&](pqxx::work& txn) {
          note_max(max_in_work, ++in_work);
          note_max(max_open, pool.open_connections());
          // The server's view: backends the pool opened (a closed connection of another
          // client can linger in pg_stat_activity, so count only the pool's own).
          int backends = txn.exec(
                                "SELECT count(*) FROM pg_stat_activity "
                                "WHERE application_name = 'sixsteps_pool_bound_test' "
                                "AND datname = current_database()")[0][0]
                             .as<int>();
          note_max(max_backends, backends);
          absl::Status inserted = InsertItem(txn, t * 1000 + i, "concurrent");
          --in_work;
          return inserted;
        });
        if (!status.ok()) ++failures;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_LE(max_in_work.load(), kMax);
  EXPECT_LE(max_open.load(), kMax);
  EXPECT_GE(max_backends.load(), 1);
  EXPECT_LE(max_backends.load(), kMax);
  EXPECT_LE(pool.open_connections(), kMax);
  EXPECT_GE(pool.open_connections(), 1);
  EXPECT_EQ(CountItems(), kThreads * kPerThread);
}

// Item 1 with qty 10, then a REPEATABLE READ transaction of `pool` that reads item 1's qty and
// gives it to `write`, each attempt counted in `calls`: what the pool returned.
absl::Status ReadThenWriteItemOne(ConnectionPool& pool, int& calls,
                                  const std::function<void(pqxx::work&, int qty)>& write) {
  EXPECT_THAT(pool.InTransaction([](pqxx::work& txn) { return InsertItem(txn, 1, "one", 10); }),
              IsOk());
  return pool.InTransaction([&](pqxx::work& txn) {
    ++calls;
    txn.exec("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ");
    write(txn, txn.exec("SELECT qty FROM items WHERE id = 1")[0][0].as<int>());
    return absl::OkStatus();
  });
}

TEST_F(DbPoolTest, SerializationFailureIsRetried) {
  ConnectionPool pool(conninfo_, 2);
  int calls = 0;
  absl::Status status = ReadThenWriteItemOne(pool, calls, [&](pqxx::work& txn, int qty) {
    if (calls == 1) {
      // Another client changes the row after this transaction took its snapshot, so the
      // update below is a serialisation failure (SQLSTATE 40001). Only on the first try.
      AddToQtyElsewhere(5);
    }
    txn.exec_params("UPDATE items SET qty = $1 WHERE id = 1", qty - 1);
  });
  EXPECT_THAT(status, IsOk());
  EXPECT_EQ(calls, 2);
  // The retry saw the other client's change: 10 + 5 - 1.
  int qty = 0;
  ASSERT_THAT(pool.InTransaction([&](pqxx::work& txn) {
    qty = txn.exec("SELECT qty FROM items WHERE id = 1")[0][0].as<int>();
    return absl::OkStatus();
  }),
              IsOk());
  EXPECT_EQ(qty, 14);
}

TEST_F(DbPoolTest, PersistentSerializationFailureEndsAsAborted) {
  ConnectionPool pool(conninfo_, 2);
  int calls = 0;
  absl::Status status = ReadThenWriteItemOne(pool, calls, [&](pqxx::work& txn, int) {
    AddToQtyElsewhere(1);
    txn.exec("UPDATE items SET qty = 0 WHERE id = 1");
  });
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kAborted));
  EXPECT_GT(calls, 1) << "a serialisation failure is retried";
  EXPECT_LE(calls, 5) << "but not for ever";
}

// Restarts the shared cluster at the end of a test even when an assertion failed, so the
// tests after it still have a database.
class ClusterRestarter {
 public:
  ~ClusterRestarter() {
    if (stopped_) SharedPgCluster().Restart().IgnoreError();
  }
  void Stopped() { stopped_ = true; }
  void Restarted() { stopped_ = false; }

 private:
  bool stopped_ = false;
};

TEST_F(DbPoolTest, DatabaseDownIsUnavailableAndThePoolRecoversAfterRestart) {
  ConnectionPool pool(conninfo_, 2, absl::Seconds(5));
  ASSERT_THAT(pool.InTransaction([](pqxx::work& txn) { return InsertItem(txn, 1, "before"); }),
              IsOk());
  ASSERT_EQ(pool.open_connections(), 1);

  ClusterRestarter restarter;
  ASSERT_THAT(SharedPgCluster().Stop(), IsOk());
  restarter.Stopped();

  // The idle connection is dead and no new one can be opened.
  int calls = 0;
  EXPECT_THAT(pool.InTransaction([&](pqxx::work& txn) {
    ++calls;
    return InsertItem(txn, 2, "while down");
  }),
              StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_EQ(pool.open_connections(), 0) << "broken connections must be dropped";
  // Still down: fails fast again rather than hanging or crashing.
  EXPECT_THAT(pool.InTransaction([](pqxx::work&) { return absl::OkStatus(); }),
              StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_EQ(pool.open_connections(), 0);

  ASSERT_THAT(SharedPgCluster().Restart(), IsOk());
  restarter.Restarted();

  // The same pool works again.
  EXPECT_THAT(pool.InTransaction([](pqxx::work& txn) { return InsertItem(txn, 3, "after"); }),
              IsOk());
  EXPECT_EQ(pool.open_connections(), 1);
  EXPECT_EQ(CountItems(), 2);
}

TEST_F(DbPoolTest, ShutdownDuringATransactionIsUnavailableAndNothingIsCommitted) {
  ConnectionPool pool(conninfo_, 2, absl::Seconds(5));
  ClusterRestarter restarter;
  int calls = 0;
  absl::Status status = pool.InTransaction([&](pqxx::work& txn) {
    ++calls;
    InsertItem(txn, 1, "half done").IgnoreError();
    if (calls == 1) {
      // The server goes away between two statements of the transaction.
      EXPECT_THAT(SharedPgCluster().Stop(), IsOk());
      restarter.Stopped();
    }
    return InsertItem(txn, 2, "never");
  });
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_EQ(calls, 1) << "the retry cannot connect while the server is down";
  EXPECT_EQ(pool.open_connections(), 0);

  ASSERT_THAT(SharedPgCluster().Restart(), IsOk());
  restarter.Restarted();
  ExpectNothingKeptAndThePoolUsable(pool);
}

TEST_F(DbPoolTest, RestartBetweenTransactionsIsInvisibleToTheCaller) {
  ConnectionPool pool(conninfo_, 2, absl::Seconds(5));
  // Two idle connections, both of which the restart will break.
  std::latch both(2);
  std::thread first([&] {
    pool.InTransaction([&](pqxx::work&) {
          both.arrive_and_wait();
          return absl::OkStatus();
        })
        .IgnoreError();
  });
  pool.InTransaction([&](pqxx::work&) {
        both.arrive_and_wait();
        return absl::OkStatus();
      })
      .IgnoreError();
  first.join();
  ASSERT_EQ(pool.open_connections(), 2);

  {
    ClusterRestarter restarter;
    ASSERT_THAT(SharedPgCluster().Stop(), IsOk());
    restarter.Stopped();
    ASSERT_THAT(SharedPgCluster().Restart(), IsOk());
    restarter.Restarted();
  }

  // The first attempt meets a dead connection before anything was sent, so it is run
  // again on a fresh connection: the caller sees OK, and the write happened exactly once.
  int calls = 0;
  EXPECT_THAT(pool.InTransaction([&](pqxx::work& txn) {
    ++calls;
    return InsertItem(txn, 1, "after restart");
  }),
              IsOk());
  EXPECT_GE(calls, 1);
  EXPECT_EQ(CountItems(), 1);
  EXPECT_LE(pool.open_connections(), 2);
  EXPECT_THAT(pool.InTransaction([](pqxx::work& txn) { return InsertItem(txn, 2, "again"); }),
              IsOk());
  EXPECT_EQ(CountItems(), 2);
}

}  // namespace
}  // namespace sixsteps::db
