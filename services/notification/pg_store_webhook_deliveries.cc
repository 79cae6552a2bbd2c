// The webhook queue and its log: deliveries claimed by the delivery workers (leases, a
// per-subscription in-flight limit), every attempt kept, redelivery.
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/base/clock.h"
#include "services/base/make_status.h"
#include "services/base/status_macros.h"
#include "services/notification/pg_store_internal.h"
#include "services/notification/pg_store_webhooks.h"

namespace sixsteps::notification {
namespace {

// A fixed key: one claimer at a time across the service's replicas.
constexpr long long kClaimLockKey = 7'242'004'208;
// The attempts shown with a delivery.
constexpr int kAttemptsShown = 50;

constexpr char kDeliveryColumns[] =
    "delivery_id, event_type, payload, state, "
    "(extract(epoch FROM create_time) * 1000000)::bigint, "
    "(extract(epoch FROM next_attempt_time) * 1000000)::bigint, "
    "(extract(epoch FROM delivered_time) * 1000000)::bigint";

constexpr char kSelectAttempts[] =
    "SELECT delivery_id, (extract(epoch FROM attempt_time) * 1000000)::bigint, outcome, "
    "response_code, latency_ms, response_body, error FROM ("
    "  SELECT a.*, row_number() OVER (PARTITION BY delivery_id ORDER BY attempt_id DESC) AS rn "
    "  FROM webhook_attempts a WHERE delivery_id = ANY($1::bigint[])) newest "
    "WHERE rn <= $2 ORDER BY delivery_id, attempt_id";

// $1 now, $2 limit, $3 per subscription, $4 lease (µs), $5 in flight here.
constexpr char kClaimDue[] =
    "WITH inflight AS ("
    "  SELECT subscription_id, count(*) AS n FROM webhook_deliveries "
    "  WHERE state = 'pending' AND lease_until > to_timestamp($1::bigint / 1000000.0) "
    "  GROUP BY subscription_id), "
    "due AS ("
    "  SELECT d.delivery_id, d.subscription_id, d.next_attempt_time, row_number() OVER ("
    "    PARTITION BY d.subscription_id ORDER BY d.next_attempt_time, d.delivery_id) AS rn "
    "  FROM webhook_deliveries d JOIN webhook_subscriptions s USING (subscription_id) "
    "  WHERE d.state = 'pending' AND s.enabled "
    "  AND d.next_attempt_time <= to_timestamp($1::bigint / 1000000.0) "
    "  AND (d.lease_until IS NULL OR d.lease_until <= to_timestamp($1::bigint / 1000000.0)) "
    "  AND NOT (d.delivery_id = ANY($5::bigint[]))), "
    "picked AS ("
    "  SELECT due.delivery_id FROM due LEFT JOIN inflight USING (subscription_id) "
    "  WHERE due.rn + COALESCE(inflight.n, 0) <= $3 "
    "  ORDER BY due.next_attempt_time, due.delivery_id LIMIT $2) "
    "UPDATE webhook_deliveries w "
    "SET lease_until = to_timestamp(($1::bigint + $4::bigint) / 1000000.0) "
    "FROM picked WHERE w.delivery_id = picked.delivery_id RETURNING w.delivery_id";

constexpr char kSelectClaimed[] =
    "SELECT d.delivery_id, d.subscription_id, s.partnership_id, s.region_id, s.url, "
    "COALESCE('s:' || encode(s.secret_sealed, 'hex'), 'c:' || s.secret), "
    "d.event_type, d.payload, d.attempts, (extract(epoch FROM d.create_time) * 1000000)::bigint "
    "FROM webhook_deliveries d JOIN webhook_subscriptions s USING (subscription_id) "
    "WHERE d.delivery_id = ANY($1::bigint[]) ORDER BY d.next_attempt_time, d.delivery_id";

constexpr char kInsertPing[] =
    "INSERT INTO webhook_deliveries (subscription_id, event_key, event_type, payload, "
    "create_time, next_attempt_time, lease_until) VALUES ($1, $2, $3, $4, "
    "to_timestamp($5::bigint / 1000000.0), to_timestamp($5::bigint / 1000000.0), "
    "to_timestamp(($5::bigint + $6::bigint) / 1000000.0)) RETURNING delivery_id";

constexpr char kLockSubscription[] =
    "SELECT (extract(epoch FROM failing_since) * 1000000)::bigint, enabled "
    "FROM webhook_subscriptions WHERE subscription_id = $1 FOR UPDATE";
constexpr char kLockDelivery[] =
    "SELECT attempts, (extract(epoch FROM create_time) * 1000000)::bigint "
    "FROM webhook_deliveries WHERE delivery_id = $1 FOR UPDATE";
constexpr char kInsertAttempt[] =
    "INSERT INTO webhook_attempts (delivery_id, attempt_time, outcome, response_code, "
    "latency_ms, response_body, error) VALUES ($1, to_timestamp($2::bigint / 1000000.0), $3, "
    "$4, $5, $6, $7)";
constexpr char kUpdateDelivery[] =
    "UPDATE webhook_deliveries SET state = $2, attempts = attempts + 1, lease_until = NULL, "
    "next_attempt_time = CASE WHEN $3::bigint = 0 THEN next_attempt_time "
    "  ELSE to_timestamp($3::bigint / 1000000.0) END, "
    "delivered_time = CASE WHEN $2 = 'delivered' THEN to_timestamp($4::bigint / 1000000.0) "
    "  ELSE delivered_time END WHERE delivery_id = $1";
constexpr char kUpdateFailingSince[] =
    "UPDATE webhook_subscriptions SET failing_since = CASE WHEN $2::bigint = 0 THEN NULL "
    "ELSE to_timestamp($2::bigint / 1000000.0) END WHERE subscription_id = $1";
constexpr char kDisableSubscription[] =
    "UPDATE webhook_subscriptions SET enabled = false, disabled_reason = $2, "
    "revision = revision + 1, update_time = now() WHERE subscription_id = $1";
constexpr char kRedeliver[] =
    "UPDATE webhook_deliveries SET state = 'pending', lease_until = NULL, "
    "next_attempt_time = to_timestamp($3::bigint / 1000000.0) "
    "WHERE subscription_id = $1 AND delivery_id = $2";

std::string BigintArray(const std::vector<int64_t>& ids) {
  return absl::StrCat("{", absl::StrJoin(ids, ","), "}");
}

nv1::WebhookDelivery::State DeliveryState(const std::string& text) {
  if (text == "delivered") return nv1::WebhookDelivery::STATE_DELIVERED;
  if (text == "failed") return nv1::WebhookDelivery::STATE_FAILED;
  if (text == "pending") return nv1::WebhookDelivery::STATE_PENDING;
  return nv1::WebhookDelivery::STATE_UNSPECIFIED;
}

// The deliveries of `rows` (kDeliveryColumns) with their newest attempts.
std::vector<nv1::WebhookDelivery> DeliveriesWithAttempts(pqxx::work& txn,
                                                         const WebhookSubscription& s,
                                                         const pqxx::result& rows) {
  std::vector<nv1::WebhookDelivery> deliveries;
  std::map<int64_t, size_t> index;
  std::vector<int64_t> ids;
  for (const auto& row : rows) {
    nv1::WebhookDelivery d;
    const int64_t id = row[0].as<int64_t>();
    d.set_name(absl::StrCat(s.Name(), "/deliveries/", id));
    d.set_message_id(absl::StrCat("msg_", id));
    d.set_event_type(row[1].as<std::string>());
    d.set_payload(row[2].as<std::string>());
    d.set_state(DeliveryState(row[3].as<std::string>()));
    *d.mutable_create_time() = ToTimestamp(FromMicros(row[4]));
    if (d.state() == nv1::WebhookDelivery::STATE_PENDING) {
      *d.mutable_next_attempt_time() = ToTimestamp(FromMicros(row[5]));
    }
    if (!row[6].is_null()) *d.mutable_delivered_time() = ToTimestamp(FromMicros(row[6]));
    index[id] = deliveries.size();
    ids.push_back(id);
    deliveries.push_back(std::move(d));
  }
  if (ids.empty()) return deliveries;
  for (const auto& row : db::ExecPrepared(txn, kSelectAttempts, BigintArray(ids), kAttemptsShown)) {
    nv1::WebhookAttempt* a = deliveries[index[row[0].as<int64_t>()]].add_attempts();
    *a->mutable_attempt_time() = ToTimestamp(FromMicros(row[1]));
    a->set_outcome(row[2].as<std::string>());
    a->set_response_code(row[3].as<int>());
    a->set_latency_ms(row[4].as<int64_t>());
    a->set_response_body(row[5].as<std::string>());
    a->set_error(row[6].as<std::string>());
  }
  return deliveries;
}

ClaimedDelivery ClaimedFromRow(const pqxx::row& row) {
  ClaimedDelivery c;
  c.delivery_id = row[0].as<int64_t>();
  c.subscription_id = row[1].as<std::string>();
  c.scope = {row[2].as<std::string>(), row[3].as<std::string>()};
  c.url = row[4].as<std::string>();
  c.secret = row[5].as<std::string>();
  c.event_type = row[6].as<std::string>();
  c.payload = row[7].as<std::string>();
  c.attempts = row[8].as<int>();
  c.create_time = FromMicros(row[9]);
  return c;
}

}  // namespace

absl::StatusOr<std::vector<nv1::WebhookDelivery>> PgWebhookStore::ListWebhookDeliveries(
    const WebhookSubscription& s, int64_t before_id, int limit) {
  static const std::string kSql = absl::StrCat(
      "SELECT ", kDeliveryColumns,
      " FROM webhook_deliveries WHERE subscription_id = $1 AND ($2 = 0 OR delivery_id < $2) "
      "ORDER BY delivery_id DESC LIMIT $3");
  std::vector<nv1::WebhookDelivery> found;
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    found =
        DeliveriesWithAttempts(txn, s, db::ExecPrepared(txn, kSql.c_str(), s.id, before_id, limit));
    return absl::OkStatus();
  }));
  return found;
}

