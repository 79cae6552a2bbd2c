#include "services/common/auth.h"

#include <openssl/evp.h>

#include <algorithm>
#include <optional>

#include <grpcpp/client_context.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/common/admission.h"  // faults (H5)
#include "services/common/log.h"
#include "services/common/server.h"
#include "services/common/status.h"
#include "services/common/trace_context.h"  // traces (H8)
#include "sixsteps/identity/v1/identity_service.grpc.pb.h"

namespace sixsteps::auth {
namespace {

bool Among(Role role, std::initializer_list<Role> roles) {
  return std::find(roles.begin(), roles.end(), role) != roles.end();
}

absl::Status Unauthenticated(absl::string_view why) { return absl::UnauthenticatedError(why); }

std::string Sha256(absl::string_view data) {
  std::string digest(EVP_MAX_MD_SIZE, '\0');
  unsigned int length = 0;
  if (EVP_Digest(data.data(), data.size(), reinterpret_cast<unsigned char*>(digest.data()), &length,
                 EVP_sha256(), nullptr) != 1) {
    // Cannot happen with a working OpenSSL; an empty digest matches no revocation entry, but
    // is never silently "not revoked" either: see TokenRevocations::Check.
    return "";
  }
  digest.resize(length);
  return digest;
}

}  // namespace

bool Caller::IsDeploymentAdmin() const {
  return std::any_of(grants.begin(), grants.end(), [](const Grant& g) {
    return g.role == Role::ROLE_HUB_ADMINISTRATOR && g.region == kEveryRegion;
  });
}

bool Caller::SeesEverything() const {
  return std::any_of(grants.begin(), grants.end(), [](const Grant& g) {
    return g.region == kEveryRegion && g.partnership.empty() &&
           Among(g.role, {Role::ROLE_HUB_ADMINISTRATOR, Role::ROLE_VIEWER, Role::ROLE_DASHBOARD,
                          Role::ROLE_NOTIFIER});
  });
}

bool Caller::IsNotifier() const {
  return std::any_of(grants.begin(), grants.end(), [](const Grant& g) {
    return g.role == Role::ROLE_NOTIFIER && g.region == kEveryRegion && g.partnership.empty();
  });
}

bool Caller::IsHubAdmin(absl::string_view region) const {
  return HasRegionRole(region, {Role::ROLE_HUB_ADMINISTRATOR});
}

bool Caller::HasRegionRole(absl::string_view region, std::initializer_list<Role> roles) const {
  if (IsDeploymentAdmin()) return true;
  return std::any_of(grants.begin(), grants.end(), [&](const Grant& g) {
    return g.partnership.empty() && (g.region == region || g.region == kEveryRegion) &&
           Among(g.role, roles);
  });
}

bool Caller::HasPartnershipRole(absl::string_view partnership,
                                std::initializer_list<Role> roles) const {
  return std::any_of(grants.begin(), grants.end(), [&](const Grant& g) {
    return !g.partnership.empty() && g.partnership == partnership && Among(g.role, roles);
  });
}

bool Caller::CanSeeRegion(absl::string_view region) const {
  if (IsDeploymentAdmin()) return true;
  return std::any_of(grants.begin(), grants.end(), [&](const Grant& g) {
    return g.region == region || g.region == kEveryRegion;
  });
}

bool Caller::CanSeePartnership(absl::string_view region, absl::string_view partnership) const {
  if (HasRegionRole(region, {Role::ROLE_HUB_ADMINISTRATOR, Role::ROLE_VIEWER, Role::ROLE_DASHBOARD,
                             Role::ROLE_INTEGRATION, Role::ROLE_NOTIFIER})) {
    return true;
  }
  return std::any_of(grants.begin(), grants.end(), [&](const Grant& g) {
    return g.partnership == partnership && !partnership.empty();
  });
}

bool Caller::CanManagePartnership(absl::string_view region, absl::string_view partnership) const {
  return IsHubAdmin(region) ||
         HasPartnershipRole(partnership, {Role::ROLE_PARTNERSHIP_ADMINISTRATOR});
}

std::vector<std::string> Caller::OrganisationsFor(absl::string_view partnership, Role role) const {
  std::vector<std::string> organisations;
  for (const Grant& g : grants) {
    if (g.partnership == partnership && g.role == role && !g.organisation.empty()) {
      organisations.push_back(g.organisation);
    }
  }
  return organisations;
}

std::string RoleName(Role role) {
  std::string name = identity::v1::Role_Name(role);
  if (absl::StartsWith(name, "ROLE_")) name = name.substr(5);
  return absl::AsciiStrToLower(name);
}

Role RoleFromName(absl::string_view name) {
  std::string upper = absl::AsciiStrToUpper(name);
  if (!absl::StartsWith(upper, "ROLE_")) upper = absl::StrCat("ROLE_", upper);
  Role role = Role::ROLE_UNSPECIFIED;
  if (!identity::v1::Role_Parse(upper, &role)) return Role::ROLE_UNSPECIFIED;
  return role;
}

nlohmann::json ClaimsFor(const Caller& caller, absl::Time now, absl::Duration ttl,
                         absl::string_view token_id) {
  nlohmann::json grants = nlohmann::json::array();
  for (const Grant& g : caller.grants) {
    nlohmann::json grant = {{"role", RoleName(g.role)}, {"region", g.region}};
    if (!g.partnership.empty()) grant["partnership"] = g.partnership;
    if (!g.organisation.empty()) grant["organisation"] = g.organisation;
    grants.push_back(std::move(grant));
  }
  nlohmann::json claims = {
      {"iss", std::string(kIssuer)},
      {"aud", std::string(kAudience)},
      {"sub", caller.principal},
      {"name", caller.display_name},
      {"sa", caller.service_account},
      {"iat", absl::ToUnixSeconds(now)},
      {"exp", absl::ToUnixSeconds(now + ttl)},
      {"jti", std::string(token_id)},
      {"grants", std::move(grants)},
  };
  claims["iat_us"] = absl::ToUnixMicros(now);
  if (!caller.api_key_id.empty()) claims["api_key"] = caller.api_key_id;
  return claims;
}

std::string RevokedPrincipalDigest(absl::string_view principal) {
  return Sha256(absl::StrCat("principal:", principal));
}

std::string RevokedApiKeyDigest(absl::string_view api_key_id) {
  return Sha256(absl::StrCat("api_key:", api_key_id));
}

absl::Status TokenRevocations::Check(const Caller& caller) const {
  if (empty()) return absl::OkStatus();
  const absl::Status revoked = Unauthenticated("access token revoked; sign in again");
  if (!principals.empty()) {
    std::string digest = RevokedPrincipalDigest(caller.principal);
    if (digest.empty()) return revoked;
    auto it = principals.find(digest);
    if (it != principals.end() && caller.issue_time < it->second) return revoked;
  }
  if (!api_keys.empty() && !caller.api_key_id.empty()) {
    std::string digest = RevokedApiKeyDigest(caller.api_key_id);
    if (digest.empty() || api_keys.contains(digest)) return revoked;
  }
  return absl::OkStatus();
}

absl::StatusOr<Caller> TokenVerifier::Verify(absl::string_view token, absl::Time now) const {
  std::optional<Caller> cached;
  {
    std::lock_guard<std::mutex> lock(verified_mu_);
    auto it = verified_.find(token);
    if (it != verified_.end() && now < it->second.valid_until) cached = it->second.caller;
  }
  if (cached) {
    // The cache spares the signature check, never the revocation check.
    SIXSTEPS_RETURN_IF_ERROR(keys_->CheckNotRevoked(*cached));
    return *std::move(cached);
  }
  absl::Time expires;
  absl::StatusOr<Caller> caller = VerifyUncached(token, now, &expires);
  if (!caller.ok()) return caller;
  {
    std::lock_guard<std::mutex> lock(verified_mu_);
    if (verified_.size() >= kMaxVerified) verified_.clear();
    verified_.insert_or_assign(std::string(token),
                               Verified{*caller, std::min(now + kVerifiedTtl, expires)});
  }
  SIXSTEPS_RETURN_IF_ERROR(keys_->CheckNotRevoked(*caller));
  return caller;
}

absl::StatusOr<Caller> TokenVerifier::VerifyUncached(absl::string_view token, absl::Time now,
                                                     absl::Time* expires) const {
  SIXSTEPS_ASSIGN_OR_RETURN(nlohmann::json claims,
                            jwt::VerifySignature(token, [this](absl::string_view key_id) {
                              return keys_->Find(key_id);
                            }));
  // Claims of the wrong type count as a bad token, never as an exception.
  auto text = [&](const char* key) {
    auto it = claims.find(key);
    return it != claims.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  auto number = [&](const char* key) -> int64_t {
    auto it = claims.find(key);
    return it != claims.end() && it->is_number_integer() ? it->get<int64_t>() : 0;
  };
  if (text("iss") != kIssuer || text("aud") != kAudience || text("sub").empty()) {
    return Unauthenticated("invalid access token");
  }
  // A little leeway for clocks that differ between machines.
  constexpr int64_t kLeewaySeconds = 30;
  int64_t expiry = number("exp");
  // Compared as absl::Time, which saturates: "exp" + leeway in int64 overflowed for an "exp"
  // near the largest int64 (undefined behaviour, found by tests/fuzz/jwt_fuzz.cc).
  const absl::Time expires_at = absl::FromUnixSeconds(expiry) + absl::Seconds(kLeewaySeconds);
  if (expiry == 0 || now > expires_at) {
    return Unauthenticated("access token expired; sign in again");
  }
  *expires = expires_at;
  const int64_t issued = number("iat");
  if (absl::FromUnixSeconds(issued) > now + absl::Seconds(kLeewaySeconds)) {
    return Unauthenticated("invalid access token");
  }
  Caller caller;
  caller.principal = text("sub");
  caller.display_name = text("name");
  caller.expire_time = absl::FromUnixSeconds(expiry);
  // A token without "iat_us" (from an identity replica older than revocation) counts as
  // issued at the start of its second: a revocation in that second then catches it, which
  // errs towards refusing.
  caller.issue_time = absl::FromUnixSeconds(issued);
  if (auto it = claims.find("iat_us"); it != claims.end()) {
    if (!it->is_number_integer()) return Unauthenticated("invalid access token");
    caller.issue_time = absl::FromUnixMicros(it->get<int64_t>());
  }
  if (auto it = claims.find("api_key"); it != claims.end()) {
    if (!it->is_string()) return Unauthenticated("invalid access token");
    caller.api_key_id = it->get<std::string>();
  }
  // A claim present with the wrong type is a bad token: value() would throw, and reading
  // it as absent could widen a grant (a partnership grant read as a region one).
  auto sa = claims.find("sa");
  if (sa != claims.end() && !sa->is_boolean()) return Unauthenticated("invalid access token");
  caller.service_account = sa != claims.end() && sa->get<bool>();
  auto grants = claims.find("grants");
  if (grants != claims.end() && grants->is_array()) {
    for (const nlohmann::json& g : *grants) {
      if (!g.is_object()) return Unauthenticated("invalid access token");
      bool well_typed = true;
      auto field = [&](const char* key) {
        auto it = g.find(key);
        if (it == g.end()) return std::string();
        if (!it->is_string()) {
          well_typed = false;
          return std::string();
        }
        return it->get<std::string>();
      };
      Grant grant;
      grant.role = RoleFromName(field("role"));
      grant.region = field("region");
      grant.partnership = field("partnership");
      grant.organisation = field("organisation");
      if (!well_typed) return Unauthenticated("invalid access token");
      if (grant.role == Role::ROLE_UNSPECIFIED || grant.region.empty()) {
        return Unauthenticated("invalid access token");
      }
      caller.grants.push_back(std::move(grant));
    }
  }
  return caller;
}

absl::StatusOr<Caller> TokenVerifier::Authenticate(const grpc::ServerContext& context) const {
  SIXSTEPS_RETURN_IF_ERROR(admission::ShedRefusal(context));  // faults (H5): load shedding
  absl::StatusOr<Caller> caller = AuthenticateBearer(context.client_metadata());
  if (caller.ok()) {
    caller->request_id = RequestIdOf(context);
    caller->traceparent = trace::TraceparentFor(context);  // traces (H8)
  }
  return caller;
}

namespace {

// The token of "authorization: Bearer <token>" in a call's metadata.
absl::StatusOr<absl::string_view> BearerToken(
    const std::multimap<grpc::string_ref, grpc::string_ref>& metadata) {
  auto it = metadata.find("authorization");
  if (it == metadata.end()) {
    return Unauthenticated("sign in first: send 'authorization: Bearer <access token>'");
  }
  absl::string_view value(it->second.data(), it->second.size());
  constexpr absl::string_view kBearer = "Bearer ";
  if (!absl::StartsWithIgnoreCase(value, kBearer)) {
    return Unauthenticated("the authorization header must be 'Bearer <access token>'");
  }
  return value.substr(kBearer.size());
}

}  // namespace

absl::StatusOr<Caller> TokenVerifier::AuthenticateBearer(
    const std::multimap<grpc::string_ref, grpc::string_ref>& metadata) const {
  SIXSTEPS_ASSIGN_OR_RETURN(absl::string_view token, BearerToken(metadata));
  absl::StatusOr<Caller> caller = Verify(token, absl::Now());
  if (caller.ok()) caller->bearer_token = std::string(token);
  return caller;
}

std::optional<absl::StatusOr<Caller>> TokenVerifier::AuthenticateBearerIfVerified(
    const std::multimap<grpc::string_ref, grpc::string_ref>& metadata) const {
  absl::StatusOr<absl::string_view> token = BearerToken(metadata);
  if (!token.ok()) return absl::StatusOr<Caller>(token.status());
  std::optional<Caller> cached;
  {
    std::lock_guard<std::mutex> lock(verified_mu_);
    auto it = verified_.find(*token);
    if (it != verified_.end() && absl::Now() < it->second.valid_until) cached = it->second.caller;
  }
  if (!cached) return std::nullopt;
  // As Verify: the cache spares the signature check, never the revocation check.
  if (absl::Status revoked = keys_->CheckNotRevoked(*cached); !revoked.ok()) {
    return absl::StatusOr<Caller>(revoked);
  }
  cached->bearer_token = std::string(*token);
  return absl::StatusOr<Caller>(*std::move(cached));
}

namespace {

KeyRefreshOptions WithMinEarlyRefresh(absl::Duration interval) {
  KeyRefreshOptions options;
  options.min_early_refresh_interval = interval;
  return options;
}

}  // namespace

IdentityPublicKeys::IdentityPublicKeys(std::shared_ptr<grpc::Channel> identity,
                                       absl::Duration min_early_refresh_interval)
    : IdentityPublicKeys(std::move(identity), WithMinEarlyRefresh(min_early_refresh_interval)) {}

IdentityPublicKeys::IdentityPublicKeys(std::shared_ptr<grpc::Channel> identity,
                                       KeyRefreshOptions options)
    : identity_(std::move(identity)),
      options_(options),
      snapshot_(std::make_shared<const Snapshot>()),
      last_error_(absl::UnavailableError("the identity service has not answered yet")) {
  refresher_ = std::thread([this] { RefreshLoop(); });
}

IdentityPublicKeys::~IdentityPublicKeys() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    if (in_flight_ != nullptr) in_flight_->TryCancel();
  }
  wake_.notify_all();
  refreshed_.notify_all();
  refresher_.join();
}

