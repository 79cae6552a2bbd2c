// The storage of webhooks: subscriptions (scoped to a partnership or a region: every
// query names the scope, so a subscription is never reached through another), their
// deliveries (the queue, in the database) and the attempts log. The PostgreSQL
// implementation is pg_store_webhooks*.cc; the deliveries of feed events are kept by
// PgNotificationStore::ApplyChanges in the transaction of the cursor
// (KeepWebhookDeliveries, pg_store_webhooks.h).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/random/bit_gen_ref.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/notification/store.h"
#include "services/notification/webhook_domain.h"
#include "services/notification/webhook_events.h"
#include "sixsteps/notification/v1/webhook.pb.h"

namespace sixsteps::notification {

namespace nv1 = ::sixsteps::notification::v1;

// Whose subscription: a partnership (with its region), or a region (partnership_id empty).
struct WebhookScope {
  std::string partnership_id;
  std::string region_id;
  // "partnerships/{p}" or "regions/{r}".
  std::string Name() const;
};

struct WebhookSubscription {
  std::string id;
  WebhookScope scope;
  std::string url;
  std::vector<std::string> event_types;
  std::string description;
  std::string secret;
  bool enabled = true;
  std::string disabled_reason;
  absl::Time failing_since = absl::InfinitePast();
  int64_t revision = 1;
  std::string creator;
  absl::Time create_time = absl::InfinitePast();
  absl::Time update_time = absl::InfinitePast();

  // "{scope}/webhooks/{id}"
  std::string Name() const;
  // The resource as the API shows it; the secret only if `with_secret`.
  nv1::Webhook ToProto(bool with_secret) const;
};

// A delivery claimed for one attempt, with what the attempt needs.
struct ClaimedDelivery {
  int64_t delivery_id = 0;
  std::string subscription_id;
  WebhookScope scope;
  std::string url;
  std::string secret;
  std::string event_type;
  std::string payload;
  int attempts = 0;
  absl::Time create_time = absl::InfinitePast();
  // "msg_{delivery_id}": the webhook-id header.
  std::string MessageId() const;
};

// One attempt as it went.
struct AttemptRecord {
  // When the attempt started (the log's attempt_time) and when it ended: the backoff
  // before the next try counts from its end, so a receiver that holds every attempt until
  // the timeout is not tried again at once.
  absl::Time time = absl::InfinitePast();
  absl::Time finish_time = absl::InfinitePast();
  bool delivered = false;
  std::string outcome;  // "delivered", "refused", "error"
  int response_code = 0;
  int64_t latency_ms = 0;
  std::string response_body;
  std::string error;
};

class WebhookStore {
 public:
  virtual ~WebhookStore() = default;

  // RESOURCE_EXHAUSTED if the scope has `max_per_scope` subscriptions already.
  virtual absl::Status CreateWebhook(const WebhookSubscription& subscription,
                                     int max_per_scope) = 0;
  // NOT_FOUND unless the scope has it.
  virtual absl::StatusOr<WebhookSubscription> GetWebhook(const WebhookScope& scope,
                                                         const std::string& id) = 0;
  // Oldest first, ids after `after_id` ("" from the start), at most `limit`.
  virtual absl::StatusOr<std::vector<WebhookSubscription>> ListWebhooks(const WebhookScope& scope,
                                                                        const std::string& after_id,
                                                                        int limit) = 0;
  // Writes url, event types, description, secret and enabled (enabling clears
  // failing_since and disabled_reason) if the stored revision is `expected_revision`, and
  // bumps it. NOT_FOUND, ABORTED if the revision moved on.
  virtual absl::StatusOr<WebhookSubscription> UpdateWebhook(const WebhookSubscription& updated,
                                                            int64_t expected_revision) = 0;
  // NOT_FOUND, ABORTED as UpdateWebhook.
  virtual absl::Status DeleteWebhook(const WebhookScope& scope, const std::string& id,
                                     int64_t expected_revision) = 0;

  // The subscription's deliveries, newest first, ids below `before_id` (0: from the newest).
  virtual absl::StatusOr<std::vector<nv1::WebhookDelivery>> ListWebhookDeliveries(
      const WebhookSubscription& subscription, int64_t before_id, int limit) = 0;
  // One delivery of the subscription with its attempts; NOT_FOUND.
  virtual absl::StatusOr<nv1::WebhookDelivery> GetWebhookDelivery(
      const WebhookSubscription& subscription, int64_t delivery_id) = 0;
  // Makes the delivery pending and due at `now` (a delivered or failed one too).
  // NOT_FOUND.
  virtual absl::Status Redeliver(const WebhookSubscription& subscription, int64_t delivery_id,
                                 absl::Time now) = 0;

  // Keeps each event for every enabled subscription whose scope and filter it matches,
  // once per (subscription, event key); returns how many deliveries were new.
  virtual absl::StatusOr<int> KeepEvents(const std::vector<WebhookEvent>& events) = 0;
  // Keeps one event for one subscription, whatever its filter (a ping), claimed at once
  // for an attempt on the calling thread (leased until now + lease).
  virtual absl::StatusOr<ClaimedDelivery> KeepAndClaim(const WebhookSubscription& subscription,
                                                       const WebhookEvent& event, absl::Time now,
                                                       absl::Duration lease) = 0;

  // Claims up to `limit` pending deliveries due at `now` of enabled subscriptions, at most
  // `per_subscription` in flight per subscription (counting the leases not run out),
  // none of `in_flight`; each leased until now + lease. One claimer at a time across
  // replicas (a transaction-scoped advisory lock).
  virtual absl::StatusOr<std::vector<ClaimedDelivery>> ClaimDue(
      absl::Time now, int limit, int per_subscription, absl::Duration lease,
      const std::vector<int64_t>& in_flight) = 0;
  // The notices to its owners of a subscription that was just disabled (composed inside
  // the transaction that disables it; an error rolls the whole attempt back).
  using DisabledNotices =
      std::function<absl::StatusOr<std::vector<NewDelivery>>(const WebhookSubscription&)>;
  // Keeps the attempt and what it decides (DecideAfterAttempt) for the delivery and its
  // subscription, and, if it disables the subscription, the `notices` to its owners, all in
  // one transaction. The subscription, if this attempt disabled it.
  virtual absl::StatusOr<std::optional<WebhookSubscription>> RecordWebhookAttempt(
      const ClaimedDelivery& delivery, const AttemptRecord& attempt, absl::BitGenRef random,
      const DisabledNotices& notices) = 0;
};

}  // namespace sixsteps::notification
