// The subscriptions and the events of webhooks. Every query of a subscription names its
// scope (partnership and region), so one is never reached through another scope.
#include "services/notification/pg_store_webhooks.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "services/base/clock.h"
#include "services/base/make_status.h"
#include "services/base/status_macros.h"
#include "services/common/log.h"

namespace sixsteps::notification {
namespace {}  // namespace

const char kSubscriptionColumns[] =
    "subscription_id, partnership_id, region_id, url, array_to_string(event_types, ','), "
    "description, COALESCE('s:' || encode(secret_sealed, 'hex'), 'c:' || secret), enabled, "
    "disabled_reason, "
    "COALESCE((extract(epoch FROM failing_since) * 1000000)::bigint, 0), revision, creator, "
    "(extract(epoch FROM create_time) * 1000000)::bigint, "
    "(extract(epoch FROM update_time) * 1000000)::bigint";

namespace {

// $1 partnership_id, $2 region_id.
constexpr char kInScope[] = "partnership_id = $1 AND region_id = $2";

constexpr char kCountInScope[] =
    "SELECT count(*) FROM webhook_subscriptions WHERE partnership_id = $1 AND region_id = $2";
constexpr char kInsertSubscription[] =
    "INSERT INTO webhook_subscriptions (subscription_id, partnership_id, region_id, url, "
    "event_types, description, secret, secret_sealed, creator) "
    "VALUES ($1, $2, $3, $4, $5::text[], $6, '', decode($7, 'hex'), $8)";
constexpr char kUpdateSubscription[] =
    "UPDATE webhook_subscriptions SET url = $4, event_types = $5::text[], description = $6, "
    "secret = '', secret_sealed = decode($7, 'hex'), enabled = $8, "
    "disabled_reason = CASE WHEN $8 THEN '' ELSE disabled_reason END, "
    "failing_since = CASE WHEN $8 AND NOT enabled THEN NULL ELSE failing_since END, "
    "revision = revision + 1, update_time = now() "
    "WHERE partnership_id = $1 AND region_id = $2 AND subscription_id = $3 AND revision = $9";
constexpr char kDeleteSubscription[] =
    "DELETE FROM webhook_subscriptions WHERE partnership_id = $1 AND region_id = $2 AND "
    "subscription_id = $3 AND revision = $4";
// Secrets kept in clear before V005 (sealed at start).
constexpr char kSelectClearSecrets[] =
    "SELECT subscription_id, secret FROM webhook_subscriptions "
    "WHERE secret_sealed IS NULL AND secret <> '' FOR UPDATE";
constexpr char kSealSecret[] =
    "UPDATE webhook_subscriptions SET secret_sealed = decode($2, 'hex'), secret = '' "
    "WHERE subscription_id = $1";
constexpr char kExistsInScope[] =
    "SELECT 1 FROM webhook_subscriptions WHERE partnership_id = $1 AND region_id = $2 AND "
    "subscription_id = $3";

// A feed or calendar event for every enabled subscription of its partnership or region
// that names its type.
constexpr char kKeepEvent[] =
    "INSERT INTO webhook_deliveries (subscription_id, event_key, event_type, payload) "
    "SELECT subscription_id, $1, $2, $3 FROM webhook_subscriptions WHERE enabled "
    "AND $2 = ANY(event_types) AND ((partnership_id <> '' AND partnership_id = $4) OR "
    "(partnership_id = '' AND region_id = $5)) "
    "ON CONFLICT (subscription_id, event_key) DO NOTHING";

}  // namespace

WebhookSubscription SubscriptionFromRow(const pqxx::row& row) {
  WebhookSubscription s;
  s.id = row[0].as<std::string>();
  s.scope = {row[1].as<std::string>(), row[2].as<std::string>()};
  s.url = row[3].as<std::string>();
  s.event_types = absl::StrSplit(row[4].as<std::string>(), ',', absl::SkipEmpty());
  s.description = row[5].as<std::string>();
  s.secret = row[6].as<std::string>();
  s.enabled = row[7].as<bool>();
  s.disabled_reason = row[8].as<std::string>();
  if (int64_t since = row[9].as<int64_t>(); since != 0) {
    s.failing_since = absl::FromUnixMicros(since);
  }
  s.revision = row[10].as<int64_t>();
  s.creator = row[11].as<std::string>();
  s.create_time = absl::FromUnixMicros(row[12].as<int64_t>());
  s.update_time = absl::FromUnixMicros(row[13].as<int64_t>());
  return s;
}

namespace {

std::string Etag(int64_t revision) { return absl::StrCat("r", revision); }

}  // namespace

std::string WebhookScope::Name() const {
  return partnership_id.empty() ? absl::StrCat("regions/", region_id)
                                : absl::StrCat("partnerships/", partnership_id);
}

std::string WebhookSubscription::Name() const {
  return absl::StrCat(scope.Name(), "/webhooks/", id);
}

nv1::Webhook WebhookSubscription::ToProto(bool with_secret) const {
  nv1::Webhook w;
  w.set_name(Name());
  w.set_url(url);
  for (const std::string& type : event_types) w.add_event_types(type);
  w.set_description(description);
  w.set_enabled(enabled);
  w.set_disabled_reason(disabled_reason);
  if (with_secret) w.set_secret(secret);
  w.set_etag(Etag(revision));
  w.set_creator(creator);
  *w.mutable_create_time() = ToTimestamp(create_time);
  *w.mutable_update_time() = ToTimestamp(update_time);
  if (failing_since != absl::InfinitePast()) {
    *w.mutable_failing_since() = ToTimestamp(failing_since);
  }
  return w;
}

std::string ClaimedDelivery::MessageId() const { return absl::StrCat("msg_", delivery_id); }

int64_t Micros(absl::Time time) { return absl::ToUnixMicros(time); }

absl::Time FromMicros(const pqxx::field& field) {
  return field.is_null() ? absl::InfinitePast() : absl::FromUnixMicros(field.as<int64_t>());
}

int KeepWebhookDeliveries(pqxx::work& txn, const std::vector<WebhookEvent>& events) {
  int kept = 0;
  for (const WebhookEvent& e : events) {
    kept +=
        db::ExecPrepared(txn, kKeepEvent, e.key, e.type, e.payload, e.partnership_id, e.region_id)
            .affected_rows();
  }
  return kept;
}

absl::Status PgWebhookStore::CreateWebhook(const WebhookSubscription& s, int max_per_scope) {
  return pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    // One creation at a time per scope, so that the limit holds under concurrent calls.
    txn.exec_params("SELECT pg_advisory_xact_lock(hashtext($1))",
                    absl::StrCat("webhooks:", s.scope.Name()));
    if (db::ExecPrepared(txn, kCountInScope, s.scope.partnership_id, s.scope.region_id)[0][0]
            .as<int>() >= max_per_scope) {
      return absl::ResourceExhaustedError(absl::StrCat(s.scope.Name(), " has ", max_per_scope,
                                                       " webhooks already: delete one first"));
    }
    db::ExecPrepared(txn, kInsertSubscription, s.id, s.scope.partnership_id, s.scope.region_id,
                     s.url, db::TextArray(s.event_types), s.description, SealHex(s.secret),
                     s.creator);
    return absl::OkStatus();
  });
}

