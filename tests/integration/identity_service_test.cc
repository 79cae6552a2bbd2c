// The identity service end to end: sign-in, throttling, refresh tokens, API keys,
// bootstrap, role bindings and who may grant them, scoped lists, the audit log and key
// rotation. A real PostgreSQL database and real gRPC servers on 127.0.0.1. The clock of
// throttling is driven by rewriting sign_in_backoff in the database, never by sleeping.
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
#include "tests/support/pg_cluster.h"
#include "tests/support/status_matchers.h"
#include "tests/support/test_hub.h"

namespace sixsteps::testing {
namespace {

namespace idv1 = ::sixsteps::identity::v1;
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
using Stub = idv1::IdentityService::Stub;
using auth::Role;

constexpr char kUserPassword[] = "a long enough password";  // TestHub::UserWithRoles's

// The header or the payload of a JWT, decoded.
nlohmann::json JwtPart(const std::string& token, int part) {
  std::vector<std::string> parts = absl::StrSplit(token, '.');
  std::string json;
  EXPECT_EQ(parts.size(), 3u);
  EXPECT_TRUE(absl::WebSafeBase64Unescape(parts.at(part), &json));
  return nlohmann::json::parse(json);
}
std::string KeyIdOf(const std::string& token) {
  return JwtPart(token, 0).at("kid").get<std::string>();
}

class IdentityServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto hub = TestHub::Start("identity");
    ASSERT_THAT(hub, IsOk());
    hub_ = std::move(*hub);
    stub_ = hub_->IdentityStub();
    framework_ = hub_->FrameworkStub();
    admin_ = hub_->admin_token();
    db_ = std::make_unique<pqxx::connection>(hub_->identity_database_url());
  }

  // Calls an identity RPC with `token` ("" for none).
  template <typename Request, typename Response>
  grpc::Status Call(grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
                    const std::string& token, const Request& request, Response* response) {
    grpc::ClientContext context;
    if (!token.empty()) Authorize(context, token);
    return (stub_.get()->*method)(&context, request, response);
  }

  // Runs SQL on the identity database; returns the first column of the first row.
  template <typename... Args>
  std::string Sql(const std::string& sql, Args&&... args) {
    pqxx::work work(*db_);
    pqxx::result rows = work.exec_params(sql, std::forward<Args>(args)...);
    work.commit();
    if (rows.empty() || rows[0].empty() || rows[0][0].is_null()) return "";
    return rows[0][0].as<std::string>();
  }
  int Count(const std::string& table) {
    return std::stoi(Sql(absl::StrCat("SELECT count(*) FROM ", table)));
  }

