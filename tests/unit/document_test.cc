// The document model and its writers: each report builds its document once; the PDF is read
// back with pdftotext (poppler) and one page rasterised with pdftoppm; the DOCX is read back
// with python-docx (tests/tools/read_docx.py), neither of them our code.
#include "services/reporting/document.h"

#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "services/reporting/render.h"
#include "services/reporting/render_internal.h"
#include "services/reporting/write_docx_parts.h"
#include "tests/support/collapse.h"
#include "tests/support/paths.h"
#include "tests/support/report_samples.h"
#include "tests/support/shell.h"
#include "tests/support/status_matchers.h"

namespace sixsteps::reporting::doc {
namespace {

using ::sixsteps::testing::Collapse;
using ::sixsteps::testing::Shell;
using ::sixsteps::testing::SourceDir;

// Where the rendered documents are kept for a human to look at: <build>/tests/artifacts.
std::string ArtifactsDir() {
  return (::sixsteps::testing::BuildDir() / "tests" / "artifacts").string();
}

using ::sixsteps::testing::IsOk;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

// A private directory for the files the readers open.
class Files {
 public:
  Files() {
    std::string pattern = (std::filesystem::temp_directory_path() / "doc-test-XXXXXX").string();
    dir_ = mkdtemp(pattern.data()) != nullptr ? pattern : "";
  }
  ~Files() {
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }
  // Saves `bytes` here, and a copy under the build's artifacts directory for people to look
  // at (named after the running test).
  std::string Save(const std::string& name, const std::string& bytes) {
    std::string path = absl::StrCat(dir_, "/", name);
    std::ofstream(path, std::ios::binary) << bytes;
    const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
    std::error_code ec;
    std::filesystem::create_directories(ArtifactsDir(), ec);
    std::ofstream(
        absl::StrCat(ArtifactsDir(), "/", test->test_suite_name(), ".", test->name(), "-", name),
        std::ios::binary)
        << bytes;
    return path;
  }
  std::string Path(const std::string& name) const { return absl::StrCat(dir_, "/", name); }

