// IdentityService's sign-in RPCs: SignIn, SignInWithApiKey, RefreshAccessToken, SignOut,
// GetCurrentPrincipal and ChangePassword. The first four are open (they hand out tokens).
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/base/clock.h"
#include "services/base/names.h"
#include "services/base/status_macros.h"
#include "services/common/grpc_reply.h"
#include "services/common/ids.h"
#include "services/common/validation.h"
#include "services/identity/identity_service.h"
#include "services/identity/identity_service_internal.h"

namespace sixsteps::identity {

grpc::Status IdentityServiceImpl::SignIn(grpc::ServerContext* context,
                                         const v1::SignInRequest* request,
                                         v1::SignInResponse* response) {
  if (grpc::Status bad = CheckRequest(*request); !bad.ok()) return bad;
  absl::StatusOr<v1::SignInResponse> result =
      DoSignIn(*request, ClientKeyFromPeer(context->peer()), DeadlineOf(*context));
  AddRetryHint(context, result.status());
  return Reply(std::move(result), response);
}

absl::StatusOr<v1::SignInResponse> IdentityServiceImpl::DoSignIn(const v1::SignInRequest& request,
                                                                 const std::string& client,
                                                                 absl::Time deadline) {
  // Refused before any work: nothing is stored or hashed for such input.
  SIXSTEPS_RETURN_IF_ERROR(ValidateEmailLength(request.email(), "email"));
  if (request.password().empty()) return absl::InvalidArgumentError("password: is required");
  if (CharacterCount(request.password()) > kMaxPasswordLength) {
    return absl::InvalidArgumentError(
        absl::StrCat("password: must be at most ", kMaxPasswordLength, " characters"));
  }
  const std::string email_key = NormaliseEmail(request.email());
  absl::StatusOr<StoredUser> user = store_->FindUserByEmail(email_key);
  if (!user.ok() && user.status().code() != absl::StatusCode::kNotFound) return user.status();
  // Always one Argon2id check, so an unknown email takes as long as a wrong password, and
  // is throttled the same way.
  BackoffState after;
  SIXSTEPS_ASSIGN_OR_RETURN(
      bool password_ok, CheckPasswordAttempt(email_key, client,
                                             user.ok() ? user->password_hash : dummy_password_hash_,
                                             request.password(), deadline, &after));
  if (!user.ok() || !password_ok || user->user.disabled()) {
    SIXSTEPS_RETURN_IF_ERROR(
        store_->AppendAudit({email_key, "sign_in_failed", "", "",
                             JsonDetail({{"failures", after.failures}, {"client", client}})}));
    return absl::UnauthenticatedError("the email or the password is wrong");
  }
  SIXSTEPS_RETURN_IF_ERROR(store_->ClearBackoff(email_key, client));
  SIXSTEPS_RETURN_IF_ERROR(store_->AppendAudit(
      {user->user.name(), "sign_in", user->user.name(), "", JsonDetail({{"client", client}})}));
  SIXSTEPS_ASSIGN_OR_RETURN(IssuedToken access,
                            IssueAccessToken(user->user.name(), user->user.display_name(), false));
  absl::Time refresh_expires;
  SIXSTEPS_ASSIGN_OR_RETURN(std::string refresh,
                            IssueRefreshToken(LastSegment(user->user.name()), &refresh_expires));
  v1::SignInResponse response;
  response.set_access_token(access.token);
  *response.mutable_access_token_expire_time() = ToTimestamp(access.expire_time);
  response.set_refresh_token(refresh);
  *response.mutable_refresh_token_expire_time() = ToTimestamp(refresh_expires);
  response.set_principal(user->user.name());
  return response;
}

grpc::Status IdentityServiceImpl::SignInWithApiKey(grpc::ServerContext*,
                                                   const v1::SignInWithApiKeyRequest* request,
                                                   v1::SignInWithApiKeyResponse* response) {
  if (grpc::Status bad = CheckRequest(*request); !bad.ok()) return bad;
  return Reply(DoSignInWithApiKey(*request), response);
}

absl::StatusOr<v1::SignInWithApiKeyResponse> IdentityServiceImpl::DoSignInWithApiKey(
    const v1::SignInWithApiKeyRequest& request) {
  // "ssk.{api_key_id}.{secret}"
  std::vector<std::string> parts = absl::StrSplit(request.api_key(), '.');
  const absl::Status refused = absl::UnauthenticatedError("the API key is not valid");
  if (parts.size() != 3 || parts[0] != kApiKeyPrefix || !IsResourceId(parts[1])) return refused;
  absl::StatusOr<StoredApiKey> key = store_->GetApiKey(parts[1]);
  if (!key.ok()) {
    if (key.status().code() != absl::StatusCode::kNotFound) return key.status();
    store_->AppendAudit({parts[1], "api_key_sign_in_failed", "", "", "{}"}).IgnoreError();
    return refused;
  }
  absl::Time now = absl::Now();
  bool valid = ConstantTimeEquals(Sha256(parts[2]), key->secret_hash) &&
               !key->api_key.has_revoke_time() && FromTimestamp(key->api_key.expire_time()) > now;
  const std::string principal = ServiceAccountName(key->service_account_id);
  if (!valid) {
    store_->AppendAudit({principal, "api_key_sign_in_failed", key->api_key.name(), "", "{}"})
        .IgnoreError();
    return refused;
  }
  SIXSTEPS_ASSIGN_OR_RETURN(auto account, store_->GetServiceAccount(key->service_account_id));
  SIXSTEPS_RETURN_IF_ERROR(
      store_->AppendAudit({principal, "sign_in", key->api_key.name(), account.second, "{}"}));
  SIXSTEPS_ASSIGN_OR_RETURN(
      IssuedToken access,
      IssueAccessToken(principal, account.first.display_name(), true, parts[1]));
  v1::SignInWithApiKeyResponse response;
  response.set_access_token(access.token);
  *response.mutable_access_token_expire_time() = ToTimestamp(access.expire_time);
  response.set_principal(principal);
  return response;
}

grpc::Status IdentityServiceImpl::RefreshAccessToken(grpc::ServerContext*,
                                                     const v1::RefreshAccessTokenRequest* request,
                                                     v1::RefreshAccessTokenResponse* response) {
  if (grpc::Status bad = CheckRequest(*request); !bad.ok()) return bad;
  return Reply(DoRefreshAccessToken(*request), response);
}

absl::StatusOr<v1::RefreshAccessTokenResponse> IdentityServiceImpl::DoRefreshAccessToken(
    const v1::RefreshAccessTokenRequest& request) {
  if (request.refresh_token().empty()) {
    return absl::InvalidArgumentError("refresh_token: is required");
  }
  std::string next = absl::StrCat("ssr.", RandomToken(32));
  absl::Time expires = absl::Now() + options_.refresh_token_ttl;
  SIXSTEPS_ASSIGN_OR_RETURN(
      std::string user_id, store_->RotateRefreshToken(Sha256(request.refresh_token()), Sha256(next),
                                                      expires, absl::Now()));
  SIXSTEPS_ASSIGN_OR_RETURN(StoredUser user, store_->GetUser(user_id));
  if (user.user.disabled()) return absl::UnauthenticatedError("the account is disabled");
  SIXSTEPS_ASSIGN_OR_RETURN(IssuedToken access,
                            IssueAccessToken(user.user.name(), user.user.display_name(), false));
  v1::RefreshAccessTokenResponse response;
  response.set_access_token(access.token);
  *response.mutable_access_token_expire_time() = ToTimestamp(access.expire_time);
  response.set_refresh_token(next);
  *response.mutable_refresh_token_expire_time() = ToTimestamp(expires);
  response.set_principal(user.user.name());
  return response;
}

grpc::Status IdentityServiceImpl::SignOut(grpc::ServerContext*, const v1::SignOutRequest* request,
                                          v1::SignOutResponse* response) {
  if (grpc::Status bad = CheckRequest(*request); !bad.ok()) return bad;
  return Reply(DoSignOut(*request), response);
}

absl::StatusOr<v1::SignOutResponse> IdentityServiceImpl::DoSignOut(
    const v1::SignOutRequest& request) {
  if (request.refresh_token().empty()) {
    return absl::InvalidArgumentError("refresh_token: is required");
  }
  SIXSTEPS_RETURN_IF_ERROR(store_->RevokeRefreshToken(Sha256(request.refresh_token())));
  return v1::SignOutResponse();
}

SIXSTEPS_RPC(IdentityServiceImpl, GetCurrentPrincipal, v1::GetCurrentPrincipalRequest,
             v1::GetCurrentPrincipalResponse)

absl::StatusOr<v1::GetCurrentPrincipalResponse> IdentityServiceImpl::DoGetCurrentPrincipal(
    const Caller& caller, const v1::GetCurrentPrincipalRequest&) {
  v1::GetCurrentPrincipalResponse response;
  response.set_principal(caller.principal);
  response.set_display_name(caller.display_name);
  SIXSTEPS_ASSIGN_OR_RETURN(
      std::vector<StoredRoleBinding> bindings,
      store_->ListRoleBindings({.everything = true}, caller.principal, "", "", "", 1000));
  for (const StoredRoleBinding& binding : bindings)
    *response.add_role_bindings() = ToProto(binding);
  return response;
}

// Not through SIXSTEPS_RPC: a refusal for backoff also sets the retry-after trailer, which
// needs the call's (mutable) context.
grpc::Status IdentityServiceImpl::ChangePassword(grpc::ServerContext* context,
                                                 const v1::ChangePasswordRequest* request,
                                                 v1::ChangePasswordResponse* response) {
  if (grpc::Status bad = CheckRequest(*request); !bad.ok()) return bad;
  return Authenticated(verifier(), context, response, [&](const Caller& caller) {
    absl::StatusOr<v1::ChangePasswordResponse> result = DoChangePassword(
        caller, *request, ClientKeyFromPeer(context->peer()), DeadlineOf(*context));
    AddRetryHint(context, result.status());
    return result;
  });
}

absl::StatusOr<v1::ChangePasswordResponse> IdentityServiceImpl::DoChangePassword(
    const Caller& caller, const v1::ChangePasswordRequest& request, const std::string& client,
    absl::Time deadline) {
  SIXSTEPS_ASSIGN_OR_RETURN(PrincipalName principal,
                            ParsePrincipalName(caller.principal, "caller"));
  if (principal.service_account)
    return absl::PermissionDeniedError("service accounts have API keys, not passwords");
  if (request.current_password().empty()) {
    return absl::InvalidArgumentError("current_password: is required");
  }
  if (CharacterCount(request.current_password()) > kMaxPasswordLength) {
    return absl::InvalidArgumentError(
        absl::StrCat("current_password: must be at most ", kMaxPasswordLength, " characters"));
  }
  SIXSTEPS_RETURN_IF_ERROR(ValidatePassword(request.new_password(), "new_password"));
  SIXSTEPS_ASSIGN_OR_RETURN(StoredUser user, store_->GetUser(principal.id));
  // Throttled like sign-in, on the same (email, client) backoff: a stolen access token
  // must not become a fast password oracle.
  const std::string email_key = NormaliseEmail(user.user.email());
  BackoffState after;
  SIXSTEPS_ASSIGN_OR_RETURN(bool current_ok,
                            CheckPasswordAttempt(email_key, client, user.password_hash,
                                                 request.current_password(), deadline, &after));
  if (!current_ok) {
    SIXSTEPS_RETURN_IF_ERROR(
        store_->AppendAudit({caller.principal, "password.change_failed", caller.principal, "",
                             JsonDetail({{"failures", after.failures}, {"client", client}})}));
    return absl::PermissionDeniedError("current_password is wrong");
  }
  SIXSTEPS_RETURN_IF_ERROR(store_->ClearBackoff(email_key, client));
  SIXSTEPS_ASSIGN_OR_RETURN(std::string hash, HashWithTurn(request.new_password(), deadline));
  // The new hash and the revocation of every refresh token of the user, in one transaction:
  // sessions elsewhere (perhaps the reason for the change) end here.
  SIXSTEPS_RETURN_IF_ERROR(
      store_->ChangePassword(principal.id, hash,
                             {caller.principal, "password.change", caller.principal, "",
                              JsonDetail({{"client", client}})}));
  // Every access token of the user issued until now stops working, in every service; the
  // sign-in returned below is issued after the revocation, so it is not caught by it.
  SIXSTEPS_RETURN_IF_ERROR(store_->RevokePrincipalTokens(caller.principal, RevocationLifetime()));
  SIXSTEPS_ASSIGN_OR_RETURN(IssuedToken access,
                            IssueAccessToken(user.user.name(), user.user.display_name(), false));
  absl::Time refresh_expires;
  SIXSTEPS_ASSIGN_OR_RETURN(std::string refresh, IssueRefreshToken(principal.id, &refresh_expires));
  v1::ChangePasswordResponse response;
  response.set_access_token(access.token);
  *response.mutable_access_token_expire_time() = ToTimestamp(access.expire_time);
  response.set_refresh_token(refresh);
  *response.mutable_refresh_token_expire_time() = ToTimestamp(refresh_expires);
  return response;
}

}  // namespace sixsteps::identity
