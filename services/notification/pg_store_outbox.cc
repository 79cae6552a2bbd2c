// The deliveries (the outbox) and the rule switches.
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "services/base/clock.h"
#include "services/base/make_status.h"
#include "services/base/status_macros.h"
#include "services/notification/pg_store.h"
#include "services/notification/pg_store_internal.h"

namespace sixsteps::notification {
namespace {

constexpr char kInsertDelivery[] =
    "INSERT INTO deliveries (idempotency_key, rule, partnership_id, region_id, about, "
    "recipient, recipient_email, recipient_display_name, subject, text_body, html_body, state, "
    "list_unsubscribe) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) "
    "ON CONFLICT (idempotency_key) DO NOTHING";

constexpr char kDeliveryColumns[] =
    "delivery_id, idempotency_key, rule, partnership_id, region_id, about, recipient, "
    "recipient_email, recipient_display_name, subject, text_body, html_body, state, attempts, "
    "last_error, (extract(epoch FROM create_time) * 1000000)::bigint, "
    "COALESCE((extract(epoch FROM send_time) * 1000000)::bigint, 0), list_unsubscribe";

// $1 everything, $2 regions, $3 partnerships, $4 recipient.
constexpr char kVisible[] =
    "($1 OR region_id = ANY($2::text[]) OR partnership_id = ANY($3::text[]) OR recipient = $4)";

constexpr char kSelectSwitches[] =
    "SELECT rule, enabled, (extract(epoch FROM update_time) * 1000000)::bigint "
    "FROM rule_switches WHERE partnership_id = $1";
constexpr char kUpsertSwitch[] =
    "INSERT INTO rule_switches (partnership_id, rule, enabled) VALUES ($1, $2, $3) "
    "ON CONFLICT (partnership_id, rule) DO UPDATE SET enabled = EXCLUDED.enabled, "
    "update_time = now()";

nv1::OutboxMessage FromRow(const pqxx::row& row) {
  nv1::OutboxMessage m;
  m.set_name(absl::StrCat("outboxMessages/", row[0].as<int64_t>()));
  m.set_idempotency_key(row[1].as<std::string>());
  m.set_rule(row[2].as<std::string>());
  // A weekly digest is one person's, of no one partnership (digest, H1).
  if (!row[3].is_null() && !row[3].as<std::string>().empty()) {
    m.set_partnership(absl::StrCat("partnerships/", row[3].as<std::string>()));
  }
  if (!row[4].as<std::string>().empty()) {
    m.set_region(absl::StrCat("regions/", row[4].as<std::string>()));
  }
  m.set_about(row[5].as<std::string>());
  m.set_recipient(row[6].as<std::string>());
  m.set_recipient_email(row[7].as<std::string>());
  m.set_recipient_display_name(row[8].as<std::string>());
  m.set_subject(row[9].as<std::string>());
  m.set_text_body(row[10].as<std::string>());
  m.set_html_body(row[11].as<std::string>());
  m.set_state(StateFromText(row[12].as<std::string>()));
  m.set_attempts(row[13].as<int>());
  m.set_last_error(row[14].as<std::string>());
  *m.mutable_create_time() = ToTimestamp(absl::FromUnixMicros(row[15].as<int64_t>()));
  if (int64_t sent = row[16].as<int64_t>(); sent != 0) {
    *m.mutable_send_time() = ToTimestamp(absl::FromUnixMicros(sent));
  }
  m.set_list_unsubscribe(row[17].as<std::string>());
  return m;
}

}  // namespace

std::string StateText(nv1::OutboxMessage::State state) {
  return absl::AsciiStrToLower(absl::StripPrefix(nv1::OutboxMessage::State_Name(state), "STATE_"));
}

nv1::OutboxMessage::State StateFromText(const std::string& text) {
  nv1::OutboxMessage::State state = nv1::OutboxMessage::STATE_UNSPECIFIED;
  nv1::OutboxMessage::State_Parse(absl::StrCat("STATE_", absl::AsciiStrToUpper(text)), &state);
  return state;
}

bool InsertDelivery(pqxx::work& txn, const NewDelivery& d) {
  const Notice& n = d.notice;
  pqxx::result inserted = db::ExecPrepared(
      txn, kInsertDelivery, n.IdempotencyKey(), n.rule, n.partnership_id, n.region_id, n.about,
      n.recipient.principal, n.recipient.email, n.recipient.display_name, d.composed.subject,
      d.composed.text, d.composed.html, StateText(d.state), d.composed.list_unsubscribe);
  return inserted.affected_rows() == 1;
}

absl::StatusOr<int> PgNotificationStore::InsertDeliveries(
    const std::vector<NewDelivery>& deliveries) {
  int inserted = 0;
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    inserted = 0;
    for (const NewDelivery& delivery : deliveries) inserted += InsertDelivery(txn, delivery);
    return absl::OkStatus();
  }));
  return inserted;
}

