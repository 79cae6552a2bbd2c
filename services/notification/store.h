// The notification service's storage: the feed cursor with the facts and notices each
// change gives (one transaction per batch), the open actions the calendar rules read, the
// rule switches, and the deliveries (the outbox). The PostgreSQL implementation is in
// pg_store*.cc, the only place with SQL.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "services/notification/deadline_rules.h"
#include "services/notification/digest.h"  // digest (H1)
#include "services/notification/rules.h"
#include "services/notification/templates.h"
#include "sixsteps/notification/v1/notification.pb.h"

namespace sixsteps::notification {

namespace nv1 = ::sixsteps::notification::v1;

// A notice ready to keep: what it is, its texts, and where it goes next.
struct NewDelivery {
  Notice notice;
  Composed composed;
  nv1::OutboxMessage::State state = nv1::OutboxMessage::STATE_OUTBOX;
};

// Whose deliveries a caller may read: everything, those of some regions or partnerships
// (ids), and those addressed to the caller.
struct DeliveryVisibility {
  bool everything = false;
  std::vector<std::string> regions;
  std::vector<std::string> partnerships;
  std::string recipient;
};

class NotificationStore {
 public:
  virtual ~NotificationStore() = default;

  // The sequence of the last change applied (0 before the first).
  virtual absl::StatusOr<int64_t> Cursor() = 0;

  // For one change: its facts as they stand before it (round title, respondents, the
  // partnership's switches) -> the deliveries it gives.
  using Derive = std::function<absl::StatusOr<std::vector<NewDelivery>>(const av1::Change&,
                                                                        const ChangeFacts&)>;
  // In one transaction, for each change after the cursor, in order: reads its facts,
  // keeps what `derive` gives (a key already kept is skipped), updates the facts (rounds,
  // respondents, actions) and advances the cursor. Nothing is kept if any step fails.
  virtual absl::Status ApplyChanges(const std::vector<av1::Change>& changes,
                                    const Derive& derive) = 0;
  // Sets a change aside (feed_quarantine) and moves the cursor past it.
  virtual absl::Status Quarantine(const av1::Change& change, const absl::Status& error) = 0;

  // Open actions with a due date on or before `horizon`.
  virtual absl::StatusOr<std::vector<OpenAction>> OpenActionsDueBy(absl::CivilDay horizon) = 0;
  // ---- H2 digest: respondents of open (draft) rounds whose response deadline is on or
  // before `horizon` (pg_store_deadlines.cc). ----
  virtual absl::StatusOr<std::vector<OpenDeadline>> OpenDeadlinesBy(absl::CivilDay horizon) = 0;
  // Keeps the deliveries whose keys are new; returns how many were.
  virtual absl::StatusOr<int> InsertDeliveries(const std::vector<NewDelivery>& deliveries) = 0;

  // Deliveries the caller may see, newest first, with ids below `before_id` (0: from the
  // newest), at most `limit`; only of `partnership_id` if it is not empty.
  virtual absl::StatusOr<std::vector<nv1::OutboxMessage>> ListDeliveries(
      const DeliveryVisibility& visible, const std::string& partnership_id, int64_t before_id,
      int limit) = 0;
  // NOT_FOUND if there is none, or the caller may not see it.
  virtual absl::StatusOr<nv1::OutboxMessage> GetDelivery(const DeliveryVisibility& visible,
                                                         int64_t id) = 0;

  // Pending deliveries due for a try at `now`, oldest first, at most `limit`.
  virtual absl::StatusOr<std::vector<nv1::OutboxMessage>> DueDeliveries(absl::Time now,
                                                                        int limit) = 0;
  // Records one try: the new state, the error (empty when sent), and when a pending one is
  // due again.
  virtual absl::Status RecordAttempt(int64_t id, nv1::OutboxMessage::State state,
                                     const std::string& error, absl::Time next_attempt) = 0;

  // The partnership's switches that were ever set (rule -> enabled), and when they last were.
  struct Switches {
    std::map<std::string, bool> enabled;
    absl::Time update_time = absl::InfinitePast();
  };
  virtual absl::StatusOr<Switches> RuleSwitches(const std::string& partnership_id) = 0;
  virtual absl::Status SetRuleSwitches(const std::string& partnership_id,
                                       const std::map<std::string, bool>& enabled) = 0;

  // ---- digest (H1): pg_store_digest.cc ----
  // What is open now: respondents of draft rounds, open challenges, reports out for the
  // accuracy check (with the partners yet to answer), open actions.
  virtual absl::StatusOr<DigestInputs> OpenForDigest() = 0;
  // The latest week whose digests were composed (nullopt before the first).
  virtual absl::StatusOr<std::optional<absl::CivilDay>> LatestDigestWeek() = 0;
  // In one transaction: unless the week is done, keeps the digests (but of people who
  // turned theirs off, and of keys kept already) and marks the week done. How many were new.
  virtual absl::StatusOr<int> KeepDigestWeek(absl::CivilDay slot,
                                             const std::vector<NewDelivery>& deliveries) = 0;
  // A person's choices; the defaults (digest on, no update time) if they never chose.
  struct Preferences {
    bool weekly_digest = true;
    absl::Time update_time = absl::InfinitePast();
  };
  virtual absl::StatusOr<Preferences> GetPreferences(const std::string& principal) = 0;
  virtual absl::StatusOr<Preferences> SetWeeklyDigest(const std::string& principal,
                                                      bool weekly_digest) = 0;
  // ---- end digest (H1) ----
};

}  // namespace sixsteps::notification
