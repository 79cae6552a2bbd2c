// Secrets handling for identity, with libsodium: Argon2id password hashes, random tokens
// and ids, SHA-256 of high-entropy secrets, constant-time comparison, and sealing of the
// token-signing private keys with the deployment's key-encryption key.
#pragma once

#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace sixsteps::identity {

// Argon2id cost. Interactive is libsodium's recommendation for sign-in; tests use Fast.
struct PasswordCost {
  unsigned long long ops_limit;
  size_t mem_limit;
  static PasswordCost Interactive();
  static PasswordCost Fast();
};

absl::StatusOr<std::string> HashPassword(absl::string_view password, const PasswordCost& cost);
// Constant-time inside libsodium; false for any malformed hash.
bool VerifyPassword(const std::string& hash, absl::string_view password);

// Bounds the Argon2id computations running at once, since each holds mem_limit bytes (64 MiB
// at the Interactive cost): without a bound, unauthenticated sign-ins exhaust memory. Calls
// beyond the bound wait in a bounded queue, each until its deadline (capped at max_wait);
// a call finding the queue full, or still waiting at its deadline, is RESOURCE_EXHAUSTED.
class PasswordHashingGate {
 public:
  struct Limits {
    int concurrent = 2;
    int queue = 16;
    absl::Duration max_wait = absl::Seconds(5);
  };

  // Holds a turn until destroyed.
  class Turn {
   public:
    Turn(Turn&& other) noexcept : gate_(other.gate_) { other.gate_ = nullptr; }
    Turn& operator=(Turn&&) = delete;
    ~Turn();

   private:
    friend class PasswordHashingGate;
    explicit Turn(PasswordHashingGate* gate) : gate_(gate) {}
    PasswordHashingGate* gate_;
  };

  explicit PasswordHashingGate(Limits limits);
  absl::StatusOr<Turn> Acquire(absl::Time deadline);

  int running() const;
  int waiting() const;
  const Limits& limits() const { return limits_; }

 private:
  void Release();
  bool HasTurn() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  const Limits limits_;
  mutable absl::Mutex mu_;
  int running_ ABSL_GUARDED_BY(mu_) = 0;
  int waiting_ ABSL_GUARDED_BY(mu_) = 0;
};

// `bytes` random bytes, base64url without padding.
std::string RandomToken(size_t bytes);
// SHA-256 of `data`, 32 raw bytes.
std::string Sha256(absl::string_view data);
// Compares without leaking, through timing, where two equal-length values differ.
bool ConstantTimeEquals(absl::string_view a, absl::string_view b);

// Seals small secrets (the signing keys) with a key derived from the deployment's
// key-encryption secret, so a copy of the database alone cannot sign tokens.
class KeySealer {
 public:
  // `secret` must be at least 16 characters.
  static absl::StatusOr<KeySealer> FromSecret(absl::string_view secret);
  std::string Seal(absl::string_view plaintext) const;
  // DATA_LOSS if the sealed bytes were not made with this secret.
  absl::StatusOr<std::string> Open(absl::string_view sealed) const;

 private:
  explicit KeySealer(std::string key) : key_(std::move(key)) {}
  std::string key_;
};

}  // namespace sixsteps::identity
