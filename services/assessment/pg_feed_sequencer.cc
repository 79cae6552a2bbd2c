#include "services/assessment/pg_feed_sequencer.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <functional>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/assessment/pg_store_internal.h"
#include "services/base/status_macros.h"
#include "services/common/db.h"
#include "services/common/log.h"

namespace sixsteps::assessment {
namespace {

constexpr char kNumberedChannel[] = "sixsteps_feed";
constexpr char kPendingChannel[] = "sixsteps_feed_pending";

constexpr char kAnyPending[] = "SELECT EXISTS (SELECT 1 FROM unsequenced_changes)";
// The last ticket drawn (a sequence is not transactional: this is every session's).
constexpr char kLastTicket[] =
    "SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END FROM change_tickets";
// Read in a statement after kLastTicket: whoever holds a ticket up to it and has not ended
// is among this snapshot's running transactions.
constexpr char kSnapshot[] = "SELECT pg_current_snapshot()::text";
// feed_counter's row, locked (numbers are given one transaction at a time), and how many of
// the transactions running at $1 that hold the appender lock are still running now. Only
// those may hold a ticket up to the last one read: a writer takes the lock before it draws
// its ticket and keeps it to its end, and a transaction's locks are released only after it
// has left the running set, so one not found holding the lock has either ended (and a later
// statement sees its entries) or draws its ticket after it. Writers still busy with other
// statements, and transactions of other databases, are not waited for. pg_locks joins a
// transaction's own transactionid lock to its advisory lock by virtual transaction, which
// needs no privilege on other sessions. pg_locks copies the whole lock table each time it
// is scanned: the appenders are read once per statement (a materialised CTE), not once per
// running transaction (a correlated EXISTS did that: 4.6 ms a pass at 16 writers, the
// assessment database's costliest statement under load). Any moment after the statement's
// snapshot will do for the argument above, so one reading serves every transaction.
constexpr char kLockCounter[] =
    "WITH appenders AS MATERIALIZED (SELECT t.transactionid AS xact "
    "  FROM pg_locks AS t JOIN pg_locks AS a ON a.virtualtransaction = t.virtualtransaction "
    "  WHERE t.locktype = 'transactionid' AND a.locktype = 'advisory' AND a.database = "
    "    (SELECT oid FROM pg_database WHERE datname = current_database()) "
    "  AND a.classid = 0 AND a.objid = " SIXSTEPS_FEED_APPENDER_LOCK
    " AND a.objsubid = 1) "
    "SELECT last, (SELECT count(*) FROM pg_snapshot_xip($1::pg_snapshot) AS x "
    "  WHERE NOT pg_visible_in_snapshot(x, pg_current_snapshot()) "
    "  AND EXISTS (SELECT 1 FROM appenders WHERE appenders.xact = xid(x))) "
    "FROM feed_counter WHERE id = 1 FOR UPDATE";
// Moves every entry with a ticket up to $1 into the feed, numbered from $2 + 1 in ticket
// order, each transaction's entries together (from its first ticket), and moves the counter;
// NOTIFY with the new head when any moved. Returns the new head.
constexpr char kNumber[] =
    "WITH batch AS (DELETE FROM unsequenced_changes WHERE ticket <= $1 "
    "  RETURNING ticket, xact, partnership_id, region_id, record), "
    "ordered AS (SELECT *, row_number() OVER (ORDER BY first_ticket, ticket) AS n "
    "  FROM (SELECT *, min(ticket) OVER (PARTITION BY xact) AS first_ticket FROM batch) b), "
    "numbered AS (INSERT INTO changes (sequence, partnership_id, region_id, record) "
    "  SELECT $2 + n, partnership_id, region_id, record FROM ordered RETURNING sequence), "
    "head AS (UPDATE feed_counter SET last = (SELECT max(sequence) FROM numbered) "
    "  WHERE id = 1 AND EXISTS (SELECT 1 FROM numbered) RETURNING last) "
    "SELECT last, pg_notify('sixsteps_feed', last::text) FROM head";
constexpr char kTryLead[] =
    "SELECT pg_try_advisory_lock(hashtextextended('sixsteps feed sequencer', 0))";
constexpr char kWakeLeader[] = "SELECT pg_notify('sixsteps_feed_pending', '')";

// Calls `on_notify` for each notification on one channel.
class Receiver final : public pqxx::notification_receiver {
 public:
  Receiver(pqxx::connection_base& connection, const std::string& channel,
           std::function<void()> on_notify)
      : pqxx::notification_receiver(connection, channel), on_notify_(std::move(on_notify)) {}
  void operator()(const std::string& /*payload*/, int /*backend_pid*/) override { on_notify_(); }

