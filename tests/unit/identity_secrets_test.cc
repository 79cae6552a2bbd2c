// Identity's secrets without a database: Argon2id password hashes, the password-hashing
// gate, random ids and tokens, and the sealing of signing keys.
#include <atomic>
#include <memory>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/escaping.h"
#include "absl/time/time.h"
#include "services/common/ids.h"
#include "services/common/validation.h"
#include "services/identity/secrets.h"
#include "tests/support/status_matchers.h"

namespace sixsteps::identity {
namespace {

using ::sixsteps::testing::IsOk;
using ::sixsteps::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;
using Code = absl::StatusCode;

// ---- Password hashing gate ----

TEST(PasswordHashingGate, RunsAtMostTheBoundAtOnce) {
  PasswordHashingGate gate({.concurrent = 2, .queue = 0, .max_wait = absl::Seconds(5)});
  absl::StatusOr<PasswordHashingGate::Turn> first = gate.Acquire(absl::InfiniteFuture());
  absl::StatusOr<PasswordHashingGate::Turn> second = gate.Acquire(absl::InfiniteFuture());
  ASSERT_THAT(first, IsOk());
  ASSERT_THAT(second, IsOk());
  EXPECT_EQ(gate.running(), 2);
  // No queue: the third is refused at once.
  EXPECT_THAT(gate.Acquire(absl::InfiniteFuture()),
              StatusIs(Code::kResourceExhausted, "too many password checks"));
  { PasswordHashingGate::Turn released = *std::move(first); }
  EXPECT_EQ(gate.running(), 1);
  EXPECT_THAT(gate.Acquire(absl::InfiniteFuture()), IsOk());
  EXPECT_EQ(gate.running(), 1);  // that turn ended with its StatusOr
}

TEST(PasswordHashingGate, AWaiterGivesUpAtItsDeadline) {
  PasswordHashingGate gate({.concurrent = 1, .queue = 4, .max_wait = absl::Seconds(5)});
  absl::StatusOr<PasswordHashingGate::Turn> held = gate.Acquire(absl::InfiniteFuture());
  ASSERT_THAT(held, IsOk());
  // A deadline already past: refused without a turn, and the queue is left empty.
  EXPECT_THAT(gate.Acquire(absl::Now() - absl::Seconds(1)), StatusIs(Code::kResourceExhausted));
  EXPECT_EQ(gate.waiting(), 0);
  EXPECT_EQ(gate.running(), 1);
}

TEST(PasswordHashingGate, TheQueueIsBoundedAndWaitersGetTheirTurn) {
  PasswordHashingGate gate({.concurrent = 1, .queue = 2, .max_wait = absl::Seconds(60)});
  auto held = std::make_unique<absl::StatusOr<PasswordHashingGate::Turn>>(
      gate.Acquire(absl::InfiniteFuture()));
  ASSERT_THAT(*held, IsOk());
  std::atomic<int> served{0};
  std::vector<std::thread> waiters;
  for (int i = 0; i < 2; ++i) {
    waiters.emplace_back([&] {
      if (gate.Acquire(absl::InfiniteFuture()).ok()) served.fetch_add(1);
    });
  }
  // Both waiters queue (bounded: this loop ends when they are counted, or after 30 s).
  absl::Time give_up = absl::Now() + absl::Seconds(30);
  while (gate.waiting() < 2 && absl::Now() < give_up) absl::SleepFor(absl::Milliseconds(5));
  ASSERT_EQ(gate.waiting(), 2);
  // The queue is full: a third caller is refused at once, however long its deadline.
  EXPECT_THAT(gate.Acquire(absl::InfiniteFuture()),
              StatusIs(Code::kResourceExhausted, "too many password checks"));
  held.reset();  // the turn ends: the waiters go one after the other
  for (std::thread& waiter : waiters) waiter.join();
  EXPECT_EQ(served.load(), 2);
  EXPECT_EQ(gate.running(), 0);
  EXPECT_EQ(gate.waiting(), 0);
}

// ---- Secrets ----

TEST(Secrets, PasswordsHashWithArgon2idAndVerify) {
  absl::StatusOr<std::string> hash =
      HashPassword("correct horse battery staple", PasswordCost::Fast());
  ASSERT_THAT(hash, IsOk());
  EXPECT_THAT(*hash, ::testing::StartsWith("$argon2id$"));
  EXPECT_THAT(*hash, Not(HasSubstr("correct horse")));
  EXPECT_TRUE(VerifyPassword(*hash, "correct horse battery staple"));
  EXPECT_FALSE(VerifyPassword(*hash, "correct horse battery stapl"));
  EXPECT_FALSE(VerifyPassword(*hash, "Correct horse battery staple"));
  EXPECT_FALSE(VerifyPassword(*hash, ""));
  // A fresh salt each time.
  EXPECT_NE(*HashPassword("correct horse battery staple", PasswordCost::Fast()), *hash);
}

TEST(Secrets, AMalformedHashVerifiesNothing) {
  EXPECT_FALSE(VerifyPassword("", "anything at all"));
  EXPECT_FALSE(VerifyPassword("$argon2id$v=19$garbage", "anything at all"));
  EXPECT_FALSE(VerifyPassword("plain text password", "plain text password"));
}

TEST(Secrets, RandomIdsAreReadableResourceIds) {
  const std::regex form("u-[0-9a-f]{16}");
  std::string a = RandomId("u"), b = RandomId("u");
  EXPECT_TRUE(std::regex_match(a, form)) << a;
  EXPECT_TRUE(IsResourceId(a)) << a;
  EXPECT_NE(a, b);
  EXPECT_TRUE(std::regex_match(RandomId("rb"), std::regex("rb-[0-9a-f]{16}")));
}

TEST(Secrets, RandomTokensAreUnpaddedBase64Url) {
  std::string token = RandomToken(32);
  EXPECT_EQ(token.size(), 43u);
  EXPECT_TRUE(std::regex_match(token, std::regex("[A-Za-z0-9_-]+"))) << token;
  EXPECT_NE(RandomToken(32), token);
}

TEST(Secrets, Sha256OfAKnownValue) {
  EXPECT_EQ(absl::BytesToHexString(Sha256("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Secrets, ConstantTimeEquals) {
  EXPECT_TRUE(ConstantTimeEquals("", ""));
  EXPECT_TRUE(ConstantTimeEquals("same secret", "same secret"));
  EXPECT_FALSE(ConstantTimeEquals("same secret", "same secreT"));
  EXPECT_FALSE(ConstantTimeEquals("Same secret", "same secret"));
  EXPECT_FALSE(ConstantTimeEquals("short", "shorter"));
  EXPECT_FALSE(ConstantTimeEquals("", "x"));
}

TEST(Secrets, KeySealerOpensWhatItSealed) {
  absl::StatusOr<KeySealer> sealer = KeySealer::FromSecret("a key-encryption secret");
  ASSERT_THAT(sealer, IsOk());
  const std::string key(32, '\x5a');
  std::string sealed = sealer->Seal(key);
  EXPECT_EQ(sealed.find(key), std::string::npos);
  EXPECT_NE(sealer->Seal(key), sealed);  // a fresh nonce each time
  EXPECT_EQ(sealer->Open(sealed).value(), key);
  // The same secret later (another replica, a restart) opens it too.
  EXPECT_EQ(KeySealer::FromSecret("a key-encryption secret")->Open(sealed).value(), key);
}

TEST(Secrets, KeySealerRefusesAnotherSecretAndDamagedData) {
  KeySealer sealer = KeySealer::FromSecret("a key-encryption secret").value();
  KeySealer other = KeySealer::FromSecret("another key-encryption secret").value();
  std::string sealed = sealer.Seal("private key bytes");
  EXPECT_THAT(other.Open(sealed), StatusIs(Code::kDataLoss));
  std::string damaged = sealed;
  damaged[damaged.size() - 1] ^= 0x01;
  EXPECT_THAT(sealer.Open(damaged), StatusIs(Code::kDataLoss));
  EXPECT_THAT(sealer.Open(sealed.substr(0, 10)), StatusIs(Code::kDataLoss));
  EXPECT_THAT(sealer.Open(""), StatusIs(Code::kDataLoss));
}

TEST(Secrets, KeySealerNeedsALongEnoughSecret) {
  EXPECT_THAT(KeySealer::FromSecret("15 characters.."), StatusIs(Code::kInvalidArgument));
  EXPECT_THAT(KeySealer::FromSecret("16 characters..."), IsOk());
}

}  // namespace
}  // namespace sixsteps::identity
