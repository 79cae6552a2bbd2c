// Templates: {{placeholder}} parsing with precise errors, escaping, and an operator's
// directory replacing the built-in texts.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "services/notification/templates.h"
#include "tests/support/status_matchers.h"

namespace sixsteps::notification {
namespace {

using ::sixsteps::testing::IsOk;
using ::sixsteps::testing::StatusIs;

using ::testing::HasSubstr;
using ::testing::Not;

TEST(NotificationTemplatesTest, FillsHolesAndKeepsTheRest) {
  absl::StatusOr<Template> t = Template::Parse("Hi {{ recipient_name }}, {{days}} days.", "t");
  ASSERT_THAT(t, IsOk());
  EXPECT_EQ(t->Render({{"recipient_name", "Jo"}, {"days", "3"}}, false), "Hi Jo, 3 days.");
  EXPECT_EQ(t->Render({}, false), "Hi ,  days.");
}

TEST(NotificationTemplatesTest, HtmlEscapesValuesNotTheTemplate) {
  absl::StatusOr<Template> t = Template::Parse("<b>{{challenge_text}}</b>", "t");
  ASSERT_THAT(t, IsOk());
  EXPECT_EQ(t->Render({{"challenge_text", "<script>x & 'y'</script>"}}, true),
            "<b>&lt;script&gt;x &amp; &#39;y&#39;&lt;/script&gt;</b>");
}

TEST(NotificationTemplatesTest, RefusesWhatDoesNotParseSayingWhere) {
  EXPECT_THAT(Template::Parse("line one\nsee {{due_date", "x.txt").status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "x.txt: line 2, column 5: '{{' is not closed by '}}' on the same line"));
  EXPECT_THAT(Template::Parse("{{ }}", "x.txt").status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "x.txt: line 1, column 1: an empty placeholder '{{}}'"));
  EXPECT_THAT(Template::Parse("ok\n\n  {{pizza}}", "x.txt").status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "x.txt: line 3, column 3: unknown placeholder {{pizza}}"));
  EXPECT_THAT(Template::Parse("a }} b", "x.txt").status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "x.txt: line 1, column 3: '}}' without an opening '{{'"));
}

TEST(NotificationTemplatesTest, EveryRuleHasBuiltInTextsAndTheSubjectIsOneLine) {
  absl::StatusOr<TemplateSet> set = TemplateSet::Load("");
  ASSERT_THAT(set, IsOk());
  for (const RuleInfo& rule : Rules()) {
    Notice notice;
    notice.rule = std::string(rule.name);
    notice.fields = {{"partnership_name", "P\r\nBcc: evil@example.org"}, {"recipient_name", "Jo"}};
    absl::StatusOr<Composed> composed = set->Compose(notice);
    ASSERT_THAT(composed, IsOk()) << rule.name;
    EXPECT_THAT(composed->subject, Not(HasSubstr("\n"))) << rule.name;
    EXPECT_THAT(composed->subject, Not(HasSubstr("\r"))) << rule.name;
    EXPECT_THAT(composed->text, HasSubstr("Dear Jo")) << rule.name;
    EXPECT_THAT(composed->html, HasSubstr("<html>")) << rule.name;
  }
  Notice unknown;
  unknown.rule = "pizza_delivered";
  EXPECT_THAT(set->Compose(unknown).status(), StatusIs(absl::StatusCode::kInvalidArgument));
}

class NotificationTemplateDirectoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("notification-templates-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
  }
  std::filesystem::path dir_;
};

TEST_F(NotificationTemplateDirectoryTest, AFileReplacesItsBuiltInText) {
  Write("action_overdue.subject", "OVERDUE since {{due_date}}");
  absl::StatusOr<TemplateSet> set = TemplateSet::Load(dir_.string());
  ASSERT_THAT(set, IsOk());
  Notice notice;
  notice.rule = "action_overdue";
  notice.fields = {{"due_date", "2026-05-20"}};
  absl::StatusOr<Composed> composed = set->Compose(notice);
  ASSERT_THAT(composed, IsOk());
  EXPECT_EQ(composed->subject, "OVERDUE since 2026-05-20");
  EXPECT_THAT(composed->text, HasSubstr("was due on 2026-05-20"));  // still built in
}

TEST_F(NotificationTemplateDirectoryTest, AFileThatDoesNotParseIsRefusedNamingIt) {
  Write("challenge_raised.html", "<p>{{challenge_text}</p>");
  EXPECT_THAT(
      TemplateSet::Load(dir_.string()).status(),
      StatusIs(absl::StatusCode::kInvalidArgument, (dir_ / "challenge_raised.html").string() +
                                                       ": line 1, column 4: '{{' is not closed"));
}

TEST(NotificationTemplatesTest, AMissingDirectoryIsNotFound) {
  EXPECT_THAT(TemplateSet::Load("/nonexistent/templates").status(),
              StatusIs(absl::StatusCode::kNotFound));
}

}  // namespace
}  // namespace sixsteps::notification
