// TokenVerifier: what it accepts, that a token verified once is not verified again while
// it stays valid, and that a revoked token is refused even so. IdentityPublicKeys: keys and
// revocations refreshed in the background, against a fake identity service on 127.0.0.1
// that can be made to hang.
#include <atomic>
#include <condition_variable>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <google/protobuf/util/time_util.h>
#include <grpcpp/create_channel.h>
#include <gtest/gtest.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/common/auth.h"
#include "services/common/jwt.h"
#include "services/common/server.h"
#include "sixsteps/identity/v1/identity_service.grpc.pb.h"

namespace sixsteps::testing {
namespace {

using ::testing::HasSubstr;

// One key pair; counts how often the verifier asks for the public key (once per
// signature it checks). Revokes what `revocations` says.
class CountingKeys final : public auth::PublicKeySource {
 public:
  explicit CountingKeys(std::string public_key) : public_key_(std::move(public_key)) {}
  absl::StatusOr<std::string> Find(absl::string_view key_id) override {
    ++lookups;
    if (key_id != "k1") return absl::NotFoundError("unknown signing key");
    return public_key_;
  }
  absl::Status CheckNotRevoked(const auth::Caller& caller) override {
    return revocations.Check(caller);
  }
  int lookups = 0;
  auth::TokenRevocations revocations;

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

