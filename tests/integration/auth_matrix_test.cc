// The refusal matrix of IdentityService and FrameworkService (assessment, actions and
// reporting: auth_matrix_assessment_test.cc; the check that every method of every service
// has its rows: auth_matrix_coverage_test.cc; the shared hub: tests/support/auth_matrix.h).
// A NEW IDENTITY OR FRAMEWORK RPC: add its request and the code region B's user gets to
// TableOf() below, e.g.
//   id("UnlockUser", {"A's user", Msg(unlock_alice), Code::kNotFound});
// Every case is called through a generic stub with
//   (a) no token, (b) an expired token, (c) a token signed by another key under the
//   current key id, (d) tampered tokens (a flipped payload character; a payload rewritten
//   to grant deployment administration), (e) a token for an unknown key id
// — all refused with UNAUTHENTICATED, except the public sign-in methods, which ignore the
// token and answer from their request — and with
//   (f) a valid token of a user whose roles are all in region B / partnership B,
// aimed at the records of region A / partnership A: the expected code per case is in the
// table. Around each matrix both databases are fingerprinted (every table but
// audit_events, the sign-in throttles and refresh_tokens), and must be unchanged.
#include <gmock/gmock.h>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/message.h>
#include <google/protobuf/util/time_util.h>
#include <grpcpp/client_context.h>
#include <grpcpp/completion_queue.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/support/byte_buffer.h>
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <pqxx/pqxx>
#include <set>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "services/common/jwt.h"
#include "services/framework/domain.h"
#include "tests/support/auth_matrix.h"
#include "tests/support/status_matchers.h"
#include "tests/support/test_hub.h"

namespace sixsteps::testing {
namespace {

namespace pb = ::google::protobuf;
namespace idv1 = ::sixsteps::identity::v1;
namespace fwv1 = ::sixsteps::framework::v1;
using ::google::protobuf::util::TimeUtil;
using Code = absl::StatusCode;
using auth::Role;

constexpr char kBuiltInVersion[] = "frameworks/six-steps/versions/2019";

// The RPCs anyone may call without a token: they authenticate from their request.
const std::set<std::string> kPublicMethods = {
    "sixsteps.identity.v1.IdentityService.SignIn",
    "sixsteps.identity.v1.IdentityService.SignInWithApiKey",
    "sixsteps.identity.v1.IdentityService.RefreshAccessToken",
    "sixsteps.identity.v1.IdentityService.SignOut",
    "sixsteps.identity.v1.IdentityService.ListPublicKeys",
    "sixsteps.identity.v1.IdentityService.ListTokenRevocations",
};

std::vector<const pb::ServiceDescriptor*> Services() {
  const pb::DescriptorPool* pool = pb::DescriptorPool::generated_pool();
  return {pool->FindServiceByName(idv1::IdentityService::service_full_name()),
          pool->FindServiceByName(fwv1::FrameworkService::service_full_name())};
}

// One request of the matrix: what it tries, and what the user of region B gets.
struct Case {
  std::string what;
  std::shared_ptr<pb::Message> request;
  Code as_region_b;
};

template <typename T>
std::shared_ptr<pb::Message> Msg(T message) {
  return std::make_shared<T>(std::move(message));
}

class AuthMatrixTest : public ::testing::Test {
 protected:
  // The binary's one hub and its records (tests/support/auth_matrix.h): the matrix
  // changes nothing.
  static void SetUpTestSuite() {
    absl::StatusOr<MatrixWorld*> world = GetMatrixWorld();
    ASSERT_THAT(world, IsOk());
    world_ = *world;
    hub_ = world_->hub.get();
    admin_ = &world_->admin;
    records_ = &world_->identity;
  }
  void SetUp() override { ASSERT_NE(world_, nullptr) << "the matrix's hub failed to start"; }

  using Records = IdentityRecords;

  // The table: every method's requests, aimed at A's records, and the code the user of
  // region B gets. Public methods get the same code whatever token comes with them.
  static std::map<std::string, std::vector<Case>> Table() { return TableOf(*records_); }

