// Storage of identity's records. IdentityStore is what the service depends on;
// PgIdentityStore keeps them in PostgreSQL and is the only code here that writes SQL.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/common/db.h"
#include "services/identity/domain.h"
#include "sixsteps/identity/v1/identity.pb.h"

namespace sixsteps::identity {

// Which rows a list may return: everything, or those of the named regions and
// partnerships.
struct Visibility {
  bool everything = false;
  std::vector<std::string> regions;
  std::vector<std::string> partnerships;

  static Visibility Of(const Caller& caller);
};

struct StoredUser {
  v1::User user;
  std::string password_hash;
};

struct StoredApiKey {
  v1::ApiKey api_key;
  std::string service_account_id;
  std::string secret_hash;
};

struct StoredRoleBinding {
  std::string id;
  std::string principal;
  BindingScope scope;
  absl::Time create_time;
};

struct SigningKey {
  std::string key_id;
  std::string public_key;
  std::string private_key_sealed;
  absl::Time create_time;
  std::optional<absl::Time> rotate_time;
};

// Access tokens revoked before their expiry, as ListTokenRevocations publishes them.
struct StoredRevocations {
  // Every token of the principal issued before the time.
  std::vector<std::pair<std::string, absl::Time>> principals;
  // Every token issued for one of these API keys (ids, "k-…").
  std::vector<std::string> api_keys;
};

struct NewAuditEvent {
  std::string actor;
  std::string action;
  std::string target;
  std::string region;
  std::string detail_json = "{}";
};

class IdentityStore {
 public:
  virtual ~IdentityStore() = default;

  virtual absl::Status CreateRegion(const std::string& id, const std::string& display_name,
                                    const NewAuditEvent& audit) = 0;
  virtual absl::StatusOr<v1::Region> GetRegion(const std::string& id) = 0;
  virtual absl::StatusOr<std::vector<v1::Region>> ListRegions(const Visibility& visible,
                                                              const std::string& after,
                                                              int limit) = 0;

  virtual absl::Status CreatePartnership(const std::string& id, const v1::Partnership& partnership,
                                         const std::string& region_id,
                                         const NewAuditEvent& audit) = 0;
  // The partnership and the id of its region.
  virtual absl::StatusOr<v1::Partnership> GetPartnership(const std::string& id) = 0;
  virtual absl::StatusOr<std::vector<v1::Partnership>> ListPartnerships(
      const Visibility& visible, const std::string& region_filter, const std::string& after,
      int limit) = 0;
  // Writes display name and opt-out if the stored etag is `etag` (ABORTED otherwise).
  virtual absl::StatusOr<v1::Partnership> UpdatePartnership(const std::string& id,
                                                            const v1::Partnership& values,
                                                            const std::string& etag,
                                                            const NewAuditEvent& audit) = 0;

  virtual absl::Status CreateOrganisation(const std::string& partnership_id,
                                          const std::string& organisation_id,
                                          const v1::Organisation& organisation) = 0;
  virtual absl::StatusOr<v1::Organisation> GetOrganisation(const std::string& partnership_id,
                                                           const std::string& organisation_id) = 0;
  virtual absl::StatusOr<std::vector<v1::Organisation>> ListOrganisations(
      const std::string& partnership_id, const std::string& after, int limit) = 0;
  // The organisations of every partnership `visible` covers, ordered by partnership, then
  // organisation, after (after_partnership, after_organisation).
  virtual absl::StatusOr<std::vector<v1::Organisation>> ListVisibleOrganisations(
      const Visibility& visible, const std::string& after_partnership,
      const std::string& after_organisation, int limit) = 0;