absl::StatusOr<nv1::WebhookDelivery> PgWebhookStore::GetWebhookDelivery(
    const WebhookSubscription& s, int64_t delivery_id) {
  static const std::string kSql =
      absl::StrCat("SELECT ", kDeliveryColumns,
                   " FROM webhook_deliveries WHERE subscription_id = $1 AND delivery_id = $2");
  std::vector<nv1::WebhookDelivery> found;
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    found = DeliveriesWithAttempts(txn, s, db::ExecPrepared(txn, kSql.c_str(), s.id, delivery_id));
    return absl::OkStatus();
  }));
  if (found.empty()) return NotFound(absl::StrCat(s.Name(), "/deliveries/", delivery_id));
  return found[0];
}

absl::Status PgWebhookStore::Redeliver(const WebhookSubscription& s, int64_t delivery_id,
                                       absl::Time now) {
  return pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    if (db::ExecPrepared(txn, kRedeliver, s.id, delivery_id, Micros(now)).affected_rows() == 0) {
      return NotFound(absl::StrCat(s.Name(), "/deliveries/", delivery_id));
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<ClaimedDelivery> PgWebhookStore::KeepAndClaim(const WebhookSubscription& s,
                                                             const WebhookEvent& event,
                                                             absl::Time now, absl::Duration lease) {
  ClaimedDelivery claimed;
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    const int64_t id =
        db::ExecPrepared(txn, kInsertPing, s.id, event.key, event.type, event.payload, Micros(now),
                         absl::ToInt64Microseconds(lease))[0][0]
            .as<int64_t>();
    pqxx::result rows = db::ExecPrepared(txn, kSelectClaimed, BigintArray({id}));
    claimed = ClaimedFromRow(rows[0]);
    return absl::OkStatus();
  }));
  SIXSTEPS_ASSIGN_OR_RETURN(claimed.secret, Unseal(claimed.secret));
  return claimed;
}