 public:
  static std::map<std::string, std::vector<Case>> TableOf(const Records& r) {
    std::map<std::string, std::vector<Case>> table;
    auto add = [&](const std::string& service, const std::string& method, Case c) {
      table[absl::StrCat("sixsteps.", service, ".v1.",
                         service == "identity" ? "IdentityService" : "FrameworkService", ".",
                         method)]
          .push_back(std::move(c));
    };
    auto id = [&](const std::string& method, Case c) { add("identity", method, std::move(c)); };
    auto fw = [&](const std::string& method, Case c) { add("framework", method, std::move(c)); };

    // ---- Identity: the public methods, with wrong credentials in the request.
    {
      idv1::SignInRequest m;
      m.set_email("alice@a.test");
      m.set_password("not alice's password");
      id("SignIn", {"A's user with a wrong password", Msg(m), Code::kUnauthenticated});
    }
    {
      idv1::SignInWithApiKeyRequest m;
      m.set_api_key(absl::StrCat("ssk.", r.api_key_a_id, ".bm90IHRoZSBzZWNyZXQgb2YgdGhpcyBrZXk"));
      id("SignInWithApiKey", {"A's key with a wrong secret", Msg(m), Code::kUnauthenticated});
    }
    {
      idv1::RefreshAccessTokenRequest m;
      m.set_refresh_token("ssr.bm90IGEgcmVmcmVzaCB0b2tlbiB0aGlzIHNlcnZpY2UgaXNzdWVk");
      id("RefreshAccessToken", {"a refresh token never issued", Msg(m), Code::kUnauthenticated});
    }
    {
      // Revoking a token nobody holds is a no-op, and says so with OK: the refresh token
      // itself is the credential, so SignOut cannot revoke anyone else's.
      idv1::SignOutRequest m;
      m.set_refresh_token("ssr.bm90IGEgcmVmcmVzaCB0b2tlbiB0aGlzIHNlcnZpY2UgaXNzdWVk");
      id("SignOut", {"a refresh token never issued", Msg(m), Code::kOk});
    }
    id("ListPublicKeys", {"the public keys", Msg(idv1::ListPublicKeysRequest()), Code::kOk});
    id("ListTokenRevocations",
       {"the revoked tokens (digests only)", Msg(idv1::ListTokenRevocationsRequest()), Code::kOk});

    // ---- Identity: the caller's own principal.
    id("GetCurrentPrincipal",
       {"who am I (B sees B)", Msg(idv1::GetCurrentPrincipalRequest()), Code::kOk});
    {
      idv1::ChangePasswordRequest m;
      m.set_current_password("not bob's password");
      m.set_new_password("a brand new long password");
      id("ChangePassword", {"with a wrong current password", Msg(m), Code::kPermissionDenied});
    }
    id("RotateSigningKey", {"rotate the deployment's key", Msg(idv1::RotateSigningKeyRequest()),
                            Code::kPermissionDenied});

    // ---- Regions and partnerships.
    {
      idv1::CreateRegionRequest m;
      m.set_region_id("region-c");
      m.mutable_region()->set_display_name("Region C");
      id("CreateRegion", {"a new region", Msg(m), Code::kPermissionDenied});
    }
    {
      idv1::GetRegionRequest m;
      m.set_name("regions/region-a");
      id("GetRegion", {"region A", Msg(m), Code::kNotFound});
    }
    id("ListRegions", {"every region (none of A)", Msg(idv1::ListRegionsRequest()), Code::kOk});
    {
      idv1::CreatePartnershipRequest m;
      m.set_partnership_id("part-a-two");
      m.mutable_partnership()->set_display_name("Another partnership of A");
      m.mutable_partnership()->set_region("regions/region-a");
      id("CreatePartnership", {"a partnership in region A", Msg(m), Code::kNotFound});
    }
    {
      idv1::GetPartnershipRequest m;
      m.set_name("partnerships/part-a");
      id("GetPartnership", {"partnership A", Msg(m), Code::kNotFound});
    }
    {
      idv1::ListPartnershipsRequest m;
      m.set_region("regions/region-a");
      id("ListPartnerships", {"region A's partnerships (none)", Msg(m), Code::kOk});
      id("ListPartnerships",
         {"every partnership (none of A)", Msg(idv1::ListPartnershipsRequest()), Code::kOk});
    }
    {
      idv1::UpdatePartnershipRequest m;
      m.mutable_partnership()->set_name("partnerships/part-a");
      m.mutable_partnership()->set_display_name("Taken over");
      m.mutable_partnership()->set_regional_comparison_opt_out(true);
      id("UpdatePartnership", {"partnership A", Msg(m), Code::kNotFound});
    }

    // ---- Organisations.
    {
      idv1::CreateOrganisationRequest m;
      m.set_parent("partnerships/part-a");
      m.set_organisation_id("health");
      m.mutable_organisation()->set_display_name("Health");
      m.mutable_organisation()->set_kind(idv1::ORGANISATION_KIND_HEALTH);
      id("CreateOrganisation", {"in partnership A", Msg(m), Code::kNotFound});
    }
    {
      idv1::GetOrganisationRequest m;
      m.set_name("partnerships/part-a/organisations/police");
      id("GetOrganisation", {"A's police", Msg(m), Code::kNotFound});
    }
    {
      idv1::ListOrganisationsRequest m;
      m.set_parent("partnerships/part-a");
      id("ListOrganisations", {"A's organisations", Msg(m), Code::kNotFound});
    }

    // ---- Users.
    {
      // Finding 15 of the security review: an administrator who does not administer the
      // existing account gets the answer of a fresh creation, naming that account (to bind
      // it) and applying nothing of the request, so an email's existence elsewhere is not
      // revealed.
      idv1::CreateUserRequest m;
      m.mutable_user()->set_email("ALICE@a.test");
      m.mutable_user()->set_display_name("Alice again");
      m.set_password("a long enough password");
      id("CreateUser", {"a user with A's user's email", Msg(m), Code::kOk});
    }
    {
      idv1::GetUserRequest m;
      m.set_name(r.user_a);
      id("GetUser", {"A's user", Msg(m), Code::kNotFound});
    }
    {
      idv1::UnlockUserRequest m;
      m.set_name(r.user_a);
      id("UnlockUser", {"A's user", Msg(m), Code::kNotFound});
    }
    id("ListUsers",
       {"every user B administers (none of A)", Msg(idv1::ListUsersRequest()), Code::kOk});

    // ---- Service accounts and API keys.
    {
      idv1::CreateServiceAccountRequest m;
      m.mutable_service_account()->set_display_name("Planted in A");
      m.mutable_service_account()->set_owner("partnerships/part-a");
      id("CreateServiceAccount", {"owned by partnership A", Msg(m), Code::kNotFound});
      m.mutable_service_account()->set_owner("regions/region-a");
      id("CreateServiceAccount", {"owned by region A", Msg(m), Code::kNotFound});
    }
    {
      idv1::GetServiceAccountRequest m;
      m.set_name(r.account_a);
      id("GetServiceAccount", {"A's service account", Msg(m), Code::kNotFound});
    }
    id("ListServiceAccounts", {"every account B administers (none of A)",
                               Msg(idv1::ListServiceAccountsRequest()), Code::kOk});
    {
      idv1::CreateApiKeyRequest m;
      m.set_parent(r.account_a);
      m.mutable_api_key()->set_display_name("stolen");
      *m.mutable_api_key()->mutable_expire_time() =
          TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(absl::Now() + absl::Hours(24)));
      id("CreateApiKey", {"for A's service account", Msg(m), Code::kNotFound});
    }
    {
      idv1::ListApiKeysRequest m;
      m.set_parent(r.account_a);
      id("ListApiKeys", {"of A's service account", Msg(m), Code::kNotFound});
    }
    {
      idv1::RevokeApiKeyRequest m;
      m.set_name(r.api_key_a);
      id("RevokeApiKey", {"A's key", Msg(m), Code::kNotFound});
    }

