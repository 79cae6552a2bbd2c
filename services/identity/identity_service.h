// The gRPC IdentityService: sign-in and tokens, the tenancy tree, principals and role
// bindings. Each RPC authenticates (SIXSTEPS_RPC), then calls its handler Do{Rpc}, which
// returns absl::StatusOr; the handlers are in one file per resource.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "services/common/auth.h"
#include "services/identity/domain.h"
#include "services/identity/secrets.h"
#include "services/identity/store.h"
#include "sixsteps/identity/v1/identity_service.grpc.pb.h"

namespace sixsteps::identity {

struct IdentityOptions {
  absl::Duration access_token_ttl = absl::Minutes(15);
  absl::Duration refresh_token_ttl = absl::Hours(24 * 30);
  PasswordCost password_cost = PasswordCost::Interactive();
  // How many password hashes run at once (each holds password_cost.mem_limit), how many
  // calls may wait for a turn, and how long at most.
  PasswordHashingGate::Limits hashing;
};

// Verifies tokens inside identity itself, with the keys and revocations in its own store:
// a revocation applies to identity's own RPCs as soon as it is committed.
class StorePublicKeys final : public auth::PublicKeySource {
 public:
  explicit StorePublicKeys(IdentityStore* store) : store_(store) {}
  absl::StatusOr<std::string> Find(absl::string_view key_id) override;
  absl::Status CheckNotRevoked(const Caller& caller) override;

 private:
  IdentityStore* store_;
};

class IdentityServiceImpl final : public v1::IdentityService::Service {
 public:
  // `store` must outlive the service.
  IdentityServiceImpl(IdentityStore* store, KeySealer sealer, IdentityOptions options);

  // Installs a first signing key if there is none (every replica calls it at start-up).
  absl::Status EnsureSigningKey();
  // Creates the first deployment-wide hub administrator. FAILED_PRECONDITION once one
  // exists: there are no default credentials, and bootstrap cannot be used to add more.
  absl::StatusOr<v1::User> BootstrapAdministrator(const std::string& email,
                                                  const std::string& display_name,
                                                  const std::string& password);
  // Break glass (`reset-password`, run by an operator with the database and the
  // key-encryption secret when nobody who could help can sign in): sets the password of the
  // user with `email`, ends their sessions (refresh and access tokens), clears every
  // sign-in backoff of the address, and writes "password.reset_by_operator" to the audit
  // log. NOT_FOUND if no user has the email; INVALID_ARGUMENT for a password sign-up would
  // refuse. Running it again with the same password leaves the same state.
  absl::StatusOr<v1::User> ResetPasswordByOperator(const std::string& email,
                                                   const std::string& password);

