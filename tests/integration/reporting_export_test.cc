// ExportReport over gRPC on the shared world (reporting_fixture.h): every report in every
// format, read back (CSV parsed, JSON compared with the report).
#include <gmock/gmock.h>
#include <google/protobuf/util/json_util.h>
#include <grpcpp/client_context.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "services/base/enum_text.h"
#include "tests/integration/reporting_fixture.h"
#include "tests/support/report_requests.h"

namespace sixsteps::testing::reporting_fixture {
namespace {

// ---- Exports ----

TEST_F(ReportingTest, ExportsTheAssessmentReportInEveryFormat) {
  const World& w = *world_;
  const rv1::ExportReportRequest request = AssessmentReportExport(w.p1_first.name(), w.head, kAsOf);
  const std::string& token = w.viewer.at(kP1);

  rv1::ExportReportResponse json;
  ASSERT_THAT(Export(token, request, rv1::FORMAT_JSON, &json), IsOk());
  EXPECT_THAT(json.content_type(), HasSubstr("json"));
  EXPECT_TRUE(absl::EndsWith(json.filename(), ".json")) << json.filename();
  rv1::AssessmentReport parsed;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(json.content(), &parsed).ok());
  EXPECT_EQ(parsed.assessment(), w.p1_first.name());
  EXPECT_THAT(parsed.counts(), EqualsProto(Counts(8, 8, 8)));
  EXPECT_THAT(parsed.divergent_questions(), ElementsAre("s1.q1", "s2.q2", "s3.q3", "s5.q4"));
  EXPECT_THAT(parsed.actions(), EqualsProto(Actions(5, 2, 1)));
  EXPECT_GE(parsed.freshness().sequence(), w.head);
  // The typed enum fields, in protobuf's JSON mapping (the value's full name, as its parsers
  // read it back): the HTTP endpoint sends the same JSON.
  EXPECT_EQ(parsed.round_kind(), asv1::ASSESSMENT_KIND_INDEPENDENT_SCRUTINY);
  EXPECT_EQ(parsed.round_state(), asv1::Assessment::STATE_FINALISED);
  EXPECT_THAT(json.content(), HasSubstr("\"round_state\": \"STATE_FINALISED\""));

  rv1::ExportReportResponse csv;
  ASSERT_THAT(Export(token, request, rv1::FORMAT_CSV, &csv), IsOk());
  EXPECT_THAT(csv.content_type(), HasSubstr("text/csv"));
  EXPECT_TRUE(absl::EndsWith(csv.filename(), ".csv")) << csv.filename();
  std::vector<std::vector<std::string>> records = ParseCsv(csv.content());
  ASSERT_THAT(records, SizeIs(25));  // a header and one row per question
  const std::vector<std::string>& header = records[0];
  auto column = [&](const std::string& name) -> size_t {
    return static_cast<size_t>(std::find(header.begin(), header.end(), name) - header.begin());
  };
  ASSERT_LT(column("question_id"), header.size());
  ASSERT_LT(column("consolidated_rating"), header.size());
  for (const std::string& org : kOrgs) {
    EXPECT_LT(column(absl::StrCat("Organisation ", org)), header.size()) << org;
  }
  for (int i = 0; i < 24; ++i) {
    const std::vector<std::string>& row = records[i + 1];
    ASSERT_EQ(row.size(), header.size()) << i;
    EXPECT_EQ(row[column("question_id")], QuestionId(i));
    const char* names[] = {"Red", "Amber", "Green"};
    char letter = kP1First.consolidated[i];
    EXPECT_EQ(row[column("consolidated_rating")], names[letter == 'R'   ? 0
                                                        : letter == 'A' ? 1
                                                                        : 2])
        << QuestionId(i);
    EXPECT_EQ(row[column("Organisation police")],
              names[kP1First.RatingOf("police", i) == 'R'   ? 0
                    : kP1First.RatingOf("police", i) == 'A' ? 1
                                                            : 2])
        << QuestionId(i);
  }

  rv1::ExportReportResponse html;
  ASSERT_THAT(Export(token, request, rv1::FORMAT_HTML, &html), IsOk());
  EXPECT_THAT(html.content_type(), HasSubstr("text/html"));
  EXPECT_THAT(html.content(), HasSubstr("<html"));
  EXPECT_THAT(html.content(), HasSubstr("Partnership tyneside"));
  // The grid shows the letter of every rating, not only its colour.
  for (const char* letter : {"R", "A", "G"}) {
    EXPECT_THAT(html.content(), HasSubstr(absl::StrCat("class=\"letter\">", letter, "<")))
        << letter;
  }

  rv1::ExportReportResponse markdown;
  ASSERT_THAT(Export(token, request, rv1::FORMAT_MARKDOWN, &markdown), IsOk());
  EXPECT_THAT(markdown.content(), HasSubstr("s1.q1"));
  EXPECT_THAT(markdown.content(), HasSubstr("Pearce"));

  rv1::ExportReportResponse xlsx;
  ASSERT_THAT(Export(token, request, rv1::FORMAT_XLSX, &xlsx), IsOk());
  EXPECT_TRUE(absl::EndsWith(xlsx.filename(), ".xlsx")) << xlsx.filename();
  ASSERT_GE(xlsx.content().size(), 4u);
  EXPECT_EQ(xlsx.content().substr(0, 2), "PK");

