#include "services/assessment/pg_feed_sequencer.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <functional>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/base/status_macros.h"
#include "services/common/db.h"
#include "services/common/log.h"

namespace sixsteps::assessment {
namespace {

constexpr char kNumberedChannel[] = "sixsteps_feed";
constexpr char kPendingChannel[] = "sixsteps_feed_pending";

// One pass (V016 says how and why; V017 why it plans without nested loops): ready with how many it
// numbered, or not ready yet with the horizon and its appenders to try again with (-1 and '' for a
// new pass); $3 false: take the horizon and return it unchecked.
constexpr char kSequenceFeed[] =
    "SELECT ready, numbered, horizon, appenders "
    "FROM sequence_feed(NULLIF($1::bigint, -1), NULLIF($2::text, ''), $3)";

// One call of sequence_feed; `horizon` is updated with the one the call returned.
absl::StatusOr<bool> CallSequenceFeed(const FeedSequencer::InTransaction& in_transaction,
                                      FeedSequencer::Horizon& horizon, bool check,
                                      int64_t* numbered) {
  bool ready = false;
  SIXSTEPS_RETURN_IF_ERROR(in_transaction([&](pqxx::transaction_base& txn) -> absl::Status {
    const pqxx::row pass =
        db::ExecPrepared(txn, kSequenceFeed, horizon.ticket, horizon.appenders, check)[0];
    ready = pass[0].as<bool>();
    *numbered = pass[1].as<int64_t>();
    if (!ready) {
      // The same horizon next time: only the appenders seen when it was taken are waited for.
      horizon.ticket = pass[2].as<int64_t>();
      horizon.appenders = pass[3].as<std::string>();
    }
    return absl::OkStatus();
  }));
  return ready;
}

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
                                                   absl::Duration max_wait, Horizon horizon) {
  // Writers commit within milliseconds; a long transaction that writes no change delays
  // the feed by its length (docs/benchmarks.md says what would avoid that).
  const absl::Time give_up = absl::Now() + max_wait;
  absl::Duration pause = absl::Microseconds(200);
  for (;;) {
    int64_t numbered = 0;
    SIXSTEPS_ASSIGN_OR_RETURN(bool ready,
                              CallSequenceFeed(in_transaction, horizon, true, &numbered));
    if (ready) return numbered;
    if (absl::Now() + pause > give_up) return 0;
    absl::SleepFor(pause);
    pause = std::min(pause * 2, absl::Milliseconds(10));
  }
}

absl::StatusOr<std::optional<FeedSequencer::Horizon>> FeedSequencer::TakeHorizon(
    const InTransaction& in_transaction) {
  Horizon horizon;
  int64_t numbered = 0;
  SIXSTEPS_ASSIGN_OR_RETURN(bool nothing_pending,
                            CallSequenceFeed(in_transaction, horizon, false, &numbered));
  if (nothing_pending) return std::nullopt;
  return horizon;
}

FeedSequencer::InTransaction FeedSequencer::Autocommit(pqxx::connection& connection) {
  return [&connection](
             const std::function<absl::Status(pqxx::transaction_base&)>& work) -> absl::Status {
    try {
      // The pass is one statement, a transaction of its own: one round trip.
      pqxx::nontransaction txn(connection);
      return work(txn);
    } catch (const std::exception& e) {
      return absl::UnavailableError(absl::StrCat("numbering the change feed: ", e.what()));
    }
  };
}

absl::StatusOr<int64_t> FeedSequencer::NumberReady(pqxx::connection& connection,
                                                   absl::Duration max_wait) {
  return NumberReady(Autocommit(connection), max_wait);
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

void FeedSequencer::NumberWhileBusy(pqxx::connection& connection) {
  const InTransaction autocommit = Autocommit(connection);
  auto check = [](const absl::Status& status) {
    if (!status.ok()) throw pqxx::broken_connection(status.ToString());
  };
  // Woken: a pass at once (an idle feed numbers a write without delay).
  absl::StatusOr<int64_t> numbered = NumberReady(autocommit);
  check(numbered.status());
  connection.get_notifs();  // its own NOTIFY: wakes this replica's streams at once
  // Busy (the pass found entries): until a pass finds nothing, the next horizon is taken now
  // and checked busy_interval later, when the writers that drew up to it have committed: one
  // pass numbers what many writers appended, mostly with one check (one pg_locks read).
  while (*numbered > 0 && !stopping_) {
    absl::StatusOr<std::optional<Horizon>> next = TakeHorizon(autocommit);
    check(next.status());
    if (!next->has_value()) break;
    absl::SleepFor(options_.busy_interval);
    numbered = NumberReady(autocommit, absl::Seconds(10), **next);
    check(numbered.status());
    connection.get_notifs();
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
      NumberWhileBusy(connection);
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
