#include "services/common/leader_lock.h"

#include <exception>
#include <utility>

#include <pqxx/pqxx>

#include "services/common/log.h"

namespace sixsteps {

struct LeaderLock::Session {
  std::unique_ptr<pqxx::connection> connection;
};

LeaderLock::LeaderLock(std::string database_url, long long key, std::string log_event)
    : database_url_(std::move(database_url)),
      key_(key),
      log_event_(std::move(log_event)),
      session_(std::make_unique<Session>()) {}

LeaderLock::~LeaderLock() = default;

bool LeaderLock::TryLead() {
  try {
    if (session_->connection == nullptr) {
      session_->connection = std::make_unique<pqxx::connection>(database_url_);
    }
    pqxx::nontransaction query(*session_->connection);
    const bool now_held =
        query.exec_params("SELECT pg_try_advisory_lock($1)", key_)[0][0].as<bool>();
    if (now_held && !held_) LogEvent(log_event_, {{"leader", true}});
    held_ = now_held;
  } catch (const std::exception&) {
    // The connection broke: whatever lock it held is gone.
    session_->connection.reset();
    held_ = false;
  }
  return held_;
}

void LeaderLock::Release() {
  if (held_) LogEvent(log_event_, {{"leader", false}});
  held_ = false;
  session_->connection.reset();  // closing the session releases the lock
}

}  // namespace sixsteps
