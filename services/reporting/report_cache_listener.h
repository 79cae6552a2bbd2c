// Keeps a replica's ReportCache in step with the read model: a thread LISTENs on its own
// connection to the read model's database for what the consumer's transactions NOTIFY
// (report_cache.h), and tells the cache; while it is not connected, the cache serves
// nothing from memory alone. Between notifications (at least every 200 ms) it drops the
// entries unused for the cache's idle time.
#pragma once

#include <atomic>
#include <string>
#include <thread>

#include "absl/time/time.h"
#include "services/reporting/report_cache.h"

namespace sixsteps::reporting {

class CacheListener {
 public:
  CacheListener(std::string database_url, ReportCache* cache,
                absl::Duration retry = absl::Milliseconds(500))
      : database_url_(std::move(database_url)), cache_(cache), retry_(retry) {}
  ~CacheListener() { Stop(); }

  void Start();
  void Stop();
  // Connections made so far (1 once it first listens; more after reconnections).
  int connections() const { return connections_; }

 private:
  void Run();
  // Listens until Stop() or a broken connection (logged).
  void ListenOnce();

  const std::string database_url_;
  ReportCache* const cache_;
  const absl::Duration retry_;
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0};
  std::thread thread_;
};

}  // namespace sixsteps::reporting
