#include "services/identity/identity_service.h"

#include <google/protobuf/util/time_util.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <optional>

#include "absl/strings/cord.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/base/make_status.h"
#include "services/base/names.h"
#include "services/common/grpc_reply.h"
#include "services/common/ids.h"
#include "services/common/jwt.h"
#include "services/common/pagination.h"
#include "services/common/validation.h"

namespace sixsteps::identity {
namespace {

using google::protobuf::util::TimeUtil;

constexpr absl::string_view kApiKeyPrefix = "ssk";
// Keys stay published this long past the access-token lifetime, for clock differences.
// Revocations are kept as long.
constexpr absl::Duration kKeyPublicationLeeway = absl::Minutes(5);
// At most this many revocations are published at once (a few MB); more is refused
// (RESOURCE_EXHAUSTED) rather than published in part.
constexpr int kMaxPublishedRevocations = 50000;

google::protobuf::Timestamp ToProto(absl::Time time) {
  return TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(time));
}

std::string JsonDetail(const nlohmann::json& detail) { return detail.dump(); }

// Lists one more than asked, to know whether another page exists.
template <typename T, typename KeyOf>
std::string NextPageToken(std::vector<T>& items, int page_size, absl::string_view query,
                          KeyOf key_of) {
  if (static_cast<int>(items.size()) <= page_size) return "";
  items.resize(page_size);
  return EncodePageToken(key_of(items.back()), query);
}

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
  *binding.mutable_create_time() = ToProto(stored.create_time);
  return binding;
}

// The call's deadline; InfiniteFuture if it has none (or one more than an hour away).
absl::Time DeadlineOf(const grpc::ServerContext& context) {
  auto left = context.deadline() - std::chrono::system_clock::now();
  if (left > std::chrono::hours(1)) return absl::InfiniteFuture();
  return absl::Now() +
         absl::FromChrono(std::chrono::duration_cast<std::chrono::microseconds>(left));
}

// A refusal carrying a retry hint (RetryLater) also says it in a "retry-after" trailer, in
// seconds, for clients to wait by.
void AddRetryHint(grpc::ServerContext* context, const absl::Status& status) {
  if (auto seconds = status.GetPayload(kRetryAfterPayload)) {
    context->AddTrailingMetadata("retry-after", std::string(*seconds));
  }
}

// Hex, because the store also matches a family against token hashes given as hex.
std::string NewRefreshFamily() { return absl::BytesToHexString(Sha256(RandomToken(32))); }

bool IsCoreKind(v1::OrganisationKind kind) {
  return kind == v1::ORGANISATION_KIND_LOCAL_AUTHORITY || kind == v1::ORGANISATION_KIND_HEALTH ||
         kind == v1::ORGANISATION_KIND_POLICE;
}

}  // namespace

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

// ---- Start-up and bootstrap ----

absl::StatusOr<v1::PublicKey> IdentityServiceImpl::NewSigningKey(const std::string& actor,
                                                                 bool only_if_none) {
  SIXSTEPS_ASSIGN_OR_RETURN(jwt::KeyPair pair, jwt::GenerateEd25519KeyPair());
  SigningKey key;
  key.key_id = RandomId("key");
  key.public_key = pair.public_key;
  key.private_key_sealed = sealer_.Seal(pair.private_key);
  SIXSTEPS_RETURN_IF_ERROR(store_->InstallSigningKey(
      key, only_if_none, {actor, "signing_key.rotate", key.key_id, "", "{}"}));
  v1::PublicKey published;
  published.set_key_id(key.key_id);
  published.set_algorithm("EdDSA");
  published.set_public_key(key.public_key);
  return published;
}

absl::Status IdentityServiceImpl::EnsureSigningKey() {
  SIXSTEPS_RETURN_IF_ERROR(NewSigningKey("identity", /*only_if_none=*/true).status());
  // The current key must open with this deployment's secret, or no token can be signed.
  SIXSTEPS_ASSIGN_OR_RETURN(SigningKey current, store_->CurrentSigningKey());
  return sealer_.Open(current.private_key_sealed).status();
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
  *response.mutable_access_token_expire_time() = ToProto(access.expire_time);
  response.set_refresh_token(refresh);
  *response.mutable_refresh_token_expire_time() = ToProto(refresh_expires);
  response.set_principal(user->user.name());
  return response;
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
  bool valid =
      ConstantTimeEquals(Sha256(parts[2]), key->secret_hash) && !key->api_key.has_revoke_time() &&
      absl::FromUnixMicros(TimeUtil::TimestampToMicroseconds(key->api_key.expire_time())) > now;
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
  *response.mutable_access_token_expire_time() = ToProto(access.expire_time);
  response.set_principal(principal);
  return response;
}

absl::StatusOr<v1::RefreshAccessTokenResponse> IdentityServiceImpl::DoRefresh(
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
  *response.mutable_access_token_expire_time() = ToProto(access.expire_time);
  response.set_refresh_token(next);
  *response.mutable_refresh_token_expire_time() = ToProto(expires);
  response.set_principal(user.user.name());
  return response;
}

