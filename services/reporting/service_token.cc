#include "services/reporting/service_token.h"

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "services/common/log.h"

namespace sixsteps::reporting {

absl::StatusOr<std::string> ServiceToken::Get() {
  std::lock_guard<std::mutex> lock(mu_);
  const absl::Time now = clock_();
  if (!token_.empty() && now < expiry_ - options_.renew_margin) return token_;
  if (now < not_before_) {
    return absl::UnavailableError(
        absl::StrCat("the reporting service signs in again in ",
                     absl::FormatDuration(absl::Ceil(not_before_ - now, absl::Milliseconds(1))),
                     " (backing off after a refused token or a failed sign-in)"));
  }
  ++sign_ins_;
  absl::StatusOr<Issued> issued = sign_in_();
  if (!issued.ok()) {
    token_.clear();
    not_before_ = now + backoff_;
    LogEvent("service_token_sign_in_failed",
             {{"error", std::string(issued.status().message())},
              {"retry_in_ms", absl::ToInt64Milliseconds(backoff_)}});
    backoff_ = std::min(backoff_ * 2, options_.max_backoff);
    return absl::UnavailableError(
        absl::StrCat("the reporting service cannot sign in: ", issued.status().message()));
  }
  token_ = std::move(issued->token);
  expiry_ = issued->expiry;
  issued_ = now;
  return token_;
}

void ServiceToken::Refused(const std::string& token, absl::string_view why) {
  std::lock_guard<std::mutex> lock(mu_);
  if (token.empty() || token != token_) return;  // already replaced (or never ours)
  const absl::Time now = clock_();
  // A token that served a while was revoked once (a binding changed): replace it at once.
  // One refused soon after it was issued means something keeps refusing us: back off.
  if (now - issued_ >= options_.max_backoff) backoff_ = options_.min_backoff;
  not_before_ = std::max(not_before_, issued_ + backoff_);
  LogEvent("service_token_refused",
           {{"error", std::string(why)},
            {"sign_in_in_ms",
             absl::ToInt64Milliseconds(std::max(absl::ZeroDuration(), not_before_ - now))}});
  backoff_ = std::min(backoff_ * 2, options_.max_backoff);
  token_.clear();
}

int ServiceToken::sign_ins() const {
  std::lock_guard<std::mutex> lock(mu_);
  return sign_ins_;
}

}  // namespace sixsteps::reporting
