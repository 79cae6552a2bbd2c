// A Clock a test sets (thread-safe: services read it on their own threads), and a UTC
// minute, for the time rules judged on an injected clock.
#pragma once

#include <mutex>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "services/base/clock.h"

namespace sixsteps::testing {

class SettableClock final : public Clock {
 public:
  explicit SettableClock(absl::Time now = absl::UnixEpoch()) : now_(now) {}
  absl::Time Now() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return now_;
  }
  void Set(absl::Time now) {
    std::lock_guard<std::mutex> lock(mu_);
    now_ = now;
  }

 private:
  mutable std::mutex mu_;
  absl::Time now_;
};

inline absl::Time UtcMinute(int y, int m, int d, int hh, int mm) {
  return absl::FromCivil(absl::CivilMinute(y, m, d, hh, mm), absl::UTCTimeZone());
}

}  // namespace sixsteps::testing
