// A private PostgreSQL 15 cluster for tests: initdb into a fresh temporary folder, listen
// on 127.0.0.1 at a free port, fsync off, removed at the end. scripts/lib/pg-cluster does the
// initdb and pg_ctl, as for scripts/hub (the server runs as the `postgres` user when the
// tests run as root: PostgreSQL refuses to run as root).
//
// Under ctest one cluster serves a whole run: the fixture test `shared_pg_cluster_start`
// starts it (shared_pg_cluster_main.cc) and names it in a state file that the environment
// variable SIXSTEPS_TEST_PG points at; every test process then uses it through
// SharedPgCluster() instead of running initdb itself.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/common/db.h"

namespace sixsteps::testing {

class PgCluster {
 public:
  // initdb and start. Takes a couple of seconds.
  static absl::StatusOr<std::unique_ptr<PgCluster>> Start();
  ~PgCluster();

  // A cluster another process started, in `dir` listening on `port`. When `owned`, the
  // destructor stops it and removes its folder, as for a cluster Start() started.
  static std::unique_ptr<PgCluster> Attach(std::string dir, int port, bool owned);
  // The cluster named by a state file that WriteState() wrote.
  static absl::StatusOr<std::unique_ptr<PgCluster>> AttachFromState(const std::string& state_file,
                                                                    bool owned);
  // Writes "<directory> <port>" to `state_file`, for AttachFromState().
  absl::Status WriteState(const std::string& state_file) const;
  // Leaves the cluster running and its folder in place when this object is destroyed.
  void Detach() { owned_ = false; }

  // Creates an empty database "test_<name>_<pid>_<n>" (n counts up within the process, the
  // pid keeps processes sharing a cluster apart) and returns a libpq connection string for
  // it. On a cluster it does not own, the destructor drops the databases it created.
  absl::StatusOr<std::string> CreateDatabase(absl::string_view name);
  // The same, with `migrations` applied: a copy of a template database that the first caller
  // on the cluster migrates ("tmpl_<service>_<hash of the migrations>", under an advisory
  // lock, so that concurrent test processes migrate it once). Copying a migrated database
  // costs what creating an empty one does; migrating each one cost as much again, for every
  // database of every test hub.
  absl::StatusOr<std::string> CreateMigratedDatabase(absl::string_view name,
                                                     absl::string_view service,
                                                     const std::vector<db::Migration>& migrations);
  // Connection string for an existing database of this cluster.
  std::string ConnectionString(absl::string_view database) const;

  // Stops the server (fast shutdown: open connections are cut), keeping the data.
  absl::Status Stop();
  // Starts it again on the same port with the same data.
  absl::Status Restart();

  int port() const { return port_; }
  const std::string& directory() const { return dir_; }

 private:
  PgCluster(std::string dir, int port) : dir_(std::move(dir)), port_(port) {}
  // scripts/lib/pg-cluster with `args`, its output appended to the folder's pg-cluster.log.
  absl::Status RunPgCluster(absl::string_view args);
  void DropCreatedDatabases();
  // CREATE DATABASE `database` [TEMPLATE `from`]; remembered for DropCreatedDatabases.
  absl::StatusOr<std::string> CreateDatabaseFrom(const std::string& database,
                                                 const std::string& from);
  // The migrated template of CreateMigratedDatabase, made if the cluster has none yet.
  absl::StatusOr<std::string> EnsureTemplate(absl::string_view service,
                                             const std::vector<db::Migration>& migrations);
  std::string dir_;
  int port_;
  bool running_ = false;
  bool owned_ = true;
  std::vector<std::string> created_;
};

// One cluster shared by every test of the process: the one SIXSTEPS_TEST_PG names if set
// (never stopped here), else one started on first use and stopped at exit. Aborts the test
// binary with a clear message if PostgreSQL cannot be started or reached.
PgCluster& SharedPgCluster();

}  // namespace sixsteps::testing
