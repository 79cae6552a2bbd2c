// Compact JSON Web Tokens signed with Ed25519 ("EdDSA", RFC 8037), with OpenSSL.
#pragma once

#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace sixsteps::jwt {

// A fresh Ed25519 key pair: 32 raw bytes each.
struct KeyPair {
  std::string private_key;
  std::string public_key;
};
absl::StatusOr<KeyPair> GenerateEd25519KeyPair();

// Signs `claims` with the raw Ed25519 private key; the header names `key_id` as "kid".
absl::StatusOr<std::string> Sign(const nlohmann::json& claims, absl::string_view key_id,
                                 absl::string_view private_key);

// Finds the raw public key for a "kid"; NOT_FOUND if unknown.
using KeyLookup = std::function<absl::StatusOr<std::string>(absl::string_view key_id)>;

// Checks the token's form, algorithm and signature and returns its claims. Does not
// check the claims themselves (expiry, issuer, audience): the caller does. Every failure
// is UNAUTHENTICATED with a message that does not help an attacker.
absl::StatusOr<nlohmann::json> VerifySignature(absl::string_view token, const KeyLookup& keys);

}  // namespace sixsteps::jwt
