// PgIdentityStore's sign-in state: refresh tokens (in families, for replay detection) and the
// password-attempt backoff.
#include "services/identity/pg_store.h"

#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"

#include "services/base/make_status.h"
#include "services/base/status_macros.h"
#include "services/identity/pg_store_internal.h"

namespace sixsteps::identity {
namespace {

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

constexpr char kSelectBackoff[] =
    "SELECT failures, " SIXSTEPS_MICROS("last_failure") " FROM sign_in_backoff "
    "WHERE email_key = $1 AND client = $2";
// Insert-or-lock in one statement: the row exists and is locked by this transaction when it
// returns, even if a successful sign-in deletes it at the same moment (an INSERT ... DO
// NOTHING followed by SELECT ... FOR UPDATE could find it gone and return no row).
constexpr char kClaimBackoff[] =
    "INSERT INTO sign_in_backoff (email_key, client, failures, last_failure) "
    "VALUES ($1, $2, 0, to_timestamp(0)) ON CONFLICT (email_key, client) "
    "DO UPDATE SET failures = sign_in_backoff.failures "
    "RETURNING failures, " SIXSTEPS_MICROS("last_failure");
constexpr char kCountFailure[] =
    "UPDATE sign_in_backoff SET failures = failures + 1, "
    "last_failure = to_timestamp($3::bigint / 1000000.0) WHERE email_key = $1 AND client = $2 "
    "RETURNING failures, " SIXSTEPS_MICROS("last_failure");
constexpr char kClearBackoff[] = "DELETE FROM sign_in_backoff WHERE email_key = $1 AND client = $2";
constexpr char kClearAllBackoffs[] = "DELETE FROM sign_in_backoff WHERE email_key = $1";
constexpr char kClearLegacyThrottle[] = "DELETE FROM sign_in_throttle WHERE email_key = $1";

BackoffState RowToBackoff(const pqxx::row& row) { return {row[0].as<int>(), TimeOf(row[1])}; }

}  // namespace

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
    // The row lock makes concurrent claims for one (email, client) take turns: each sees
    // the failures counted by those before it.
    pqxx::result claimed = txn.exec_params(kClaimBackoff, email_key, client);
    if (claimed.empty()) return absl::AbortedError("sign-in backoff: the claim returned no row");
    SIXSTEPS_RETURN_IF_ERROR(MayAttemptNow(RowToBackoff(claimed[0]), now));
    // Still locked by the claim, so a concurrent delete waits and this finds the row.
    pqxx::result counted = txn.exec_params(kCountFailure, email_key, client, Micros(now));
    if (counted.empty()) return absl::AbortedError("sign-in backoff: the row went missing");
    state = RowToBackoff(counted[0]);
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

}  // namespace sixsteps::identity
