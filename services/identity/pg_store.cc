// The identity service's SQL. Parameterised statements only; binary secrets travel as hex.
#include "services/identity/pg_store.h"

#include <google/protobuf/util/time_util.h>

#include <algorithm>

#include <pqxx/pqxx>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/base/make_status.h"
#include "services/common/status.h"

namespace sixsteps::identity {
namespace {

using google::protobuf::util::TimeUtil;

#define SIXSTEPS_MICROS(column) "(extract(epoch FROM " column ") * 1000000)::bigint"

// The visibility filter, for a table with region_id and partnership_id columns, as
// parameters $1 (everything), $2 (regions) and $3 (partnerships).
#define SIXSTEPS_VISIBLE(region, partnership) \
  "($1 OR " region " = ANY($2::text[]) OR " partnership " = ANY($3::text[]))"

constexpr char kInsertAudit[] =
    "INSERT INTO audit_events (actor, action, target, region_id, detail) "
    "VALUES ($1, $2, $3, $4, $5::jsonb)";

constexpr char kInsertRegion[] = "INSERT INTO regions (region_id, display_name) VALUES ($1, $2)";
constexpr char kSelectRegion[] = "SELECT region_id, display_name, " SIXSTEPS_MICROS(
    "create_time") " FROM regions WHERE region_id = $1";
constexpr char kListRegions[] =
    "SELECT region_id, display_name, " SIXSTEPS_MICROS("create_time") " FROM regions "
    "WHERE " SIXSTEPS_VISIBLE("region_id", "''") " AND region_id > $4 ORDER BY region_id LIMIT $5";

constexpr char kInsertPartnership[] =
    "INSERT INTO partnerships (partnership_id, region_id, display_name, "
    "regional_comparison_opt_out) VALUES ($1, $2, $3, $4)";
#define SIXSTEPS_PARTNERSHIP_COLUMNS                                       \
  "partnership_id, region_id, display_name, regional_comparison_opt_out, " \
  "revision, " SIXSTEPS_MICROS("create_time")
constexpr char kSelectPartnership[] =
    "SELECT " SIXSTEPS_PARTNERSHIP_COLUMNS " FROM partnerships WHERE partnership_id = $1";
constexpr char kListPartnerships[] =
    "SELECT " SIXSTEPS_PARTNERSHIP_COLUMNS " FROM partnerships "
    "WHERE " SIXSTEPS_VISIBLE("region_id", "partnership_id")
    " AND ($4 = '' OR region_id = $4) AND partnership_id > $5 ORDER BY partnership_id LIMIT $6";
constexpr char kUpdatePartnership[] =
    "UPDATE partnerships SET display_name = $2, regional_comparison_opt_out = $3, "
    "revision = revision + 1 WHERE partnership_id = $1 AND revision::text = $4 "
    "RETURNING " SIXSTEPS_PARTNERSHIP_COLUMNS;

constexpr char kInsertOrganisation[] =
    "INSERT INTO organisations (partnership_id, organisation_id, display_name, kind, core_partner) "
    "VALUES ($1, $2, $3, $4, $5)";
#define SIXSTEPS_ORGANISATION_COLUMNS                                                    \
  "partnership_id, organisation_id, display_name, kind, core_partner, " SIXSTEPS_MICROS( \
      "create_time")
constexpr char kSelectOrganisation[] =
    "SELECT " SIXSTEPS_ORGANISATION_COLUMNS
    " FROM organisations WHERE partnership_id = $1 AND organisation_id = $2";
constexpr char kListOrganisations[] =
    "SELECT " SIXSTEPS_ORGANISATION_COLUMNS
    " FROM organisations WHERE partnership_id = $1 AND organisation_id > $2 "
    "ORDER BY organisation_id LIMIT $3";

constexpr char kInsertUser[] =
    "INSERT INTO users (user_id, email, display_name, password_hash) VALUES ($1, $2, $3, $4)";
#define SIXSTEPS_USER_COLUMNS \
  "user_id, email, display_name, disabled, " SIXSTEPS_MICROS("create_time") ", password_hash"
constexpr char kSelectUser[] = "SELECT " SIXSTEPS_USER_COLUMNS " FROM users WHERE user_id = $1";
constexpr char kSelectUserByEmail[] =
    "SELECT " SIXSTEPS_USER_COLUMNS " FROM users WHERE lower(email) = $1";
constexpr char kListUsers[] =
    "SELECT " SIXSTEPS_USER_COLUMNS
    " FROM users u WHERE u.user_id > $4 AND ($1 OR EXISTS ("
    "  SELECT 1 FROM role_bindings b WHERE b.principal = 'users/' || u.user_id "
    "AND " SIXSTEPS_VISIBLE("b.region_id", "b.partnership_id") ")) ORDER BY u.user_id LIMIT $5";
constexpr char kUpdatePassword[] = "UPDATE users SET password_hash = $2 WHERE user_id = $1";
constexpr char kInsertBindingIfAbsent[] =
    "INSERT INTO role_bindings (role_binding_id, principal, role, region_id, partnership_id, "
    "organisation_id) VALUES ($1, $2, $3, $4, '', '') ON CONFLICT DO NOTHING";
constexpr char kAnyDeploymentAdmin[] =
    "SELECT EXISTS (SELECT 1 FROM role_bindings WHERE region_id = '*' "
    "AND role = 'hub_administrator')";

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

constexpr char kInsertRoleBinding[] =
    "INSERT INTO role_bindings (role_binding_id, principal, role, region_id, partnership_id, "
    "organisation_id) VALUES ($1, $2, $3, $4, $5, $6)";
#define SIXSTEPS_BINDING_COLUMNS                                  \
  "role_binding_id, principal, role, region_id, partnership_id, " \
  "organisation_id, " SIXSTEPS_MICROS("create_time")
constexpr char kSelectRoleBinding[] =
    "SELECT " SIXSTEPS_BINDING_COLUMNS " FROM role_bindings WHERE role_binding_id = $1";
constexpr char kDeleteRoleBinding[] =
    "DELETE FROM role_bindings WHERE role_binding_id = $1 RETURNING principal";
constexpr char kListRoleBindings[] =
    "SELECT " SIXSTEPS_BINDING_COLUMNS " FROM role_bindings "
    "WHERE " SIXSTEPS_VISIBLE("region_id", "partnership_id")
    " AND ($4 = '' OR principal = $4) AND ($5 = '' OR region_id = $5) "
    "AND ($6 = '' OR partnership_id = $6) AND role_binding_id > $7 "
    "ORDER BY role_binding_id LIMIT $8";
// FOR SHARE: waits for a deletion in progress (see IdentityStore::BindingsOf).
constexpr char kBindingsOf[] = "SELECT " SIXSTEPS_BINDING_COLUMNS
                               " FROM role_bindings WHERE principal = $1 "
                               "ORDER BY role_binding_id FOR SHARE";

constexpr char kRevokePrincipalTokens[] =
    "INSERT INTO revoked_principal_tokens (principal, not_before, expire_time) "
    "VALUES ($1, to_timestamp($2::bigint / 1000000.0), to_timestamp($3::bigint / 1000000.0)) "
    "ON CONFLICT (principal) DO UPDATE SET "
    "not_before = greatest(revoked_principal_tokens.not_before, EXCLUDED.not_before), "
    "expire_time = greatest(revoked_principal_tokens.expire_time, EXCLUDED.expire_time)";
constexpr char kRevokeApiKeyTokens[] =
    "INSERT INTO revoked_api_key_tokens (api_key_id, expire_time) "
    "VALUES ($1, to_timestamp($2::bigint / 1000000.0)) "
    "ON CONFLICT (api_key_id) DO UPDATE SET "
    "expire_time = greatest(revoked_api_key_tokens.expire_time, EXCLUDED.expire_time)";
constexpr char kForgetExpiredPrincipalRevocations[] =
    "DELETE FROM revoked_principal_tokens WHERE expire_time < now()";
constexpr char kForgetExpiredApiKeyRevocations[] =
    "DELETE FROM revoked_api_key_tokens WHERE expire_time < now()";
constexpr char kListPrincipalRevocations[] =
    "SELECT principal, " SIXSTEPS_MICROS("not_before") " FROM revoked_principal_tokens "
    "WHERE expire_time > to_timestamp($1::bigint / 1000000.0) LIMIT $2";
constexpr char kListApiKeyRevocations[] =
    "SELECT api_key_id FROM revoked_api_key_tokens "
    "WHERE expire_time > to_timestamp($1::bigint / 1000000.0) LIMIT $2";
constexpr char kIsTokenRevoked[] =
    "SELECT EXISTS (SELECT 1 FROM revoked_principal_tokens WHERE principal = $1 "
    "               AND " SIXSTEPS_MICROS("not_before") " > $2) "
    "OR EXISTS (SELECT 1 FROM revoked_api_key_tokens WHERE $3 <> '' AND api_key_id = $3)";

constexpr char kInsertRefreshToken[] =
    "INSERT INTO refresh_tokens (token_hash, user_id, family_id, expire_time) "
    "VALUES (decode($1, 'hex'), $2, $3, to_timestamp($4::bigint / 1000000.0))";
// A token without a family (issued by the previous release) is a family of its own.
#define SIXSTEPS_FAMILY "coalesce(family_id, encode(token_hash, 'hex'))"
constexpr char kRevokeLiveRefreshToken[] =
    "UPDATE refresh_tokens SET revoke_time = now() WHERE token_hash = decode($1, 'hex') "
    "AND revoke_time IS NULL AND expire_time > to_timestamp($2::bigint / 1000000.0) "
    "RETURNING user_id, " SIXSTEPS_FAMILY;
constexpr char kFamilyOfRefreshToken[] =
    "SELECT user_id, " SIXSTEPS_FAMILY " FROM refresh_tokens WHERE token_hash = decode($1, 'hex')";
constexpr char kRevokeRefreshFamily[] =
    "UPDATE refresh_tokens SET revoke_time = now() WHERE revoke_time IS NULL "
    "AND (family_id = $1 OR token_hash = decode($2, 'hex'))";
constexpr char kRevokeUsersRefreshTokens[] =
    "UPDATE refresh_tokens SET revoke_time = now() WHERE user_id = $1 AND revoke_time IS NULL";

constexpr char kSelectBackoff[] =
    "SELECT failures, " SIXSTEPS_MICROS("last_failure") " FROM sign_in_backoff "
    "WHERE email_key = $1 AND client = $2";
constexpr char kEnsureBackoff[] =
    "INSERT INTO sign_in_backoff (email_key, client, failures, last_failure) "
    "VALUES ($1, $2, 0, to_timestamp(0)) ON CONFLICT (email_key, client) DO NOTHING";
constexpr char kLockBackoff[] =
    "SELECT failures, " SIXSTEPS_MICROS("last_failure") " FROM sign_in_backoff "
    "WHERE email_key = $1 AND client = $2 FOR UPDATE";
constexpr char kCountFailure[] =
    "UPDATE sign_in_backoff SET failures = failures + 1, "
    "last_failure = to_timestamp($3::bigint / 1000000.0) WHERE email_key = $1 AND client = $2 "
    "RETURNING failures, " SIXSTEPS_MICROS("last_failure");
constexpr char kClearBackoff[] = "DELETE FROM sign_in_backoff WHERE email_key = $1 AND client = $2";
constexpr char kClearAllBackoffs[] = "DELETE FROM sign_in_backoff WHERE email_key = $1";
constexpr char kClearLegacyThrottle[] = "DELETE FROM sign_in_throttle WHERE email_key = $1";

// Bootstrap: one at a time across every replica and run (the key is arbitrary but fixed).
constexpr char kBootstrapLock[] = "SELECT pg_advisory_xact_lock(7165380001)";
constexpr char kAdoptBootstrapUser[] =
    "UPDATE users SET password_hash = $2, display_name = $3, disabled = false "
    "WHERE lower(email) = lower($1) RETURNING user_id";

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
constexpr char kInsertKey[] =
    "INSERT INTO signing_keys (key_id, public_key, private_key_sealed) "
    "VALUES ($1, decode($2, 'hex'), decode($3, 'hex'))";

constexpr char kListAudit[] =
    "SELECT id, " SIXSTEPS_MICROS("time") ", actor, action, target, region_id, detail::text "
    "FROM audit_events WHERE " SIXSTEPS_VISIBLE("region_id", "''")
    " AND ($4 = '' OR region_id = $4) AND ($5 = 0 OR id < $5) ORDER BY id DESC LIMIT $6";

std::string Hex(absl::string_view bytes) { return absl::BytesToHexString(bytes); }
std::string Unhex(const pqxx::field& field) { return absl::HexStringToBytes(field.c_str()); }

int64_t Micros(absl::Time time) { return absl::ToUnixMicros(time); }
absl::Time TimeOf(const pqxx::field& field) {
  return field.is_null() ? absl::InfinitePast() : absl::FromUnixMicros(field.as<int64_t>());
}
void SetTime(const pqxx::field& field, google::protobuf::Timestamp* out) {
  if (!field.is_null()) *out = TimeUtil::MicrosecondsToTimestamp(field.as<int64_t>());
}

void Audit(pqxx::work& txn, const NewAuditEvent& event) {
  txn.exec_params(kInsertAudit, event.actor, event.action, event.target, event.region,
                  event.detail_json);
}

v1::Region RowToRegion(const pqxx::row& row) {
  v1::Region region;
  region.set_name(RegionName(row[0].as<std::string>()));
  region.set_display_name(row[1].as<std::string>());
  SetTime(row[2], region.mutable_create_time());
  return region;
}

v1::Partnership RowToPartnership(const pqxx::row& row) {
  v1::Partnership partnership;
  partnership.set_name(PartnershipName(row[0].as<std::string>()));
  partnership.set_region(RegionName(row[1].as<std::string>()));
  partnership.set_display_name(row[2].as<std::string>());
  partnership.set_regional_comparison_opt_out(row[3].as<bool>());
  partnership.set_etag(row[4].as<std::string>());
  SetTime(row[5], partnership.mutable_create_time());
  return partnership;
}

v1::Organisation RowToOrganisation(const pqxx::row& row) {
  v1::Organisation organisation;
  organisation.set_name(
      OrganisationResourceName(row[0].as<std::string>(), row[1].as<std::string>()));
  organisation.set_display_name(row[2].as<std::string>());
  v1::OrganisationKind kind = v1::ORGANISATION_KIND_UNSPECIFIED;
  v1::OrganisationKind_Parse(row[3].as<std::string>(), &kind);
  organisation.set_kind(kind);
  organisation.set_core_partner(row[4].as<bool>());
  SetTime(row[5], organisation.mutable_create_time());
  return organisation;
}

StoredUser RowToUser(const pqxx::row& row) {
  StoredUser stored;
  stored.user.set_name(UserName(row[0].as<std::string>()));
  stored.user.set_email(row[1].as<std::string>());
  stored.user.set_display_name(row[2].as<std::string>());
  stored.user.set_disabled(row[3].as<bool>());
  SetTime(row[4], stored.user.mutable_create_time());
  stored.password_hash = row[5].as<std::string>();
  return stored;
}

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

StoredRoleBinding RowToBinding(const pqxx::row& row) {
  StoredRoleBinding binding;
  binding.id = row[0].as<std::string>();
  binding.principal = row[1].as<std::string>();
  binding.scope.role = auth::RoleFromName(row[2].as<std::string>());
  binding.scope.region = row[3].as<std::string>();
  binding.scope.partnership = row[4].as<std::string>();
  binding.scope.organisation = row[5].as<std::string>();
  binding.scope.principal_is_service_account = binding.principal.rfind("serviceAccounts/", 0) == 0;
  binding.create_time = TimeOf(row[6]);
  return binding;
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

// Runs `insert`, turning a unique violation into ALREADY_EXISTS naming `what`.
template <typename Insert>
absl::Status InsertOnce(pqxx::work& txn, absl::string_view what, Insert insert) {
  try {
    pqxx::subtransaction sub(txn, "insert_once");
    insert(sub);
    sub.commit();
  } catch (const pqxx::unique_violation&) {
    return absl::AlreadyExistsError(absl::StrCat(what, " already exists"));
  }
  return absl::OkStatus();
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

// ---- Regions ----

absl::Status PgIdentityStore::CreateRegion(const std::string& id, const std::string& display_name,
                                           const NewAuditEvent& audit) {
  return pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    SIXSTEPS_RETURN_IF_ERROR(InsertOnce(txn, RegionName(id), [&](pqxx::subtransaction& sub) {
      sub.exec_params(kInsertRegion, id, display_name);
    }));
    Audit(txn, audit);
    return absl::OkStatus();
  });
}

absl::StatusOr<v1::Region> PgIdentityStore::GetRegion(const std::string& id) {
  v1::Region region;
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    pqxx::result rows = txn.exec_params(kSelectRegion, id);
    if (rows.empty()) return NotFound(RegionName(id));
    region = RowToRegion(rows[0]);
    return absl::OkStatus();
  }));
  return region;
}

