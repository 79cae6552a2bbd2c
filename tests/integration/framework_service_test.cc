// The framework service end to end: a real PostgreSQL database, the real gRPC server on
// 127.0.0.1, called through the generated client.
#include <gmock/gmock.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>
#include <grpcpp/client_context.h>
#include <gtest/gtest.h>

#include <pqxx/pqxx>

#include "services/framework/domain.h"
#include "tests/support/fixtures.h"
#include "tests/support/requests.h"
#include "tests/support/status_matchers.h"
#include "tests/support/test_hub.h"

namespace sixsteps::testing {
namespace {

namespace v1 = ::sixsteps::framework::v1;
using Stub = v1::FrameworkService::Stub;
using ::google::protobuf::util::MessageDifferencer;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::Not;
using ::testing::UnorderedElementsAre;

constexpr char kBuiltIn[] = "frameworks/six-steps/versions/2019";

class FrameworkServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto hub = TestHub::Start("framework");
    ASSERT_THAT(hub, IsOk());
    hub_ = std::move(*hub);
    stub_ = hub_->FrameworkStub();
    token_ = hub_->admin_token();
  }

  // Calls `method` as the deployment administrator.
  template <typename Request, typename Response>
  grpc::Status As(grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
                  const Request& request, Response* response) {
    grpc::ClientContext context;
    Authorize(context, token_);
    return (stub_.get()->*method)(&context, request, response);
  }

  grpc::Status GetVersion(const std::string& name, v1::FrameworkVersion* version) {
    return As(&Stub::GetFrameworkVersion, Named<v1::GetFrameworkVersionRequest>(name), version);
  }

  v1::FrameworkVersion MustGetVersion(const std::string& name) {
    v1::FrameworkVersion version;
    grpc::Status status = GetVersion(name, &version);
    EXPECT_THAT(status, IsOk());
    return version;
  }

  grpc::Status GetFramework(const std::string& name, v1::Framework* framework) {
    return As(&Stub::GetFramework, Named<v1::GetFrameworkRequest>(name), framework);
  }

  grpc::Status Adapt(const std::string& source, const std::string& id,
                     v1::AdaptFrameworkResponse* response) {
    v1::AdaptFrameworkRequest request;
    request.set_source_version(source);
    request.set_framework_id(id);
    request.set_display_name("Adapted " + id);
    request.set_region("north-east");
    return As(&Stub::AdaptFramework, request, response);
  }

  // Adapts the built-in framework into a draft "frameworks/{id}/versions/1".
  v1::FrameworkVersion MustAdapt(const std::string& id) {
    v1::AdaptFrameworkResponse response;
    EXPECT_THAT(Adapt(kBuiltIn, id, &response), IsOk());
    return response.version();
  }

  grpc::Status Update(const v1::FrameworkVersion& version, std::vector<std::string> paths,
                      v1::FrameworkVersion* updated) {
    v1::UpdateFrameworkVersionRequest request;
    *request.mutable_framework_version() = version;
    for (const std::string& path : paths) request.mutable_update_mask()->add_paths(path);
    return As(&Stub::UpdateFrameworkVersion, request, updated);
  }

  grpc::Status Publish(const std::string& name, v1::FrameworkVersion* published,
                       const std::string& etag = "") {
    auto request = Named<v1::PublishFrameworkVersionRequest>(name);
    request.set_etag(etag);
    return As(&Stub::PublishFrameworkVersion, request, published);
  }

  grpc::Status Retire(const std::string& name, v1::FrameworkVersion* retired) {
    return As(&Stub::RetireFrameworkVersion, Named<v1::RetireFrameworkVersionRequest>(name),
              retired);
  }

  grpc::Status Delete(const std::string& name) {
    google::protobuf::Empty empty;
    return As(&Stub::DeleteFrameworkVersion, Named<v1::DeleteFrameworkVersionRequest>(name),
              &empty);
  }

  grpc::Status CreateVersion(const std::string& parent, const std::string& version_id,
                             v1::FrameworkVersion* created) {
    auto request = ParentOf<v1::CreateFrameworkVersionRequest>(parent);
    request.set_version_id(version_id);
    return As(&Stub::CreateFrameworkVersion, request, created);
  }

  grpc::Status Export(const std::string& name, v1::FrameworkDocument* document) {
    v1::ExportFrameworkVersionResponse response;
    grpc::Status status = As(&Stub::ExportFrameworkVersion,
                             Named<v1::ExportFrameworkVersionRequest>(name), &response);
    *document = response.document();
    return status;
  }

  std::unique_ptr<TestHub> hub_;
  std::unique_ptr<v1::FrameworkService::Stub> stub_;
  // The deployment administrator's token: these tests are about the framework rules;
  // framework_auth_test.cc is about who may call them.
  std::string token_;
};

std::vector<std::string> StepIds(const v1::FrameworkVersion& version) {
  std::vector<std::string> ids;
  for (const auto& step : version.steps()) ids.push_back(step.id());
  return ids;
}

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

// ---- Export, import, diff ----

