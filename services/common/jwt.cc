#include "services/common/jwt.h"

#include <openssl/evp.h>

#include <algorithm>
#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace sixsteps::jwt {
namespace {

struct PkeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyDeleter>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxDeleter>;

const unsigned char* Bytes(absl::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

absl::Status Unauthenticated() { return absl::UnauthenticatedError("invalid access token"); }

}  // namespace

absl::StatusOr<KeyPair> GenerateEd25519KeyPair() {
  Pkey key(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  if (key == nullptr) return absl::InternalError("cannot generate an Ed25519 key");
  KeyPair pair;
  size_t length = 32;
  pair.private_key.resize(length);
  pair.public_key.resize(length);
  if (EVP_PKEY_get_raw_private_key(
          key.get(), reinterpret_cast<unsigned char*>(pair.private_key.data()), &length) != 1 ||
      EVP_PKEY_get_raw_public_key(
          key.get(), reinterpret_cast<unsigned char*>(pair.public_key.data()), &length) != 1) {
    return absl::InternalError("cannot export an Ed25519 key");
  }
  return pair;
}

absl::StatusOr<std::string> Sign(const nlohmann::json& claims, absl::string_view key_id,
                                 absl::string_view private_key) {
  nlohmann::json header = {{"alg", "EdDSA"}, {"typ", "JWT"}, {"kid", std::string(key_id)}};
  std::string signing_input = absl::StrCat(absl::WebSafeBase64Escape(header.dump()), ".",
                                           absl::WebSafeBase64Escape(claims.dump()));
  Pkey key(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, Bytes(private_key),
                                        private_key.size()));
  MdCtx ctx(EVP_MD_CTX_new());
  if (key == nullptr || ctx == nullptr ||
      EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) != 1) {
    return absl::InternalError("cannot load the signing key");
  }
  std::string signature(64, '\0');
  size_t length = signature.size();
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &length,
                     Bytes(signing_input), signing_input.size()) != 1) {
    return absl::InternalError("cannot sign the token");
  }
  signature.resize(length);
  return absl::StrCat(signing_input, ".", absl::WebSafeBase64Escape(signature));
}

absl::StatusOr<nlohmann::json> VerifySignature(absl::string_view token, const KeyLookup& keys) {
  std::vector<absl::string_view> parts = absl::StrSplit(token, '.');
  if (parts.size() != 3 || token.size() > 16384) return Unauthenticated();
  // Only the compact form's own characters, each part exactly as Sign encodes it. absl's
  // decoder skips whitespace and ignores trailing bits, so without this a signed token with a
  // control character or a stray character added verified, and the reporting endpoint
  // forwarded it as it came: an illegal metadata value, on which gRPC aborts the process
  // (found by fuzz_http_endpoint).
  const bool compact = std::all_of(token.begin(), token.end(), [](char c) {
    return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
  });
  if (!compact) return Unauthenticated();
  std::string header_json, claims_json, signature;
  if (!absl::WebSafeBase64Unescape(parts[0], &header_json) ||
      !absl::WebSafeBase64Unescape(parts[1], &claims_json) ||
      !absl::WebSafeBase64Unescape(parts[2], &signature) || signature.size() != 64 ||
      absl::WebSafeBase64Escape(header_json) != parts[0] ||
      absl::WebSafeBase64Escape(claims_json) != parts[1] ||
      absl::WebSafeBase64Escape(signature) != parts[2]) {
    return Unauthenticated();
  }
  nlohmann::json header = nlohmann::json::parse(header_json, nullptr, /*allow_exceptions=*/false);
  // Only EdDSA: a token that asks for "none" or an HMAC algorithm is refused outright.
  if (!header.is_object() || header.value("alg", "") != "EdDSA" || !header.contains("kid") ||
      !header["kid"].is_string()) {
    return Unauthenticated();
  }
  absl::StatusOr<std::string> public_key = keys(header["kid"].get<std::string>());
  if (!public_key.ok()) {
    if (public_key.status().code() == absl::StatusCode::kNotFound) return Unauthenticated();
    return public_key.status();  // e.g. UNAVAILABLE: identity could not be asked
  }
  Pkey key(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, Bytes(*public_key),
                                       public_key->size()));
  MdCtx ctx(EVP_MD_CTX_new());
  if (key == nullptr || ctx == nullptr ||
      EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) != 1) {
    return Unauthenticated();
  }
  size_t signed_length = parts[0].size() + 1 + parts[1].size();
  if (EVP_DigestVerify(ctx.get(), Bytes(signature), signature.size(), Bytes(token),
                       signed_length) != 1) {
    return Unauthenticated();
  }
  nlohmann::json claims = nlohmann::json::parse(claims_json, nullptr, false);
  if (!claims.is_object()) return Unauthenticated();
  return claims;
}

}  // namespace sixsteps::jwt