  grpc::Status SignIn(const std::string& email, const std::string& password,
                      idv1::SignInResponse* response = nullptr) {
    idv1::SignInRequest request;
    request.set_email(email);
    request.set_password(password);
    idv1::SignInResponse ignored;
    return Call(&Stub::SignIn, "", request, response ? response : &ignored);
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

  std::string MustUserWithRoles(const std::string& email,
                                const std::vector<TestHub::Binding>& roles) {
    absl::StatusOr<std::string> token = hub_->UserWithRoles(email, roles);
    EXPECT_THAT(token, IsOk());
    return token.value_or("");
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

  std::vector<idv1::AuditEvent> Audit(const std::string& token, grpc::Status* status,
                                      const std::string& region = "") {
    idv1::ListAuditEventsRequest request;
    request.set_region(region);
    request.set_page_size(500);
    idv1::ListAuditEventsResponse response;
    *status = Call(&Stub::ListAuditEvents, token, request, &response);
    return {response.audit_events().begin(), response.audit_events().end()};
  }

  std::unique_ptr<TestHub> hub_;
  std::unique_ptr<Stub> stub_;
  std::unique_ptr<fwv1::FrameworkService::Stub> framework_;
  std::unique_ptr<pqxx::connection> db_;
  std::string admin_;
};

std::set<std::string> Actions(const std::vector<idv1::AuditEvent>& events) {
  std::set<std::string> actions;
  for (const auto& event : events) actions.insert(event.action());
  return actions;
}

// ---- Signing in ----

TEST_F(IdentityServiceTest, SignInGivesATokenThatIdentityAndFrameworkAccept) {
  idv1::SignInResponse signed_in;
  ASSERT_THAT(SignIn(TestHub::kAdminEmail, TestHub::kAdminPassword, &signed_in), IsOk());
  EXPECT_THAT(signed_in.principal(), ::testing::StartsWith("users/u-"));
  EXPECT_THAT(signed_in.refresh_token(), ::testing::StartsWith("ssr."));
  EXPECT_GT(TimeUtil::TimestampToSeconds(signed_in.access_token_expire_time()),
            absl::ToUnixSeconds(absl::Now()));
  EXPECT_GT(TimeUtil::TimestampToSeconds(signed_in.refresh_token_expire_time()),
            TimeUtil::TimestampToSeconds(signed_in.access_token_expire_time()));

  idv1::GetCurrentPrincipalResponse me;
  ASSERT_THAT(WhoAmI(signed_in.access_token(), &me), IsOk());
  EXPECT_EQ(me.principal(), signed_in.principal());
  EXPECT_EQ(me.display_name(), "Ada Admin");
  ASSERT_THAT(me.role_bindings(), SizeIs(1));
  EXPECT_EQ(me.role_bindings(0).role(), Role::ROLE_HUB_ADMINISTRATOR);
  EXPECT_EQ(me.role_bindings(0).scope(), "*");

  nlohmann::json claims = JwtPart(signed_in.access_token(), 1);
  EXPECT_EQ(claims["sub"], signed_in.principal());
  EXPECT_EQ(claims["iss"], "sixsteps-identity");
  EXPECT_EQ(claims["aud"], "sixsteps");
  EXPECT_EQ(JwtPart(signed_in.access_token(), 0)["alg"], "EdDSA");

  fwv1::ListFrameworksResponse frameworks;
  EXPECT_THAT(FrameworkList(signed_in.access_token(), &frameworks), IsOk());
  // Emails are matched without regard to case or surrounding spaces.
  EXPECT_THAT(SignIn("  ADMIN@Hub.Test ", TestHub::kAdminPassword), IsOk());
}

TEST_F(IdentityServiceTest, WrongPasswordAndUnknownEmailGetTheSameAnswer) {
  grpc::Status wrong_password = SignIn(TestHub::kAdminEmail, "not the right password");
  grpc::Status unknown_email = SignIn("nobody@hub.test", "not the right password");
  EXPECT_THAT(wrong_password, StatusIs(Code::kUnauthenticated));
  EXPECT_EQ(wrong_password.error_code(), unknown_email.error_code());
  EXPECT_EQ(wrong_password.error_message(), unknown_email.error_message());
  EXPECT_THAT(wrong_password.error_message(), Not(HasSubstr("admin@hub.test")));
  EXPECT_THAT(SignIn("", "x"), StatusIs(Code::kInvalidArgument));
  EXPECT_THAT(SignIn(TestHub::kAdminEmail, ""), StatusIs(Code::kInvalidArgument));
}

TEST_F(IdentityServiceTest, FiveFailuresSlowTheNextAttemptFromThatClient) {
  MustUserWithRoles("slow@hub.test", {});
  const std::string kFailures =
      "SELECT failures FROM sign_in_backoff WHERE email_key = $1 AND client = '127.0.0.1'";
  for (int i = 0; i < 5; ++i) {
    EXPECT_THAT(SignIn("slow@hub.test", "wrong password number"), StatusIs(Code::kUnauthenticated));
  }
  EXPECT_EQ(Sql(kFailures, "slow@hub.test"), "5");
  // Pin the last failure a little ahead, so the next attempt is inside the one-second delay
  // however slow this machine is.
  Sql("UPDATE sign_in_backoff SET last_failure = now() + interval '5 seconds'");
  grpc::Status throttled = SignIn("slow@hub.test", kUserPassword);
  EXPECT_THAT(throttled, StatusIs(Code::kResourceExhausted, "too many failed password attempts"));
  // A refused attempt checks no password and does not count.
  EXPECT_EQ(Sql(kFailures, "slow@hub.test"), "5");

  // An address without an account is throttled the same way, so throttling reveals nothing.
  for (int i = 0; i < 5; ++i) SignIn("nobody@hub.test", "wrong password number");
  Sql("UPDATE sign_in_backoff SET last_failure = now() + interval '5 seconds'");
  grpc::Status nobody = SignIn("nobody@hub.test", kUserPassword);
  EXPECT_EQ(nobody.error_code(), throttled.error_code());
  EXPECT_EQ(nobody.error_message(), throttled.error_message());

  // Once the delay has passed, the right password works and clears the count.
  Sql("UPDATE sign_in_backoff SET last_failure = now() - interval '2 seconds'");
  EXPECT_THAT(SignIn("slow@hub.test", kUserPassword), IsOk());
  EXPECT_EQ(Sql("SELECT count(*) FROM sign_in_backoff WHERE email_key = $1", "slow@hub.test"), "0");
}

TEST_F(IdentityServiceTest, ManyFailuresNeverLockTheAccount) {
  MustUserWithRoles("locked@hub.test", {});
  // The count a persistent attacker reaches; the previous release locked at ten.
  for (int i = 1; i <= 12; ++i) {
    EXPECT_THAT(SignIn("locked@hub.test", "wrong password number"),
                StatusIs(Code::kUnauthenticated));
    // Let the delay pass before the next attempt.
    Sql("UPDATE sign_in_backoff SET last_failure = now() - interval '20 minutes'");
  }
  EXPECT_EQ(Sql("SELECT failures FROM sign_in_backoff WHERE email_key = $1", "locked@hub.test"),
            "12");
  // The wait is capped (here 2^7 s): after it the right password works.
  EXPECT_THAT(SignIn("locked@hub.test", kUserPassword), IsOk());
  EXPECT_EQ(Sql("SELECT count(*) FROM sign_in_throttle"), "0");
}

TEST_F(IdentityServiceTest, DisabledUsersCannotSignInOrRefresh) {
  MustUserWithRoles("gone@hub.test", {});
  idv1::SignInResponse before;
  ASSERT_THAT(SignIn("gone@hub.test", kUserPassword, &before), IsOk());
  Sql("UPDATE users SET disabled = true WHERE lower(email) = $1", "gone@hub.test");
  grpc::Status disabled = SignIn("gone@hub.test", kUserPassword);
  grpc::Status wrong = SignIn("other-nobody@hub.test", kUserPassword);
  EXPECT_THAT(disabled, StatusIs(Code::kUnauthenticated));
  // Not even whether the account exists, let alone that it is disabled.
  EXPECT_EQ(disabled.error_message(), wrong.error_message());
  idv1::RefreshAccessTokenRequest refresh;
  refresh.set_refresh_token(before.refresh_token());
  idv1::RefreshAccessTokenResponse refreshed;
  EXPECT_THAT(Call(&Stub::RefreshAccessToken, "", refresh, &refreshed),
              StatusIs(Code::kUnauthenticated));
}

// ---- Refresh tokens ----

TEST_F(IdentityServiceTest, RefreshTokensRotateAndSignOutRevokes) {
  idv1::SignInResponse signed_in;
  ASSERT_THAT(SignIn(TestHub::kAdminEmail, TestHub::kAdminPassword, &signed_in), IsOk());

  idv1::RefreshAccessTokenRequest request;
  request.set_refresh_token(signed_in.refresh_token());
  idv1::RefreshAccessTokenResponse first;
  ASSERT_THAT(Call(&Stub::RefreshAccessToken, "", request, &first), IsOk());
  EXPECT_EQ(first.principal(), signed_in.principal());
  EXPECT_NE(first.refresh_token(), signed_in.refresh_token());
  EXPECT_NE(first.access_token(), signed_in.access_token());
  EXPECT_EQ(PrincipalOf(first.access_token()), signed_in.principal());

  // The refresh token just used is spent.
  idv1::RefreshAccessTokenResponse replay;
  EXPECT_THAT(Call(&Stub::RefreshAccessToken, "", request, &replay),
              StatusIs(Code::kUnauthenticated));
  EXPECT_TRUE(replay.access_token().empty());

  // Replaying it revoked its family: its successor is dead too (a thief and the owner both
  // lose the session; the owner signs in again).
  request.set_refresh_token(first.refresh_token());
  idv1::RefreshAccessTokenResponse second;
  EXPECT_THAT(Call(&Stub::RefreshAccessToken, "", request, &second),
              StatusIs(Code::kUnauthenticated));
  ASSERT_THAT(SignIn(TestHub::kAdminEmail, TestHub::kAdminPassword, &signed_in), IsOk());
  request.set_refresh_token(signed_in.refresh_token());
  ASSERT_THAT(Call(&Stub::RefreshAccessToken, "", request, &first), IsOk());
  request.set_refresh_token(first.refresh_token());
  ASSERT_THAT(Call(&Stub::RefreshAccessToken, "", request, &second), IsOk());

  // Signing out revokes the current one.
  idv1::SignOutRequest sign_out;
  sign_out.set_refresh_token(second.refresh_token());
  idv1::SignOutResponse signed_out;
  ASSERT_THAT(Call(&Stub::SignOut, "", sign_out, &signed_out), IsOk());
  request.set_refresh_token(second.refresh_token());
  EXPECT_THAT(Call(&Stub::RefreshAccessToken, "", request, &replay),
              StatusIs(Code::kUnauthenticated));

  request.set_refresh_token("ssr.not-a-token-this-service-issued");
  EXPECT_THAT(Call(&Stub::RefreshAccessToken, "", request, &replay),
              StatusIs(Code::kUnauthenticated));
  request.set_refresh_token("");
  EXPECT_THAT(Call(&Stub::RefreshAccessToken, "", request, &replay),
              StatusIs(Code::kInvalidArgument));
  sign_out.set_refresh_token("");
  EXPECT_THAT(Call(&Stub::SignOut, "", sign_out, &signed_out), StatusIs(Code::kInvalidArgument));
  // Refresh tokens are stored hashed only.
  EXPECT_EQ(Sql("SELECT count(*) FROM refresh_tokens r WHERE strpos(r::text, $1) > 0",
                second.refresh_token().substr(4)),
            "0");
}

TEST_F(IdentityServiceTest, ExpiredRefreshTokensAreRefused) {
  idv1::SignInResponse signed_in;
  ASSERT_THAT(SignIn(TestHub::kAdminEmail, TestHub::kAdminPassword, &signed_in), IsOk());
  Sql("UPDATE refresh_tokens SET expire_time = now() - interval '1 second'");
  idv1::RefreshAccessTokenRequest request;
  request.set_refresh_token(signed_in.refresh_token());
  idv1::RefreshAccessTokenResponse response;
  EXPECT_THAT(Call(&Stub::RefreshAccessToken, "", request, &response),
              StatusIs(Code::kUnauthenticated));
}

// ---- API keys ----

TEST_F(IdentityServiceTest, ApiKeySecretIsShownOnceAndStoredHashed) {
  MakeTenancy();
  std::string account = MustServiceAccount("regions/north-east");
  idv1::CreateApiKeyResponse created;
  ASSERT_THAT(CreateApiKey(account, absl::Hours(24 * 30), &created), IsOk());
  std::vector<std::string> parts = absl::StrSplit(created.secret(), '.');
  ASSERT_EQ(parts.size(), 3u) << created.secret();
  EXPECT_EQ(parts[0], "ssk");
  EXPECT_EQ(created.api_key().name(), absl::StrCat(account, "/apiKeys/", parts[1]));
  EXPECT_GE(parts[2].size(), 43u);  // 256 bits
  EXPECT_FALSE(created.api_key().has_revoke_time());

  idv1::ListApiKeysRequest list;
  list.set_parent(account);
  idv1::ListApiKeysResponse listed;
  ASSERT_THAT(Call(&Stub::ListApiKeys, admin_, list, &listed), IsOk());
  ASSERT_THAT(listed.api_keys(), SizeIs(1));
  EXPECT_EQ(listed.api_keys(0).name(), created.api_key().name());
  EXPECT_THAT(listed.SerializeAsString(), Not(HasSubstr(parts[2])));
  EXPECT_THAT(listed.DebugString(), Not(HasSubstr(parts[2])));

  // Only the SHA-256 of the secret is stored, and the secret is in no row and no event.
  EXPECT_EQ(Sql("SELECT count(*) FROM api_keys WHERE secret_hash = decode($1, 'hex')",
                absl::BytesToHexString(identity::Sha256(parts[2]))),
            "1");
  EXPECT_EQ(Sql("SELECT count(*) FROM api_keys k WHERE strpos(k::text, $1) > 0", parts[2]), "0");
  EXPECT_EQ(Sql("SELECT count(*) FROM audit_events e WHERE strpos(e::text, $1) > 0", parts[2]),
            "0");
}

TEST_F(IdentityServiceTest, ApiKeySignInCarriesTheServiceAccountsIntegrationGrant) {
  MakeTenancy();
  std::string account = MustServiceAccount("regions/north-east");
  idv1::CreateApiKeyResponse created;
  ASSERT_THAT(CreateApiKey(account, absl::Hours(1), &created), IsOk());

  idv1::SignInWithApiKeyResponse signed_in;
  ASSERT_THAT(SignInWithApiKey(created.secret(), &signed_in), IsOk());
  EXPECT_EQ(signed_in.principal(), account);
  nlohmann::json claims = JwtPart(signed_in.access_token(), 1);
  EXPECT_EQ(claims["sub"], account);
  EXPECT_EQ(claims["sa"], true);
  ASSERT_EQ(claims["grants"].size(), 1u);
  EXPECT_EQ(claims["grants"][0]["role"], "integration");
  EXPECT_EQ(claims["grants"][0]["region"], "north-east");

  EXPECT_EQ(PrincipalOf(signed_in.access_token()), account);
  fwv1::ListFrameworksResponse frameworks;
  EXPECT_THAT(FrameworkList(signed_in.access_token(), &frameworks), IsOk());
  // A service account cannot mint keys for itself.
  idv1::CreateApiKeyResponse own;
  EXPECT_THAT(CreateApiKey(account, absl::Hours(1), &own, signed_in.access_token()),
              StatusIs(Code::kPermissionDenied));
}

TEST_F(IdentityServiceTest, RevokedExpiredOrTamperedApiKeysAreRefused) {
  MakeTenancy();
  std::string account = MustServiceAccount("regions/north-east");
  idv1::CreateApiKeyResponse revoked, expired, tampered, other;
  ASSERT_THAT(CreateApiKey(account, absl::Hours(1), &other), IsOk());
  ASSERT_THAT(CreateApiKey(account, absl::Hours(1), &revoked), IsOk());
  ASSERT_THAT(CreateApiKey(account, absl::Hours(1), &expired), IsOk());
  ASSERT_THAT(CreateApiKey(account, absl::Hours(1), &tampered), IsOk());
  for (const auto* key : {&revoked, &expired, &tampered}) {
    ASSERT_THAT(SignInWithApiKey(key->secret()), IsOk());
  }

  idv1::RevokeApiKeyRequest revoke;
  revoke.set_name(revoked.api_key().name());
  idv1::ApiKey after_revoke;
  ASSERT_THAT(Call(&Stub::RevokeApiKey, admin_, revoke, &after_revoke), IsOk());
  EXPECT_TRUE(after_revoke.has_revoke_time());
  grpc::Status refused_revoked = SignInWithApiKey(revoked.secret());
  EXPECT_THAT(refused_revoked, StatusIs(Code::kUnauthenticated));

  std::vector<std::string> parts = absl::StrSplit(expired.secret(), '.');
  Sql("UPDATE api_keys SET expire_time = now() - interval '1 second' WHERE api_key_id = $1",
      parts[1]);
  grpc::Status refused_expired = SignInWithApiKey(expired.secret());
  EXPECT_THAT(refused_expired, StatusIs(Code::kUnauthenticated));

  std::string forged = tampered.secret();
  forged[forged.size() - 3] = forged[forged.size() - 3] == 'A' ? 'B' : 'A';
  grpc::Status refused_tampered = SignInWithApiKey(forged);
  EXPECT_THAT(refused_tampered, StatusIs(Code::kUnauthenticated));
  // Another valid key's id with this key's secret.
  std::vector<std::string> tampered_parts = absl::StrSplit(tampered.secret(), '.');
  std::vector<std::string> other_parts = absl::StrSplit(other.secret(), '.');
  EXPECT_THAT(SignInWithApiKey(absl::StrCat("ssk.", other_parts[1], ".", tampered_parts[2])),
              StatusIs(Code::kUnauthenticated));
  grpc::Status unknown = SignInWithApiKey("ssk.k-0000000000000000.c2VjcmV0");
  EXPECT_THAT(unknown, StatusIs(Code::kUnauthenticated));
  EXPECT_THAT(SignInWithApiKey("not an api key"), StatusIs(Code::kUnauthenticated));
  // One answer for all, so a caller learns nothing about which keys exist.
  for (const grpc::Status* status : {&refused_revoked, &refused_expired, &refused_tampered}) {
    EXPECT_EQ(status->error_message(), unknown.error_message());
  }
  // The untampered key still works: the failures did not lock it.
  EXPECT_THAT(SignInWithApiKey(tampered.secret()), IsOk());
  // Revoking twice keeps the first revocation time.
  idv1::ApiKey again;
  ASSERT_THAT(Call(&Stub::RevokeApiKey, admin_, revoke, &again), IsOk());
  EXPECT_EQ(TimeUtil::TimestampToMicroseconds(again.revoke_time()),
            TimeUtil::TimestampToMicroseconds(after_revoke.revoke_time()));
}

TEST_F(IdentityServiceTest, EveryApiKeyExpiresWithinAYear) {
  MakeTenancy();
  std::string account = MustServiceAccount("regions/north-east");
  idv1::CreateApiKeyResponse response;
  EXPECT_THAT(CreateApiKey(account, absl::Hours(24 * 400), &response),
              StatusIs(Code::kInvalidArgument, "api_key.expire_time"));
  EXPECT_THAT(CreateApiKey(account, -absl::Minutes(1), &response),
              StatusIs(Code::kInvalidArgument, "api_key.expire_time"));
  idv1::CreateApiKeyRequest request;
  request.set_parent(account);
  request.mutable_api_key()->set_display_name("forever");
  EXPECT_THAT(Call(&Stub::CreateApiKey, admin_, request, &response),
              StatusIs(Code::kInvalidArgument, "api_key.expire_time"));
  EXPECT_EQ(Count("api_keys"), 0);
}

// ---- Bootstrap ----

TEST_F(IdentityServiceTest, BootstrapCreatesTheFirstAdministratorOnlyOnce) {
  identity::IdentityOptions options;
  options.password_cost = identity::PasswordCost::Fast();

  // On the hub, which was bootstrapped when it started.
  {
    db::ConnectionPool pool(hub_->identity_database_url(), 2, absl::Seconds(2));
    identity::PgIdentityStore store(&pool);
    identity::IdentityServiceImpl service(
        &store, identity::KeySealer::FromSecret(TestHub::kKeyEncryptionSecret).value(), options);
    int users = Count("users");
    EXPECT_THAT(
        service.BootstrapAdministrator("second@hub.test", "Second", "another long password"),
        StatusIs(Code::kFailedPrecondition));
    EXPECT_EQ(Count("users"), users);
    EXPECT_THAT(SignIn("second@hub.test", "another long password"),
                StatusIs(Code::kUnauthenticated));
  }

  // On a fresh database: bad input creates nothing, then once and only once.
  absl::StatusOr<std::string> url = SharedPgCluster().CreateDatabase("bootstrap_identity");
  ASSERT_THAT(url, IsOk());
  ASSERT_THAT(db::ApplyMigrations(*url, identity::IdentityMigrations()), IsOk());
  db::ConnectionPool pool(*url, 2, absl::Seconds(2));
  identity::PgIdentityStore store(&pool);
  identity::IdentityServiceImpl service(
      &store, identity::KeySealer::FromSecret(TestHub::kKeyEncryptionSecret).value(), options);
  ASSERT_THAT(service.EnsureSigningKey(), IsOk());
  pqxx::connection fresh(*url);
  auto count = [&](const char* table) {
    pqxx::work work(fresh);
    return work.exec(absl::StrCat("SELECT count(*) FROM ", table))[0][0].as<int>();
  };
  EXPECT_THAT(service.BootstrapAdministrator("first@hub.test", "First", "short"),
              StatusIs(Code::kInvalidArgument));
  EXPECT_THAT(service.BootstrapAdministrator("not an email", "First", "long enough password"),
              StatusIs(Code::kInvalidArgument));
  EXPECT_EQ(count("users"), 0);
  absl::StatusOr<idv1::User> first =
      service.BootstrapAdministrator("first@hub.test", "First", "long enough password");
  ASSERT_THAT(first, IsOk());
  EXPECT_EQ(first->email(), "first@hub.test");
  EXPECT_THAT(service.BootstrapAdministrator("second@hub.test", "Second", "long enough password"),
              StatusIs(Code::kFailedPrecondition));
  EXPECT_THAT(service.BootstrapAdministrator("first@hub.test", "First", "long enough password"),
              StatusIs(Code::kFailedPrecondition));
  EXPECT_EQ(count("users"), 1);
  EXPECT_EQ(count("role_bindings"), 1);
}

// ---- Role bindings ----

TEST_F(IdentityServiceTest, BindingsOfTheWrongShapeAreInvalidArgument) {
  MakeTenancy();
  std::string user = MustCreateUser("shape@hub.test");
  const int before = Count("role_bindings");
  struct Case {
    std::string principal;
    Role role;
    std::string scope;
    std::string organisation;
    std::string field;
  };
  std::vector<Case> cases = {
      {user, Role::ROLE_INDEPENDENT_SCRUTINEER, "*", "", "role_binding.scope"},
      {user, Role::ROLE_DASHBOARD, "*", "", "role_binding.scope"},
      {user, Role::ROLE_INDEPENDENT_SCRUTINEER, "regions/north-east", "", "role_binding.scope"},
      {user, Role::ROLE_PARTNERSHIP_ADMINISTRATOR, "regions/north-east", "", "role_binding.scope"},
      {user, Role::ROLE_HUB_ADMINISTRATOR, "partnerships/sunderland", "", "role_binding.scope"},
      {user, Role::ROLE_DASHBOARD, "partnerships/sunderland", "", "role_binding.scope"},
      {user, Role::ROLE_PARTNER_RESPONDENT, "partnerships/sunderland", "",
       "role_binding.organisation"},
      {user, Role::ROLE_INDEPENDENT_SCRUTINEER, "partnerships/sunderland",
       "partnerships/sunderland/organisations/police", "role_binding.organisation"},
      {user, Role::ROLE_PARTNER_RESPONDENT, "partnerships/sunderland",
       "partnerships/camden/organisations/police", "role_binding.organisation"},
      {user, Role::ROLE_INTEGRATION, "regions/north-east", "", "role_binding.principal"},
      {user, Role::ROLE_UNSPECIFIED, "regions/north-east", "", "role_binding.role"},
      {"people/someone", Role::ROLE_VIEWER, "regions/north-east", "", "role_binding.principal"},
      {user, Role::ROLE_VIEWER, "teams/north-east", "", "role_binding.scope"},
      {user, Role::ROLE_VIEWER, "regions/North East", "", "role_binding.scope"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(absl::StrCat(auth::RoleName(c.role), " on ", c.scope, " ", c.organisation));
    EXPECT_THAT(Bind(admin_, c.principal, c.role, c.scope, nullptr, c.organisation),
                StatusIs(Code::kInvalidArgument, c.field));
  }
  // Well formed, but naming what does not exist.
  EXPECT_THAT(Bind(admin_, user, Role::ROLE_PARTNER_RESPONDENT, "partnerships/sunderland", nullptr,
                   "partnerships/sunderland/organisations/nope"),
              StatusIs(Code::kNotFound));
  EXPECT_THAT(Bind(admin_, "users/u-0000000000000000", Role::ROLE_VIEWER, "regions/north-east"),
              StatusIs(Code::kNotFound));
  EXPECT_THAT(Bind(admin_, user, Role::ROLE_VIEWER, "regions/nowhere"), StatusIs(Code::kNotFound));
  EXPECT_EQ(Count("role_bindings"), before);
  // The right shapes work, once.
  EXPECT_THAT(Bind(admin_, user, Role::ROLE_PARTNER_RESPONDENT, "partnerships/sunderland", nullptr,
                   "partnerships/sunderland/organisations/police"),
              IsOk());
  EXPECT_THAT(Bind(admin_, user, Role::ROLE_VIEWER, "regions/north-east"), IsOk());
  EXPECT_THAT(Bind(admin_, user, Role::ROLE_VIEWER, "regions/north-east"),
              StatusIs(Code::kAlreadyExists));
}

TEST_F(IdentityServiceTest, PartnershipAdministratorGrantsOnTheirOwnPartnershipOnly) {
  MakeTenancy();
  // Administers sunderland; also scrutinises gateshead, so gateshead is visible to them.
  std::string lead = MustUserWithRoles(
      "lead@hub.test", {{Role::ROLE_PARTNERSHIP_ADMINISTRATOR, "partnerships/sunderland", ""},
                        {Role::ROLE_INDEPENDENT_SCRUTINEER, "partnerships/gateshead", ""}});
  std::string user = MustCreateUser("new-scrutineer@hub.test");

  idv1::RoleBinding granted;
  ASSERT_THAT(
      Bind(lead, user, Role::ROLE_INDEPENDENT_SCRUTINEER, "partnerships/sunderland", &granted),
      IsOk());
  EXPECT_EQ(granted.scope(), "partnerships/sunderland");
  EXPECT_THAT(Bind(lead, user, Role::ROLE_PARTNER_RESPONDENT, "partnerships/sunderland", nullptr,
                   "partnerships/sunderland/organisations/police"),
              IsOk());
  // The grantee's next token carries the grant.
  idv1::SignInResponse grantee;
  ASSERT_THAT(SignIn("new-scrutineer@hub.test", kUserPassword, &grantee), IsOk());
  nlohmann::json grants = JwtPart(grantee.access_token(), 1)["grants"];
  const nlohmann::json expected = {
      {"role", "independent_scrutineer"}, {"region", "north-east"}, {"partnership", "sunderland"}};
  bool carried = false;
  for (const auto& grant : grants) carried = carried || grant == expected;
  EXPECT_TRUE(carried) << grants.dump();

  const int before = Count("role_bindings");
  // A partnership they can see but do not administer.
  EXPECT_THAT(Bind(lead, user, Role::ROLE_INDEPENDENT_SCRUTINEER, "partnerships/gateshead"),
              StatusIs(Code::kPermissionDenied));
  // A partnership they cannot see: as if it did not exist.
  EXPECT_THAT(Bind(lead, user, Role::ROLE_INDEPENDENT_SCRUTINEER, "partnerships/camden"),
              StatusIs(Code::kNotFound));
  // Their partnership's region, and the whole deployment (not even for themselves).
  EXPECT_THAT(Bind(lead, user, Role::ROLE_VIEWER, "regions/north-east"),
              StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(Bind(lead, PrincipalOf(lead), Role::ROLE_HUB_ADMINISTRATOR, "*"),
              StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(Bind(lead, user, Role::ROLE_VIEWER, "regions/london"), StatusIs(Code::kNotFound));
  EXPECT_EQ(Count("role_bindings"), before);

  // Removing: their partnership's bindings yes, others no.
  idv1::RoleBinding in_camden, in_gateshead;
  ASSERT_THAT(Bind(admin_, user, Role::ROLE_VIEWER, "partnerships/camden", &in_camden), IsOk());
  ASSERT_THAT(Bind(admin_, user, Role::ROLE_VIEWER, "partnerships/gateshead", &in_gateshead),
              IsOk());
  EXPECT_THAT(Unbind(lead, in_camden.name()), StatusIs(Code::kNotFound));
  EXPECT_THAT(Unbind(lead, in_gateshead.name()), StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(Unbind(lead, granted.name()), IsOk());
  EXPECT_THAT(Unbind(lead, granted.name()), StatusIs(Code::kNotFound));
  EXPECT_EQ(Count("role_bindings"), before + 1);
}

TEST_F(IdentityServiceTest, RegionalHubAdministratorManagesTheirRegionOnly) {
  MakeTenancy();
  std::string north = MustUserWithRoles("north-admin@hub.test",
                                        {{Role::ROLE_HUB_ADMINISTRATOR, "regions/north-east", ""}});
  std::string user = MustCreateUser("someone@hub.test");

  idv1::RoleBinding viewer, scrutineer;
  EXPECT_THAT(Bind(north, user, Role::ROLE_VIEWER, "regions/north-east", &viewer), IsOk());
  EXPECT_THAT(
      Bind(north, user, Role::ROLE_INDEPENDENT_SCRUTINEER, "partnerships/sunderland", &scrutineer),
      IsOk());
  EXPECT_THAT(Bind(north, user, Role::ROLE_HUB_ADMINISTRATOR, "regions/north-east"), IsOk());

  const int before = Count("role_bindings");
  EXPECT_THAT(Bind(north, user, Role::ROLE_VIEWER, "regions/london"), StatusIs(Code::kNotFound));
  EXPECT_THAT(Bind(north, user, Role::ROLE_VIEWER, "partnerships/camden"),
              StatusIs(Code::kNotFound));
  EXPECT_THAT(Bind(north, user, Role::ROLE_HUB_ADMINISTRATOR, "*"),
              StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(Bind(north, PrincipalOf(north), Role::ROLE_HUB_ADMINISTRATOR, "*"),
              StatusIs(Code::kPermissionDenied));
  EXPECT_EQ(Count("role_bindings"), before);

  idv1::RoleBinding in_london;
  ASSERT_THAT(Bind(admin_, user, Role::ROLE_VIEWER, "regions/london", &in_london), IsOk());
  EXPECT_THAT(Unbind(north, in_london.name()), StatusIs(Code::kNotFound));
  EXPECT_THAT(Unbind(north, scrutineer.name()), IsOk());

  // Partnerships: in their region yes, elsewhere as if it did not exist.
  idv1::CreatePartnershipRequest create;
  create.set_partnership_id("durham");
  create.mutable_partnership()->set_display_name("Durham");
  create.mutable_partnership()->set_region("regions/north-east");
  idv1::Partnership partnership;
  EXPECT_THAT(Call(&Stub::CreatePartnership, north, create, &partnership), IsOk());
  create.set_partnership_id("islington");
  create.mutable_partnership()->set_region("regions/london");
  EXPECT_THAT(Call(&Stub::CreatePartnership, north, create, &partnership),
              StatusIs(Code::kNotFound));
  idv1::UpdatePartnershipRequest update;
  update.mutable_partnership()->set_name("partnerships/camden");
  update.mutable_partnership()->set_display_name("Taken over");
  EXPECT_THAT(Call(&Stub::UpdatePartnership, north, update, &partnership),
              StatusIs(Code::kNotFound));
  update.mutable_partnership()->set_name("partnerships/sunderland");
  update.mutable_partnership()->set_display_name("Sunderland SCP");
  idv1::GetPartnershipRequest read;
  read.set_name("partnerships/sunderland");
  ASSERT_THAT(Call(&Stub::GetPartnership, north, read, &partnership), IsOk());
  update.mutable_partnership()->set_etag(partnership.etag());
  EXPECT_THAT(Call(&Stub::UpdatePartnership, north, update, &partnership), IsOk());
  // Creating regions is for deployment administrators.
  idv1::CreateRegionRequest region;
  region.set_region_id("yorkshire");
  region.mutable_region()->set_display_name("Yorkshire");
  idv1::Region created_region;
  EXPECT_THAT(Call(&Stub::CreateRegion, north, region, &created_region),
              StatusIs(Code::kPermissionDenied));
}

// ---- Scoped lists ----

std::vector<std::string> Names(const idv1::ListPartnershipsResponse& response) {
  std::vector<std::string> names;
  for (const auto& p : response.partnerships()) names.push_back(p.name());
  return names;
}

TEST_F(IdentityServiceTest, ListsShowOnlyWhatTheCallerMaySee) {
  MakeTenancy();
  std::string north = MustUserWithRoles("north-admin@hub.test",
                                        {{Role::ROLE_HUB_ADMINISTRATOR, "regions/north-east", ""}});
  std::string lead = MustUserWithRoles(
      "lead@hub.test", {{Role::ROLE_PARTNERSHIP_ADMINISTRATOR, "partnerships/sunderland", ""}});
  std::string scrutineer = MustUserWithRoles(
      "scrutineer@hub.test", {{Role::ROLE_INDEPENDENT_SCRUTINEER, "partnerships/sunderland", ""}});
  std::string londoner = MustUserWithRoles(
      "londoner@hub.test", {{Role::ROLE_INDEPENDENT_SCRUTINEER, "partnerships/camden", ""}});
  std::string viewer =
      MustUserWithRoles("viewer@hub.test", {{Role::ROLE_VIEWER, "regions/north-east", ""}});

  auto partnerships = [&](const std::string& token, const std::string& region = "") {
    idv1::ListPartnershipsRequest request;
    request.set_region(region);
    idv1::ListPartnershipsResponse response;
    EXPECT_THAT(Call(&Stub::ListPartnerships, token, request, &response), IsOk());
    return Names(response);
  };
  EXPECT_THAT(partnerships(admin_),
              UnorderedElementsAre("partnerships/sunderland", "partnerships/gateshead",
                                   "partnerships/camden"));
  EXPECT_THAT(partnerships(north),
              UnorderedElementsAre("partnerships/sunderland", "partnerships/gateshead"));
  EXPECT_THAT(partnerships(viewer),
              UnorderedElementsAre("partnerships/sunderland", "partnerships/gateshead"));
  EXPECT_THAT(partnerships(lead), UnorderedElementsAre("partnerships/sunderland"));
  EXPECT_THAT(partnerships(scrutineer), UnorderedElementsAre("partnerships/sunderland"));
  EXPECT_THAT(partnerships(londoner), UnorderedElementsAre("partnerships/camden"));
  EXPECT_THAT(partnerships(north, "regions/london"), IsEmpty());

  auto users = [&](const std::string& token) {
    idv1::ListUsersRequest request;
    idv1::ListUsersResponse response;
    EXPECT_THAT(Call(&Stub::ListUsers, token, request, &response), IsOk());
    std::vector<std::string> emails;
    for (const auto& u : response.users()) emails.push_back(u.email());
    return emails;
  };
  EXPECT_THAT(users(admin_),
              UnorderedElementsAre(TestHub::kAdminEmail, "north-admin@hub.test", "lead@hub.test",
                                   "scrutineer@hub.test", "londoner@hub.test", "viewer@hub.test"));
  EXPECT_THAT(users(north), UnorderedElementsAre("north-admin@hub.test", "lead@hub.test",
                                                 "scrutineer@hub.test", "viewer@hub.test"));
  EXPECT_THAT(users(lead), UnorderedElementsAre("lead@hub.test", "scrutineer@hub.test"));
  idv1::ListUsersResponse denied;
  EXPECT_THAT(Call(&Stub::ListUsers, scrutineer, idv1::ListUsersRequest(), &denied),
              StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(Call(&Stub::ListUsers, viewer, idv1::ListUsersRequest(), &denied),
              StatusIs(Code::kPermissionDenied));

  auto regions = [&](const std::string& token) {
    idv1::ListRegionsResponse response;
    EXPECT_THAT(Call(&Stub::ListRegions, token, idv1::ListRegionsRequest(), &response), IsOk());
    std::vector<std::string> names;
    for (const auto& r : response.regions()) names.push_back(r.name());
    return names;
  };
  EXPECT_THAT(regions(admin_), UnorderedElementsAre("regions/north-east", "regions/london"));
  EXPECT_THAT(regions(north), UnorderedElementsAre("regions/north-east"));
  EXPECT_THAT(regions(scrutineer), UnorderedElementsAre("regions/north-east"));
  EXPECT_THAT(regions(londoner), UnorderedElementsAre("regions/london"));

  // Reading one record the caller cannot see is NOT_FOUND, like one that does not exist.
  idv1::GetPartnershipRequest get;
  get.set_name("partnerships/camden");
  idv1::Partnership partnership;
  EXPECT_THAT(Call(&Stub::GetPartnership, scrutineer, get, &partnership),
              StatusIs(Code::kNotFound));
  get.set_name("partnerships/nowhere");
  EXPECT_THAT(Call(&Stub::GetPartnership, scrutineer, get, &partnership),
              StatusIs(Code::kNotFound));
  get.set_name("partnerships/gateshead");
  EXPECT_THAT(Call(&Stub::GetPartnership, lead, get, &partnership), StatusIs(Code::kNotFound));
  EXPECT_THAT(Call(&Stub::GetPartnership, viewer, get, &partnership), IsOk());
}

TEST_F(IdentityServiceTest, UpdatePartnershipWithAStaleEtagIsAborted) {
  MakeTenancy();
  idv1::GetPartnershipRequest get;
  get.set_name("partnerships/sunderland");
  idv1::Partnership read;
  ASSERT_THAT(Call(&Stub::GetPartnership, admin_, get, &read), IsOk());
  ASSERT_FALSE(read.etag().empty());

  idv1::UpdatePartnershipRequest update;
  *update.mutable_partnership() = read;
  update.mutable_partnership()->set_display_name("Sunderland Safeguarding Children Partnership");
  update.mutable_update_mask()->add_paths("display_name");
  idv1::Partnership first;
  ASSERT_THAT(Call(&Stub::UpdatePartnership, admin_, update, &first), IsOk());
  EXPECT_NE(first.etag(), read.etag());

  // A second writer who read before the first update.
  update.mutable_partnership()->set_display_name("Someone else's name");
  idv1::Partnership second;
  EXPECT_THAT(Call(&Stub::UpdatePartnership, admin_, update, &second), StatusIs(Code::kAborted));
  idv1::Partnership now;
  ASSERT_THAT(Call(&Stub::GetPartnership, admin_, get, &now), IsOk());
  EXPECT_EQ(now.display_name(), "Sunderland Safeguarding Children Partnership");
  EXPECT_EQ(now.etag(), first.etag());

  update.mutable_update_mask()->set_paths(0, "region");
  update.mutable_partnership()->set_etag(now.etag());
  EXPECT_THAT(Call(&Stub::UpdatePartnership, admin_, update, &second),
              StatusIs(Code::kInvalidArgument, "update_mask"));
}

// ---- The audit log ----

TEST_F(IdentityServiceTest, TheAuditLogRecordsSignInsRoleChangesAndKeys) {
  MakeTenancy();
  ASSERT_THAT(SignIn(TestHub::kAdminEmail, "not the right password"),
              StatusIs(Code::kUnauthenticated));
  std::string user = MustCreateUser("audited@hub.test");
  idv1::RoleBinding binding;
  ASSERT_THAT(
      Bind(admin_, user, Role::ROLE_INDEPENDENT_SCRUTINEER, "partnerships/sunderland", &binding),
      IsOk());
  ASSERT_THAT(Unbind(admin_, binding.name()), IsOk());
  std::string account = MustServiceAccount("regions/north-east");
  idv1::CreateApiKeyResponse key;
  ASSERT_THAT(CreateApiKey(account, absl::Hours(1), &key), IsOk());
  idv1::RevokeApiKeyRequest revoke;
  revoke.set_name(key.api_key().name());
  idv1::ApiKey revoked;
  ASSERT_THAT(Call(&Stub::RevokeApiKey, admin_, revoke, &revoked), IsOk());
  idv1::RotateSigningKeyResponse rotated;
  ASSERT_THAT(Call(&Stub::RotateSigningKey, admin_, idv1::RotateSigningKeyRequest(), &rotated),
              IsOk());

  grpc::Status status;
  std::vector<idv1::AuditEvent> events = Audit(admin_, &status);
  ASSERT_THAT(status, IsOk());
  std::set<std::string> actions = Actions(events);
  for (const char* action :
       {"sign_in", "sign_in_failed", "role_binding.create", "role_binding.delete", "api_key.create",
        "api_key.revoke", "signing_key.rotate", "service_account.create"}) {
    EXPECT_TRUE(actions.count(action)) << "no " << action << " event";
  }
  // Newest first.
  for (size_t i = 1; i < events.size(); ++i) EXPECT_GT(events[i - 1].id(), events[i].id());
  EXPECT_EQ(events.front().action(), "signing_key.rotate");
  EXPECT_EQ(events.front().target(), rotated.key().key_id());
  // Who did it and to what.
  bool found_delete = false;
  for (const auto& event : events) {
    if (event.action() == "role_binding.delete") {
      found_delete = true;
      EXPECT_EQ(event.actor(), PrincipalOf(admin_));
      EXPECT_EQ(event.target(), user);
      EXPECT_EQ(event.region(), "north-east");
    }
    if (event.action() == "api_key.revoke") {
      EXPECT_EQ(event.target(), key.api_key().name());
    }
    // No secret ever reaches the log.
    EXPECT_THAT(event.DebugString(), Not(HasSubstr(key.secret())));
  }
  EXPECT_TRUE(found_delete);

  // Pages follow each other without overlap.
  idv1::ListAuditEventsRequest request;
  request.set_page_size(3);
  idv1::ListAuditEventsResponse page1, page2;
  ASSERT_THAT(Call(&Stub::ListAuditEvents, admin_, request, &page1), IsOk());
  ASSERT_THAT(page1.audit_events(), SizeIs(3));
  request.set_page_token(page1.next_page_token());
  ASSERT_THAT(Call(&Stub::ListAuditEvents, admin_, request, &page2), IsOk());
  ASSERT_FALSE(page2.audit_events().empty());
  EXPECT_LT(page2.audit_events(0).id(), page1.audit_events(2).id());
}

TEST_F(IdentityServiceTest, RegionalHubAdministratorReadsOnlyTheirRegionsEvents) {
  MakeTenancy();
  std::string north = MustUserWithRoles("north-admin@hub.test",
                                        {{Role::ROLE_HUB_ADMINISTRATOR, "regions/north-east", ""}});
  std::string viewer =
      MustUserWithRoles("viewer@hub.test", {{Role::ROLE_VIEWER, "regions/north-east", ""}});
  std::string lead = MustUserWithRoles(
      "lead@hub.test", {{Role::ROLE_PARTNERSHIP_ADMINISTRATOR, "partnerships/sunderland", ""}});
  std::string user = MustCreateUser("audited@hub.test");
  ASSERT_THAT(Bind(admin_, user, Role::ROLE_VIEWER, "partnerships/sunderland"), IsOk());
  ASSERT_THAT(Bind(admin_, user, Role::ROLE_VIEWER, "partnerships/camden"), IsOk());
  std::string north_account = MustServiceAccount("regions/north-east");
  std::string london_account = MustServiceAccount("regions/london");
  idv1::CreateApiKeyResponse north_key, london_key;
  ASSERT_THAT(CreateApiKey(north_account, absl::Hours(1), &north_key), IsOk());
  ASSERT_THAT(CreateApiKey(london_account, absl::Hours(1), &london_key), IsOk());

  grpc::Status status;
  std::vector<idv1::AuditEvent> events = Audit(north, &status);
  ASSERT_THAT(status, IsOk());
  ASSERT_FALSE(events.empty());
  for (const auto& event : events) {
    EXPECT_EQ(event.region(), "north-east") << event.DebugString();
    EXPECT_THAT(event.DebugString(), Not(HasSubstr("camden")));
    EXPECT_THAT(event.DebugString(), Not(HasSubstr(london_account)));
  }
  std::set<std::string> actions = Actions(events);
  EXPECT_TRUE(actions.count("role_binding.create"));
  EXPECT_TRUE(actions.count("service_account.create"));
  // The keys of their region's service accounts are theirs to audit too.
  EXPECT_TRUE(actions.count("api_key.create"));
  EXPECT_THAT(Audit(north, &status, "regions/london"), IsEmpty());
  EXPECT_THAT(status, IsOk());

  // The deployment administrator sees both regions' key events.
  int key_events = 0;
  for (const auto& event : Audit(admin_, &status)) {
    if (event.action() == "api_key.create") ++key_events;
  }
  EXPECT_EQ(key_events, 2);

  for (const std::string* token : {&viewer, &lead}) {
    Audit(*token, &status);
    EXPECT_THAT(status, StatusIs(Code::kPermissionDenied));
  }
}

// ---- Signing keys ----

TEST_F(IdentityServiceTest, OldTokensKeepWorkingAfterRotationAndNewOnesUseTheNewKey) {
  const std::string old_token = admin_;
  const std::string old_kid = KeyIdOf(old_token);
  fwv1::ListFrameworksResponse frameworks;
  // The framework service has the old key cached.
  ASSERT_THAT(FrameworkList(old_token, &frameworks), IsOk());

  idv1::RotateSigningKeyResponse rotated;
  ASSERT_THAT(Call(&Stub::RotateSigningKey, admin_, idv1::RotateSigningKeyRequest(), &rotated),
              IsOk());
  const std::string new_kid = rotated.key().key_id();
  EXPECT_NE(new_kid, old_kid);
  EXPECT_EQ(rotated.key().algorithm(), "EdDSA");
  EXPECT_EQ(rotated.key().public_key().size(), 32u);

  // The old token still works on both services.
  EXPECT_EQ(PrincipalOf(old_token), PrincipalOf(admin_));
  EXPECT_THAT(FrameworkList(old_token, &frameworks), IsOk());

  // A new token is signed with the new key and works on both too: the framework
  // service fetches the key it does not know yet.
  idv1::SignInResponse signed_in;
  ASSERT_THAT(SignIn(TestHub::kAdminEmail, TestHub::kAdminPassword, &signed_in), IsOk());
  EXPECT_EQ(KeyIdOf(signed_in.access_token()), new_kid);
  EXPECT_THAT(FrameworkList(signed_in.access_token(), &frameworks), IsOk());
  idv1::GetCurrentPrincipalResponse me;
  EXPECT_THAT(WhoAmI(signed_in.access_token(), &me), IsOk());
  // And the old one again, after the framework's key cache was refreshed.
  EXPECT_THAT(FrameworkList(old_token, &frameworks), IsOk());

  // Both keys are published, the new one current, also as a JWKS document.
  idv1::ListPublicKeysResponse keys;
  ASSERT_THAT(Call(&Stub::ListPublicKeys, "", idv1::ListPublicKeysRequest(), &keys), IsOk());
  ASSERT_THAT(keys.keys(), SizeIs(2));
  std::map<std::string, idv1::PublicKey> by_id;
  for (const auto& key : keys.keys()) by_id[key.key_id()] = key;
  ASSERT_TRUE(by_id.count(old_kid) && by_id.count(new_kid));
  EXPECT_TRUE(by_id[old_kid].has_rotate_time());
  EXPECT_FALSE(by_id[new_kid].has_rotate_time());
  EXPECT_EQ(by_id[new_kid].public_key(), rotated.key().public_key());
  nlohmann::json jwks = nlohmann::json::parse(keys.jwks_json());
  ASSERT_EQ(jwks["keys"].size(), 2u);
  std::set<std::string> jwk_ids;
  for (const auto& jwk : jwks["keys"]) {
    EXPECT_EQ(jwk["kty"], "OKP");
    EXPECT_EQ(jwk["crv"], "Ed25519");
    EXPECT_EQ(jwk["alg"], "EdDSA");
    std::string x;
    ASSERT_TRUE(absl::WebSafeBase64Unescape(jwk["x"].get<std::string>(), &x));
    EXPECT_EQ(x, by_id[jwk["kid"].get<std::string>()].public_key());
    EXPECT_FALSE(jwk.contains("d"));  // never the private part
    jwk_ids.insert(jwk["kid"].get<std::string>());
  }
  EXPECT_THAT(jwk_ids, UnorderedElementsAre(old_kid, new_kid));
}

TEST_F(IdentityServiceTest, AnExpiredTokenOfTheOldKeyIsRefusedAfterRotation) {
  const std::string old_kid = KeyIdOf(admin_);
  idv1::RotateSigningKeyResponse rotated;
  ASSERT_THAT(Call(&Stub::RotateSigningKey, admin_, idv1::RotateSigningKeyRequest(), &rotated),
              IsOk());
  // Sign with the old key, opened from the database with the deployment's secret.
  std::string sealed = absl::HexStringToBytes(
      Sql("SELECT encode(private_key_sealed, 'hex') FROM signing_keys WHERE key_id = $1", old_kid));
  absl::StatusOr<std::string> old_private =
      identity::KeySealer::FromSecret(TestHub::kKeyEncryptionSecret)->Open(sealed);
  ASSERT_THAT(old_private, IsOk());
  nlohmann::json claims = JwtPart(admin_, 1);
  const int64_t now = absl::ToUnixSeconds(absl::Now());

  claims["iat"] = now - 60;
  claims["exp"] = now + 600;
  std::string live = jwt::Sign(claims, old_kid, *old_private).value();
  idv1::GetCurrentPrincipalResponse me;
  fwv1::ListFrameworksResponse frameworks;
  EXPECT_THAT(WhoAmI(live, &me), IsOk());
  EXPECT_THAT(FrameworkList(live, &frameworks), IsOk());

  claims["iat"] = now - 1200;
  claims["exp"] = now - 300;
  std::string expired = jwt::Sign(claims, old_kid, *old_private).value();
  EXPECT_THAT(WhoAmI(expired, &me), StatusIs(Code::kUnauthenticated));
  EXPECT_THAT(FrameworkList(expired, &frameworks), StatusIs(Code::kUnauthenticated));
}

TEST_F(IdentityServiceTest, OnlyDeploymentAdministratorsRotateTheKey) {
  MakeTenancy();
  std::string north = MustUserWithRoles("north-admin@hub.test",
                                        {{Role::ROLE_HUB_ADMINISTRATOR, "regions/north-east", ""}});
  const int keys = Count("signing_keys");
  idv1::RotateSigningKeyResponse rotated;
  EXPECT_THAT(Call(&Stub::RotateSigningKey, north, idv1::RotateSigningKeyRequest(), &rotated),
              StatusIs(Code::kPermissionDenied));
  EXPECT_EQ(Count("signing_keys"), keys);
}

}  // namespace
}  // namespace sixsteps::testing
