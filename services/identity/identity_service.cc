// IdentityServiceImpl's construction, the bootstrap, and what its handlers share: issuing
// tokens, checking passwords under the hashing gate, who administers what. The handlers are
// in one file per resource: identity_service_{sign_in,keys,regions,users,service_accounts,
// bindings}.cc.
#include "services/identity/identity_service.h"

#include <chrono>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/base/clock.h"
#include "services/base/make_status.h"
#include "services/base/names.h"
#include "services/base/status_macros.h"
#include "services/common/ids.h"
#include "services/common/jwt.h"
#include "services/common/validation.h"
#include "services/identity/identity_service_internal.h"

namespace sixsteps::identity {
namespace {

// Hex, because the store also matches a family against token hashes given as hex.
std::string NewRefreshFamily() { return absl::BytesToHexString(Sha256(RandomToken(32))); }

}  // namespace

v1::RoleBinding ToProto(const StoredRoleBinding& stored) {
  v1::RoleBinding binding;
  binding.set_name(absl::StrCat("roleBindings/", stored.id));
  binding.set_principal(stored.principal);
  binding.set_role(stored.scope.role);
  if (stored.scope.region == auth::kEveryRegion) {
    binding.set_scope(std::string(auth::kEveryRegion));
  } else if (stored.scope.partnership.empty()) {
    binding.set_scope(RegionName(stored.scope.region));
  } else {
    binding.set_scope(PartnershipName(stored.scope.partnership));
  }
  if (!stored.scope.organisation.empty()) {
    binding.set_organisation(
        OrganisationResourceName(stored.scope.partnership, stored.scope.organisation));
  }
  *binding.mutable_create_time() = ToTimestamp(stored.create_time);
  return binding;
}

absl::Time DeadlineOf(const grpc::ServerContext& context) {
  auto left = context.deadline() - std::chrono::system_clock::now();
  if (left > std::chrono::hours(1)) return absl::InfiniteFuture();
  return absl::Now() +
         absl::FromChrono(std::chrono::duration_cast<std::chrono::microseconds>(left));
}

void AddRetryHint(grpc::ServerContext* context, const absl::Status& status) {
  if (auto seconds = status.GetPayload(kRetryAfterPayload)) {
    context->AddTrailingMetadata("retry-after", std::string(*seconds));
  }
}

absl::StatusOr<std::string> StorePublicKeys::Find(absl::string_view key_id) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::vector<SigningKey> keys,
                            store_->PublishedSigningKeys(absl::InfinitePast()));
  for (const SigningKey& key : keys) {
    if (key.key_id == key_id) return key.public_key;
  }
  return absl::NotFoundError("unknown signing key");
}

absl::Status StorePublicKeys::CheckNotRevoked(const Caller& caller) {
  SIXSTEPS_ASSIGN_OR_RETURN(
      bool revoked, store_->IsTokenRevoked(caller.principal, caller.api_key_id, caller.issue_time));
  if (revoked) return absl::UnauthenticatedError("access token revoked; sign in again");
  return absl::OkStatus();
}

IdentityServiceImpl::IdentityServiceImpl(IdentityStore* store, KeySealer sealer,
                                         IdentityOptions options)
    : store_(store),
      sealer_(std::move(sealer)),
      options_(options),
      verifier_(std::make_shared<StorePublicKeys>(store)),
      gate_(options.hashing) {
  dummy_password_hash_ =
      HashPassword("not a real password, used for timing only", options_.password_cost)
          .value_or("");
}

absl::StatusOr<v1::User> IdentityServiceImpl::BootstrapAdministrator(
    const std::string& email, const std::string& display_name, const std::string& password) {
  // Checked again inside the store's transaction; here so that a rerun hashes nothing.
  SIXSTEPS_ASSIGN_OR_RETURN(bool bootstrapped, store_->AnyHubAdministrator());
  if (bootstrapped) {
    return absl::FailedPreconditionError(
        "a deployment administrator already exists; sign in as them to add others");
  }
  SIXSTEPS_RETURN_IF_ERROR(ValidateEmail(email, "email"));
  SIXSTEPS_RETURN_IF_ERROR(ValidateText(display_name, kMaxDisplayNameLength, "display_name"));
  SIXSTEPS_RETURN_IF_ERROR(ValidatePassword(password, "password"));
  SIXSTEPS_ASSIGN_OR_RETURN(std::string hash, HashWithTurn(password, absl::InfiniteFuture()));
  v1::User user;
  user.set_email(std::string(absl::StripAsciiWhitespace(email)));
  user.set_display_name(display_name);
  // One transaction: the user, the binding and their audit events, or nothing.
  SIXSTEPS_ASSIGN_OR_RETURN(
      std::string id, store_->BootstrapAdministrator(RandomId("u"), user, hash, RandomId("rb")));
  SIXSTEPS_ASSIGN_OR_RETURN(StoredUser stored, store_->GetUser(id));
  return stored.user;
}