  grpc::Status SignIn(grpc::ServerContext*, const v1::SignInRequest*, v1::SignInResponse*) override;
  grpc::Status SignInWithApiKey(grpc::ServerContext*, const v1::SignInWithApiKeyRequest*,
                                v1::SignInWithApiKeyResponse*) override;
  grpc::Status RefreshAccessToken(grpc::ServerContext*, const v1::RefreshAccessTokenRequest*,
                                  v1::RefreshAccessTokenResponse*) override;
  grpc::Status SignOut(grpc::ServerContext*, const v1::SignOutRequest*,
                       v1::SignOutResponse*) override;
  grpc::Status GetCurrentPrincipal(grpc::ServerContext*, const v1::GetCurrentPrincipalRequest*,
                                   v1::GetCurrentPrincipalResponse*) override;
  grpc::Status ChangePassword(grpc::ServerContext*, const v1::ChangePasswordRequest*,
                              v1::ChangePasswordResponse*) override;
  grpc::Status ListPublicKeys(grpc::ServerContext*, const v1::ListPublicKeysRequest*,
                              v1::ListPublicKeysResponse*) override;
  grpc::Status ListTokenRevocations(grpc::ServerContext*, const v1::ListTokenRevocationsRequest*,
                                    v1::ListTokenRevocationsResponse*) override;
  grpc::Status RotateSigningKey(grpc::ServerContext*, const v1::RotateSigningKeyRequest*,
                                v1::RotateSigningKeyResponse*) override;
  grpc::Status CreateRegion(grpc::ServerContext*, const v1::CreateRegionRequest*,
                            v1::Region*) override;
  grpc::Status GetRegion(grpc::ServerContext*, const v1::GetRegionRequest*, v1::Region*) override;
  grpc::Status ListRegions(grpc::ServerContext*, const v1::ListRegionsRequest*,
                           v1::ListRegionsResponse*) override;
  grpc::Status CreatePartnership(grpc::ServerContext*, const v1::CreatePartnershipRequest*,
                                 v1::Partnership*) override;
  grpc::Status GetPartnership(grpc::ServerContext*, const v1::GetPartnershipRequest*,
                              v1::Partnership*) override;
  grpc::Status ListPartnerships(grpc::ServerContext*, const v1::ListPartnershipsRequest*,
                                v1::ListPartnershipsResponse*) override;
  grpc::Status UpdatePartnership(grpc::ServerContext*, const v1::UpdatePartnershipRequest*,
                                 v1::Partnership*) override;
  grpc::Status CreateOrganisation(grpc::ServerContext*, const v1::CreateOrganisationRequest*,
                                  v1::Organisation*) override;
  grpc::Status GetOrganisation(grpc::ServerContext*, const v1::GetOrganisationRequest*,
                               v1::Organisation*) override;
  grpc::Status ListOrganisations(grpc::ServerContext*, const v1::ListOrganisationsRequest*,
                                 v1::ListOrganisationsResponse*) override;
  grpc::Status CreateUser(grpc::ServerContext*, const v1::CreateUserRequest*, v1::User*) override;
  grpc::Status GetUser(grpc::ServerContext*, const v1::GetUserRequest*, v1::User*) override;
  grpc::Status ListUsers(grpc::ServerContext*, const v1::ListUsersRequest*,
                         v1::ListUsersResponse*) override;
  grpc::Status UnlockUser(grpc::ServerContext*, const v1::UnlockUserRequest*,
                          v1::UnlockUserResponse*) override;
  grpc::Status CreateServiceAccount(grpc::ServerContext*, const v1::CreateServiceAccountRequest*,
                                    v1::ServiceAccount*) override;
  grpc::Status GetServiceAccount(grpc::ServerContext*, const v1::GetServiceAccountRequest*,
                                 v1::ServiceAccount*) override;
  grpc::Status ListServiceAccounts(grpc::ServerContext*, const v1::ListServiceAccountsRequest*,
                                   v1::ListServiceAccountsResponse*) override;
  grpc::Status CreateApiKey(grpc::ServerContext*, const v1::CreateApiKeyRequest*,
                            v1::CreateApiKeyResponse*) override;
  grpc::Status ListApiKeys(grpc::ServerContext*, const v1::ListApiKeysRequest*,
                           v1::ListApiKeysResponse*) override;
  grpc::Status RevokeApiKey(grpc::ServerContext*, const v1::RevokeApiKeyRequest*,
                            v1::ApiKey*) override;
  grpc::Status CreateRoleBinding(grpc::ServerContext*, const v1::CreateRoleBindingRequest*,
                                 v1::RoleBinding*) override;
  grpc::Status DeleteRoleBinding(grpc::ServerContext*, const v1::DeleteRoleBindingRequest*,
                                 google::protobuf::Empty*) override;
  grpc::Status ListRoleBindings(grpc::ServerContext*, const v1::ListRoleBindingsRequest*,
                                v1::ListRoleBindingsResponse*) override;
  grpc::Status ListAuditEvents(grpc::ServerContext*, const v1::ListAuditEventsRequest*,
                               v1::ListAuditEventsResponse*) override;

 private:
  // What SIXSTEPS_RPC authenticates callers with.
  const auth::TokenVerifier& verifier() const { return verifier_; }

