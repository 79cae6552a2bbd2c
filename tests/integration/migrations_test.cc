// ApplyMigrations against a real PostgreSQL: order, bookkeeping, idempotence, refusal of
// edited migrations, atomicity of a failing one, and the advisory lock.
#include <latch>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "absl/status/status.h"
#include "services/common/db.h"
#include "tests/support/pg_cluster.h"
#include "tests/support/status_matchers.h"

namespace sixsteps::db {
namespace {

using ::sixsteps::testing::IsOk;
using ::sixsteps::testing::SharedPgCluster;
using ::sixsteps::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::Pair;

// V1 creates a table (fails if run twice); V2 inserts (would double if run twice); V3
// depends on both (fails if run before them).
std::vector<Migration> BaseMigrations() {
  return {
      {1, "create_things", "CREATE TABLE things (id integer PRIMARY KEY, name text NOT NULL);"},
      {2, "seed_things", "INSERT INTO things (id, name) VALUES (1, 'first');"},
      {3, "add_colour",
       "ALTER TABLE things ADD COLUMN colour text;\n"
       "UPDATE things SET colour = 'red' WHERE id = 1;"},
  };
}

class MigrationsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::string> conninfo = SharedPgCluster().CreateDatabase("migrations");
    ASSERT_THAT(conninfo, IsOk());
    conninfo_ = *conninfo;
  }

  // (version, name) of each recorded migration, by version.
  std::vector<std::pair<int, std::string>> Recorded() {
    pqxx::connection conn(conninfo_);
    pqxx::work txn(conn);
    std::vector<std::pair<int, std::string>> out;
    for (const auto& row :
         txn.exec("SELECT version, name FROM schema_migrations ORDER BY version")) {
      out.emplace_back(row[0].as<int>(), row[1].as<std::string>());
    }
    return out;
  }

  std::vector<std::pair<int, std::string>> Things() {
    pqxx::connection conn(conninfo_);
    pqxx::work txn(conn);
    std::vector<std::pair<int, std::string>> out;
    for (const auto& row : txn.exec("SELECT id, name FROM things ORDER BY id")) {
      out.emplace_back(row[0].as<int>(), row[1].as<std::string>());
    }
    return out;
  }

  bool TableExists(const std::string& table) {
    pqxx::connection conn(conninfo_);
    pqxx::work txn(conn);
    return !txn.exec_params("SELECT to_regclass($1)", table)[0][0].is_null();
  }

  std::string conninfo_;
};

TEST_F(MigrationsTest, AppliesInOrderAndRecordsEach) {
  std::vector<Migration> migrations = BaseMigrations();
  ASSERT_THAT(ApplyMigrations(conninfo_, migrations), IsOk());
  EXPECT_THAT(Recorded(),
              ElementsAre(Pair(1, "create_things"), Pair(2, "seed_things"), Pair(3, "add_colour")));
  EXPECT_THAT(Things(), ElementsAre(Pair(1, "first")));

  pqxx::connection conn(conninfo_);
  pqxx::work txn(conn);
  EXPECT_EQ(txn.exec("SELECT colour FROM things WHERE id = 1")[0][0].as<std::string>(), "red");
  // The recorded text is the migration's text, so later edits can be detected.
  EXPECT_EQ(
      txn.exec("SELECT sql_text FROM schema_migrations WHERE version = 2")[0][0].as<std::string>(),
      migrations[1].sql);
}

TEST_F(MigrationsTest, SecondRunAppliesNothing) {
  ASSERT_THAT(ApplyMigrations(conninfo_, BaseMigrations()), IsOk());
  // V1 would fail and V2 would double the row if they ran again.
  EXPECT_THAT(ApplyMigrations(conninfo_, BaseMigrations()), IsOk());
  EXPECT_THAT(ApplyMigrations(conninfo_, BaseMigrations()), IsOk());
  EXPECT_THAT(Things(), ElementsAre(Pair(1, "first")));
  EXPECT_EQ(Recorded().size(), 3u);
}

TEST_F(MigrationsTest, LaterListAppliesOnlyTheNewMigration) {
  ASSERT_THAT(ApplyMigrations(conninfo_, BaseMigrations()), IsOk());
  std::vector<Migration> later = BaseMigrations();
  later.push_back({4, "seed_more", "INSERT INTO things (id, name) VALUES (2, 'second');"});
  EXPECT_THAT(ApplyMigrations(conninfo_, later), IsOk());
  EXPECT_THAT(Things(), ElementsAre(Pair(1, "first"), Pair(2, "second")));
  EXPECT_THAT(Recorded(), ElementsAre(Pair(1, "create_things"), Pair(2, "seed_things"),
                                      Pair(3, "add_colour"), Pair(4, "seed_more")));
}