absl::StatusOr<v1::GetCurrentPrincipalResponse> IdentityServiceImpl::DoGetCurrentPrincipal(
    const Caller& caller) {
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
  *response.mutable_access_token_expire_time() = ToProto(access.expire_time);
  response.set_refresh_token(refresh);
  *response.mutable_refresh_token_expire_time() = ToProto(refresh_expires);
  return response;
}

absl::StatusOr<v1::ListPublicKeysResponse> IdentityServiceImpl::DoListPublicKeys() {
  absl::Time since = absl::Now() - options_.access_token_ttl - kKeyPublicationLeeway;
  SIXSTEPS_ASSIGN_OR_RETURN(std::vector<SigningKey> keys, store_->PublishedSigningKeys(since));
  v1::ListPublicKeysResponse response;
  nlohmann::json jwks = {{"keys", nlohmann::json::array()}};
  for (const SigningKey& key : keys) {
    v1::PublicKey* published = response.add_keys();
    published->set_key_id(key.key_id);
    published->set_algorithm("EdDSA");
    published->set_public_key(key.public_key);
    *published->mutable_create_time() = ToProto(key.create_time);
    if (key.rotate_time) *published->mutable_rotate_time() = ToProto(*key.rotate_time);
    jwks["keys"].push_back({{"kty", "OKP"},
                            {"crv", "Ed25519"},
                            {"alg", "EdDSA"},
                            {"use", "sig"},
                            {"kid", key.key_id},
                            {"x", absl::WebSafeBase64Escape(key.public_key)}});
  }
  response.set_jwks_json(jwks.dump());
  return response;
}

absl::StatusOr<v1::ListTokenRevocationsResponse> IdentityServiceImpl::DoListTokenRevocations() {
  SIXSTEPS_ASSIGN_OR_RETURN(StoredRevocations stored,
                            store_->ListTokenRevocations(absl::Now(), kMaxPublishedRevocations));
  v1::ListTokenRevocationsResponse response;
  for (const auto& [principal, not_before] : stored.principals) {
    v1::PrincipalRevocation* revoked = response.add_principals();
    revoked->set_principal_sha256(auth::RevokedPrincipalDigest(principal));
    *revoked->mutable_not_before() = ToProto(not_before);
  }
  for (const std::string& api_key : stored.api_keys) {
    response.add_api_key_sha256(auth::RevokedApiKeyDigest(api_key));
  }
  return response;
}

// ---- Regions and partnerships ----

absl::StatusOr<v1::Region> IdentityServiceImpl::DoCreateRegion(const Caller& caller,
                                                               const v1::CreateRegionRequest& r) {
  SIXSTEPS_RETURN_IF_ERROR(ValidateResourceId(r.region_id(), "region_id"));
  SIXSTEPS_RETURN_IF_ERROR(
      ValidateText(r.region().display_name(), kMaxDisplayNameLength, "region.display_name"));
  if (!caller.IsDeploymentAdmin())
    return absl::PermissionDeniedError("only deployment administrators create regions");
  SIXSTEPS_RETURN_IF_ERROR(store_->CreateRegion(
      r.region_id(), r.region().display_name(),
      {caller.principal, "region.create", RegionName(r.region_id()), r.region_id(), "{}"}));
  return store_->GetRegion(r.region_id());
}

absl::StatusOr<v1::Region> IdentityServiceImpl::DoGetRegion(const Caller& caller,
                                                            const v1::GetRegionRequest& r) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string id, ParseRegionName(r.name(), "name"));
  if (!caller.CanSeeRegion(id)) return NotFound(r.name());
  return store_->GetRegion(id);
}

absl::StatusOr<v1::ListRegionsResponse> IdentityServiceImpl::DoListRegions(
    const Caller& caller, const v1::ListRegionsRequest& r) {
  SIXSTEPS_ASSIGN_OR_RETURN(int page_size, NormalisePageSize(r.page_size()));
  SIXSTEPS_ASSIGN_OR_RETURN(std::string after, DecodePageToken(r.page_token(), "regions"));
  // Regions the caller has any grant in, including through a partnership.
  Visibility visible = Visibility::Of(caller);
  for (const auth::Grant& grant : caller.grants) visible.regions.push_back(grant.region);
  SIXSTEPS_ASSIGN_OR_RETURN(std::vector<v1::Region> regions,
                            store_->ListRegions(visible, after, page_size + 1));
  v1::ListRegionsResponse response;
  response.set_next_page_token(NextPageToken(
      regions, page_size, "regions", [](const v1::Region& x) { return LastSegment(x.name()); }));
  for (auto& region : regions) *response.add_regions() = std::move(region);
  return response;
}