absl::StatusOr<v1::User> IdentityServiceImpl::ResetPasswordByOperator(const std::string& email,
                                                                      const std::string& password) {
  SIXSTEPS_RETURN_IF_ERROR(ValidateEmail(email, "email"));
  SIXSTEPS_RETURN_IF_ERROR(ValidatePassword(password, "password"));
  const std::string email_key = NormaliseEmail(email);
  absl::StatusOr<StoredUser> found = store_->FindUserByEmail(email_key);
  if (absl::IsNotFound(found.status())) {
    return absl::NotFoundError(absl::StrCat("no user has the email ", email_key));
  }
  SIXSTEPS_ASSIGN_OR_RETURN(StoredUser user, std::move(found));
  const std::string& principal = user.user.name();
  SIXSTEPS_ASSIGN_OR_RETURN(std::string hash, HashWithTurn(password, absl::InfiniteFuture()));
  // Not a caller of the API: the audit log names the operator's command as the actor.
  const std::string actor = "operator (sixsteps-identity reset-password)";
  SIXSTEPS_RETURN_IF_ERROR(
      store_->ChangePassword(std::string(LastSegment(principal)), hash,
                             {actor, "password.reset_by_operator", principal, "", "{}"}));
  SIXSTEPS_RETURN_IF_ERROR(store_->RevokePrincipalTokens(principal, RevocationLifetime()));
  SIXSTEPS_RETURN_IF_ERROR(
      store_->ClearAllBackoffs(email_key, {actor, "user.unlock", principal, "", "{}"}).status());
  return user.user;
}

// ---- Tokens ----

absl::Duration IdentityServiceImpl::RevocationLifetime() const {
  return options_.access_token_ttl + kKeyPublicationLeeway;
}

absl::StatusOr<IdentityServiceImpl::IssuedToken> IdentityServiceImpl::IssueAccessToken(
    const std::string& principal, const std::string& display_name, bool service_account,
    const std::string& api_key_id) {
  // The issue time is read before the bindings: a token carrying a binding that is being
  // deleted is then issued before the deletion's revocation time (see BindingsOf).
  const absl::Time now = absl::Now();
  SIXSTEPS_ASSIGN_OR_RETURN(std::vector<BindingScope> bindings, store_->BindingsOf(principal));
  Caller caller = CallerFromBindings(principal, display_name, service_account, bindings);
  caller.api_key_id = api_key_id;
  SIXSTEPS_ASSIGN_OR_RETURN(SigningKey key, store_->CurrentSigningKey());
  SIXSTEPS_ASSIGN_OR_RETURN(std::string private_key, sealer_.Open(key.private_key_sealed));
  nlohmann::json claims = auth::ClaimsFor(caller, now, options_.access_token_ttl, RandomToken(12));
  SIXSTEPS_ASSIGN_OR_RETURN(std::string token, jwt::Sign(claims, key.key_id, private_key));
  return IssuedToken{token, now + options_.access_token_ttl};
}

absl::StatusOr<std::string> IdentityServiceImpl::IssueRefreshToken(const std::string& user_id,
                                                                   absl::Time* expires) {
  std::string token = absl::StrCat("ssr.", RandomToken(32));
  *expires = absl::Now() + options_.refresh_token_ttl;
  SIXSTEPS_RETURN_IF_ERROR(
      store_->CreateRefreshToken(Sha256(token), user_id, NewRefreshFamily(), *expires));
  return token;
}

