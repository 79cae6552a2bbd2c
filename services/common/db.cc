#include "services/common/db.h"

#include <algorithm>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <libpq-fe.h>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/common/call_deadline.h"
#include "services/common/log.h"

namespace sixsteps::db {
namespace {

// The database a connection string names (URI or key=value), for the metrics' label;
// never anything else of it (no host, no password).
std::string DatabaseName(const std::string& connection_string) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(connection_string.c_str(), &error);
  if (error != nullptr) PQfreemem(error);
  if (options == nullptr) return "";
  std::string name;
  for (PQconninfoOption* option = options; option->keyword != nullptr; ++option) {
    if (std::string_view(option->keyword) == "dbname" && option->val != nullptr) {
      name = option->val;
    }
  }
  PQconninfoFree(options);
  return name;
}

}  // namespace

ConnectionPool::ConnectionPool(std::string connection_string, int max_connections,
                               absl::Duration acquire_timeout)
    : connection_string_(std::move(connection_string)),
      max_connections_(max_connections),
      acquire_timeout_(acquire_timeout) {
  metrics_ = metrics::DefaultRegistry().AddCollector(
      [this, database = DatabaseName(connection_string_)](metrics::GaugeSink& sink) {
        metrics::Labels labels = {{"database", database}};
        int open = 0;
        int in_use = 0;
        {
          std::lock_guard<std::mutex> lock(mu_);
          open = open_;
          in_use = open_ - static_cast<int>(idle_.size());
        }
        sink.Set("db_pool_open_connections",
                 "Database connections open now, idle and in use (or being opened).", labels, open);
        sink.Set("db_pool_in_use_connections",
                 "Database connections lent to a transaction (or being opened) now.", labels,
                 in_use);
        sink.Set("db_pool_max_connections", "Most database connections the pool opens.", labels,
                 max_connections_);
      });
}

int ConnectionPool::open_connections() const {
  std::lock_guard<std::mutex> lock(mu_);
  return open_;
}

int ConnectionPool::in_use_connections() const {
  std::lock_guard<std::mutex> lock(mu_);
  return open_ - static_cast<int>(idle_.size());
}

absl::Status ConnectionPool::Acquire(Pooled* out) {
  {
    std::unique_lock<std::mutex> lock(mu_);
    // A call waits for a connection no longer than its deadline (issue 19).
    const absl::Duration call_left = CallDeadlineScope::Current() - absl::Now();
    const bool call_ends_first = call_left < acquire_timeout_;
    auto deadline = std::chrono::steady_clock::now() +
                    absl::ToChronoMilliseconds(std::max(
                        absl::ZeroDuration(), call_ends_first ? call_left : acquire_timeout_));
    while (idle_.empty() && open_ >= max_connections_) {
      if (released_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() &&
          open_ >= max_connections_) {
        if (call_ends_first) {
          return absl::DeadlineExceededError(
              "the call's deadline passed while it waited for a database connection");
        }
        return absl::UnavailableError("all database connections are busy; try again");
      }
    }
    if (!idle_.empty()) {
      *out = std::move(idle_.back());
      idle_.pop_back();
      return absl::OkStatus();
    }
    ++open_;  // Reserve a slot, then connect without holding the lock.
  }
  try {
    *out = Pooled{std::make_unique<pqxx::connection>(connection_string_), std::nullopt};
    return absl::OkStatus();
  } catch (const std::exception& e) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      --open_;
    }
    released_.notify_one();
    // The message may contain the connection string's host but never its password.
    return absl::UnavailableError("database unavailable: cannot connect");
  }
}

void ConnectionPool::Release(Pooled pooled, bool broken) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (broken) {
      // When one connection breaks the server has usually restarted: the idle ones are
      // dead too, and finding that out one failed call at a time would fail many calls.
      open_ -= 1 + static_cast<int>(idle_.size());
      idle_.clear();
    } else {
      idle_.push_back(std::move(pooled));
    }
  }
  released_.notify_all();
}