absl::StatusOr<v1::Partnership> IdentityServiceImpl::DoCreatePartnership(
    const Caller& caller, const v1::CreatePartnershipRequest& r) {
  SIXSTEPS_RETURN_IF_ERROR(ValidateResourceId(r.partnership_id(), "partnership_id"));
  SIXSTEPS_RETURN_IF_ERROR(ValidateText(r.partnership().display_name(), kMaxDisplayNameLength,
                                        "partnership.display_name"));
  SIXSTEPS_ASSIGN_OR_RETURN(std::string region,
                            ParseRegionName(r.partnership().region(), "partnership.region"));
  if (!caller.CanSeeRegion(region)) return NotFound(r.partnership().region());
  if (!caller.IsHubAdmin(region)) {
    return absl::PermissionDeniedError("only the region's hub administrators create partnerships");
  }
  SIXSTEPS_RETURN_IF_ERROR(store_->GetRegion(region).status());
  SIXSTEPS_RETURN_IF_ERROR(store_->CreatePartnership(
      r.partnership_id(), r.partnership(), region,
      {caller.principal, "partnership.create", PartnershipName(r.partnership_id()), region, "{}"}));
  return store_->GetPartnership(r.partnership_id());
}

absl::StatusOr<v1::Partnership> IdentityServiceImpl::DoGetPartnership(const Caller& caller,
                                                                      const std::string& name,
                                                                      absl::string_view field) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string id, ParsePartnershipName(name, field));
  absl::StatusOr<v1::Partnership> partnership = store_->GetPartnership(id);
  // Whether it does not exist or the caller may not see it, the answer is the same.
  if (!partnership.ok() || !caller.CanSeePartnership(LastSegment(partnership->region()), id)) {
    if (partnership.ok() || partnership.status().code() == absl::StatusCode::kNotFound) {
      return NotFound(name);
    }
    return partnership.status();
  }
  return partnership;
}

absl::StatusOr<v1::ListPartnershipsResponse> IdentityServiceImpl::DoListPartnerships(
    const Caller& caller, const v1::ListPartnershipsRequest& r) {
  SIXSTEPS_ASSIGN_OR_RETURN(int page_size, NormalisePageSize(r.page_size()));
  std::string region;
  if (!r.region().empty()) {
    SIXSTEPS_ASSIGN_OR_RETURN(region, ParseRegionName(r.region(), "region"));
  }
  SIXSTEPS_ASSIGN_OR_RETURN(std::string after,
                            DecodePageToken(r.page_token(), absl::StrCat("partnerships:", region)));
  // Region-level viewers, dashboards, integrations and hub administrators see the
  // region's partnerships (deployment-wide ones, bound to '*', every partnership); everyone
  // else only those they hold a grant on.
  Visibility visible;
  visible.everything = caller.SeesEverything();
  for (const auth::Grant& grant : caller.grants) {
    if (!grant.partnership.empty()) {
      visible.partnerships.push_back(grant.partnership);
    } else if (caller.CanSeePartnership(grant.region, "")) {
      visible.regions.push_back(grant.region);
    }
  }
  SIXSTEPS_ASSIGN_OR_RETURN(std::vector<v1::Partnership> partnerships,
                            store_->ListPartnerships(visible, region, after, page_size + 1));
  v1::ListPartnershipsResponse response;
  response.set_next_page_token(
      NextPageToken(partnerships, page_size, absl::StrCat("partnerships:", region),
                    [](const v1::Partnership& x) { return LastSegment(x.name()); }));
  for (auto& partnership : partnerships) *response.add_partnerships() = std::move(partnership);
  return response;
}

absl::StatusOr<v1::Partnership> IdentityServiceImpl::DoUpdatePartnership(
    const Caller& caller, const v1::UpdatePartnershipRequest& r) {
  SIXSTEPS_ASSIGN_OR_RETURN(v1::Partnership stored,
                            DoGetPartnership(caller, r.partnership().name(), "partnership.name"));
  std::string id = LastSegment(stored.name());
  if (!caller.CanManagePartnership(LastSegment(stored.region()), id)) {
    return absl::PermissionDeniedError(
        "only the partnership's administrators and hub administrators change it");
  }
  v1::Partnership values = stored;
  std::vector<std::string> paths(r.update_mask().paths().begin(), r.update_mask().paths().end());
  if (paths.empty()) paths = {"display_name", "regional_comparison_opt_out"};
  for (const std::string& path : paths) {
    if (path == "display_name") {
      SIXSTEPS_RETURN_IF_ERROR(ValidateText(r.partnership().display_name(), kMaxDisplayNameLength,
                                            "partnership.display_name"));
      values.set_display_name(r.partnership().display_name());
    } else if (path == "regional_comparison_opt_out") {
      values.set_regional_comparison_opt_out(r.partnership().regional_comparison_opt_out());
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("update_mask: '", path,
                       "' cannot be updated; use display_name or regional_comparison_opt_out"));
    }
  }
  // Blind overwrites are refused: the caller must show which version it changes.
  if (r.partnership().etag().empty()) {
    return absl::InvalidArgumentError(
        "partnership.etag: is required; read the partnership and send the etag it carries");
  }
  return store_->UpdatePartnership(
      id, values, r.partnership().etag(),
      {caller.principal, "partnership.update", stored.name(), LastSegment(stored.region()),
       JsonDetail({{"regional_comparison_opt_out", values.regional_comparison_opt_out()}})});
}

// ---- Organisations ----

