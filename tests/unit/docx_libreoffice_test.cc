// The DOCX read back by a real word processor: LibreOffice (headless) converts each report's
// DOCX to PDF, and pdftotext finds every expected text in it. Registered only when CMake
// found soffice at configure time (tests/CMakeLists.txt), so it is never skipped: where
// LibreOffice is not installed, the test does not exist.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/reporting/document.h"
#include "services/reporting/render.h"
#include "tests/support/collapse.h"
#include "tests/support/report_samples.h"
#include "tests/support/shell.h"
#include "tests/support/status_matchers.h"

#ifndef SIXSTEPS_SOFFICE
#error "SIXSTEPS_SOFFICE names the soffice program found at configure time"
#endif

namespace sixsteps::reporting {
namespace {

using ::sixsteps::testing::Collapse;
using ::sixsteps::testing::IsOk;
using ::sixsteps::testing::Shell;
using ::testing::HasSubstr;

class DocxLibreOffice : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / absl::StrCat("docx-soffice-", getpid());
    std::filesystem::create_directories(dir_ / "profile");
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  // The text of the PDF LibreOffice makes of `docx`.
  std::string ConvertedText(const std::string& name, const std::string& docx) {
    std::filesystem::path in = dir_ / (name + ".docx");
    std::ofstream(in, std::ios::binary) << docx;
    // A profile of its own, so a LibreOffice the user has open does not take the job.
    Shell(absl::StrCat(SIXSTEPS_SOFFICE, " -env:UserInstallation=file://",
                       (dir_ / "profile").string(), " --headless --convert-to pdf --outdir ",
                       dir_.string(), " ", in.string(), " >/dev/null 2>&1"));
    std::filesystem::path pdf = dir_ / (name + ".pdf");
    EXPECT_TRUE(std::filesystem::exists(pdf)) << "LibreOffice made no PDF of " << name;
    return Collapse(Shell(absl::StrCat("pdftotext -enc UTF-8 ", pdf.string(), " -")));
  }

  std::filesystem::path dir_;
};

TEST_F(DocxLibreOffice, AssessmentReportOpensWithEveryText) {
  absl::StatusOr<Rendered> docx = Render(testing::SampleAssessmentReport(), v1::FORMAT_DOCX);
  ASSERT_THAT(docx, IsOk());
  std::string text = ConvertedText("assessment", docx->content);
  for (const std::string expected :
       {"Independent scrutiny 2024", "Summary", "Grid", "Action plan", "What the ratings mean",
        "G Green", "A Amber", "R Red", "- Not rated", testing::kTrickyLabel,
        "Is <script>alert(\"x\")</script> data shared & used", "Adapted from Pearce, J (2019)"}) {
    EXPECT_THAT(text, HasSubstr(Collapse(expected))) << expected;
  }
  EXPECT_THAT(text, HasSubstr("Page 1 of"));
}

TEST_F(DocxLibreOffice, EveryReportOpens) {
  struct Case {
    std::string name;
    absl::StatusOr<Rendered> docx;
    std::string expected;
  };
  Case cases[] = {
      {"trend", Render(testing::SamplePartnershipTrend(), v1::FORMAT_DOCX), "Improved"},
      {"region", Render(testing::SampleRegionalOverview(), v1::FORMAT_DOCX), "R Red 1.00"},
      {"tracker", Render(testing::SampleActionTracker(), v1::FORMAT_DOCX), "! Overdue 30 days"},
      {"annual", Render(testing::SampleAnnualReportSection(), v1::FORMAT_DOCX),
       "The partnership rated 1 Green, 1 Amber and 1 Red."},
  };
  for (Case& c : cases) {
    ASSERT_THAT(c.docx, IsOk()) << c.name;
    EXPECT_THAT(ConvertedText(c.name, c.docx->content), HasSubstr(c.expected)) << c.name;
  }
}

}  // namespace
}  // namespace sixsteps::reporting
