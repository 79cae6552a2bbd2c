// The reporting read model's apply transaction (issue 18, writes): a run of response changes
// is written in one statement, the rounds' figures and versions once per batch, and the
// partnerships a batch names are looked up in one query. Each case applies a batch and
// reads back what the read model holds, against the same changes applied one at a time.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/common/db.h"
#include "services/reporting/read_model.h"
#include "tests/support/north_feed.h"
#include "tests/support/pg_cluster.h"
#include "tests/support/small_framework.h"
#include "tests/support/status_matchers.h"

namespace sixsteps::reporting {
namespace {

using ::sixsteps::testing::IsOk;
using ::sixsteps::testing::SharedPgCluster;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr const char* kFramework = ::sixsteps::testing::kSmallFrameworkName;
using ::sixsteps::testing::SmallFramework;

using Feed = ::sixsteps::testing::NorthFeed;

class ReadModelApplyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::string> url = SharedPgCluster().CreateMigratedDatabase(
        "read_model_apply", "reporting", ReportingMigrations());
    ASSERT_THAT(url, IsOk());
    url_ = *url;
    pool_ = std::make_unique<db::ConnectionPool>(url_, 2, absl::Seconds(10));
    model_ = std::make_unique<ReadModel>(pool_.get());
    ASSERT_THAT(model_->PutFramework(kFramework, SmallFramework()), IsOk());
    idv1::Region region;
    region.set_name("regions/ne");
    region.set_display_name("North East");
    idv1::Partnership north;
    north.set_name("partnerships/north");
    north.set_region("regions/ne");
    north.set_display_name("North");
    ASSERT_THAT(model_->PutDirectory({region}, {north}, {}), IsOk());
  }

  // "respondent/question: commentary" of every response of `round`, in key order.
  std::vector<std::string> Responses(const std::string& round) {
    pqxx::connection connection(url_);
    pqxx::work txn(connection);
    std::vector<std::string> out;
    for (const pqxx::row& row :
         txn.exec_params("SELECT respondent_id, question_id, record FROM responses "
                         "WHERE assessment_id = $1 ORDER BY respondent_id, question_id",
                         round)) {
      av1::Response response;
      EXPECT_TRUE(response.ParseFromString(pqxx::binarystring(row[2]).str()));
      EXPECT_EQ(response.question_id(), row[1].as<std::string>());
      out.push_back(absl::StrCat(row[0].as<std::string>(), "/", row[1].as<std::string>(), ": ",
                                 response.commentary()));
    }
    return out;
  }
  // One value of a one-row, one-column query ("" for no row).
  std::string Value(const std::string& query) {
    pqxx::connection connection(url_);
    pqxx::work txn(connection);
    pqxx::result rows = txn.exec(query);
    return rows.empty() || rows[0][0].is_null() ? "" : rows[0][0].as<std::string>();
  }

  std::string url_;
  std::unique_ptr<db::ConnectionPool> pool_;
  std::unique_ptr<ReadModel> model_;
  Feed feed_;
};

TEST_F(ReadModelApplyTest, ARunOfResponsesEndsAsLastWrittenAroundOtherChanges) {
  std::vector<av1::Change> batch = {
      feed_.Round("a-1", false),
      feed_.Response("a-1", "la", "s1.q1", "first"),
      feed_.Response("a-1", "la", "s1.q2", "only"),
      feed_.Response("a-1", "la", "s1.q1", "second"),  // the same response again in the run
      feed_.Response("a-1", "health", "s1.q1", "theirs"),
      feed_.Rating("a-1", "s1.q1", fv1::RATING_AMBER),  // another kind ends the run
      feed_.Response("a-1", "la", "s1.q1", "third"),    // a run of one
      feed_.Response("a-2", "la", "s1.q1", "other round"),
      feed_.Response("a-2", "la", "s1.q1", "other round, last"),
  };
  ASSERT_THAT(model_->Apply(batch), IsOk());
  EXPECT_THAT(Responses("a-1"),
              ElementsAre("health/s1.q1: theirs", "la/s1.q1: third", "la/s1.q2: only"));
  EXPECT_THAT(Responses("a-2"), ElementsAre("la/s1.q1: other round, last"));
  // The cursor and each round's version are at their last change.
  absl::StatusOr<rv1::Freshness> freshness = model_->Freshness();
  ASSERT_THAT(freshness, IsOk());
  EXPECT_EQ(freshness->sequence(), 9);
  EXPECT_EQ(Value("SELECT sequence FROM round_versions WHERE assessment_id = 'a-1'"), "7");
  EXPECT_EQ(Value("SELECT sequence FROM round_versions WHERE assessment_id = 'a-2'"), "9");

  // A batch already applied changes nothing (its sequences are behind the cursor).
  batch[3] = feed_.Response("a-1", "la", "s1.q1", "newer");  // sequence 10
  ASSERT_THAT(model_->Apply(batch), IsOk());
  EXPECT_THAT(Responses("a-1"),
              ElementsAre("health/s1.q1: theirs", "la/s1.q1: newer", "la/s1.q2: only"));
  EXPECT_EQ(Value("SELECT sequence FROM feed_cursor WHERE id = 1"), "10");
}

TEST_F(ReadModelApplyTest, OnlyFinalisedRoundsOfABatchKeepFigures) {
  ASSERT_THAT(
      model_->Apply({feed_.Round("a-1", true), feed_.Rating("a-1", "s1.q1", fv1::RATING_RED),
                     feed_.Round("a-2", false), feed_.Rating("a-2", "s1.q1", fv1::RATING_GREEN)}),
      IsOk());
  EXPECT_EQ(Value("SELECT string_agg(assessment_id, ',' ORDER BY assessment_id) "
                  "FROM round_aggregates"),
            "a-1");
  // Reopened (no longer finalised) in a later batch beside a round finalised now: the
  // figures move from one to the other.
  ASSERT_THAT(model_->Apply({feed_.Round("a-1", false), feed_.Round("a-2", true)}), IsOk());
  EXPECT_EQ(Value("SELECT string_agg(assessment_id, ',' ORDER BY assessment_id) "
                  "FROM round_aggregates"),
            "a-2");
}

TEST_F(ReadModelApplyTest, MissingPartnershipsAreThoseNotHeldYet) {
  absl::StatusOr<std::vector<std::string>> missing =
      model_->MissingPartnerships({"north", "south", "east"});
  ASSERT_THAT(missing, IsOk());
  EXPECT_THAT(*missing, ::testing::UnorderedElementsAre("south", "east"));
  missing = model_->MissingPartnerships({"north"});
  ASSERT_THAT(missing, IsOk());
  EXPECT_THAT(*missing, IsEmpty());
  missing = model_->MissingPartnerships({});
  ASSERT_THAT(missing, IsOk());
  EXPECT_THAT(*missing, IsEmpty());
}

}  // namespace
}  // namespace sixsteps::reporting
