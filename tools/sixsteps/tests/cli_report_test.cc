// Drives the report commands in-process (RunCli) against a fake ReportingService: every
// report goes through ExportReport, to standard output or a private file.
#include "tools/sixsteps/tests/cli_assessment_fixture.h"

namespace sixsteps::cli {
namespace {

TEST_F(CliAssessmentTest, ReportsGoThroughExportReport) {
  Result text =
      Run({"report", "assessment", "a-1", "--min-sequence", "17", "--as-of", "2026-04-01"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_EQ(text.out, "Green: 24\nAmber: 0\nRed: 0\n");
  const rv1::ExportReportRequest& sent = reporting_.exports.at(0);
  EXPECT_EQ(sent.format(), rv1::FORMAT_TEXT);
  EXPECT_EQ(sent.assessment().assessment(), kRound);
  EXPECT_EQ(sent.assessment().min_sequence(), 17);
  EXPECT_EQ(sent.assessment().as_of_date(), "2026-04-01");
  EXPECT_THAT(addresses_, ElementsAre("127.0.0.1:50054"));

  ASSERT_EQ(
      Run({"report", "trend", "luton", "--kind", "self-assessment", "--format", "csv"}).exit_code,
      0);
  EXPECT_EQ(reporting_.exports.at(1).trend().partnership(), "partnerships/luton");
  EXPECT_EQ(reporting_.exports.at(1).trend().kind(), "self_assessment");
  ASSERT_EQ(Run({"report", "actions", "regions/east", "--format", "md"}).exit_code, 0);
  EXPECT_EQ(reporting_.exports.at(2).actions().scope(), "regions/east");
  EXPECT_EQ(reporting_.exports.at(2).format(), rv1::FORMAT_MARKDOWN);
  ASSERT_EQ(Run({"report", "actions", "luton"}).exit_code, 0);
  EXPECT_EQ(reporting_.exports.at(3).actions().scope(), "partnerships/luton");

  // XLSX: never to a terminal; to a file, byte for byte.
  size_t sent_so_far = reporting_.exports.size();
  Result refused =
      Run({"report", "region", "east", "--format", "xlsx"}, {}, /*out_is_terminal=*/true);
  EXPECT_EQ(refused.exit_code, 64);
  EXPECT_THAT(refused.err, HasSubstr("give --out FILE"));
  EXPECT_EQ(reporting_.exports.size(), sent_so_far);
  std::string path = (Dir() / "east.xlsx").string();
  Result written = Run({"report", "region", "east", "--format", "xlsx", "--out", path}, {}, true);
  ASSERT_EQ(written.exit_code, 0) << written.err;
  EXPECT_THAT(written.out, StartsWith("Wrote " + path));
  std::ifstream file(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  EXPECT_EQ(bytes, std::string("PK\x03\x04binary", 10));
  EXPECT_EQ(reporting_.exports.back().region().region(), "regions/east");
  // Issue #13 finding 19: exports are the owner's alone (0600), also over a file that an
  // earlier version left world-readable.
  using std::filesystem::perms;
  EXPECT_EQ(std::filesystem::status(path).permissions() & perms::all,
            perms::owner_read | perms::owner_write);
  std::filesystem::permissions(
      path, perms::owner_read | perms::owner_write | perms::group_read | perms::others_read);
  ASSERT_EQ(
      Run({"report", "region", "east", "--format", "xlsx", "--out", path}, {}, true).exit_code, 0);
  EXPECT_EQ(std::filesystem::status(path).permissions() & perms::all,
            perms::owner_read | perms::owner_write);

  Result fresh = Run({"report", "freshness"});
  ASSERT_EQ(fresh.exit_code, 0) << fresh.err;
  EXPECT_THAT(fresh.out, HasSubstr("up to sequence 42"));
  EXPECT_EQ(Run({"report", "assessment", "a-1", "--format", "odt"}).exit_code, 64);
  EXPECT_EQ(Run({"report", "annual", "a-1", "--as-of", "2026-01-01"}).exit_code, 64);
}

// ---- scrutiny cycle (H4): the scrutineer's report, JSON by default, PDF to a file ----
TEST_F(CliAssessmentTest, TheScrutineersReportGoesThroughExportReport) {
  ASSERT_EQ(Run({"report", "scrutineer", "a-1", "--version", "2"}).exit_code, 0);
  const rv1::ExportReportRequest& sent = reporting_.exports.at(0);
  EXPECT_EQ(sent.format(), rv1::FORMAT_JSON);
  EXPECT_EQ(sent.scrutineer().assessment(), kRound);
  EXPECT_EQ(sent.scrutineer().version(), 2);
  std::string path = (Dir() / "report.pdf").string();
  Result written = Run({"report", "scrutineer", "a-1", "--format", "pdf", "--out", path}, {}, true);
  ASSERT_EQ(written.exit_code, 0) << written.err;
  EXPECT_EQ(reporting_.exports.at(1).format(), rv1::FORMAT_PDF);
  EXPECT_EQ(reporting_.exports.at(1).scrutineer().version(), 0);
  EXPECT_EQ(Run({"report", "scrutineer", "a-1", "--version", "0"}).exit_code, 64);
}

}  // namespace
}  // namespace sixsteps::cli
