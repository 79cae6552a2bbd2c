// What the unit tests of IdentityServiceImpl's handlers share: the service over a gmock
// store (no PostgreSQL), and calls made as a chosen caller through the RPC's own method, so
// that authentication (SIXSTEPS_RPC) is part of what is tested.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <grpcpp/server_context.h>
#include <grpcpp/test/server_context_test_spouse.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/common/auth.h"
#include "services/common/jwt.h"
#include "services/identity/identity_service.h"
#include "services/identity/mocks/mock_store.h"
#include "tests/support/status_matchers.h"

namespace sixsteps::identity::handlers_test {

using ::sixsteps::testing::IsOk;
using ::sixsteps::testing::StatusIs;
using ::testing::_;
using ::testing::NiceMock;
using ::testing::Return;
using Code = ::absl::StatusCode;

inline auth::Grant Grant(Role role, std::string region, std::string partnership = "",
                         std::string organisation = "") {
  return {role, std::move(region), std::move(partnership), std::move(organisation)};
}

class IdentityHandlersTest : public ::testing::Test {
 protected:
  IdentityHandlersTest() {
    key_ = jwt::GenerateEd25519KeyPair().value();
    // Tokens are verified with the store's keys and revocations, as in identity itself.
    SigningKey published;
    published.key_id = kKeyId;
    published.public_key = key_.public_key;
    published.create_time = absl::Now();
    ON_CALL(store_, PublishedSigningKeys(_))
        .WillByDefault(Return(std::vector<SigningKey>{published}));
    ON_CALL(store_, IsTokenRevoked(_, _, _)).WillByDefault(Return(false));
    IdentityOptions options;
    options.password_cost = PasswordCost::Fast();
    service_ = std::make_unique<IdentityServiceImpl>(
        &store_, KeySealer::FromSecret("unit tests' key encryption secret").value(), options);
  }

  // Calls the RPC `method` as a caller `principal` holding `grants`; the status it returns.
  template <typename Request, typename Response>
  grpc::Status Call(grpc::Status (IdentityServiceImpl::*method)(grpc::ServerContext*,
                                                                const Request*, Response*),
                    const std::string& principal, std::vector<auth::Grant> grants,
                    const Request& request, Response* response = nullptr) {
    auth::Caller caller;
    caller.principal = principal;
    caller.display_name = principal;
    caller.service_account = absl::StartsWith(principal, "serviceAccounts/");
    caller.grants = std::move(grants);
    std::string token =
        jwt::Sign(auth::ClaimsFor(caller, absl::Now(), absl::Minutes(5), "unit-test-token"), kKeyId,
                  key_.private_key)
            .value();
    grpc::ServerContext context;
    grpc::testing::ServerContextTestSpouse spouse(&context);
    spouse.AddClientMetadata("authorization", absl::StrCat("Bearer ", token));
    Response ignored;
    return (service_.get()->*method)(&context, &request, response ? response : &ignored);
  }

  static constexpr char kKeyId[] = "key-unit";
  jwt::KeyPair key_;
  NiceMock<mocks::MockIdentityStore> store_;
  std::unique_ptr<IdentityServiceImpl> service_;
};

// Callers, by what they hold.
inline const std::vector<auth::Grant> kDeploymentAdmin = {Grant(Role::ROLE_HUB_ADMINISTRATOR, "*")};
inline const std::vector<auth::Grant> kNorthHubAdmin = {
    Grant(Role::ROLE_HUB_ADMINISTRATOR, "north")};
inline const std::vector<auth::Grant> kNorthViewer = {Grant(Role::ROLE_VIEWER, "north")};
inline const std::vector<auth::Grant> kSunderlandAdmin = {
    Grant(Role::ROLE_PARTNERSHIP_ADMINISTRATOR, "north", "sunderland")};

inline v1::Region StoredRegion(const std::string& id) {
  v1::Region region;
  region.set_name(RegionName(id));
  region.set_display_name(id);
  return region;
}

inline v1::Partnership StoredPartnership(const std::string& id, const std::string& region) {
  v1::Partnership partnership;
  partnership.set_name(PartnershipName(id));
  partnership.set_region(RegionName(region));
  partnership.set_display_name(id);
  partnership.set_etag("1");
  return partnership;
}

}  // namespace sixsteps::identity::handlers_test
