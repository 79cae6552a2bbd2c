// The background thread of the assessment service's scheduled jobs (PlannedRoundOpener,
// RetentionPurger): runs a pass at once and then every `interval`, until Stop(). A pass
// that fails logs and waits for the next wake (the database may be away for a while).
#pragma once

#include <functional>
#include <thread>
#include <utility>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace sixsteps::assessment {

class PeriodicJob {
 public:
  explicit PeriodicJob(absl::Duration interval) : interval_(interval) {}
  ~PeriodicJob() { Stop(); }
  PeriodicJob(const PeriodicJob&) = delete;
  PeriodicJob& operator=(const PeriodicJob&) = delete;

  // Starts the thread, which calls `pass` now and on every wake until Stop(). Does nothing
  // if it is running already.
  void Start(std::function<void()> pass) {
    absl::MutexLock lock(&mu_);
    if (thread_.joinable()) return;
    stopping_ = false;
    thread_ = std::thread([this, pass = std::move(pass)] {
      while (true) {
        pass();
        absl::MutexLock lock(&mu_);
        mu_.AwaitWithTimeout(absl::Condition(&stopping_), interval_);
        if (stopping_) return;
      }
    });
  }

  // Stops the thread and waits for a pass in progress to end. Idempotent.
  void Stop() {
    {
      absl::MutexLock lock(&mu_);
      stopping_ = true;
    }
    if (thread_.joinable()) thread_.join();
  }

 private:
  const absl::Duration interval_;
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace sixsteps::assessment