    // ---- Role bindings.
    {
      idv1::CreateRoleBindingRequest m;
      m.mutable_role_binding()->set_principal(r.user_b);
      m.mutable_role_binding()->set_role(Role::ROLE_PARTNERSHIP_ADMINISTRATOR);
      m.mutable_role_binding()->set_scope("partnerships/part-a");
      id("CreateRoleBinding", {"B into partnership A", Msg(m), Code::kNotFound});
      m.mutable_role_binding()->set_role(Role::ROLE_HUB_ADMINISTRATOR);
      m.mutable_role_binding()->set_scope("regions/region-a");
      id("CreateRoleBinding", {"B as region A's hub administrator", Msg(m), Code::kNotFound});
      m.mutable_role_binding()->set_scope("*");
      id("CreateRoleBinding", {"B as deployment administrator", Msg(m), Code::kPermissionDenied});
    }
    {
      idv1::DeleteRoleBindingRequest m;
      m.set_name(r.binding_a);
      id("DeleteRoleBinding", {"A's user's binding", Msg(m), Code::kNotFound});
    }
    {
      idv1::ListRoleBindingsRequest m;
      m.set_scope("partnerships/part-a");
      id("ListRoleBindings", {"on partnership A", Msg(m), Code::kNotFound});
      m.set_scope("");
      m.set_principal(r.user_a);
      id("ListRoleBindings", {"of A's user (none visible)", Msg(m), Code::kOk});
    }
    {
      idv1::ListAuditEventsRequest m;
      m.set_region("regions/region-a");
      id("ListAuditEvents", {"region A's events (none)", Msg(m), Code::kOk});
    }

