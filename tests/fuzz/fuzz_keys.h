// A fixed Ed25519 signing key for the fuzz targets, so that a token in a seed corpus (signed
// with it, valid until 2100) verifies on every run and on every machine.
#pragma once

#include <openssl/evp.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/common/auth.h"
#include "services/common/jwt.h"

namespace sixsteps::fuzz {

inline constexpr char kKeyId[] = "fuzz-key";
// Tokens the seeds carry expire at the start of 2100.
inline const absl::Time kSeedTokenExpiry = absl::FromUnixSeconds(4102444800);

// The raw private key (32 bytes) and its public half.
inline const jwt::KeyPair& FixedKeyPair() {
  static const jwt::KeyPair pair = [] {
    jwt::KeyPair keys;
    keys.private_key = std::string(32, '\x5a');
    EVP_PKEY* key = EVP_PKEY_new_raw_private_key(
        EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(keys.private_key.data()),
        keys.private_key.size());
    size_t length = 32;
    keys.public_key.resize(length);
    EVP_PKEY_get_raw_public_key(key, reinterpret_cast<unsigned char*>(keys.public_key.data()),
                                &length);
    EVP_PKEY_free(key);
    return keys;
  }();
  return pair;
}

// Finds the fixed key by its id; NOT_FOUND for any other.
class FixedKeySource final : public auth::PublicKeySource {
 public:
  absl::StatusOr<std::string> Find(absl::string_view key_id) override {
    if (key_id != kKeyId) return absl::NotFoundError("unknown signing key");
    return FixedKeyPair().public_key;
  }
};

// An access token for `caller`, signed with the fixed key, issued at `issued` for `ttl`.
inline std::string TokenFor(const auth::Caller& caller, absl::Time issued, absl::Duration ttl) {
  return jwt::Sign(auth::ClaimsFor(caller, issued, ttl, "fuzz-token"), kKeyId,
                   FixedKeyPair().private_key)
      .value();
}

}  // namespace sixsteps::fuzz
