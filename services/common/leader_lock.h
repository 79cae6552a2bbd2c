// The lead among a service's replicas for work only one may do at a time (following the
// assessment feed into the reporting read model or the notification outbox): a PostgreSQL
// session-level advisory lock, held on a connection of its own. The lock goes with the
// session, so a replica that dies, or whose connection breaks, gives the lead up at once and
// a standby's next TryLead takes it.
#pragma once

#include <atomic>
#include <memory>
#include <string>

namespace sixsteps {

class LeaderLock {
 public:
  // `key`: one fixed number per database (each service has its own database, so nothing
  // else takes it). `log_event`: the event of the log line written when this replica takes
  // or gives up the lead ({"leader": true|false}).
  LeaderLock(std::string database_url, long long key, std::string log_event);
  ~LeaderLock();
  LeaderLock(const LeaderLock&) = delete;
  LeaderLock& operator=(const LeaderLock&) = delete;

  // Takes the lead if it is free, or confirms that this replica still holds it: whether it
  // leads now. A connection that broke (the database restarted) loses the lead; the next
  // call connects again. Called from one thread.
  bool TryLead();
  // Gives the lead up (closing the session releases the lock).
  void Release();
  // Whether this replica led at the last TryLead; readable from any thread.
  bool held() const { return held_; }

 private:
  struct Session;
  const std::string database_url_;
  const long long key_;
  const std::string log_event_;
  std::unique_ptr<Session> session_;
  std::atomic<bool> held_{false};
};

}  // namespace sixsteps
