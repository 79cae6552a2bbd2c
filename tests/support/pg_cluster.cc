#include "tests/support/pg_cluster.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>

#include <libpq-fe.h>

#include <pqxx/pqxx>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "services/base/status_macros.h"
#include "tests/support/paths.h"

namespace sixsteps::testing {
namespace {

// The one script that runs initdb and pg_ctl for the hub and every test (as the postgres user
// when the tests run as root): the C++ tests call it rather than keep a copy of what it does.
std::string PgClusterScript() { return (SourceDir() / "scripts/lib/pg-cluster").string(); }

// Asks the kernel for a free port on loopback. Another process could take it before the
// server binds it; on this single-user test machine that race is acceptable.
int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

absl::Status Run(const std::string& command) {
  int rc = std::system(command.c_str());
  if (rc != 0) {
    return absl::InternalError(absl::StrCat("command failed (", rc, "): ", command));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<PgCluster>> PgCluster::Start() {
  // /tmp is reachable by the postgres user wherever the checkout lives.
  char tmpl[] = "/tmp/sixsteps-test-pg-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) return absl::InternalError("mkdtemp failed");
  std::unique_ptr<PgCluster> cluster(new PgCluster(tmpl, FreePort()));
  absl::Status init =
      Run(absl::StrCat(PgClusterScript(), " init ", cluster->dir_,
                       "/data --auth trust --no-sync > ", cluster->dir_, "/pg-cluster.log 2>&1"));
  if (!init.ok()) return init;
  absl::Status started = cluster->Restart();
  if (!started.ok()) return started;
  return cluster;
}

std::unique_ptr<PgCluster> PgCluster::Attach(std::string dir, int port, bool owned) {
  std::unique_ptr<PgCluster> cluster(new PgCluster(std::move(dir), port));
  cluster->running_ = true;
  cluster->owned_ = owned;
  return cluster;
}

absl::StatusOr<std::unique_ptr<PgCluster>> PgCluster::AttachFromState(const std::string& state_file,
                                                                      bool owned) {
  std::ifstream in(state_file);
  std::string dir;
  int port = 0;
  if (!(in >> dir >> port) || port <= 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("no running test cluster named in ", state_file));
  }
  return Attach(std::move(dir), port, owned);
}

absl::Status PgCluster::WriteState(const std::string& state_file) const {
  std::ofstream out(state_file, std::ios::trunc);
  out << dir_ << " " << port_ << "\n";
  out.close();
  if (!out) return absl::InternalError(absl::StrCat("cannot write ", state_file));
  return absl::OkStatus();
}

PgCluster::~PgCluster() {
  if (!owned_) {
    DropCreatedDatabases();
    return;
  }
  if (running_) Stop().IgnoreError();
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

absl::Status PgCluster::RunPgCluster(absl::string_view args) {
  return Run(absl::StrCat(PgClusterScript(), " ", args, " >> ", dir_, "/pg-cluster.log 2>&1"));
}

absl::Status PgCluster::Stop() {
  absl::Status status = RunPgCluster(absl::StrCat("stop ", dir_, "/data fast"));
  if (status.ok()) running_ = false;
  return status;
}

absl::Status PgCluster::Restart() {
  absl::Status status = RunPgCluster(absl::StrCat(
      "start ", dir_, "/data ", dir_, "/server.log listen_addresses=127.0.0.1 port=", port_,
      " unix_socket_directories=", dir_,
      " fsync=off synchronous_commit=off full_page_writes=off max_connections=300"));
  if (status.ok()) running_ = true;
  return status;
}

std::string PgCluster::ConnectionString(absl::string_view database) const {
  return absl::StrCat("host=127.0.0.1 port=", port_, " user=postgres dbname=", database,
                      " connect_timeout=5");
}

namespace {

// "test_<name>_<pid>_<n>": n counts up within the process, the pid keeps processes apart.
std::string NewDatabaseName(absl::string_view name) {
  static std::atomic<int> counter{0};
  return absl::StrCat("test_", name, "_", getpid(), "_", counter.fetch_add(1));
}

}  // namespace

absl::StatusOr<std::string> PgCluster::CreateDatabase(absl::string_view name) {
  return CreateDatabaseFrom(NewDatabaseName(name), "");
}

absl::StatusOr<std::string> PgCluster::CreateMigratedDatabase(
    absl::string_view name, absl::string_view service,
    const std::vector<db::Migration>& migrations) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string from, EnsureTemplate(service, migrations));
  return CreateDatabaseFrom(NewDatabaseName(name), from);
}

absl::StatusOr<std::string> PgCluster::CreateDatabaseFrom(const std::string& database,
                                                          const std::string& from) {
  static std::mutex created_mutex;
  try {
    pqxx::connection conn(ConnectionString("postgres"));
    pqxx::nontransaction txn(conn);
    txn.exec(absl::StrCat("DROP DATABASE IF EXISTS ", txn.quote_name(database)));
    // (PostgreSQL 15's default WAL_LOG copy: FILE_COPY measured no faster with three
    // processes creating databases at once, and it checkpoints the whole cluster each time.)
    txn.exec(absl::StrCat("CREATE DATABASE ", txn.quote_name(database),
                          from.empty() ? "" : absl::StrCat(" TEMPLATE ", txn.quote_name(from))));
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("cannot create database ", database, ": ", e.what()));
  }
  std::lock_guard<std::mutex> lock(created_mutex);
  created_.push_back(database);
  return ConnectionString(database);
}

absl::StatusOr<std::string> PgCluster::EnsureTemplate(
    absl::string_view service, const std::vector<db::Migration>& migrations) {
  // Named by its migrations' text, so that a changed migration (in a long-lived cluster)
  // gets a template of its own.
  std::string text;
  for (const db::Migration& migration : migrations) {
    absl::StrAppend(&text, migration.version, "\n", migration.name, "\n", migration.sql, "\n");
  }
  const std::string name =
      absl::StrCat("tmpl_", service, "_", absl::Hex(std::hash<std::string>()(text)));
  try {
    pqxx::connection conn(ConnectionString("postgres"));
    pqxx::nontransaction txn(conn);
    // Held until this connection closes: the other processes wait here for the first one.
    txn.exec_params("SELECT pg_advisory_lock(hashtext($1))", name);
    if (!txn.exec_params("SELECT 1 FROM pg_database WHERE datname = $1", name).empty()) {
      return name;
    }
    // Migrated under another name and renamed once complete: a template is never seen
    // half-migrated, even if this process dies on the way.
    const std::string building = absl::StrCat(name, "_", getpid());
    txn.exec(absl::StrCat("DROP DATABASE IF EXISTS ", txn.quote_name(building)));
    txn.exec(absl::StrCat("CREATE DATABASE ", txn.quote_name(building)));
    SIXSTEPS_RETURN_IF_ERROR(db::ApplyMigrations(ConnectionString(building), migrations));
    txn.exec(absl::StrCat("ALTER DATABASE ", txn.quote_name(building), " RENAME TO ",
                          txn.quote_name(name)));
    return name;
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("cannot make the template ", name, ": ", e.what()));
  }
}

