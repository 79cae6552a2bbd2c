// Report 5, the annual report section, over gRPC on the shared world (reporting_fixture.h).
#include <gmock/gmock.h>
#include <grpcpp/client_context.h>
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "services/reporting/render.h"
#include "services/reporting/render_escape.h"
#include "tests/integration/reporting_fixture.h"

namespace sixsteps::testing::reporting_fixture {
namespace {

// ---- Report 5: the annual report section ----

TEST_F(ReportingTest, AnnualReportSectionSummarisesTheRound) {
  const World& w = *world_;
  rv1::AnnualReportSection section;
  ASSERT_THAT(Annual(w.partnership_admin.at(kP1), w.p1_first.name(), &section), IsOk());
  rv1::AssessmentReport report;
  ASSERT_THAT(Report(w.partnership_admin.at(kP1), w.p1_first.name(), &report), IsOk());
  EXPECT_EQ(section.assessment(), w.p1_first.name());
  EXPECT_EQ(section.partnership_name(), "Partnership tyneside");
  ExpectFresh(section.freshness());
  // The built-in framework's source citation (Pearce 2019).
  EXPECT_THAT(section.attribution(),
              HasSubstr("Pearce, J (2019) *Six Steps for Independent Scrutiny"));
  EXPECT_EQ(section.attribution(), report.attribution());
  const std::string& md = section.markdown();
  EXPECT_THAT(md, HasSubstr("Partnership tyneside"));
  EXPECT_THAT(md, HasSubstr("Of 24 questions, 8 were rated Green, 8 Amber and 8 Red"));
  EXPECT_THAT(md, HasSubstr("| Step | Red | Amber | Green | Open actions | Overdue |"));
  // One row per step with its counts; the annual section is not judged "as of" a chosen
  // date, so only the rating columns are checked.
  for (int step = 1; step <= 6; ++step) {
    rv1::RatingCounts c = StepCounts(kP1First, step);
    EXPECT_THAT(
        md, HasSubstr(absl::StrCat("| ", reporting::MarkdownText(Step(report, step).title()), " | ",
                                   c.red(), " | ", c.amber(), " | ", c.green(), " | ")))
        << step;
  }
  // Red questions are listed.
  EXPECT_THAT(md, HasSubstr("- s1.q4: "));
  EXPECT_THAT(md, HasSubstr("- s5.q1: "));
  // The attribution line closes it (as Markdown text: its asterisks escaped).
  EXPECT_TRUE(
      absl::EndsWith(md, absl::StrCat(reporting::MarkdownText(section.attribution()), "\n")))
      << md;
}

}  // namespace
}  // namespace sixsteps::testing::reporting_fixture
