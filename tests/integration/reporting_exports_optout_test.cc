// Issue 13, finding 12 end to end: the regional-comparison opt-out in region dashboards
// (reporting_exports_fixture.h has the world and says how it is attacked).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/integration/reporting_exports_fixture.h"

namespace sixsteps::testing::exports_test {
namespace {

// ---- Finding 12: the regional-comparison opt-out ----

TEST_F(ReportingExportsTest, ARegionsDashboardSeesOptedOutPartnershipsOnlyAsAnonymousRows) {
  const World& w = *world_;
  for (const std::string* token : {&w.dashboard, &w.region_viewer}) {
    rv1::RegionalOverview overview;
    ASSERT_THAT(Overview(*token, &overview), IsOk());
    ASSERT_THAT(overview.partnerships(), SizeIs(3));
    EXPECT_EQ(overview.partnerships(0).partnership(), P(kNamed)) << "named rows first";
    EXPECT_FALSE(overview.partnerships(0).anonymous());
    const rv1::RegionalRow& first = overview.partnerships(1);
    const rv1::RegionalRow& second = overview.partnerships(2);
    for (const rv1::RegionalRow* row : {&first, &second}) {
      EXPECT_TRUE(row->anonymous());
      EXPECT_EQ(row->partnership(), "");
      EXPECT_EQ(row->assessment(), "");
      EXPECT_EQ(row->last_scrutiny_date(), "");
      EXPECT_THAT(row->partnership_name(), HasSubstr("anonymous"));
      EXPECT_EQ(row->overdue_actions(), 6);
    }
    // By name, Aardvark's row would come first; by figures, Zebra's (all Green) does.
    EXPECT_EQ(first.counts().green(), 24);
    EXPECT_EQ(second.counts().red(), 24);

    // Nothing that names them in any export.
    for (rv1::Format format : {rv1::FORMAT_JSON, rv1::FORMAT_CSV, rv1::FORMAT_HTML,
                               rv1::FORMAT_MARKDOWN, rv1::FORMAT_TEXT}) {
      absl::StatusOr<std::string> exported = Export(*token, RegionExport(), format);
      ASSERT_THAT(exported, IsOk());
      if (format == rv1::FORMAT_HTML && token == &w.dashboard) {
        KeepArtifact("overview-dashboard.html", *exported);
      }
      for (const char* name : {kAardvark, kZebra}) {
        EXPECT_THAT(*exported, Not(HasSubstr(name))) << format;
      }
    }
    // The region's tracker leaves their actions out.
    rv1::ActionTracker tracker;
    ASSERT_THAT(Tracker(*token, absl::StrCat("regions/", kRegion), &tracker), IsOk());
    EXPECT_EQ(tracker.counts().open(), 6) << "the named partnership's six actions only";
    absl::StatusOr<std::string> csv =
        Export(*token, TrackerExport(absl::StrCat("regions/", kRegion)), rv1::FORMAT_CSV);
    ASSERT_THAT(csv, IsOk());
    for (const char* name : {kAardvark, kZebra, "Aardvark", "Zebra"}) {
      EXPECT_THAT(*csv, Not(HasSubstr(name)));
    }
  }
}

TEST_F(ReportingExportsTest, AnOptedOutPartnershipsOwnReportsAreNotFoundToTheRegion) {
  const World& w = *world_;
  for (const std::string* token : {&w.dashboard, &w.region_viewer}) {
    for (const char* p : {kAardvark, kZebra}) {
      const std::string round = w.round.at(p).name();
      EXPECT_THAT(Report(*token, round), StatusIs(Code::kNotFound)) << p;
      EXPECT_THAT(Trend(*token, P(p)), StatusIs(Code::kNotFound)) << p;
      rv1::ActionTracker tracker;
      EXPECT_THAT(Tracker(*token, P(p), &tracker), StatusIs(Code::kNotFound)) << p;
      rv1::AnnualReportSection section;
      EXPECT_THAT(Annual(*token, round, &section), StatusIs(Code::kNotFound)) << p;
      rv1::ExportReportRequest trend;
      trend.mutable_trend()->set_partnership(P(p));
      EXPECT_THAT(Export(*token, trend, rv1::FORMAT_CSV), StatusIs(Code::kNotFound)) << p;
      EXPECT_THAT(Export(*token, TrackerExport(P(p)), rv1::FORMAT_CSV), StatusIs(Code::kNotFound))
          << p;
      // Over HTTP: 404, as for what does not exist.
      for (const std::string& path :
           {absl::StrCat("/v1/", round, "/report?min_sequence=", w.head),
            absl::StrCat("/v1/partnerships/", p, "/trend?min_sequence=", w.head),
            absl::StrCat("/v1/partnerships/", p, "/actions?format=csv&min_sequence=", w.head),
            absl::StrCat("/v1/", round, "/annual-report?format=md&min_sequence=", w.head)}) {
        httplib::Result got = Get(*token, path);
        ASSERT_TRUE(got) << path;
        EXPECT_EQ(got->status, 404) << path << ": " << got->body;
      }
    }
    // The partnership that did not opt out they read.
    EXPECT_THAT(Report(*token, w.round.at(kNamed).name()), IsOk());
    EXPECT_THAT(Trend(*token, P(kNamed)), IsOk());
  }
}

TEST_F(ReportingExportsTest, MembersAndHubAdministratorsStillSeeEverything) {
  const World& w = *world_;
  // Hub administrators: every partnership named, every report, every action.
  for (const std::string* token : {&w.hub_admin, &w.admin}) {
    rv1::RegionalOverview overview;
    ASSERT_THAT(Overview(*token, &overview), IsOk());
    ASSERT_THAT(overview.partnerships(), SizeIs(3));
    for (const rv1::RegionalRow& row : overview.partnerships()) {
      EXPECT_FALSE(row.anonymous()) << row.partnership_name();
      EXPECT_FALSE(row.partnership().empty());
    }
    for (const char* p : {kAardvark, kZebra}) {
      EXPECT_THAT(Report(*token, w.round.at(p).name()), IsOk()) << p;
      EXPECT_THAT(Trend(*token, P(p)), IsOk()) << p;
    }
    rv1::ActionTracker tracker;
    ASSERT_THAT(Tracker(*token, absl::StrCat("regions/", kRegion), &tracker), IsOk());
    EXPECT_EQ(tracker.counts().open(), 18);
  }
  // A member of Aardvark: its own reports, and its own row named. Zebra would be the one
  // anonymous row left, which elimination would name: it is left out.
  const std::string& member = w.member.at(kAardvark);
  EXPECT_THAT(Report(member, w.round.at(kAardvark).name()), IsOk());
  EXPECT_THAT(Trend(member, P(kAardvark)), IsOk());
  rv1::ActionTracker tracker;
  EXPECT_THAT(Tracker(member, P(kAardvark), &tracker), IsOk());
  EXPECT_EQ(tracker.counts().open(), 6);
  rv1::RegionalOverview overview;
  ASSERT_THAT(Overview(member, &overview), IsOk());
  std::vector<std::string> shown;
  for (const rv1::RegionalRow& row : overview.partnerships()) shown.push_back(row.partnership());
  EXPECT_THAT(shown, ::testing::UnorderedElementsAre(P(kNamed), P(kAardvark)));
  httplib::Result got = Get(member, absl::StrCat("/v1/partnerships/", kAardvark,
                                                 "/trend?format=csv&min_sequence=", w.head));
  ASSERT_TRUE(got);
  EXPECT_EQ(got->status, 200) << got->body;
  // Not Zebra's, though.
  EXPECT_THAT(Trend(member, P(kZebra)), StatusIs(Code::kNotFound));
}

}  // namespace
}  // namespace sixsteps::testing::exports_test
