// WatchChanges without a thread per stream: each stream is a gRPC callback reactor that
// sleeps until the feed moves. One WatchStreams per server holds the open streams, wakes
// them all when `numbered` is notified (the feed sequencer does so on PostgreSQL's NOTIFY,
// and after reconnecting), runs their reads of the feed on a few worker threads of its own
// (never on gRPC's callback threads), and sweeps them every quarter second for tokens that
// expired and reads to retry. A stream costs its reactor and one batch, not a thread.
#pragma once

#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/assessment/store.h"

namespace sixsteps::assessment {

// What WatchStreams asks of a stream (WatchStream in assessment_service_feed.cc). Wake and
// Tick run under WatchStreams' lock, so they only decide; WatchStreams then queues the read
// or, once unlocked, sends the end (a stream is deleted only after its end was sent).
class WatchedStream {
 public:
  enum class Next { kNothing, kRead, kFinish };
  virtual ~WatchedStream() = default;
  // The feed may have moved.
  virtual Next Wake() = 0;
  // The sweep: the end if the token expired or the server is stopping; a read again if the
  // last one failed because the database was away.
  virtual Next Tick(absl::Time now) = 0;
  // Sends the end Wake or Tick decided on.
  virtual void SendFinish() = 0;
  // Runs on a worker thread: one read of the feed, then writing what it found.
  virtual void Fetch() = 0;
};

class WatchStreams {
 public:
  WatchStreams(ChangeSignal* numbered, int workers = 4);
  ~WatchStreams();
  WatchStreams(const WatchStreams&) = delete;
  WatchStreams& operator=(const WatchStreams&) = delete;

  void Add(WatchedStream* stream);
  // Called by the stream when gRPC is done with it (nothing of it is queued then).
  void Remove(WatchedStream* stream);
  // Queues stream->Fetch() for a worker.
  void Schedule(WatchedStream* stream);
  // Ticks every stream now (shutdown does not wait for the sweep).
  void TickAll();

 private:
  // Applies `decide` to every stream: queues reads, then sends ends outside the lock.
  void ForEach(const std::function<WatchedStream::Next(WatchedStream*)>& decide);
  void Work();
  void Sweep();

  ChangeSignal* numbered_;
  int subscription_ = 0;
  absl::Mutex mu_;
  absl::flat_hash_set<WatchedStream*> streams_ ABSL_GUARDED_BY(mu_);
  std::deque<WatchedStream*> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> workers_;
  std::thread sweeper_;
};

}  // namespace sixsteps::assessment
