// PgIdentityStore: the shared visibility filter, signing keys and the audit log. The other
// records are in pg_store_{regions,users,service_accounts,bindings,sign_in}.cc; SQL is
// parameterised only, and binary secrets travel as hex.
#include "services/identity/pg_store.h"

#include <algorithm>

#include <pqxx/pqxx>

#include "services/base/make_status.h"
#include "services/base/status_macros.h"
#include "services/identity/pg_store_internal.h"

namespace sixsteps::identity {
namespace {

#define SIXSTEPS_KEY_COLUMNS                                                                \
  "key_id, encode(public_key, 'hex'), encode(private_key_sealed, 'hex'), " SIXSTEPS_MICROS( \
      "create_time") ", " SIXSTEPS_MICROS("rotate_time")
constexpr char kCurrentKey[] =
    "SELECT " SIXSTEPS_KEY_COLUMNS " FROM signing_keys WHERE rotate_time IS NULL";
constexpr char kPublishedKeys[] =
    "SELECT " SIXSTEPS_KEY_COLUMNS
    " FROM signing_keys WHERE rotate_time IS NULL "
    "OR rotate_time > to_timestamp($1::bigint / 1000000.0) ORDER BY create_time DESC";
constexpr char kLockKeys[] = "LOCK TABLE signing_keys IN SHARE ROW EXCLUSIVE MODE";
constexpr char kRotateCurrentKey[] =
    "UPDATE signing_keys SET rotate_time = now() WHERE rotate_time IS NULL";
constexpr char kLockEveryKey[] =
    "SELECT " SIXSTEPS_KEY_COLUMNS " FROM signing_keys ORDER BY create_time, key_id FOR UPDATE";
constexpr char kUpdateSealedKey[] =
    "UPDATE signing_keys SET private_key_sealed = decode($2, 'hex') WHERE key_id = $1";
constexpr char kInsertKey[] =
    "INSERT INTO signing_keys (key_id, public_key, private_key_sealed) "
    "VALUES ($1, decode($2, 'hex'), decode($3, 'hex'))";

constexpr char kListAudit[] =
    "SELECT id, " SIXSTEPS_MICROS("time") ", actor, action, target, region_id, detail::text "
    "FROM audit_events WHERE " SIXSTEPS_VISIBLE("region_id", "''")
    " AND ($4 = '' OR region_id = $4) AND ($5 = 0 OR id < $5) ORDER BY id DESC LIMIT $6";

v1::AuditEvent RowToAuditEvent(const pqxx::row& row) {
  v1::AuditEvent event;
  event.set_id(row[0].as<int64_t>());
  SetTime(row[1], event.mutable_time());
  event.set_actor(row[2].as<std::string>());
  event.set_action(row[3].as<std::string>());
  event.set_target(row[4].as<std::string>());
  event.set_region(row[5].as<std::string>());
  event.set_detail(row[6].as<std::string>());
  return event;
}

SigningKey RowToKey(const pqxx::row& row) {
  SigningKey key;
  key.key_id = row[0].as<std::string>();
  key.public_key = Unhex(row[1]);
  key.private_key_sealed = Unhex(row[2]);
  key.create_time = TimeOf(row[3]);
  if (!row[4].is_null()) key.rotate_time = TimeOf(row[4]);
  return key;
}

}  // namespace

Visibility Visibility::Of(const Caller& caller) {
  Visibility visible;
  visible.everything = caller.SeesEverything();
  for (const auth::Grant& grant : caller.grants) {
    if (grant.partnership.empty()) {
      visible.regions.push_back(grant.region);
    } else {
      visible.partnerships.push_back(grant.partnership);
    }
  }
  return visible;
}

// ---- Signing keys ----

absl::StatusOr<SigningKey> PgIdentityStore::CurrentSigningKey() {
  SigningKey key;
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    pqxx::result rows = txn.exec(kCurrentKey);
    if (rows.empty()) return NotFound("current signing key");
    key = RowToKey(rows[0]);
    return absl::OkStatus();
  }));
  return key;
}

absl::StatusOr<std::vector<SigningKey>> PgIdentityStore::PublishedSigningKeys(absl::Time since) {
  // absl::InfinitePast() ("every key") would overflow to_timestamp; no key predates 1970.
  const absl::Time after = std::max(since, absl::UnixEpoch());
  return db::ReadRows(*pool_, RowToKey, kPublishedKeys, Micros(after));
}

absl::Status PgIdentityStore::InstallSigningKey(const SigningKey& key, bool only_if_none,
                                                const NewAuditEvent& audit) {
  return pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    // Replicas starting together must not both install a first key.
    txn.exec(kLockKeys);
    bool has_current = !txn.exec(kCurrentKey).empty();
    if (only_if_none && has_current) return absl::OkStatus();
    txn.exec(kRotateCurrentKey);
    txn.exec_params(kInsertKey, key.key_id, Hex(key.public_key), Hex(key.private_key_sealed));
    Audit(txn, audit);
    return absl::OkStatus();
  });
}

absl::StatusOr<int> PgIdentityStore::ResealSigningKeys(const Resealer& reseal,
                                                       const NewAuditEvent& audit) {
  int changed = 0;
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    changed = 0;
    for (const pqxx::row& row : txn.exec(kLockEveryKey)) {
      const SigningKey key = RowToKey(row);
      SIXSTEPS_ASSIGN_OR_RETURN(std::optional<std::string> sealed, reseal(key));
      if (!sealed) continue;
      txn.exec_params(kUpdateSealedKey, key.key_id, Hex(*sealed));
      ++changed;
    }
    if (changed > 0) Audit(txn, audit);
    return absl::OkStatus();
  }));
  return changed;
}

// ---- Audit ----

absl::Status PgIdentityStore::AppendAudit(const NewAuditEvent& event) {
  return pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    Audit(txn, event);
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<v1::AuditEvent>> PgIdentityStore::ListAuditEvents(
    const Visibility& visible, const std::string& region_filter, int64_t before_id, int limit) {
  return db::ReadRows(*pool_, RowToAuditEvent, kListAudit, visible.everything,
                      db::TextArray(visible.regions), db::TextArray(visible.partnerships),
                      region_filter, before_id, limit);
}

}  // namespace sixsteps::identity
