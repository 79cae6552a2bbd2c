// The deadline of the call the current thread is serving (issue 19, "a slow database").
//
// The RPC layer (SIXSTEPS_RPC, callback_rpc.h) sets it around a handler, on whichever
// thread runs the handler; the database pool (db.h) reads it when it begins a transaction,
// so that a transaction begun for a call cannot outlive the call: its statements get the
// time left as their `statement_timeout`, and a call whose deadline has passed begins none.
// Work done for no call (the feed consumer, the sequencer, migrations) has no deadline.
#pragma once

#include <chrono>

#include "absl/time/time.h"

namespace sixsteps {

// A gRPC call's deadline (ServerContextBase::deadline()) as an absl::Time; a call with no
// deadline has absl::InfiniteFuture().
inline absl::Time CallDeadlineOf(std::chrono::system_clock::time_point deadline) {
  if (deadline == std::chrono::system_clock::time_point::max()) return absl::InfiniteFuture();
  return absl::FromChrono(deadline);
}

class CallDeadlineScope {
 public:
  // From now until destroyed, Current() on this thread is `deadline`
  // (absl::InfiniteFuture(): the call has none).
  explicit CallDeadlineScope(absl::Time deadline);
  ~CallDeadlineScope();
  CallDeadlineScope(const CallDeadlineScope&) = delete;
  CallDeadlineScope& operator=(const CallDeadlineScope&) = delete;

  // The deadline of the call this thread serves; absl::InfiniteFuture() when it serves none
  // or its call has no deadline.
  static absl::Time Current();

 private:
  absl::Time previous_;
};

}  // namespace sixsteps