std::optional<std::optional<absl::Duration>> StatementTimeoutToSet(
    std::optional<absl::Duration> current, std::optional<absl::Duration> call_left) {
  if (!call_left.has_value()) {
    if (!current.has_value()) return std::nullopt;
    return std::optional<std::optional<absl::Duration>>(std::in_place, std::nullopt);
  }
  const absl::Duration bound = std::clamp(absl::Ceil(*call_left, absl::Milliseconds(1)),
                                          kMinStatementTimeout, kMaxStatementTimeout);
  if (current.has_value() && *current <= bound && *current >= bound * 0.9) return std::nullopt;
  if (bound == kMinStatementTimeout || bound == kMaxStatementTimeout) return bound;
  return std::max(kMinStatementTimeout, absl::Floor(bound * 0.95, absl::Milliseconds(1)));
}

namespace {

// The time the call being served has left, or nullopt when it has no deadline (or the thread
// serves no call). DEADLINE_EXCEEDED when it has none left.
absl::StatusOr<std::optional<absl::Duration>> CallTimeLeft() {
  const absl::Time deadline = CallDeadlineScope::Current();
  if (deadline == absl::InfiniteFuture()) return std::nullopt;
  const absl::Duration left = deadline - absl::Now();
  if (left <= absl::ZeroDuration()) {
    return absl::DeadlineExceededError("the call's deadline passed before its transaction began");
  }
  return left;
}

// Gives the connection's session the statement_timeout the transaction about to begin
// needs (StatementTimeoutToSet), outside any transaction (so it lasts, and libpqxx sets it
// again should it reopen the connection), in milliseconds (its unit); nothing when the one
// it has will do.
// DEADLINE_EXCEEDED when the call has no time left.
absl::Status BoundByCallDeadline(pqxx::connection& conn,
                                 std::optional<absl::Duration>* statement_timeout) {
  absl::StatusOr<std::optional<absl::Duration>> left = CallTimeLeft();
  if (!left.ok()) return left.status();
  std::optional<std::optional<absl::Duration>> to_set =
      StatementTimeoutToSet(*statement_timeout, *left);
  if (!to_set.has_value()) return absl::OkStatus();
  conn.set_variable("statement_timeout", to_set->has_value()
                                             ? std::to_string(absl::ToInt64Milliseconds(**to_set))
                                             : std::string("DEFAULT"));
  *statement_timeout = *to_set;
  return absl::OkStatus();
}

template <typename Transaction>
absl::Status RunIn(pqxx::connection& conn, const std::function<absl::Status(Transaction&)>& work) {
  Transaction txn(conn);
  absl::Status status = work(txn);
  if (status.ok()) {
    txn.commit();
  } else {
    txn.abort();
  }
  return status;
}

}  // namespace

absl::Status ConnectionPool::InTransaction(const std::function<absl::Status(pqxx::work&)>& work) {
  return WithRetries([&](pqxx::connection& conn) { return RunIn<pqxx::work>(conn, work); });
}

absl::Status ConnectionPool::InReadTransaction(
    const std::function<absl::Status(ReadTransaction&)>& work) {
  return WithRetries([&](pqxx::connection& conn) { return RunIn<ReadTransaction>(conn, work); });
}

absl::Status ConnectionPool::WithRetries(
    const std::function<absl::Status(pqxx::connection&)>& attempt_once) {
  constexpr int kMaxAttempts = 3;
  absl::Status last;
  for (int attempt = 1; attempt <= kMaxAttempts; ++attempt) {
    if (absl::StatusOr<std::optional<absl::Duration>> left = CallTimeLeft(); !left.ok()) {
      return left.status();  // nothing begun, nothing written
    }
    Pooled pooled;
    absl::Status acquired = Acquire(&pooled);
    if (!acquired.ok()) return acquired;
    bool broken = false;
    bool retry = false;
    try {
      last = BoundByCallDeadline(*pooled.conn, &pooled.statement_timeout);
      if (last.ok()) last = attempt_once(*pooled.conn);
    } catch (const pqxx::in_doubt_error&) {
      // The commit may or may not have happened: never run it again.
      broken = true;
      last = absl::UnavailableError("database connection lost during commit; outcome unknown");
    } catch (const std::exception& e) {
      broken = IsConnectionLost(e);
      last = StatusFromException(e);
      retry = broken || last.code() == absl::StatusCode::kAborted;
    }
    Release(std::move(pooled), broken);
    if (!retry || attempt == kMaxAttempts) break;
  }
  return last;
}

bool IsConnectionLost(const std::exception& e) {
  if (dynamic_cast<const pqxx::broken_connection*>(&e) != nullptr) return true;
  if (const auto* sql = dynamic_cast<const pqxx::sql_error*>(&e)) {
    const std::string& state = sql->sqlstate();
    // Class 08: connection exception; 57P01-57P03: admin shutdown, crash shutdown,
    // cannot connect now.
    return absl::StartsWith(state, "08") || absl::StartsWith(state, "57P");
  }
  return false;
}