absl::StatusOr<PasswordHashingGate::Turn> IdentityServiceImpl::HashingTurn(absl::Time deadline) {
  absl::StatusOr<PasswordHashingGate::Turn> turn = gate_.Acquire(deadline);
  // Overload passes within seconds: say so, as the backoff does, in the retry-after trailer.
  if (!turn.ok()) return RetryLater(turn.status().message(), absl::Seconds(1));
  return turn;
}

absl::StatusOr<std::string> IdentityServiceImpl::HashWithTurn(absl::string_view password,
                                                              absl::Time deadline) {
  SIXSTEPS_ASSIGN_OR_RETURN(PasswordHashingGate::Turn turn, HashingTurn(deadline));
  return HashPassword(password, options_.password_cost);
}

absl::StatusOr<bool> IdentityServiceImpl::CheckPasswordAttempt(
    const std::string& email_key, const std::string& client, const std::string& hash,
    absl::string_view password, absl::Time deadline, BackoffState* after) {
  // A client in backoff is refused before it can take a hashing turn or a queue place.
  SIXSTEPS_ASSIGN_OR_RETURN(BackoffState state, store_->GetBackoff(email_key, client));
  SIXSTEPS_RETURN_IF_ERROR(MayAttemptNow(state, absl::Now()));
  SIXSTEPS_ASSIGN_OR_RETURN(PasswordHashingGate::Turn turn, HashingTurn(deadline));
  // The claim is what counts: concurrent attempts each see those claimed before them.
  SIXSTEPS_ASSIGN_OR_RETURN(*after, store_->ClaimPasswordAttempt(email_key, client, absl::Now()));
  return VerifyPassword(hash, password);
}

bool IdentityServiceImpl::IsAnyAdministrator(const Caller& caller) {
  for (const auth::Grant& grant : caller.grants) {
    if (grant.role == Role::ROLE_HUB_ADMINISTRATOR ||
        grant.role == Role::ROLE_PARTNERSHIP_ADMINISTRATOR) {
      return true;
    }
  }
  return false;
}

Visibility IdentityServiceImpl::AdministeredBy(const Caller& caller) {
  Visibility visible;
  visible.everything = caller.IsDeploymentAdmin();
  for (const auth::Grant& grant : caller.grants) {
    if (grant.role == Role::ROLE_HUB_ADMINISTRATOR) visible.regions.push_back(grant.region);
    if (grant.role == Role::ROLE_PARTNERSHIP_ADMINISTRATOR) {
      visible.partnerships.push_back(grant.partnership);
    }
  }
  return visible;
}

absl::StatusOr<bool> IdentityServiceImpl::AdministersUser(const Caller& caller,
                                                          const std::string& name,
                                                          std::string* region) {
  region->clear();
  if (caller.IsDeploymentAdmin()) return true;
  SIXSTEPS_ASSIGN_OR_RETURN(std::vector<BindingScope> bindings, store_->BindingsOf(name));
  for (const BindingScope& binding : bindings) {
    if (CheckCanManageBinding(caller, binding).ok()) {
      if (binding.region != auth::kEveryRegion) *region = binding.region;
      return true;
    }
  }
  return false;
}

absl::StatusOr<BindingScope> IdentityServiceImpl::ResolveScope(const Caller& caller,
                                                               const std::string& scope,
                                                               absl::string_view field) {
  BindingScope resolved;
  if (scope == auth::kEveryRegion) {
    resolved.region = std::string(auth::kEveryRegion);
    return resolved;
  }
  if (absl::StartsWith(scope, "regions/")) {
    SIXSTEPS_ASSIGN_OR_RETURN(resolved.region, ParseRegionName(scope, field));
    if (!caller.CanSeeRegion(resolved.region)) return NotFound(scope);
    SIXSTEPS_RETURN_IF_ERROR(store_->GetRegion(resolved.region).status());
    return resolved;
  }
  if (absl::StartsWith(scope, "partnerships/")) {
    SIXSTEPS_ASSIGN_OR_RETURN(v1::Partnership partnership,
                              VisiblePartnership(caller, scope, field));
    resolved.region = LastSegment(partnership.region());
    resolved.partnership = LastSegment(partnership.name());
    return resolved;
  }
  return absl::InvalidArgumentError(
      absl::StrCat(field, ": must be '*', regions/{region} or partnerships/{partnership}"));
}

}  // namespace sixsteps::identity