  struct IssuedToken {
    std::string token;
    absl::Time expire_time;
  };
  // `api_key_id`: the key a service account signed in with, named in the token so that
  // revoking the key revokes the token.
  absl::StatusOr<IssuedToken> IssueAccessToken(const std::string& principal,
                                               const std::string& display_name,
                                               bool service_account,
                                               const std::string& api_key_id = "");
  // How long a revocation must be kept: as long as a token issued now can be accepted
  // (its lifetime, the verifiers' leeway for clocks, and a margin).
  absl::Duration RevocationLifetime() const;
  // A refresh token starting a new family (a new session).
  absl::StatusOr<std::string> IssueRefreshToken(const std::string& user_id, absl::Time* expires);
  // A turn to hash; RESOURCE_EXHAUSTED with a retry hint if none comes by `deadline`.
  absl::StatusOr<PasswordHashingGate::Turn> HashingTurn(absl::Time deadline);
  // Hashes under the gate: RESOURCE_EXHAUSTED if no turn comes by `deadline`.
  absl::StatusOr<std::string> HashWithTurn(absl::string_view password, absl::Time deadline);
  // A password check of sign-in or ChangePassword for `email_key` from `client`: refused
  // early (RESOURCE_EXHAUSTED, nothing hashed) while the client is in backoff; else waits for
  // a hashing turn, claims the attempt atomically (counted as a failure until cleared) and
  // verifies. `after` is the backoff state once this attempt is counted.
  absl::StatusOr<bool> CheckPasswordAttempt(const std::string& email_key, const std::string& client,
                                            const std::string& hash, absl::string_view password,
                                            absl::Time deadline, BackoffState* after);
  // Whether the caller administers the user `name` ("users/{id}"): deployment
  // administrators, and whoever may manage one of the user's role bindings. `region` is set
  // to the region to audit under ("" for deployment-wide).
  absl::StatusOr<bool> AdministersUser(const Caller& caller, const std::string& name,
                                       std::string* region);
  absl::StatusOr<v1::PublicKey> NewSigningKey(const std::string& actor, bool only_if_none);

  // The handlers of the RPCs, one per RPC, named Do{Rpc}; each file identity_service_*.cc
  // holds a resource's. The open ones (sign-in, public keys) take no caller.
  absl::StatusOr<v1::SignInResponse> DoSignIn(const v1::SignInRequest& request,
                                              const std::string& client, absl::Time deadline);
  absl::StatusOr<v1::SignInWithApiKeyResponse> DoSignInWithApiKey(
      const v1::SignInWithApiKeyRequest& request);
  absl::StatusOr<v1::RefreshAccessTokenResponse> DoRefreshAccessToken(
      const v1::RefreshAccessTokenRequest& r);
  absl::StatusOr<v1::SignOutResponse> DoSignOut(const v1::SignOutRequest& request);
  absl::StatusOr<v1::GetCurrentPrincipalResponse> DoGetCurrentPrincipal(
      const Caller& caller, const v1::GetCurrentPrincipalRequest& r);
  absl::StatusOr<v1::ChangePasswordResponse> DoChangePassword(const Caller& caller,
                                                              const v1::ChangePasswordRequest& r,
                                                              const std::string& client,
                                                              absl::Time deadline);
  absl::StatusOr<v1::ListPublicKeysResponse> DoListPublicKeys();
  absl::StatusOr<v1::ListTokenRevocationsResponse> DoListTokenRevocations();
  absl::StatusOr<v1::RotateSigningKeyResponse> DoRotateSigningKey(
      const Caller& caller, const v1::RotateSigningKeyRequest& r);
  absl::StatusOr<v1::ListAuditEventsResponse> DoListAuditEvents(
      const Caller& caller, const v1::ListAuditEventsRequest& r);

  absl::StatusOr<v1::Region> DoCreateRegion(const Caller& caller, const v1::CreateRegionRequest& r);
  absl::StatusOr<v1::Region> DoGetRegion(const Caller& caller, const v1::GetRegionRequest& r);
  absl::StatusOr<v1::ListRegionsResponse> DoListRegions(const Caller& caller,
                                                        const v1::ListRegionsRequest& r);
  absl::StatusOr<v1::Partnership> DoCreatePartnership(const Caller& caller,
                                                      const v1::CreatePartnershipRequest& r);
  absl::StatusOr<v1::Partnership> DoGetPartnership(const Caller& caller,
                                                   const v1::GetPartnershipRequest& r);
  absl::StatusOr<v1::ListPartnershipsResponse> DoListPartnerships(
      const Caller& caller, const v1::ListPartnershipsRequest& r);
  absl::StatusOr<v1::Partnership> DoUpdatePartnership(const Caller& caller,
                                                      const v1::UpdatePartnershipRequest& r);
  absl::StatusOr<v1::Organisation> DoCreateOrganisation(const Caller& caller,
                                                        const v1::CreateOrganisationRequest& r);
  absl::StatusOr<v1::Organisation> DoGetOrganisation(const Caller& caller,
                                                     const v1::GetOrganisationRequest& r);
  absl::StatusOr<v1::ListOrganisationsResponse> DoListOrganisations(
      const Caller& caller, const v1::ListOrganisationsRequest& r);
  // ListOrganisations of "partnerships/-": every partnership the caller may see.
  absl::StatusOr<v1::ListOrganisationsResponse> ListEveryVisibleOrganisation(
      const Caller& caller, const v1::ListOrganisationsRequest& r);