absl::StatusOr<std::vector<v1::Region>> PgIdentityStore::ListRegions(const Visibility& visible,
                                                                     const std::string& after,
                                                                     int limit) {
  std::vector<v1::Region> regions;
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    regions.clear();
    for (const pqxx::row& row :
         txn.exec_params(kListRegions, visible.everything, db::TextArray(visible.regions),
                         db::TextArray(visible.partnerships), after, limit)) {
      regions.push_back(RowToRegion(row));
    }
    return absl::OkStatus();
  }));
  return regions;
}

// ---- Partnerships ----

absl::Status PgIdentityStore::CreatePartnership(const std::string& id,
                                                const v1::Partnership& partnership,
                                                const std::string& region_id,
                                                const NewAuditEvent& audit) {
  return pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    SIXSTEPS_RETURN_IF_ERROR(InsertOnce(txn, PartnershipName(id), [&](pqxx::subtransaction& sub) {
      sub.exec_params(kInsertPartnership, id, region_id, partnership.display_name(),
                      partnership.regional_comparison_opt_out());
    }));
    Audit(txn, audit);
    return absl::OkStatus();
  });
}

absl::StatusOr<v1::Partnership> PgIdentityStore::GetPartnership(const std::string& id) {
  v1::Partnership partnership;
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    pqxx::result rows = txn.exec_params(kSelectPartnership, id);
    if (rows.empty()) return NotFound(PartnershipName(id));
    partnership = RowToPartnership(rows[0]);
    return absl::OkStatus();
  }));
  return partnership;
}