std::shared_ptr<const IdentityPublicKeys::Snapshot> IdentityPublicKeys::Current() const {
  std::lock_guard<std::mutex> lock(mu_);
  return snapshot_;
}

int64_t IdentityPublicKeys::refreshes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return refreshes_;
}

absl::StatusOr<std::string> IdentityPublicKeys::Find(absl::string_view key_id) {
  std::unique_lock<std::mutex> lock(mu_);
  if (auto it = snapshot_->keys.find(key_id); it != snapshot_->keys.end()) return it->second;
  // An unknown key id: perhaps identity has rotated its key since the last refresh. Ask for
  // one early refresh (unless one is already coming, or was asked for too recently), and
  // wait for it; the wait releases the lock, so other calls go on meanwhile.
  const absl::Time now = absl::Now();
  if (refreshes_ >= early_refresh_done_at_ &&
      now - last_early_refresh_ >= options_.min_early_refresh_interval) {
    last_early_refresh_ = now;
    early_refresh_asked_ = true;
    // A fetch already in flight may have started before the rotation: wait for the next.
    early_refresh_done_at_ = refreshes_ + (fetching_ ? 2 : 1);
    wake_.notify_one();
  }
  if (refreshes_ < early_refresh_done_at_) {
    refreshed_.wait_until(lock, absl::ToChronoTime(now + options_.unknown_key_wait), [&] {
      return stopping_ || refreshes_ >= early_refresh_done_at_ || snapshot_->keys.contains(key_id);
    });
  }
  if (auto it = snapshot_->keys.find(key_id); it != snapshot_->keys.end()) return it->second;
  if (!snapshot_->loaded) {
    return absl::UnavailableError(absl::StrCat(
        "cannot reach the identity service to verify the token: ", last_error_.message()));
  }
  return absl::NotFoundError("unknown signing key");
}