  absl::StatusOr<v1::User> DoCreateUser(const Caller& caller, const v1::CreateUserRequest& r,
                                        absl::Time deadline);
  absl::StatusOr<v1::User> DoGetUser(const Caller& caller, const v1::GetUserRequest& r);
  absl::StatusOr<v1::ListUsersResponse> DoListUsers(const Caller& caller,
                                                    const v1::ListUsersRequest& r);
  absl::StatusOr<v1::UnlockUserResponse> DoUnlockUser(const Caller& caller,
                                                      const v1::UnlockUserRequest& r);

  absl::StatusOr<v1::ServiceAccount> DoCreateServiceAccount(
      const Caller& caller, const v1::CreateServiceAccountRequest& r);
  absl::StatusOr<v1::ServiceAccount> DoGetServiceAccount(const Caller& caller,
                                                         const v1::GetServiceAccountRequest& r);
  absl::StatusOr<v1::ListServiceAccountsResponse> DoListServiceAccounts(
      const Caller& caller, const v1::ListServiceAccountsRequest& r);
  absl::StatusOr<v1::CreateApiKeyResponse> DoCreateApiKey(const Caller& caller,
                                                          const v1::CreateApiKeyRequest& r);
  absl::StatusOr<v1::ListApiKeysResponse> DoListApiKeys(const Caller& caller,
                                                        const v1::ListApiKeysRequest& r);
  absl::StatusOr<v1::ApiKey> DoRevokeApiKey(const Caller& caller, const v1::RevokeApiKeyRequest& r);

  absl::StatusOr<v1::RoleBinding> DoCreateRoleBinding(const Caller& caller,
                                                      const v1::CreateRoleBindingRequest& r);
  absl::StatusOr<google::protobuf::Empty> DoDeleteRoleBinding(
      const Caller& caller, const v1::DeleteRoleBindingRequest& r);
  absl::StatusOr<v1::ListRoleBindingsResponse> DoListRoleBindings(
      const Caller& caller, const v1::ListRoleBindingsRequest& r);

  // The partnership `name` (given in `field`) if the caller may see it; NOT_FOUND naming it
  // otherwise, as if it did not exist.
  absl::StatusOr<v1::Partnership> VisiblePartnership(const Caller& caller, const std::string& name,
                                                     absl::string_view field);
  // The service account `name` (given in `field`) if the caller manages it or is it;
  // NOT_FOUND naming it otherwise.
  absl::StatusOr<v1::ServiceAccount> VisibleServiceAccount(const Caller& caller,
                                                           const std::string& name,
                                                           absl::string_view field);

  // Resolves a scope name ("*", "regions/r", "partnerships/p") to its region and
  // partnership; NOT_FOUND if it does not exist or the caller cannot see it.
  absl::StatusOr<BindingScope> ResolveScope(const Caller& caller, const std::string& scope,
                                            absl::string_view field);
  // The scopes a caller administers, as a list filter.
  static Visibility AdministeredBy(const Caller& caller);
  static bool IsAnyAdministrator(const Caller& caller);

  IdentityStore* store_;
  KeySealer sealer_;
  IdentityOptions options_;
  auth::TokenVerifier verifier_;
  PasswordHashingGate gate_;
  // Checked against when the email is unknown, so both cases take the same time.
  std::string dummy_password_hash_;
};

}  // namespace sixsteps::identity