  std::string Token(absl::Time issued, absl::Duration ttl, const std::string& who = "users/u1",
                    const std::string& api_key_id = "") {
    return Sign(Claims(issued, ttl, who, api_key_id));
  }
  nlohmann::json Claims(absl::Time issued, absl::Duration ttl, const std::string& who,
                        const std::string& api_key_id = "") {
    auth::Caller caller;
    caller.principal = who;
    caller.display_name = "Una";
    caller.grants.push_back({auth::Role::ROLE_VIEWER, "north", "tyneside", ""});
    caller.api_key_id = api_key_id;
    return auth::ClaimsFor(caller, issued, ttl, "t1");
  }
  std::string Sign(const nlohmann::json& claims) {
    absl::StatusOr<std::string> token = jwt::Sign(claims, "k1", private_key_);
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

// Only a token exactly as signed verifies: absl's base64 decoder skips whitespace and
// ignores trailing bits, and the reporting endpoint forwards the token it verified to the
// assessment service as gRPC metadata, where a control character aborts the process
// (fuzz_http_endpoint found "<token>\fA").
TEST_F(TokenVerifierTest, OnlyTheTokenAsSignedVerifies) {
  const absl::Time now = absl::Now();
  const std::string token = Token(now, absl::Minutes(15));
  ASSERT_TRUE(verifier_->Verify(token, now).ok());
  const size_t signature = token.rfind('.') + 1;
  const std::string altered[] = {
      token + "\fA",
      token + "A",
      token + "=",
      token + " ",
      token.substr(0, signature) + "\n" + token.substr(signature),
      token.substr(0, signature + 20) + "\t" + token.substr(signature + 20),
      token.substr(0, 10) + "\r" + token.substr(10),
  };
  for (const std::string& wrong : altered) {
    EXPECT_EQ(verifier_->Verify(wrong, now).status().code(), absl::StatusCode::kUnauthenticated)
        << absl::CEscape(wrong.substr(wrong.size() > 8 ? wrong.size() - 8 : 0));
  }
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

TEST_F(TokenVerifierTest,
       WithoutBlockingOnlyATokenVerifiedBeforeIsAnsweredAndRevocationsStillCount) {
  // What the callback API's fast path asks on gRPC's thread (callback_rpc.h): an answer only
  // when no signature has to be checked (nor so a key fetched, which may wait).
  const absl::Time now = absl::Now();
  const std::string token = Token(now, absl::Minutes(15));
  const std::string bearer = "Bearer " + token;
  std::multimap<grpc::string_ref, grpc::string_ref> metadata;
  metadata.emplace("authorization", bearer);
  EXPECT_FALSE(verifier_->AuthenticateBearerIfVerified(metadata).has_value());
  EXPECT_EQ(keys_->lookups, 0);

  ASSERT_TRUE(verifier_->AuthenticateBearer(metadata).ok());
  std::optional<absl::StatusOr<auth::Caller>> known =
      verifier_->AuthenticateBearerIfVerified(metadata);
  ASSERT_TRUE(known.has_value());
  ASSERT_TRUE(known->ok()) << known->status();
  EXPECT_EQ((*known)->principal, "users/u1");
  EXPECT_EQ((*known)->bearer_token, token);
  EXPECT_EQ(keys_->lookups, 1);

  keys_->revocations.principals[auth::RevokedPrincipalDigest("users/u1")] =
      absl::Now() + absl::Seconds(1);
  std::optional<absl::StatusOr<auth::Caller>> revoked =
      verifier_->AuthenticateBearerIfVerified(metadata);
  ASSERT_TRUE(revoked.has_value());
  EXPECT_EQ(revoked->status().code(), absl::StatusCode::kUnauthenticated);

  // No token at all is answered at once, as AuthenticateBearer answers it.
  std::multimap<grpc::string_ref, grpc::string_ref> none;
  std::optional<absl::StatusOr<auth::Caller>> anonymous =
      verifier_->AuthenticateBearerIfVerified(none);
  ASSERT_TRUE(anonymous.has_value());
  EXPECT_EQ(anonymous->status().code(), absl::StatusCode::kUnauthenticated);
}

// ---- Revocation ----

TEST_F(TokenVerifierTest, ARevokedTokenIsRefusedAlthoughItsSignatureIsTrustedFromTheCache) {
  const absl::Time now = absl::Now();
  const std::string token = Token(now, absl::Minutes(15));
  const std::string other = Token(now, absl::Minutes(15), "users/u2");
  ASSERT_TRUE(verifier_->Verify(token, now).ok());
  ASSERT_TRUE(verifier_->Verify(other, now).ok());
  ASSERT_EQ(keys_->lookups, 2);

  keys_->revocations.principals[auth::RevokedPrincipalDigest("users/u1")] =
      now + absl::Milliseconds(1);
  absl::StatusOr<auth::Caller> refused = verifier_->Verify(token, now + absl::Seconds(1));
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(std::string(refused.status().message()), HasSubstr("revoked"));
  // It was the cached verification that was refused: no signature was checked again.
  EXPECT_EQ(keys_->lookups, 2);
  // Another principal's token is untouched.
  EXPECT_TRUE(verifier_->Verify(other, now + absl::Seconds(1)).ok());
}

TEST_F(TokenVerifierTest, ARevocationCatchesTokensIssuedBeforeItToTheMicrosecond) {
  // Within one second: a token issued just before the revocation is refused, one issued
  // just after it (the user signing in again at once) is accepted.
  const absl::Time second = absl::FromUnixSeconds(absl::ToUnixSeconds(absl::Now()));
  const absl::Time revoked_at = second + absl::Milliseconds(500);
  keys_->revocations.principals[auth::RevokedPrincipalDigest("users/u1")] = revoked_at;
  const std::string before = Token(revoked_at - absl::Microseconds(1), absl::Minutes(15));
  const std::string after = Token(revoked_at + absl::Microseconds(1), absl::Minutes(15));
  EXPECT_EQ(verifier_->Verify(before, revoked_at).status().code(),
            absl::StatusCode::kUnauthenticated);
  absl::StatusOr<auth::Caller> again = verifier_->Verify(after, revoked_at);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->issue_time, revoked_at + absl::Microseconds(1));
}

TEST_F(TokenVerifierTest, ATokenWithoutAPreciseIssueTimeCountsFromTheStartOfItsSecond) {
  // Tokens of an identity replica older than revocation carry only "iat" (seconds): a
  // revocation within that second catches them, erring towards refusing.
  const absl::Time second = absl::FromUnixSeconds(absl::ToUnixSeconds(absl::Now()));
  nlohmann::json claims = Claims(second + absl::Milliseconds(900), absl::Minutes(15), "users/u1");
  claims.erase("iat_us");
  const std::string token = Sign(claims);
  keys_->revocations.principals[auth::RevokedPrincipalDigest("users/u1")] =
      second + absl::Milliseconds(100);
  EXPECT_EQ(verifier_->Verify(token, second + absl::Seconds(1)).status().code(),
            absl::StatusCode::kUnauthenticated);
}

TEST_F(TokenVerifierTest, APreciseIssueTimeThatIsNotANumberIsRefused) {
  const absl::Time now = absl::Now();
  nlohmann::json claims = Claims(now, absl::Minutes(15), "users/u1");
  claims["iat_us"] = "soon";
  EXPECT_EQ(verifier_->Verify(Sign(claims), now).status().code(),
            absl::StatusCode::kUnauthenticated);
  claims["iat_us"] = absl::ToUnixMicros(now);
  claims["api_key"] = 7;
  EXPECT_EQ(verifier_->Verify(Sign(claims), now).status().code(),
            absl::StatusCode::kUnauthenticated);
}

TEST_F(TokenVerifierTest, RevokingAnApiKeyRefusesTheTokensIssuedForItOnly) {
  const absl::Time now = absl::Now();
  const std::string revoked = Token(now, absl::Minutes(15), "serviceAccounts/sa1", "k-revoked");
  const std::string kept = Token(now, absl::Minutes(15), "serviceAccounts/sa1", "k-kept");
  absl::StatusOr<auth::Caller> caller = verifier_->Verify(revoked, now);
  ASSERT_TRUE(caller.ok()) << caller.status();
  EXPECT_EQ(caller->api_key_id, "k-revoked");
  keys_->revocations.api_keys.insert(auth::RevokedApiKeyDigest("k-revoked"));
  EXPECT_EQ(verifier_->Verify(revoked, now).status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_TRUE(verifier_->Verify(kept, now).ok());
  // A token issued later for the revoked key (there can be none: sign-in refuses the key)
  // is refused too: the key's tokens are refused whatever their issue time.
  EXPECT_EQ(verifier_
                ->Verify(Token(now + absl::Minutes(1), absl::Minutes(15), "serviceAccounts/sa1",
                               "k-revoked"),
                         now + absl::Minutes(1))
                .status()
                .code(),
            absl::StatusCode::kUnauthenticated);
}

TEST(TokenRevocationsTest, DigestsNameNoOneAndDoNotCollideAcrossKinds) {
  const std::string principal = auth::RevokedPrincipalDigest("users/u-1");
  EXPECT_EQ(principal.size(), 32u);
  EXPECT_EQ(principal.find("u-1"), std::string::npos);
  EXPECT_NE(auth::RevokedPrincipalDigest("k-1"), auth::RevokedApiKeyDigest("k-1"));
  EXPECT_EQ(principal, auth::RevokedPrincipalDigest("users/u-1"));
}

// ---- IdentityPublicKeys against a fake identity service ----

// Serves one key pair's public key ("k1", and "k2" once added) and a revocation list.
// While `Stall()` is in force, ListPublicKeys hangs until `Release()` (or cancellation).
class FakeIdentity final : public identity::v1::IdentityService::Service {
 public:
  grpc::Status ListPublicKeys(grpc::ServerContext* context,
                              const identity::v1::ListPublicKeysRequest*,
                              identity::v1::ListPublicKeysResponse* response) override {
    std::unique_lock<std::mutex> lock(mu_);
    ++key_calls_;
    if (stall_) {
      ++stalled_;
      changed_.notify_all();
      // Polls for cancellation, so that a server shutting down never waits for the test.
      while (stall_ && !context->IsCancelled()) {
        changed_.wait_for(lock, std::chrono::milliseconds(50));
      }
    }
    for (const auto& [id, key] : keys_) {
      identity::v1::PublicKey* published = response->add_keys();
      published->set_key_id(id);
      published->set_public_key(key);
    }
    return grpc::Status::OK;
  }
  grpc::Status ListTokenRevocations(grpc::ServerContext*,
                                    const identity::v1::ListTokenRevocationsRequest*,
                                    identity::v1::ListTokenRevocationsResponse* response) override {
    std::lock_guard<std::mutex> lock(mu_);
    *response = revocations_;
    return grpc::Status::OK;
  }

  void AddKey(const std::string& id, const std::string& public_key) {
    std::lock_guard<std::mutex> lock(mu_);
    keys_.emplace_back(id, public_key);
  }
  void RevokePrincipal(const std::string& principal, absl::Time not_before) {
    std::lock_guard<std::mutex> lock(mu_);
    identity::v1::PrincipalRevocation* revoked = revocations_.add_principals();
    revoked->set_principal_sha256(auth::RevokedPrincipalDigest(principal));
    *revoked->mutable_not_before() =
        google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(not_before));
  }
  void Stall() {
    std::lock_guard<std::mutex> lock(mu_);
    stall_ = true;
  }
  void Release() {
    std::lock_guard<std::mutex> lock(mu_);
    stall_ = false;
    changed_.notify_all();
  }
  // Waits (up to a minute) until a ListPublicKeys call hangs; false if none did.
  bool AwaitStalledCall() {
    std::unique_lock<std::mutex> lock(mu_);
    return changed_.wait_for(lock, std::chrono::minutes(1), [&] { return stalled_ > 0; });
  }
  int key_calls() {
    std::lock_guard<std::mutex> lock(mu_);
    return key_calls_;
  }

 private:
  std::mutex mu_;
  std::condition_variable changed_;
  std::vector<std::pair<std::string, std::string>> keys_;
  identity::v1::ListTokenRevocationsResponse revocations_;
  bool stall_ = false;
  int stalled_ = 0;
  int key_calls_ = 0;
};

class IdentityPublicKeysTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (jwt::KeyPair* pair : {&k1_, &k2_}) {
      absl::StatusOr<jwt::KeyPair> generated = jwt::GenerateEd25519KeyPair();
      ASSERT_TRUE(generated.ok()) << generated.status();
      *pair = *generated;
    }
    identity_.AddKey("k1", k1_.public_key);
    absl::StatusOr<std::unique_ptr<RunningServer>> server =
        RunningServer::Start("127.0.0.1:0", {&identity_});
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
  }
  void TearDown() override {
    identity_.Release();
    verifier_.reset();
    keys_.reset();
    if (server_) server_->Shutdown(absl::Seconds(1));
  }

