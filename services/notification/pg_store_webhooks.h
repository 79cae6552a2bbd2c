// WebhookStore over the service's own PostgreSQL database (pg_store_webhooks.cc: the
// subscriptions and the events; pg_store_webhook_deliveries.cc: the queue and the log).
#pragma once

#include <pqxx/pqxx>

#include "services/common/db.h"
#include "services/notification/service_secret.h"
#include "services/notification/webhook_store.h"

namespace sixsteps::notification {

// Keeps the events for every matching enabled subscription inside `txn` (the follower's
// transaction, with the cursor): an event is kept once per subscription. Returns how many
// deliveries were new.
int KeepWebhookDeliveries(pqxx::work& txn, const std::vector<WebhookEvent>& events);

// The columns SubscriptionFromRow reads; its secret is as stored (PgWebhookStore::Unseal).
extern const char kSubscriptionColumns[];
WebhookSubscription SubscriptionFromRow(const pqxx::row& row);

// Microseconds since the epoch as a parameter: "to_timestamp($n::bigint / 1e6)".
int64_t Micros(absl::Time time);
absl::Time FromMicros(const pqxx::field& field);

class PgWebhookStore final : public WebhookStore {
 public:
  // `secret` seals the subscriptions' secrets at rest (V005); it must outlive the store.
  PgWebhookStore(db::ConnectionPool* pool, const ServiceSecret* secret)
      : pool_(pool), secret_(secret) {}

  // Seals the secrets kept in clear (before V005), each row in the same transaction as its
  // clear copy is emptied; returns how many. Run at start, before anything signs.
  absl::StatusOr<int> SealClearSecrets();

  absl::Status CreateWebhook(const WebhookSubscription& subscription, int max_per_scope) override;
  absl::StatusOr<WebhookSubscription> GetWebhook(const WebhookScope& scope,
                                                 const std::string& id) override;
  absl::StatusOr<std::vector<WebhookSubscription>> ListWebhooks(const WebhookScope& scope,
                                                                const std::string& after_id,
                                                                int limit) override;
  absl::StatusOr<WebhookSubscription> UpdateWebhook(const WebhookSubscription& updated,
                                                    int64_t expected_revision) override;
  absl::Status DeleteWebhook(const WebhookScope& scope, const std::string& id,
                             int64_t expected_revision) override;
  absl::StatusOr<std::vector<nv1::WebhookDelivery>> ListWebhookDeliveries(
      const WebhookSubscription& subscription, int64_t before_id, int limit) override;
  absl::StatusOr<nv1::WebhookDelivery> GetWebhookDelivery(const WebhookSubscription& subscription,
                                                          int64_t delivery_id) override;
  absl::Status Redeliver(const WebhookSubscription& subscription, int64_t delivery_id,
                         absl::Time now) override;
  absl::StatusOr<int> KeepEvents(const std::vector<WebhookEvent>& events) override;
  absl::StatusOr<ClaimedDelivery> KeepAndClaim(const WebhookSubscription& subscription,
                                               const WebhookEvent& event, absl::Time now,
                                               absl::Duration lease) override;
  absl::StatusOr<std::vector<ClaimedDelivery>> ClaimDue(
      absl::Time now, int limit, int per_subscription, absl::Duration lease,
      const std::vector<int64_t>& in_flight) override;
  absl::StatusOr<std::optional<WebhookSubscription>> RecordWebhookAttempt(
      const ClaimedDelivery& delivery, const AttemptRecord& attempt, absl::BitGenRef random,
      const DisabledNotices& notices) override;

 private:
  // The secret as a row holds it ("s:<hex>" sealed, "c:<text>" clear, see kSecretColumn) ->
  // the secret. DATA_LOSS if a sealed one does not open.
  absl::StatusOr<std::string> Unseal(const std::string& stored) const;
  // The sealed secret as hex, for decode($n, 'hex').
  std::string SealHex(const std::string& secret) const;

  db::ConnectionPool* pool_;
  const ServiceSecret* secret_;
};

}  // namespace sixsteps::notification
