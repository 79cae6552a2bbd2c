#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/status_matchers.h"
#include "tools/sixsteps/cli_status.h"
#include "tools/sixsteps/framework_edit.h"

namespace sixsteps::cli {
namespace {

using ::sixsteps::testing::IsOk;
using ::sixsteps::testing::StatusIs;
using ::testing::ElementsAre;

// s1 (s1.q1, s1.q2), s2 (s2.q1), context c1, c2.
v1::FrameworkVersion Sample() {
  v1::FrameworkVersion version;
  version.set_name("frameworks/x/versions/1");
  version.set_title("Sample");
  v1::Step* s1 = version.add_steps();
  s1->set_id("s1");
  s1->set_title("Step one");
  s1->add_questions()->set_id("s1.q1");
  s1->mutable_questions(0)->set_text("Q one one?");
  s1->add_questions()->set_id("s1.q2");
  s1->mutable_questions(1)->set_text("Q one two?");
  v1::Step* s2 = version.add_steps();
  s2->set_id("s2");
  s2->set_title("Step two");
  s2->add_questions()->set_id("s2.q1");
  s2->mutable_questions(0)->set_text("Q two one?");
  version.add_context_questions()->set_id("c1");
  version.mutable_context_questions(0)->set_text("C one?");
  version.add_context_questions()->set_id("c2");
  version.mutable_context_questions(1)->set_text("C two?");
  return version;
}

std::vector<std::string> StepIds(const v1::FrameworkVersion& version) {
  std::vector<std::string> ids;
  for (const v1::Step& step : version.steps()) ids.push_back(step.id());
  return ids;
}

std::vector<std::string> QuestionIds(const v1::Step& step) {
  std::vector<std::string> ids;
  for (const v1::Question& question : step.questions()) ids.push_back(question.id());
  return ids;
}

std::vector<std::string> ContextIds(const v1::FrameworkVersion& version) {
  std::vector<std::string> ids;
  for (const v1::ContextQuestion& question : version.context_questions())
    ids.push_back(question.id());
  return ids;
}

TEST(FrameworkEditTest, SetTitle) {
  v1::FrameworkVersion version = Sample();
  absl::StatusOr<EditResult> edit = SetTitle(version, "New title");
  ASSERT_THAT(edit, IsOk());
  EXPECT_EQ(edit->field, "title");
  EXPECT_EQ(version.title(), "New title");
  EXPECT_TRUE(IsUsageError(SetTitle(version, "  ").status()));
}

TEST(FrameworkEditTest, AddStepAppendsWithEmptyIdsForTheServiceToAssign) {
  v1::FrameworkVersion version = Sample();
  absl::StatusOr<EditResult> edit =
      AddStep(version, NewStep{.title = "Step three", .questions = {"A?", "B?"}});
  ASSERT_THAT(edit, IsOk());
  EXPECT_EQ(edit->field, "steps");
  ASSERT_EQ(version.steps_size(), 3);
  const v1::Step& added = version.steps(2);
  EXPECT_EQ(added.id(), "");
  EXPECT_EQ(added.title(), "Step three");
  ASSERT_EQ(added.questions_size(), 2);
  EXPECT_EQ(added.questions(0).id(), "");
  EXPECT_EQ(added.questions(1).text(), "B?");

  // The service's answer names the new step; the description shows its id.
  v1::FrameworkVersion updated = version;
  updated.mutable_steps(2)->set_id("s3");
  EXPECT_EQ(DescribeEdit(*edit, updated), "added step s3: Step three");
}

TEST(FrameworkEditTest, AddStepAtAPositionWithAnId) {
  v1::FrameworkVersion version = Sample();
  ASSERT_THAT(
      AddStep(version, NewStep{.id = "s0", .title = "First", .questions = {"Q?"}, .position = 1}),
      IsOk());
  EXPECT_THAT(StepIds(version), ElementsAre("s0", "s1", "s2"));
}

TEST(FrameworkEditTest, AddStepErrors) {
  v1::FrameworkVersion version = Sample();
  EXPECT_TRUE(IsUsageError(AddStep(version, NewStep{.title = "T"}).status()));
  EXPECT_TRUE(IsUsageError(AddStep(version, NewStep{.title = "", .questions = {"Q?"}}).status()));
  EXPECT_TRUE(IsUsageError(AddStep(version, NewStep{.title = "T", .questions = {""}}).status()));
  EXPECT_THAT(AddStep(version, NewStep{.title = "T", .questions = {"Q?"}, .position = 4}),
              StatusIs(absl::StatusCode::kOutOfRange));
  EXPECT_THAT(AddStep(version, NewStep{.id = "s1.q2", .title = "T", .questions = {"Q?"}}),
              StatusIs(absl::StatusCode::kAlreadyExists, "s1.q2"));
  // Nothing changed by a failed edit.
  EXPECT_THAT(StepIds(version), ElementsAre("s1", "s2"));
}

TEST(FrameworkEditTest, RemoveStep) {
  v1::FrameworkVersion version = Sample();
  absl::StatusOr<EditResult> edit = RemoveStep(version, "s1");
  ASSERT_THAT(edit, IsOk());
  EXPECT_EQ(edit->description, "removed step s1: Step one");
  EXPECT_THAT(StepIds(version), ElementsAre("s2"));
  EXPECT_THAT(RemoveStep(version, "s9"),
              StatusIs(absl::StatusCode::kNotFound, "no step 's9' in frameworks/x/versions/1"));
}

TEST(FrameworkEditTest, RewordStep) {
  v1::FrameworkVersion version = Sample();
  ASSERT_THAT(RewordStep(version, "s2", "Step 2 reworded"), IsOk());
  EXPECT_EQ(version.steps(1).title(), "Step 2 reworded");
  EXPECT_EQ(version.steps(1).id(), "s2");
  EXPECT_THAT(RewordStep(version, "s1.q1", "x"), StatusIs(absl::StatusCode::kNotFound));
}

TEST(FrameworkEditTest, MoveStepIsOneBased) {
  v1::FrameworkVersion version = Sample();
  AddStep(version, NewStep{.id = "s3", .title = "Three", .questions = {"Q?"}}).IgnoreError();
  ASSERT_THAT(MoveStep(version, "s3", 1), IsOk());
  EXPECT_THAT(StepIds(version), ElementsAre("s3", "s1", "s2"));
  ASSERT_THAT(MoveStep(version, "s3", 3), IsOk());
  EXPECT_THAT(StepIds(version), ElementsAre("s1", "s2", "s3"));
  ASSERT_THAT(MoveStep(version, "s2", 2), IsOk());
  EXPECT_THAT(StepIds(version), ElementsAre("s1", "s2", "s3"));
  EXPECT_THAT(MoveStep(version, "s2", 4), StatusIs(absl::StatusCode::kOutOfRange));
  // Questions travel with their step.
  EXPECT_THAT(QuestionIds(version.steps(0)), ElementsAre("s1.q1", "s1.q2"));
}

TEST(FrameworkEditTest, AddQuestion) {
  v1::FrameworkVersion version = Sample();
  absl::StatusOr<EditResult> edit = AddQuestion(version, "s1", "New?", "", 2);
  ASSERT_THAT(edit, IsOk());
  EXPECT_EQ(edit->field, "steps");
  EXPECT_THAT(QuestionIds(version.steps(0)), ElementsAre("s1.q1", "", "s1.q2"));
  v1::FrameworkVersion updated = version;
  updated.mutable_steps(0)->mutable_questions(1)->set_id("s1.q3");
  EXPECT_EQ(DescribeEdit(*edit, updated), "added question s1.q3 (step s1): New?");

  ASSERT_THAT(AddQuestion(version, "s2", "Last?", "s2.extra", std::nullopt), IsOk());
  EXPECT_THAT(QuestionIds(version.steps(1)), ElementsAre("s2.q1", "s2.extra"));
  EXPECT_THAT(AddQuestion(version, "s9", "Q?", "", std::nullopt),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(AddQuestion(version, "s2", "Q?", "", 4), StatusIs(absl::StatusCode::kOutOfRange));
  EXPECT_THAT(AddQuestion(version, "s2", "Q?", "c1", std::nullopt),
              StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_TRUE(IsUsageError(AddQuestion(version, "s2", "", "", std::nullopt).status()));
}

TEST(FrameworkEditTest, RemoveAndRewordQuestion) {
  v1::FrameworkVersion version = Sample();
  ASSERT_THAT(RewordQuestion(version, "s1.q2", "Reworded?"), IsOk());
  EXPECT_EQ(version.steps(0).questions(1).text(), "Reworded?");
  absl::StatusOr<EditResult> removed = RemoveQuestion(version, "s1.q1");
  ASSERT_THAT(removed, IsOk());
  EXPECT_EQ(removed->description, "removed question s1.q1 (step s1): Q one one?");
  EXPECT_THAT(QuestionIds(version.steps(0)), ElementsAre("s1.q2"));
  EXPECT_THAT(RemoveQuestion(version, "s1.q1"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(RewordQuestion(version, "s1", "x"), StatusIs(absl::StatusCode::kNotFound));
}

TEST(FrameworkEditTest, MoveQuestionWithinItsStep) {
  v1::FrameworkVersion version = Sample();
  ASSERT_THAT(MoveQuestion(version, "s1.q2", 1, std::nullopt), IsOk());
  EXPECT_THAT(QuestionIds(version.steps(0)), ElementsAre("s1.q2", "s1.q1"));
  EXPECT_THAT(MoveQuestion(version, "s1.q2", 3, std::nullopt),
              StatusIs(absl::StatusCode::kOutOfRange));
  EXPECT_TRUE(IsUsageError(MoveQuestion(version, "s1.q2", std::nullopt, std::nullopt).status()));
}

TEST(FrameworkEditTest, MoveQuestionToAnotherStepKeepsItsId) {
  v1::FrameworkVersion version = Sample();
  ASSERT_THAT(MoveQuestion(version, "s1.q1", 1, "s2"), IsOk());
  EXPECT_THAT(QuestionIds(version.steps(0)), ElementsAre("s1.q2"));
  EXPECT_THAT(QuestionIds(version.steps(1)), ElementsAre("s1.q1", "s2.q1"));
  EXPECT_EQ(version.steps(1).questions(0).text(), "Q one one?");

  // Without a position it goes last; a position may be one past the end.
  ASSERT_THAT(MoveQuestion(version, "s1.q2", std::nullopt, "s2"), IsOk());
  EXPECT_THAT(QuestionIds(version.steps(1)), ElementsAre("s1.q1", "s2.q1", "s1.q2"));
  EXPECT_TRUE(version.steps(0).questions().empty());  // the service rejects this step
  ASSERT_THAT(MoveQuestion(version, "s2.q1", 1, "s1"), IsOk());
  EXPECT_THAT(MoveQuestion(version, "s2.q1", 9, "s2"), StatusIs(absl::StatusCode::kOutOfRange));
  EXPECT_THAT(MoveQuestion(version, "s2.q1", 1, "s7"), StatusIs(absl::StatusCode::kNotFound));
}

TEST(FrameworkEditTest, ContextQuestions) {
  v1::FrameworkVersion version = Sample();
  absl::StatusOr<EditResult> added = AddContextQuestion(version, "C zero?", "", 1);
  ASSERT_THAT(added, IsOk());
  EXPECT_EQ(added->field, "context_questions");
  EXPECT_THAT(ContextIds(version), ElementsAre("", "c1", "c2"));
  v1::FrameworkVersion updated = version;
  updated.mutable_context_questions(0)->set_id("c3");
  EXPECT_EQ(DescribeEdit(*added, updated), "added context question c3: C zero?");

  ASSERT_THAT(RewordContextQuestion(version, "c2", "C two reworded?"), IsOk());
  EXPECT_EQ(version.context_questions(2).text(), "C two reworded?");
  ASSERT_THAT(RemoveContextQuestion(version, "c1"), IsOk());
  EXPECT_THAT(ContextIds(version), ElementsAre("", "c2"));
  EXPECT_THAT(RemoveContextQuestion(version, "c1"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(AddContextQuestion(version, "Q?", "", 4), StatusIs(absl::StatusCode::kOutOfRange));
  EXPECT_THAT(AddContextQuestion(version, "Q?", "s1", std::nullopt),
              StatusIs(absl::StatusCode::kAlreadyExists));
}

}  // namespace
}  // namespace sixsteps::cli