    // ---- Frameworks.
    {
      fwv1::GetFrameworkRequest m;
      m.set_name("frameworks/frame-a");
      fw("GetFramework", {"A's framework", Msg(m), Code::kNotFound});
    }
    fw("ListFrameworks",
       {"every framework (none of A)", Msg(fwv1::ListFrameworksRequest()), Code::kOk});
    {
      fwv1::AdaptFrameworkRequest m;
      m.set_source_version("frameworks/frame-a/versions/1");
      m.set_framework_id("copy-of-a");
      m.set_display_name("Copy of A");
      m.set_region("region-b");
      fw("AdaptFramework", {"A's framework into region B", Msg(m), Code::kNotFound});
      m.set_source_version(kBuiltInVersion);
      m.set_region("region-a");
      fw("AdaptFramework", {"the built-in into region A", Msg(m), Code::kPermissionDenied});
    }
    {
      fwv1::GetFrameworkVersionRequest m;
      m.set_name("frameworks/frame-a/versions/1");
      fw("GetFrameworkVersion", {"A's published version", Msg(m), Code::kNotFound});
    }
    {
      fwv1::ListFrameworkVersionsRequest m;
      m.set_parent("frameworks/frame-a");
      fw("ListFrameworkVersions", {"of A's framework", Msg(m), Code::kNotFound});
    }
    {
      fwv1::CreateFrameworkVersionRequest m;
      m.set_parent("frameworks/frame-a");
      m.set_version_id("3");
      fw("CreateFrameworkVersion", {"of A's framework", Msg(m), Code::kNotFound});
      m.set_parent("frameworks/six-steps");
      m.set_version_id("2025");
      fw("CreateFrameworkVersion", {"of the built-in", Msg(m), Code::kFailedPrecondition});
    }
    {
      fwv1::UpdateFrameworkVersionRequest m;
      *m.mutable_framework_version() = r.draft_a;
      m.mutable_framework_version()->set_title("Rewritten by B");
      m.mutable_update_mask()->add_paths("title");
      fw("UpdateFrameworkVersion", {"A's draft", Msg(m), Code::kNotFound});
      *m.mutable_framework_version() = r.built_in;
      m.mutable_framework_version()->set_title("Rewritten by B");
      fw("UpdateFrameworkVersion", {"the built-in", Msg(m), Code::kFailedPrecondition});
    }
    {
      fwv1::DeleteFrameworkVersionRequest m;
      m.set_name(r.draft_a.name());
      fw("DeleteFrameworkVersion", {"A's draft", Msg(m), Code::kNotFound});
      m.set_name(kBuiltInVersion);
      fw("DeleteFrameworkVersion", {"the built-in", Msg(m), Code::kFailedPrecondition});
    }
    {
      fwv1::PublishFrameworkVersionRequest m;
      m.set_name(r.draft_a.name());
      fw("PublishFrameworkVersion", {"A's draft", Msg(m), Code::kNotFound});
      m.set_name(kBuiltInVersion);
      fw("PublishFrameworkVersion", {"the built-in", Msg(m), Code::kFailedPrecondition});
    }
    {
      fwv1::RetireFrameworkVersionRequest m;
      m.set_name("frameworks/frame-a/versions/1");
      fw("RetireFrameworkVersion", {"A's published version", Msg(m), Code::kNotFound});
      m.set_name(kBuiltInVersion);
      fw("RetireFrameworkVersion", {"the built-in", Msg(m), Code::kFailedPrecondition});
    }
    {
      fwv1::ExportFrameworkVersionRequest m;
      m.set_name("frameworks/frame-a/versions/1");
      fw("ExportFrameworkVersion", {"A's published version", Msg(m), Code::kNotFound});
    }
    {
      fwv1::ImportFrameworkVersionRequest m;
      *m.mutable_document() = r.document_a;
      m.mutable_document()->set_version_id("9");
      m.set_region("region-a");
      fw("ImportFrameworkVersion",
         {"a new version of A's framework, into region A", Msg(m), Code::kPermissionDenied});
      m.mutable_document()->set_framework_id("planted-in-a");
      fw("ImportFrameworkVersion",
         {"a new framework into region A", Msg(m), Code::kPermissionDenied});
    }
    {
      fwv1::DiffFrameworkVersionsRequest m;
      m.set_base_version(kBuiltInVersion);
      m.set_target_version("frameworks/frame-a/versions/1");
      fw("DiffFrameworkVersions", {"the built-in against A's", Msg(m), Code::kNotFound});
    }
    return table;
  }