 private:
  std::function<void()> on_notify_;
};

}  // namespace

absl::StatusOr<int64_t> FeedSequencer::NumberReady(const InTransaction& in_transaction,
                                                   absl::Duration max_wait) {
  bool pending = false;
  int64_t last_ticket = 0;
  std::string running;
  // Read committed: each statement has a snapshot of its own, taken in this order.
  SIXSTEPS_RETURN_IF_ERROR(in_transaction([&](pqxx::work& txn) -> absl::Status {
    pending = db::ExecPrepared(txn, kAnyPending)[0][0].as<bool>();
    if (!pending) return absl::OkStatus();
    last_ticket = db::ExecPrepared(txn, kLastTicket)[0][0].as<int64_t>();
    running = db::ExecPrepared(txn, kSnapshot)[0][0].as<std::string>();
    return absl::OkStatus();
  }));
  if (!pending) return 0;
  // Writers commit within milliseconds; a long transaction that writes no change delays
  // the feed by its length (docs/benchmarks.md says what would avoid that).
  const absl::Time give_up = absl::Now() + max_wait;
  absl::Duration pause = absl::Microseconds(200);
  for (;;) {
    bool ready = false;
    int64_t numbered = 0;
    absl::Status attempt = in_transaction([&](pqxx::work& txn) -> absl::Status {
      pqxx::result counter = db::ExecPrepared(txn, kLockCounter, running);
      ready = counter[0][1].as<int64_t>() == 0;
      // Not yet: rolled back, so feed_counter's lock is not held while waiting.
      if (!ready) return absl::AbortedError("a writer is still committing");
      const int64_t head = counter[0][0].as<int64_t>();
      pqxx::result moved = db::ExecPrepared(txn, kNumber, last_ticket, head);
      numbered = moved.empty() ? 0 : moved[0][0].as<int64_t>() - head;
      return absl::OkStatus();
    });
    if (ready) SIXSTEPS_RETURN_IF_ERROR(attempt);
    if (!ready && attempt.code() != absl::StatusCode::kAborted) return attempt;
    if (ready) return numbered;
    if (absl::Now() + pause > give_up) return 0;
    absl::SleepFor(pause);
    pause = std::min(pause * 2, absl::Milliseconds(10));
  }
}

absl::StatusOr<int64_t> FeedSequencer::NumberReady(pqxx::connection& connection,
                                                   absl::Duration max_wait) {
  return NumberReady(
      [&connection](const std::function<absl::Status(pqxx::work&)>& work) -> absl::Status {
        try {
          pqxx::work txn(connection);
          absl::Status status = work(txn);
          if (status.ok()) txn.commit();
          return status;
        } catch (const std::exception& e) {
          return absl::UnavailableError(absl::StrCat("numbering the change feed: ", e.what()));
        }
      },
      max_wait);
}

FeedSequencer::FeedSequencer(std::string database_url, ChangeSignal* appended,
                             ChangeSignal* numbered, FeedSequencerOptions options)
    : database_url_(std::move(database_url)),
      appended_(appended),
      numbered_(numbered),
      options_(options) {}

void FeedSequencer::Start() {
  if (thread_.joinable()) return;
  stopping_ = false;
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  subscription_ = appended_->Subscribe([this] { Wake(); });
  thread_ = std::thread([this] { Run(); });
}

void FeedSequencer::Stop() {
  if (!thread_.joinable()) return;
  stopping_ = true;
  Wake();
  thread_.join();
  appended_->Unsubscribe(subscription_);
  close(wake_fd_);
  wake_fd_ = -1;
}

void FeedSequencer::Wake() {
  const uint64_t one = 1;
  // A full counter already means "woken": nothing to do when the write does not go through.
  [[maybe_unused]] ssize_t written = write(wake_fd_, &one, sizeof one);
}

void FeedSequencer::WaitForWork(int socket, absl::Duration timeout) {
  pollfd fds[2] = {{wake_fd_, POLLIN, 0}, {socket, POLLIN, 0}};
  const int count = socket >= 0 ? 2 : 1;
  poll(fds, count, static_cast<int>(absl::ToInt64Milliseconds(timeout)));
  uint64_t drained = 0;
  [[maybe_unused]] ssize_t read_bytes = read(wake_fd_, &drained, sizeof drained);
}

void FeedSequencer::Run() {
  absl::Duration backoff = options_.backoff;
  while (!stopping_) {
    try {
      pqxx::connection connection(database_url_);
      backoff = options_.backoff;
      Serve(connection);
    } catch (const std::exception& e) {
      LogEvent("feed_sequencer_disconnected", {{"error", e.what()}});
    }
    leading_ = false;
    listening_ = false;
    // Streams re-read from their cursors while the database is away (cheaply failing), so
    // they resume as soon as it is back even if no notification reaches them.
    numbered_->Notify();
    if (!stopping_) WaitForWork(-1, backoff);
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
}

void FeedSequencer::Serve(pqxx::connection& connection) {
  Receiver numbered(connection, kNumberedChannel, [this] { numbered_->Notify(); });
  // Another replica appended: being woken is all it takes (the loop numbers if leading).
  Receiver pending(connection, kPendingChannel, [] {});
  listening_ = true;
  // Whatever was numbered while this replica was not listening: streams catch up now.
  numbered_->Notify();
  absl::Time next_try = absl::InfinitePast();
  uint64_t seen = appended_->generation();
  while (!stopping_) {
    if (!leading_ && absl::Now() >= next_try) {
      pqxx::nontransaction txn(connection);
      leading_ = txn.exec(kTryLead)[0][0].as<bool>();
      next_try = absl::Now() + options_.standby_retry;
      if (leading_) LogEvent("feed_sequencer_leading");
    }
    const uint64_t generation = appended_->generation();
    const bool appended_here = generation != seen;
    seen = generation;
    if (leading_) {
      // Until a pass finds nothing: entries committed meanwhile are numbered at once.
      for (;;) {
        absl::StatusOr<int64_t> numbered_now = NumberReady(connection);
        if (!numbered_now.ok()) throw pqxx::broken_connection(numbered_now.status().ToString());
        connection.get_notifs();  // its own NOTIFY: wakes this replica's streams at once
        if (*numbered_now == 0 || stopping_) break;
      }
    } else if (appended_here) {
      pqxx::nontransaction txn(connection);
      txn.exec(kWakeLeader);
    }
    WaitForWork(connection.sock(), leading_ ? options_.leader_poll : options_.standby_retry);
    connection.get_notifs();
    if (!connection.is_open()) throw pqxx::broken_connection("the connection closed");
  }
}

}  // namespace sixsteps::assessment
