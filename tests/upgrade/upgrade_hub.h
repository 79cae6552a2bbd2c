// The hub of the rolling-upgrade test (issue 20): identity, framework, assessment and
// reporting as real service processes, each on its own database in the test cluster,
// started from one build (the previous release's, built from `git archive` of its tag by
// tests/upgrade/build_previous_release.sh) and then replaced one at a time by another build's
// programs (the current one), the way an operator upgrades compose or Kubernetes: SIGTERM to
// the old process, the new one started on the same port and database, migrating it first.
//
// Nothing here is the current build's code running in-process: the databases are made by the
// old programs' own migrations and the world is written through their RPCs, so the new
// programs meet exactly what the previous release left behind.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "tests/support/acked_write_load.h"
#include "tests/support/child_process.h"

namespace sixsteps::testing {

// The service programs of one build tree: <build_dir>/services/<service>/sixsteps-<service>.
struct Release {
  std::string name;  // "v0.2.0", "current": for messages
  std::filesystem::path build_dir;

  std::string Program(const std::string& service) const;
};

// A ServiceProcess whose pid is known, so that it can be stopped as a container is: SIGTERM,
// then its shutdown grace. (ServiceProcess keeps its pid to itself and only SIGKILLs; the
// program runs through `/bin/sh -c 'echo $$ >PIDFILE; exec PROGRAM ...'`, the same pid.)
class GracefulProcess {
 public:
  static absl::StatusOr<std::unique_ptr<GracefulProcess>> Start(std::vector<std::string> args,
                                                                std::vector<std::string> env,
                                                                const std::string& log_name);

  // SIGTERM, then waits up to `patience` for the process to exit. Returns its exit status
  // (0: it shut down cleanly); DEADLINE_EXCEEDED if it is still running. The process is
  // reaped when this object is destroyed.
  absl::StatusOr<int> Terminate(absl::Duration patience);

  const std::string& target() const { return process_->target(); }
  std::string LogTail() const { return process_->LogTail(); }

 private:
  GracefulProcess(std::unique_ptr<ServiceProcess> process, pid_t pid)
      : process_(std::move(process)), pid_(pid) {}
  std::unique_ptr<ServiceProcess> process_;
  pid_t pid_;
};

class UpgradeHub {
 public:
  // The documented upgrade order (docs/operations.md, "Upgrade"): identity first, the others
  // verify its tokens and call it. The same order starts a hub.
  static constexpr const char* kServices[] = {"identity", "framework", "assessment", "reporting"};

  // Creates empty databases "test_<name>_<service>_…", bootstraps the administrator with
  // `release`'s identity program, starts its four services and writes the world of the load
  // (as MakeFaultWorld does for the fault tests) through their RPCs.
  static absl::StatusOr<std::unique_ptr<UpgradeHub>> Start(const std::string& name,
                                                           const Release& release);
  ~UpgradeHub();

  // How a service's process gives way to the new program's, on the same port and database.
  enum class Rollout {
    // Stop, then start (compose's `up -d --no-deps`): SIGTERM to the old process (its calls
    // get the 2 s shutdown grace; INTERNAL if it does not exit cleanly), then the new one.
    kRecreate,
    // Start, then stop (Kubernetes' maxSurge: 1): the new process binds the same port beside
    // the old one (gRPC servers set SO_REUSEPORT), migrates the database while the old one
    // still serves, and only once it serves is the old one sent SIGTERM. Clients' open
    // connections stay with the old one until its shutdown sends them away.
    kSurge,
  };
  // Replaces `service`'s process by `release`'s program. Returns once the new one serves,
  // its migrations applied, and the old one has exited.
  absl::Status Replace(const std::string& service, const Release& release, Rollout rollout);

  // The notification service (new since v0.2.0), started as docs/operations.md says an
  // operator does once the others run `release`: its own empty database (its migrations run as
  // it starts), its account (a notifier on '*') and API key made through identity, the
  // deployment's key-encryption secret as its secret.
  absl::Status StartNotification(const Release& release);
  // While the load goes on: the partnership administrator opens a new round and adds a
  // respondent; the notification service must follow the feed to that change and keep a
  // "respondent_assigned" notice for the respondent's user, which the administrator lists.
  absl::Status ExpectRespondentNotice(absl::Duration patience);
  // SIGTERM to `service` (as a rollback to a release without it does); INTERNAL if it does not
  // exit cleanly.
  absl::Status Stop(const std::string& service);

  const AckedWriteTargets& targets() const { return targets_; }
  // The deployment administrator's token (12 h: the old identity issued it, the new one must
  // keep accepting it).
  const std::string& admin_token() const { return admin_token_; }
  const std::string& target(const std::string& service) const {
    return processes_.at(service)->target();
  }

  // The newest migration recorded in `service`'s database (schema_migrations).
  absl::StatusOr<int> SchemaVersion(const std::string& service) const;

  // The feed as the administrator reads it (ListChanges): sequences 1..head, each once.
  // Returns the head.
  absl::StatusOr<int64_t> CheckFeed() const;

  // The reports of both rounds and the partnership's action tracker from the reporting
  // service that lived through the upgrade (and the rollback, if any), at the feed's `head`,
  // equal those of a new reporting process of `release` that read the whole feed into an
  // empty database.
  absl::Status CheckReadModel(int64_t head, const Release& release);

 private:
  UpgradeHub() = default;
  absl::Status Bootstrap(const Release& release);
  absl::Status MakeWorld();
  absl::StatusOr<std::unique_ptr<GracefulProcess>> StartService(const std::string& service,
                                                                const Release& release,
                                                                const std::string& listen,
                                                                const std::string& database_url);

  std::map<std::string, std::string> database_urls_;
  std::map<std::string, std::unique_ptr<GracefulProcess>> processes_;
  AckedWriteTargets targets_;
  std::string admin_token_;
  std::string reporting_api_key_;
  std::string name_;  // of the databases
  std::string notification_api_key_;
  int notified_rounds_ = 0;
  int starts_ = 0;
};

}  // namespace sixsteps::testing
