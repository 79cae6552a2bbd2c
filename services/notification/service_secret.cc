#include "services/notification/service_secret.h"

#include <sodium.h>

#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/base/names.h"

namespace sixsteps::notification {
namespace {

constexpr absl::string_view kUnsubscribePurpose = "digest-unsubscribe";

const unsigned char* Bytes(absl::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

// A 32-byte key of `secret` for one use: BLAKE2b keyed by the use's name.
std::string DeriveKey(absl::string_view secret, absl::string_view context) {
  std::string key(32, '\0');
  crypto_generichash(reinterpret_cast<unsigned char*>(key.data()), key.size(), Bytes(secret),
                     secret.size(), Bytes(context), context.size());
  return key;
}

}  // namespace

absl::StatusOr<ServiceSecret> ServiceSecret::FromSecret(absl::string_view secret) {
  if (sodium_init() < 0) return absl::InternalError("libsodium could not be initialised");
  if (secret.size() < 16) {
    return absl::InvalidArgumentError(
        "the notification service's secret (--secret_file) must be at least 16 characters");
  }
  static_assert(crypto_secretbox_KEYBYTES == 32 && crypto_auth_hmacsha256_KEYBYTES == 32);
  return ServiceSecret(DeriveKey(secret, "sixsteps notification webhook secrets v1"),
                       DeriveKey(secret, "sixsteps notification unsubscribe tokens v1"));
}

std::string ServiceSecret::Seal(absl::string_view plaintext) const {
  std::string sealed(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + plaintext.size(),
                     '\0');
  auto* out = reinterpret_cast<unsigned char*>(sealed.data());
  randombytes_buf(out, crypto_secretbox_NONCEBYTES);
  crypto_secretbox_easy(out + crypto_secretbox_NONCEBYTES, Bytes(plaintext), plaintext.size(), out,
                        Bytes(sealing_key_));
  return sealed;
}

absl::StatusOr<std::string> ServiceSecret::Open(absl::string_view sealed) const {
  if (sealed.size() < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES) {
    return absl::DataLossError("a sealed webhook secret is truncated");
  }
  std::string plain(sealed.size() - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES, '\0');
  if (crypto_secretbox_open_easy(reinterpret_cast<unsigned char*>(plain.data()),
                                 Bytes(sealed) + crypto_secretbox_NONCEBYTES,
                                 sealed.size() - crypto_secretbox_NONCEBYTES, Bytes(sealed),
                                 Bytes(sealing_key_)) != 0) {
    return absl::DataLossError(
        "a sealed webhook secret does not open with this service's secret (--secret_file "
        "changed?)");
  }
  return plain;
}

std::string ServiceSecret::Mac(absl::string_view payload) const {
  std::string mac(crypto_auth_hmacsha256_BYTES, '\0');
  crypto_auth_hmacsha256(reinterpret_cast<unsigned char*>(mac.data()), Bytes(payload),
                         payload.size(), Bytes(token_key_));
  return mac;
}

std::string ServiceSecret::UnsubscribeToken(absl::string_view principal, absl::Time expires) const {
  const std::string payload =
      absl::StrCat(kUnsubscribePurpose, "\n", principal, "\n", absl::ToUnixSeconds(expires));
  return absl::StrCat("v1.", absl::WebSafeBase64Escape(payload), ".",
                      absl::WebSafeBase64Escape(Mac(payload)));
}

absl::StatusOr<std::string> ServiceSecret::VerifyUnsubscribeToken(absl::string_view token,
                                                                  absl::Time now) const {
  if (token.empty()) return absl::InvalidArgumentError("token: required");
  if (token.size() > kMaxUnsubscribeTokenLength) {
    return absl::InvalidArgumentError(
        absl::StrCat("token: at most ", kMaxUnsubscribeTokenLength, " characters"));
  }
  std::vector<absl::string_view> parts = absl::StrSplit(token, '.');
  std::string payload, mac;
  if (parts.size() != 3 || parts[0] != "v1" || !absl::WebSafeBase64Unescape(parts[1], &payload) ||
      !absl::WebSafeBase64Unescape(parts[2], &mac) || payload.empty()) {
    return absl::InvalidArgumentError("token: not an unsubscribe token of this hub");
  }
  if (mac.size() != crypto_auth_hmacsha256_BYTES ||
      crypto_auth_hmacsha256_verify(Bytes(mac), Bytes(payload), payload.size(),
                                    Bytes(token_key_)) != 0) {
    return absl::UnauthenticatedError("token: its signature is not this hub's");
  }
  std::vector<std::string> fields = absl::StrSplit(payload, '\n');
  int64_t expires = 0;
  if (fields.size() != 3 || fields[0] != kUnsubscribePurpose ||
      !absl::SimpleAtoi(fields[2], &expires)) {
    return absl::UnauthenticatedError("token: not signed for unsubscribing from the digest");
  }
  if (absl::FromUnixSeconds(expires) <= now) {
    return absl::FailedPreconditionError(
        "token: the link has expired; a newer digest carries a fresh one, or turn the digest "
        "off with `sixsteps notifications preferences set --weekly-digest=false`");
  }
  return fields[1];
}

}  // namespace sixsteps::notification
