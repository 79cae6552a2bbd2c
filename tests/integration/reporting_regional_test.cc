// Report 3, the regional overview, over gRPC on the shared world (reporting_fixture.h):
// what each role sees, and the partnership that opted out of regional comparison.
#include <gmock/gmock.h>
#include <grpcpp/client_context.h>
#include <gtest/gtest.h>

#include <array>
#include <map>
#include <memory>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "services/common/db.h"
#include "services/reporting/read_model.h"
#include "services/reporting/reporting_service.h"
#include "tests/integration/reporting_fixture.h"

namespace sixsteps::testing::reporting_fixture {
namespace {

// ---- Report 3: the regional overview ----

TEST_F(ReportingTest, RegionalOverviewNamesEveryPartnershipToTheHubAdministrators) {
  const World& w = *world_;
  for (const std::string* token : {&w.admin, &w.hub_admin}) {
    rv1::RegionalOverview overview;
    ASSERT_THAT(Region(*token, "regions/north", &overview), IsOk());
    EXPECT_EQ(overview.region(), "regions/north");
    EXPECT_EQ(overview.region_name(), "Region north");
    EXPECT_EQ(overview.as_of_date(), kAsOf);
    ExpectFresh(overview.freshness());
    ASSERT_THAT(overview.partnerships(), SizeIs(2));
    const rv1::RegionalRow& p1 = overview.partnerships(0);
    const rv1::RegionalRow& p2 = overview.partnerships(1);
    EXPECT_EQ(p1.partnership(), P(kP1));
    EXPECT_EQ(p1.partnership_name(), "Partnership tyneside");
    EXPECT_FALSE(p1.anonymous());
    // The latest finalised round.
    EXPECT_EQ(p1.assessment(), w.p1_second.name());
    EXPECT_EQ(p1.last_scrutiny_date(), "2026-03-31");
    EXPECT_THAT(p1.counts(), EqualsProto(Counts(8, 7, 9)));
    // Open and overdue as of kAsOf across both rounds: s1 and s3 of the first, s5 of the
    // second.
    EXPECT_EQ(p1.overdue_actions(), 3);
    EXPECT_EQ(p2.partnership(), P(kP2));
    EXPECT_EQ(p2.partnership_name(), "Partnership wearside");
    EXPECT_FALSE(p2.anonymous());
    EXPECT_EQ(p2.assessment(), w.p2_first.name());
    EXPECT_EQ(p2.last_scrutiny_date(), "2025-12-31");
    EXPECT_THAT(p2.counts(), EqualsProto(Counts(9, 8, 7)));
    EXPECT_EQ(p2.overdue_actions(), 1);
    for (const auto& [row, plan] : {std::pair{&p1, &kP1Second}, std::pair{&p2, &kP2First}}) {
      ASSERT_THAT(row->step_ids(), ElementsAre("s1", "s2", "s3", "s4", "s5", "s6"));
      ASSERT_THAT(row->step_counts(), SizeIs(6));
      ASSERT_THAT(row->step_heat(), SizeIs(6));
      for (int step = 1; step <= 6; ++step) {
        rv1::RatingCounts counts = StepCounts(*plan, step);
        EXPECT_THAT(row->step_counts(step - 1), EqualsProto(counts));
        EXPECT_DOUBLE_EQ(row->step_heat(step - 1), Heat(counts)) << row->partnership_name();
      }
    }
    EXPECT_THAT(p1.step_heat(), ElementsAre(2.5, 2.0, 1.5, 3.0, 1.25, 2.0));
    EXPECT_THAT(p2.step_heat(), ElementsAre(1.0, 1.5, 3.0, 2.0, 2.25, 1.75));
  }
}

// A read model filled before V003 has consolidations without the rating column: the
// overview reads those ratings from the records, and shows the same.
TEST_F(ReportingTest, RegionalOverviewReadsRatingsStoredBeforeTheirColumn) {
  const World& w = *world_;
  rv1::RegionalOverview with_column;
  ASSERT_THAT(Region(w.admin, "regions/north", &with_column), IsOk());
  std::vector<std::array<std::string, 3>> ratings;
  {
    pqxx::connection connection(w.hub->reporting_database_url());
    pqxx::work txn(connection);
    for (const pqxx::row& row :
         txn.exec("SELECT assessment_id, question_id, rating FROM consolidations")) {
      ASSERT_FALSE(row[2].is_null()) << "the consumer stores each rating in its column";
      ratings.push_back(
          {row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<std::string>()});
    }
    txn.exec("UPDATE consolidations SET rating = NULL");
    txn.commit();
  }
  ASSERT_THAT(ratings, Not(IsEmpty()));
  // Built by reports of its own on the hub's read model, with no overview cache: the
  // service's cache would serve the overview built above, as nothing the consumer applied
  // changed the region's versions (this test writes behind its back).
  absl::StatusOr<rv1::RegionalOverview> from_records;
  {
    db::ConnectionPool pool(w.hub->reporting_database_url(), 1, absl::Seconds(10));
    reporting::ReadModel model(&pool);
    reporting::Reports uncached(&model, absl::UTCTimeZone());
    auth::Caller admin;
    admin.principal = "users/test";
    admin.grants.push_back({auth::Role::ROLE_HUB_ADMINISTRATOR, "*", "", ""});
    rv1::GetRegionalOverviewRequest request;
    request.set_region("regions/north");
    request.set_as_of_date(kAsOf);
    from_records = uncached.Region(admin, request, absl::Now() + absl::Seconds(30));
  }
  {
    // Put back what the other tests compare.
    pqxx::connection connection(w.hub->reporting_database_url());
    pqxx::work txn(connection);
    for (const auto& [assessment, question, rating] : ratings) {
      txn.exec_params(
          "UPDATE consolidations SET rating = $3 WHERE assessment_id = $1 AND "
          "question_id = $2",
          assessment, question, rating);
    }
    txn.commit();
  }
  ASSERT_THAT(from_records, IsOk());
  with_column.clear_freshness();
  from_records->clear_freshness();
  EXPECT_THAT(*from_records, EqualsProto(with_column));
}

TEST_F(ReportingTest, RegionalOverviewHidesTheOptedOutPartnershipFromADashboard) {
  const World& w = *world_;
  rv1::RegionalOverview overview;
  ASSERT_THAT(Region(w.dashboard, "regions/north", &overview), IsOk());
  ExpectFresh(overview.freshness());
  // The one partnership that opted out would be named by elimination as the region's one
  // anonymous row: it is left out (reporting_exports_test has two, shown anonymously).
  ASSERT_THAT(overview.partnerships(), SizeIs(1));
  const rv1::RegionalRow& p1 = overview.partnerships(0);
  EXPECT_EQ(p1.partnership(), P(kP1));
  EXPECT_EQ(p1.partnership_name(), "Partnership tyneside");
  EXPECT_EQ(p1.assessment(), w.p1_second.name());
  // Nothing of the rendered overview names it either.
  for (rv1::Format format : {rv1::FORMAT_JSON, rv1::FORMAT_CSV, rv1::FORMAT_HTML,
                             rv1::FORMAT_MARKDOWN, rv1::FORMAT_TEXT}) {
    rv1::ExportReportRequest request;
    request.mutable_region()->set_region("regions/north");
    request.mutable_region()->set_min_sequence(w.head);
    request.mutable_region()->set_as_of_date(kAsOf);
    rv1::ExportReportResponse exported;
    ASSERT_THAT(Export(w.dashboard, request, format, &exported), IsOk());
    EXPECT_THAT(exported.content(), Not(HasSubstr("wearside"))) << format;
    EXPECT_THAT(exported.content(), Not(HasSubstr(w.p2_first.name()))) << format;
    EXPECT_THAT(exported.content(), HasSubstr("Partnership tyneside")) << format;
  }
  // Nor do its own reports answer the dashboard: as for a partnership it cannot see.
  rv1::AssessmentReport report;
  EXPECT_THAT(Report(w.dashboard, w.p2_first.name(), &report), StatusIs(Code::kNotFound));
  rv1::PartnershipTrend trend;
  EXPECT_THAT(Trend(w.dashboard, P(kP2), &trend), StatusIs(Code::kNotFound));
  rv1::ActionTracker tracker;
  EXPECT_THAT(Tracker(w.dashboard, P(kP2), &tracker), StatusIs(Code::kNotFound));
  rv1::AnnualReportSection section;
  EXPECT_THAT(Annual(w.dashboard, w.p2_first.name(), &section), StatusIs(Code::kNotFound));
  EXPECT_THAT(Trend(w.dashboard, P(kP1), &trend), IsOk());

  // Members of the opted-out partnership see it named; members of the other do not.
  rv1::RegionalOverview as_member;
  ASSERT_THAT(Region(w.viewer.at(kP2), "regions/north", &as_member), IsOk());
  ASSERT_THAT(as_member.partnerships(), SizeIs(2));
  EXPECT_FALSE(as_member.partnerships(1).anonymous());
  EXPECT_EQ(as_member.partnerships(1).partnership_name(), "Partnership wearside");
  EXPECT_THAT(as_member.partnerships(1).counts(), EqualsProto(Counts(9, 8, 7)));
  rv1::RegionalOverview as_neighbour;
  ASSERT_THAT(Region(w.viewer.at(kP1), "regions/north", &as_neighbour), IsOk());
  ASSERT_THAT(as_neighbour.partnerships(), SizeIs(1));
  EXPECT_EQ(as_neighbour.partnerships(0).partnership(), P(kP1));

  // A dashboard of another region does not see this one at all.
  rv1::RegionalOverview elsewhere;
  EXPECT_THAT(Region(w.other_dashboard, "regions/north", &elsewhere), StatusIs(Code::kNotFound));
}

}  // namespace
}  // namespace sixsteps::testing::reporting_fixture