absl::Status IdentityPublicKeys::CheckNotRevoked(const Caller& caller) {
  return Current()->revocations.Check(caller);
}

void IdentityPublicKeys::RefreshLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  bool first = true;
  while (true) {
    if (!first) {
      // At least a tenth of a second apart, whatever the options say.
      wake_.wait_for(
          lock,
          absl::ToChronoNanoseconds(std::max(options_.refresh_interval, absl::Milliseconds(100))),
          [&] { return stopping_ || early_refresh_asked_; });
    }
    first = false;
    if (stopping_) return;
    early_refresh_asked_ = false;
    fetching_ = true;
    std::shared_ptr<const Snapshot> previous = snapshot_;
    lock.unlock();
    absl::StatusOr<std::shared_ptr<const Snapshot>> fetched = Fetch(*previous);
    lock.lock();
    fetching_ = false;
    if (fetched.ok()) {
      snapshot_ = *std::move(fetched);
      if (!last_error_.ok()) LogEvent("identity_keys_refreshed");
      last_error_ = absl::OkStatus();
    } else if (!stopping_) {
      // Logged once per outage, not every few seconds.
      if (last_error_.ok()) {
        LogEvent("identity_keys_refresh_failed",
                 {{"error", std::string(fetched.status().message())}});
      }
      last_error_ = fetched.status();
    }
    ++refreshes_;
    refreshed_.notify_all();
  }
}

