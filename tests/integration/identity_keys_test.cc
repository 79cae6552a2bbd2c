// The identity service end to end: the audit log (who reads which events) and the rotation
// of the signing key.
#include "tests/integration/identity_service_fixture.h"

namespace sixsteps::testing {
namespace {

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