 protected:
  static Reply Call(const pb::MethodDescriptor* method, const pb::Message& request,
                    const std::string& token) {
    // The matrix calls SignIn with a wrong password dozens of times from one address: the
    // per-(email, client) backoff (tested in identity_security_test) would soon answer
    // RESOURCE_EXHAUSTED instead of the UNAUTHENTICATED this table is about.
    if (method->name() == "SignIn" || method->name() == "ChangePassword") {
      pqxx::connection connection(hub_->identity_database_url());
      pqxx::work work(connection);
      work.exec("DELETE FROM sign_in_backoff");
      work.commit();
    }
    return CallGeneric(*world_, method, request, token);
  }

  static std::map<std::string, std::string> BothFingerprints() {
    return HubFingerprints(*hub_, /*with_assessment=*/false);
  }

  static std::string LeakOf(const pb::Message& response) {
    return ::sixsteps::testing::LeakOf(*world_, response);
  }

  static MatrixWorld* world_;
  static TestHub* hub_;
  static std::string* admin_;
  static Records* records_;
};
MatrixWorld* AuthMatrixTest::world_ = nullptr;

TestHub* AuthMatrixTest::hub_ = nullptr;
std::string* AuthMatrixTest::admin_ = nullptr;
AuthMatrixTest::Records* AuthMatrixTest::records_ = nullptr;

TEST_F(AuthMatrixTest, EveryMethodOfBothServicesHasATableEntry) {
  std::map<std::string, std::vector<Case>> table = Table();
  std::set<std::string> methods;
  for (const pb::ServiceDescriptor* service : Services()) {
    ASSERT_NE(service, nullptr);
    ASSERT_GT(service->method_count(), 0);
    for (int i = 0; i < service->method_count(); ++i) {
      const pb::MethodDescriptor* method = service->method(i);
      methods.insert(method->full_name());
      auto it = table.find(method->full_name());
      if (it == table.end() || it->second.empty()) {
        ADD_FAILURE() << method->full_name()
                      << " has no entry in the auth matrix: add the request it is called "
                         "with and the code a user of another region gets";
        continue;
      }
      for (const Case& c : it->second) {
        EXPECT_EQ(c.request->GetDescriptor(), method->input_type())
            << method->full_name() << " (" << c.what << ") is called with a "
            << c.request->GetTypeName();
      }
    }
  }
  for (const auto& [name, cases] : table) {
    EXPECT_TRUE(methods.count(name)) << "the auth matrix names " << name << ", no such method";
  }
  for (const std::string& name : kPublicMethods) EXPECT_TRUE(methods.count(name)) << name;
}

TEST_F(AuthMatrixTest, BadTokensAreRefusedByEveryMethodAndChangeNothing) {
  const auto before = BothFingerprints();
  ASSERT_TRUE(before.count("identity.users") && before.count("framework.framework_versions"));
  const std::map<std::string, std::vector<Case>> table = Table();
  int calls = 0;
  for (const auto& [kind, token] : BadTokens(*world_)) {
    for (const pb::ServiceDescriptor* service : Services()) {
      for (int i = 0; i < service->method_count(); ++i) {
        const pb::MethodDescriptor* method = service->method(i);
        auto it = table.find(method->full_name());
        if (it == table.end()) continue;  // the coverage test reports it
        const bool is_public = kPublicMethods.count(method->full_name()) > 0;
        for (const Case& c : it->second) {
          SCOPED_TRACE(absl::StrCat(method->full_name(), " (", c.what, ") with ", kind));
          Reply reply = Call(method, *c.request, token);
          ++calls;
          // The public methods ignore the token and answer from their request; every other
          // method refuses before it looks at the request.
          Code expected = is_public ? c.as_region_b : Code::kUnauthenticated;
          EXPECT_THAT(reply.status, StatusIs(expected));
        }
      }
    }
  }
  EXPECT_GT(calls, 300);
  EXPECT_EQ(BothFingerprints(), before);
}

TEST_F(AuthMatrixTest, AUserOfAnotherRegionIsRefusedByEveryMethodAndChangesNothing) {
  const auto before = BothFingerprints();
  const std::map<std::string, std::vector<Case>> table = Table();
  for (const pb::ServiceDescriptor* service : Services()) {
    for (int i = 0; i < service->method_count(); ++i) {
      const pb::MethodDescriptor* method = service->method(i);
      auto it = table.find(method->full_name());
      if (it == table.end()) continue;
      for (const Case& c : it->second) {
        SCOPED_TRACE(absl::StrCat(method->full_name(), " (", c.what, ") as B"));
        Reply reply = Call(method, *c.request, world_->TokenOf(Who::kRegionB));
        EXPECT_THAT(reply.status, StatusIs(c.as_region_b));
        // Lists answer, but with nothing of A; CreateUser of an existing email names the
        // existing account by design (see its row), and nothing more of it.
        if (reply.status.ok() && method->name() != "CreateUser") {
          EXPECT_EQ(LeakOf(*reply.response), "") << reply.response->DebugString();
        }
      }
    }
  }
  EXPECT_EQ(BothFingerprints(), before);
}

TEST_F(AuthMatrixTest, TheReadsOfTheMatrixAimAtRealRecords) {
  // The deployment administrator gets OK for every read the user of region B was refused:
  // B's NOT_FOUND is about visibility, not about records that do not exist.
  const auto before = BothFingerprints();
  const std::map<std::string, std::vector<Case>> table = Table();
  int checked = 0;
  for (const pb::ServiceDescriptor* service : Services()) {
    for (int i = 0; i < service->method_count(); ++i) {
      const pb::MethodDescriptor* method = service->method(i);
      const std::string& name = method->name();
      bool read = absl::StartsWith(name, "Get") || absl::StartsWith(name, "List") ||
                  absl::StartsWith(name, "Export") || absl::StartsWith(name, "Diff");
      auto it = table.find(method->full_name());
      if (!read || it == table.end()) continue;
      for (const Case& c : it->second) {
        SCOPED_TRACE(absl::StrCat(method->full_name(), " (", c.what, ") as the administrator"));
        Reply reply = Call(method, *c.request, *admin_);
        EXPECT_THAT(reply.status, IsOk());
        ++checked;
        // Where B's list was empty of A, the administrator's is not.
        if (c.as_region_b == Code::kOk && reply.status.ok() &&
            method->name() != "GetCurrentPrincipal" && method->name() != "ListPublicKeys" &&
            method->name() != "ListTokenRevocations") {
          EXPECT_NE(LeakOf(*reply.response), "")
              << "a list that shows B nothing of A should show the administrator some of A";
        }
      }
    }
  }
  EXPECT_GT(checked, 15);
  EXPECT_EQ(BothFingerprints(), before);
}

}  // namespace

std::vector<std::pair<std::string, std::shared_ptr<pb::Message>>> IdentityAndFrameworkRequests(
    const MatrixWorld& world) {
  std::vector<std::pair<std::string, std::shared_ptr<pb::Message>>> requests;
  for (const auto& [method, cases] : AuthMatrixTest::TableOf(world.identity)) {
    for (const Case& c : cases) requests.push_back({method, c.request});
  }
  return requests;
}

std::set<std::string> IdentityAndFrameworkMethods(const MatrixWorld& world) {
  std::set<std::string> methods;
  for (const auto& [method, cases] : AuthMatrixTest::TableOf(world.identity)) {
    if (!cases.empty()) methods.insert(method);
  }
  return methods;
}

}  // namespace sixsteps::testing