absl::StatusOr<v1::Organisation> IdentityServiceImpl::DoCreateOrganisation(
    const Caller& caller, const v1::CreateOrganisationRequest& r) {
  SIXSTEPS_ASSIGN_OR_RETURN(v1::Partnership partnership,
                            DoGetPartnership(caller, r.parent(), "parent"));
  std::string partnership_id = LastSegment(partnership.name());
  if (!caller.CanManagePartnership(LastSegment(partnership.region()), partnership_id)) {
    return absl::PermissionDeniedError(
        "only the partnership's administrators and hub administrators add partners");
  }
  SIXSTEPS_RETURN_IF_ERROR(ValidateResourceId(r.organisation_id(), "organisation_id"));
  SIXSTEPS_RETURN_IF_ERROR(ValidateText(r.organisation().display_name(), kMaxDisplayNameLength,
                                        "organisation.display_name"));
  const v1::OrganisationKind kind = r.organisation().kind();
  if (kind == v1::ORGANISATION_KIND_UNSPECIFIED || !v1::OrganisationKind_IsValid(kind)) {
    return absl::InvalidArgumentError("organisation.kind: must name the kind of agency");
  }
  if (r.organisation().core_partner() && !IsCoreKind(kind)) {
    return absl::InvalidArgumentError(
        "organisation.core_partner: the three core partners are the local authority, health "
        "and police");
  }
  SIXSTEPS_RETURN_IF_ERROR(
      store_->CreateOrganisation(partnership_id, r.organisation_id(), r.organisation()));
  return store_->GetOrganisation(partnership_id, r.organisation_id());
}

absl::StatusOr<v1::Organisation> IdentityServiceImpl::DoGetOrganisation(
    const Caller& caller, const v1::GetOrganisationRequest& r) {
  SIXSTEPS_ASSIGN_OR_RETURN(OrganisationName name, ParseOrganisationName(r.name(), "name"));
  absl::StatusOr<v1::Partnership> partnership =
      DoGetPartnership(caller, PartnershipName(name.partnership_id), "name");
  if (!partnership.ok()) {
    return partnership.status().code() == absl::StatusCode::kNotFound ? NotFound(r.name())
                                                                      : partnership.status();
  }
  return store_->GetOrganisation(name.partnership_id, name.organisation_id);
}

absl::StatusOr<v1::ListOrganisationsResponse> IdentityServiceImpl::DoListOrganisations(
    const Caller& caller, const v1::ListOrganisationsRequest& r) {
  SIXSTEPS_ASSIGN_OR_RETURN(v1::Partnership partnership,
                            DoGetPartnership(caller, r.parent(), "parent"));
  SIXSTEPS_ASSIGN_OR_RETURN(int page_size, NormalisePageSize(r.page_size()));
  SIXSTEPS_ASSIGN_OR_RETURN(std::string after, DecodePageToken(r.page_token(), r.parent()));
  SIXSTEPS_ASSIGN_OR_RETURN(
      std::vector<v1::Organisation> organisations,
      store_->ListOrganisations(LastSegment(partnership.name()), after, page_size + 1));
  v1::ListOrganisationsResponse response;
  response.set_next_page_token(
      NextPageToken(organisations, page_size, r.parent(),
                    [](const v1::Organisation& x) { return LastSegment(x.name()); }));
  for (auto& organisation : organisations) *response.add_organisations() = std::move(organisation);
  return response;
}

// ---- Users ----

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
    *user.mutable_create_time() = ToProto(absl::Now());
    return user;
  }
  SIXSTEPS_RETURN_IF_ERROR(created);
  SIXSTEPS_ASSIGN_OR_RETURN(StoredUser stored, store_->GetUser(id));
  return stored.user;
}

absl::StatusOr<v1::User> IdentityServiceImpl::DoGetUser(const Caller& caller,
                                                        const v1::GetUserRequest& r) {
  SIXSTEPS_ASSIGN_OR_RETURN(PrincipalName name, ParsePrincipalName(r.name(), "name"));
  if (name.service_account) return absl::InvalidArgumentError("name: must be users/{id}");
  bool visible = caller.principal == r.name();
  if (!visible) {
    // Administrators see the users bound somewhere they administer.
    std::string region;
    SIXSTEPS_ASSIGN_OR_RETURN(visible, AdministersUser(caller, r.name(), &region));
  }
  if (!visible) return NotFound(r.name());
  SIXSTEPS_ASSIGN_OR_RETURN(StoredUser stored, store_->GetUser(name.id));
  return stored.user;
}

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

absl::StatusOr<v1::ListUsersResponse> IdentityServiceImpl::DoListUsers(
    const Caller& caller, const v1::ListUsersRequest& r) {
  if (!IsAnyAdministrator(caller))
    return absl::PermissionDeniedError("only administrators list users");
  SIXSTEPS_ASSIGN_OR_RETURN(int page_size, NormalisePageSize(r.page_size()));
  SIXSTEPS_ASSIGN_OR_RETURN(std::string after, DecodePageToken(r.page_token(), "users"));
  SIXSTEPS_ASSIGN_OR_RETURN(std::vector<v1::User> users,
                            store_->ListUsers(AdministeredBy(caller), after, page_size + 1));
  v1::ListUsersResponse response;
  response.set_next_page_token(NextPageToken(
      users, page_size, "users", [](const v1::User& x) { return LastSegment(x.name()); }));
  for (auto& user : users) *response.add_users() = std::move(user);
  return response;
}

