// The change feed's rules that are not SQL: how big a page may grow, where a caller's
// cursor continues, how many WatchChanges streams may run, and when a stream's token ends.
#pragma once

#include <cstdint>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace sixsteps::assessment {

// A ListChanges page (and a WatchChanges batch) stops adding changes once their records
// would pass this many bytes, but always holds at least one: a catch-up page then stays far
// below gRPC's 4 MiB message limit however big the records are.
inline constexpr int64_t kFeedPageBytes = int64_t{1} << 20;

// One read of the feed, as the store returns it.
struct ChangePageInfo {
  // The page was cut (by count or by bytes): more may follow its last change at once.
  bool more = false;
  // The newest committed sequence of the whole feed when the page was read. Only for
  // callers who see everything: it counts every tenant's writes.
  int64_t head = 0;
};

// Where a caller continues after a page: after its last change when the page was cut;
// otherwise, for a caller who sees everything, after the feed's head (so they skip nothing
// and rescan nothing); for everyone else after the last change they were given, or where
// they were. A scoped caller's cursor thus moves only with changes they may see, and says
// nothing about other tenants' writes.
int64_t NextAfterSequence(int64_t after_sequence, int64_t last_delivered, int delivered,
                          const ChangePageInfo& page, bool sees_everything);

// How many WatchChanges streams one server runs at once.
struct WatchLimits {
  // --watch_streams_per_principal / SIXSTEPS_WATCH_STREAMS_PER_PRINCIPAL.
  int per_principal = 4;
  // --watch_streams / SIXSTEPS_WATCH_STREAMS: every principal together. A stream is a
  // reactor that holds no thread while it waits (watch_streams.h): about 10 KiB each, and a
  // read of the feed per stream each time the feed moves.
  int total = 2048;
};

// Counts the open WatchChanges streams, per principal and in all. Thread-safe.
class WatchSlots {
 public:
  explicit WatchSlots(WatchLimits limits) : limits_(limits) {}

  // A held slot; gives it back when destroyed. Move-only.
  class Slot {
   public:
    Slot() = default;
    Slot(Slot&& other) noexcept : slots_(other.slots_), principal_(std::move(other.principal_)) {
      other.slots_ = nullptr;
    }
    Slot& operator=(Slot&&) = delete;
    Slot(const Slot&) = delete;
    ~Slot();

   private:
    friend class WatchSlots;
    Slot(WatchSlots* slots, std::string principal)
        : slots_(slots), principal_(std::move(principal)) {}
    WatchSlots* slots_ = nullptr;
    std::string principal_;
  };

  // A slot for one more stream of `principal`; RESOURCE_EXHAUSTED (saying which limit) if
  // the principal or the server already runs as many as allowed.
  absl::StatusOr<Slot> Acquire(const std::string& principal);

  int open() const;
  int open_for(const std::string& principal) const;

 private:
  void Release(const std::string& principal);

  const WatchLimits limits_;
  mutable absl::Mutex mu_;
  int open_ ABSL_GUARDED_BY(mu_) = 0;
  absl::flat_hash_map<std::string, int> per_principal_ ABSL_GUARDED_BY(mu_);
};

// When an access token stops being valid: its "exp" claim, read without checking the
// signature (the caller has verified the token already). UNAUTHENTICATED if it has none.
absl::StatusOr<absl::Time> TokenExpiry(absl::string_view token);

}  // namespace sixsteps::assessment
