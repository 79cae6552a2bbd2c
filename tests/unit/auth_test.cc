// TokenVerifier: what it accepts, and that a token verified once is not verified again
// while it stays valid.
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/time/clock.h"
#include "services/common/auth.h"
#include "services/common/jwt.h"

namespace sixsteps::testing {
namespace {

using ::testing::HasSubstr;

// One key pair; counts how often the verifier asks for the public key (once per
// signature it checks).
class CountingKeys final : public auth::PublicKeySource {
 public:
  explicit CountingKeys(std::string public_key) : public_key_(std::move(public_key)) {}
  absl::StatusOr<std::string> Find(absl::string_view key_id) override {
    ++lookups;
    if (key_id != "k1") return absl::NotFoundError("unknown signing key");
    return public_key_;
  }
  int lookups = 0;

 private:
  std::string public_key_;
};

class TokenVerifierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<jwt::KeyPair> pair = jwt::GenerateEd25519KeyPair();
    ASSERT_TRUE(pair.ok()) << pair.status();
    private_key_ = pair->private_key;
    auto keys = std::make_shared<CountingKeys>(pair->public_key);
    keys_ = keys.get();
    verifier_ = std::make_unique<auth::TokenVerifier>(std::move(keys));
  }

  std::string Token(absl::Time issued, absl::Duration ttl, const std::string& who = "users/u1") {
    auth::Caller caller;
    caller.principal = who;
    caller.display_name = "Una";
    caller.grants.push_back({auth::Role::ROLE_VIEWER, "north", "tyneside", ""});
    absl::StatusOr<std::string> token =
        jwt::Sign(auth::ClaimsFor(caller, issued, ttl, "t1"), "k1", private_key_);
    EXPECT_TRUE(token.ok()) << token.status();
    return token.value_or("");
  }

  std::string private_key_;
  CountingKeys* keys_ = nullptr;
  std::unique_ptr<auth::TokenVerifier> verifier_;
};

TEST_F(TokenVerifierTest, AVerifiedTokenIsTrustedAgainWithoutCheckingItsSignature) {
  const absl::Time now = absl::Now();
  const std::string token = Token(now, absl::Minutes(15));
  absl::StatusOr<auth::Caller> first = verifier_->Verify(token, now);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->principal, "users/u1");
  EXPECT_EQ(keys_->lookups, 1);

  absl::StatusOr<auth::Caller> again = verifier_->Verify(token, now + absl::Seconds(1));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->principal, "users/u1");
  ASSERT_EQ(again->grants.size(), 1u);
  EXPECT_EQ(again->grants[0].partnership, "tyneside");
  EXPECT_EQ(keys_->lookups, 1);

  // After kVerifiedTtl the signature is checked again.
  ASSERT_TRUE(verifier_->Verify(token, now + auth::TokenVerifier::kVerifiedTtl).ok());
  EXPECT_EQ(keys_->lookups, 2);
}

TEST_F(TokenVerifierTest, ATrustedTokenStillExpires) {
  const absl::Time now = absl::Now();
  const std::string token = Token(now, absl::Seconds(20));
  ASSERT_TRUE(verifier_->Verify(token, now).ok());
  // Within its life (and the 30 s leeway for clocks) it passes; past that it does not,
  // although it was verified less than kVerifiedTtl ago.
  EXPECT_TRUE(verifier_->Verify(token, now + absl::Seconds(45)).ok());
  absl::StatusOr<auth::Caller> late = verifier_->Verify(token, now + absl::Seconds(55));
  EXPECT_EQ(late.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(std::string(late.status().message()), HasSubstr("expired"));
}

TEST_F(TokenVerifierTest, ARefusedTokenIsRefusedEveryTime) {
  const absl::Time now = absl::Now();
  std::string token = Token(now, absl::Minutes(15));
  // A signature that does not match (a character within it: the last one partly encodes
  // padding bits that decoders ignore).
  char& inside = token[token.rfind('.') + 10];
  inside = inside == 'A' ? 'B' : 'A';
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(verifier_->Verify(token, now).status().code(), absl::StatusCode::kUnauthenticated);
  }
  EXPECT_EQ(keys_->lookups, 2);
}

TEST_F(TokenVerifierTest, EachTokenIsVerifiedOnItsOwn) {
  const absl::Time now = absl::Now();
  absl::StatusOr<auth::Caller> una = verifier_->Verify(Token(now, absl::Minutes(15)), now);
  absl::StatusOr<auth::Caller> bo =
      verifier_->Verify(Token(now, absl::Minutes(15), "users/u2"), now);
  ASSERT_TRUE(una.ok() && bo.ok());
  EXPECT_EQ(una->principal, "users/u1");
  EXPECT_EQ(bo->principal, "users/u2");
  EXPECT_EQ(keys_->lookups, 2);
}

}  // namespace
}  // namespace sixsteps::testing
