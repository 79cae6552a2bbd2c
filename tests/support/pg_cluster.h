// A private PostgreSQL 15 cluster for tests: initdb into a fresh temporary folder, listen
// on 127.0.0.1 at a free port, fsync off, removed at the end. scripts/lib/pg-cluster does the
// initdb and pg_ctl, as for scripts/hub (the server runs as the `postgres` user when the
// tests run as root: PostgreSQL refuses to run as root).
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace sixsteps::testing {

class PgCluster {
 public:
  // initdb and start. Takes a couple of seconds.
  static absl::StatusOr<std::unique_ptr<PgCluster>> Start();
  ~PgCluster();

  // Creates an empty database "test_<name>_<n>" (n counts up within the process) and
  // returns a libpq connection string for it.
  absl::StatusOr<std::string> CreateDatabase(absl::string_view name);
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
  std::string dir_;
  int port_;
  bool running_ = false;
};

// One cluster shared by every test of the process, started on first use and stopped at
// exit. Aborts the test binary with a clear message if PostgreSQL cannot be started.
PgCluster& SharedPgCluster();

}  // namespace sixsteps::testing
