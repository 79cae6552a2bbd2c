#include "services/assessment/watch_streams.h"

#include "absl/time/clock.h"

namespace sixsteps::assessment {

WatchStreams::WatchStreams(ChangeSignal* numbered, int workers) : numbered_(numbered) {
  subscription_ = numbered_->Subscribe(
      [this] { ForEach([](WatchedStream* stream) { return stream->Wake(); }); });
  for (int i = 0; i < workers; ++i) workers_.emplace_back([this] { Work(); });
  sweeper_ = std::thread([this] { Sweep(); });
}

WatchStreams::~WatchStreams() {
  numbered_->Unsubscribe(subscription_);
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  for (std::thread& worker : workers_) worker.join();
  sweeper_.join();
}

void WatchStreams::Add(WatchedStream* stream) {
  absl::MutexLock lock(&mu_);
  streams_.insert(stream);
}

void WatchStreams::Remove(WatchedStream* stream) {
  absl::MutexLock lock(&mu_);
  streams_.erase(stream);
}

void WatchStreams::Schedule(WatchedStream* stream) {
  absl::MutexLock lock(&mu_);
  queue_.push_back(stream);
}

void WatchStreams::ForEach(const std::function<WatchedStream::Next(WatchedStream*)>& decide) {
  std::vector<WatchedStream*> ending;
  {
    // Under mu_, so that no stream is removed (and deleted) meanwhile.
    absl::MutexLock lock(&mu_);
    for (WatchedStream* stream : streams_) {
      switch (decide(stream)) {
        case WatchedStream::Next::kRead:
          queue_.push_back(stream);
          break;
        case WatchedStream::Next::kFinish:
          ending.push_back(stream);
          break;
        case WatchedStream::Next::kNothing:
          break;
      }
    }
  }
  // Still alive: gRPC deletes a stream only after its end was sent.
  for (WatchedStream* stream : ending) stream->SendFinish();
}

void WatchStreams::TickAll() {
  const absl::Time now = absl::Now();
  ForEach([now](WatchedStream* stream) { return stream->Tick(now); });
}

void WatchStreams::Work() {
  for (;;) {
    WatchedStream* stream = nullptr;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]()
                       ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_ || !queue_.empty(); };
      mu_.Await(absl::Condition(&ready));
      if (queue_.empty()) return;  // stopping
      stream = queue_.front();
      queue_.pop_front();
    }
    // A queued stream is not finished (it finishes only when no read is queued or running),
    // so it is still alive here.
    stream->Fetch();
  }
}

void WatchStreams::Sweep() {
  constexpr absl::Duration kSweep = absl::Milliseconds(250);
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      auto stopping = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_; };
      if (mu_.AwaitWithTimeout(absl::Condition(&stopping), kSweep)) return;
    }
    TickAll();
  }
}

}  // namespace sixsteps::assessment