absl::StatusOr<WebhookSubscription> PgWebhookStore::GetWebhook(const WebhookScope& scope,
                                                               const std::string& id) {
  static const std::string kSql =
      absl::StrCat("SELECT ", kSubscriptionColumns, " FROM webhook_subscriptions WHERE ", kInScope,
                   " AND subscription_id = $3");
  std::optional<WebhookSubscription> found;
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    pqxx::result rows =
        db::ExecPrepared(txn, kSql.c_str(), scope.partnership_id, scope.region_id, id);
    if (!rows.empty()) found = SubscriptionFromRow(rows[0]);
    return absl::OkStatus();
  }));
  if (!found) return NotFound(absl::StrCat(scope.Name(), "/webhooks/", id));
  SIXSTEPS_ASSIGN_OR_RETURN(found->secret, Unseal(found->secret));
  return *found;
}

absl::StatusOr<std::vector<WebhookSubscription>> PgWebhookStore::ListWebhooks(
    const WebhookScope& scope, const std::string& after_id, int limit) {
  static const std::string kSql =
      absl::StrCat("SELECT ", kSubscriptionColumns, " FROM webhook_subscriptions WHERE ", kInScope,
                   " AND subscription_id > $3 ORDER BY subscription_id LIMIT $4");
  std::vector<WebhookSubscription> found;
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    found.clear();
    for (const auto& row : db::ExecPrepared(txn, kSql.c_str(), scope.partnership_id,
                                            scope.region_id, after_id, limit)) {
      found.push_back(SubscriptionFromRow(row));
    }
    return absl::OkStatus();
  }));
  for (WebhookSubscription& s : found) {
    SIXSTEPS_ASSIGN_OR_RETURN(s.secret, Unseal(s.secret));
  }
  return found;
}