  // ALREADY_EXISTS if the email is taken (case-insensitively).
  virtual absl::Status CreateUser(const std::string& id, const v1::User& user,
                                  const std::string& password_hash, const NewAuditEvent& audit) = 0;
  virtual absl::StatusOr<StoredUser> GetUser(const std::string& id) = 0;
  virtual absl::StatusOr<StoredUser> FindUserByEmail(const std::string& normalised_email) = 0;
  // Users visible to an administrator: those with a binding in a visible scope.
  virtual absl::StatusOr<std::vector<v1::User>> ListUsers(const Visibility& visible,
                                                          const std::string& after, int limit) = 0;
  // Sets a new password hash and revokes every refresh token of the user, atomically.
  virtual absl::Status ChangePassword(const std::string& user_id, const std::string& hash,
                                      const NewAuditEvent& audit) = 0;
  // True if a deployment-wide hub administrator exists (bootstrap runs only before).
  virtual absl::StatusOr<bool> AnyHubAdministrator() = 0;
  // Makes `user` (id `new_user_id`) the first deployment-wide hub administrator in one
  // transaction, serialised with any concurrent bootstrap: FAILED_PRECONDITION if a
  // deployment administrator exists. A user with the same email but no such binding (left by
  // a run that failed part-way under the old three-transaction bootstrap) is adopted: its
  // password hash and display name are set. Returns the user's id.
  virtual absl::StatusOr<std::string> BootstrapAdministrator(const std::string& new_user_id,
                                                             const v1::User& user,
                                                             const std::string& password_hash,
                                                             const std::string& binding_id) = 0;

  virtual absl::Status CreateServiceAccount(const std::string& id,
                                            const v1::ServiceAccount& account,
                                            const std::string& owner_region,
                                            const NewAuditEvent& audit) = 0;
  // The account and the region of its owner.
  virtual absl::StatusOr<std::pair<v1::ServiceAccount, std::string>> GetServiceAccount(
      const std::string& id) = 0;
  virtual absl::StatusOr<std::vector<v1::ServiceAccount>> ListServiceAccounts(
      const Visibility& visible, const std::string& after, int limit) = 0;

  virtual absl::Status CreateApiKey(const std::string& service_account_id,
                                    const std::string& api_key_id, const v1::ApiKey& api_key,
                                    const std::string& secret_hash, const NewAuditEvent& audit) = 0;
  virtual absl::StatusOr<StoredApiKey> GetApiKey(const std::string& api_key_id) = 0;
  virtual absl::StatusOr<std::vector<v1::ApiKey>> ListApiKeys(const std::string& service_account_id,
                                                              const std::string& after,
                                                              int limit) = 0;
  // Also revokes, in the same transaction, every access token issued for the key; that
  // revocation is kept for `tokens_live_for` (as long as such a token can be valid).
  virtual absl::StatusOr<v1::ApiKey> RevokeApiKey(const std::string& api_key_id,
                                                  absl::Duration tokens_live_for,
                                                  const NewAuditEvent& audit) = 0;

  // ALREADY_EXISTS if the same binding exists.
  virtual absl::Status CreateRoleBinding(const StoredRoleBinding& binding,
                                         const NewAuditEvent& audit) = 0;
  virtual absl::StatusOr<StoredRoleBinding> GetRoleBinding(const std::string& id) = 0;
  // Also revokes, in the same transaction, every access token of the binding's principal
  // issued until the binding was gone (see RevokePrincipalTokens).
  virtual absl::Status DeleteRoleBinding(const std::string& id, absl::Duration tokens_live_for,
                                         const NewAuditEvent& audit) = 0;
  virtual absl::StatusOr<std::vector<StoredRoleBinding>> ListRoleBindings(
      const Visibility& visible, const std::string& principal_filter,
      const std::string& region_filter, const std::string& partnership_filter,
      const std::string& after, int limit) = 0;
  // Every binding of a principal: what its access token carries. Read under a share lock,
  // so a token issued with a binding that DeleteRoleBinding is removing is issued before that
  // deletion's revocation time, and so is revoked by it.
  virtual absl::StatusOr<std::vector<BindingScope>> BindingsOf(const std::string& principal) = 0;

