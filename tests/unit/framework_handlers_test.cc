// Unit tests of FrameworkService's handlers over a gmock store (no PostgreSQL): who may see
// and change a framework, with which status each refusal answers, and that a refusal writes
// nothing. Calls go through the RPC's own method, so authentication is part of the test.
#include <memory>
#include <string>
#include <vector>

#include <grpcpp/server_context.h>
#include <grpcpp/test/server_context_test_spouse.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "services/common/auth.h"
#include "services/common/jwt.h"
#include "services/framework/framework_service.h"
#include "services/framework/mocks/mock_store.h"
#include "tests/support/status_matchers.h"

namespace sixsteps::framework {
namespace {

using ::sixsteps::testing::IsOk;
using ::sixsteps::testing::StatusIs;
using ::testing::_;
using ::testing::NiceMock;
using ::testing::Return;
using Code = ::absl::StatusCode;
using Role = ::sixsteps::identity::v1::Role;

constexpr char kKeyId[] = "key-unit";

auth::Grant Grant(Role role, std::string region) { return {role, std::move(region), "", ""}; }

class FixedKey final : public auth::PublicKeySource {
 public:
  explicit FixedKey(std::string public_key) : public_key_(std::move(public_key)) {}
  absl::StatusOr<std::string> Find(absl::string_view key_id) override {
    if (key_id != kKeyId) return absl::NotFoundError("unknown signing key");
    return public_key_;
  }

 private:
  std::string public_key_;
};

class FrameworkHandlersTest : public ::testing::Test {
 protected:
  FrameworkHandlersTest()
      : key_(jwt::GenerateEd25519KeyPair().value()),
        verifier_(std::make_shared<FixedKey>(key_.public_key)),
        service_(&store_, &verifier_) {
    ON_CALL(store_, GetFramework(absl::string_view("north-local")))
        .WillByDefault(Return(Framework("north")));
  }

  static v1::Framework Framework(const std::string& region) {
    v1::Framework framework;
    framework.set_name(absl::StrCat("frameworks/", region, "-local"));
    framework.set_region(region);
    return framework;
  }

  template <typename Request, typename Response>
  grpc::Status Call(grpc::Status (FrameworkServiceImpl::*method)(grpc::ServerContext*,
                                                                 const Request*, Response*),
                    std::vector<auth::Grant> grants, const Request& request) {
    auth::Caller caller;
    caller.principal = "users/u-1";
    caller.grants = std::move(grants);
    std::string token = jwt::Sign(auth::ClaimsFor(caller, absl::Now(), absl::Minutes(5), "t"),
                                  kKeyId, key_.private_key)
                            .value();
    grpc::ServerContext context;
    // The spouse holds the metadata the context refers to: it lives as long as the call.
    grpc::testing::ServerContextTestSpouse spouse(&context);
    spouse.AddClientMetadata("authorization", absl::StrCat("Bearer ", token));
    Response response;
    return (service_.*method)(&context, &request, &response);
  }

  jwt::KeyPair key_;
  auth::TokenVerifier verifier_;
  NiceMock<mocks::MockFrameworkStore> store_;
  FrameworkServiceImpl service_;
};

TEST_F(FrameworkHandlersTest, AFrameworkOfAnotherRegionIsNotFound) {
  ON_CALL(store_, GetFramework(absl::string_view("south-local")))
      .WillByDefault(Return(Framework("south")));
  v1::GetFrameworkRequest request;
  request.set_name("frameworks/south-local");
  EXPECT_THAT(
      Call(&FrameworkServiceImpl::GetFramework, {Grant(Role::ROLE_VIEWER, "north")}, request),
      StatusIs(Code::kNotFound, "frameworks/south-local"));
}

TEST_F(FrameworkHandlersTest, ViewersCannotDraftAVersionAndNothingIsWritten) {
  EXPECT_CALL(store_, CreateVersion).Times(0);
  v1::CreateFrameworkVersionRequest request;
  request.set_parent("frameworks/north-local");
  request.set_version_id("2");
  EXPECT_THAT(Call(&FrameworkServiceImpl::CreateFrameworkVersion,
                   {Grant(Role::ROLE_VIEWER, "north")}, request),
              StatusIs(Code::kPermissionDenied));
}

TEST_F(FrameworkHandlersTest, AnUpdateWithoutAnEtagIsRefusedNamingTheField) {
  EXPECT_CALL(store_, UpdateVersion).Times(0);
  v1::UpdateFrameworkVersionRequest request;
  request.mutable_framework_version()->set_name("frameworks/north-local/versions/1");
  EXPECT_THAT(Call(&FrameworkServiceImpl::UpdateFrameworkVersion,
                   {Grant(Role::ROLE_HUB_ADMINISTRATOR, "north")}, request),
              StatusIs(Code::kInvalidArgument, "framework_version.etag"));
}

TEST_F(FrameworkHandlersTest, AdaptingIntoARegionTheCallerDoesNotAdministerWritesNothing) {
  v1::FrameworkVersion source;
  source.set_name("frameworks/north-local/versions/1");
  ON_CALL(store_, GetVersion(_)).WillByDefault(Return(source));
  EXPECT_CALL(store_, CreateFramework).Times(0);
  v1::AdaptFrameworkRequest request;
  request.set_source_version("frameworks/north-local/versions/1");
  request.set_framework_id("south-copy");
  request.set_display_name("South copy");
  request.set_region("south");
  EXPECT_THAT(Call(&FrameworkServiceImpl::AdaptFramework,
                   {Grant(Role::ROLE_HUB_ADMINISTRATOR, "north")}, request),
              StatusIs(Code::kPermissionDenied));
}

TEST_F(FrameworkHandlersTest, ListingFrameworksAsksTheStoreForTheCallersRegions) {
  EXPECT_CALL(store_, ListFrameworks(_, _, false, std::vector<std::string>{"north"}))
      .WillOnce(Return(std::vector<v1::Framework>{Framework("north")}));
  v1::ListFrameworksRequest request;
  EXPECT_THAT(
      Call(&FrameworkServiceImpl::ListFrameworks, {Grant(Role::ROLE_VIEWER, "north")}, request),
      IsOk());
}

}  // namespace
}  // namespace sixsteps::framework
