// The verification of access tokens (auth::TokenVerifier) as identity issues them: keys,
// algorithms, tampering, claims and expiry.
#include <openssl/evp.h>

#include <memory>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "services/common/auth.h"
#include "services/common/jwt.h"
#include "services/identity/domain.h"
#include "tests/support/fake_keys.h"
#include "tests/support/status_matchers.h"

namespace sixsteps::identity {
namespace {

using ::sixsteps::testing::FakeKeys;
using ::sixsteps::testing::IsOk;
using ::sixsteps::testing::StatusIs;
using ::sixsteps::testing::VerifierTrusting;
using ::testing::IsEmpty;
using Code = absl::StatusCode;

// ---- Verifying access tokens ----

std::string B64(absl::string_view bytes) { return absl::WebSafeBase64Escape(bytes); }

// Signs header.claims with an Ed25519 key whatever the header says, to forge tokens that
// differ from a good one only in the header.
std::string SignWithHeader(const nlohmann::json& header, const std::string& payload_json,
                           const std::string& private_key) {
  std::string input = absl::StrCat(B64(header.dump()), ".", B64(payload_json));
  EVP_PKEY* key = EVP_PKEY_new_raw_private_key(
      EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(private_key.data()),
      private_key.size());
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  std::string signature(64, '\0');
  size_t length = signature.size();
  EXPECT_EQ(EVP_DigestSignInit(ctx, nullptr, nullptr, nullptr, key), 1);
  EXPECT_EQ(EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(signature.data()), &length,
                           reinterpret_cast<const unsigned char*>(input.data()), input.size()),
            1);
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(key);
  return absl::StrCat(input, ".", B64(signature));
}

class TokenVerifierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pair_ = jwt::GenerateEd25519KeyPair().value();
    verifier_ = VerifierTrusting(pair_.public_key, &keys_);
    caller_.principal = "users/u-0123456789abcdef";
    caller_.grants = {{Role::ROLE_HUB_ADMINISTRATOR, "north-east", "", ""},
                      {Role::ROLE_PARTNER_RESPONDENT, "london", "camden", "police"}};
    caller_.display_name = "Ada";
  }

  nlohmann::json Claims() const {
    return auth::ClaimsFor(caller_, now_, absl::Minutes(15), "jti-1");
  }
  std::string Token(const nlohmann::json& claims, const std::string& kid = "key-1") const {
    return jwt::Sign(claims, kid, pair_.private_key).value();
  }

  jwt::KeyPair pair_;
  std::shared_ptr<FakeKeys> keys_;
  std::unique_ptr<auth::TokenVerifier> verifier_;
  Caller caller_;
  const absl::Time now_ = absl::FromUnixSeconds(1'700'000'000);
};

TEST_F(TokenVerifierTest, AGoodTokenGivesTheCallerBack) {
  absl::StatusOr<Caller> caller = verifier_->Verify(Token(Claims()), now_);
  ASSERT_THAT(caller, IsOk());
  EXPECT_EQ(caller->principal, "users/u-0123456789abcdef");
  EXPECT_EQ(caller->display_name, "Ada");
  EXPECT_FALSE(caller->service_account);
  ASSERT_EQ(caller->grants.size(), 2u);
  EXPECT_EQ(caller->grants[0].role, Role::ROLE_HUB_ADMINISTRATOR);
  EXPECT_EQ(caller->grants[0].region, "north-east");
  EXPECT_EQ(caller->grants[1].role, Role::ROLE_PARTNER_RESPONDENT);
  EXPECT_EQ(caller->grants[1].partnership, "camden");
  EXPECT_EQ(caller->grants[1].organisation, "police");
}

TEST_F(TokenVerifierTest, OnlyEdDsaIsAccepted) {
  const std::string payload = Claims().dump();
  // The same claims, signed with the right key, but a header asking for another algorithm.
  for (const char* alg : {"none", "HS256", "RS256", "ES256", "eddsa", ""}) {
    SCOPED_TRACE(alg);
    nlohmann::json header = {{"alg", alg}, {"typ", "JWT"}, {"kid", "key-1"}};
    EXPECT_THAT(verifier_->Verify(SignWithHeader(header, payload, pair_.private_key), now_),
                StatusIs(Code::kUnauthenticated));
  }
  nlohmann::json good = {{"alg", "EdDSA"}, {"typ", "JWT"}, {"kid", "key-1"}};
  EXPECT_THAT(verifier_->Verify(SignWithHeader(good, payload, pair_.private_key), now_), IsOk());
  // The classic "alg": "none" token with no signature at all.
  std::string unsigned_token = absl::StrCat(
      B64(nlohmann::json({{"alg", "none"}, {"kid", "key-1"}}).dump()), ".", B64(payload), ".");
  EXPECT_THAT(verifier_->Verify(unsigned_token, now_), StatusIs(Code::kUnauthenticated));
  // A header without a key id.
  std::string no_kid = SignWithHeader({{"alg", "EdDSA"}}, payload, pair_.private_key);
  EXPECT_THAT(verifier_->Verify(no_kid, now_), StatusIs(Code::kUnauthenticated));
}