TEST_F(MigrationsTest, EditedMigrationIsRefusedAndNothingNewIsApplied) {
  ASSERT_THAT(ApplyMigrations(conninfo_, BaseMigrations()), IsOk());
  std::vector<Migration> edited = BaseMigrations();
  edited[1].sql = "INSERT INTO things (id, name) VALUES (1, 'FIRST');";
  edited.push_back({4, "seed_more", "INSERT INTO things (id, name) VALUES (2, 'second');"});
  EXPECT_THAT(ApplyMigrations(conninfo_, edited),
              StatusIs(absl::StatusCode::kFailedPrecondition, "V2__seed_things"));
  EXPECT_THAT(Things(), ElementsAre(Pair(1, "first")));
  EXPECT_EQ(Recorded().size(), 3u);

  // The lock was released: the unedited list still goes through.
  std::vector<Migration> fixed = BaseMigrations();
  fixed.push_back(edited.back());
  EXPECT_THAT(ApplyMigrations(conninfo_, fixed), IsOk());
  EXPECT_EQ(Recorded().size(), 4u);
}

TEST_F(MigrationsTest, FailingMigrationLeavesNoTrace) {
  std::vector<Migration> broken = BaseMigrations();
  broken.resize(1);
  // Its first statements are valid; the last is not, so they must all be rolled back.
  broken.push_back({2, "broken",
                    "CREATE TABLE other_things (id integer);\n"
                    "INSERT INTO things (id, name) VALUES (1, 'first');\n"
                    "SELEC nonsense FROM nowhere;"});
  broken.push_back({3, "after_broken", "INSERT INTO things (id, name) VALUES (3, 'third');"});
  absl::Status status = ApplyMigrations(conninfo_, broken);
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.code(), absl::StatusCode::kFailedPrecondition) << status;

  EXPECT_THAT(Recorded(), ElementsAre(Pair(1, "create_things")));
  EXPECT_FALSE(TableExists("other_things"));
  EXPECT_TRUE(Things().empty()) << "neither the broken migration nor the one after it ran";

  // Once fixed, the list applies from where it stopped (and the lock was released).
  EXPECT_THAT(ApplyMigrations(conninfo_, BaseMigrations()), IsOk());
  EXPECT_EQ(Recorded().size(), 3u);
  EXPECT_THAT(Things(), ElementsAre(Pair(1, "first")));
}

TEST_F(MigrationsTest, UnreachableDatabaseIsUnavailable) {
  // Nothing listens on port 1.
  std::string nowhere = "host=127.0.0.1 port=1 user=postgres dbname=test_x connect_timeout=2";
  EXPECT_THAT(ApplyMigrations(nowhere, BaseMigrations()), StatusIs(absl::StatusCode::kUnavailable));
}

TEST_F(MigrationsTest, ConcurrentRunsApplyEachMigrationOnce) {
  constexpr int kRunners = 4;
  std::vector<Migration> migrations = BaseMigrations();
  // Widens the window in which a runner without the lock would overlap another.
  migrations.insert(migrations.begin() + 1, {2, "slow", "SELECT pg_sleep(0.2);"});
  for (size_t i = 2; i < migrations.size(); ++i) migrations[i].version = static_cast<int>(i) + 1;

  std::latch start(kRunners);
  std::vector<absl::Status> results(kRunners);
  std::vector<std::thread> runners;
  for (int r = 0; r < kRunners; ++r) {
    runners.emplace_back([&, r] {
      start.arrive_and_wait();
      results[r] = ApplyMigrations(conninfo_, migrations);
    });
  }
  for (std::thread& runner : runners) runner.join();
  for (const absl::Status& result : results) EXPECT_THAT(result, IsOk());
  EXPECT_THAT(Recorded(), ElementsAre(Pair(1, "create_things"), Pair(2, "slow"),
                                      Pair(3, "seed_things"), Pair(4, "add_colour")));
  EXPECT_THAT(Things(), ElementsAre(Pair(1, "first")));
}

}  // namespace
}  // namespace sixsteps::db
