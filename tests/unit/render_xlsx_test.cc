// Rendering as XLSX, read back with unzip (render_test_support.h has the helpers).
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
#include <gtest/gtest.h>

#include "tests/support/report_samples.h"
#include "tests/support/status_matchers.h"
#include "tests/unit/render_test_support.h"

namespace sixsteps::reporting {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

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

}  // namespace
}  // namespace sixsteps::reporting
