// NotificationStore over the service's own PostgreSQL database.
#pragma once

#include <vector>

#include "services/common/db.h"
#include "services/notification/store.h"

namespace sixsteps::notification {

// The service's migrations, embedded in the binary at build time.
std::vector<db::Migration> NotificationMigrations();

class PgNotificationStore final : public NotificationStore {
 public:
  explicit PgNotificationStore(db::ConnectionPool* pool) : pool_(pool) {}

  absl::StatusOr<int64_t> Cursor() override;
  absl::Status ApplyChanges(const std::vector<av1::Change>& changes, const Derive& derive) override;
  absl::Status Quarantine(const av1::Change& change, const absl::Status& error) override;
  absl::StatusOr<std::vector<OpenAction>> OpenActionsDueBy(absl::CivilDay horizon) override;
  // H2 digest (pg_store_deadlines.cc).
  absl::StatusOr<std::vector<OpenDeadline>> OpenDeadlinesBy(absl::CivilDay horizon) override;
  absl::StatusOr<int> InsertDeliveries(const std::vector<NewDelivery>& deliveries) override;
  absl::StatusOr<std::vector<nv1::OutboxMessage>> ListDeliveries(const DeliveryVisibility& visible,
                                                                 const std::string& partnership_id,
                                                                 int64_t before_id,
                                                                 int limit) override;
  absl::StatusOr<nv1::OutboxMessage> GetDelivery(const DeliveryVisibility& visible,
                                                 int64_t id) override;
  absl::StatusOr<std::vector<nv1::OutboxMessage>> DueDeliveries(absl::Time now, int limit) override;
  absl::Status RecordAttempt(int64_t id, nv1::OutboxMessage::State state, const std::string& error,
                             absl::Time next_attempt) override;
  absl::StatusOr<Switches> RuleSwitches(const std::string& partnership_id) override;
  absl::Status SetRuleSwitches(const std::string& partnership_id,
                               const std::map<std::string, bool>& enabled) override;
  // digest (H1): pg_store_digest.cc.
  absl::StatusOr<DigestInputs> OpenForDigest() override;
  absl::StatusOr<std::optional<absl::CivilDay>> LatestDigestWeek() override;
  absl::StatusOr<int> KeepDigestWeek(absl::CivilDay slot,
                                     const std::vector<NewDelivery>& deliveries) override;
  absl::StatusOr<Preferences> GetPreferences(const std::string& principal) override;
  absl::StatusOr<Preferences> SetWeeklyDigest(const std::string& principal,
                                              bool weekly_digest) override;

 private:
  db::ConnectionPool* pool_;
};

}  // namespace sixsteps::notification
