#include "services/reporting/report_cache_listener.h"

#include <pqxx/pqxx>

#include "absl/time/clock.h"
#include "services/common/log.h"

namespace sixsteps::reporting {
namespace {

class Receiver final : public pqxx::notification_receiver {
 public:
  Receiver(pqxx::connection_base& connection, ReportCache* cache)
      : pqxx::notification_receiver(connection, kReportCacheChannel), cache_(cache) {}
  void operator()(const std::string& payload, int /*backend_pid*/) override {
    int64_t sequence = 0, change_micros = 0;
    std::vector<std::string> rounds;
    bool all = false;
    if (!ParseReportCachePayload(payload, &sequence, &change_micros, &rounds, &all)) {
      // Not ours to read: drop everything rather than guess.
      cache_->Heard(0, 0, {}, true);
      return;
    }
    cache_->Heard(sequence, change_micros, rounds, all);
  }

 private:
  ReportCache* cache_;
};

}  // namespace

void CacheListener::Start() {
  stop_ = false;
  thread_ = std::thread([this] { Run(); });
}

void CacheListener::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void CacheListener::Run() {
  while (!stop_) {
    ListenOnce();
    cache_->Disconnected();
    // Waits in small steps so that Stop() is prompt.
    for (absl::Time until = absl::Now() + retry_; !stop_ && absl::Now() < until;) {
      absl::SleepFor(absl::Milliseconds(20));
    }
  }
}

void CacheListener::ListenOnce() {
  try {
    pqxx::connection connection(database_url_);
    // Named, so that an operator (or a test) can tell this connection from the pool's.
    connection.set_variable("application_name", "'sixsteps-report-cache'");
    Receiver receiver(connection, cache_);  // LISTEN, at once on an open connection
    int64_t sequence = 0, change_micros = 0;
    {
      // Read after LISTEN is in place: every change committed later is notified.
      pqxx::read_transaction txn(connection);
      pqxx::result row = txn.exec(
          "SELECT sequence, coalesce((extract(epoch FROM change_time) * 1000000)::bigint, 0) "
          "FROM feed_cursor WHERE id = 1");
      sequence = row[0][0].as<int64_t>();
      change_micros = row[0][1].as<int64_t>();
    }
    cache_->Connected(sequence, change_micros);
    ++connections_;
    while (!stop_) {
      connection.await_notification(0, 200000);
      cache_->DropUnused(absl::Now());
    }
  } catch (const std::exception& e) {
    if (!stop_) {
      LogEvent("report_cache_listener", {{"level", "warning"}, {"error", e.what()}});
    }
  }
}

}  // namespace sixsteps::reporting
