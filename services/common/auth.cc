#include "services/common/auth.h"

#include <algorithm>

#include <grpcpp/client_context.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/common/server.h"
#include "services/common/status.h"
#include "sixsteps/identity/v1/identity_service.grpc.pb.h"

namespace sixsteps::auth {
namespace {

bool Among(Role role, std::initializer_list<Role> roles) {
  return std::find(roles.begin(), roles.end(), role) != roles.end();
}

absl::Status Unauthenticated(absl::string_view why) { return absl::UnauthenticatedError(why); }

}  // namespace

bool Caller::IsDeploymentAdmin() const {
  return std::any_of(grants.begin(), grants.end(), [](const Grant& g) {
    return g.role == Role::ROLE_HUB_ADMINISTRATOR && g.region == kEveryRegion;
  });
}

bool Caller::SeesEverything() const {
  return std::any_of(grants.begin(), grants.end(), [](const Grant& g) {
    return g.region == kEveryRegion && g.partnership.empty() &&
           Among(g.role, {Role::ROLE_HUB_ADMINISTRATOR, Role::ROLE_VIEWER, Role::ROLE_DASHBOARD});
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
                             Role::ROLE_INTEGRATION})) {
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
  return {
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
}

absl::StatusOr<Caller> TokenVerifier::Verify(absl::string_view token, absl::Time now) const {
  {
    std::lock_guard<std::mutex> lock(verified_mu_);
    auto it = verified_.find(token);
    if (it != verified_.end() && now < it->second.valid_until) return it->second.caller;
  }
  absl::Time expires;
  absl::StatusOr<Caller> caller = VerifyUncached(token, now, &expires);
  if (!caller.ok()) return caller;
  std::lock_guard<std::mutex> lock(verified_mu_);
  if (verified_.size() >= kMaxVerified) verified_.clear();
  verified_.insert_or_assign(std::string(token),
                             Verified{*caller, std::min(now + kVerifiedTtl, expires)});
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
  if (expiry == 0 || absl::ToUnixSeconds(now) > expiry + kLeewaySeconds) {
    return Unauthenticated("access token expired; sign in again");
  }
  *expires = absl::FromUnixSeconds(expiry + kLeewaySeconds);
  if (number("iat") > absl::ToUnixSeconds(now) + kLeewaySeconds) {
    return Unauthenticated("invalid access token");
  }
  Caller caller;
  caller.principal = text("sub");
  caller.display_name = text("name");
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
  const auto& metadata = context.client_metadata();
  auto it = metadata.find("authorization");
  if (it == metadata.end()) {
    return Unauthenticated("sign in first: send 'authorization: Bearer <access token>'");
  }
  absl::string_view value(it->second.data(), it->second.size());
  constexpr absl::string_view kBearer = "Bearer ";
  if (!absl::StartsWithIgnoreCase(value, kBearer)) {
    return Unauthenticated("the authorization header must be 'Bearer <access token>'");
  }
  absl::string_view token = value.substr(kBearer.size());
  absl::StatusOr<Caller> caller = Verify(token, absl::Now());
  if (caller.ok()) {
    caller->bearer_token = std::string(token);
    caller->request_id = RequestIdOf(context);
  }
  return caller;
}

IdentityPublicKeys::IdentityPublicKeys(std::shared_ptr<grpc::Channel> identity,
                                       absl::Duration min_refresh_interval)
    : identity_(std::move(identity)), min_refresh_interval_(min_refresh_interval) {}

absl::StatusOr<std::string> IdentityPublicKeys::Find(absl::string_view key_id) {
  std::lock_guard<std::mutex> lock(mu_);
  // Known keys are re-read now and then, so a key identity withdrew stops verifying; if
  // identity cannot be reached then, the cached keys keep serving.
  constexpr absl::Duration kMaxKeyAge = absl::Minutes(5);
  if (!keys_.empty() && absl::Now() - last_refresh_ > kMaxKeyAge) Refresh().IgnoreError();
  auto it = keys_.find(key_id);
  if (it != keys_.end()) return it->second;
  if (absl::Now() - last_refresh_ < min_refresh_interval_) {
    return absl::NotFoundError("unknown signing key");
  }
  SIXSTEPS_RETURN_IF_ERROR(Refresh());
  it = keys_.find(key_id);
  if (it != keys_.end()) return it->second;
  return absl::NotFoundError("unknown signing key");
}

absl::Status IdentityPublicKeys::Refresh() {
  auto stub = identity::v1::IdentityService::NewStub(identity_);
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  identity::v1::ListPublicKeysResponse response;
  grpc::Status status =
      stub->ListPublicKeys(&context, identity::v1::ListPublicKeysRequest(), &response);
  if (!status.ok()) {
    return absl::UnavailableError(absl::StrCat(
        "cannot reach the identity service to verify the token: ", status.error_message()));
  }
  last_refresh_ = absl::Now();
  // Replace, not merge: a key identity no longer publishes no longer verifies.
  keys_.clear();
  for (const auto& key : response.keys()) keys_[key.key_id()] = key.public_key();
  return absl::OkStatus();
}

}  // namespace sixsteps::auth
