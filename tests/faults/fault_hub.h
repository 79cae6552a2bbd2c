// The hub of the crash tests (issue 19): a TestHub in this process makes the world (a
// partnership, its users, an open round and a round in review) and then identity,
// framework, assessment and reporting run as real service processes on its databases, so
// that a test can SIGKILL any of them, or the PostgreSQL cluster under them, while an
// AckedWriteLoad writes. After the faults, CheckFeed and CheckReadModel hold the hub to what
// it promises: the feed without gaps, the reporting read model the same as one rebuilt
// from the feed from scratch.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "tests/support/acked_write_load.h"
#include "tests/support/child_process.h"
#include "tests/support/pg_cluster.h"
#include "tests/support/test_hub.h"

namespace sixsteps::testing {

// The world of the fault tests on `hub`: partnership "fault-p" with a council and health,
// their respondents, its administrator, an open round (the council answers in batches, health
// one question at a time) and a round submitted for review. Targets the in-process
// assessment server.
absl::StatusOr<AckedWriteTargets> MakeFaultWorld(TestHub& hub);

// Stops and verifies `load` (AckedWriteLoad::Verify), prints its figures after `title`, and
// expects: no problem found, every acknowledged write found, every writer acknowledged some
// writes, and every failed attempt failed with one of `allowed` (status code names).
void ExpectLoadHeld(AckedWriteLoad& load, const std::string& title,
                    const std::vector<std::string>& allowed);

// The test clusters run with synchronous_commit off (tests/support/pg_cluster.cc: fast, and
// no test of theirs crashes PostgreSQL); a commit is then acknowledged before its WAL is
// written, and a crash loses the last ones (postgres_kill_test saw it). The hub's
// deployments keep it on (scripts/hub, deploy/): this turns it on for `cluster`, for good
// (ALTER SYSTEM, which later starts keep).
absl::Status DurableCommits(const PgCluster& cluster);

// The seed of a run's random order and moments: $SIXSTEPS_FAULT_SEED if it is a number, else
// the clock. Printed, so that a failed run can be repeated with SIXSTEPS_FAULT_SEED=<n>.
uint64_t FaultSeed();

class FaultHub {
 public:
  // The services a test may kill, in start order (each depends on the ones before).
  static constexpr const char* kServices[] = {"identity", "framework", "assessment", "reporting"};

  static absl::StatusOr<std::unique_ptr<FaultHub>> Start(const std::string& name);
  ~FaultHub();

  // What the load writes to.
  const AckedWriteTargets& targets() const { return targets_; }
  const std::string& admin_token() const { return hub_->admin_token(); }
  TestHub& hub() { return *hub_; }

  // SIGKILLs the service's process and starts it again on the same port and database.
  absl::Status KillAndRestart(const std::string& service);
  const std::string& target(const std::string& service) const {
    return processes_.at(service)->target();
  }

  // One read of the assessment service: the open round, as its administrator.
  grpc::Status ReadRound() const;

  // The feed as the administrator reads it: sequences 1..head, each once, none missing.
  // Returns the head.
  absl::StatusOr<int64_t> CheckFeed() const;
  // The reporting service's reports of both rounds and the partnership's action tracker, at
  // the feed's head, equal those of a new reporting process that read the feed from the
  // start into an empty database.
  absl::Status CheckReadModel(int64_t head);

 private:
  FaultHub() = default;
  absl::StatusOr<std::unique_ptr<ServiceProcess>> StartService(const std::string& service,
                                                               const std::string& listen,
                                                               const std::string& database_url);

  std::unique_ptr<TestHub> hub_;
  AckedWriteTargets targets_;
  std::map<std::string, std::string> database_urls_;
  std::map<std::string, std::unique_ptr<ServiceProcess>> processes_;
  int restarts_ = 0;
};

}  // namespace sixsteps::testing