 private:
  std::string dir_;
};

// The PDF's pages as pdftotext reads them.
std::vector<std::string> PdfPages(Files& files, const std::string& pdf,
                                  const std::string& name = "report.pdf") {
  std::string path = files.Save(name, pdf);
  std::string text = Shell(absl::StrCat("pdftotext -raw -enc UTF-8 ", path, " -"));
  std::vector<std::string> pages = absl::StrSplit(text, '\f');
  if (!pages.empty() && Collapse(pages.back()).empty()) pages.pop_back();
  return pages;
}

std::string Pdf(const Document& d) {
  absl::StatusOr<std::string> bytes = PdfBytes(d);
  EXPECT_THAT(bytes, IsOk());
  return bytes.ok() ? *bytes : "";
}

// A round long enough for several pages: six steps of eight questions with long texts.
v1::AssessmentReport LongReport() {
  v1::AssessmentReport r = testing::SampleAssessmentReport();
  for (int s = 3; s <= 6; ++s) {
    auto* step = r.add_steps();
    step->set_step_id(absl::StrCat("step-", s));
    step->set_title(absl::StrCat("Step ", s, " of the framework, with a long title to wrap"));
    for (int q = 1; q <= 8; ++q) {
      auto* row = step->add_questions();
      row->set_question_id(absl::StrCat(s, "q", q));
      row->set_text(absl::StrCat("Question ", q, " of step ", s,
                                 ": is there evidence that the partnership listens to children "
                                 "and families and acts on what they say?"));
      row->set_consolidated_rating(static_cast<Rating>(q % 4));
      row->set_rationale(std::string(300, 'x').replace(0, 20, "A long rationale so "));
      auto* who = row->add_respondent_ratings();
      who->set_respondent("assessments/a-0123456789abcdef/respondents/r-1");
      who->set_label(testing::kTrickyLabel);
      who->set_rating(static_cast<Rating>((q + 1) % 4));
    }
  }
  return r;
}

// ---- The model ----

TEST(DocumentModel, AssessmentReportSections) {
  Document d = BuildDocument(testing::SampleAssessmentReport());
  EXPECT_EQ(d.title, "Independent scrutiny 2024");
  EXPECT_EQ(d.subtitle, "Sunderland Safeguarding Children Partnership");
  EXPECT_EQ(d.attribution, testing::kAttribution);
  std::vector<std::string> headings;
  for (const auto& s : d.sections) headings.push_back(s.heading);
  EXPECT_THAT(
      headings,
      ::testing::ElementsAre(
          "Summary", "Grid", "Counts per step", "Gaps", "Ratings by respondent", "Action plan",
          "step-1: The three core partner leads are actively involved in strategic "
          "planning",
          "step-2: Appropriate quality assurance procedures are in place for data",
          "What the ratings mean"));
  // Every rating cell carries its letter and its name.
  int rating_cells = 0;
  for (const auto& s : d.sections)
    for (const auto& b : s.blocks)
      if (const auto* t = std::get_if<Table>(&b))
        for (const auto& row : t->rows)
          for (const auto& cell : row)
            if (cell.kind == Cell::Kind::kRating) {
              ++rating_cells;
              EXPECT_THAT(cell.text, StartsWith(absl::StrCat(RatingLetter(cell.rating), " ",
                                                             RatingName(cell.rating))));
            }
  EXPECT_GT(rating_cells, 20);
}

TEST(DocumentModel, CellKinds) {
  EXPECT_EQ(RatingCell(framework::v1::RATING_AMBER, "(2)").text, "A Amber (2)");
  EXPECT_EQ(RatingCell(framework::v1::RATING_UNSPECIFIED).text, "- Not rated");
  EXPECT_EQ(Number(12).text, "12");
  EXPECT_EQ(Number(12).kind, Cell::Kind::kNumber);
  EXPECT_EQ(Status("Overdue 3 days", true).text, "! Overdue 3 days");
  EXPECT_EQ(Status("open").text, "open");
  EXPECT_EQ(Date("2024-05-01").kind, Cell::Kind::kDate);
}

// A document (and so the CLI's text) shows a round's kind and state and an action's status
// from the typed fields, as words: the enums' one spelling (services/base/enum_text.h) with spaces.
TEST(DocumentModel, EnumValuesShowTheirOneSpelling) {
  v1::AssessmentReport report = testing::SampleAssessmentReport();
  report.set_round_kind(assessment::v1::ASSESSMENT_KIND_WIDER_PARTNER_ASSESSMENT);
  report.set_round_state(assessment::v1::Assessment::STATE_IN_REVIEW);
  Document d = BuildDocument(report);
  using Fact = std::pair<std::string, std::string>;
  EXPECT_THAT(d.facts.items, ::testing::Contains(Fact("Kind", "wider partner assessment")));
  EXPECT_THAT(d.facts.items, ::testing::Contains(Fact("State", "in review")));
  absl::StatusOr<Rendered> text = Render(testing::SampleActionTracker(), v1::FORMAT_TEXT);
  ASSERT_THAT(text, IsOk());
  EXPECT_THAT(text->content, HasSubstr("in progress"));
  EXPECT_THAT(text->content, ::testing::Not(HasSubstr("STATUS_IN_PROGRESS")));
  // The data table (CSV) keeps the value's full name, as it did.
  absl::StatusOr<Rendered> csv = Render(testing::SampleActionTracker(), v1::FORMAT_CSV);
  ASSERT_THAT(csv, IsOk());
  EXPECT_THAT(csv->content, HasSubstr(",STATUS_IN_PROGRESS,"));
}

TEST(DocumentModel, AnnualMarkdownBecomesBlocks) {
  Document d = BuildDocument(testing::SampleAnnualReportSection());
  ASSERT_EQ(d.sections.size(), 1u);
  EXPECT_EQ(d.sections[0].heading, "Independent scrutiny 2024");
  ASSERT_EQ(d.sections[0].blocks.size(), 3u);
  const auto& p = std::get<Paragraph>(d.sections[0].blocks[0]);
  std::string text;
  bool bold_green = false, italic_amber = false;
  for (const doc::Run& r : p.runs) {
    text += r.text;
    bold_green |= r.bold && r.text == "1 Green";
    italic_amber |= r.italic && r.text == "1 Amber";
  }
  EXPECT_TRUE(bold_green);
  EXPECT_TRUE(italic_amber);
  // Markup in the text is text.
  EXPECT_THAT(text, HasSubstr("<script>x</script>"));
  EXPECT_EQ(std::get<List>(d.sections[0].blocks[1]).items.size(), 2u);
  const auto& table = std::get<Table>(d.sections[0].blocks[2]);
  EXPECT_THAT(table.header, ::testing::ElementsAre("Step", "R", "A", "G"));
  ASSERT_EQ(table.rows.size(), 1u);
  EXPECT_EQ(table.rows[0][0].text, "Step 1");
  // The attribution is not in the Markdown, so writers add it.
  EXPECT_FALSE(d.attribution_in_body);
}

TEST(DocumentModel, EscapedMarkdownReadsAsText) {
  Document d;
  AppendMarkdown(&d, "Plain \\*not emphasis\\* &lt;b&gt; &amp; `code`");
  const auto& runs = std::get<Paragraph>(d.sections[0].blocks[0]).runs;
  std::string text;
  for (const doc::Run& r : runs) text += r.text;
  EXPECT_EQ(text, "Plain *not emphasis* <b> & code");
  EXPECT_TRUE(runs.back().code);
}

TEST(DocumentModel, TrendHasAChartPerStep) {
  Document d = BuildDocument(testing::SamplePartnershipTrend());
  const Chart* chart = nullptr;
  for (const auto& s : d.sections)
    for (const auto& b : s.blocks)
      if (const auto* c = std::get_if<Chart>(&b)) chart = c;
  ASSERT_NE(chart, nullptr);
  EXPECT_THAT(chart->categories, ::testing::ElementsAre("2023-03-31", "2024-03-31"));
  ASSERT_EQ(chart->series.size(), 1u);
  EXPECT_EQ(chart->series[0].name, "step-1: Strategic planning");
  EXPECT_EQ(chart->series[0].counts[0][0], 1);  // Red in 2023
  EXPECT_EQ(chart->series[0].counts[1][2], 1);  // Green in 2024
}

TEST(DocumentModel, XmlTextEscapesAndDropsControlCharacters) {
  EXPECT_EQ(docx::XmlText("a\x01<b>&\"'\tc"), "a&lt;b&gt;&amp;&quot;&#39;\tc");
}

// ---- The chart in HTML ----

// The chart saved as `name` and read by a real XML parser (so it must be well-formed): what
// the Python statement `print_statement` prints of the parsed document `d`.
std::string ParsedSvg(Files& files, const std::string& name, const std::string& svg,
                      const std::string& print_statement) {
  std::string path = files.Save(name, svg);
  return Shell(absl::StrCat(
      "/usr/bin/python3 -c 'import sys, xml.dom.minidom as m; d = m.parse(sys.argv[1]); ",
      print_statement, "' ", path));
}

TEST(ChartSvg, TrendHtmlDrawsLetteredSmallMultiples) {
  Files files;
  v1::PartnershipTrend trend = testing::SamplePartnershipTrend();
  trend.mutable_steps(0)->set_title("Data <script>&");
  std::string svg = render_internal::ChartSvg(TrendChart(trend));
  // Well-formed XML, read by a real parser, with the step's title as text.
  std::string parsed = ParsedSvg(files, "chart.svg", svg,
                                 "print(len(d.getElementsByTagName(\"rect\")), "
                                 "d.getElementsByTagName(\"text\")[0].firstChild.data)");
  EXPECT_THAT(parsed, HasSubstr("step-1: Data <script>&"));
  EXPECT_THAT(svg, HasSubstr(">R1</text>"));
  EXPECT_THAT(svg, HasSubstr(">G1</text>"));
  EXPECT_THAT(svg, HasSubstr("url(#red-hatch)"));
  EXPECT_THAT(svg, HasSubstr(">2023-03-31</text>"));
  absl::StatusOr<Rendered> html = Render(trend, v1::FORMAT_HTML);
  ASSERT_THAT(html, IsOk());
  EXPECT_THAT(html->content, HasSubstr("<h2>Ratings across rounds</h2>"));
  EXPECT_THAT(html->content, HasSubstr(svg));
  // No data, no chart.
  EXPECT_EQ(render_internal::ChartSvg(TrendChart(v1::PartnershipTrend())), "");
}

TEST(CountChartSvg, DrawsACountedBarPerDateAndKeepsTheTable) {
  Files files;
  CountChart chart;
  chart.title = "Overdue actions <by> partner";
  chart.categories = {"2025-06-30", "2025-09-30"};
  chart.series = {{"Police & \"co\"", {3, 0}}, {"Health", {1, 2}}};
  std::string svg = render_internal::CountChartSvg(chart);
  // Well-formed XML, read by a real parser, with the partner's name as text.
  std::string parsed = ParsedSvg(files, "count_chart.svg", svg,
                                 "s = d.getElementsByTagName(\"svg\")[0]; "
                                 "print(s.getAttribute(\"role\"), s.getAttribute(\"aria-label\"), "
                                 "d.getElementsByTagName(\"text\")[0].firstChild.data)");
  EXPECT_THAT(parsed, HasSubstr("img Overdue actions <by> partner: 2 panels"));
  EXPECT_THAT(parsed, HasSubstr("Police & \"co\""));
  // Every count is written, a zero too, so nobody needs the bar's height or colour.
  for (const char* count : {">3</text>", ">0</text>", ">1</text>", ">2</text>"})
    EXPECT_THAT(svg, HasSubstr(count));
  EXPECT_THAT(svg, HasSubstr(">2025-09-30</text>"));
  EXPECT_THAT(svg, HasSubstr("url(#count-hatch)"));

  Document d;
  AddSection(&d, "Overdue actions").blocks.push_back(chart);
  std::string html;
  ASSERT_THAT(WriteHtml(d,
                        [&](const char* data, size_t size) {
                          html.append(data, size);
                          return true;
                        }),
              IsOk());
  files.Save("count_chart.html", html);
  EXPECT_THAT(html, HasSubstr(svg));
  // The same counts as a table after the picture, for screen readers and for copying.
  EXPECT_THAT(html, HasSubstr("<th>2025-06-30</th>"));
  EXPECT_THAT(html, HasSubstr("<td><strong>Police &amp; &quot;co&quot;</strong></td>"));
  EXPECT_LT(html.find("<svg"), html.find("<table>"));
  EXPECT_EQ(render_internal::CountChartSvg(CountChart()), "");
}

// ---- PDF, read back by poppler ----

TEST(PdfWriter, AssessmentReportReadsBack) {
  Files files;
  std::string pdf = Pdf(BuildDocument(testing::SampleAssessmentReport()));
  ASSERT_THAT(pdf, StartsWith("%PDF-"));
  std::vector<std::string> pages = PdfPages(files, pdf);
  ASSERT_FALSE(pages.empty());
  std::string all;
  for (const auto& p : pages) absl::StrAppend(&all, Collapse(p), " ");
  for (const char* expected : {"Independent scrutiny 2024",
                               "Sunderland Safeguarding Children Partnership",
                               "Summary",
                               "Grid",
                               "Counts per step",
                               "Gaps",
                               "Ratings by respondent",
                               "Action plan",
                               "What the ratings mean",
                               "R Red",
                               "A Amber",
                               "G Green",
                               "- Not rated",
                               "Rationale for 1a",
                               "Work for 2a",
                               "Questions missing evidence",
                               "Reflects the assessment feed up to change 42",
                               "Sørensen",
                               testing::kScriptQuestion,
                               testing::kAttribution}) {
    EXPECT_THAT(all, HasSubstr(Collapse(expected))) << expected;
  }
  // Two pages need no contents.
  EXPECT_LT(pages.size(), static_cast<size_t>(kContentsMinPages));
  EXPECT_THAT(all, Not(HasSubstr("Contents")));
  for (size_t i = 0; i < pages.size(); ++i) {
    EXPECT_THAT(Collapse(pages[i]), HasSubstr(absl::StrCat("Page ", i + 1, " of ", pages.size())));
    // The attribution is in every page's footer.
    EXPECT_THAT(Collapse(pages[i]), HasSubstr("Adapted from Pearce, J (2019)")) << i;
  }
}

TEST(PdfWriter, LongReportHasContentsAndRepeatsTableHeaders) {
  Files files;
  Document d = BuildDocument(LongReport());
  ASSERT_GT(d.sections.size(), kDocxContentsSections);
  std::vector<std::string> pages = PdfPages(files, Pdf(d));
  ASSERT_GE(pages.size(), 3u);
  EXPECT_THAT(Collapse(pages[0]), HasSubstr("Contents"));
  // The contents give each section's page, and that page carries the heading.
  int checked = 0;
  for (const auto& line : absl::StrSplit(pages[0], '\n')) {
    std::string l = Collapse(std::string(line));
    if (!absl::StartsWith(l, "Action plan")) continue;
    size_t space = l.rfind(' ');
    int page = std::atoi(l.substr(space + 1).c_str());
    ASSERT_GT(page, 0) << l;
    ASSERT_LE(page, static_cast<int>(pages.size()));
    EXPECT_THAT(Collapse(pages[page - 1]), HasSubstr("Action plan"));
    ++checked;
  }
  EXPECT_EQ(checked, 1);
  // The respondents' table runs over a page break with its header repeated.
  int pages_with_header = 0;
  for (const auto& p : pages)
    if (absl::StrContains(Collapse(p), "Question Consolidated Café")) ++pages_with_header;
  EXPECT_GE(pages_with_header, 2);
  for (size_t i = 0; i < pages.size(); ++i)
    EXPECT_THAT(Collapse(pages[i]), HasSubstr(absl::StrCat("Page ", i + 1, " of ", pages.size())));
}

TEST(PdfWriter, PageRasterisesWithRatingColours) {
  Files files;
  std::string path = files.Save("grid.pdf", Pdf(BuildDocument(testing::SampleAssessmentReport())));
  Shell(absl::StrCat("pdftoppm -r 40 -f 1 -l 1 ", path, " ", files.Path("page")));
  std::string ppm_path;
  for (const auto& entry : std::filesystem::directory_iterator(files.Path("")))
    if (absl::EndsWith(entry.path().string(), ".ppm")) ppm_path = entry.path().string();
  ASSERT_FALSE(ppm_path.empty());
  std::ifstream in(ppm_path, std::ios::binary);
  std::string magic;
  int width = 0, height = 0, max = 0;
  in >> magic >> width >> height >> max;
  in.get();
  ASSERT_EQ(magic, "P6");
  std::string pixels(static_cast<size_t>(width) * height * 3, '\0');
  in.read(pixels.data(), static_cast<std::streamsize>(pixels.size()));
  int red = 0, green = 0, amber = 0;
  for (size_t i = 0; i + 2 < pixels.size(); i += 3) {
    int r = static_cast<unsigned char>(pixels[i]), g = static_cast<unsigned char>(pixels[i + 1]),
        b = static_cast<unsigned char>(pixels[i + 2]);
    red += r > 150 && g < 60 && b < 60;
    green += r < 60 && g > 70 && g < 120 && b < 60;
    amber += r > 230 && g > 160 && g < 210 && b < 40;
  }
  EXPECT_GT(red, 20);
  EXPECT_GT(green, 20);
  EXPECT_GT(amber, 20);
}

TEST(PdfWriter, EveryDocumentReadsBack) {
  Files files;
  auto text_of = [&](const Document& d, const std::string& name) {
    std::string all;
    for (const auto& p : PdfPages(files, Pdf(d), name)) absl::StrAppend(&all, Collapse(p), " ");
    return all;
  };
  std::string tracker = text_of(BuildDocument(testing::SampleActionTracker()), "tracker.pdf");
  EXPECT_THAT(tracker, HasSubstr("Action tracker: partnerships/sunderland"));
  EXPECT_THAT(tracker, HasSubstr("! Overdue 30 days"));
  EXPECT_THAT(tracker, HasSubstr("Agree the plan, with <b>children</b>, \"quickly\""));
  EXPECT_THAT(tracker, HasSubstr("Northumbria Police"));
  std::string trend = text_of(BuildDocument(testing::SamplePartnershipTrend()), "trend.pdf");
  EXPECT_THAT(trend, HasSubstr("Ratings across rounds"));
  EXPECT_THAT(trend, HasSubstr("R1"));  // the chart's lettered segments
  EXPECT_THAT(trend, HasSubstr("G1"));
  EXPECT_THAT(trend, HasSubstr("Improved"));
  std::string annual = text_of(BuildDocument(testing::SampleAnnualReportSection()), "annual.pdf");
  EXPECT_THAT(annual, HasSubstr("The partnership rated 1 Green, 1 Amber and 1 Red."));
  EXPECT_THAT(annual, HasSubstr("Step 1: strong"));
  EXPECT_THAT(annual, HasSubstr(Collapse(testing::kAttribution)));
  std::string region = text_of(BuildDocument(testing::SampleRegionalOverview()), "region.pdf");
  EXPECT_THAT(region, HasSubstr("R Red 1.00"));
  EXPECT_THAT(region, HasSubstr("Partnership B"));
}

TEST(PdfWriter, StreamsAHundredPagesAsTheyAreDrawn) {
  Files files;
  Document d;
  d.title = "A long tracker";
  Table table{{"Action", "Due", "Status"}, {}};
  for (int i = 0; i < 4000; ++i)
    table.rows.push_back({Text(absl::StrCat("Action ", i)), Date("2024-05-01"), Status("open")});
  AddSection(&d, "Actions").blocks.push_back(std::move(table));
  std::string bytes;
  int calls = 0;
  ASSERT_THAT(WritePdf(d,
                       [&](const char* data, size_t size) {
                         ++calls;
                         bytes.append(data, size);
                         return true;
                       }),
              IsOk());
  std::string info = Shell(absl::StrCat("pdfinfo ", files.Save("long.pdf", bytes)));
  int pages = 0;
  for (absl::string_view line : absl::StrSplit(info, '\n'))
    if (absl::ConsumePrefix(&line, "Pages:")) pages = std::atoi(std::string(line).c_str());
  EXPECT_GE(pages, 80);
  // The writer hands the bytes over page by page, not as one buffer at the end.
  EXPECT_GT(calls, pages);
}

TEST(PdfWriter, StopsWhenTheSinkRefuses) {
  Document d = BuildDocument(testing::SampleAssessmentReport());
  EXPECT_FALSE(WritePdf(d, [](const char*, size_t) { return false; }).ok());
}

// ---- DOCX, read back by python-docx ----

std::vector<std::string> DocxLines(Files& files, const std::string& docx) {
  std::string path = files.Save("report.docx", docx);
  std::string out = Shell(
      absl::StrCat("/usr/bin/python3 ", SourceDir().string(), "/tests/tools/read_docx.py ", path));
  return absl::StrSplit(out, '\n', absl::SkipEmpty());
}

TEST(DocxWriter, AssessmentReportReadsBack) {
  Files files;
  absl::StatusOr<std::string> docx = WriteDocx(BuildDocument(LongReport()));
  ASSERT_THAT(docx, IsOk());
  std::vector<std::string> lines = DocxLines(files, *docx);
  EXPECT_THAT(lines, Contains("C title|Independent scrutiny 2024"));
  EXPECT_THAT(lines, Contains("P Title|Independent scrutiny 2024"));
  EXPECT_THAT(lines, Contains("P Heading 1|Summary"));
  EXPECT_THAT(lines, Contains("P Heading 1|Action plan"));
  EXPECT_THAT(lines, Contains("P Heading 2|step-2: Appropriate quality assurance procedures are "
                              "in place for data"));
  EXPECT_THAT(lines, Contains("P TOC Heading|Contents"));
  EXPECT_THAT(lines, Contains("H 0|yes"));
  EXPECT_THAT(lines, Contains("T 0 1 0|B71C1C|b|R Red (1)"));
  EXPECT_THAT(lines, Contains("T 0 1 2|1B5E20|b|G Green (1)"));
  EXPECT_THAT(lines, Contains("T 0 1 3|FFFFFF|b|- Not rated (1)"));
  EXPECT_THAT(lines, Contains(absl::StrCat("F ", testing::kAttribution)));
  EXPECT_THAT(lines, Contains("F Page {PAGE} of {NUMPAGES}"));
  std::string all = absl::StrJoin(lines, "\n");
  EXPECT_THAT(all, HasSubstr(testing::kScriptQuestion));
  EXPECT_THAT(all, HasSubstr(testing::kTrickyLabel));
  EXPECT_THAT(all, HasSubstr("P Fact|Partnership: Sunderland Safeguarding Children Partnership"));
}

TEST(DocxWriter, HostileTextStaysText) {
  Files files;
  Document d;
  d.title = "]]></w:t></w:r><w:r><w:t>injected & \x01";
  AddSection(&d, "<w:p>").blocks.push_back(Table{{"<h>"}, {{Text("</w:tc>&amp;")}}});
  absl::StatusOr<std::string> docx = WriteDocx(d);
  ASSERT_THAT(docx, IsOk());
  std::vector<std::string> lines = DocxLines(files, *docx);
  EXPECT_THAT(lines, Contains("P Title|]]></w:t></w:r><w:r><w:t>injected & "));
  EXPECT_THAT(lines, Contains("P Heading 1|<w:p>"));
  EXPECT_THAT(lines, Contains("T 0 1 0|-|-|</w:tc>&amp;"));
  // A short document has no contents field.
  EXPECT_THAT(lines, Not(Contains("P TOC Heading|Contents")));
}

TEST(DocxWriter, TrackerAndAnnualReadBack) {
  Files files;
  std::vector<std::string> tracker =
      DocxLines(files, *WriteDocx(BuildDocument(testing::SampleActionTracker())));
  EXPECT_THAT(tracker, Contains("P Heading 2|Northumbria Police"));
  EXPECT_THAT(tracker, Contains(::testing::HasSubstr("|-|b|! Overdue 30 days")));
  std::vector<std::string> annual =
      DocxLines(files, *WriteDocx(BuildDocument(testing::SampleAnnualReportSection())));
  EXPECT_THAT(annual, Contains("P Heading 1|Independent scrutiny 2024"));
  EXPECT_THAT(annual, Contains("P List Paragraph|•\tStep 1: strong"));
  EXPECT_THAT(annual, Contains(absl::StrCat("P Note|", testing::kAttribution)));
}

}  // namespace
}  // namespace sixsteps::reporting::doc