absl::StatusOr<std::vector<nv1::OutboxMessage>> PgNotificationStore::ListDeliveries(
    const DeliveryVisibility& visible, const std::string& partnership_id, int64_t before_id,
    int limit) {
  static const std::string kSql =
      absl::StrCat("SELECT ", kDeliveryColumns, " FROM deliveries WHERE ", kVisible,
                   " AND ($5 = '' OR partnership_id = $5) AND ($6 = 0 OR delivery_id < $6) "
                   "ORDER BY delivery_id DESC LIMIT $7");
  std::vector<nv1::OutboxMessage> messages;
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    messages.clear();
    for (const auto& row :
         db::ExecPrepared(txn, kSql.c_str(), visible.everything, db::TextArray(visible.regions),
                          db::TextArray(visible.partnerships), visible.recipient, partnership_id,
                          before_id, limit)) {
      messages.push_back(FromRow(row));
    }
    return absl::OkStatus();
  }));
  return messages;
}

absl::StatusOr<nv1::OutboxMessage> PgNotificationStore::GetDelivery(
    const DeliveryVisibility& visible, int64_t id) {
  static const std::string kSql = absl::StrCat(
      "SELECT ", kDeliveryColumns, " FROM deliveries WHERE ", kVisible, " AND delivery_id = $5");
  std::optional<nv1::OutboxMessage> message;
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    pqxx::result rows =
        db::ExecPrepared(txn, kSql.c_str(), visible.everything, db::TextArray(visible.regions),
                         db::TextArray(visible.partnerships), visible.recipient, id);
    if (!rows.empty()) message = FromRow(rows[0]);
    return absl::OkStatus();
  }));
  if (!message) return NotFound(absl::StrCat("outboxMessages/", id));
  return *message;
}

absl::StatusOr<std::vector<nv1::OutboxMessage>> PgNotificationStore::DueDeliveries(absl::Time now,
                                                                                   int limit) {
  static const std::string kSql = absl::StrCat(
      "SELECT ", kDeliveryColumns,
      " FROM deliveries WHERE state = 'pending' AND next_attempt_time <= "
      "to_timestamp($1::bigint / 1000000.0) ORDER BY next_attempt_time, delivery_id LIMIT $2");
  std::vector<nv1::OutboxMessage> due;
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    due.clear();
    for (const auto& row : db::ExecPrepared(txn, kSql.c_str(), absl::ToUnixMicros(now), limit)) {
      due.push_back(FromRow(row));
    }
    return absl::OkStatus();
  }));
  return due;
}

absl::Status PgNotificationStore::RecordAttempt(int64_t id, nv1::OutboxMessage::State state,
                                                const std::string& error, absl::Time next_attempt) {
  static constexpr char kSql[] =
      "UPDATE deliveries SET state = $2, last_error = $3, attempts = attempts + 1, "
      "send_time = CASE WHEN $2 = 'sent' THEN now() ELSE send_time END, "
      "next_attempt_time = CASE WHEN $4::bigint = 0 THEN next_attempt_time "
      "ELSE to_timestamp($4::bigint / 1000000.0) END WHERE delivery_id = $1";
  const int64_t next = next_attempt == absl::InfinitePast() ? 0 : absl::ToUnixMicros(next_attempt);
  return pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    db::ExecPrepared(txn, kSql, id, StateText(state), error, next);
    return absl::OkStatus();
  });
}

absl::StatusOr<NotificationStore::Switches> PgNotificationStore::RuleSwitches(
    const std::string& partnership_id) {
  Switches switches;
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    switches = Switches();
    for (const auto& row : db::ExecPrepared(txn, kSelectSwitches, partnership_id)) {
      switches.enabled[row[0].as<std::string>()] = row[1].as<bool>();
      switches.update_time =
          std::max(switches.update_time, absl::FromUnixMicros(row[2].as<int64_t>()));
    }
    return absl::OkStatus();
  }));
  return switches;
}

absl::Status PgNotificationStore::SetRuleSwitches(const std::string& partnership_id,
                                                  const std::map<std::string, bool>& enabled) {
  return pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    for (const auto& [rule, on] : enabled) {
      db::ExecPrepared(txn, kUpsertSwitch, partnership_id, rule, on);
    }
    return absl::OkStatus();
  });
}

}  // namespace sixsteps::notification
