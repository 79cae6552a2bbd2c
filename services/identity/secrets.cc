#include "services/identity/secrets.h"

#include <sodium.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace sixsteps::identity {
namespace {

void EnsureSodium() {
  static const bool ready = [] {
    if (sodium_init() < 0) {
      std::fprintf(stderr, "libsodium failed to initialise\n");
      std::abort();
    }
    return true;
  }();
  (void)ready;
}

const unsigned char* Bytes(absl::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

}  // namespace

PasswordCost PasswordCost::Interactive() {
  return {crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE};
}

PasswordCost PasswordCost::Fast() { return {crypto_pwhash_OPSLIMIT_MIN, 8192}; }

absl::StatusOr<std::string> HashPassword(absl::string_view password, const PasswordCost& cost) {
  EnsureSodium();
  char hash[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(hash, password.data(), password.size(), cost.ops_limit, cost.mem_limit,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return absl::ResourceExhaustedError("cannot hash the password: out of memory");
  }
  return std::string(hash);
}

bool VerifyPassword(const std::string& hash, absl::string_view password) {
  EnsureSodium();
  return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

PasswordHashingGate::PasswordHashingGate(Limits limits) : limits_(limits) {}

PasswordHashingGate::Turn::~Turn() {
  if (gate_ != nullptr) gate_->Release();
}

absl::StatusOr<PasswordHashingGate::Turn> PasswordHashingGate::Acquire(absl::Time deadline) {
  deadline = std::min(deadline, absl::Now() + limits_.max_wait);
  absl::MutexLock lock(&mu_);
  if (running_ < limits_.concurrent && waiting_ == 0) {
    ++running_;
    return Turn(this);
  }
  if (waiting_ >= limits_.queue) {
    return absl::ResourceExhaustedError("too many password checks at once");
  }
  ++waiting_;
  bool got = mu_.AwaitWithDeadline(absl::Condition(this, &PasswordHashingGate::HasTurn), deadline);
  --waiting_;
  if (!got) {
    return absl::ResourceExhaustedError("too many password checks at once");
  }
  ++running_;
  return Turn(this);
}

bool PasswordHashingGate::HasTurn() const { return running_ < limits_.concurrent; }

void PasswordHashingGate::Release() {
  absl::MutexLock lock(&mu_);
  --running_;
}

int PasswordHashingGate::running() const {
  absl::MutexLock lock(&mu_);
  return running_;
}

int PasswordHashingGate::waiting() const {
  absl::MutexLock lock(&mu_);
  return waiting_;
}

std::string RandomToken(size_t bytes) {
  EnsureSodium();
  std::string buffer(bytes, '\0');
  randombytes_buf(buffer.data(), buffer.size());
  return absl::WebSafeBase64Escape(buffer);
}

std::string Sha256(absl::string_view data) {
  EnsureSodium();
  std::string digest(crypto_hash_sha256_BYTES, '\0');
  crypto_hash_sha256(reinterpret_cast<unsigned char*>(digest.data()), Bytes(data), data.size());
  return digest;
}

bool ConstantTimeEquals(absl::string_view a, absl::string_view b) {
  EnsureSodium();
  if (a.size() != b.size()) return false;
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

absl::StatusOr<KeySealer> KeySealer::FromSecret(absl::string_view secret) {
  EnsureSodium();
  if (secret.size() < 16) {
    return absl::InvalidArgumentError("the key-encryption secret must be at least 16 characters");
  }
  std::string key(crypto_secretbox_KEYBYTES, '\0');
  constexpr absl::string_view kContext = "sixsteps identity signing keys v1";
  crypto_generichash(reinterpret_cast<unsigned char*>(key.data()), key.size(), Bytes(secret),
                     secret.size(), Bytes(kContext), kContext.size());
  return KeySealer(std::move(key));
}

std::string KeySealer::Seal(absl::string_view plaintext) const {
  std::string sealed(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + plaintext.size(),
                     '\0');
  auto* out = reinterpret_cast<unsigned char*>(sealed.data());
  randombytes_buf(out, crypto_secretbox_NONCEBYTES);
  crypto_secretbox_easy(out + crypto_secretbox_NONCEBYTES, Bytes(plaintext), plaintext.size(), out,
                        Bytes(key_));
  return sealed;
}

absl::StatusOr<std::string> KeySealer::Open(absl::string_view sealed) const {
  if (sealed.size() < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES) {
    return absl::DataLossError("sealed key is truncated");
  }
  std::string plaintext(sealed.size() - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES,
                        '\0');
  const unsigned char* in = Bytes(sealed);
  if (crypto_secretbox_open_easy(
          reinterpret_cast<unsigned char*>(plaintext.data()), in + crypto_secretbox_NONCEBYTES,
          sealed.size() - crypto_secretbox_NONCEBYTES, in, Bytes(key_)) != 0) {
    return absl::DataLossError(
        "a signing key cannot be opened: the key-encryption secret is not the one it was sealed "
        "with");
  }
  return plaintext;
}

}  // namespace sixsteps::identity
