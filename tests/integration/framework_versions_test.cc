// The framework service: a framework's versions (drafts edited, published, retired, deleted,
// listed). The fixture is in framework_fixture.h.
#include <gmock/gmock.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <pqxx/pqxx>

#include "services/framework/domain.h"
#include "tests/integration/framework_fixture.h"

namespace sixsteps::testing::framework_test {
namespace {

using ::google::protobuf::util::MessageDifferencer;
using ::testing::ElementsAre;

// ---- Editing a draft ----

TEST_F(FrameworkServiceTest, EditingADraftAddsRemovesRewordsAndReorders) {
  v1::FrameworkVersion draft = MustAdapt("north-east");
  // Remove step s3, reword s1.q1, add a step (ids assigned), move s6 to the front.
  draft.mutable_steps()->DeleteSubrange(2, 1);
  draft.mutable_steps(0)->mutable_questions(0)->set_text("Have the partners agreed a plan?");
  v1::Step* added = draft.add_steps();
  added->set_title("Practitioners are heard");
  added->add_questions()->set_text("Are practitioners asked?");
  auto* steps = draft.mutable_steps();
  for (int i = steps->size() - 2; i > 0; --i) steps->SwapElements(i, i - 1);  // s6 first
  v1::FrameworkVersion updated;
  ASSERT_THAT(Update(draft, {"steps"}, &updated), IsOk());
  EXPECT_THAT(StepIds(updated), ElementsAre("s6", "s1", "s2", "s4", "s5", "s7"));
  EXPECT_EQ(updated.steps(5).questions(0).id(), "s7.q1");
  EXPECT_EQ(updated.steps(1).questions(0).text(), "Have the partners agreed a plan?");
  EXPECT_NE(updated.etag(), draft.etag());
  // Stored, not just echoed.
  v1::FrameworkVersion stored = MustGetVersion(updated.name());
  EXPECT_TRUE(MessageDifferencer::Equals(stored, updated));
}

TEST_F(FrameworkServiceTest, ARemovedIdIsNeverGivenToANewStep) {
  v1::FrameworkVersion draft = MustAdapt("north-east");
  draft.mutable_steps()->RemoveLast();  // s6 removed
  v1::FrameworkVersion updated;
  ASSERT_THAT(Update(draft, {"steps"}, &updated), IsOk());
  v1::Step* added = updated.add_steps();
  added->set_title("A new sixth step");
  added->add_questions()->set_text("A new question?");
  v1::FrameworkVersion again;
  ASSERT_THAT(Update(updated, {"steps"}, &again), IsOk());
  EXPECT_EQ(again.steps(5).id(), "s7") << "s6 belonged to another text in the source";
}

TEST_F(FrameworkServiceTest, StaleEtagIsAbortedAndChangesNothing) {
  v1::FrameworkVersion draft = MustAdapt("north-east");
  v1::FrameworkVersion first = draft, second = draft, out;
  first.set_title("First editor");
  second.set_title("Second editor");
  ASSERT_THAT(Update(first, {"title"}, &out), IsOk());
  EXPECT_THAT(Update(second, {"title"}, &out), StatusIs(absl::StatusCode::kAborted));
  EXPECT_EQ(MustGetVersion(draft.name()).title(), "First editor");
  second.clear_etag();
  EXPECT_THAT(Update(second, {"title"}, &out),
              StatusIs(absl::StatusCode::kInvalidArgument, "etag"));
}

TEST_F(FrameworkServiceTest, BadEditsAreRefusedNamingTheFieldAndChangeNothing) {
  v1::FrameworkVersion draft = MustAdapt("north-east");
  v1::FrameworkVersion out;
  struct Case {
    std::string what;
    std::function<void(v1::FrameworkVersion&)> edit;
    std::string field;
  };
  std::vector<Case> cases = {
      {"no steps", [](auto& v) { v.clear_steps(); }, "framework_version.steps"},
      {"step without questions", [](auto& v) { v.mutable_steps(2)->clear_questions(); },
       "framework_version.steps[2].questions"},
      {"duplicate step id", [](auto& v) { v.mutable_steps(1)->set_id("s1"); },
       "framework_version.steps[1].id"},
      {"duplicate question id",
       [](auto& v) { v.mutable_steps(3)->mutable_questions(2)->set_id("s1.q1"); },
       "framework_version.steps[3].questions[2].id"},
      {"empty question", [](auto& v) { v.mutable_steps(0)->mutable_questions(0)->set_text(""); },
       "framework_version.steps[0].questions[0].text"},
      {"over-long question",
       [](auto& v) {
         v.mutable_steps(0)->mutable_questions(0)->set_text(
             std::string(framework::kMaxQuestionLength + 1, 'a'));
       },
       "framework_version.steps[0].questions[0].text"},
      {"empty step title", [](auto& v) { v.mutable_steps(4)->set_title(" "); },
       "framework_version.steps[4].title"},
      {"empty context question", [](auto& v) { v.mutable_context_questions(17)->set_text(""); },
       "framework_version.context_questions[17].text"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    v1::FrameworkVersion edited = draft;
    c.edit(edited);
    EXPECT_THAT(Update(edited, {}, &out), StatusIs(absl::StatusCode::kInvalidArgument, c.field));
  }
  v1::FrameworkVersion stored = MustGetVersion(draft.name());
  EXPECT_TRUE(MessageDifferencer::Equals(stored, draft)) << "nothing was written";
}

TEST_F(FrameworkServiceTest, UnknownAndMalformedNames) {
  v1::FrameworkVersion version;
  EXPECT_THAT(GetVersion("frameworks/six-steps/versions/1999", &version),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(GetVersion("frameworks/nobody/versions/1", &version),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(GetVersion("six-steps/2019", &version),
              StatusIs(absl::StatusCode::kInvalidArgument, "name"));
  v1::FrameworkVersion update;
  update.set_name("frameworks/nobody/versions/1");
  update.set_etag("1");
  EXPECT_THAT(Update(update, {"title"}, &version), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(Publish("frameworks/nobody/versions/1", &version),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(Delete("frameworks/nobody/versions/1"), StatusIs(absl::StatusCode::kNotFound));
}

// ---- Publishing, retiring, new versions ----

TEST_F(FrameworkServiceTest, PublishingFreezesAVersionForEver) {
  v1::FrameworkVersion draft = MustAdapt("north-east");
  v1::FrameworkVersion published, out;
  EXPECT_THAT(Publish(draft.name(), &published, "999"), StatusIs(absl::StatusCode::kAborted));
  ASSERT_THAT(Publish(draft.name(), &published, draft.etag()), IsOk());
  EXPECT_EQ(published.state(), v1::FrameworkVersion::STATE_PUBLISHED);
  EXPECT_TRUE(published.has_publish_time());

  v1::FrameworkVersion edit = published;
  edit.set_title("Changed after publishing");
  EXPECT_THAT(Update(edit, {"title"}, &out), StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(Publish(draft.name(), &out), StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(Delete(draft.name()), StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_TRUE(MessageDifferencer::Equals(MustGetVersion(draft.name()), published));

  // The database itself refuses to change or delete a published version.
  pqxx::connection conn(hub_->framework_database_url());
  {
    pqxx::work txn(conn);
    EXPECT_THROW(txn.exec("UPDATE framework_versions SET content = '{}' "
                          "WHERE framework_id = 'north-east'"),
                 pqxx::check_violation);
  }
  {
    pqxx::work txn(conn);
    EXPECT_THROW(txn.exec("DELETE FROM framework_versions WHERE framework_id = 'north-east'"),
                 pqxx::check_violation);
  }

  v1::Framework framework;
  ASSERT_THAT(GetFramework("frameworks/north-east", &framework), IsOk());
  EXPECT_EQ(framework.latest_published_version(), draft.name());
}

TEST_F(FrameworkServiceTest, RetiringKeepsTheVersionButStopsNewUse) {
  v1::FrameworkVersion draft = MustAdapt("north-east");
  v1::FrameworkVersion out;
  EXPECT_THAT(Retire(draft.name(), &out), StatusIs(absl::StatusCode::kFailedPrecondition));
  ASSERT_THAT(Publish(draft.name(), &out), IsOk());
  ASSERT_THAT(Retire(draft.name(), &out), IsOk());
  EXPECT_EQ(out.state(), v1::FrameworkVersion::STATE_RETIRED);
  EXPECT_TRUE(out.has_retire_time());
  EXPECT_THAT(Retire(draft.name(), &out), StatusIs(absl::StatusCode::kFailedPrecondition));
  // Content unchanged, and it can still be adapted.
  EXPECT_TRUE(MessageDifferencer::Equals(framework::ContentOf(out), framework::ContentOf(draft)));
  v1::AdaptFrameworkResponse adapted;
  EXPECT_THAT(Adapt(draft.name(), "north-east-2", &adapted), IsOk());
  EXPECT_EQ(adapted.version().derived_from(), draft.name());
  EXPECT_EQ(adapted.version().attribution(), framework::kAttribution);
}

TEST_F(FrameworkServiceTest, NewVersionsStartAsDraftsCopiedFromTheNewest) {
  v1::FrameworkVersion draft = MustAdapt("north-east");
  v1::FrameworkVersion out;
  EXPECT_THAT(CreateVersion("frameworks/north-east", "2", &out),
              StatusIs(absl::StatusCode::kFailedPrecondition))
      << "one draft at a time";
  ASSERT_THAT(Publish(draft.name(), &out), IsOk());
  v1::FrameworkVersion second;
  ASSERT_THAT(CreateVersion("frameworks/north-east", "2", &second), IsOk());
  EXPECT_EQ(second.name(), "frameworks/north-east/versions/2");
  EXPECT_EQ(second.state(), v1::FrameworkVersion::STATE_DRAFT);
  EXPECT_EQ(second.attribution(), framework::kAttribution);
  EXPECT_EQ(second.derived_from(), kBuiltIn);
  EXPECT_TRUE(
      MessageDifferencer::Equals(framework::ContentOf(second), framework::ContentOf(draft)));
  EXPECT_THAT(CreateVersion("frameworks/north-east", "1", &out),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  ASSERT_THAT(Delete(second.name()), IsOk());
  EXPECT_THAT(CreateVersion("frameworks/north-east", "1", &out),
              StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_THAT(CreateVersion("frameworks/nobody", "1", &out), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(CreateVersion("frameworks/north-east", "", &out),
              StatusIs(absl::StatusCode::kInvalidArgument, "version_id"));
}

TEST_F(FrameworkServiceTest, DeletingTheOnlyDraftOfAnAdaptationRemovesTheFramework) {
  v1::FrameworkVersion draft = MustAdapt("north-east");
  ASSERT_THAT(Delete(draft.name()), IsOk());
  v1::Framework framework;
  EXPECT_THAT(GetFramework("frameworks/north-east", &framework),
              StatusIs(absl::StatusCode::kNotFound));
  MustAdapt("north-east");  // the id is free again
}

// ---- Listing ----

TEST_F(FrameworkServiceTest, ListsPageByPage) {
  for (const char* id : {"alpha", "bravo", "charlie", "delta"}) MustAdapt(id);
  std::vector<std::string> names;
  std::string token;
  int pages = 0;
  do {
    grpc::ClientContext context;
    Authorize(context, token_);
    v1::ListFrameworksRequest request;
    request.set_page_size(2);
    request.set_page_token(token);
    v1::ListFrameworksResponse response;
    ASSERT_THAT(stub_->ListFrameworks(&context, request, &response), IsOk());
    EXPECT_LE(response.frameworks_size(), 2);
    for (const auto& f : response.frameworks()) names.push_back(f.name());
    token = response.next_page_token();
    ++pages;
  } while (!token.empty() && pages < 10);
  EXPECT_THAT(names, ElementsAre("frameworks/alpha", "frameworks/bravo", "frameworks/charlie",
                                 "frameworks/delta", "frameworks/six-steps"));
  EXPECT_EQ(pages, 3);

  grpc::ClientContext context;
  Authorize(context, token_);
  v1::ListFrameworksRequest bad;
  bad.set_page_size(-1);
  v1::ListFrameworksResponse response;
  EXPECT_THAT(stub_->ListFrameworks(&context, bad, &response),
              StatusIs(absl::StatusCode::kInvalidArgument, "page_size"));
  grpc::ClientContext context2;
  Authorize(context2, token_);
  bad.set_page_size(1);
  bad.set_page_token("garbage!");
  EXPECT_THAT(stub_->ListFrameworks(&context2, bad, &response),
              StatusIs(absl::StatusCode::kInvalidArgument, "page_token"));
}

TEST_F(FrameworkServiceTest, ListsVersionsInCreationOrder) {
  v1::FrameworkVersion draft = MustAdapt("north-east");
  v1::FrameworkVersion out;
  ASSERT_THAT(Publish(draft.name(), &out), IsOk());
  ASSERT_THAT(CreateVersion("frameworks/north-east", "0.9", &out), IsOk());
  std::vector<std::string> names;
  std::string token;
  do {
    grpc::ClientContext context;
    Authorize(context, token_);
    v1::ListFrameworkVersionsRequest request;
    request.set_parent("frameworks/north-east");
    request.set_page_size(1);
    request.set_page_token(token);
    v1::ListFrameworkVersionsResponse response;
    ASSERT_THAT(stub_->ListFrameworkVersions(&context, request, &response), IsOk());
    for (const auto& v : response.framework_versions()) names.push_back(v.name());
    token = response.next_page_token();
  } while (!token.empty() && names.size() < 10);
  EXPECT_THAT(
      names, ElementsAre("frameworks/north-east/versions/1", "frameworks/north-east/versions/0.9"));
  grpc::ClientContext context;
  Authorize(context, token_);
  v1::ListFrameworkVersionsRequest request;
  request.set_parent("frameworks/nobody");
  v1::ListFrameworkVersionsResponse response;
  EXPECT_THAT(stub_->ListFrameworkVersions(&context, request, &response),
              StatusIs(absl::StatusCode::kNotFound));
}

}  // namespace
}  // namespace sixsteps::testing::framework_test