absl::StatusOr<std::shared_ptr<const IdentityPublicKeys::Snapshot>> IdentityPublicKeys::Fetch(
    const Snapshot& previous) {
  auto stub = identity::v1::IdentityService::NewStub(identity_);
  // Runs `call` with a deadline, cancellable by the destructor.
  auto guarded = [&](auto call) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + options_.fetch_deadline));
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) return grpc::Status(grpc::StatusCode::CANCELLED, "stopping");
      in_flight_ = &context;
    }
    grpc::Status status = call(&context);
    std::lock_guard<std::mutex> lock(mu_);
    in_flight_ = nullptr;
    return status;
  };

  identity::v1::ListPublicKeysResponse keys;
  grpc::Status status = guarded([&](grpc::ClientContext* context) {
    return stub->ListPublicKeys(context, identity::v1::ListPublicKeysRequest(), &keys);
  });
  if (!status.ok()) {
    return absl::UnavailableError(
        absl::StrCat("cannot reach the identity service: ", status.error_message()));
  }
  auto next = std::make_shared<Snapshot>();
  next->loaded = true;
  // Replace, not merge: a key identity no longer publishes no longer verifies.
  for (const auto& key : keys.keys()) next->keys[key.key_id()] = key.public_key();

  identity::v1::ListTokenRevocationsResponse revoked;
  status = guarded([&](grpc::ClientContext* context) {
    return stub->ListTokenRevocations(context, identity::v1::ListTokenRevocationsRequest(),
                                      &revoked);
  });
  if (status.ok()) {
    for (const auto& principal : revoked.principals()) {
      next->revocations.principals[principal.principal_sha256()] = absl::FromUnixMicros(
          principal.not_before().seconds() * 1000000 + principal.not_before().nanos() / 1000);
    }
    for (const std::string& api_key : revoked.api_key_sha256()) {
      next->revocations.api_keys.insert(api_key);
    }
  } else if (status.error_code() != grpc::StatusCode::UNIMPLEMENTED) {
    // UNIMPLEMENTED: an identity replica older than revocation, which revokes nothing.
    // Otherwise keep the revocations known so far: the keys are still worth having.
    next->revocations = previous.revocations;
    LogEvent("token_revocations_refresh_failed", {{"error", status.error_message()}});
  }
  return std::shared_ptr<const Snapshot>(std::move(next));
}

}  // namespace sixsteps::auth
