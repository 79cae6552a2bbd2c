// IdentityService's service accounts (the principals of integrations) and their API keys.
#include "services/identity/identity_service.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/base/clock.h"
#include "services/base/make_status.h"
#include "services/base/names.h"
#include "services/base/status_macros.h"
#include "services/common/grpc_reply.h"
#include "services/common/ids.h"
#include "services/common/validation.h"
#include "services/identity/identity_service_internal.h"
#include "services/identity/page_sizes.h"

namespace sixsteps::identity {

// ---- Service accounts ----

SIXSTEPS_RPC(IdentityServiceImpl, CreateServiceAccount, v1::CreateServiceAccountRequest,
             v1::ServiceAccount)

absl::StatusOr<v1::ServiceAccount> IdentityServiceImpl::DoCreateServiceAccount(
    const Caller& caller, const v1::CreateServiceAccountRequest& r) {
  SIXSTEPS_RETURN_IF_ERROR(ValidateFreeText(r.service_account().display_name(),
                                            kMaxDisplayNameLength, "service_account.display_name"));
  if (r.service_account().owner() == auth::kEveryRegion && !caller.IsDeploymentAdmin()) {
    return absl::PermissionDeniedError(
        "only deployment administrators create deployment-wide service accounts");
  }
  SIXSTEPS_ASSIGN_OR_RETURN(BindingScope owner, ResolveScope(caller, r.service_account().owner(),
                                                             "service_account.owner"));
  if (!caller.IsHubAdmin(owner.region) &&
      !(!owner.partnership.empty() &&
        caller.HasPartnershipRole(owner.partnership, {Role::ROLE_PARTNERSHIP_ADMINISTRATOR}))) {
    return absl::PermissionDeniedError(
        "only the owner's administrators create its service accounts");
  }
  std::string id = RandomId("sa");
  SIXSTEPS_RETURN_IF_ERROR(store_->CreateServiceAccount(
      id, r.service_account(), owner.region,
      {caller.principal, "service_account.create", ServiceAccountName(id), owner.region, "{}"}));
  SIXSTEPS_ASSIGN_OR_RETURN(auto account, store_->GetServiceAccount(id));
  return account.first;
}

absl::StatusOr<v1::ServiceAccount> IdentityServiceImpl::VisibleServiceAccount(
    const Caller& caller, const std::string& name, absl::string_view field) {
  SIXSTEPS_ASSIGN_OR_RETURN(PrincipalName parsed, ParsePrincipalName(name, field));
  if (!parsed.service_account) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": must be serviceAccounts/{id}"));
  }
  absl::StatusOr<std::pair<v1::ServiceAccount, std::string>> account =
      store_->GetServiceAccount(parsed.id);
  if (!account.ok()) return account.status();
  const std::string& owner = account->first.owner();
  bool manages =
      caller.IsHubAdmin(account->second) ||
      (absl::StartsWith(owner, "partnerships/") &&
       caller.HasPartnershipRole(LastSegment(owner), {Role::ROLE_PARTNERSHIP_ADMINISTRATOR}));
  if (!manages && caller.principal != name) return NotFound(name);
  return account->first;
}

SIXSTEPS_RPC(IdentityServiceImpl, GetServiceAccount, v1::GetServiceAccountRequest,
             v1::ServiceAccount)

absl::StatusOr<v1::ServiceAccount> IdentityServiceImpl::DoGetServiceAccount(
    const Caller& caller, const v1::GetServiceAccountRequest& r) {
  return VisibleServiceAccount(caller, r.name(), "name");
}

SIXSTEPS_RPC(IdentityServiceImpl, ListServiceAccounts, v1::ListServiceAccountsRequest,
             v1::ListServiceAccountsResponse)

absl::StatusOr<v1::ListServiceAccountsResponse> IdentityServiceImpl::DoListServiceAccounts(
    const Caller& caller, const v1::ListServiceAccountsRequest& r) {
  if (!IsAnyAdministrator(caller))
    return absl::PermissionDeniedError("only administrators list service accounts");
  SIXSTEPS_ASSIGN_OR_RETURN(int page_size,
                            NormalisePageSize(r.page_size(), kListServiceAccountsPage));
  SIXSTEPS_ASSIGN_OR_RETURN(std::string after, DecodePageToken(r.page_token(), "serviceAccounts"));
  SIXSTEPS_ASSIGN_OR_RETURN(
      std::vector<v1::ServiceAccount> accounts,
      store_->ListServiceAccounts(AdministeredBy(caller), after, page_size + 1));
  v1::ListServiceAccountsResponse response;
  response.set_next_page_token(
      NextPageToken(accounts, page_size, "serviceAccounts",
                    [](const v1::ServiceAccount& x) { return LastSegment(x.name()); }));
  for (auto& account : accounts) *response.add_service_accounts() = std::move(account);
  return response;
}

// ---- API keys ----

SIXSTEPS_RPC(IdentityServiceImpl, CreateApiKey, v1::CreateApiKeyRequest, v1::CreateApiKeyResponse)