absl::StatusOr<std::vector<v1::Partnership>> PgIdentityStore::ListPartnerships(
    const Visibility& visible, const std::string& region_filter, const std::string& after,
    int limit) {
  std::vector<v1::Partnership> partnerships;
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    partnerships.clear();
    for (const pqxx::row& row :
         txn.exec_params(kListPartnerships, visible.everything, db::TextArray(visible.regions),
                         db::TextArray(visible.partnerships), region_filter, after, limit)) {
      partnerships.push_back(RowToPartnership(row));
    }
    return absl::OkStatus();
  }));
  return partnerships;
}

absl::StatusOr<v1::Partnership> PgIdentityStore::UpdatePartnership(const std::string& id,
                                                                   const v1::Partnership& values,
                                                                   const std::string& etag,
                                                                   const NewAuditEvent& audit) {
  v1::Partnership updated;
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    pqxx::result rows = txn.exec_params(kUpdatePartnership, id, values.display_name(),
                                        values.regional_comparison_opt_out(), etag);
    if (rows.empty()) {
      if (txn.exec_params(kSelectPartnership, id).empty()) return NotFound(PartnershipName(id));
      return absl::AbortedError(
          "the partnership changed since you read it; read it again and reapply your change");
    }
    updated = RowToPartnership(rows[0]);
    Audit(txn, audit);
    return absl::OkStatus();
  }));
  return updated;
}

