// The feed sequencer: numbers the change feed's entries after their writers committed
// (V011 says why and how), and tells this process's WatchChanges streams when the feed moved.
//
// Every assessment replica runs one, on a connection of its own that LISTENs for two
// channels. One replica leads (a session advisory lock, taken over by another within a
// second of the leader's connection dropping) and numbers: woken by this process's writes
// (a ChangeSignal), by other replicas' writes (NOTIFY sixsteps_feed_pending, sent once per
// wake by a replica that does not lead), and on a short timer as a safety net. While busy
// (a pass numbered something) the next pass numbers up to a horizon taken `busy_interval`
// before, so that one pass numbers many writers' entries; woken after a pass that found
// nothing, it numbers a write at once. Numbering sends NOTIFY sixsteps_feed with the new
// head; every replica's sequencer hears it and notifies `numbered`, which wakes its streams. After
// the connection breaks (PostgreSQL restarted) it reconnects with backoff, LISTENs again, and
// notifies `numbered` so that every stream catches up from its cursor; meanwhile it notifies
// `numbered` every second.
#pragma once

#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <thread>

#include <pqxx/pqxx>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/assessment/store.h"

namespace sixsteps::assessment {

struct FeedSequencerOptions {
  // How often the leader looks for unnumbered entries without being woken.
  absl::Duration leader_poll = absl::Milliseconds(200);
  // While passes find entries (busy), the time between taking a pass's horizon and checking
  // it: the writers that drew up to it have committed by then (mostly one check, one pg_locks
  // read), and a pass numbers what this long of writes appended instead of one write's
  // entries (each pass wakes every stream). Under load feed lag grows by up to twice this.
  absl::Duration busy_interval = absl::Milliseconds(5);
  // How often a replica that does not lead tries to take over.
  absl::Duration standby_retry = absl::Seconds(1);
  // Wait before reconnecting after the connection broke (doubles up to max_backoff).
  absl::Duration backoff = absl::Milliseconds(100);
  absl::Duration max_backoff = absl::Seconds(2);
};

// Where a numbering pass numbers up to: the last ticket drawn and the transactions that held
// the appender lock just after it was read, an xid8[] literal (-1 and "": the pass takes them
// itself).
struct FeedHorizon {
  int64_t ticket = -1;
  std::string appenders;
};

class FeedSequencer {
 public:
  // `appended` is what the stores notify after a commit that appended changes; `numbered`
  // is notified whenever the numbered feed may have moved. Both must outlive the sequencer.
  FeedSequencer(std::string database_url, ChangeSignal* appended, ChangeSignal* numbered,
                FeedSequencerOptions options = {});
  ~FeedSequencer() { Stop(); }
  FeedSequencer(const FeedSequencer&) = delete;
  FeedSequencer& operator=(const FeedSequencer&) = delete;

  void Start();
  // Stops the thread (and gives up the lead). Idempotent.
  void Stop();

  // Whether this replica leads now; whether its connection is up and listening.
  bool leading() const { return leading_; }
  bool listening() const { return listening_; }

  // Runs `work` in a read-committed transaction (or autocommit: each call of the pass's
  // function is a transaction of its own) and commits it if `work` returns OK.
  using InTransaction =
      std::function<absl::Status(const std::function<absl::Status(pqxx::transaction_base&)>& work)>;

  using Horizon = FeedHorizon;

  // One numbering pass (the function sequence_feed, migration V016: one round trip when
  // nothing waits): numbers, in ticket order, every unnumbered entry whose ticket is final
  // (up to `horizon` if given), waiting (at most `max_wait`) for the transactions that may
  // still hold a smaller ticket; NOTIFY sixsteps_feed with the new head if it numbered any.
  // How many it numbered (0 if it gave up waiting). Safe to run from several connections at
  // once (they serialise on feed_counter's row): readers run it too (NumberCommittedChanges).
  static absl::StatusOr<int64_t> NumberReady(const InTransaction& in_transaction,
                                             absl::Duration max_wait = absl::Seconds(10),
                                             Horizon horizon = {});
  static absl::StatusOr<int64_t> NumberReady(pqxx::connection& connection,
                                             absl::Duration max_wait = absl::Seconds(10));
  // The horizon a pass would number up to now, unchecked; nullopt when nothing is pending.
  static absl::StatusOr<std::optional<Horizon>> TakeHorizon(const InTransaction& in_transaction);
  // Each call of `work` in a transaction of its own on `connection` (autocommit).
  static InTransaction Autocommit(pqxx::connection& connection);

 private:
  void Run();
  // Connected: listens, leads or stands by, until Stop() or the connection breaks.
  void Serve(pqxx::connection& connection);
  // Leading: numbers at once, then, while passes find entries, a pass every busy_interval.
  void NumberWhileBusy(pqxx::connection& connection);
  // Waits until woken, a notification arrives on `socket`, or `timeout`.
  void WaitForWork(int socket, absl::Duration timeout);
  void Wake();

  const std::string database_url_;
  ChangeSignal* appended_;
  ChangeSignal* numbered_;
  const FeedSequencerOptions options_;
  int wake_fd_ = -1;  // an eventfd: this process appended, or Stop()
  int subscription_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> leading_{false};
  std::atomic<bool> listening_{false};
  std::thread thread_;
};

}  // namespace sixsteps::assessment
