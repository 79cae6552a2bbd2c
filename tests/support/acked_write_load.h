// An acknowledged-write load on the assessment service, for fault tests (issue 19): writer
// threads write responses (one at a time and in batches), actions (with request ids) and
// consolidations, each on a channel of its own, and log every write the service
// acknowledged. Whatever happens to the services meanwhile (a SIGKILL, PostgreSQL killed, a
// full disk), Verify() then checks against the log:
//  - every acknowledged write is present: a response, batch or consolidation written later
//    than the acknowledged one, or the acknowledged one itself (each write carries a marker
//    of its attempt number in its text); an acknowledged action exactly once;
//  - a write that was not acknowledged is absent or complete, never half: a batch's
//    responses all carry one attempt's marker;
//  - retrying an action with the same request id returns the first result (acknowledged)
//    or completes it once (not acknowledged).
// Writers keep etags like a real client: after a failure they read the current ones again.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/time.h"

namespace sixsteps::testing {

// What the load writes to, made by the test beforehand.
struct AckedWriteTargets {
  std::string assessment_target;  // host:port of the assessment service (ActionService too)
  // An open round: responses, batches and actions.
  std::string round;
  std::string batch_respondent;   // "assessments/…/respondents/…": answers all 24 at once
  std::string batch_token;        // its respondent's access token
  std::string single_respondent;  // answers one question per write
  std::string single_token;
  std::string admin_token;         // plans actions; reviews the review round
  std::string owner_organisation;  // of the actions
  // A round submitted for review (self-assessment: the partnership administrator reviews).
  std::string review_round;
};

// Counts, for the figures of docs/reliability.md.
struct AckedWriteFigures {
  int64_t attempted = 0;
  int64_t acknowledged = 0;
  // Acknowledged writes whose effect (or a later write's) was found; must equal acknowledged.
  int64_t acknowledged_found = 0;
  // Writes not acknowledged that had happened (found complete) / had not (absent).
  int64_t unacknowledged_complete = 0;
  int64_t unacknowledged_absent = 0;
  // Failed attempts by status code name, and the first message of each writer and code.
  std::map<std::string, int64_t> failures;
  std::map<std::string, std::string> first_failures;
  // Acknowledged writes by writer: "batches", "responses", "actions", "consolidations".
  std::map<std::string, int64_t> acknowledged_by_writer;
};

class AckedWriteLoad {
 public:
  AckedWriteLoad(AckedWriteTargets targets, uint64_t seed);
  ~AckedWriteLoad();
  AckedWriteLoad(const AckedWriteLoad&) = delete;
  AckedWriteLoad& operator=(const AckedWriteLoad&) = delete;

  // Starts the four writers.
  void Start();
  // Stops them after their call in progress (each call has a 5 s deadline).
  void Stop();

  int64_t acknowledged() const { return acknowledged_.load(); }
  // Waits until at least `count` writes in all have been acknowledged, or `patience` passed.
  bool AwaitAcknowledged(int64_t count, absl::Duration patience) const;
  // The failed attempts so far, by status code name.
  std::map<std::string, int64_t> Failures() const;

  // After Stop(), with the service up: the checks above; one line per problem found (none
  // when all holds). Retries the unacknowledged actions, so call it once.
  std::vector<std::string> Verify(AckedWriteFigures* figures);

 private:
  struct Writer;
  void RunBatches(Writer& writer);
  void RunSingles(Writer& writer);
  void RunActions(Writer& writer);
  void RunConsolidations(Writer& writer);
  void Failed(const Writer& writer, int code, const std::string& message);

  AckedWriteTargets targets_;
  uint64_t seed_;
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> attempted_{0};
  std::atomic<int64_t> acknowledged_{0};
  mutable std::mutex mu_;
  std::map<std::string, int64_t> failures_;
  std::map<std::string, std::string> first_failures_;
  std::vector<std::unique_ptr<Writer>> writers_;
  std::vector<std::thread> threads_;
};

}  // namespace sixsteps::testing
