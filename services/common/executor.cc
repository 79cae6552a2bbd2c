#include "services/common/executor.h"

#include <algorithm>
#include <system_error>
#include <thread>

namespace sixsteps {

BoundedExecutor::BoundedExecutor(int max_threads, int max_queued)
    : max_threads_(std::max(1, max_threads)),
      max_queued_(static_cast<size_t>(std::max(0, max_queued))) {}

BoundedExecutor::~BoundedExecutor() {
  std::unique_lock<std::mutex> lock(mu_);
  stopping_ = true;
  work_.notify_all();
  exited_.wait(lock, [this] { return threads_ == 0; });
}

int BoundedExecutor::threads() const {
  std::lock_guard<std::mutex> lock(mu_);
  return threads_;
}

bool BoundedExecutor::TrySubmit(std::function<void()> task) {
  std::lock_guard<std::mutex> lock(mu_);
  if (stopping_ || queue_.size() >= max_queued_ + static_cast<size_t>(idle_)) return false;
  queue_.push_back(std::move(task));
  // Waking an idle thread costs a futex call; a thread is made only when none is idle for
  // this task.
  if (idle_ > 0) work_.notify_one();
  if (queue_.size() > static_cast<size_t>(idle_) && threads_ < max_threads_) {
    ++threads_;
    try {
      std::thread(&BoundedExecutor::Work, this).detach();
    } catch (const std::system_error&) {
      --threads_;
      if (threads_ == 0) {
        queue_.pop_back();
        return false;
      }
    }
  }
  return true;
}

void BoundedExecutor::Work() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    if (!queue_.empty()) {
      std::function<void()> task = std::move(queue_.front());
      queue_.pop_front();
      lock.unlock();
      task();
      task = nullptr;  // What it holds is released outside the lock.
      lock.lock();
      continue;
    }
    if (stopping_) break;
    ++idle_;
    bool woken = work_.wait_for(lock, absl::ToChronoNanoseconds(kIdleExit),
                                [this] { return !queue_.empty() || stopping_; });
    --idle_;
    if (!woken && threads_ > kKeptThreads) break;
  }
  --threads_;
  // Under the lock: the destructor cannot go on (and destroy what this thread touches)
  // until this thread has let go of it.
  exited_.notify_all();
}

}  // namespace sixsteps