  // Revokes every access token of `principal` issued before now (absl::Now(), read after
  // any lock taken), keeping the revocation for `tokens_live_for`. Expired revocations of
  // every principal are deleted on the way.
  virtual absl::Status RevokePrincipalTokens(const std::string& principal,
                                             absl::Duration tokens_live_for) = 0;
  // The revocations in force at `now`; RESOURCE_EXHAUSTED if there are more than `limit`.
  virtual absl::StatusOr<StoredRevocations> ListTokenRevocations(absl::Time now, int limit) = 0;
  // Whether a token of `principal` issued at `issue_time` (for `api_key_id`, if not empty)
  // has been revoked: identity's own verifier asks this on every call.
  virtual absl::StatusOr<bool> IsTokenRevoked(const std::string& principal,
                                              const std::string& api_key_id,
                                              absl::Time issue_time) = 0;

  // A refresh token starting a family (a sign-in); its successors join the family.
  virtual absl::Status CreateRefreshToken(const std::string& token_hash, const std::string& user_id,
                                          const std::string& family_id, absl::Time expire_time) = 0;
  // Revokes a live refresh token and stores its successor in the same family, atomically;
  // returns the user. UNAUTHENTICATED if the old token is unknown, expired or revoked; a
  // revoked one (already exchanged: a replay) also revokes every live token of its family.
  virtual absl::StatusOr<std::string> RotateRefreshToken(const std::string& old_hash,
                                                         const std::string& new_hash,
                                                         absl::Time new_expire_time,
                                                         absl::Time now) = 0;
  // Revokes the token and the rest of its family (signing out ends the session).
  virtual absl::Status RevokeRefreshToken(const std::string& token_hash) = 0;

  // Password-attempt backoff per (email, client); see BackoffState.
  virtual absl::StatusOr<BackoffState> GetBackoff(const std::string& email_key,
                                                  const std::string& client) = 0;
  // Atomically (under a row lock): if MayAttemptNow allows an attempt at `now`, counts it as
  // one more failure and returns the state after; otherwise returns the refusal and counts
  // nothing. A successful check then calls ClearBackoff.
  virtual absl::StatusOr<BackoffState> ClaimPasswordAttempt(const std::string& email_key,
                                                            const std::string& client,
                                                            absl::Time now) = 0;
  virtual absl::Status ClearBackoff(const std::string& email_key, const std::string& client) = 0;
  // Clears every client's backoff of the address (and any lock an older release set);
  // returns how many were cleared.
  virtual absl::StatusOr<int> ClearAllBackoffs(const std::string& email_key,
                                               const NewAuditEvent& audit) = 0;

  // The key that signs new tokens; NOT_FOUND if there is none yet.
  virtual absl::StatusOr<SigningKey> CurrentSigningKey() = 0;
  // Keys still verifying tokens: the current one and those rotated after `since`.
  virtual absl::StatusOr<std::vector<SigningKey>> PublishedSigningKeys(absl::Time since) = 0;
  // Makes `key` the current key; the previous one is marked rotated. With
  // `only_if_none`, does nothing if a current key exists (start-up of a replica).
  virtual absl::Status InstallSigningKey(const SigningKey& key, bool only_if_none,
                                         const NewAuditEvent& audit) = 0;
  // Every stored key, under a lock, through `reseal`: a new sealed private key replaces the
  // stored one, none leaves it. All in one transaction with `audit` (written only if a key
  // changed); an error from `reseal` changes nothing. Returns how many keys changed.
  using Resealer = std::function<absl::StatusOr<std::optional<std::string>>(const SigningKey& key)>;
  virtual absl::StatusOr<int> ResealSigningKeys(const Resealer& reseal,
                                                const NewAuditEvent& audit) = 0;

  virtual absl::Status AppendAudit(const NewAuditEvent& event) = 0;
  // Newest first, with id below `before_id` (0 for the newest).
  virtual absl::StatusOr<std::vector<v1::AuditEvent>> ListAuditEvents(
      const Visibility& visible, const std::string& region_filter, int64_t before_id,
      int limit) = 0;
};

// The identity service's schema migrations, embedded from services/identity/migrations.
std::vector<db::Migration> IdentityMigrations();

}  // namespace sixsteps::identity