// ---- Organisations ----

absl::Status PgIdentityStore::CreateOrganisation(const std::string& partnership_id,
                                                 const std::string& organisation_id,
                                                 const v1::Organisation& organisation) {
  return pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    return InsertOnce(txn, OrganisationResourceName(partnership_id, organisation_id),
                      [&](pqxx::subtransaction& sub) {
                        sub.exec_params(kInsertOrganisation, partnership_id, organisation_id,
                                        organisation.display_name(),
                                        v1::OrganisationKind_Name(organisation.kind()),
                                        organisation.core_partner());
                      });
  });
}

absl::StatusOr<v1::Organisation> PgIdentityStore::GetOrganisation(
    const std::string& partnership_id, const std::string& organisation_id) {
  v1::Organisation organisation;
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    pqxx::result rows = txn.exec_params(kSelectOrganisation, partnership_id, organisation_id);
    if (rows.empty()) return NotFound(OrganisationResourceName(partnership_id, organisation_id));
    organisation = RowToOrganisation(rows[0]);
    return absl::OkStatus();
  }));
  return organisation;
}

absl::StatusOr<std::vector<v1::Organisation>> PgIdentityStore::ListOrganisations(
    const std::string& partnership_id, const std::string& after, int limit) {
  std::vector<v1::Organisation> organisations;
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    organisations.clear();
    for (const pqxx::row& row : txn.exec_params(kListOrganisations, partnership_id, after, limit)) {
      organisations.push_back(RowToOrganisation(row));
    }
    return absl::OkStatus();
  }));
  return organisations;
}

