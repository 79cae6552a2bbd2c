// PostgreSQL access shared by the services' stores: a bounded connection pool that
// survives database restarts, transactions with libpqxx errors turned into absl::Status,
// and versioned migrations applied under an advisory lock.
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <pqxx/pqxx>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/common/metrics.h"

namespace sixsteps::db {

// A transaction begun for a call with a deadline (call_deadline.h: every SIXSTEPS_RPC
// handler) cannot outlive the call (issue 19): the pool waits for a connection no longer
// than the call's deadline, begins nothing once it has passed, and runs the transaction's
// statements under a `statement_timeout` no longer than the time left, so PostgreSQL
// cancels a statement still running at the deadline; the call gets DEADLINE_EXCEEDED and
// the transaction, rolled back, writes nothing. The timeout is the connection's session
// setting, kept while it fits the next call (StatementTimeoutToSet), so that calls with
// similar deadlines pay no statement for it (issue 18: it was a round trip per transaction).
// Work for no call runs with the server's default (none).
inline constexpr absl::Duration kMinStatementTimeout = absl::Milliseconds(5);  // never 0 (none)
inline constexpr absl::Duration kMaxStatementTimeout = absl::Minutes(15);

// The statement_timeout a transaction needs, given the connection's session value now
// (`current`; nullopt: the server's default) and the time its call has left (`call_left`;
// nullopt: no call, or a call without a deadline). Returns nullopt when `current` will do:
// the same "none", or a value no longer than the time left (bounded to kMin…kMax) and at
// least 90% of it. Otherwise the value to set: nullopt for the server's default, else 95%
// of the bounded time left (the whole of it at either bound), so that the next calls of
// the same deadline, with a little less time left each, keep it.
std::optional<std::optional<absl::Duration>> StatementTimeoutToSet(
    std::optional<absl::Duration> current, std::optional<absl::Duration> call_left);

// A bounded pool of connections to one database. Connections are opened lazily; one that
// breaks (the server restarted, the network dropped) is thrown away, together with every
// idle one, and later calls open fresh ones. While the database is down calls fail fast
// with UNAVAILABLE; when it is back they succeed again without a restart of the service.
// Each pool reports db_pool_{open,in_use,max}_connections{database="<dbname>"} in
// metrics::DefaultRegistry() while it exists.
class ConnectionPool {
 public:
  ConnectionPool(std::string connection_string, int max_connections,
                 absl::Duration acquire_timeout = absl::Seconds(5));
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  // Runs `work` in a read-committed transaction and commits it when `work` returns OK;
  // any other status, or an exception, rolls it back and changes nothing. A transaction
  // that failed because the connection broke before commit, or on a serialisation
  // failure or deadlock, is run again (so `work` must only touch the database). Bounded by
  // the deadline of the call the thread serves, if any (above).
  absl::Status InTransaction(const std::function<absl::Status(pqxx::work&)>& work);

  // Runs `work` in a read-only repeatable-read transaction: all its statements see one
  // snapshot of the database. Retried like InTransaction when the connection broke.
  using ReadTransaction = pqxx::transaction<pqxx::repeatable_read, pqxx::read_only>;
  absl::Status InReadTransaction(const std::function<absl::Status(ReadTransaction&)>& work);

  // Connections open now (idle and in use), for metrics and tests.
  int open_connections() const;
  // Connections lent to a transaction now.
  int in_use_connections() const;
  int max_connections() const { return max_connections_; }

 private:
  // A connection with the statement_timeout its session has now (nullopt: the server's).
  struct Pooled {
    std::unique_ptr<pqxx::connection> conn;
    std::optional<absl::Duration> statement_timeout;
  };
  absl::Status Acquire(Pooled* out);
  // Runs `attempt` on a leased connection; again, up to three times in all, when the
  // connection broke before commit or on a serialisation failure or deadlock.
  absl::Status WithRetries(const std::function<absl::Status(pqxx::connection&)>& attempt);
  void Release(Pooled pooled, bool broken);

  const std::string connection_string_;
  const int max_connections_;
  const absl::Duration acquire_timeout_;
  mutable std::mutex mu_;
  std::condition_variable released_;
  std::vector<Pooled> idle_ ABSL_GUARDED_BY(mu_);
  int open_ ABSL_GUARDED_BY(mu_) = 0;
  // Last: unregistered first, before what it reads is destroyed.
  metrics::Registration metrics_;
};

// Turns an exception thrown by libpqxx into a status: unique violation → ALREADY_EXISTS,
// check and foreign-key violations → FAILED_PRECONDITION, serialisation failure and
// deadlock → ABORTED, lost connection or server shutting down → UNAVAILABLE.
absl::Status StatusFromException(const std::exception& e);

// True when the exception means the connection can no longer be used.
bool IsConnectionLost(const std::exception& e);

// A PostgreSQL array literal of `values`, to pass as one parameter: "= ANY($1::text[])".
std::string TextArray(const std::vector<std::string>& values);

// One versioned migration: V{version}__{name}.sql.
struct Migration {
  int version;
  std::string name;
  std::string sql;
};

// Applies, in order, every migration not yet recorded in schema_migrations, each in its
// own transaction, while holding an advisory lock so replicas starting together apply
// each one once. Refuses to start if an applied migration's text has changed.
absl::Status ApplyMigrations(const std::string& connection_string,
                             const std::vector<Migration>& migrations);

// Runs `sql` as a prepared statement of the transaction's connection, so the server parses
// and plans it once per connection instead of on every call (libpqxx prepares it again
// after a reconnect). For hot statements whose best plan does not depend on the values of
// their parameters; a statement's name is derived from its text.
std::string PreparedName(absl::string_view sql);

template <typename... Args>
pqxx::result ExecPrepared(pqxx::transaction_base& txn, const char* sql, Args&&... args) {
  const std::string name = PreparedName(sql);
  txn.conn().prepare(name, sql);
  return txn.exec_prepared(name, std::forward<Args>(args)...);
}

}  // namespace sixsteps::db
