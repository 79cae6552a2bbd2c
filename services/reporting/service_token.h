// The reporting service's own access token, from its account's API key. It is reused until
// a minute before it expires, and renewed early when a service refuses it UNAUTHENTICATED
// (identity revoked it: the account's role bindings changed, its key was revoked). Without
// that the consumer stalled until the token's natural expiry (up to ~14 minutes).
//
// Renewals are spaced so that a key that is truly revoked (sign-in fails) or an account
// whose fresh tokens keep being refused does not hammer identity: each failed sign-in, and
// each refusal of a token issued less than the current backoff ago, doubles the wait
// (min_backoff up to max_backoff); a token that served longer than max_backoff before its
// refusal was a one-off revocation, and is replaced at once.
#pragma once

#include <functional>
#include <mutex>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace sixsteps::reporting {

struct ServiceTokenOptions {
  absl::Duration min_backoff = absl::Seconds(1);
  absl::Duration max_backoff = absl::Minutes(1);
  // A token with less than this left is renewed before use.
  absl::Duration renew_margin = absl::Minutes(1);
};

class ServiceToken {
 public:
  struct Issued {
    std::string token;
    absl::Time expiry;
  };
  // Signs in with the API key (one call to identity).
  using SignIn = std::function<absl::StatusOr<Issued>()>;
  using Options = ServiceTokenOptions;

  explicit ServiceToken(
      SignIn sign_in, Options options = {},
      std::function<absl::Time()> clock = [] { return absl::Now(); })
      : sign_in_(std::move(sign_in)), options_(options), clock_(std::move(clock)) {}

  // The current token, signing in first if there is none (or it is about to expire).
  // UNAVAILABLE while a backoff after a failure or refusal runs, or if signing in fails.
  absl::StatusOr<std::string> Get();

  // A service refused `token` UNAUTHENTICATED (`why` is its message): the next Get signs in
  // again, after the backoff. Ignored if `token` has been replaced already.
  void Refused(const std::string& token, absl::string_view why);

  // Sign-in attempts so far (successful or not): for tests and metrics.
  int sign_ins() const;

 private:
  const SignIn sign_in_;
  const Options options_;
  const std::function<absl::Time()> clock_;
  mutable std::mutex mu_;
  std::string token_ ABSL_GUARDED_BY(mu_);
  absl::Time expiry_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  absl::Time issued_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  // No sign-in before this.
  absl::Time not_before_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  absl::Duration backoff_ ABSL_GUARDED_BY(mu_) = options_.min_backoff;
  int sign_ins_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace sixsteps::reporting