// ---- Users ----

absl::Status PgIdentityStore::CreateUser(const std::string& id, const v1::User& user,
                                         const std::string& password_hash,
                                         const NewAuditEvent& audit) {
  return pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    SIXSTEPS_RETURN_IF_ERROR(
        InsertOnce(txn, "a user with that email", [&](pqxx::subtransaction& sub) {
          sub.exec_params(kInsertUser, id, user.email(), user.display_name(), password_hash);
        }));
    Audit(txn, audit);
    return absl::OkStatus();
  });
}

absl::StatusOr<StoredUser> PgIdentityStore::GetUser(const std::string& id) {
  StoredUser user;
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    pqxx::result rows = txn.exec_params(kSelectUser, id);
    if (rows.empty()) return NotFound(UserName(id));
    user = RowToUser(rows[0]);
    return absl::OkStatus();
  }));
  return user;
}

absl::StatusOr<StoredUser> PgIdentityStore::FindUserByEmail(const std::string& normalised_email) {
  StoredUser user;
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    pqxx::result rows = txn.exec_params(kSelectUserByEmail, normalised_email);
    if (rows.empty()) return NotFound("user");
    user = RowToUser(rows[0]);
    return absl::OkStatus();
  }));
  return user;
}

absl::StatusOr<std::vector<v1::User>> PgIdentityStore::ListUsers(const Visibility& visible,
                                                                 const std::string& after,
                                                                 int limit) {
  std::vector<v1::User> users;
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    users.clear();
    for (const pqxx::row& row :
         txn.exec_params(kListUsers, visible.everything, db::TextArray(visible.regions),
                         db::TextArray(visible.partnerships), after, limit)) {
      users.push_back(RowToUser(row).user);
    }
    return absl::OkStatus();
  }));
  return users;
}

absl::Status PgIdentityStore::ChangePassword(const std::string& user_id, const std::string& hash,
                                             const NewAuditEvent& audit) {
  return pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    if (txn.exec_params(kUpdatePassword, user_id, hash).affected_rows() == 0) {
      return NotFound(UserName(user_id));
    }
    txn.exec_params(kRevokeUsersRefreshTokens, user_id);
    Audit(txn, audit);
    return absl::OkStatus();
  });
}

