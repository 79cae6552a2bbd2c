#include "services/assessment/feed.h"

#include <algorithm>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/base/status_macros.h"

namespace sixsteps::assessment {

int64_t NextAfterSequence(int64_t after_sequence, int64_t last_delivered, int delivered,
                          const ChangePageInfo& page, bool sees_everything) {
  if (page.more && delivered > 0) return last_delivered;
  if (sees_everything) return std::max({after_sequence, page.head, last_delivered});
  return delivered > 0 ? std::max(after_sequence, last_delivered) : after_sequence;
}

WatchSlots::Slot::~Slot() {
  if (slots_ != nullptr) slots_->Release(principal_);
}

absl::StatusOr<WatchSlots::Slot> WatchSlots::Acquire(const std::string& principal) {
  absl::MutexLock lock(&mu_);
  int& mine = per_principal_[principal];
  if (mine >= limits_.per_principal) {
    return absl::ResourceExhaustedError(
        absl::StrCat("you already have ", limits_.per_principal,
                     " WatchChanges streams open, the most one caller may have; close one first"));
  }
  if (open_ >= limits_.total) {
    if (mine == 0) per_principal_.erase(principal);
    return absl::ResourceExhaustedError(
        absl::StrCat("this server already runs ", limits_.total,
                     " WatchChanges streams, its limit; retry later or page with ListChanges"));
  }
  ++mine;
  ++open_;
  return Slot(this, principal);
}

void WatchSlots::Release(const std::string& principal) {
  absl::MutexLock lock(&mu_);
  --open_;
  auto it = per_principal_.find(principal);
  if (it != per_principal_.end() && --it->second <= 0) per_principal_.erase(it);
}

int WatchSlots::open() const {
  absl::MutexLock lock(&mu_);
  return open_;
}

int WatchSlots::open_for(const std::string& principal) const {
  absl::MutexLock lock(&mu_);
  auto it = per_principal_.find(principal);
  return it == per_principal_.end() ? 0 : it->second;
}

absl::StatusOr<absl::Time> TokenExpiry(absl::string_view token) {
  std::vector<absl::string_view> parts = absl::StrSplit(token, '.');
  std::string json;
  if (parts.size() != 3 || !absl::WebSafeBase64Unescape(parts[1], &json)) {
    return absl::UnauthenticatedError("invalid access token");
  }
  nlohmann::json claims = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (!claims.is_object()) return absl::UnauthenticatedError("invalid access token");
  auto exp = claims.find("exp");
  if (exp == claims.end() || !exp->is_number_integer()) {
    return absl::UnauthenticatedError("invalid access token");
  }
  return absl::FromUnixSeconds(exp->get<int64_t>());
}

}  // namespace sixsteps::assessment
