#include "services/reporting/report_cache.h"

#include <algorithm>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"

namespace sixsteps::reporting {
namespace {

// Invalidations remembered for the generation check: more than arrive while one report is
// built, unless the feed is very busy (then a Put is refused, which is always safe).
constexpr size_t kRecentInvalidations = 4096;
// A notification's payload must stay below PostgreSQL's 8000 bytes: past this, "*".
constexpr size_t kMaxPayload = 7000;
// What a slot costs beyond its report's encoded size (key, list node, map slot).
constexpr size_t kSlotOverhead = 256;

}  // namespace

std::string ReportCache::KeyOf(const std::string& assessment_id, const std::string& as_of) {
  return absl::StrCat(assessment_id, " ", as_of);
}

ReportCache::Generation ReportCache::Begin() const {
  std::lock_guard<std::mutex> lock(mu_);
  return generation_;
}

bool ReportCache::Put(const std::string& assessment_id, const std::string& as_of, Generation since,
                      std::shared_ptr<const CachedReport> entry) {
  const size_t size = entry->encoded.size() + kSlotOverhead;
  std::lock_guard<std::mutex> lock(mu_);
  if (!connected_ || size > max_bytes_) return false;
  if (generation_ != since) {
    // Every invalidation since `since` must still be known, and none may name the round.
    if (recent_.empty() || recent_.front().first > since + 1) return false;
    for (auto it = recent_.rbegin(); it != recent_.rend() && it->first > since; ++it) {
      if (it->second == "*" || it->second == assessment_id) return false;
    }
  }
  const std::string key = KeyOf(assessment_id, as_of);
  if (slots_.contains(key)) {
    EraseLocked(key);
  }
  lru_.push_front(key);
  slots_[key] = Slot{std::move(entry), size, lru_.begin(), absl::Now()};
  dates_[assessment_id].push_back(as_of);
  bytes_ += size;
  while (bytes_ > max_bytes_ && !lru_.empty()) EraseLocked(lru_.back());
  return true;
}

std::shared_ptr<const CachedReport> ReportCache::Find(const std::string& assessment_id,
                                                      const std::string& as_of) {
  std::lock_guard<std::mutex> lock(mu_);
  auto slot = slots_.find(KeyOf(assessment_id, as_of));
  if (slot == slots_.end()) return nullptr;
  TouchLocked(slot->second);
  return slot->second.entry;
}

std::optional<ReportCache::Live> ReportCache::FindLive(const std::string& assessment_id,
                                                       const std::string& as_of,
                                                       int64_t min_sequence) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!connected_) return std::nullopt;
  auto slot = slots_.find(KeyOf(assessment_id, as_of));
  if (slot == slots_.end()) return std::nullopt;
  const CachedReport& entry = *slot->second.entry;
  // What the entry reflects: its snapshot, or every notification heard since (none of
  // which touched the round, or the entry would be gone).
  Live live{slot->second.entry, entry.built_sequence, entry.built_change_micros};
  if (heard_sequence_ > live.sequence) {
    live.sequence = heard_sequence_;
    live.change_micros = heard_change_micros_;
  }
  if (live.sequence < min_sequence) return std::nullopt;
  TouchLocked(slot->second);
  return live;
}

void ReportCache::Heard(int64_t sequence, int64_t change_micros,
                        const std::vector<std::string>& rounds, bool all) {
  std::lock_guard<std::mutex> lock(mu_);
  if (all) {
    DropAllLocked();
    BumpLocked("*");
  } else {
    for (const std::string& round : rounds) {
      DropRoundLocked(round);
      BumpLocked(round);
    }
  }
  if (sequence > heard_sequence_) {
    heard_sequence_ = sequence;
    heard_change_micros_ = change_micros;
  }
}

void ReportCache::Connected(int64_t sequence, int64_t change_micros) {
  std::lock_guard<std::mutex> lock(mu_);
  DropAllLocked();
  BumpLocked("*");
  connected_ = true;
  heard_sequence_ = sequence;
  heard_change_micros_ = change_micros;
}

void ReportCache::Disconnected() {
  std::lock_guard<std::mutex> lock(mu_);
  DropAllLocked();
  BumpLocked("*");
  connected_ = false;
}