absl::StatusOr<std::vector<ClaimedDelivery>> PgWebhookStore::ClaimDue(
    absl::Time now, int limit, int per_subscription, absl::Duration lease,
    const std::vector<int64_t>& in_flight) {
  std::vector<ClaimedDelivery> claimed;
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    claimed.clear();
    txn.exec_params("SELECT pg_advisory_xact_lock($1)", kClaimLockKey);
    std::vector<int64_t> ids;
    for (const auto& row :
         db::ExecPrepared(txn, kClaimDue, Micros(now), limit, per_subscription,
                          absl::ToInt64Microseconds(lease), BigintArray(in_flight))) {
      ids.push_back(row[0].as<int64_t>());
    }
    if (ids.empty()) return absl::OkStatus();
    for (const auto& row : db::ExecPrepared(txn, kSelectClaimed, BigintArray(ids))) {
      claimed.push_back(ClaimedFromRow(row));
    }
    return absl::OkStatus();
  }));
  for (ClaimedDelivery& c : claimed) {
    SIXSTEPS_ASSIGN_OR_RETURN(c.secret, Unseal(c.secret));
  }
  return claimed;
}

absl::StatusOr<std::optional<WebhookSubscription>> PgWebhookStore::RecordWebhookAttempt(
    const ClaimedDelivery& d, const AttemptRecord& attempt, absl::BitGenRef random,
    const DisabledNotices& notices) {
  bool disabled = false;
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    disabled = false;
    pqxx::result subscription = db::ExecPrepared(txn, kLockSubscription, d.subscription_id);
    pqxx::result delivery = db::ExecPrepared(txn, kLockDelivery, d.delivery_id);
    if (subscription.empty() || delivery.empty()) return absl::OkStatus();  // deleted meanwhile
    const bool enabled = subscription[0][1].as<bool>();
    db::ExecPrepared(txn, kInsertAttempt, d.delivery_id, Micros(attempt.time), attempt.outcome,
                     attempt.response_code, attempt.latency_ms, attempt.response_body,
                     attempt.error);
    const absl::Time ended =
        attempt.finish_time == absl::InfinitePast() ? attempt.time : attempt.finish_time;
    const AttemptDecision decision =
        DecideAfterAttempt(attempt.delivered, ended, FromMicros(delivery[0][1]),
                           FromMicros(subscription[0][0]), delivery[0][0].as<int>() + 1, random);
    const int64_t next =
        decision.next_attempt == absl::InfinitePast() ? 0 : Micros(decision.next_attempt);
    db::ExecPrepared(txn, kUpdateDelivery, d.delivery_id, decision.state, next,
                     Micros(attempt.time));
    const int64_t since =
        decision.failing_since == absl::InfinitePast() ? 0 : Micros(decision.failing_since);
    db::ExecPrepared(txn, kUpdateFailingSince, d.subscription_id, since);
    if (decision.disable_subscription && enabled) {
      db::ExecPrepared(txn, kDisableSubscription, d.subscription_id,
                       "every delivery failed for 24 hours; fix the receiver, then enable it");
      disabled = true;
      // The owners' notices with the disabling: both kept, or neither (and the attempt is
      // made again when its lease runs out).
      static const std::string kSelectDisabled =
          absl::StrCat("SELECT ", kSubscriptionColumns,
                       " FROM webhook_subscriptions WHERE subscription_id = $1");
      WebhookSubscription s =
          SubscriptionFromRow(db::ExecPrepared(txn, kSelectDisabled.c_str(), d.subscription_id)[0]);
      s.secret.clear();  // the notices need no secret
      SIXSTEPS_ASSIGN_OR_RETURN(std::vector<NewDelivery> told, notices(s));
      for (const NewDelivery& notice : told) InsertDelivery(txn, notice);
    }
    return absl::OkStatus();
  }));
  if (!disabled) return std::optional<WebhookSubscription>();
  SIXSTEPS_ASSIGN_OR_RETURN(WebhookSubscription s, GetWebhook(d.scope, d.subscription_id));
  return std::optional<WebhookSubscription>(std::move(s));
}

}  // namespace sixsteps::notification
