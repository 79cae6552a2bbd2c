// The notifier role (the notification service's own account, bound on "*"): it reads what
// notices need — partnerships, the change feed deployment-wide, role bindings, users' names
// and email addresses — and every write of every service refuses it and changes nothing.
// The writes are the matrix's own requests (those its allowed callers succeed with), so a
// refusal here is the role check, not a malformed request.
#include <gmock/gmock.h>
#include <google/protobuf/descriptor.h>
#include <grpcpp/client_context.h>
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "sixsteps/assessment/v1/assessment_service.grpc.pb.h"
#include "sixsteps/identity/v1/identity_service.grpc.pb.h"
#include "tests/support/auth_matrix.h"
#include "tests/support/calls.h"
#include "tests/support/status_matchers.h"

namespace sixsteps::testing {
namespace {

namespace pb = ::google::protobuf;
namespace idv1 = ::sixsteps::identity::v1;
namespace av1 = ::sixsteps::assessment::v1;
using IdStub = idv1::IdentityService::Stub;

class AuthMatrixNotifierTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    absl::StatusOr<MatrixWorld*> world = GetMatrixWorld();
    ASSERT_THAT(world, IsOk());
    world_ = *world;
    ASSERT_FALSE(world_->hub->notification_api_key().empty());
    auto identity = idv1::IdentityService::NewStub(
        world_->ChannelFor(idv1::IdentityService::service_full_name()));
    idv1::SignInWithApiKeyRequest sign_in;
    sign_in.set_api_key(world_->hub->notification_api_key());
    idv1::SignInWithApiKeyResponse signed_in;
    ASSERT_THAT(Call(*identity, &IdStub::SignInWithApiKey, "", sign_in, &signed_in), IsOk());
    token_ = signed_in.access_token();
  }
  void SetUp() override { ASSERT_FALSE(token_.empty()) << "the notifier could not sign in"; }

  static std::unique_ptr<IdStub> Identity() {
    return idv1::IdentityService::NewStub(
        world_->ChannelFor(idv1::IdentityService::service_full_name()));
  }

  static std::map<std::string, std::string> Fingerprints() { return HubFingerprints(*world_->hub); }

  static MatrixWorld* world_;
  static std::string token_;
};
MatrixWorld* AuthMatrixNotifierTest::world_ = nullptr;
std::string AuthMatrixNotifierTest::token_;

TEST_F(AuthMatrixNotifierTest, TheTokenGrantsNotifierOnEverythingAndNothingElse) {
  nlohmann::json grants = JwtPart(token_, 1)["grants"];
  ASSERT_EQ(grants.size(), 1u) << grants.dump();
  EXPECT_EQ(grants[0]["role"], "notifier");
  EXPECT_EQ(grants[0]["region"], "*");
}

TEST_F(AuthMatrixNotifierTest, ReadsPartnershipsBindingsUsersAndTheFeed) {
  auto identity = Identity();
  {
    idv1::GetPartnershipRequest request;
    request.set_name("partnerships/part-b");
    idv1::Partnership partnership;
    EXPECT_THAT(Call(*identity, &IdStub::GetPartnership, token_, request, &partnership), IsOk());
    EXPECT_EQ(partnership.region(), "regions/region-b");
  }
  {
    idv1::ListRoleBindingsRequest request;
    request.set_scope("partnerships/part-a");
    request.set_page_size(500);
    idv1::ListRoleBindingsResponse bindings;
    ASSERT_THAT(Call(*identity, &IdStub::ListRoleBindings, token_, request, &bindings), IsOk());
    std::set<std::string> principals;
    for (const idv1::RoleBinding& binding : bindings.role_bindings()) {
      principals.insert(binding.principal());
    }
    EXPECT_TRUE(principals.count(world_->identity.user_a)) << bindings.DebugString();
  }
  {
    idv1::GetUserRequest request;
    request.set_name(world_->identity.user_b);
    idv1::User user;
    ASSERT_THAT(Call(*identity, &IdStub::GetUser, token_, request, &user), IsOk());
    EXPECT_FALSE(user.email().empty());
  }
  {
    auto assessment = av1::AssessmentService::NewStub(
        world_->ChannelFor(av1::AssessmentService::service_full_name()));
    av1::ListChangesRequest request;
    request.set_page_size(1000);
    av1::ListChangesResponse changes;
    ASSERT_THAT(
        Call(*assessment, &av1::AssessmentService::Stub::ListChanges, token_, request, &changes),
        IsOk());
    std::set<std::string> partnerships;
    for (const av1::Change& change : changes.changes()) partnerships.insert(change.partnership());
    EXPECT_TRUE(partnerships.count("partnerships/part-a")) << changes.changes_size();
  }
}