// A shared cluster outlives the process: its databases would pile up over a run. This runs
// at exit, after libpqxx's own statics may be gone, so it speaks libpq directly.
void PgCluster::DropCreatedDatabases() {
  if (created_.empty()) return;
  PGconn* conn = PQconnectdb(ConnectionString("postgres").c_str());
  if (PQstatus(conn) == CONNECTION_OK) {
    for (const std::string& database : created_) {
      char* quoted = PQescapeIdentifier(conn, database.c_str(), database.size());
      if (quoted == nullptr) continue;
      PQclear(
          PQexec(conn, absl::StrCat("DROP DATABASE IF EXISTS ", quoted, " WITH (FORCE)").c_str()));
      PQfreemem(quoted);
    }
  } else {
    std::fprintf(stderr, "cannot drop the test databases: %s\n", PQerrorMessage(conn));
  }
  PQfinish(conn);
  created_.clear();
}

PgCluster& SharedPgCluster() {
  static PgCluster* cluster = [] {
    const char* state_file = std::getenv("SIXSTEPS_TEST_PG");
    auto started = state_file != nullptr && *state_file != '\0'
                       ? PgCluster::AttachFromState(state_file, /*owned=*/false)
                       : PgCluster::Start();
    if (!started.ok()) {
      std::fprintf(stderr, "cannot start a test PostgreSQL cluster: %s\n",
                   std::string(started.status().message()).c_str());
      std::abort();
    }
    PgCluster* raw = started->release();
    std::atexit([] { delete cluster; });
    return raw;
  }();
  return *cluster;
}

}  // namespace sixsteps::testing
