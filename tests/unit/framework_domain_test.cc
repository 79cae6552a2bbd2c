// Unit tests of the framework domain rules: plain functions, no database.
#include "services/framework/domain.h"

#include <gmock/gmock.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include "tests/support/status_matchers.h"

namespace sixsteps::framework {
namespace {

using ::sixsteps::testing::IsOk;
using ::sixsteps::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;

v1::FrameworkVersion SmallFramework() {
  v1::FrameworkVersion version;
  version.set_name("frameworks/north/versions/1");
  version.set_state(v1::FrameworkVersion::STATE_DRAFT);
  version.set_title("North Six Steps");
  for (int s = 1; s <= 2; ++s) {
    v1::Step* step = version.add_steps();
    step->set_id("s" + std::to_string(s));
    step->set_title("Step " + std::to_string(s));
    for (int q = 1; q <= 2; ++q) {
      v1::Question* question = step->add_questions();
      question->set_id(step->id() + ".q" + std::to_string(q));
      question->set_text("Question " + question->id() + "?");
    }
  }
  v1::ContextQuestion* context = version.add_context_questions();
  context->set_id("c1");
  context->set_text("Who employs the scrutineer?");
  v1::RatingDefinition* green = version.add_rating_definitions();
  green->set_rating(v1::RATING_GREEN);
  green->set_definition("Answered positively with evidence");
  return version;
}

std::string ChangeLine(const v1::FrameworkChange& change) {
  return v1::FrameworkChange::Kind_Name(change.kind()) + " " +
         v1::FrameworkChange::Item_Name(change.item()) + " " + change.id();
}

TEST(NamesTest, ParsesAndRejects) {
  auto name = ParseVersionName("frameworks/six-steps/versions/2019", "name");
  ASSERT_THAT(name, IsOk());
  EXPECT_EQ(name->framework_id, "six-steps");
  EXPECT_EQ(name->version_id, "2019");
  EXPECT_EQ(name->ToString(), "frameworks/six-steps/versions/2019");
  EXPECT_THAT(ParseVersionName("frameworks/six-steps", "name"),
              StatusIs(absl::StatusCode::kInvalidArgument, "name"));
  EXPECT_THAT(ParseVersionName("frameworks/Six/versions/1", "source_version"),
              StatusIs(absl::StatusCode::kInvalidArgument, "source_version"));
  EXPECT_THAT(ParseFrameworkName("frameworks/ab", "parent"),
              StatusIs(absl::StatusCode::kInvalidArgument, "parent"));
  EXPECT_THAT(ParseFrameworkName("frameworks/north-east", "parent"), IsOk());
  EXPECT_THAT(ValidateFrameworkId("ends-with-", "framework_id"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ValidateVersionId("", "version_id"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ValidateVersionId("2024.1", "version_id"), IsOk());
}

TEST(ValidateContentTest, AcceptsAWellFormedFramework) {
  EXPECT_THAT(ValidateContent(SmallFramework(), "framework_version"), IsOk());
}

TEST(ValidateContentTest, RefusesAFrameworkWithoutSteps) {
  v1::FrameworkVersion version = SmallFramework();
  version.clear_steps();
  EXPECT_THAT(ValidateContent(version, "framework_version"),
              StatusIs(absl::StatusCode::kInvalidArgument, "framework_version.steps"));
}

TEST(ValidateContentTest, RefusesAStepWithoutQuestions) {
  v1::FrameworkVersion version = SmallFramework();
  version.mutable_steps(1)->clear_questions();
  EXPECT_THAT(ValidateContent(version, "framework_version"),
              StatusIs(absl::StatusCode::kInvalidArgument, "framework_version.steps[1].questions"));
}

TEST(ValidateContentTest, RefusesDuplicateIdsAcrossTheTree) {
  v1::FrameworkVersion version = SmallFramework();
  version.mutable_steps(1)->mutable_questions(0)->set_id("s1.q1");
  EXPECT_THAT(ValidateContent(version, "framework_version"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "framework_version.steps[1].questions[0].id: duplicate id 's1.q1'"));
  version = SmallFramework();
  version.mutable_context_questions(0)->set_id("s2");
  EXPECT_THAT(ValidateContent(version, "framework_version"),
              StatusIs(absl::StatusCode::kInvalidArgument, "context_questions[0].id"));
}

TEST(ValidateContentTest, RefusesEmptyAndOverlongTexts) {
  v1::FrameworkVersion version = SmallFramework();
  version.mutable_steps(0)->mutable_questions(1)->set_text("   ");
  EXPECT_THAT(ValidateContent(version, "framework_version"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "framework_version.steps[0].questions[1].text: must not be empty"));
  version = SmallFramework();
  version.mutable_steps(0)->set_title(std::string(kMaxTitleLength + 1, 'x'));
  EXPECT_THAT(ValidateContent(version, "framework_version"),
              StatusIs(absl::StatusCode::kInvalidArgument, "framework_version.steps[0].title"));
  version = SmallFramework();
  version.set_title("");
  EXPECT_THAT(ValidateContent(version, "framework_version"),
              StatusIs(absl::StatusCode::kInvalidArgument, "framework_version.title"));
  version = SmallFramework();
  version.mutable_context_questions(0)->set_text(std::string(kMaxQuestionLength + 1, 'y'));
  EXPECT_THAT(ValidateContent(version, "framework_version"),
              StatusIs(absl::StatusCode::kInvalidArgument, "context_questions[0].text"));
}

TEST(ValidateContentTest, CountsCharactersNotBytes) {
  v1::FrameworkVersion version = SmallFramework();
  std::string text;
  for (int i = 0; i < kMaxQuestionLength; ++i) text += "\xC3\xA9";  // é, two bytes each
  version.mutable_steps(0)->mutable_questions(0)->set_text(text);
  EXPECT_THAT(ValidateContent(version, "framework_version"), IsOk());
}

TEST(ValidateContentTest, RefusesBadIdsAndRatings) {
  v1::FrameworkVersion version = SmallFramework();
  version.mutable_steps(0)->set_id("Step One");
  EXPECT_THAT(ValidateContent(version, "framework_version"),
              StatusIs(absl::StatusCode::kInvalidArgument, "framework_version.steps[0].id"));
  version = SmallFramework();
  version.add_rating_definitions()->CopyFrom(version.rating_definitions(0));
  EXPECT_THAT(ValidateContent(version, "framework_version"),
              StatusIs(absl::StatusCode::kInvalidArgument, "rating_definitions[1].rating"));
  version = SmallFramework();
  version.mutable_rating_definitions(0)->set_rating(v1::RATING_UNSPECIFIED);
  EXPECT_THAT(ValidateContent(version, "framework_version"),
              StatusIs(absl::StatusCode::kInvalidArgument, "rating_definitions[0].rating"));
}

TEST(AssignMissingIdsTest, GivesReadableIdsAndNeverReusesReservedOnes) {
  v1::FrameworkVersion version = SmallFramework();
  // s2 was removed in this draft, but its predecessor used s2 and s2.q1.
  version.mutable_steps()->RemoveLast();
  v1::Step* step = version.add_steps();
  step->set_title("A new step");
  step->add_questions()->set_text("A new question?");
  version.mutable_steps(0)->add_questions()->set_text("Another question for s1?");
  version.add_context_questions()->set_text("A new context question?");
  AssignMissingIds(version, {"s1", "s2", "s2.q1", "s2.q2", "s1.q3", "c1"});
  EXPECT_EQ(version.steps(1).id(), "s3");
  EXPECT_EQ(version.steps(1).questions(0).id(), "s3.q1");
  EXPECT_EQ(version.steps(0).questions(2).id(), "s1.q4");
  EXPECT_EQ(version.context_questions(1).id(), "c2");
  EXPECT_THAT(ValidateContent(version, "v"), IsOk());
}

TEST(ApplyUpdateMaskTest, ReplacesOnlyTheNamedFields) {
  v1::FrameworkVersion draft = SmallFramework();
  v1::FrameworkVersion update;
  update.set_title("Renamed");
  google::protobuf::FieldMask mask;
  mask.add_paths("title");
  ASSERT_THAT(ApplyUpdateMask(update, mask, draft), IsOk());
  EXPECT_EQ(draft.title(), "Renamed");
  EXPECT_EQ(draft.steps_size(), 2);  // untouched
}

TEST(ApplyUpdateMaskTest, RefusesFieldsThatAreNotEditable) {
  v1::FrameworkVersion draft = SmallFramework();
  google::protobuf::FieldMask mask;
  mask.add_paths("attribution");
  EXPECT_THAT(ApplyUpdateMask(v1::FrameworkVersion(), mask, draft),
              StatusIs(absl::StatusCode::kInvalidArgument, "update_mask"));
  mask.set_paths(0, "state");
  EXPECT_THAT(ApplyUpdateMask(v1::FrameworkVersion(), mask, draft),
              StatusIs(absl::StatusCode::kInvalidArgument, "update_mask"));
}

TEST(EditRulesTest, OnlyDraftsAreEditable) {
  v1::FrameworkVersion version = SmallFramework();
  EXPECT_THAT(CheckEditable(version), IsOk());
  version.set_state(v1::FrameworkVersion::STATE_PUBLISHED);
  EXPECT_THAT(CheckEditable(version), StatusIs(absl::StatusCode::kFailedPrecondition));
  version.set_state(v1::FrameworkVersion::STATE_RETIRED);
  EXPECT_THAT(CheckEditable(version), StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST(EditRulesTest, StaleEtagIsAborted) {
  // The rule every service shares (services/base/etag.h).
  EXPECT_THAT(CheckEtag("3", "3", "v1"), IsOk());
  EXPECT_THAT(CheckEtag("2", "3", "v1"),
              StatusIs(absl::StatusCode::kAborted, "v1 changed since you read it"));
  EXPECT_THAT(CheckEtag("", "3", "v1"), IsOk());
  EXPECT_THAT(RequireEtag("", "framework_version.etag"),
              StatusIs(absl::StatusCode::kInvalidArgument, "framework_version.etag"));
  EXPECT_THAT(RequireEtag("3", "framework_version.etag"), IsOk());
}

TEST(AdaptTest, CopiesTheTreeRecordsLineageAndCarriesAttribution) {
  v1::FrameworkVersion source = SmallFramework();
  source.set_name(std::string(kBuiltInVersionName));
  source.set_state(v1::FrameworkVersion::STATE_PUBLISHED);
  source.set_source_citation(std::string(kBuiltInCitation));
  source.set_etag("1");
  auto draft = AdaptedDraft(source);
  ASSERT_THAT(draft, IsOk());
  EXPECT_EQ(draft->state(), v1::FrameworkVersion::STATE_DRAFT);
  EXPECT_EQ(draft->derived_from(), kBuiltInVersionName);
  EXPECT_EQ(draft->attribution(), kAttribution);
  EXPECT_EQ(draft->source_citation(), kBuiltInCitation);
  EXPECT_TRUE(draft->etag().empty());
  EXPECT_TRUE(
      google::protobuf::util::MessageDifferencer::Equals(ContentOf(*draft), ContentOf(source)));
}

TEST(AdaptTest, RefusesADraftSource) {
  EXPECT_THAT(AdaptedDraft(SmallFramework()), StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST(AttributionTest, ADerivedFrameworkCannotDropTheLine) {
  v1::FrameworkVersion version = SmallFramework();
  version.set_derived_from(std::string(kBuiltInVersionName));
  version.set_attribution(std::string(kAttribution));
  EXPECT_THAT(ValidateAttribution(version, "v"), IsOk());
  version.clear_attribution();
  EXPECT_THAT(ValidateAttribution(version, "v"),
              StatusIs(absl::StatusCode::kInvalidArgument, "v.attribution"));
  version.set_attribution("Adapted from somewhere else");
  EXPECT_THAT(ValidateAttribution(version, "v"),
              StatusIs(absl::StatusCode::kInvalidArgument, "v.attribution"));
}

TEST(AttributionTest, ACopyCitingPearceMustCarryTheLineEvenWithoutLineage) {
  v1::FrameworkVersion version = SmallFramework();
  version.set_source_citation(std::string(kBuiltInCitation));
  EXPECT_THAT(ValidateAttribution(version, "document"),
              StatusIs(absl::StatusCode::kInvalidArgument, "document.attribution"));
  version.set_name(std::string(kBuiltInVersionName));  // the built-in itself needs none
  EXPECT_THAT(ValidateAttribution(version, "document"), IsOk());
}

TEST(DiffTest, ReportsAddedRemovedRewordedAndMovedItems) {
  v1::FrameworkVersion base = SmallFramework();
  v1::FrameworkVersion target = SmallFramework();
  target.mutable_steps(0)->mutable_questions(0)->set_text("Reworded?");
  // Move s1.q2 to step s2, remove s2.q2, add s2.q3.
  v1::Question moved = target.steps(0).questions(1);
  target.mutable_steps(0)->mutable_questions()->RemoveLast();
  target.mutable_steps(1)->mutable_questions()->RemoveLast();
  *target.mutable_steps(1)->add_questions() = moved;
  v1::Question* added = target.mutable_steps(1)->add_questions();
  added->set_id("s2.q3");
  added->set_text("New?");
  target.mutable_context_questions(0)->set_text("Who employs the scrutineers?");

  std::vector<std::string> lines;
  for (const auto& change : Diff(base, target)) lines.push_back(ChangeLine(change));
  EXPECT_THAT(lines, UnorderedElementsAre(
                         "KIND_REWORDED ITEM_QUESTION s1.q1", "KIND_MOVED ITEM_QUESTION s1.q2",
                         "KIND_ADDED ITEM_QUESTION s2.q3", "KIND_REMOVED ITEM_QUESTION s2.q2",
                         "KIND_REWORDED ITEM_CONTEXT_QUESTION c1"));
}

TEST(DiffTest, ReorderingStepsMarksOnlyTheMovedOne) {
  v1::FrameworkVersion base = SmallFramework();
  v1::Step* third = base.add_steps();
  third->set_id("s3");
  third->set_title("Step 3");
  third->add_questions()->set_id("s3.q1");
  v1::FrameworkVersion target = base;
  // s3 moves to the front: s3, s1, s2.
  target.mutable_steps()->SwapElements(2, 1);
  target.mutable_steps()->SwapElements(1, 0);
  std::vector<std::string> lines;
  for (const auto& change : Diff(base, target)) lines.push_back(ChangeLine(change));
  EXPECT_THAT(lines, ElementsAre("KIND_MOVED ITEM_STEP s3"));
  EXPECT_TRUE(Diff(base, base).empty());
}

TEST(DocumentTest, RoundTripsExactly) {
  v1::Framework framework;
  framework.set_name("frameworks/north");
  framework.set_display_name("North");
  framework.set_description("Adapted for the north");
  v1::FrameworkVersion version = SmallFramework();
  version.set_derived_from(std::string(kBuiltInVersionName));
  version.set_attribution(std::string(kAttribution));
  version.set_source_citation(std::string(kBuiltInCitation));
  v1::FrameworkDocument document = ToDocument(framework, version);
  EXPECT_EQ(document.framework_id(), "north");
  EXPECT_EQ(document.version_id(), "1");
  ASSERT_THAT(ValidateDocument(document), IsOk());
  v1::FrameworkVersion imported = VersionFromDocument(document);
  imported.set_name(version.name());
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(ToDocument(framework, imported),
                                                                 document));
}

TEST(DocumentTest, RefusesBadDocuments) {
  v1::Framework framework;
  framework.set_name("frameworks/north");
  framework.set_display_name("North");
  v1::FrameworkVersion version = SmallFramework();
  version.set_derived_from(std::string(kBuiltInVersionName));
  version.set_attribution(std::string(kAttribution));
  v1::FrameworkDocument document = ToDocument(framework, version);

  v1::FrameworkDocument bad = document;
  bad.set_format("something else");
  EXPECT_THAT(ValidateDocument(bad),
              StatusIs(absl::StatusCode::kInvalidArgument, "document.format"));
  bad = document;
  bad.clear_attribution();
  EXPECT_THAT(ValidateDocument(bad),
              StatusIs(absl::StatusCode::kInvalidArgument, "document.attribution"));
  bad = document;
  bad.mutable_steps(0)->mutable_questions(0)->clear_id();
  EXPECT_THAT(ValidateDocument(bad),
              StatusIs(absl::StatusCode::kInvalidArgument, "document.steps[0].questions[0].id"));
  bad = document;
  bad.set_derived_from("not a version name");
  EXPECT_THAT(ValidateDocument(bad),
              StatusIs(absl::StatusCode::kInvalidArgument, "document.derived_from"));
}

}  // namespace
}  // namespace sixsteps::framework