// A write that matched no row: NOT_FOUND if the subscription is gone, ABORTED if it moved on.
static absl::Status Missed(pqxx::work& txn, const WebhookScope& scope, const std::string& id) {
  if (db::ExecPrepared(txn, kExistsInScope, scope.partnership_id, scope.region_id, id).empty()) {
    return NotFound(absl::StrCat(scope.Name(), "/webhooks/", id));
  }
  return absl::AbortedError("the webhook changed since it was read: read it again (etag)");
}

absl::StatusOr<WebhookSubscription> PgWebhookStore::UpdateWebhook(const WebhookSubscription& u,
                                                                  int64_t expected_revision) {
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    pqxx::result updated =
        db::ExecPrepared(txn, kUpdateSubscription, u.scope.partnership_id, u.scope.region_id, u.id,
                         u.url, db::TextArray(u.event_types), u.description, SealHex(u.secret),
                         u.enabled, expected_revision);
    if (updated.affected_rows() == 0) return Missed(txn, u.scope, u.id);
    return absl::OkStatus();
  }));
  return GetWebhook(u.scope, u.id);
}

absl::Status PgWebhookStore::DeleteWebhook(const WebhookScope& scope, const std::string& id,
                                           int64_t expected_revision) {
  return pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    pqxx::result deleted = db::ExecPrepared(txn, kDeleteSubscription, scope.partnership_id,
                                            scope.region_id, id, expected_revision);
    if (deleted.affected_rows() == 0) return Missed(txn, scope, id);
    return absl::OkStatus();
  });
}

std::string PgWebhookStore::SealHex(const std::string& secret) const {
  return absl::BytesToHexString(secret_->Seal(secret));
}

absl::StatusOr<std::string> PgWebhookStore::Unseal(const std::string& stored) const {
  absl::string_view value = stored;
  if (absl::ConsumePrefix(&value, "c:")) return std::string(value);  // not sealed yet
  if (!absl::ConsumePrefix(&value, "s:"))
    return absl::DataLossError("a webhook secret is unreadable");
  return secret_->Open(absl::HexStringToBytes(value));
}

absl::StatusOr<int> PgWebhookStore::SealClearSecrets() {
  int sealed = 0;
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    sealed = 0;
    for (const auto& row : txn.exec(kSelectClearSecrets)) {
      db::ExecPrepared(txn, kSealSecret, row[0].as<std::string>(),
                       SealHex(row[1].as<std::string>()));
      ++sealed;
    }
    return absl::OkStatus();
  }));
  if (sealed > 0) LogEvent("webhook_secrets_sealed", {{"count", sealed}});
  return sealed;
}

absl::StatusOr<int> PgWebhookStore::KeepEvents(const std::vector<WebhookEvent>& events) {
  int kept = 0;
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    kept = KeepWebhookDeliveries(txn, events);
    return absl::OkStatus();
  }));
  return kept;
}

}  // namespace sixsteps::notification
