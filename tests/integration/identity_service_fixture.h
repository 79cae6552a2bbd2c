// What the end-to-end tests of the identity service share (identity_*_test.cc in
// tests/integration, one binary): the suite's shared hub (identity_hub_fixture.h), calls as a
// chosen token, SQL on the identity database, helpers for users, bindings, accounts and keys.
#pragma once

#include <gmock/gmock.h>
#include <google/protobuf/util/time_util.h>
#include <grpcpp/client_context.h>
#include <gtest/gtest.h>

#include <map>
#include <pqxx/pqxx>
#include <set>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/common/jwt.h"
#include "services/identity/identity_service.h"
#include "services/identity/pg_store.h"
#include "services/identity/secrets.h"
#include "tests/integration/identity_hub_fixture.h"
#include "tests/support/pg_cluster.h"
#include "tests/support/status_matchers.h"
#include "tests/support/test_hub.h"

namespace sixsteps::testing {

namespace fwv1 = ::sixsteps::framework::v1;
using ::google::protobuf::util::TimeUtil;
using ::testing::Contains;
using ::testing::Each;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;
using ::testing::UnorderedElementsAre;
using ::testing::UnorderedElementsAreArray;
using Code = absl::StatusCode;
using auth::Role;

// The header or the payload of a JWT, decoded.
inline nlohmann::json JwtPart(const std::string& token, int part) {
  std::vector<std::string> parts = absl::StrSplit(token, '.');
  std::string json;
  EXPECT_EQ(parts.size(), 3u);
  EXPECT_TRUE(absl::WebSafeBase64Unescape(parts.at(part), &json));
  return nlohmann::json::parse(json);
}
inline std::string KeyIdOf(const std::string& token) {
  return JwtPart(token, 0).at("kid").get<std::string>();
}

class IdentityServiceTest : public IdentityHubTest {
 protected:
  IdentityServiceTest() : IdentityHubTest("identity") {}

  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(IdentityHubTest::SetUp());
    framework_ = hub_->FrameworkStub();
  }

  int Count(const std::string& table) {
    return std::stoi(Sql(absl::StrCat("SELECT count(*) FROM ", table)));
  }

  grpc::Status WhoAmI(const std::string& token, idv1::GetCurrentPrincipalResponse* response) {
    return Call(&Stub::GetCurrentPrincipal, token, idv1::GetCurrentPrincipalRequest(), response);
  }
  std::string PrincipalOf(const std::string& token) {
    idv1::GetCurrentPrincipalResponse response;
    EXPECT_THAT(WhoAmI(token, &response), IsOk());
    return response.principal();
  }

  grpc::Status FrameworkList(const std::string& token, fwv1::ListFrameworksResponse* response) {
    grpc::ClientContext context;
    Authorize(context, token);
    return framework_->ListFrameworks(&context, fwv1::ListFrameworksRequest(), response);
  }

  // A user without any binding, created by the administrator; returns "users/{id}".
  std::string MustCreateUser(const std::string& email) {
    idv1::CreateUserRequest request;
    request.mutable_user()->set_email(email);
    request.mutable_user()->set_display_name(email);
    request.set_password(kUserPassword);
    idv1::User user;
    EXPECT_THAT(Call(&Stub::CreateUser, admin_, request, &user), IsOk());
    return user.name();
  }

  grpc::Status Bind(const std::string& token, const std::string& principal, Role role,
                    const std::string& scope, idv1::RoleBinding* binding = nullptr,
                    const std::string& organisation = "") {
    idv1::CreateRoleBindingRequest request;
    request.mutable_role_binding()->set_principal(principal);
    request.mutable_role_binding()->set_role(role);
    request.mutable_role_binding()->set_scope(scope);
    request.mutable_role_binding()->set_organisation(organisation);
    idv1::RoleBinding ignored;
    return Call(&Stub::CreateRoleBinding, token, request, binding ? binding : &ignored);
  }

  grpc::Status Unbind(const std::string& token, const std::string& name) {
    idv1::DeleteRoleBindingRequest request;
    request.set_name(name);
    google::protobuf::Empty empty;
    return Call(&Stub::DeleteRoleBinding, token, request, &empty);
  }

  // Regions north-east (partnerships sunderland, gateshead) and london (camden).
  void MakeTenancy() {
    ASSERT_THAT(hub_->CreateRegion("north-east"), IsOk());
    ASSERT_THAT(hub_->CreateRegion("london"), IsOk());
    ASSERT_THAT(hub_->CreatePartnership("sunderland", "north-east"), IsOk());
    ASSERT_THAT(hub_->CreatePartnership("gateshead", "north-east"), IsOk());
    ASSERT_THAT(hub_->CreatePartnership("camden", "london"), IsOk());
    ASSERT_THAT(
        hub_->CreateOrganisation("sunderland", "police", idv1::ORGANISATION_KIND_POLICE, true),
        IsOk());
    ASSERT_THAT(hub_->CreateOrganisation("camden", "police", idv1::ORGANISATION_KIND_POLICE, true),
                IsOk());
  }

  // A service account owned by `owner`, bound as integration there; returns its name.
  std::string MustServiceAccount(const std::string& owner) {
    idv1::CreateServiceAccountRequest request;
    request.mutable_service_account()->set_display_name("Case system");
    request.mutable_service_account()->set_owner(owner);
    idv1::ServiceAccount account;
    EXPECT_THAT(Call(&Stub::CreateServiceAccount, admin_, request, &account), IsOk());
    EXPECT_THAT(Bind(admin_, account.name(), Role::ROLE_INTEGRATION, owner), IsOk());
    return account.name();
  }

  grpc::Status CreateApiKey(const std::string& account, absl::Duration lifetime,
                            idv1::CreateApiKeyResponse* response, const std::string& token = "") {
    idv1::CreateApiKeyRequest request;
    request.set_parent(account);
    request.mutable_api_key()->set_display_name("nightly export");
    *request.mutable_api_key()->mutable_expire_time() =
        TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(absl::Now() + lifetime));
    return Call(&Stub::CreateApiKey, token.empty() ? admin_ : token, request, response);
  }

  grpc::Status SignInWithApiKey(const std::string& secret,
                                idv1::SignInWithApiKeyResponse* response = nullptr) {
    idv1::SignInWithApiKeyRequest request;
    request.set_api_key(secret);
    idv1::SignInWithApiKeyResponse ignored;
    return Call(&Stub::SignInWithApiKey, "", request, response ? response : &ignored);
  }

  std::unique_ptr<fwv1::FrameworkService::Stub> framework_;
};

inline std::set<std::string> Actions(const std::vector<idv1::AuditEvent>& events) {
  std::set<std::string> actions;
  for (const auto& event : events) actions.insert(event.action());
  return actions;
}

}  // namespace sixsteps::testing