absl::StatusOr<std::string> PgIdentityStore::BootstrapAdministrator(
    const std::string& new_user_id, const v1::User& user, const std::string& password_hash,
    const std::string& binding_id) {
  std::string user_id;
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    txn.exec(kBootstrapLock);
    if (txn.exec(kAnyDeploymentAdmin)[0][0].as<bool>()) {
      return absl::FailedPreconditionError(
          "a deployment administrator already exists; sign in as them to add others");
    }
    pqxx::result adopted =
        txn.exec_params(kAdoptBootstrapUser, user.email(), password_hash, user.display_name());
    user_id = adopted.empty() ? new_user_id : adopted[0][0].as<std::string>();
    if (adopted.empty()) {
      txn.exec_params(kInsertUser, user_id, user.email(), user.display_name(), password_hash);
    }
    Audit(txn, {"bootstrap", adopted.empty() ? "user.create" : "user.adopt", UserName(user_id), "",
                "{}"});
    txn.exec_params(kInsertBindingIfAbsent, binding_id, UserName(user_id),
                    auth::RoleName(Role::ROLE_HUB_ADMINISTRATOR), std::string(auth::kEveryRegion));
    Audit(txn, {"bootstrap", "role_binding.create", UserName(user_id), "",
                R"({"role": "hub_administrator", "scope": "*"})"});
    return absl::OkStatus();
  }));
  return user_id;
}

absl::StatusOr<bool> PgIdentityStore::AnyHubAdministrator() {
  bool any = false;
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    any = txn.exec(kAnyDeploymentAdmin)[0][0].as<bool>();
    return absl::OkStatus();
  }));
  return any;
}

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
  std::pair<v1::ServiceAccount, std::string> account;
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    pqxx::result rows = txn.exec_params(kSelectServiceAccount, id);
    if (rows.empty()) return NotFound(ServiceAccountName(id));
    account = RowToServiceAccount(rows[0]);
    return absl::OkStatus();
  }));
  return account;
}

absl::StatusOr<std::vector<v1::ServiceAccount>> PgIdentityStore::ListServiceAccounts(
    const Visibility& visible, const std::string& after, int limit) {
  std::vector<v1::ServiceAccount> accounts;
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    accounts.clear();
    for (const pqxx::row& row :
         txn.exec_params(kListServiceAccounts, visible.everything, db::TextArray(visible.regions),
                         db::TextArray(visible.partnerships), after, limit)) {
      accounts.push_back(RowToServiceAccount(row).first);
    }
    return absl::OkStatus();
  }));
  return accounts;
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
  StoredApiKey key;
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    pqxx::result rows = txn.exec_params(kSelectApiKey, api_key_id);
    if (rows.empty()) return NotFound("API key");
    key = RowToApiKey(rows[0]);
    return absl::OkStatus();
  }));
  return key;
}

absl::StatusOr<std::vector<v1::ApiKey>> PgIdentityStore::ListApiKeys(
    const std::string& service_account_id, const std::string& after, int limit) {
  std::vector<v1::ApiKey> keys;
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    keys.clear();
    for (const pqxx::row& row : txn.exec_params(kListApiKeys, service_account_id, after, limit)) {
      keys.push_back(RowToApiKey(row).api_key);
    }
    return absl::OkStatus();
  }));
  return keys;
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

// ---- Role bindings ----

absl::Status PgIdentityStore::CreateRoleBinding(const StoredRoleBinding& binding,
                                                const NewAuditEvent& audit) {
  return pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    SIXSTEPS_RETURN_IF_ERROR(
        InsertOnce(txn, "the same role binding", [&](pqxx::subtransaction& sub) {
          sub.exec_params(kInsertRoleBinding, binding.id, binding.principal,
                          auth::RoleName(binding.scope.role), binding.scope.region,
                          binding.scope.partnership, binding.scope.organisation);
        }));
    Audit(txn, audit);
    return absl::OkStatus();
  });
}

absl::StatusOr<StoredRoleBinding> PgIdentityStore::GetRoleBinding(const std::string& id) {
  StoredRoleBinding binding;
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    pqxx::result rows = txn.exec_params(kSelectRoleBinding, id);
    if (rows.empty()) return NotFound(absl::StrCat("roleBindings/", id));
    binding = RowToBinding(rows[0]);
    return absl::OkStatus();
  }));
  return binding;
}

namespace {

// Revokes the principal's tokens issued before now; `now` is read here, after the caller's
// statements took their locks.
void RevokeTokensOf(pqxx::work& txn, const std::string& principal, absl::Duration tokens_live_for) {
  txn.exec(kForgetExpiredPrincipalRevocations);
  const absl::Time now = absl::Now();
  txn.exec_params(kRevokePrincipalTokens, principal, Micros(now), Micros(now + tokens_live_for));
}

}  // namespace

