// The framework service: versions exported, imported and compared.
//
// The fixture is in framework_fixture.h.
#include <gmock/gmock.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include "services/framework/domain.h"
#include "tests/integration/framework_fixture.h"

namespace sixsteps::testing::framework_test {
namespace {

using ::testing::UnorderedElementsAre;

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
}  // namespace sixsteps::testing::framework_test
