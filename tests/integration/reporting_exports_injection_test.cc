// Issue 13, findings 10 and 11 end to end: CSV formula and Markdown injection in exports
// (reporting_exports_fixture.h has the world and says how it is attacked).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/integration/reporting_exports_fixture.h"

namespace sixsteps::testing::exports_test {
namespace {

// ---- Finding 10: CSV formula injection ----

TEST_F(ReportingExportsTest, CsvExportsCarryFormulasAsText) {
  const World& w = *world_;
  std::vector<std::string> csvs;
  for (const rv1::ExportReportRequest& request :
       {AssessmentExport(w.round.at(kNamed).name()), RegionExport(), TrackerExport(P(kNamed)),
        TrackerExport(absl::StrCat("regions/", kRegion)),
        AnnualExport(w.round.at(kNamed).name())}) {
    absl::StatusOr<std::string> csv = Export(w.hub_admin, request, rv1::FORMAT_CSV);
    ASSERT_THAT(csv, IsOk());
    csvs.push_back(*csv);
  }
  // Every cell: never the start of a formula; the attacks there with a quote in front.
  std::set<std::string> cells;
  for (const std::string& csv : csvs) {
    for (const auto& record : ParseCsv(csv)) {
      for (const std::string& cell : record) {
        EXPECT_FALSE(reporting::CsvCellStartsFormula(cell)) << cell;
        cells.insert(cell);
      }
    }
  }
  EXPECT_TRUE(cells.contains("'" + kNamedPartnership));
  EXPECT_TRUE(cells.contains("'" + kOrganisationName));
  EXPECT_TRUE(cells.contains("'" + kActionDescription));
  EXPECT_FALSE(cells.contains(kActionDescription));

  // Over HTTP too.
  httplib::Result got = Get(w.hub_admin, absl::StrCat("/v1/partnerships/", kNamed,
                                                      "/actions?format=csv&as_of_date=", kAsOf,
                                                      "&min_sequence=", w.head));
  ASSERT_TRUE(got);
  ASSERT_EQ(got->status, 200) << got->body;
  bool found = false;
  for (const auto& record : ParseCsv(got->body)) {
    for (const std::string& cell : record) {
      EXPECT_FALSE(reporting::CsvCellStartsFormula(cell)) << cell;
      found |= cell == "'" + kActionDescription;
    }
  }
  EXPECT_TRUE(found) << got->body;
}

// ---- Finding 11: Markdown injection in the annual report section ----

TEST_F(ReportingExportsTest, AnnualSectionCarriesTitlesAndNamesAsText) {
  const World& w = *world_;
  rv1::AnnualReportSection section;
  ASSERT_THAT(Annual(w.member.at(kNamed), w.round.at(kNamed).name(), &section), IsOk());
  std::vector<std::pair<std::string, std::string>> outputs = {{"grpc", section.markdown()}};
  absl::StatusOr<std::string> markdown =
      Export(w.member.at(kNamed), AnnualExport(w.round.at(kNamed).name()), rv1::FORMAT_MARKDOWN);
  ASSERT_THAT(markdown, IsOk());
  outputs.push_back({"markdown", *markdown});
  // Plain text is not Markdown (issue 15): the words as they are, without backslash escapes,
  // and nothing a terminal would act on.
  absl::StatusOr<std::string> text =
      Export(w.member.at(kNamed), AnnualExport(w.round.at(kNamed).name()), rv1::FORMAT_TEXT);
  ASSERT_THAT(text, IsOk());
  EXPECT_THAT(*text, HasSubstr("onerror=alert(3)>"));
  EXPECT_THAT(*text, HasSubstr("[click](javascript:alert(4))"));
  EXPECT_THAT(*text, Not(HasSubstr("\\[")));
  for (char c : *text) {
    EXPECT_TRUE(c == '\n' || static_cast<unsigned char>(c) >= 0x20) << static_cast<int>(c);
  }
  for (const auto& [what, md] : outputs) {
    EXPECT_THAT(md, HasSubstr("onerror=alert(3)")) << what << ": the words are there";
    for (const char* raw : {"<img", "<script"}) {
      EXPECT_THAT(md, Not(HasSubstr(raw))) << what << ": " << raw;
    }
    for (const char* markup : {"[", "](", "]"}) {
      EXPECT_FALSE(HasUnescaped(md, markup)) << what << ": " << markup << " in\n" << md;
    }
  }
  // The HTML export of the section: nothing runs, nothing links.
  absl::StatusOr<std::string> html =
      Export(w.member.at(kNamed), AnnualExport(w.round.at(kNamed).name()), rv1::FORMAT_HTML);
  ASSERT_THAT(html, IsOk());
  KeepArtifact("annual-section.html", *html);
  EXPECT_THAT(*html, HasSubstr("&lt;img src=x onerror=alert(3)&gt;"));
  for (const char* tag : {"<img", "<script", "<a ", "href=", "javascript:alert(4)\""}) {
    EXPECT_THAT(*html, Not(HasSubstr(tag))) << tag;
  }
  // And over HTTP.
  httplib::Result got =
      Get(w.member.at(kNamed), absl::StrCat("/v1/", w.round.at(kNamed).name(),
                                            "/annual-report?format=md&min_sequence=", w.head));
  ASSERT_TRUE(got);
  ASSERT_EQ(got->status, 200) << got->body;
  EXPECT_THAT(got->body, Not(HasSubstr("<img")));
  EXPECT_FALSE(HasUnescaped(got->body, "](")) << got->body;
}

}  // namespace
}  // namespace sixsteps::testing::exports_test