absl::Status PgIdentityStore::DeleteRoleBinding(const std::string& id,
                                                absl::Duration tokens_live_for,
                                                const NewAuditEvent& audit) {
  return pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    pqxx::result deleted = txn.exec_params(kDeleteRoleBinding, id);
    if (deleted.empty()) return NotFound(absl::StrCat("roleBindings/", id));
    // The row is locked now: a token issuance still reading it has finished (BindingsOf
    // reads FOR SHARE), so its token's issue time is before the revocation's.
    RevokeTokensOf(txn, deleted[0][0].as<std::string>(), tokens_live_for);
    Audit(txn, audit);
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<StoredRoleBinding>> PgIdentityStore::ListRoleBindings(
    const Visibility& visible, const std::string& principal_filter,
    const std::string& region_filter, const std::string& partnership_filter,
    const std::string& after, int limit) {
  std::vector<StoredRoleBinding> bindings;
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    bindings.clear();
    for (const pqxx::row& row :
         txn.exec_params(kListRoleBindings, visible.everything, db::TextArray(visible.regions),
                         db::TextArray(visible.partnerships), principal_filter, region_filter,
                         partnership_filter, after, limit)) {
      bindings.push_back(RowToBinding(row));
    }
    return absl::OkStatus();
  }));
  return bindings;
}

absl::StatusOr<std::vector<BindingScope>> PgIdentityStore::BindingsOf(
    const std::string& principal) {
  std::vector<BindingScope> scopes;
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    scopes.clear();
    for (const pqxx::row& row : txn.exec_params(kBindingsOf, principal)) {
      scopes.push_back(RowToBinding(row).scope);
    }
    return absl::OkStatus();
  }));
  return scopes;
}

// ---- Revoked access tokens ----

absl::Status PgIdentityStore::RevokePrincipalTokens(const std::string& principal,
                                                    absl::Duration tokens_live_for) {
  return pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    RevokeTokensOf(txn, principal, tokens_live_for);
    return absl::OkStatus();
  });
}

absl::StatusOr<StoredRevocations> PgIdentityStore::ListTokenRevocations(absl::Time now, int limit) {
  StoredRevocations revocations;
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    revocations = StoredRevocations();
    for (const pqxx::row& row :
         txn.exec_params(kListPrincipalRevocations, Micros(now), limit + 1)) {
      revocations.principals.emplace_back(row[0].as<std::string>(), TimeOf(row[1]));
    }
    for (const pqxx::row& row : txn.exec_params(kListApiKeyRevocations, Micros(now), limit + 1)) {
      revocations.api_keys.push_back(row[0].as<std::string>());
    }
    return absl::OkStatus();
  }));
  if (revocations.principals.size() + revocations.api_keys.size() > static_cast<size_t>(limit)) {
    return absl::ResourceExhaustedError(
        absl::StrCat("more than ", limit, " access-token revocations are in force"));
  }
  return revocations;
}

absl::StatusOr<bool> PgIdentityStore::IsTokenRevoked(const std::string& principal,
                                                     const std::string& api_key_id,
                                                     absl::Time issue_time) {
  bool revoked = false;
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    revoked = txn.exec_params(kIsTokenRevoked, principal, Micros(issue_time), api_key_id)[0][0]
                  .as<bool>();
    return absl::OkStatus();
  }));
  return revoked;
}

// ---- Refresh tokens ----

absl::Status PgIdentityStore::CreateRefreshToken(const std::string& token_hash,
                                                 const std::string& user_id,
                                                 const std::string& family_id,
                                                 absl::Time expire_time) {
  return pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    txn.exec_params(kInsertRefreshToken, Hex(token_hash), user_id, family_id, Micros(expire_time));
    return absl::OkStatus();
  });
}

absl::StatusOr<std::string> PgIdentityStore::RotateRefreshToken(const std::string& old_hash,
                                                                const std::string& new_hash,
                                                                absl::Time new_expire_time,
                                                                absl::Time now) {
  std::string user_id;
  bool replayed = false;
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    user_id.clear();
    replayed = false;
    pqxx::result rows = txn.exec_params(kRevokeLiveRefreshToken, Hex(old_hash), Micros(now));
    if (rows.empty()) {
      // Unknown, expired or revoked. A revoked one is a replay of a token already exchanged
      // (or signed out): whoever holds its successors may have stolen it, so the whole
      // family goes. This must commit, hence OK here and UNAUTHENTICATED below.
      pqxx::result known = txn.exec_params(kFamilyOfRefreshToken, Hex(old_hash));
      if (!known.empty()) {
        std::string family = known[0][1].as<std::string>();
        replayed = txn.exec_params(kRevokeRefreshFamily, family, family).affected_rows() > 0;
        if (replayed) {
          Audit(txn, {UserName(known[0][0].as<std::string>()), "refresh_token.replayed",
                      UserName(known[0][0].as<std::string>()), "", "{}"});
        }
      }
      return absl::OkStatus();
    }
    user_id = rows[0][0].as<std::string>();
    txn.exec_params(kInsertRefreshToken, Hex(new_hash), user_id, rows[0][1].as<std::string>(),
                    Micros(new_expire_time));
    return absl::OkStatus();
  }));
  if (user_id.empty()) {
    return absl::UnauthenticatedError("the refresh token is not valid; sign in again");
  }
  return user_id;
}

