// Rendering as HTML, Markdown, plain text and JSON (render_test_support.h has the helpers).
#include "services/reporting/render.h"

#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include "absl/strings/str_split.h"
#include "tests/support/paths.h"
#include "tests/support/report_samples.h"
#include "tests/support/status_matchers.h"
#include "tests/unit/render_test_support.h"

namespace sixsteps::reporting {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

size_t Count(const std::string& haystack, const std::string& needle) {
  size_t n = 0;
  for (size_t pos = haystack.find(needle); pos != std::string::npos;
       pos = haystack.find(needle, pos + 1))
    ++n;
  return n;
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

}  // namespace
}  // namespace sixsteps::reporting
