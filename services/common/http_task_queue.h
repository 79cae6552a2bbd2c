// httplib's TaskQueue on a BoundedExecutor: a thread is made when a connection finds none
// idle, up to `threads`, and ends after BoundedExecutor::kIdleExit idle, down to
// kKeptThreads. httplib::ThreadPool makes all its threads at start and keeps them: 32 idle
// threads in reporting's HTTP endpoint, each with its stack's touched pages resident.
#pragma once

#include <httplib.h>

#include <climits>
#include <functional>
#include <memory>

#include "services/common/executor.h"

namespace sixsteps {

class LazyHttpTaskQueue final : public httplib::TaskQueue {
 public:
  explicit LazyHttpTaskQueue(int threads)
      : executor_(std::make_unique<BoundedExecutor>(threads, INT_MAX)) {}

  void enqueue(std::function<void()> connection) override {
    // Never dropped: the task owns the connection's socket and closes it. Refused only
    // while shutting down; then it is served here.
    if (executor_ == nullptr || !executor_->TrySubmit(connection)) connection();
  }
  // Serves what is queued, then waits for every thread to end.
  void shutdown() override { executor_.reset(); }

 private:
  std::unique_ptr<BoundedExecutor> executor_;
};

}  // namespace sixsteps