  void StartVerifier(auth::KeyRefreshOptions options) {
    keys_ = std::make_shared<auth::IdentityPublicKeys>(
        grpc::CreateChannel(server_->target(), grpc::InsecureChannelCredentials()), options);
    verifier_ = std::make_unique<auth::TokenVerifier>(keys_);
  }
  // Waits (bounded) until the keys have been refreshed `count` times in all.
  void AwaitRefreshes(int64_t count) {
    for (int i = 0; i < 600 && keys_->refreshes() < count; ++i)
      absl::SleepFor(absl::Milliseconds(50));
    ASSERT_GE(keys_->refreshes(), count);
  }

  std::string Token(const std::string& kid, const jwt::KeyPair& pair, const std::string& who) {
    auth::Caller caller;
    caller.principal = who;
    caller.grants.push_back({auth::Role::ROLE_VIEWER, "north", "", ""});
    absl::StatusOr<std::string> token = jwt::Sign(
        auth::ClaimsFor(caller, absl::Now(), absl::Minutes(15), who), kid, pair.private_key);
    EXPECT_TRUE(token.ok()) << token.status();
    return token.value_or("");
  }

  jwt::KeyPair k1_, k2_;
  FakeIdentity identity_;
  std::unique_ptr<RunningServer> server_;
  std::shared_ptr<auth::IdentityPublicKeys> keys_;
  std::unique_ptr<auth::TokenVerifier> verifier_;
};

TEST_F(IdentityPublicKeysTest, KnownTokensVerifyConcurrentlyWhileARefreshHangs) {
  auth::KeyRefreshOptions options;
  options.refresh_interval = absl::Milliseconds(100);
  // Nothing gives up on its own: the refresh hangs until the test releases it.
  options.fetch_deadline = absl::Hours(1);
  options.unknown_key_wait = absl::Hours(1);
  StartVerifier(options);
  ASSERT_NO_FATAL_FAILURE(AwaitRefreshes(1));

  identity_.Stall();
  ASSERT_TRUE(identity_.AwaitStalledCall());
  const int64_t refreshes = keys_->refreshes();

  // A token of an unknown key waits for the hung refresh (and the one after it)...
  std::future<absl::Status> unknown = std::async(std::launch::async, [&] {
    return verifier_->Verify(Token("k2", k2_, "users/unknown"), absl::Now()).status();
  });
  // ...while every token of the known key, each one new (a signature to check, keys to
  // look up), verifies in parallel threads, without waiting for identity.
  std::vector<std::future<int>> workers;
  for (int t = 0; t < 8; ++t) {
    workers.push_back(std::async(std::launch::async, [&, t] {
      int verified = 0;
      for (int i = 0; i < 25; ++i) {
        std::string token = Token("k1", k1_, absl::StrCat("users/u", t, "-", i));
        if (verifier_->Verify(token, absl::Now()).ok()) ++verified;
      }
      return verified;
    }));
  }
  for (std::future<int>& worker : workers) {
    // A bound, so that a verifier that serialises behind the hung call fails the test
    // rather than hanging it; the verifications need no more than milliseconds.
    ASSERT_EQ(worker.wait_for(std::chrono::seconds(60)), std::future_status::ready)
        << "verification of a known token waited for the hung refresh";
    EXPECT_EQ(worker.get(), 25);
  }
  // All of them ran while the refresh was still hung.
  EXPECT_EQ(keys_->refreshes(), refreshes);
  EXPECT_EQ(unknown.wait_for(std::chrono::seconds(0)), std::future_status::timeout);

  identity_.Release();
  ASSERT_EQ(unknown.wait_for(std::chrono::seconds(60)), std::future_status::ready);
  EXPECT_EQ(unknown.get().code(), absl::StatusCode::kUnauthenticated);
}

TEST_F(IdentityPublicKeysTest, AnUnknownKeyIdAsksForOneEarlyRefreshAtATime) {
  auth::KeyRefreshOptions options;
  // No periodic refresh during the test: only early ones fetch.
  options.refresh_interval = absl::Hours(1);
  options.min_early_refresh_interval = absl::Hours(1);
  StartVerifier(options);
  ASSERT_NO_FATAL_FAILURE(AwaitRefreshes(1));
  ASSERT_TRUE(verifier_->Verify(Token("k1", k1_, "users/a"), absl::Now()).ok());
  const int calls = identity_.key_calls();

  // Identity rotates to k2: the first k2 token makes the verifier fetch the keys again.
  identity_.AddKey("k2", k2_.public_key);
  absl::StatusOr<auth::Caller> rotated =
      verifier_->Verify(Token("k2", k2_, "users/b"), absl::Now());
  ASSERT_TRUE(rotated.ok()) << rotated.status();
  EXPECT_EQ(identity_.key_calls(), calls + 1);
  // A forged key id right after is refused without another fetch (rate-limited), and the
  // rotated key goes on verifying.
  EXPECT_EQ(verifier_->Verify(Token("k9", k2_, "users/c"), absl::Now()).status().code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(identity_.key_calls(), calls + 1);
  EXPECT_TRUE(verifier_->Verify(Token("k2", k2_, "users/d"), absl::Now()).ok());
}

TEST_F(IdentityPublicKeysTest, ARevocationReachesTheVerifierWithTheNextRefresh) {
  auth::KeyRefreshOptions options;
  options.refresh_interval = absl::Milliseconds(100);
  StartVerifier(options);
  ASSERT_NO_FATAL_FAILURE(AwaitRefreshes(1));
  const std::string token = Token("k1", k1_, "users/revoked");
  const std::string other = Token("k1", k1_, "users/kept");
  ASSERT_TRUE(verifier_->Verify(token, absl::Now()).ok());
  ASSERT_TRUE(verifier_->Verify(other, absl::Now()).ok());

  identity_.RevokePrincipal("users/revoked", absl::Now());
  // The refresh that started after the revocation has finished by two refreshes on.
  ASSERT_NO_FATAL_FAILURE(AwaitRefreshes(keys_->refreshes() + 2));
  absl::StatusOr<auth::Caller> refused = verifier_->Verify(token, absl::Now());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(std::string(refused.status().message()), HasSubstr("revoked"));
  EXPECT_TRUE(verifier_->Verify(other, absl::Now()).ok());
  // A token issued after the revocation (a fresh sign-in) is accepted.
  EXPECT_TRUE(verifier_->Verify(Token("k1", k1_, "users/revoked"), absl::Now()).ok());
}

TEST(IdentityPublicKeysUnreachableTest, KeysNeverFetchedAreUnavailableNotUnauthenticated) {
  // Nothing listens on port 1.
  auth::KeyRefreshOptions options;
  options.fetch_deadline = absl::Milliseconds(500);
  auto keys = std::make_shared<auth::IdentityPublicKeys>(
      grpc::CreateChannel("127.0.0.1:1", grpc::InsecureChannelCredentials()), options);
  auth::TokenVerifier verifier(keys);
  absl::StatusOr<jwt::KeyPair> pair = jwt::GenerateEd25519KeyPair();
  ASSERT_TRUE(pair.ok());
  auth::Caller caller;
  caller.principal = "users/u1";
  absl::StatusOr<std::string> token = jwt::Sign(
      auth::ClaimsFor(caller, absl::Now(), absl::Minutes(15), "t"), "k1", pair->private_key);
  ASSERT_TRUE(token.ok());
  EXPECT_EQ(verifier.Verify(*token, absl::Now()).status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace sixsteps::testing
