// The built regional overviews of one reporting replica, kept in memory (issue 18, Reads).
//
// An overview is determined by its region's data in the read model, its as-of date, and
// which of the region's opted-out partnerships the caller sees through (their own members
// see them named; reports.h). The read model keeps a version per region, the last feed
// sequence it applied to anything of the region (its rounds and their figures, its
// actions), written in the transaction that applied it, and the directory's version (names,
// opt-outs). An entry carries the versions of the snapshot it was built from, and is served
// only to a call whose own snapshot shows the same versions. So an entry is never served
// stale, on any replica, and no notification is needed: one indexed row per call instead of
// the region's query and build (at 1,000 partnerships ~6 ms of PostgreSQL and ~4 ms of CPU).
//
// Kept per (region, as-of date): the versions, the region's opted-out partnerships, and one
// encoded overview (without its freshness) per view, a view being the opted-out
// partnerships the caller sees through. An entry found at other versions is replaced by the
// next Put. Bounded: at most max_bytes (encoded overviews and keys), least recently used
// (region, date) dropped first.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "services/common/metrics.h"
#include "services/reporting/read_model.h"

namespace sixsteps::reporting {

class OverviewCache {
 public:
  explicit OverviewCache(size_t max_bytes) : max_bytes_(max_bytes) {}

  // The view key of a caller: given the region's opted-out partnerships (sorted), the ones
  // the caller sees through, joined.
  using ViewOf = std::function<std::string(const std::vector<std::string>& opted_out)>;

  // The encoded overview of `region` at `as_of` for the caller's view, if one was built at
  // `version`; nullptr otherwise.
  std::shared_ptr<const std::string> Find(const std::string& region, const std::string& as_of,
                                          const RegionVersion& version, const ViewOf& view_of);

  // Keeps `encoded` (built from a snapshot at `version`, where the region's opted-out
  // partnerships were `opted_out`) for the view `view`. An entry of the region and date at
  // older versions is dropped first. False when it was not kept: larger than the cache, or
  // the entry there is newer (built from a later snapshot).
  bool Put(const std::string& region, const std::string& as_of, const RegionVersion& version,
           std::vector<std::string> opted_out, const std::string& view,
           std::shared_ptr<const std::string> encoded);

  size_t bytes() const;
  size_t entries() const;

  enum class Served { kChecked, kBuilt };
  void Count(Served how) { ++served_[static_cast<int>(how)]; }
  int64_t served(Served how) const { return served_[static_cast<int>(how)]; }

 private:
  struct Entry {
    RegionVersion version;
    std::vector<std::string> opted_out;
    absl::flat_hash_map<std::string, std::shared_ptr<const std::string>> views;
    size_t bytes = 0;
    std::list<std::string>::iterator lru;  // into lru_, most recent first
  };
  static std::string KeyOf(const std::string& region, const std::string& as_of);
  void EraseLocked(const std::string& key) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const size_t max_bytes_;
  std::atomic<int64_t> served_[2] = {0, 0};
  mutable std::mutex mu_;
  absl::flat_hash_map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
  std::list<std::string> lru_ ABSL_GUARDED_BY(mu_);
  size_t bytes_ ABSL_GUARDED_BY(mu_) = 0;
};

// sixsteps_overview_cache_bytes, sixsteps_overview_cache_entries and
// sixsteps_overview_cache_served{how="checked"|"built"} (a count since start), at every scrape.
metrics::Registration OverviewCacheMetrics(const OverviewCache* cache);

}  // namespace sixsteps::reporting