TEST_F(TokenVerifierTest, UnknownKeyIdAndForeignKeysAreRefused) {
  EXPECT_THAT(verifier_->Verify(Token(Claims(), "key-2"), now_), StatusIs(Code::kUnauthenticated));
  jwt::KeyPair other = jwt::GenerateEd25519KeyPair().value();
  std::string forged = jwt::Sign(Claims(), "key-1", other.private_key).value();
  EXPECT_THAT(verifier_->Verify(forged, now_), StatusIs(Code::kUnauthenticated));
}

TEST_F(TokenVerifierTest, KeysThatCannotBeFetchedAreNotAnAuthenticationFailure) {
  keys_->unavailable = true;
  EXPECT_THAT(verifier_->Verify(Token(Claims()), now_), StatusIs(Code::kUnavailable));
}

TEST_F(TokenVerifierTest, ATamperedTokenIsRefused) {
  const std::string token = Token(Claims());
  std::vector<absl::string_view> parts = absl::StrSplit(token, '.');
  ASSERT_EQ(parts.size(), 3u);
  // Flip one character in the middle of the payload.
  std::string flipped = token;
  size_t at = parts[0].size() + 1 + parts[1].size() / 2;
  flipped[at] = flipped[at] == 'A' ? 'B' : 'A';
  EXPECT_THAT(verifier_->Verify(flipped, now_), StatusIs(Code::kUnauthenticated));
  // A payload rewritten to make the caller a deployment administrator, signature kept.
  nlohmann::json escalated = Claims();
  escalated["grants"] = {{{"role", "hub_administrator"}, {"region", "*"}}};
  std::string rewritten = absl::StrCat(parts[0], ".", B64(escalated.dump()), ".", parts[2]);
  EXPECT_THAT(verifier_->Verify(rewritten, now_), StatusIs(Code::kUnauthenticated));
  // A damaged signature.
  std::string bad_signature = token;
  bad_signature[token.size() - 5] = bad_signature[token.size() - 5] == 'A' ? 'B' : 'A';
  EXPECT_THAT(verifier_->Verify(bad_signature, now_), StatusIs(Code::kUnauthenticated));
}

TEST_F(TokenVerifierTest, MalformedTokensAreRefused) {
  const std::string token = Token(Claims());
  for (const std::string& bad :
       {std::string(""), std::string("abc"), std::string("a.b"), absl::StrCat(token, ".x"),
        std::string("..."), std::string("!!!.!!!.!!!")}) {
    EXPECT_THAT(verifier_->Verify(bad, now_), StatusIs(Code::kUnauthenticated));
  }
  nlohmann::json huge = Claims();
  huge["name"] = std::string(20000, 'x');
  EXPECT_THAT(verifier_->Verify(Token(huge), now_), StatusIs(Code::kUnauthenticated));
}

TEST_F(TokenVerifierTest, WrongIssuerAudienceOrSubjectIsRefused) {
  nlohmann::json claims = Claims();
  claims["iss"] = "someone-else";
  EXPECT_THAT(verifier_->Verify(Token(claims), now_), StatusIs(Code::kUnauthenticated));
  claims = Claims();
  claims["aud"] = "another-service";
  EXPECT_THAT(verifier_->Verify(Token(claims), now_), StatusIs(Code::kUnauthenticated));
  claims = Claims();
  claims["aud"] = nlohmann::json::array({"sixsteps"});
  EXPECT_THAT(verifier_->Verify(Token(claims), now_), StatusIs(Code::kUnauthenticated));
  claims = Claims();
  claims.erase("sub");
  EXPECT_THAT(verifier_->Verify(Token(claims), now_), StatusIs(Code::kUnauthenticated));
  claims = Claims();
  claims.erase("iss");
  EXPECT_THAT(verifier_->Verify(Token(claims), now_), StatusIs(Code::kUnauthenticated));
}

