// A call's deadline as the connection's statement_timeout (services/common/db.h, issues 18
// and 19): the rule that decides when a pooled connection's timeout will do for the next
// call (StatementTimeoutToSet), and, on the test PostgreSQL cluster, that the timeout set
// once on a connection is kept for calls with a similar deadline, still cancels a statement
// that outlives a call, and is gone for work done for no call. No assertion on time: a
// statement was cancelled when its transaction failed with PostgreSQL's cancellation.
#include <memory>
#include <optional>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "services/common/call_deadline.h"
#include "services/common/db.h"
#include "tests/support/pg_cluster.h"
#include "tests/support/status_matchers.h"

namespace sixsteps {
namespace {

using ::absl::Milliseconds;
using ::absl::Seconds;
using ::sixsteps::testing::IsOk;
using ::sixsteps::testing::StatusIs;
using ::testing::Eq;
using ::testing::Optional;

using Timeout = std::optional<absl::Duration>;
// What StatementTimeoutToSet answers: nullopt (keep), or the value to set (nullopt: none).
using ToSet = std::optional<Timeout>;

TEST(StatementTimeoutToSetTest, WorkForNoCallRunsWithoutATimeout) {
  EXPECT_EQ(db::StatementTimeoutToSet(std::nullopt, std::nullopt), ToSet());         // none: keep
  EXPECT_EQ(db::StatementTimeoutToSet(Seconds(9), std::nullopt), ToSet(Timeout()));  // reset
}

TEST(StatementTimeoutToSetTest, ACallGetsAShadeLessThanItsTimeLeft) {
  EXPECT_EQ(db::StatementTimeoutToSet(std::nullopt, Seconds(10)), ToSet(Milliseconds(9500)));
  // Bounded: a call with hardly any time left still gets the least timeout (never 0, none),
  // and one with days left the most.
  EXPECT_EQ(db::StatementTimeoutToSet(std::nullopt, Milliseconds(1)),
            ToSet(db::kMinStatementTimeout));
  EXPECT_EQ(db::StatementTimeoutToSet(std::nullopt, absl::Hours(48)),
            ToSet(db::kMaxStatementTimeout));
}

TEST(StatementTimeoutToSetTest,
     ATimeoutIsKeptWhileItIsBetweenNinetyAndAHundredPercentOfTheTimeLeft) {
  // The next calls of the same deadline, a little later: no statement.
  EXPECT_EQ(db::StatementTimeoutToSet(Milliseconds(9500), Milliseconds(9990)), ToSet());
  EXPECT_EQ(db::StatementTimeoutToSet(Milliseconds(9500), Milliseconds(9500)), ToSet());
  EXPECT_EQ(db::StatementTimeoutToSet(Milliseconds(9500), Milliseconds(10550)), ToSet());
  // Longer than the time left: the statement could outlive the call.
  EXPECT_THAT(db::StatementTimeoutToSet(Milliseconds(9500), Milliseconds(9499)),
              Optional(Optional(Eq(Milliseconds(9024)))));
  // Far shorter than the time left: it would cancel a statement the call has time for.
  EXPECT_THAT(db::StatementTimeoutToSet(Milliseconds(9500), Seconds(11)),
              Optional(Optional(Eq(Milliseconds(10450)))));
  EXPECT_EQ(db::StatementTimeoutToSet(db::kMaxStatementTimeout, absl::Hours(1)), ToSet());
  EXPECT_EQ(db::StatementTimeoutToSet(db::kMinStatementTimeout, Milliseconds(2)), ToSet());
}

class PooledStatementTimeoutTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::string> conninfo =
        testing::SharedPgCluster().CreateDatabase("statement_timeout");
    ASSERT_THAT(conninfo, IsOk());
    pool_ = std::make_unique<db::ConnectionPool>(*conninfo, 1);  // one connection, reused
  }

  // The statement_timeout a transaction of the pool runs with, and where it was set.
  std::pair<std::string, std::string> TimeoutInTransaction() {
    std::pair<std::string, std::string> seen;
    EXPECT_THAT(pool_->InTransaction([&](pqxx::work& txn) {
      pqxx::row row =
          txn.exec1("SELECT setting, source FROM pg_settings WHERE name = 'statement_timeout'");
      seen = {row[0].c_str(), row[1].c_str()};
      return absl::OkStatus();
    }),
                IsOk());
    return seen;
  }

  std::unique_ptr<db::ConnectionPool> pool_;
};

TEST_F(PooledStatementTimeoutTest, CallsWithSimilarDeadlinesKeepTheConnectionsTimeout) {
  std::pair<std::string, std::string> first;
  {
    CallDeadlineScope deadline(absl::Now() + Seconds(10));
    first = TimeoutInTransaction();
  }
  EXPECT_EQ(first.second, "session");  // the connection's, not the transaction's
  EXPECT_NE(first.first, "0");
  {
    // 0.3 s less: had it been set again it would be 95% of 9.7 s, not the first value.
    CallDeadlineScope deadline(absl::Now() + Milliseconds(9700));
    EXPECT_EQ(TimeoutInTransaction(), first);
  }
  // Work for no call: the server's default again (none).
  EXPECT_EQ(TimeoutInTransaction().first, "0");
}

TEST_F(PooledStatementTimeoutTest, AStatementOutlivingItsCallIsCancelledOnAReusedConnection) {
  {
    CallDeadlineScope deadline(absl::Now() + Seconds(60));
    EXPECT_THAT(pool_->InTransaction([](pqxx::work& txn) {
      txn.exec1("SELECT 1");
      return absl::OkStatus();
    }),
                IsOk());
  }
  {
    // The same connection; a call with far less time left than the timeout it has.
    CallDeadlineScope deadline(absl::Now() + Milliseconds(400));
    EXPECT_THAT(pool_->InTransaction([](pqxx::work& txn) {
      txn.exec1("SELECT pg_sleep(20)");
      return absl::OkStatus();
    }),
                StatusIs(absl::StatusCode::kDeadlineExceeded, "query cancelled"));
  }
  // Work for no call on the same connection is not cancelled: the timeout went with the call.
  EXPECT_THAT(pool_->InTransaction([](pqxx::work& txn) {
    txn.exec1("SELECT pg_sleep(0.6)");
    return absl::OkStatus();
  }),
              IsOk());
}

}  // namespace
}  // namespace sixsteps
