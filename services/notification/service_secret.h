// The notification service's secret (--secret_file): the root of two keys derived from it
// under distinct contexts, one that seals webhook secrets at rest (libsodium secretbox) and
// one that signs the weekly digest's unsubscribe tokens (HMAC-SHA256). A copy of the
// database alone can neither sign webhooks nor turn anyone's digest off.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace sixsteps::notification {

// The longest unsubscribe token VerifyUnsubscribeToken reads.
inline constexpr size_t kMaxUnsubscribeTokenLength = 512;

class ServiceSecret {
 public:
  // INVALID_ARGUMENT unless `secret` has at least 16 characters.
  static absl::StatusOr<ServiceSecret> FromSecret(absl::string_view secret);

  // A webhook secret sealed for the database (a random nonce, then the box).
  std::string Seal(absl::string_view plaintext) const;
  // DATA_LOSS if `sealed` was not made with this secret (or is truncated).
  absl::StatusOr<std::string> Open(absl::string_view sealed) const;

  // "v1.<payload>.<mac>" (base64url): the digest's unsubscribe token of `principal`
  // ("users/{u}"), good until `expires`.
  std::string UnsubscribeToken(absl::string_view principal, absl::Time expires) const;
  // The principal the token names, if it is one this service signed, for the digest, and
  // not expired at `now`. INVALID_ARGUMENT: empty, too long, or not of the form issued;
  // UNAUTHENTICATED: the signature does not match (forged or altered) or it was signed for
  // another purpose; FAILED_PRECONDITION: expired.
  absl::StatusOr<std::string> VerifyUnsubscribeToken(absl::string_view token, absl::Time now) const;

 private:
  ServiceSecret(std::string sealing_key, std::string token_key)
      : sealing_key_(std::move(sealing_key)), token_key_(std::move(token_key)) {}
  std::string Mac(absl::string_view payload) const;

  std::string sealing_key_;
  std::string token_key_;
};

}  // namespace sixsteps::notification