// ---- Service accounts and API keys ----

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
    SIXSTEPS_ASSIGN_OR_RETURN(v1::Partnership partnership, DoGetPartnership(caller, scope, field));
    resolved.region = LastSegment(partnership.region());
    resolved.partnership = LastSegment(partnership.name());
    return resolved;
  }
  return absl::InvalidArgumentError(
      absl::StrCat(field, ": must be '*', regions/{region} or partnerships/{partnership}"));
}

absl::StatusOr<v1::ServiceAccount> IdentityServiceImpl::DoCreateServiceAccount(
    const Caller& caller, const v1::CreateServiceAccountRequest& r) {
  SIXSTEPS_RETURN_IF_ERROR(ValidateText(r.service_account().display_name(), kMaxDisplayNameLength,
                                        "service_account.display_name"));
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

absl::StatusOr<v1::ServiceAccount> IdentityServiceImpl::DoGetServiceAccount(
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

absl::StatusOr<v1::ListServiceAccountsResponse> IdentityServiceImpl::DoListServiceAccounts(
    const Caller& caller, const v1::ListServiceAccountsRequest& r) {
  if (!IsAnyAdministrator(caller))
    return absl::PermissionDeniedError("only administrators list service accounts");
  SIXSTEPS_ASSIGN_OR_RETURN(int page_size, NormalisePageSize(r.page_size()));
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

absl::StatusOr<v1::CreateApiKeyResponse> IdentityServiceImpl::DoCreateApiKey(
    const Caller& caller, const v1::CreateApiKeyRequest& r) {
  SIXSTEPS_ASSIGN_OR_RETURN(v1::ServiceAccount account,
                            DoGetServiceAccount(caller, r.parent(), "parent"));
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
      ValidateText(r.api_key().display_name(), kMaxDisplayNameLength, "api_key.display_name"));
  if (!r.api_key().has_expire_time()) {
    return absl::InvalidArgumentError("api_key.expire_time: every key must expire");
  }
  absl::Time expires =
      absl::FromUnixMicros(TimeUtil::TimestampToMicroseconds(r.api_key().expire_time()));
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

absl::StatusOr<v1::ListApiKeysResponse> IdentityServiceImpl::DoListApiKeys(
    const Caller& caller, const v1::ListApiKeysRequest& r) {
  SIXSTEPS_ASSIGN_OR_RETURN(v1::ServiceAccount account,
                            DoGetServiceAccount(caller, r.parent(), "parent"));
  SIXSTEPS_ASSIGN_OR_RETURN(int page_size, NormalisePageSize(r.page_size()));
  SIXSTEPS_ASSIGN_OR_RETURN(std::string after, DecodePageToken(r.page_token(), r.parent()));
  SIXSTEPS_ASSIGN_OR_RETURN(std::vector<v1::ApiKey> keys,
                            store_->ListApiKeys(LastSegment(account.name()), after, page_size + 1));
  v1::ListApiKeysResponse response;
  response.set_next_page_token(NextPageToken(
      keys, page_size, r.parent(), [](const v1::ApiKey& x) { return LastSegment(x.name()); }));
  for (auto& key : keys) *response.add_api_keys() = std::move(key);
  return response;
}

absl::StatusOr<v1::ApiKey> IdentityServiceImpl::DoRevokeApiKey(const Caller& caller,
                                                               const v1::RevokeApiKeyRequest& r) {
  SIXSTEPS_ASSIGN_OR_RETURN(ApiKeyName name, ParseApiKeyName(r.name(), "name"));
  SIXSTEPS_RETURN_IF_ERROR(
      DoGetServiceAccount(caller, ServiceAccountName(name.service_account_id), "name").status());
  SIXSTEPS_ASSIGN_OR_RETURN(StoredApiKey stored, store_->GetApiKey(name.api_key_id));
  if (stored.service_account_id != name.service_account_id) return NotFound(r.name());
  SIXSTEPS_ASSIGN_OR_RETURN(auto owned, store_->GetServiceAccount(name.service_account_id));
  // Tokens already issued for the key stop working too (within the verifiers' refresh
  // interval in the other services; at once in identity).
  return store_->RevokeApiKey(name.api_key_id, RevocationLifetime(),
                              {caller.principal, "api_key.revoke", r.name(), owned.second, "{}"});
}

// ---- Role bindings ----

absl::StatusOr<v1::RoleBinding> IdentityServiceImpl::DoCreateRoleBinding(
    const Caller& caller, const v1::CreateRoleBindingRequest& r) {
  const v1::RoleBinding& request = r.role_binding();
  SIXSTEPS_ASSIGN_OR_RETURN(PrincipalName principal,
                            ParsePrincipalName(request.principal(), "role_binding.principal"));
  SIXSTEPS_ASSIGN_OR_RETURN(BindingScope scope,
                            ResolveScope(caller, request.scope(), "role_binding.scope"));
  scope.role = request.role();
  scope.principal_is_service_account = principal.service_account;
  if (!request.organisation().empty()) {
    SIXSTEPS_ASSIGN_OR_RETURN(
        OrganisationName organisation,
        ParseOrganisationName(request.organisation(), "role_binding.organisation"));
    if (organisation.partnership_id != scope.partnership) {
      return absl::InvalidArgumentError(
          "role_binding.organisation: must be an organisation of the scope's partnership");
    }
    SIXSTEPS_RETURN_IF_ERROR(
        store_->GetOrganisation(organisation.partnership_id, organisation.organisation_id)
            .status());
    scope.organisation = organisation.organisation_id;
  }
  SIXSTEPS_RETURN_IF_ERROR(ValidateBindingShape(scope));
  SIXSTEPS_RETURN_IF_ERROR(CheckCanManageBinding(caller, scope));
  // The principal must exist.
  if (principal.service_account) {
    SIXSTEPS_ASSIGN_OR_RETURN(auto account, store_->GetServiceAccount(principal.id));
    SIXSTEPS_RETURN_IF_ERROR(CheckBindingWithinOwner(scope, account.first.owner()));
  } else {
    SIXSTEPS_RETURN_IF_ERROR(store_->GetUser(principal.id).status());
  }
  StoredRoleBinding binding;
  binding.id = RandomId("rb");
  binding.principal = request.principal();
  binding.scope = scope;
  SIXSTEPS_RETURN_IF_ERROR(store_->CreateRoleBinding(
      binding, {caller.principal, "role_binding.create", request.principal(),
                scope.region == auth::kEveryRegion ? "" : scope.region,
                JsonDetail({{"role", auth::RoleName(scope.role)},
                            {"scope", request.scope()},
                            {"organisation", request.organisation()}})}));
  SIXSTEPS_ASSIGN_OR_RETURN(StoredRoleBinding stored, store_->GetRoleBinding(binding.id));
  return ToProto(stored);
}

absl::StatusOr<google::protobuf::Empty> IdentityServiceImpl::DoDeleteRoleBinding(
    const Caller& caller, const v1::DeleteRoleBindingRequest& r) {
  std::vector<std::string> parts = absl::StrSplit(r.name(), '/');
  if (parts.size() != 2 || parts[0] != "roleBindings" || !IsResourceId(parts[1])) {
    return absl::InvalidArgumentError("name: must be roleBindings/{id}");
  }
  absl::StatusOr<StoredRoleBinding> stored = store_->GetRoleBinding(parts[1]);
  if (!stored.ok()) return stored.status();
  absl::Status allowed = CheckCanManageBinding(caller, stored->scope);
  if (!allowed.ok()) {
    // A binding the caller cannot even see is not confirmed to exist.
    bool sees = stored->scope.region != auth::kEveryRegion &&
                (stored->scope.partnership.empty()
                     ? caller.CanSeeRegion(stored->scope.region)
                     : caller.CanSeePartnership(stored->scope.region, stored->scope.partnership));
    return sees ? allowed : NotFound(r.name());
  }
  // The principal's tokens issued until now, which carry the binding, stop working too.
  SIXSTEPS_RETURN_IF_ERROR(store_->DeleteRoleBinding(
      parts[1], RevocationLifetime(),
      {caller.principal, "role_binding.delete", stored->principal,
       stored->scope.region == auth::kEveryRegion ? "" : stored->scope.region,
       JsonDetail({{"role", auth::RoleName(stored->scope.role)}})}));
  return google::protobuf::Empty();
}

absl::StatusOr<v1::ListRoleBindingsResponse> IdentityServiceImpl::DoListRoleBindings(
    const Caller& caller, const v1::ListRoleBindingsRequest& r) {
  SIXSTEPS_ASSIGN_OR_RETURN(int page_size, NormalisePageSize(r.page_size()));
  std::string region_filter, partnership_filter;
  if (!r.scope().empty()) {
    SIXSTEPS_ASSIGN_OR_RETURN(BindingScope scope, ResolveScope(caller, r.scope(), "scope"));
    region_filter = scope.region;
    partnership_filter = scope.partnership;
  }
  std::string query = absl::StrCat("roleBindings:", r.principal(), ":", r.scope());
  SIXSTEPS_ASSIGN_OR_RETURN(std::string after, DecodePageToken(r.page_token(), query));
  // Everyone sees their own bindings; administrators those where they administer.
  Visibility visible = AdministeredBy(caller);
  if (!r.principal().empty() && r.principal() == caller.principal) visible.everything = true;
  SIXSTEPS_ASSIGN_OR_RETURN(std::vector<StoredRoleBinding> bindings,
                            store_->ListRoleBindings(visible, r.principal(), region_filter,
                                                     partnership_filter, after, page_size + 1));
  v1::ListRoleBindingsResponse response;
  response.set_next_page_token(
      NextPageToken(bindings, page_size, query, [](const StoredRoleBinding& x) { return x.id; }));
  for (const auto& binding : bindings) *response.add_role_bindings() = ToProto(binding);
  return response;
}

absl::StatusOr<v1::ListAuditEventsResponse> IdentityServiceImpl::DoListAuditEvents(
    const Caller& caller, const v1::ListAuditEventsRequest& r) {
  Visibility visible;
  visible.everything = caller.IsDeploymentAdmin();
  for (const auth::Grant& grant : caller.grants) {
    if (grant.role == Role::ROLE_HUB_ADMINISTRATOR) visible.regions.push_back(grant.region);
  }
  if (!visible.everything && visible.regions.empty()) {
    return absl::PermissionDeniedError("only hub administrators read the audit log");
  }
  std::string region;
  if (!r.region().empty()) {
    SIXSTEPS_ASSIGN_OR_RETURN(region, ParseRegionName(r.region(), "region"));
  }
  SIXSTEPS_ASSIGN_OR_RETURN(int page_size, NormalisePageSize(r.page_size()));
  std::string query = absl::StrCat("audit:", region);
  SIXSTEPS_ASSIGN_OR_RETURN(std::string before, DecodePageToken(r.page_token(), query));
  int64_t before_id = 0;
  if (!before.empty() && !absl::SimpleAtoi(before, &before_id)) {
    return absl::InvalidArgumentError("page_token is not a token this service issued");
  }
  SIXSTEPS_ASSIGN_OR_RETURN(std::vector<v1::AuditEvent> events,
                            store_->ListAuditEvents(visible, region, before_id, page_size + 1));
  v1::ListAuditEventsResponse response;
  response.set_next_page_token(NextPageToken(
      events, page_size, query, [](const v1::AuditEvent& x) { return absl::StrCat(x.id()); }));
  for (auto& event : events) *response.add_audit_events() = std::move(event);
  return response;
}

// ---- Handlers: open ones first, then one line each through Authenticated. ----

grpc::Status IdentityServiceImpl::SignIn(grpc::ServerContext* context,
                                         const v1::SignInRequest* request,
                                         v1::SignInResponse* response) {
  absl::StatusOr<v1::SignInResponse> result =
      DoSignIn(*request, ClientKeyFromPeer(context->peer()), DeadlineOf(*context));
  AddRetryHint(context, result.status());
  return Reply(std::move(result), response);
}

grpc::Status IdentityServiceImpl::SignInWithApiKey(grpc::ServerContext*,
                                                   const v1::SignInWithApiKeyRequest* request,
                                                   v1::SignInWithApiKeyResponse* response) {
  return Reply(DoSignInWithApiKey(*request), response);
}

grpc::Status IdentityServiceImpl::RefreshAccessToken(grpc::ServerContext*,
                                                     const v1::RefreshAccessTokenRequest* request,
                                                     v1::RefreshAccessTokenResponse* response) {
  return Reply(DoRefresh(*request), response);
}

grpc::Status IdentityServiceImpl::SignOut(grpc::ServerContext*, const v1::SignOutRequest* request,
                                          v1::SignOutResponse*) {
  if (request->refresh_token().empty()) {
    return Reply(absl::InvalidArgumentError("refresh_token: is required"));
  }
  return Reply(store_->RevokeRefreshToken(Sha256(request->refresh_token())));
}

grpc::Status IdentityServiceImpl::ListPublicKeys(grpc::ServerContext*,
                                                 const v1::ListPublicKeysRequest*,
                                                 v1::ListPublicKeysResponse* response) {
  return Reply(DoListPublicKeys(), response);
}

grpc::Status IdentityServiceImpl::ListTokenRevocations(grpc::ServerContext*,
                                                       const v1::ListTokenRevocationsRequest*,
                                                       v1::ListTokenRevocationsResponse* response) {
  return Reply(DoListTokenRevocations(), response);
}

grpc::Status IdentityServiceImpl::GetCurrentPrincipal(grpc::ServerContext* context,
                                                      const v1::GetCurrentPrincipalRequest*,
                                                      v1::GetCurrentPrincipalResponse* response) {
  return Authenticated(verifier_, context, response,
                       [&](const Caller& caller) { return DoGetCurrentPrincipal(caller); });
}

grpc::Status IdentityServiceImpl::ChangePassword(grpc::ServerContext* context,
                                                 const v1::ChangePasswordRequest* request,
                                                 v1::ChangePasswordResponse* response) {
  return Authenticated(verifier_, context, response, [&](const Caller& caller) {
    absl::StatusOr<v1::ChangePasswordResponse> result = DoChangePassword(
        caller, *request, ClientKeyFromPeer(context->peer()), DeadlineOf(*context));
    AddRetryHint(context, result.status());
    return result;
  });
}

grpc::Status IdentityServiceImpl::RotateSigningKey(grpc::ServerContext* context,
                                                   const v1::RotateSigningKeyRequest*,
                                                   v1::RotateSigningKeyResponse* response) {
  return Authenticated(verifier_, context, response,
                       [&](const Caller& caller) -> absl::StatusOr<v1::RotateSigningKeyResponse> {
                         if (!caller.IsDeploymentAdmin()) {
                           return absl::PermissionDeniedError(
                               "only deployment administrators rotate the signing key");
                         }
                         SIXSTEPS_ASSIGN_OR_RETURN(v1::PublicKey key,
                                                   NewSigningKey(caller.principal, false));
                         v1::RotateSigningKeyResponse rotated;
                         *rotated.mutable_key() = key;
                         return rotated;
                       });
}

#define SIXSTEPS_AUTHENTICATED_RPC(Method, Request, Response)                                    \
  grpc::Status IdentityServiceImpl::Method(grpc::ServerContext* context, const Request* request, \
                                           Response* response) {                                 \
    return Authenticated(verifier_, context, response,                                           \
                         [&](const Caller& caller) { return Do##Method(caller, *request); });    \
  }

SIXSTEPS_AUTHENTICATED_RPC(CreateRegion, v1::CreateRegionRequest, v1::Region)
SIXSTEPS_AUTHENTICATED_RPC(GetRegion, v1::GetRegionRequest, v1::Region)
SIXSTEPS_AUTHENTICATED_RPC(ListRegions, v1::ListRegionsRequest, v1::ListRegionsResponse)
SIXSTEPS_AUTHENTICATED_RPC(CreatePartnership, v1::CreatePartnershipRequest, v1::Partnership)
SIXSTEPS_AUTHENTICATED_RPC(ListPartnerships, v1::ListPartnershipsRequest,
                           v1::ListPartnershipsResponse)
SIXSTEPS_AUTHENTICATED_RPC(UpdatePartnership, v1::UpdatePartnershipRequest, v1::Partnership)
SIXSTEPS_AUTHENTICATED_RPC(CreateOrganisation, v1::CreateOrganisationRequest, v1::Organisation)
SIXSTEPS_AUTHENTICATED_RPC(GetOrganisation, v1::GetOrganisationRequest, v1::Organisation)
SIXSTEPS_AUTHENTICATED_RPC(ListOrganisations, v1::ListOrganisationsRequest,
                           v1::ListOrganisationsResponse)
SIXSTEPS_AUTHENTICATED_RPC(GetUser, v1::GetUserRequest, v1::User)
SIXSTEPS_AUTHENTICATED_RPC(ListUsers, v1::ListUsersRequest, v1::ListUsersResponse)
SIXSTEPS_AUTHENTICATED_RPC(UnlockUser, v1::UnlockUserRequest, v1::UnlockUserResponse)
SIXSTEPS_AUTHENTICATED_RPC(CreateServiceAccount, v1::CreateServiceAccountRequest,
                           v1::ServiceAccount)
SIXSTEPS_AUTHENTICATED_RPC(ListServiceAccounts, v1::ListServiceAccountsRequest,
                           v1::ListServiceAccountsResponse)
SIXSTEPS_AUTHENTICATED_RPC(CreateApiKey, v1::CreateApiKeyRequest, v1::CreateApiKeyResponse)
SIXSTEPS_AUTHENTICATED_RPC(ListApiKeys, v1::ListApiKeysRequest, v1::ListApiKeysResponse)
SIXSTEPS_AUTHENTICATED_RPC(RevokeApiKey, v1::RevokeApiKeyRequest, v1::ApiKey)
SIXSTEPS_AUTHENTICATED_RPC(CreateRoleBinding, v1::CreateRoleBindingRequest, v1::RoleBinding)
SIXSTEPS_AUTHENTICATED_RPC(DeleteRoleBinding, v1::DeleteRoleBindingRequest, google::protobuf::Empty)
SIXSTEPS_AUTHENTICATED_RPC(ListRoleBindings, v1::ListRoleBindingsRequest,
                           v1::ListRoleBindingsResponse)
SIXSTEPS_AUTHENTICATED_RPC(ListAuditEvents, v1::ListAuditEventsRequest, v1::ListAuditEventsResponse)

#undef SIXSTEPS_AUTHENTICATED_RPC

grpc::Status IdentityServiceImpl::CreateUser(grpc::ServerContext* context,
                                             const v1::CreateUserRequest* request,
                                             v1::User* response) {
  return Authenticated(verifier_, context, response, [&](const Caller& caller) {
    absl::StatusOr<v1::User> result = DoCreateUser(caller, *request, DeadlineOf(*context));
    AddRetryHint(context, result.status());
    return result;
  });
}

grpc::Status IdentityServiceImpl::GetPartnership(grpc::ServerContext* context,
                                                 const v1::GetPartnershipRequest* request,
                                                 v1::Partnership* response) {
  return Authenticated(verifier_, context, response, [&](const Caller& caller) {
    return DoGetPartnership(caller, request->name(), "name");
  });
}

grpc::Status IdentityServiceImpl::GetServiceAccount(grpc::ServerContext* context,
                                                    const v1::GetServiceAccountRequest* request,
                                                    v1::ServiceAccount* response) {
  return Authenticated(verifier_, context, response, [&](const Caller& caller) {
    return DoGetServiceAccount(caller, request->name(), "name");
  });
}

}  // namespace sixsteps::identity
