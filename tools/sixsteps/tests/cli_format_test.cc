#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/status_matchers.h"
#include "tools/sixsteps/framework_format.h"
#include "tools/sixsteps/json.h"

namespace sixsteps::cli {
namespace {

using ::sixsteps::testing::IsOk;
using ::sixsteps::testing::StatusIs;
using ::testing::HasSubstr;

v1::FrameworkVersion Sample() {
  v1::FrameworkVersion version;
  version.set_name("frameworks/x/versions/1");
  version.set_state(v1::FrameworkVersion::STATE_DRAFT);
  version.set_title("Six Steps: adapted");
  v1::Step* step = version.add_steps();
  step->set_id("s1");
  step->set_title("Leads are involved");
  step->add_questions()->set_id("s1.q1");
  // Long enough that any wrapping or truncation would show.
  step->mutable_questions(0)->set_text(
      "Have the three partners agreed a process for developing, reviewing and funding a child "
      "centred strategic safeguarding children plan: identifying agreed desired outcomes in line "
      "with national guidelines and recent research findings, including contextual "
      "safeguarding?");
  step->add_questions()->set_id("s1.q2");
  step->mutable_questions(1)->set_text("Are 'Six Steps' reviewed?");
  v1::RatingDefinition* green = version.add_rating_definitions();
  green->set_rating(v1::RATING_GREEN);
  green->set_definition("a positive affirmation");
  v1::RatingDefinition* red = version.add_rating_definitions();
  red->set_rating(v1::RATING_RED);
  red->set_definition("not possible to confirm");
  version.set_action_plan_guidance("Any response will still require an action plan.");
  version.add_context_questions()->set_id("c1");
  version.mutable_context_questions(0)->set_text("Who employs the scrutineer?");
  version.set_source_citation("Pearce, J (2019)");
  version.set_attribution("Adapted from Pearce, J (2019)");
  version.set_derived_from("frameworks/six-steps/versions/2019");
  version.set_etag("e1");
  return version;
}

TEST(FormatVersionTest, PrintsTheWholeTreeInFull) {
  EXPECT_EQ(FormatVersion(Sample()),
            "Six Steps: adapted\n"
            "\n"
            "Step s1: Leads are involved\n"
            "  s1.q1  Have the three partners agreed a process for developing, reviewing and "
            "funding a child centred strategic safeguarding children plan: identifying agreed "
            "desired outcomes in line with national guidelines and recent research findings, "
            "including contextual safeguarding?\n"
            "  s1.q2  Are 'Six Steps' reviewed?\n"
            "\n"
            "Green: a positive affirmation\n"
            "Red: not possible to confirm\n"
            "\n"
            "Action plan: Any response will still require an action plan.\n"
            "\n"
            "Context questions\n"
            "  c1  Who employs the scrutineer?\n"
            "\n"
            "Source: Pearce, J (2019)\n"
            "Attribution: Adapted from Pearce, J (2019)\n"
            "Derived from: frameworks/six-steps/versions/2019\n"
            "Version: frameworks/x/versions/1\n"
            "State: draft\n"
            "Etag: e1\n");
}

TEST(FormatVersionTest, LeavesOutEmptyOptionalParts) {
  v1::FrameworkVersion version = Sample();
  version.clear_attribution();
  version.clear_derived_from();
  version.clear_context_questions();
  std::string text = FormatVersion(version);
  EXPECT_THAT(text, ::testing::Not(HasSubstr("Attribution")));
  EXPECT_THAT(text, ::testing::Not(HasSubstr("Derived from")));
  EXPECT_THAT(text, ::testing::Not(HasSubstr("Context questions")));
}

TEST(FormatVersionTest, Summary) {
  EXPECT_EQ(FormatVersionSummary(Sample()),
            "Version: frameworks/x/versions/1\n"
            "State: draft\n"
            "Title: Six Steps: adapted\n"
            "Content: 1 steps, 2 questions, 1 context questions\n"
            "Etag: e1\n");
}

TEST(FormatListTest, FrameworksAlignInColumns) {
  v1::Framework built_in;
  built_in.set_name("frameworks/six-steps");
  built_in.set_display_name("Six Steps for Independent Scrutiny");
  built_in.set_built_in(true);
  built_in.set_latest_published_version("frameworks/six-steps/versions/2019");
  v1::Framework adapted;
  adapted.set_name("frameworks/luton");
  adapted.set_display_name("Luton Six Steps");
  adapted.set_region("luton");
  adapted.set_derived_from("frameworks/six-steps/versions/2019");
  EXPECT_EQ(FormatFrameworkList({built_in, adapted}),
            "ID         NAME                                OWNER         PUBLISHED  DERIVED FROM\n"
            "six-steps  Six Steps for Independent Scrutiny  built-in      2019       -\n"
            "luton      Luton Six Steps                     region luton  -          "
            "six-steps/2019\n");
}

TEST(FormatListTest, Versions) {
  v1::FrameworkVersion version = Sample();
  version.mutable_create_time()->set_seconds(1700000000);
  EXPECT_EQ(FormatVersionList({version}),
            "VERSION  STATE  CREATED               PUBLISHED  TITLE\n"
            "x/1      draft  2023-11-14T22:13:20Z  -          Six Steps: adapted\n");
}

v1::FrameworkChange Change(v1::FrameworkChange::Kind kind, v1::FrameworkChange::Item item,
                           std::string id, std::string step_id, std::string old_text,
                           std::string new_text) {
  v1::FrameworkChange change;
  change.set_kind(kind);
  change.set_item(item);
  change.set_id(id);
  change.set_step_id(step_id);
  change.set_old_text(old_text);
  change.set_new_text(new_text);
  return change;
}

TEST(FormatChangeTest, OneLinePerKind) {
  using C = v1::FrameworkChange;
  const struct {
    v1::FrameworkChange change;
    const char* line;
  } kCases[] = {
      {Change(C::KIND_ADDED, C::ITEM_QUESTION, "s2.q5", "s2", "", "New?"),
       "+ question s2.q5 (step s2): New?"},
      {Change(C::KIND_REMOVED, C::ITEM_STEP, "s3", "", "Old step", ""), "- step s3: Old step"},
      {Change(C::KIND_REWORDED, C::ITEM_QUESTION, "s1.q2", "s1", "Old?", "New?"),
       "~ question s1.q2: Old? -> New?"},
      {Change(C::KIND_MOVED, C::ITEM_QUESTION, "s1.q3", "s2", "Q?", "Q?"),
       "> question s1.q3 moved to step s2"},
      {Change(C::KIND_MOVED, C::ITEM_STEP, "s4", "", "T", "T"), "> step s4 moved"},
      {Change(C::KIND_ADDED, C::ITEM_CONTEXT_QUESTION, "c19", "", "", "Why?"),
       "+ context question c19: Why?"},
  };
  for (const auto& c : kCases) EXPECT_EQ(FormatChange(c.change), c.line);
  EXPECT_EQ(FormatChanges(v1::DiffFrameworkVersionsResponse()), "no changes\n");
}

TEST(JsonTest, UsesProtoFieldNamesAndLeavesOutDefaults) {
  absl::StatusOr<std::string> json = ToJson(Sample());
  ASSERT_THAT(json, IsOk());
  EXPECT_THAT(*json, HasSubstr("\"action_plan_guidance\": "));
  EXPECT_THAT(*json, HasSubstr("\"state\": \"STATE_DRAFT\""));
  EXPECT_THAT(*json, HasSubstr("\"rating\": \"RATING_GREEN\""));
  EXPECT_THAT(*json, ::testing::Not(HasSubstr("create_time")));
  EXPECT_EQ(json->back(), '\n');
  EXPECT_NE(json->substr(json->size() - 2), "\n\n");
}

TEST(JsonTest, RoundTripIsByteIdentical) {
  v1::FrameworkDocument document;
  document.set_format("sixsteps.framework.v1.FrameworkDocument");
  document.set_framework_id("x");
  document.set_title("T");
  *document.mutable_steps() = Sample().steps();
  *document.mutable_rating_definitions() = Sample().rating_definitions();
  document.set_attribution("Adapted from \"Pearce\" — 2019");
  absl::StatusOr<std::string> first = ToJson(document);
  ASSERT_THAT(first, IsOk());
  v1::FrameworkDocument parsed;
  ASSERT_THAT(FromJson(*first, parsed), IsOk());
  EXPECT_EQ(*ToJson(parsed), *first);
}

TEST(JsonTest, RejectsUnknownFields) {
  v1::FrameworkDocument document;
  EXPECT_THAT(FromJson(R"({"title": "T", "titel": "typo"})", document),
              StatusIs(absl::StatusCode::kInvalidArgument, "titel"));
  EXPECT_THAT(FromJson("{not json", document), StatusIs(absl::StatusCode::kInvalidArgument));
  // Both the proto name and the lowerCamel JSON name are accepted.
  EXPECT_THAT(FromJson(R"({"framework_id": "a", "displayName": "b"})", document), IsOk());
  EXPECT_EQ(document.display_name(), "b");
}

}  // namespace
}  // namespace sixsteps::cli