absl::Status PgIdentityStore::RevokeRefreshToken(const std::string& token_hash) {
  return pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    pqxx::result known = txn.exec_params(kFamilyOfRefreshToken, Hex(token_hash));
    if (!known.empty()) {
      std::string family = known[0][1].as<std::string>();
      txn.exec_params(kRevokeRefreshFamily, family, family);
    }
    return absl::OkStatus();
  });
}

// ---- Password-attempt backoff ----

namespace {
BackoffState RowToBackoff(const pqxx::row& row) { return {row[0].as<int>(), TimeOf(row[1])}; }
}  // namespace

absl::StatusOr<BackoffState> PgIdentityStore::GetBackoff(const std::string& email_key,
                                                         const std::string& client) {
  BackoffState state;
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    pqxx::result rows = txn.exec_params(kSelectBackoff, email_key, client);
    state = rows.empty() ? BackoffState() : RowToBackoff(rows[0]);
    return absl::OkStatus();
  }));
  return state;
}

absl::StatusOr<BackoffState> PgIdentityStore::ClaimPasswordAttempt(const std::string& email_key,
                                                                   const std::string& client,
                                                                   absl::Time now) {
  BackoffState state;
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    txn.exec_params(kEnsureBackoff, email_key, client);
    // The row lock makes concurrent claims for one (email, client) take turns: each sees
    // the failures counted by those before it.
    BackoffState current = RowToBackoff(txn.exec_params(kLockBackoff, email_key, client)[0]);
    SIXSTEPS_RETURN_IF_ERROR(MayAttemptNow(current, now));
    state = RowToBackoff(txn.exec_params(kCountFailure, email_key, client, Micros(now))[0]);
    return absl::OkStatus();
  }));
  return state;
}

absl::Status PgIdentityStore::ClearBackoff(const std::string& email_key,
                                           const std::string& client) {
  return pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    txn.exec_params(kClearBackoff, email_key, client);
    return absl::OkStatus();
  });
}

absl::StatusOr<int> PgIdentityStore::ClearAllBackoffs(const std::string& email_key,
                                                      const NewAuditEvent& audit) {
  int cleared = 0;
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    cleared = static_cast<int>(txn.exec_params(kClearAllBackoffs, email_key).affected_rows());
    cleared += static_cast<int>(txn.exec_params(kClearLegacyThrottle, email_key).affected_rows());
    Audit(txn, audit);
    return absl::OkStatus();
  }));
  return cleared;
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
  std::vector<SigningKey> keys;
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    keys.clear();
    // absl::InfinitePast() ("every key") would overflow to_timestamp; no key predates 1970.
    const absl::Time after = std::max(since, absl::UnixEpoch());
    for (const pqxx::row& row : txn.exec_params(kPublishedKeys, Micros(after))) {
      keys.push_back(RowToKey(row));
    }
    return absl::OkStatus();
  }));
  return keys;
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

// ---- Audit ----

absl::Status PgIdentityStore::AppendAudit(const NewAuditEvent& event) {
  return pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    Audit(txn, event);
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<v1::AuditEvent>> PgIdentityStore::ListAuditEvents(
    const Visibility& visible, const std::string& region_filter, int64_t before_id, int limit) {
  std::vector<v1::AuditEvent> events;
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    events.clear();
    for (const pqxx::row& row :
         txn.exec_params(kListAudit, visible.everything, db::TextArray(visible.regions),
                         db::TextArray(visible.partnerships), region_filter, before_id, limit)) {
      v1::AuditEvent event;
      event.set_id(row[0].as<int64_t>());
      SetTime(row[1], event.mutable_time());
      event.set_actor(row[2].as<std::string>());
      event.set_action(row[3].as<std::string>());
      event.set_target(row[4].as<std::string>());
      event.set_region(row[5].as<std::string>());
      event.set_detail(row[6].as<std::string>());
      events.push_back(std::move(event));
    }
    return absl::OkStatus();
  }));
  return events;
}

}  // namespace sixsteps::identity