absl::StatusOr<v1::CreateApiKeyResponse> IdentityServiceImpl::DoCreateApiKey(
    const Caller& caller, const v1::CreateApiKeyRequest& r) {
  SIXSTEPS_ASSIGN_OR_RETURN(v1::ServiceAccount account,
                            VisibleServiceAccount(caller, r.parent(), "parent"));
  if (caller.principal == r.parent())
    return absl::PermissionDeniedError("a service account cannot mint its own keys");
  // A key wields every binding of the account: only an administrator of all of them mints
  // one (a partnership administrator cannot mint a key for their partnership's account that
  // a hub administrator has bound region-wide).
  SIXSTEPS_ASSIGN_OR_RETURN(std::vector<BindingScope> bindings, store_->BindingsOf(r.parent()));
  for (const BindingScope& binding : bindings) {
    if (!CheckCanManageBinding(caller, binding).ok()) {
      return absl::PermissionDeniedError(
          "the service account holds a role binding you do not administer; only an "
          "administrator of every binding of an account mints its API keys");
    }
  }
  SIXSTEPS_RETURN_IF_ERROR(
      ValidateFreeText(r.api_key().display_name(), kMaxDisplayNameLength, "api_key.display_name"));
  if (!r.api_key().has_expire_time()) {
    return absl::InvalidArgumentError("api_key.expire_time: every key must expire");
  }
  absl::Time expires = FromTimestamp(r.api_key().expire_time());
  absl::Time now = absl::Now();
  if (expires <= now || expires > now + kMaxApiKeyLifetime) {
    return absl::InvalidArgumentError(
        "api_key.expire_time: must be in the future and at most a year ahead");
  }
  // The owner's region, so the region's hub administrators see the event in the audit log.
  SIXSTEPS_ASSIGN_OR_RETURN(auto owned, store_->GetServiceAccount(LastSegment(account.name())));
  std::string key_id = RandomId("k");
  std::string secret = RandomToken(32);
  SIXSTEPS_RETURN_IF_ERROR(store_->CreateApiKey(
      LastSegment(account.name()), key_id, r.api_key(), Sha256(secret),
      {caller.principal, "api_key.create", absl::StrCat(account.name(), "/apiKeys/", key_id),
       owned.second, "{}"}));
  SIXSTEPS_ASSIGN_OR_RETURN(StoredApiKey stored, store_->GetApiKey(key_id));
  v1::CreateApiKeyResponse response;
  *response.mutable_api_key() = stored.api_key;
  response.set_secret(absl::StrCat(kApiKeyPrefix, ".", key_id, ".", secret));
  return response;
}

SIXSTEPS_RPC(IdentityServiceImpl, ListApiKeys, v1::ListApiKeysRequest, v1::ListApiKeysResponse)

absl::StatusOr<v1::ListApiKeysResponse> IdentityServiceImpl::DoListApiKeys(
    const Caller& caller, const v1::ListApiKeysRequest& r) {
  SIXSTEPS_ASSIGN_OR_RETURN(v1::ServiceAccount account,
                            VisibleServiceAccount(caller, r.parent(), "parent"));
  SIXSTEPS_ASSIGN_OR_RETURN(int page_size, NormalisePageSize(r.page_size(), kListApiKeysPage));
  SIXSTEPS_ASSIGN_OR_RETURN(std::string after, DecodePageToken(r.page_token(), r.parent()));
  SIXSTEPS_ASSIGN_OR_RETURN(std::vector<v1::ApiKey> keys,
                            store_->ListApiKeys(LastSegment(account.name()), after, page_size + 1));
  v1::ListApiKeysResponse response;
  response.set_next_page_token(NextPageToken(
      keys, page_size, r.parent(), [](const v1::ApiKey& x) { return LastSegment(x.name()); }));
  for (auto& key : keys) *response.add_api_keys() = std::move(key);
  return response;
}

SIXSTEPS_RPC(IdentityServiceImpl, RevokeApiKey, v1::RevokeApiKeyRequest, v1::ApiKey)

absl::StatusOr<v1::ApiKey> IdentityServiceImpl::DoRevokeApiKey(const Caller& caller,
                                                               const v1::RevokeApiKeyRequest& r) {
  SIXSTEPS_ASSIGN_OR_RETURN(ApiKeyName name, ParseApiKeyName(r.name(), "name"));
  SIXSTEPS_RETURN_IF_ERROR(
      VisibleServiceAccount(caller, ServiceAccountName(name.service_account_id), "name").status());
  SIXSTEPS_ASSIGN_OR_RETURN(StoredApiKey stored, store_->GetApiKey(name.api_key_id));
  if (stored.service_account_id != name.service_account_id) return NotFound(r.name());
  SIXSTEPS_ASSIGN_OR_RETURN(auto owned, store_->GetServiceAccount(name.service_account_id));
  // Tokens already issued for the key stop working too (within the verifiers' refresh
  // interval in the other services; at once in identity).
  return store_->RevokeApiKey(name.api_key_id, RevocationLifetime(),
                              {caller.principal, "api_key.revoke", r.name(), owned.second, "{}"});
}

}  // namespace sixsteps::identity
