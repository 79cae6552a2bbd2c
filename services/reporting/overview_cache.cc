#include "services/reporting/overview_cache.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace sixsteps::reporting {
namespace {

// What an entry and a view cost beyond their overviews' encoded size (keys, nodes, slots).
constexpr size_t kEntryOverhead = 256;
constexpr size_t kViewOverhead = 96;

}  // namespace

std::string OverviewCache::KeyOf(const std::string& region, const std::string& as_of) {
  return absl::StrCat(region, " ", as_of);
}

std::shared_ptr<const std::string> OverviewCache::Find(const std::string& region,
                                                       const std::string& as_of,
                                                       const RegionVersion& version,
                                                       const ViewOf& view_of) {
  std::lock_guard<std::mutex> lock(mu_);
  auto found = entries_.find(KeyOf(region, as_of));
  if (found == entries_.end() || !(found->second.version == version)) return nullptr;
  Entry& entry = found->second;
  auto view = entry.views.find(view_of(entry.opted_out));
  if (view == entry.views.end()) return nullptr;
  lru_.splice(lru_.begin(), lru_, entry.lru);
  return view->second;
}

bool OverviewCache::Put(const std::string& region, const std::string& as_of,
                        const RegionVersion& version, std::vector<std::string> opted_out,
                        const std::string& view, std::shared_ptr<const std::string> encoded) {
  const size_t view_bytes = encoded->size() + view.size() + kViewOverhead;
  const std::string key = KeyOf(region, as_of);
  size_t entry_bytes = key.size() + kEntryOverhead;
  for (const std::string& id : opted_out) entry_bytes += id.size();
  if (entry_bytes + view_bytes > max_bytes_) return false;
  std::lock_guard<std::mutex> lock(mu_);
  auto found = entries_.find(key);
  if (found != entries_.end() && !(found->second.version == version)) {
    // Both versions only grow: an entry at least as new in both is kept, not replaced by
    // what a slower call built from an older snapshot.
    const RegionVersion& kept = found->second.version;
    if (kept.region_sequence >= version.region_sequence &&
        kept.directory_version >= version.directory_version) {
      return false;
    }
    EraseLocked(key);
    found = entries_.end();
  }
  if (found == entries_.end()) {
    lru_.push_front(key);
    Entry entry;
    entry.version = version;
    entry.opted_out = std::move(opted_out);
    entry.bytes = entry_bytes;
    entry.lru = lru_.begin();
    found = entries_.emplace(key, std::move(entry)).first;
    bytes_ += entry_bytes;
  } else {
    lru_.splice(lru_.begin(), lru_, found->second.lru);
  }
  Entry& entry = found->second;
  auto [slot, added] = entry.views.try_emplace(view, encoded);
  if (!added) {
    entry.bytes -= slot->second->size() + view.size() + kViewOverhead;
    bytes_ -= slot->second->size() + view.size() + kViewOverhead;
    slot->second = std::move(encoded);
  }
  entry.bytes += view_bytes;
  bytes_ += view_bytes;
  // Never the entry just used: the view just kept fits on its own (checked above), so if
  // the entry is still too large its other views go.
  while (bytes_ > max_bytes_ && lru_.back() != key) EraseLocked(lru_.back());
  for (auto it = entry.views.begin(); bytes_ > max_bytes_ && it != entry.views.end();) {
    if (it->first == view) {
      ++it;
      continue;
    }
    const size_t freed = it->second->size() + it->first.size() + kViewOverhead;
    entry.bytes -= freed;
    bytes_ -= freed;
    entry.views.erase(it++);
  }
  return true;
}

void OverviewCache::EraseLocked(const std::string& key) {
  auto found = entries_.find(key);
  if (found == entries_.end()) return;
  bytes_ -= found->second.bytes;
  lru_.erase(found->second.lru);
  entries_.erase(found);
}

size_t OverviewCache::bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return bytes_;
}

size_t OverviewCache::entries() const {
  std::lock_guard<std::mutex> lock(mu_);
  return entries_.size();
}

metrics::Registration OverviewCacheMetrics(const OverviewCache* cache) {
  return metrics::DefaultRegistry().AddCollector([cache](metrics::GaugeSink& sink) {
    sink.Set("sixsteps_overview_cache_bytes",
             "Bytes of regional overviews this replica keeps (encoded size and keys)", {},
             static_cast<double>(cache->bytes()));
    sink.Set("sixsteps_overview_cache_entries",
             "Regions and as-of dates whose overviews this replica keeps", {},
             static_cast<double>(cache->entries()));
    const std::string help =
        "Regional overviews served since start: after the read model confirmed a cached one, "
        "or built";
    using Served = OverviewCache::Served;
    for (auto [how, label] :
         {std::pair{Served::kChecked, "checked"}, std::pair{Served::kBuilt, "built"}}) {
      sink.Set("sixsteps_overview_cache_served", help, {{"how", label}},
               static_cast<double>(cache->served(how)));
    }
  });
}

}  // namespace sixsteps::reporting
