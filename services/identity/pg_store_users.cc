// PgIdentityStore's users: accounts, passwords and the bootstrap of the first administrator.
#include "services/identity/pg_store.h"

#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"

#include "services/base/make_status.h"
#include "services/base/status_macros.h"
#include "services/identity/pg_store_internal.h"

namespace sixsteps::identity {
namespace {

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

constexpr char kRevokeUsersRefreshTokens[] =
    "UPDATE refresh_tokens SET revoke_time = now() WHERE user_id = $1 AND revoke_time IS NULL";

// Bootstrap: one at a time across every replica and run (the key is arbitrary but fixed).
constexpr char kBootstrapLock[] = "SELECT pg_advisory_xact_lock(7165380001)";
constexpr char kAdoptBootstrapUser[] =
    "UPDATE users SET password_hash = $2, display_name = $3, disabled = false "
    "WHERE lower(email) = lower($1) RETURNING user_id";

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

}  // namespace

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
  return db::ReadRow(*pool_, RowToUser, NotFound(UserName(id)), kSelectUser, id);
}

absl::StatusOr<StoredUser> PgIdentityStore::FindUserByEmail(const std::string& normalised_email) {
  return db::ReadRow(*pool_, RowToUser, NotFound("user"), kSelectUserByEmail, normalised_email);
}

absl::StatusOr<std::vector<v1::User>> PgIdentityStore::ListUsers(const Visibility& visible,
                                                                 const std::string& after,
                                                                 int limit) {
  return db::ReadRows(
      *pool_, [](const pqxx::row& row) { return RowToUser(row).user; }, kListUsers,
      visible.everything, db::TextArray(visible.regions), db::TextArray(visible.partnerships),
      after, limit);
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

}  // namespace sixsteps::identity
