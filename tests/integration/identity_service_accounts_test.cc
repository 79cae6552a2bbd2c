// The identity service end to end: service accounts' API keys, shown once, stored hashed,
// signing in with the account's grants, and refused once revoked, expired or tampered with.
#include "tests/integration/identity_service_fixture.h"

namespace sixsteps::testing {
namespace {

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

}  // namespace
}  // namespace sixsteps::testing