TEST_F(TokenVerifierTest, ExpiryHasThirtySecondsOfLeewayAndNoMore) {
  const std::string token = Token(Claims());  // expires at now_ + 15 min
  const absl::Time expiry = now_ + absl::Minutes(15);
  EXPECT_THAT(verifier_->Verify(token, expiry), IsOk());
  EXPECT_THAT(verifier_->Verify(token, expiry + absl::Seconds(30)), IsOk());
  EXPECT_THAT(verifier_->Verify(token, expiry + absl::Seconds(31)),
              StatusIs(Code::kUnauthenticated, "expired"));
  EXPECT_THAT(verifier_->Verify(token, expiry + absl::Hours(24)), StatusIs(Code::kUnauthenticated));
  nlohmann::json claims = Claims();
  claims.erase("exp");
  EXPECT_THAT(verifier_->Verify(Token(claims), now_), StatusIs(Code::kUnauthenticated));
  claims["exp"] = absl::StrCat(absl::ToUnixSeconds(now_ + absl::Hours(1)));  // a string
  EXPECT_THAT(verifier_->Verify(Token(claims), now_), StatusIs(Code::kUnauthenticated));
}

TEST_F(TokenVerifierTest, TokensIssuedInTheFutureAreRefused) {
  nlohmann::json claims = Claims();
  claims["iat"] = absl::ToUnixSeconds(now_ + absl::Minutes(5));
  EXPECT_THAT(verifier_->Verify(Token(claims), now_), StatusIs(Code::kUnauthenticated));
  claims["iat"] = absl::ToUnixSeconds(now_ + absl::Seconds(20));  // clock skew
  EXPECT_THAT(verifier_->Verify(Token(claims), now_), IsOk());
}

TEST_F(TokenVerifierTest, GrantsThatDoNotParseRefuseTheWholeToken) {
  nlohmann::json claims = Claims();
  claims["grants"].push_back({{"role", "superuser"}, {"region", "*"}});
  EXPECT_THAT(verifier_->Verify(Token(claims), now_), StatusIs(Code::kUnauthenticated));
  claims = Claims();
  claims["grants"].push_back({{"role", "viewer"}});  // no region
  EXPECT_THAT(verifier_->Verify(Token(claims), now_), StatusIs(Code::kUnauthenticated));
  claims = Claims();
  claims["grants"].push_back("hub_administrator");
  EXPECT_THAT(verifier_->Verify(Token(claims), now_), StatusIs(Code::kUnauthenticated));
  claims = Claims();
  claims["grants"].push_back({{"role", "unspecified"}, {"region", "north-east"}});
  EXPECT_THAT(verifier_->Verify(Token(claims), now_), StatusIs(Code::kUnauthenticated));
}

TEST_F(TokenVerifierTest, ClaimsOfTheWrongTypeAreRefusedNotThrown) {
  for (const char* key : {"iss", "aud", "sub", "exp"}) {
    SCOPED_TRACE(key);
    nlohmann::json claims = Claims();
    claims[key] = nlohmann::json::object({{"x", 1}});
    EXPECT_THAT(verifier_->Verify(Token(claims), now_), StatusIs(Code::kUnauthenticated));
  }
  nlohmann::json claims = Claims();
  claims["grants"] = nlohmann::json::array({{{"role", 5}, {"region", "north-east"}}});
  absl::StatusOr<Caller> caller;
  EXPECT_NO_THROW(caller = verifier_->Verify(Token(claims), now_));
  EXPECT_THAT(caller, StatusIs(Code::kUnauthenticated));
  // A partnership of the wrong type must not turn a partnership grant into a region one.
  claims = Claims();
  claims["grants"] =
      nlohmann::json::array({{{"role", "viewer"}, {"region", "north-east"}, {"partnership", 5}}});
  EXPECT_NO_THROW(caller = verifier_->Verify(Token(claims), now_));
  EXPECT_THAT(caller, StatusIs(Code::kUnauthenticated));
  claims = Claims();
  claims["sa"] = "yes";
  EXPECT_NO_THROW(caller = verifier_->Verify(Token(claims), now_));
  EXPECT_THAT(caller, StatusIs(Code::kUnauthenticated));
  claims = Claims();
  claims["grants"] = "hub_administrator";  // not an array: no grants at all
  EXPECT_NO_THROW(caller = verifier_->Verify(Token(claims), now_));
  ASSERT_THAT(caller, IsOk());
  EXPECT_THAT(caller->grants, IsEmpty());
}

}  // namespace
}  // namespace sixsteps::identity
