// PgAssessmentStore: the change feed: pages of numbered changes, and the signal that wakes
// watchers.
#include "services/assessment/pg_store.h"

#include "absl/strings/str_cat.h"
#include "services/assessment/pg_feed_sequencer.h"
#include "services/assessment/pg_store_internal.h"
#include "services/base/clock.h"

namespace sixsteps::assessment {
using namespace pg_store_internal;  // NOLINT(build/namespaces): the store's own helpers
namespace {

// A page of the feed, read in one statement (one snapshot: the rows and the head agree),
// prepared once per connection (ListChanges and every WatchChanges read ran it; planning it
// was about 0.45 ms of each call).
// `examined` picks at most `limit` sequences; `page` keeps them in order while their
// records (plus a little framing) stay within the byte budget, and always the first; only
// then are the records themselves read. Each row carries the head and how many sequences
// were examined (to tell a cut page from the end).
#define SIXSTEPS_CHANGE_PAGE(examined, bytes)                           \
  "page AS (SELECT sequence, examined_count, "                          \
  "  row_number() OVER (ORDER BY sequence) AS n, "                      \
  "  sum(size) OVER (ORDER BY sequence) AS running "                    \
  "  FROM (SELECT e.sequence, octet_length(ch.record) + 8 AS size, "    \
  "          count(*) OVER () AS examined_count "                       \
  "        FROM (" examined                                             \
  ") e "                                                                \
  "        JOIN changes ch ON ch.sequence = e.sequence) sized) "        \
  "SELECT head.last, c.sequence, c.record, p.examined_count FROM head " \
  "LEFT JOIN page p ON (p.n = 1 OR p.running <= " bytes                 \
  ") "                                                                  \
  "LEFT JOIN changes c ON c.sequence = p.sequence ORDER BY c.sequence"
// For a caller who sees everything: the primary key from the cursor on.
// $1 after, $2 partnership filter, $3 limit, $4 byte budget, $5 hidden partnerships.
constexpr char kListAllChanges[] =
    "WITH head AS (SELECT coalesce(max(sequence), 0) AS last FROM changes), " SIXSTEPS_CHANGE_PAGE(
        "SELECT sequence FROM changes WHERE sequence > $1 AND ($2 = '' OR partnership_id = $2) "
        "AND partnership_id <> ALL($5::text[]) ORDER BY sequence LIMIT $3",
        "$4");
// For everyone else: the first `limit` of each region and partnership they see (through
// the changes_by_region and changes_by_partnership indexes), merged. The cost follows what
// the caller may see, not what other tenants wrote after their cursor; no head is read.
// $1 after, $2 regions, $3 partnerships, $4 partnership filter, $5 limit, $6 byte budget,
// $7 hidden partnerships (only region grants reach them: see Visibility::hidden).
constexpr char kListVisibleChanges[] =
    "WITH head AS (SELECT 0::bigint AS last), " SIXSTEPS_CHANGE_PAGE(
        "SELECT sequence FROM ("
        "  SELECT v.sequence FROM unnest($2::text[]) AS r(id) CROSS JOIN LATERAL ("
        "    SELECT sequence FROM changes WHERE region_id = r.id AND sequence > $1 "
        "    AND ($4 = '' OR partnership_id = $4) AND partnership_id <> ALL($7::text[]) "
        "    ORDER BY sequence LIMIT $5) v "
        "  UNION "
        "  SELECT v.sequence FROM unnest($3::text[]) AS p(id) CROSS JOIN LATERAL ("
        "    SELECT sequence FROM changes WHERE partnership_id = p.id AND sequence > $1 "
        "    AND ($4 = '' OR partnership_id = $4) ORDER BY sequence LIMIT $5) v"
        ") u ORDER BY sequence LIMIT $5",
        "$6");
#undef SIXSTEPS_CHANGE_PAGE

}  // namespace

void ChangeSignal::Notify() {
  std::lock_guard<std::mutex> lock(mu_);
  ++generation_;
  changed_.notify_all();
  for (auto& [id, callback] : callbacks_) callback();
}

int ChangeSignal::Subscribe(std::function<void()> callback) {
  std::lock_guard<std::mutex> lock(mu_);
  callbacks_.emplace(++next_id_, std::move(callback));
  return next_id_;
}

void ChangeSignal::Unsubscribe(int id) {
  std::lock_guard<std::mutex> lock(mu_);
  callbacks_.erase(id);
}

uint64_t ChangeSignal::Wait(uint64_t seen_generation, absl::Duration timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  changed_.wait_for(lock, absl::ToChronoMilliseconds(timeout),
                    [&] { return generation_ != seen_generation; });
  return generation_;
}

uint64_t ChangeSignal::generation() {
  std::lock_guard<std::mutex> lock(mu_);
  return generation_;
}

absl::Status PgAssessmentStore::NumberCommittedChanges() {
  // A reader waits at most this long for writers still committing; the sequencer numbers
  // what it leaves.
  constexpr absl::Duration kMaxWait = absl::Milliseconds(100);
  return FeedSequencer::NumberReady(
             [this](const std::function<absl::Status(pqxx::transaction_base&)>& work) {
               return pool_->InTransaction([&work](pqxx::work& txn) { return work(txn); });
             },
             kMaxWait)
      .status();
}

absl::StatusOr<std::vector<v1::Change>> PgAssessmentStore::ListChanges(
    const Visibility& visible, const std::string& partnership_filter, int64_t after_sequence,
    int limit, int64_t max_bytes, ChangePageInfo* page) {
  std::vector<v1::Change> changes;
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    changes.clear();
    *page = ChangePageInfo{};
    int64_t examined = 0;
    pqxx::result rows =
        visible.everything
            ? db::ExecPrepared(txn, kListAllChanges, after_sequence, partnership_filter, limit,
                               max_bytes, db::TextArray(visible.hidden))
            : db::ExecPrepared(txn, kListVisibleChanges, after_sequence,
                               db::TextArray(visible.regions), db::TextArray(visible.partnerships),
                               partnership_filter, limit, max_bytes, db::TextArray(visible.hidden));
    for (const pqxx::row& row : rows) {
      page->head = row[0].as<int64_t>();
      if (row[1].is_null()) continue;
      examined = row[3].as<int64_t>();
      SIXSTEPS_ASSIGN_OR_RETURN(v1::Change change, Parse<v1::Change>(row[2], "change"));
      // The sequencer numbers an entry after it was written: the number is the row's.
      change.set_sequence(row[1].as<int64_t>());
      // Changes written before notes were rows carry every note: only the latest go out.
      if (change.has_action()) KeepLatestProgress(*change.mutable_action());
      changes.push_back(std::move(change));
    }
    // Cut by the count, or by the byte budget before the count: more may follow at once.
    page->more = examined == limit || static_cast<int64_t>(changes.size()) < examined;
    return absl::OkStatus();
  }));
  return changes;
}

}  // namespace sixsteps::assessment
