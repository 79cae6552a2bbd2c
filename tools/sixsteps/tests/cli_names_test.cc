#include <gtest/gtest.h>

#include "tests/support/status_matchers.h"
#include "tools/sixsteps/cli_status.h"
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

}  // namespace
}  // namespace sixsteps::cli