size_t ReportCache::DropUnused(absl::Time now) {
  std::lock_guard<std::mutex> lock(mu_);
  size_t dropped = 0;
  // lru_ is in the order of use, so the unused ones are at its back.
  while (!lru_.empty()) {
    auto slot = slots_.find(lru_.back());
    if (slot == slots_.end()) {
      lru_.pop_back();  // not expected: every key in lru_ has its slot
      continue;
    }
    if (now - slot->second.used < idle_) break;
    EraseLocked(lru_.back());
    ++dropped;
  }
  return dropped;
}

void ReportCache::TouchLocked(Slot& slot) {
  lru_.splice(lru_.begin(), lru_, slot.lru);
  slot.used = absl::Now();
}

size_t ReportCache::bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return bytes_;
}

size_t ReportCache::entries() const {
  std::lock_guard<std::mutex> lock(mu_);
  return slots_.size();
}

void ReportCache::DropRoundLocked(const std::string& assessment_id) {
  auto dates = dates_.find(assessment_id);
  if (dates == dates_.end()) return;
  std::vector<std::string> as_of = std::move(dates->second);
  dates_.erase(dates);
  for (const std::string& date : as_of) {
    auto slot = slots_.find(KeyOf(assessment_id, date));
    if (slot == slots_.end()) continue;
    bytes_ -= slot->second.bytes;
    lru_.erase(slot->second.lru);
    slots_.erase(slot);
  }
}

void ReportCache::DropAllLocked() {
  slots_.clear();
  dates_.clear();
  lru_.clear();
  bytes_ = 0;
}

void ReportCache::EraseLocked(const std::string& key) {
  auto slot = slots_.find(key);
  if (slot == slots_.end()) return;
  // The key is "<assessment id> <as of>"; ids have no spaces.
  const size_t space = key.find(' ');
  const std::string round = key.substr(0, space);
  const std::string date = key.substr(space + 1);
  auto dates = dates_.find(round);
  if (dates != dates_.end()) {
    std::erase(dates->second, date);
    if (dates->second.empty()) dates_.erase(dates);
  }
  bytes_ -= slot->second.bytes;
  lru_.erase(slot->second.lru);
  slots_.erase(slot);
}

void ReportCache::BumpLocked(const std::string& round) {
  ++generation_;
  recent_.emplace_back(generation_, round);
  while (recent_.size() > kRecentInvalidations) recent_.pop_front();
}

metrics::Registration ReportCacheMetrics(const ReportCache* cache) {
  return metrics::DefaultRegistry().AddCollector([cache](metrics::GaugeSink& sink) {
    sink.Set("sixsteps_report_cache_bytes",
             "Bytes of assessment reports this replica keeps (encoded size and keys)", {},
             static_cast<double>(cache->bytes()));
    sink.Set("sixsteps_report_cache_entries", "Assessment reports this replica keeps", {},
             static_cast<double>(cache->entries()));
    const std::string help =
        "Assessment reports served since start: from memory alone, after the read model "
        "confirmed a cached one, or built";
    using Served = ReportCache::Served;
    for (auto [how, label] :
         {std::pair{Served::kFromMemory, "memory"}, std::pair{Served::kChecked, "checked"},
          std::pair{Served::kBuilt, "built"}}) {
      sink.Set("sixsteps_report_cache_served", help, {{"how", label}},
               static_cast<double>(cache->served(how)));
    }
  });
}

std::string ReportCacheRounds(const std::vector<std::string>& rounds, bool all) {
  if (all) return " *";
  std::string suffix;
  for (const std::string& round : rounds) {
    if (suffix.size() + 1 + round.size() > kMaxPayload) return " *";
    absl::StrAppend(&suffix, " ", round);
  }
  return suffix;
}

bool ParseReportCachePayload(const std::string& payload, int64_t* sequence, int64_t* change_micros,
                             std::vector<std::string>* rounds, bool* all) {
  std::vector<std::string> words = absl::StrSplit(payload, ' ', absl::SkipEmpty());
  if (words.size() < 2 || !absl::SimpleAtoi(words[0], sequence) ||
      !absl::SimpleAtoi(words[1], change_micros)) {
    return false;
  }
  rounds->assign(words.begin() + 2, words.end());
  *all = std::find(rounds->begin(), rounds->end(), "*") != rounds->end();
  if (*all) rounds->clear();
  return true;
}

}  // namespace sixsteps::reporting
