#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/status_matchers.h"
#include "tools/sixsteps/assessment_names.h"
#include "tools/sixsteps/cli_status.h"
#include "tools/sixsteps/enum_words.h"
#include "tools/sixsteps/framework_names.h"

namespace sixsteps::cli {
namespace {

using ::sixsteps::testing::IsOk;

TEST(FrameworkNamesTest, ExpandsShortForms) {
  absl::StatusOr<FrameworkRef> framework = ExpandFrameworkOrVersion("six-steps");
  ASSERT_THAT(framework, IsOk());
  EXPECT_EQ(framework->kind, FrameworkRef::Kind::kFramework);
  EXPECT_EQ(framework->name, "frameworks/six-steps");

  absl::StatusOr<FrameworkRef> version = ExpandFrameworkOrVersion("six-steps/2019");
  ASSERT_THAT(version, IsOk());
  EXPECT_EQ(version->kind, FrameworkRef::Kind::kVersion);
  EXPECT_EQ(version->name, "frameworks/six-steps/versions/2019");
}

TEST(FrameworkNamesTest, KeepsFullNames) {
  EXPECT_EQ(ExpandFrameworkOrVersion("frameworks/luton")->name, "frameworks/luton");
  EXPECT_EQ(ExpandFrameworkOrVersion("frameworks/luton")->kind, FrameworkRef::Kind::kFramework);
  EXPECT_EQ(ExpandFrameworkOrVersion("frameworks/luton/versions/1.2")->name,
            "frameworks/luton/versions/1.2");
  EXPECT_EQ(ExpandFrameworkOrVersion("frameworks/luton/versions/1.2")->kind,
            FrameworkRef::Kind::kVersion);
}

TEST(FrameworkNamesTest, RejectsOtherShapesAsUsageErrors) {
  for (const char* bad : {"", "/", "a/", "/b", "a/b/c", "frameworks/a/b/c",
                          "frameworks/a/revisions/1", "frameworks/a/versions/", "a//b"}) {
    absl::StatusOr<FrameworkRef> ref = ExpandFrameworkOrVersion(bad);
    EXPECT_FALSE(ref.ok()) << bad;
    EXPECT_TRUE(IsUsageError(ref.status())) << bad;
  }
}

TEST(FrameworkNamesTest, FrameworkOnlyAndVersionOnly) {
  EXPECT_EQ(*ExpandFrameworkName("x"), "frameworks/x");
  EXPECT_TRUE(IsUsageError(ExpandFrameworkName("x/1").status()));
  EXPECT_EQ(*ExpandVersionName("x/1"), "frameworks/x/versions/1");
  EXPECT_TRUE(IsUsageError(ExpandVersionName("frameworks/x").status()));
  EXPECT_TRUE(IsUsageError(ExpandVersionName("x").status()));
}

TEST(FrameworkNamesTest, ShortNamesForDisplay) {
  EXPECT_EQ(ShortVersionName("frameworks/x/versions/1"), "x/1");
  EXPECT_EQ(ShortVersionName(""), "");
  EXPECT_EQ(ShortFrameworkName("frameworks/x"), "x");
  EXPECT_EQ(VersionIdOf("frameworks/x/versions/2019"), "2019");
}

namespace asv1 = ::sixsteps::assessment::v1;
namespace acv1 = ::sixsteps::action::v1;

TEST(EnumWordsTest, TheRoundKindIsSpelledAsItsEnumValueAndTheOldSpellingsStillWork) {
  EXPECT_EQ(AssessmentKindWord(asv1::ASSESSMENT_KIND_WIDER_PARTNER_ASSESSMENT),
            "wider_partner_assessment");
  EXPECT_EQ(AssessmentKindWord(asv1::ASSESSMENT_KIND_INDEPENDENT_SCRUTINY), "independent_scrutiny");
  EXPECT_EQ(TrendKindKey(asv1::ASSESSMENT_KIND_UNSPECIFIED), "independent_scrutiny");
  for (const char* spelling : {"wider_partner_assessment", "WIDER-PARTNER-ASSESSMENT",
                               "ASSESSMENT_KIND_WIDER_PARTNER_ASSESSMENT", "wider-partners"}) {
    EXPECT_EQ(*ParseAssessmentKind(spelling), asv1::ASSESSMENT_KIND_WIDER_PARTNER_ASSESSMENT)
        << spelling;
  }
  EXPECT_EQ(*ParseAssessmentKind("self-assessment"), asv1::ASSESSMENT_KIND_SELF_ASSESSMENT);
  absl::StatusOr<asv1::AssessmentKind> unknown = ParseAssessmentKind("unspecified");
  EXPECT_TRUE(IsUsageError(unknown.status()));
  EXPECT_EQ(unknown.status().message(),
            "unknown assessment kind 'unspecified': expected independent_scrutiny, "
            "self_assessment or wider_partner_assessment");
}

TEST(EnumWordsTest, ParsingIgnoresCaseAndHyphensAndNeverMatchesTheZeroValue) {
  const auto* kinds = asv1::AssessmentKind_descriptor();
  EXPECT_EQ(EnumPrefix(kinds), "ASSESSMENT_KIND_");
  EXPECT_EQ(ParseEnumWord(kinds, "Self_Assessment"), asv1::ASSESSMENT_KIND_SELF_ASSESSMENT);
  EXPECT_EQ(ParseEnumWord(kinds, "unspecified"), std::nullopt);
  EXPECT_EQ(ParseEnumWord(kinds, "selfassessment"), std::nullopt);
  EXPECT_EQ(EnumWord(kinds->FindValueByNumber(asv1::ASSESSMENT_KIND_SELF_ASSESSMENT)),
            "self_assessment");
  EXPECT_EQ(EnumWord(kinds->FindValueByNumber(asv1::ASSESSMENT_KIND_UNSPECIFIED)), "-");
  // A nested enum's prefix is its own name's (Action.Status: STATUS_), and the message
  // names the enum in words.
  EXPECT_EQ(WordOf(acv1::Action::STATUS_CARRIED_OVER), "carried_over");
  EXPECT_EQ(ParseEnum<acv1::Action::Status>("later").status().message(),
            "unknown status 'later': expected planned, in_progress, done, cancelled or "
            "carried_over");
}

}  // namespace
}  // namespace sixsteps::cli
