// The built assessment reports of one reporting replica, kept in memory (issue 18, Reads).
//
// An entry is keyed by the round and the as-of date, and carries the versions it was built
// from: the last feed sequence the read model applied to that round and the directory's
// version (names and opt-outs). Every reporting replica LISTENs (CacheListener) for what
// the consumer's apply transaction NOTIFYs: the new cursor and the rounds it changed, or
// "*" when the directory changed. A notification drops the rounds' entries.
//
// Two ways to serve an entry:
//  - from memory alone (FindLive), when the listener is connected, the entry has not been
//    dropped, and the listener has heard every change up to the request's min_sequence:
//    notifications arrive in commit order and each names the cursor, so no change up to
//    that sequence has touched the round;
//  - after one small query (Find), when the round's and the directory's versions in the
//    read model are the entry's: a request asking for a sequence the listener has not
//    heard yet, or a replica whose listener is reconnecting.
//
// The build/notify race: a report is built from a snapshot; a change to its round may
// commit, and its notification arrive, after the snapshot was taken and before the report
// is put here. So a builder takes a generation before its snapshot (Begin) and Put keeps
// the report only if no notification for its round (nor "*", nor a reconnection) came since.
//
// Bounded: at most max_bytes of reports (the encoded size of each plus its key), least
// recently used dropped first; and an entry no call has used for `idle` is dropped
// (DropUnused, called by the listener), so that a replica at rest gives its memory back.
//
// A report is kept encoded (protobuf's wire format), not as a message: a parsed report takes
// about five times its encoded size in the heap, and an encoded one is sent as it is
// (Reports::AssessmentForWire), with no message copied per call.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/time/time.h"
#include "services/common/metrics.h"
#include "services/reporting/read_model.h"
#include "sixsteps/reporting/v1/reporting.pb.h"

namespace sixsteps::reporting {

// A built assessment report and what it was built from.
struct CachedReport {
  RoundOwner owner;
  // The report without its freshness (set when it is served), encoded.
  std::string encoded;
  RoundVersion version;
  // The feed position and change time of the snapshot it was built from.
  int64_t built_sequence = 0;
  int64_t built_change_micros = 0;
};

class ReportCache {
 public:
  explicit ReportCache(size_t max_bytes, absl::Duration idle = absl::InfiniteDuration())
      : max_bytes_(max_bytes), idle_(idle) {}

  using Generation = uint64_t;
  // Taken before the snapshot a report is built from; see Put.
  Generation Begin() const;

  // Keeps `entry` for (assessment_id, as_of) unless, since `since`, a notification dropped
  // the round or every round, the listener lost its connection, or it is not connected.
  // False when it was not kept (or is larger than the whole cache).
  bool Put(const std::string& assessment_id, const std::string& as_of, Generation since,
           std::shared_ptr<const CachedReport> entry);

  // The entry, for a check of its versions against the read model.
  std::shared_ptr<const CachedReport> Find(const std::string& assessment_id,
                                           const std::string& as_of);

  // The entry, if it can be served without asking the read model (see above), with the feed
  // position it reflects.
  struct Live {
    std::shared_ptr<const CachedReport> entry;
    int64_t sequence = 0;
    int64_t change_micros = 0;
  };
  std::optional<Live> FindLive(const std::string& assessment_id, const std::string& as_of,
                               int64_t min_sequence);

  // ---- For the listener ----
  // The cursor moved to `sequence` (its newest change at `change_micros`); the rounds named
  // changed on the way, or every round when `all`.
  void Heard(int64_t sequence, int64_t change_micros, const std::vector<std::string>& rounds,
             bool all);
  // The listener connected (LISTEN is in place and the cursor was read after it) or lost its
  // connection: either way notifications may have been missed, so every entry is dropped.
  void Connected(int64_t sequence, int64_t change_micros);
  void Disconnected();
  // Drops the entries no call has found since `now` - idle. Returns how many.
  size_t DropUnused(absl::Time now);

  size_t bytes() const;
  size_t entries() const;

  // How reports were served, counted by Reports: from memory alone, from an entry whose
  // versions the read model confirmed, or built from the read model.
  enum class Served { kFromMemory, kChecked, kBuilt };
  void Count(Served how) { ++served_[static_cast<int>(how)]; }
  int64_t served(Served how) const { return served_[static_cast<int>(how)]; }

 private:
  struct Slot {
    std::shared_ptr<const CachedReport> entry;
    size_t bytes = 0;
    std::list<std::string>::iterator lru;  // into lru_, most recent first
    absl::Time used;                       // when it was put or last found
  };
  // Marks the slot used now: first in lru_.
  void TouchLocked(Slot& slot) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  static std::string KeyOf(const std::string& assessment_id, const std::string& as_of);
  void DropRoundLocked(const std::string& assessment_id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void DropAllLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void EraseLocked(const std::string& key) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Records one invalidation ("*" for all) for the generation check.
  void BumpLocked(const std::string& round) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const size_t max_bytes_;
  const absl::Duration idle_;
  std::atomic<int64_t> served_[3] = {0, 0, 0};
  mutable std::mutex mu_;
  absl::flat_hash_map<std::string, Slot> slots_ ABSL_GUARDED_BY(mu_);
  // The as-of dates cached per round.
  absl::flat_hash_map<std::string, std::vector<std::string>> dates_ ABSL_GUARDED_BY(mu_);
  std::list<std::string> lru_ ABSL_GUARDED_BY(mu_);
  size_t bytes_ ABSL_GUARDED_BY(mu_) = 0;
  bool connected_ ABSL_GUARDED_BY(mu_) = false;
  int64_t heard_sequence_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t heard_change_micros_ ABSL_GUARDED_BY(mu_) = 0;
  Generation generation_ ABSL_GUARDED_BY(mu_) = 0;
  // The latest invalidations, oldest first: (generation, round or "*"). A Put whose
  // generation is older than the oldest kept is refused (its history is gone).
  std::deque<std::pair<Generation, std::string>> recent_ ABSL_GUARDED_BY(mu_);
};

// The cache's size and how its reports were served, as gauges at every scrape:
// sixsteps_report_cache_bytes, sixsteps_report_cache_entries and
// sixsteps_report_cache_served{how="memory"|"checked"|"built"} (a count since start).
metrics::Registration ReportCacheMetrics(const ReportCache* cache);

// The notification the consumer's apply transaction sends (on kReportCacheChannel):
// "<sequence> <change micros>" (the cursor after the transaction, its change time or 0),
// then the changed rounds' ids, or "*" for all of them. The transaction's SQL writes the
// cursor's part; ReportCacheRounds is the rest (" id id", " *" or "").
inline constexpr char kReportCacheChannel[] = "reporting_rounds";
std::string ReportCacheRounds(const std::vector<std::string>& rounds, bool all);
// False if `payload` is not one ReportCachePayload wrote.
bool ParseReportCachePayload(const std::string& payload, int64_t* sequence, int64_t* change_micros,
                             std::vector<std::string>* rounds, bool* all);

}  // namespace sixsteps::reporting