TEST_F(FrameworkServiceTest, ExportImportRoundTripIsExactAcrossHubs) {
  v1::FrameworkVersion draft = MustAdapt("north-east");
  draft.mutable_steps(0)->set_title("The three core partner leads lead");
  draft.add_context_questions()->set_text("Is the regional hub consulted?");
  v1::FrameworkVersion edited, published;
  ASSERT_THAT(Update(draft, {"steps", "context_questions"}, &edited), IsOk());
  ASSERT_THAT(Publish(edited.name(), &published), IsOk());
  v1::FrameworkDocument exported;
  ASSERT_THAT(Export(published.name(), &exported), IsOk());
  EXPECT_EQ(exported.format(), framework::kDocumentFormat);
  EXPECT_EQ(exported.attribution(), framework::kAttribution);
  EXPECT_EQ(exported.derived_from(), kBuiltIn);

  // Through JSON, as the CLI moves it between hubs.
  std::string json;
  ASSERT_TRUE(google::protobuf::util::MessageToJsonString(exported, &json).ok());
  v1::FrameworkDocument parsed;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(json, &parsed).ok());

  auto other_hub = TestHub::Start("framework_other_hub");
  ASSERT_THAT(other_hub, IsOk());
  auto other = (*other_hub)->FrameworkStub();
  const std::string other_token = (*other_hub)->admin_token();
  grpc::ClientContext context;
  Authorize(context, other_token);
  v1::ImportFrameworkVersionRequest request;
  *request.mutable_document() = parsed;
  request.set_region("south-west");
  v1::ImportFrameworkVersionResponse imported;
  ASSERT_THAT(other->ImportFrameworkVersion(&context, request, &imported), IsOk());
  EXPECT_EQ(imported.version().name(), "frameworks/north-east/versions/1");
  EXPECT_EQ(imported.version().state(), v1::FrameworkVersion::STATE_DRAFT);
  EXPECT_EQ(imported.framework().region(), "south-west");
  EXPECT_EQ(imported.framework().derived_from(), kBuiltIn);

  grpc::ClientContext export_context;
  Authorize(export_context, other_token);
  v1::ExportFrameworkVersionRequest export_request;
  export_request.set_name("frameworks/north-east/versions/1");
  v1::ExportFrameworkVersionResponse reexported;
  ASSERT_THAT(other->ExportFrameworkVersion(&export_context, export_request, &reexported), IsOk());
  std::string json_again;
  ASSERT_TRUE(google::protobuf::util::MessageToJsonString(reexported.document(), &json_again).ok());
  EXPECT_EQ(json_again, json);

  // Importing the same document again is a conflict, not a duplicate.
  grpc::ClientContext again;
  Authorize(again, other_token);
  EXPECT_THAT(other->ImportFrameworkVersion(&again, request, &imported),
              StatusIs(absl::StatusCode::kAlreadyExists));
}

TEST_F(FrameworkServiceTest, ImportRefusesBadDocumentsAndWritesNothing) {
  v1::FrameworkDocument builtin;
  ASSERT_THAT(Export(kBuiltIn, &builtin), IsOk());
  auto import = [&](const v1::FrameworkDocument& document) {
    grpc::ClientContext context;
    Authorize(context, token_);
    v1::ImportFrameworkVersionRequest request;
    *request.mutable_document() = document;
    request.set_region("north-east");
    v1::ImportFrameworkVersionResponse response;
    return stub_->ImportFrameworkVersion(&context, request, &response);
  };
  EXPECT_THAT(import(builtin), StatusIs(absl::StatusCode::kFailedPrecondition));
  v1::FrameworkDocument renamed = builtin;
  renamed.set_framework_id("stripped");
  EXPECT_THAT(import(renamed), StatusIs(absl::StatusCode::kInvalidArgument, "document.attribution"))
      << "a renamed copy of Pearce (2019) must carry the attribution line";
  renamed.set_attribution(std::string(framework::kAttribution));
  renamed.mutable_steps(0)->clear_questions();
  EXPECT_THAT(import(renamed),
              StatusIs(absl::StatusCode::kInvalidArgument, "document.steps[0].questions"));
  v1::Framework framework;
  EXPECT_THAT(GetFramework("frameworks/stripped", &framework),
              StatusIs(absl::StatusCode::kNotFound));
  renamed = builtin;
  renamed.set_attribution(std::string(framework::kAttribution));
  renamed.set_framework_id("kept");
  EXPECT_THAT(import(renamed), IsOk());
}

TEST_F(FrameworkServiceTest, DiffShowsWhatAnAdaptationChanged) {
  v1::FrameworkVersion draft = MustAdapt("north-east");
  draft.mutable_steps(1)->mutable_questions(0)->set_text("Reworded?");
  draft.mutable_steps()->RemoveLast();  // s6 and its questions
  draft.mutable_steps(0)->add_questions()->set_text("Is the hub involved?");
  v1::FrameworkVersion edited;
  ASSERT_THAT(Update(draft, {"steps"}, &edited), IsOk());
  grpc::ClientContext context;
  Authorize(context, token_);
  v1::DiffFrameworkVersionsRequest request;
  request.set_base_version(kBuiltIn);
  request.set_target_version(edited.name());
  v1::DiffFrameworkVersionsResponse response;
  ASSERT_THAT(stub_->DiffFrameworkVersions(&context, request, &response), IsOk());
  std::vector<std::string> lines;
  for (const auto& c : response.changes()) {
    lines.push_back(v1::FrameworkChange::Kind_Name(c.kind()) + " " + c.id());
  }
  EXPECT_THAT(lines,
              UnorderedElementsAre("KIND_REMOVED s6", "KIND_REWORDED s2.q1", "KIND_ADDED s1.q5",
                                   "KIND_REMOVED s6.q1", "KIND_REMOVED s6.q2", "KIND_REMOVED s6.q3",
                                   "KIND_REMOVED s6.q4"));
}

}  // namespace
}  // namespace sixsteps::testing
