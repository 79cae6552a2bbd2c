// PgIdentityStore's service accounts and their API keys (secrets stored as hashes, in hex).
#include "services/identity/pg_store.h"

#include <google/protobuf/util/time_util.h>

#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"

#include "services/base/make_status.h"
#include "services/base/status_macros.h"
#include "services/identity/pg_store_internal.h"

namespace sixsteps::identity {
namespace {

using google::protobuf::util::TimeUtil;

constexpr char kInsertServiceAccount[] =
    "INSERT INTO service_accounts (service_account_id, display_name, owner, owner_region_id) "
    "VALUES ($1, $2, $3, $4)";
#define SIXSTEPS_SERVICE_ACCOUNT_COLUMNS \
  "service_account_id, display_name, owner, " SIXSTEPS_MICROS("create_time") ", owner_region_id"
constexpr char kSelectServiceAccount[] = "SELECT " SIXSTEPS_SERVICE_ACCOUNT_COLUMNS
                                         " FROM service_accounts WHERE service_account_id = $1";
constexpr char kListServiceAccounts[] =
    "SELECT " SIXSTEPS_SERVICE_ACCOUNT_COLUMNS " FROM service_accounts "
    "WHERE " SIXSTEPS_VISIBLE(
        "owner_region_id",
        "CASE WHEN owner LIKE 'partnerships/%' THEN substr(owner, 14) ELSE '' END")
    " AND service_account_id > $4 ORDER BY service_account_id LIMIT $5";

constexpr char kInsertApiKey[] =
    "INSERT INTO api_keys (api_key_id, service_account_id, display_name, secret_hash, "
    "expire_time) VALUES ($1, $2, $3, decode($4, 'hex'), to_timestamp($5::bigint / 1000000.0))";
#define SIXSTEPS_API_KEY_COLUMNS                                                                \
  "api_key_id, service_account_id, display_name, encode(secret_hash, 'hex'), " SIXSTEPS_MICROS( \
      "create_time") ", " SIXSTEPS_MICROS("expire_time") ", " SIXSTEPS_MICROS("revoke_time")
constexpr char kSelectApiKey[] =
    "SELECT " SIXSTEPS_API_KEY_COLUMNS " FROM api_keys WHERE api_key_id = $1";
constexpr char kListApiKeys[] = "SELECT " SIXSTEPS_API_KEY_COLUMNS
                                " FROM api_keys WHERE service_account_id = $1 "
                                "AND api_key_id > $2 ORDER BY api_key_id LIMIT $3";
constexpr char kRevokeApiKey[] =
    "UPDATE api_keys SET revoke_time = coalesce(revoke_time, now()) WHERE api_key_id = $1 "
    "RETURNING " SIXSTEPS_API_KEY_COLUMNS;
constexpr char kRevokeApiKeyTokens[] =
    "INSERT INTO revoked_api_key_tokens (api_key_id, expire_time) "
    "VALUES ($1, to_timestamp($2::bigint / 1000000.0)) "
    "ON CONFLICT (api_key_id) DO UPDATE SET "
    "expire_time = greatest(revoked_api_key_tokens.expire_time, EXCLUDED.expire_time)";
constexpr char kForgetExpiredApiKeyRevocations[] =
    "DELETE FROM revoked_api_key_tokens WHERE expire_time < now()";

std::pair<v1::ServiceAccount, std::string> RowToServiceAccount(const pqxx::row& row) {
  v1::ServiceAccount account;
  account.set_name(ServiceAccountName(row[0].as<std::string>()));
  account.set_display_name(row[1].as<std::string>());
  account.set_owner(row[2].as<std::string>());
  SetTime(row[3], account.mutable_create_time());
  return {account, row[4].as<std::string>()};
}

StoredApiKey RowToApiKey(const pqxx::row& row) {
  StoredApiKey stored;
  stored.service_account_id = row[1].as<std::string>();
  stored.api_key.set_name(absl::StrCat(ServiceAccountName(stored.service_account_id), "/apiKeys/",
                                       row[0].as<std::string>()));
  stored.api_key.set_display_name(row[2].as<std::string>());
  stored.secret_hash = Unhex(row[3]);
  SetTime(row[4], stored.api_key.mutable_create_time());
  SetTime(row[5], stored.api_key.mutable_expire_time());
  if (!row[6].is_null()) SetTime(row[6], stored.api_key.mutable_revoke_time());
  return stored;
}

}  // namespace

// ---- Service accounts and API keys ----

absl::Status PgIdentityStore::CreateServiceAccount(const std::string& id,
                                                   const v1::ServiceAccount& account,
                                                   const std::string& owner_region,
                                                   const NewAuditEvent& audit) {
  return pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    SIXSTEPS_RETURN_IF_ERROR(
        InsertOnce(txn, ServiceAccountName(id), [&](pqxx::subtransaction& sub) {
          sub.exec_params(kInsertServiceAccount, id, account.display_name(), account.owner(),
                          owner_region);
        }));
    Audit(txn, audit);
    return absl::OkStatus();
  });
}

absl::StatusOr<std::pair<v1::ServiceAccount, std::string>> PgIdentityStore::GetServiceAccount(
    const std::string& id) {
  return db::ReadRow(*pool_, RowToServiceAccount, NotFound(ServiceAccountName(id)),
                     kSelectServiceAccount, id);
}

absl::StatusOr<std::vector<v1::ServiceAccount>> PgIdentityStore::ListServiceAccounts(
    const Visibility& visible, const std::string& after, int limit) {
  return db::ReadRows(
      *pool_, [](const pqxx::row& row) { return RowToServiceAccount(row).first; },
      kListServiceAccounts, visible.everything, db::TextArray(visible.regions),
      db::TextArray(visible.partnerships), after, limit);
}

absl::Status PgIdentityStore::CreateApiKey(const std::string& service_account_id,
                                           const std::string& api_key_id, const v1::ApiKey& api_key,
                                           const std::string& secret_hash,
                                           const NewAuditEvent& audit) {
  return pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    txn.exec_params(kInsertApiKey, api_key_id, service_account_id, api_key.display_name(),
                    Hex(secret_hash), TimeUtil::TimestampToMicroseconds(api_key.expire_time()));
    Audit(txn, audit);
    return absl::OkStatus();
  });
}

absl::StatusOr<StoredApiKey> PgIdentityStore::GetApiKey(const std::string& api_key_id) {
  return db::ReadRow(*pool_, RowToApiKey, NotFound("API key"), kSelectApiKey, api_key_id);
}

absl::StatusOr<std::vector<v1::ApiKey>> PgIdentityStore::ListApiKeys(
    const std::string& service_account_id, const std::string& after, int limit) {
  return db::ReadRows(
      *pool_, [](const pqxx::row& row) { return RowToApiKey(row).api_key; }, kListApiKeys,
      service_account_id, after, limit);
}

absl::StatusOr<v1::ApiKey> PgIdentityStore::RevokeApiKey(const std::string& api_key_id,
                                                         absl::Duration tokens_live_for,
                                                         const NewAuditEvent& audit) {
  v1::ApiKey key;
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    pqxx::result rows = txn.exec_params(kRevokeApiKey, api_key_id);
    if (rows.empty()) return NotFound("API key");
    key = RowToApiKey(rows[0]).api_key;
    txn.exec(kForgetExpiredApiKeyRevocations);
    txn.exec_params(kRevokeApiKeyTokens, api_key_id, Micros(absl::Now() + tokens_live_for));
    Audit(txn, audit);
    return absl::OkStatus();
  }));
  return key;
}

}  // namespace sixsteps::identity