absl::Status StatusFromException(const std::exception& e) {
  if (IsConnectionLost(e)) return absl::UnavailableError("database unavailable; try again");
  if (dynamic_cast<const pqxx::serialization_failure*>(&e) != nullptr ||
      dynamic_cast<const pqxx::deadlock_detected*>(&e) != nullptr) {
    return absl::AbortedError("concurrent change; try again");
  }
  if (dynamic_cast<const pqxx::unique_violation*>(&e) != nullptr) {
    return absl::AlreadyExistsError("already exists");
  }
  if (dynamic_cast<const pqxx::check_violation*>(&e) != nullptr ||
      dynamic_cast<const pqxx::foreign_key_violation*>(&e) != nullptr ||
      dynamic_cast<const pqxx::restrict_violation*>(&e) != nullptr) {
    const auto& sql = dynamic_cast<const pqxx::sql_error&>(e);
    LogEvent("db_rule_refused", {{"error", sql.what()}});
    return absl::FailedPreconditionError("refused by a database rule");
  }
  if (const auto* sql = dynamic_cast<const pqxx::sql_error*>(&e)) {
    if (sql->sqlstate() == "57014") return absl::DeadlineExceededError("query cancelled");
    LogEvent("db_error", {{"error", sql->what()}, {"sqlstate", sql->sqlstate()}});
    return absl::InternalError("database error");
  }
  LogEvent("db_error", {{"error", e.what()}});
  return absl::InternalError("database error");
}

std::string TextArray(const std::vector<std::string>& values) {
  std::string literal = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) literal += ',';
    literal += '"';
    for (char c : values[i]) {
      if (c == '"' || c == '\\') literal += '\\';
      literal += c;
    }
    literal += '"';
  }
  return literal + "}";
}

absl::Status ApplyMigrations(const std::string& connection_string,
                             const std::vector<Migration>& migrations) {
  // Each service has its own database, so one fixed key never contends across services.
  constexpr long long kMigrationLockKey = 5'151'551'505;
  try {
    pqxx::connection conn(connection_string);
    // Session-level lock: held across the transactions below until released or closed.
    pqxx::nontransaction(conn).exec_params("SELECT pg_advisory_lock($1)", kMigrationLockKey);
    {
      pqxx::work txn(conn);
      txn.exec(R"sql(
        CREATE TABLE IF NOT EXISTS schema_migrations (
          version    integer PRIMARY KEY,
          name       text NOT NULL,
          sql_text   text NOT NULL,
          applied_at timestamptz NOT NULL DEFAULT now()))sql");
      txn.commit();
    }
    absl::Status result = absl::OkStatus();
    for (const Migration& migration : migrations) {
      pqxx::work txn(conn);
      pqxx::result applied = txn.exec_params(
          "SELECT sql_text FROM schema_migrations WHERE version = $1", migration.version);
      if (!applied.empty()) {
        if (applied[0][0].as<std::string>() != migration.sql) {
          result = absl::FailedPreconditionError(
              absl::StrCat("migration V", migration.version, "__", migration.name,
                           " was changed after it was applied; migrations are never edited"));
          break;
        }
        continue;
      }
      txn.exec(migration.sql);
      txn.exec_params("INSERT INTO schema_migrations (version, name, sql_text) VALUES ($1, $2, $3)",
                      migration.version, migration.name, migration.sql);
      txn.commit();
      LogEvent("migration_applied", {{"version", migration.version}, {"name", migration.name}});
    }
    pqxx::nontransaction(conn).exec_params("SELECT pg_advisory_unlock($1)", kMigrationLockKey);
    return result;
  } catch (const pqxx::broken_connection&) {
    return absl::UnavailableError("database unavailable: cannot connect to apply migrations");
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("migration failed: ", e.what()));
  }
}

std::string PreparedName(absl::string_view sql) {
  // 64 bits of the text: two statements of one connection colliding would make libpqxx
  // refuse the second definition loudly, never run the wrong one.
  return absl::StrCat(
      "p", absl::Hex(std::hash<std::string_view>{}(std::string_view(sql.data(), sql.size()))));
}

}  // namespace sixsteps::db