TEST_F(AuthMatrixNotifierTest, ReadsNoOfficialSensitiveFileAndNoAdministratorsLists) {
  auto identity = Identity();
  idv1::ListUsersRequest users;
  idv1::ListUsersResponse listed;
  EXPECT_THAT(Call(*identity, &IdStub::ListUsers, token_, users, &listed),
              StatusIs(absl::StatusCode::kPermissionDenied));
  idv1::ListAuditEventsRequest audit;
  idv1::ListAuditEventsResponse events;
  EXPECT_THAT(Call(*identity, &IdStub::ListAuditEvents, token_, audit, &events),
              StatusIs(absl::StatusCode::kPermissionDenied));
  // The matrix's OFFICIAL-SENSITIVE evidence file of part-a: not for deployment-wide readers.
  const pb::MethodDescriptor* get_file = pb::DescriptorPool::generated_pool()->FindMethodByName(
      "sixsteps.assessment.v1.EvidenceFileService.GetEvidenceFile");
  ASSERT_NE(get_file, nullptr);
  std::unique_ptr<pb::Message> request(
      pb::MessageFactory::generated_factory()->GetPrototype(get_file->input_type())->New());
  request->GetReflection()->SetString(request.get(),
                                      request->GetDescriptor()->FindFieldByName("name"),
                                      world_->assessment.evidence_file);
  EXPECT_THAT(CallGeneric(*world_, get_file, *request, token_).status,
              StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(AuthMatrixNotifierTest, EveryWriteIsRefusedAndChangesNothing) {
  const auto before = Fingerprints();
  std::set<std::string> methods;
  int calls = 0;
  auto refused = [&](const std::string& full_name, const pb::Message& request) {
    const pb::MethodDescriptor* method =
        pb::DescriptorPool::generated_pool()->FindMethodByName(full_name);
    ASSERT_NE(method, nullptr) << full_name;
    if (IsReadMethod(*method)) return;
    // The public sign-in methods act on the credential in their request (SignOut of a token
    // nobody holds is a no-op that answers OK), not on the caller's token: not the notifier's.
    for (const char* public_method :
         {"SignIn", "SignInWithApiKey", "RefreshAccessToken", "SignOut"}) {
      if (method->name() == public_method) return;
    }
    SCOPED_TRACE(absl::StrCat(full_name, " as the notifier"));
    Reply reply = CallGeneric(*world_, method, request, token_);
    // Refused by its role: PERMISSION_DENIED, or NOT_FOUND where existence is not confirmed
    // (FAILED_PRECONDITION: a service account has no password to change).
    EXPECT_THAT(reply.status.error_code(),
                ::testing::AnyOf(grpc::StatusCode::PERMISSION_DENIED, grpc::StatusCode::NOT_FOUND,
                                 grpc::StatusCode::FAILED_PRECONDITION))
        << reply.status.error_message();
    methods.insert(full_name);
    ++calls;
  };
  for (const Row& row : AssessmentActionReportingRows(*world_)) {
    refused(row.method, *row.request());
  }
  for (const auto& [method, request] : IdentityAndFrameworkRequests(*world_)) {
    refused(method, *request);
  }
  // The one write a notifier might try for itself: binding itself as hub administrator.
  {
    auto identity = Identity();
    idv1::GetCurrentPrincipalRequest who;
    idv1::GetCurrentPrincipalResponse me;
    ASSERT_THAT(Call(*identity, &IdStub::GetCurrentPrincipal, token_, who, &me), IsOk());
    idv1::CreateRoleBindingRequest bind;
    bind.mutable_role_binding()->set_principal(me.principal());
    bind.mutable_role_binding()->set_role(auth::Role::ROLE_HUB_ADMINISTRATOR);
    bind.mutable_role_binding()->set_scope("*");
    refused("sixsteps.identity.v1.IdentityService.CreateRoleBinding", bind);
  }
  EXPECT_GT(methods.size(), 55u);
  EXPECT_GT(calls, 100);
  EXPECT_EQ(Fingerprints(), before);
}

}  // namespace
}  // namespace sixsteps::testing
