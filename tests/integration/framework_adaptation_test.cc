// The framework service: the built-in framework and adaptations of it.
//
// The fixture is in framework_fixture.h.
#include <gmock/gmock.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <pqxx/pqxx>

#include "services/framework/domain.h"
#include "tests/integration/framework_fixture.h"
#include "tests/support/fixtures.h"

namespace sixsteps::testing::framework_test {
namespace {

using ::google::protobuf::util::MessageDifferencer;

// ---- The built-in framework ----

TEST_F(FrameworkServiceTest, BuiltInFrameworkMatchesTheSourceDocumentWordForWord) {
  nlohmann::json expected = BuiltInFixture();
  v1::FrameworkVersion version = MustGetVersion(kBuiltIn);
  EXPECT_EQ(version.state(), v1::FrameworkVersion::STATE_PUBLISHED);
  EXPECT_EQ(version.title(), expected["title"].get<std::string>());
  ASSERT_EQ(version.steps_size(), 6);
  int questions = 0;
  for (int s = 0; s < 6; ++s) {
    const auto& step = expected["steps"][s];
    EXPECT_EQ(version.steps(s).id(), step["id"].get<std::string>());
    EXPECT_EQ(version.steps(s).title(), step["title"].get<std::string>());
    ASSERT_EQ(version.steps(s).questions_size(), 4);
    for (int q = 0; q < 4; ++q) {
      EXPECT_EQ(version.steps(s).questions(q).id(), step["questions"][q]["id"].get<std::string>());
      EXPECT_EQ(version.steps(s).questions(q).text(),
                step["questions"][q]["text"].get<std::string>());
      ++questions;
    }
  }
  EXPECT_EQ(questions, 24);
  ASSERT_EQ(version.context_questions_size(), 18);
  for (int c = 0; c < 18; ++c) {
    EXPECT_EQ(version.context_questions(c).id(), expected["context_questions"][c]["id"]);
    EXPECT_EQ(version.context_questions(c).text(),
              expected["context_questions"][c]["text"].get<std::string>());
  }
  std::map<v1::Rating, std::string> definitions;
  for (const auto& d : version.rating_definitions()) definitions[d.rating()] = d.definition();
  EXPECT_EQ(definitions[v1::RATING_GREEN], expected["rating_definitions"]["green"]);
  EXPECT_EQ(definitions[v1::RATING_AMBER], expected["rating_definitions"]["amber"]);
  EXPECT_EQ(definitions[v1::RATING_RED], expected["rating_definitions"]["red"]);
  EXPECT_EQ(version.action_plan_guidance(), expected["action_plan_guidance"]);
  EXPECT_EQ(version.source_citation(), framework::kBuiltInCitation);
  EXPECT_TRUE(version.attribution().empty());
  EXPECT_TRUE(version.derived_from().empty());

  v1::Framework framework;
  ASSERT_THAT(GetFramework("frameworks/six-steps", &framework), IsOk());
  EXPECT_TRUE(framework.built_in());
  EXPECT_EQ(framework.latest_published_version(), kBuiltIn);
}

TEST_F(FrameworkServiceTest, BuiltInFrameworkCannotBeChangedRetiredOrDeleted) {
  v1::FrameworkVersion version = MustGetVersion(kBuiltIn);
  v1::FrameworkVersion out;
  version.set_title("Changed");
  EXPECT_THAT(Update(version, {"title"}, &out), StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(Retire(kBuiltIn, &out), StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(Delete(kBuiltIn), StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(CreateVersion("frameworks/six-steps", "2025", &out),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(MustGetVersion(kBuiltIn).title(), BuiltInFixture()["title"].get<std::string>());
}

// ---- Adaptation ----

TEST_F(FrameworkServiceTest, AdaptationCopiesTheTreeKeepsIdsRecordsLineageAndAttribution) {
  v1::AdaptFrameworkResponse response;
  ASSERT_THAT(Adapt(kBuiltIn, "north-east", &response), IsOk());
  EXPECT_EQ(response.framework().name(), "frameworks/north-east");
  EXPECT_EQ(response.framework().derived_from(), kBuiltIn);
  EXPECT_EQ(response.framework().region(), "north-east");
  EXPECT_FALSE(response.framework().built_in());
  EXPECT_TRUE(response.framework().latest_published_version().empty());
  const v1::FrameworkVersion& draft = response.version();
  EXPECT_EQ(draft.name(), "frameworks/north-east/versions/1");
  EXPECT_EQ(draft.state(), v1::FrameworkVersion::STATE_DRAFT);
  EXPECT_EQ(draft.derived_from(), kBuiltIn);
  EXPECT_EQ(draft.attribution(), framework::kAttribution);
  EXPECT_EQ(draft.source_citation(), framework::kBuiltInCitation);
  v1::FrameworkVersion builtin = MustGetVersion(kBuiltIn);
  EXPECT_TRUE(
      MessageDifferencer::Equals(framework::ContentOf(draft), framework::ContentOf(builtin)));
}

TEST_F(FrameworkServiceTest, AdaptationRefusals) {
  MustAdapt("north-east");
  v1::AdaptFrameworkResponse response;
  EXPECT_THAT(Adapt(kBuiltIn, "north-east", &response), StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_THAT(Adapt("frameworks/north-east/versions/1", "from-draft", &response),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(Adapt("frameworks/nowhere/versions/1", "other", &response),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(Adapt(kBuiltIn, "Bad Id", &response),
              StatusIs(absl::StatusCode::kInvalidArgument, "framework_id"));
  EXPECT_THAT(Adapt("six-steps", "other", &response),
              StatusIs(absl::StatusCode::kInvalidArgument, "source_version"));
  v1::Framework framework;
  EXPECT_THAT(GetFramework("frameworks/from-draft", &framework),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(FrameworkServiceTest, TheAttributionLineCannotBeRemovedFromADerivedFramework) {
  v1::FrameworkVersion draft = MustAdapt("north-east");
  v1::FrameworkVersion out;
  draft.clear_attribution();
  EXPECT_THAT(Update(draft, {"attribution"}, &out),
              StatusIs(absl::StatusCode::kInvalidArgument, "update_mask"));
  // An update of everything editable leaves the line in place.
  ASSERT_THAT(Update(draft, {}, &out), IsOk());
  EXPECT_EQ(out.attribution(), framework::kAttribution);
  // And the database refuses it even from behind the service's back.
  pqxx::connection conn(hub_->framework_database_url());
  pqxx::work txn(conn);
  EXPECT_THROW(txn.exec("UPDATE framework_versions SET attribution = '' "
                        "WHERE framework_id = 'north-east'"),
               pqxx::check_violation);
}

}  // namespace
}  // namespace sixsteps::testing::framework_test
