// The read side of the rolling-upgrade test's load (issue 20), beside AckedWriteLoad's
// writes: a dashboard reading a report again and again, and an integrator following the
// change feed with one WatchChanges stream that it resumes from its cursor whenever the
// stream ends. Each runs on a thread of its own and channel of its own, and logs what
// happened for the test to check afterwards.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>

#include "absl/time/time.h"

namespace sixsteps::testing {

// A channel that dials a restarted server again within half a second (gRPC's own backoff
// grows to two minutes), not shared with any other channel.
std::shared_ptr<grpc::Channel> RedialingChannel(const std::string& target);

// Counts of a reader's calls.
struct ReadFigures {
  int64_t succeeded = 0;
  // Failed calls by status code name, and the first message of each code.
  std::map<std::string, int64_t> failures;
  std::map<std::string, std::string> first_failures;
};

// Reads the assessment report of `round` from the reporting service at `target` as `token`,
// a call every 20 ms (5 s deadline); after a failure, again at once after 50 ms.
class ReportReader {
 public:
  ReportReader(std::string target, std::string token, std::string round);
  ~ReportReader();

  void Start();
  // After its call in progress, and after the retries of a failed one until one succeeds
  // (for at most a minute).
  void Stop();

  int64_t succeeded() const { return succeeded_.load(); }
  // Whether the last call failed: after Stop(), a failure that no retry made good.
  bool failing() const { return failing_.load(); }
  bool AwaitSucceeded(int64_t count, absl::Duration patience) const;
  ReadFigures Figures() const;

 private:
  void Run();

  std::string target_, token_, round_;
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> succeeded_{0};
  std::atomic<bool> failing_{false};
  mutable std::mutex mu_;
  ReadFigures figures_;
  std::thread thread_;
};

// Follows the whole change feed of the assessment service at `target` as `token` (a hub
// administrator: every change, sequences 1, 2, 3…) with one WatchChanges stream. When the
// stream ends (its server stops: UNAVAILABLE), it opens another after its cursor, the last
// sequence received, after 100 ms. Every change received must be the cursor's next one: a
// jump is a gap, a repeat a duplicate; both are logged as problems.
class FeedWatcher {
 public:
  FeedWatcher(std::string target, std::string token);
  ~FeedWatcher();

  void Start();
  // Cancels the stream open now.
  void Stop();

  int64_t cursor() const { return cursor_.load(); }
  bool AwaitCursor(int64_t sequence, absl::Duration patience) const;
  // Streams opened; how each that ended did (by status code name: OK if the server ended
  // it without an error).
  int64_t streams() const { return streams_.load(); }
  ReadFigures Endings() const;
  std::vector<std::string> Problems() const;

 private:
  void Run();

  std::string target_, token_;
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> cursor_{0};
  std::atomic<int64_t> streams_{0};
  mutable std::mutex mu_;
  grpc::ClientContext* open_ = nullptr;  // the stream to cancel on Stop()
  ReadFigures endings_;
  std::vector<std::string> problems_;
  std::thread thread_;
};

}  // namespace sixsteps::testing
