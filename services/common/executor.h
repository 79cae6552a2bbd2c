// A bounded pool of threads of our own that runs the handlers of the methods served on
// gRPC's callback API (callback_rpc.h). gRPC's callback threads must never block, and a
// handler does blocking work (database transactions, calls to other services): the
// callback hands each call to this pool and returns at once.
//
// Threads are made as work arrives and no thread is idle, up to `max_threads`; a thread
// idle for kIdleExit ends, down to kKeptThreads. Tasks beyond the threads wait in a queue of
// at most `max_queued`; past that a task is refused (the caller answers RESOURCE_EXHAUSTED,
// as the synchronous server did past its thread cap).
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>

#include "absl/time/time.h"

namespace sixsteps {

class BoundedExecutor {
 public:
  static constexpr int kKeptThreads = 2;
  static constexpr absl::Duration kIdleExit = absl::Seconds(10);

  BoundedExecutor(int max_threads, int max_queued);
  // Runs what is queued, then waits for every thread to end.
  ~BoundedExecutor();
  BoundedExecutor(const BoundedExecutor&) = delete;
  BoundedExecutor& operator=(const BoundedExecutor&) = delete;

  // Queues `task` to run on one of the pool's threads; false (and `task` not run) when the
  // queue is full or the pool is being destroyed.
  bool TrySubmit(std::function<void()> task);

  // Threads alive now, for tests and metrics.
  int threads() const;

 private:
  void Work();

  const int max_threads_;
  const size_t max_queued_;
  mutable std::mutex mu_;
  std::condition_variable work_;
  std::condition_variable exited_;
  std::deque<std::function<void()>> queue_;
  int threads_ = 0;
  int idle_ = 0;
  bool stopping_ = false;
};

}  // namespace sixsteps
