// IdentityService's users: CreateUser, GetUser, ListUsers and UnlockUser.
#include "services/identity/identity_service.h"

#include "absl/strings/ascii.h"
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

// Not through SIXSTEPS_RPC: a refusal for an overloaded hashing gate also sets the
// retry-after trailer, which needs the call's (mutable) context.
grpc::Status IdentityServiceImpl::CreateUser(grpc::ServerContext* context,
                                             const v1::CreateUserRequest* request,
                                             v1::User* response) {
  if (grpc::Status bad = CheckRequest(*request); !bad.ok()) return bad;
  return Authenticated(verifier(), context, response, [&](const Caller& caller) {
    absl::StatusOr<v1::User> result = DoCreateUser(caller, *request, DeadlineOf(*context));
    AddRetryHint(context, result.status());
    return result;
  });
}

absl::StatusOr<v1::User> IdentityServiceImpl::DoCreateUser(const Caller& caller,
                                                           const v1::CreateUserRequest& r,
                                                           absl::Time deadline) {
  if (!IsAnyAdministrator(caller)) {
    return absl::PermissionDeniedError("only hub and partnership administrators create users");
  }
  SIXSTEPS_RETURN_IF_ERROR(ValidateEmail(r.user().email(), "user.email"));
  SIXSTEPS_RETURN_IF_ERROR(
      ValidateText(r.user().display_name(), kMaxDisplayNameLength, "user.display_name"));
  SIXSTEPS_RETURN_IF_ERROR(ValidatePassword(r.password(), "password"));
  // Hashed whether or not the email is taken, so that both answers take as long.
  SIXSTEPS_ASSIGN_OR_RETURN(std::string hash, HashWithTurn(r.password(), deadline));
  std::string id = RandomId("u");
  v1::User user;
  user.set_email(std::string(absl::StripAsciiWhitespace(r.user().email())));
  user.set_display_name(r.user().display_name());
  absl::Status created =
      store_->CreateUser(id, user, hash, {caller.principal, "user.create", UserName(id), "", "{}"});
  if (created.code() == absl::StatusCode::kAlreadyExists) {
    // One account per person across the deployment. Whoever administers the account already
    // sees it, so may be told. Anyone else gets the answer a creation gives, naming the
    // account, so that they can bind the person where they administer (a scrutineer working
    // in two regions) and learn nothing about where else the address is known; the password
    // and display name they gave are not applied. Only deployment administrators see this in
    // the audit log (region "").
    SIXSTEPS_ASSIGN_OR_RETURN(StoredUser existing,
                              store_->FindUserByEmail(NormaliseEmail(user.email())));
    std::string region;
    SIXSTEPS_ASSIGN_OR_RETURN(bool administers,
                              AdministersUser(caller, existing.user.name(), &region));
    if (administers) {
      return absl::AlreadyExistsError(
          absl::StrCat("user.email: ", existing.user.name(), " already has this email"));
    }
    SIXSTEPS_RETURN_IF_ERROR(
        store_->AppendAudit({caller.principal, "user.create", existing.user.name(), "",
                             JsonDetail({{"existing_account", true}})}));
    user.set_name(existing.user.name());
    *user.mutable_create_time() = ToTimestamp(absl::Now());
    return user;
  }
  SIXSTEPS_RETURN_IF_ERROR(created);
  SIXSTEPS_ASSIGN_OR_RETURN(StoredUser stored, store_->GetUser(id));
  return stored.user;
}

SIXSTEPS_RPC(IdentityServiceImpl, GetUser, v1::GetUserRequest, v1::User)

absl::StatusOr<v1::User> IdentityServiceImpl::DoGetUser(const Caller& caller,
                                                        const v1::GetUserRequest& r) {
  SIXSTEPS_ASSIGN_OR_RETURN(PrincipalName name, ParsePrincipalName(r.name(), "name"));
  if (name.service_account) return absl::InvalidArgumentError("name: must be users/{id}");
  // The notification service's account reads every user's name and address to send notices.
  bool visible = caller.principal == r.name() || caller.IsNotifier();
  if (!visible) {
    // Administrators see the users bound somewhere they administer.
    std::string region;
    SIXSTEPS_ASSIGN_OR_RETURN(visible, AdministersUser(caller, r.name(), &region));
  }
  if (!visible) return NotFound(r.name());
  SIXSTEPS_ASSIGN_OR_RETURN(StoredUser stored, store_->GetUser(name.id));
  return stored.user;
}

SIXSTEPS_RPC(IdentityServiceImpl, ListUsers, v1::ListUsersRequest, v1::ListUsersResponse)

absl::StatusOr<v1::ListUsersResponse> IdentityServiceImpl::DoListUsers(
    const Caller& caller, const v1::ListUsersRequest& r) {
  if (!IsAnyAdministrator(caller))
    return absl::PermissionDeniedError("only administrators list users");
  SIXSTEPS_ASSIGN_OR_RETURN(int page_size, NormalisePageSize(r.page_size(), kListUsersPage));
  SIXSTEPS_ASSIGN_OR_RETURN(std::string after, DecodePageToken(r.page_token(), "users"));
  SIXSTEPS_ASSIGN_OR_RETURN(std::vector<v1::User> users,
                            store_->ListUsers(AdministeredBy(caller), after, page_size + 1));
  v1::ListUsersResponse response;
  response.set_next_page_token(NextPageToken(
      users, page_size, "users", [](const v1::User& x) { return LastSegment(x.name()); }));
  for (auto& user : users) *response.add_users() = std::move(user);
  return response;
}

SIXSTEPS_RPC(IdentityServiceImpl, UnlockUser, v1::UnlockUserRequest, v1::UnlockUserResponse)

absl::StatusOr<v1::UnlockUserResponse> IdentityServiceImpl::DoUnlockUser(
    const Caller& caller, const v1::UnlockUserRequest& r) {
  SIXSTEPS_ASSIGN_OR_RETURN(PrincipalName name, ParsePrincipalName(r.name(), "name"));
  if (name.service_account) return absl::InvalidArgumentError("name: must be users/{id}");
  std::string region;
  SIXSTEPS_ASSIGN_OR_RETURN(bool administers, AdministersUser(caller, r.name(), &region));
  if (!administers) {
    // Users see themselves, but may not lift their own backoff; others are not told the
    // user exists.
    if (caller.principal == r.name()) {
      return absl::PermissionDeniedError("ask an administrator of your account to unlock it");
    }
    return NotFound(r.name());
  }
  SIXSTEPS_ASSIGN_OR_RETURN(StoredUser user, store_->GetUser(name.id));
  SIXSTEPS_ASSIGN_OR_RETURN(int cleared, store_->ClearAllBackoffs(NormaliseEmail(user.user.email()),
                                                                  {caller.principal, "user.unlock",
                                                                   r.name(), region, "{}"}));
  v1::UnlockUserResponse response;
  response.set_cleared_backoffs(cleared);
  return response;
}

}  // namespace sixsteps::identity