  rv1::ExportReportResponse pdf;
  ASSERT_THAT(Export(token, request, rv1::FORMAT_PDF, &pdf), IsOk());
  EXPECT_TRUE(absl::EndsWith(pdf.filename(), ".pdf")) << pdf.filename();
  EXPECT_EQ(pdf.content_type(), "application/pdf");
  EXPECT_EQ(pdf.content().substr(0, 5), "%PDF-");

  rv1::ExportReportResponse docx;
  ASSERT_THAT(Export(token, request, rv1::FORMAT_DOCX, &docx), IsOk());
  EXPECT_TRUE(absl::EndsWith(docx.filename(), ".docx")) << docx.filename();
  EXPECT_EQ(docx.content_type(),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document");
  EXPECT_EQ(docx.content().substr(0, 2), "PK");

  rv1::ExportReportResponse text;
  ASSERT_THAT(Export(token, request, rv1::FORMAT_TEXT, &text), IsOk());
  EXPECT_THAT(text.content(), HasSubstr("G Green"));
  EXPECT_THAT(text.content(), HasSubstr("R Red"));

  rv1::ExportReportResponse refused;
  EXPECT_THAT(Export(token, request, rv1::FORMAT_UNSPECIFIED, &refused),
              StatusIs(Code::kInvalidArgument));
}

TEST_F(ReportingTest, ExportsEveryOtherReport) {
  const World& w = *world_;
  std::vector<std::pair<std::string, rv1::ExportReportRequest>> requests(4);
  requests[0].first = "trend";
  requests[0].second.mutable_trend()->set_partnership(P(kP1));
  requests[0].second.mutable_trend()->set_min_sequence(w.head);
  requests[1].first = "region";
  requests[1].second.mutable_region()->set_region("regions/north");
  requests[1].second.mutable_region()->set_as_of_date(kAsOf);
  requests[2].first = "actions";
  requests[2].second.mutable_actions()->set_scope(P(kP1));
  requests[2].second.mutable_actions()->set_as_of_date(kAsOf);
  requests[3].first = "annual";
  requests[3].second.mutable_annual()->set_assessment(w.p1_first.name());
  for (const auto& [what, request] : requests) {
    for (rv1::Format format :
         {rv1::FORMAT_JSON, rv1::FORMAT_CSV, rv1::FORMAT_HTML, rv1::FORMAT_MARKDOWN,
          rv1::FORMAT_XLSX, rv1::FORMAT_TEXT, rv1::FORMAT_PDF, rv1::FORMAT_DOCX}) {
      rv1::ExportReportResponse exported;
      ASSERT_THAT(Export(w.hub_admin, request, format, &exported), IsOk()) << what << " " << format;
      EXPECT_FALSE(exported.content().empty()) << what << " " << format;
      EXPECT_FALSE(exported.filename().empty()) << what << " " << format;
      if (format == rv1::FORMAT_XLSX || format == rv1::FORMAT_DOCX) {
        EXPECT_EQ(exported.content().substr(0, 2), "PK") << what;
      }
      if (format == rv1::FORMAT_PDF) {
        EXPECT_EQ(exported.content().substr(0, 5), "%PDF-") << what;
        EXPECT_EQ(exported.content_type(), "application/pdf") << what;
      }
      if (format == rv1::FORMAT_JSON) {
        nlohmann::json parsed = nlohmann::json::parse(exported.content(), nullptr, false);
        EXPECT_FALSE(parsed.is_discarded()) << what;
      }
    }
  }
  // The tracker's JSON: every action line has its typed status, and the released text (now
  // deprecated) is still that status's full name.
  rv1::ExportReportResponse tracker_json;
  ASSERT_THAT(Export(w.hub_admin, requests[2].second, rv1::FORMAT_JSON, &tracker_json), IsOk());
  rv1::ActionTracker tracker;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(tracker_json.content(), &tracker).ok());
  int lines = 0;
  for (const rv1::ActionGroup& group : tracker.by_step()) {
    for (const rv1::ActionLine& line : group.actions()) {
      ++lines;
      EXPECT_THAT(EnumText(line.action_status()), ::testing::AnyOf("planned", "in_progress"))
          << line.action();
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
      EXPECT_EQ(line.status(), acv1::Action::Status_Name(line.action_status())) << line.action();
#pragma GCC diagnostic pop
    }
  }
  EXPECT_GT(lines, 0);
  // The trend as CSV: one row per question; the tracker: one row per action.
  rv1::ExportReportResponse trend;
  ASSERT_THAT(Export(w.hub_admin, requests[0].second, rv1::FORMAT_CSV, &trend), IsOk());
  EXPECT_THAT(ParseCsv(trend.content()), SizeIs(25));
  rv1::ExportReportResponse region;
  ASSERT_THAT(Export(w.hub_admin, requests[1].second, rv1::FORMAT_CSV, &region), IsOk());
  EXPECT_THAT(ParseCsv(region.content()), SizeIs(3));
}

}  // namespace
}  // namespace sixsteps::testing::reporting_fixture
