// Checks the fixture of expected built-in texts against the source document itself, so
// that the service (compared with the fixture elsewhere) matches Pearce (2019) word for word.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "absl/strings/str_split.h"
#include "services/framework/domain.h"
#include "tests/support/fixtures.h"

namespace sixsteps::testing {
namespace {

// The lines of the source document, and each line split into its tab-separated cells.
class SourceDocumentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    source_ = SourceDocument();
    ASSERT_FALSE(source_.empty()) << "source document missing";
    for (absl::string_view line : absl::StrSplit(source_, '\n')) {
      lines_.emplace_back(line);
      std::vector<std::string> cells = absl::StrSplit(line, '\t');
      rows_.push_back(cells);
    }
    fixture_ = BuiltInFixture();
  }

  // True if `text` is one whole cell (or whole line) of the document.
  bool IsCell(const std::string& text) const {
    for (const auto& row : rows_) {
      for (const auto& cell : row) {
        if (cell == text) return true;
      }
    }
    return false;
  }

  // True if `text` is a cell split by the page break: the first part ends one row, the
  // second part is the cell in the same column of the next non-empty row, joined by a space.
  bool IsSplitCell(const std::string& text) const {
    for (size_t r = 0; r + 2 < rows_.size(); ++r) {
      size_t next = r + 1;
      while (next < rows_.size() && lines_[next].empty()) ++next;
      if (next >= rows_.size() || rows_[r].size() != 6 || rows_[next].size() != 6) continue;
      for (size_t c = 0; c < 6; ++c) {
        if (rows_[r][c] + " " + rows_[next][c] == text) return true;
      }
    }
    return false;
  }

  std::string source_;
  std::vector<std::string> lines_;
  std::vector<std::vector<std::string>> rows_;
  nlohmann::json fixture_;
};

TEST_F(SourceDocumentTest, FixtureHasSixStepsOfFourQuestionsAndEighteenContextQuestions) {
  ASSERT_EQ(fixture_["steps"].size(), 6u);
  std::set<std::string> ids;
  for (size_t s = 0; s < 6; ++s) {
    const auto& step = fixture_["steps"][s];
    EXPECT_EQ(step["id"], "s" + std::to_string(s + 1));
    ASSERT_EQ(step["questions"].size(), 4u);
    for (size_t q = 0; q < 4; ++q) {
      EXPECT_EQ(step["questions"][q]["id"],
                "s" + std::to_string(s + 1) + ".q" + std::to_string(q + 1));
      ids.insert(step["questions"][q]["text"].get<std::string>());
    }
  }
  EXPECT_EQ(ids.size(), 24u) << "24 distinct questions";
  ASSERT_EQ(fixture_["context_questions"].size(), 18u);
}

TEST_F(SourceDocumentTest, StepTitlesAreTheFirstRowOfTheGrid) {
  const std::vector<std::string>* title_row = nullptr;
  for (const auto& row : rows_) {
    if (row.size() == 6 && row[0].rfind("The three core partner leads", 0) == 0) title_row = &row;
  }
  ASSERT_NE(title_row, nullptr);
  for (size_t s = 0; s < 6; ++s) {
    EXPECT_EQ(fixture_["steps"][s]["title"].get<std::string>(), (*title_row)[s]);
  }
}

TEST_F(SourceDocumentTest, EveryQuestionIsACellOfTheGridInItsColumn) {
  for (size_t s = 0; s < 6; ++s) {
    for (size_t q = 0; q < 4; ++q) {
      std::string text = fixture_["steps"][s]["questions"][q]["text"];
      bool found = q == 1 ? IsSplitCell(text) : IsCell(text);
      EXPECT_TRUE(found) << "s" << s + 1 << ".q" << q + 1 << " not in the source: " << text;
      // And in the right column: the cell's index in its row is the step's index.
      if (q != 1) {
        bool in_column = false;
        for (const auto& row : rows_) {
          if (row.size() == 6 && row[s] == text) in_column = true;
        }
        EXPECT_TRUE(in_column) << text;
      }
    }
  }
}

TEST_F(SourceDocumentTest, RatingDefinitionsAndGuidanceAreSectionFive) {
  EXPECT_TRUE(IsCell("Green: " + fixture_["rating_definitions"]["green"].get<std::string>()));
  EXPECT_TRUE(IsCell("Amber: " + fixture_["rating_definitions"]["amber"].get<std::string>()));
  EXPECT_TRUE(IsCell("Red: " + fixture_["rating_definitions"]["red"].get<std::string>()));
  EXPECT_TRUE(IsCell(fixture_["action_plan_guidance"].get<std::string>()));
}

TEST_F(SourceDocumentTest, ContextQuestionsAreSectionSixInOrder) {
  size_t position = source_.find("Section Six: Context questions");
  ASSERT_NE(position, std::string::npos);
  for (const auto& question : fixture_["context_questions"]) {
    std::string text = question["text"];
    // Each question is a whole line, followed by the tab of the empty answer column.
    size_t found = source_.find("\n" + text + "\t", position);
    ASSERT_NE(found, std::string::npos) << text;
    position = found + text.size();
  }
}

TEST_F(SourceDocumentTest, AttributionLineIsQuotedInSectionsOneAndFive) {
  std::string attribution = fixture_["attribution"];
  EXPECT_EQ(attribution, framework::kAttribution);
  std::string quoted = "please reference as: '" + attribution + "'.";
  size_t first = source_.find(quoted);
  ASSERT_NE(first, std::string::npos);
  EXPECT_NE(source_.find(quoted, first + 1), std::string::npos) << "quoted twice";
}

}  // namespace
}  // namespace sixsteps::testing
