// PgIdentityStore's role bindings, and the revocations of access tokens that deleting one
// (or changing a password, or revoking an API key) records.
#include "services/identity/pg_store.h"

#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"

#include "services/base/make_status.h"
#include "services/base/status_macros.h"
#include "services/identity/pg_store_internal.h"

namespace sixsteps::identity {
namespace {

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
constexpr char kForgetExpiredPrincipalRevocations[] =
    "DELETE FROM revoked_principal_tokens WHERE expire_time < now()";
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

// Revokes the principal's tokens issued before now; `now` is read here, after the caller's
// statements took their locks.
void RevokeTokensOf(pqxx::work& txn, const std::string& principal, absl::Duration tokens_live_for) {
  txn.exec(kForgetExpiredPrincipalRevocations);
  const absl::Time now = absl::Now();
  txn.exec_params(kRevokePrincipalTokens, principal, Micros(now), Micros(now + tokens_live_for));
}

}  // namespace

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
  return db::ReadRow(*pool_, RowToBinding, NotFound(absl::StrCat("roleBindings/", id)),
                     kSelectRoleBinding, id);
}

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
  return db::ReadRows(*pool_, RowToBinding, kListRoleBindings, visible.everything,
                      db::TextArray(visible.regions), db::TextArray(visible.partnerships),
                      principal_filter, region_filter, partnership_filter, after, limit);
}

absl::StatusOr<std::vector<BindingScope>> PgIdentityStore::BindingsOf(
    const std::string& principal) {
  return db::ReadRows(
      *pool_, [](const pqxx::row& row) { return RowToBinding(row).scope; }, kBindingsOf, principal);
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

}  // namespace sixsteps::identity
