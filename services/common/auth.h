// Who is calling: access tokens issued by the identity service, verified locally in
// every service with identity's public keys, and the permission questions handlers ask.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <grpcpp/channel.h>
#include <grpcpp/server_context.h>
#include <nlohmann/json.hpp>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/common/jwt.h"
#include "sixsteps/identity/v1/identity.pb.h"

namespace sixsteps::auth {

using Role = ::sixsteps::identity::v1::Role;

inline constexpr absl::string_view kIssuer = "sixsteps-identity";
inline constexpr absl::string_view kAudience = "sixsteps";
// The region of a deployment-wide grant.
inline constexpr absl::string_view kEveryRegion = "*";

// One role of the caller, where it applies. Ids, not resource names: region "north-east",
// partnership "sunderland", organisation "police".
struct Grant {
  Role role = Role::ROLE_UNSPECIFIED;
  // Always set: the region of the grant ("*" for the whole deployment).
  std::string region;
  // Set for a grant on one partnership (of `region`).
  std::string partnership;
  // Set for respondents and action owners: the organisation (of `partnership`).
  std::string organisation;
};

// The authenticated caller of an RPC.
struct Caller {
  // "users/{id}" or "serviceAccounts/{id}".
  std::string principal;
  std::string display_name;
  bool service_account = false;
  std::vector<Grant> grants;
  // The access token itself, forwarded when this service calls another on the caller's
  // behalf, so that the other service applies the caller's own permissions.
  std::string bearer_token;
  // The call's request id (see server.h), sent on with the token so that the other
  // service's log lines carry it too.
  std::string request_id;

  // A hub administrator bound on "*".
  bool IsDeploymentAdmin() const;
  // Reads every partnership of the deployment: a grant on "*" (a deployment
  // administrator, or a deployment-wide viewer such as the reporting service's account).
  bool SeesEverything() const;
  // A hub administrator of `region` (or of the whole deployment).
  bool IsHubAdmin(absl::string_view region) const;
  // Bound on `region` itself, or on "*", with one of `roles` (a deployment admin counts
  // everywhere).
  bool HasRegionRole(absl::string_view region, std::initializer_list<Role> roles) const;
  // Bound on the partnership with one of `roles`.
  bool HasPartnershipRole(absl::string_view partnership, std::initializer_list<Role> roles) const;
  // Any grant in the region: on the region itself or on one of its partnerships.
  bool CanSeeRegion(absl::string_view region) const;
  // May read the partnership's records: any grant on it, or hub administrator, viewer,
  // dashboard or integration on its region.
  bool CanSeePartnership(absl::string_view region, absl::string_view partnership) const;
  // May administer the partnership: its hub administrators and partnership administrators.
  bool CanManagePartnership(absl::string_view region, absl::string_view partnership) const;
  // The organisations the caller acts for in the partnership with `role`.
  std::vector<std::string> OrganisationsFor(absl::string_view partnership, Role role) const;
};

// "hub_administrator" etc.: the role's name in tokens and on the command line.
std::string RoleName(Role role);
// Parses a RoleName (or the enum's full name); ROLE_UNSPECIFIED if unknown.
Role RoleFromName(absl::string_view name);

// The claims of an access token for `caller`, valid from `now` for `ttl`.
nlohmann::json ClaimsFor(const Caller& caller, absl::Time now, absl::Duration ttl,
                         absl::string_view token_id);

// Where public keys come from: the identity service (over gRPC) or, inside identity
// itself, its own store.
class PublicKeySource {
 public:
  virtual ~PublicKeySource() = default;
  // The raw Ed25519 key with this id; NOT_FOUND if there is none.
  virtual absl::StatusOr<std::string> Find(absl::string_view key_id) = 0;
};

// Verifies bearer tokens: signature (a known key), issuer, audience, expiry.
class TokenVerifier {
 public:
  explicit TokenVerifier(std::shared_ptr<PublicKeySource> keys) : keys_(std::move(keys)) {}

  // UNAUTHENTICATED for a bad or expired token.
  absl::StatusOr<Caller> Verify(absl::string_view token, absl::Time now) const;
  // Reads "authorization: Bearer <token>" from the call's metadata and verifies it.
  absl::StatusOr<Caller> Authenticate(const grpc::ServerContext& context) const;

  // A token verified once is trusted again, until it expires, for at most this long: no
  // longer than a withdrawn signing key stays in IdentityPublicKeys' cache anyway.
  static constexpr absl::Duration kVerifiedTtl = absl::Seconds(60);

 private:
  // The signature and claims checked, as Verify did before it kept what it found.
  absl::StatusOr<Caller> VerifyUncached(absl::string_view token, absl::Time now,
                                        absl::Time* expires) const;

  std::shared_ptr<PublicKeySource> keys_;
  // Every call of a client carries the same token until it renews it: its signature (an
  // Ed25519 verification, a key object and a JSON parse) is checked once, not per call.
  struct Verified {
    Caller caller;
    absl::Time valid_until;
  };
  static constexpr size_t kMaxVerified = 10000;  // cleared when full: callers re-verify
  mutable std::mutex verified_mu_;
  mutable absl::flat_hash_map<std::string, Verified> verified_ ABSL_GUARDED_BY(verified_mu_);
};

// Fetches identity's public keys over gRPC and caches them: an unknown key id triggers a
// refresh (at most once per `min_refresh_interval`), so a rotation is picked up at once.
class IdentityPublicKeys final : public PublicKeySource {
 public:
  explicit IdentityPublicKeys(std::shared_ptr<grpc::Channel> identity,
                              absl::Duration min_refresh_interval = absl::Seconds(5));
  absl::StatusOr<std::string> Find(absl::string_view key_id) override;

 private:
  absl::Status Refresh() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::shared_ptr<grpc::Channel> identity_;
  const absl::Duration min_refresh_interval_;
  std::mutex mu_;
  absl::flat_hash_map<std::string, std::string> keys_ ABSL_GUARDED_BY(mu_);
  absl::Time last_refresh_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
};

}  // namespace sixsteps::auth
