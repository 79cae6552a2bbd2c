// Who is calling: access tokens issued by the identity service, verified locally in
// every service with identity's public keys, and the permission questions handlers ask.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>
#include <grpcpp/server_context.h>
#include <grpcpp/support/string_ref.h>
#include <nlohmann/json.hpp>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
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
  // The W3C traceparent to send on such calls (trace_context.h). // traces (H8)
  std::string traceparent;
  // From the token: when identity issued it (to the microsecond when the token says so),
  // when it expires, and the id of the API key it was issued for ("k-…"; service accounts
  // only). What a revocation is checked against.
  absl::Time issue_time = absl::InfinitePast();
  absl::Time expire_time = absl::InfiniteFuture();
  std::string api_key_id;

  // A hub administrator bound on "*".
  bool IsDeploymentAdmin() const;
  // Reads every partnership of the deployment: a grant on "*" (a deployment
  // administrator, a deployment-wide viewer such as the reporting service's account, or the
  // notification service's notifier).
  bool SeesEverything() const;
  // The notification service's account (notifier on "*"): besides what SeesEverything
  // reads, identity shows it every role binding and every user's name and email address.
  // It may change nothing.
  bool IsNotifier() const;
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
  // dashboard, integration or notifier on its region (a notifier is bound on "*" only).
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

// The claims of an access token for `caller`, valid from `now` for `ttl`. Besides "iat" (in
// seconds) the token carries "iat_us", its issue time in microseconds, so that a revocation
// ("every token issued before T") does not also catch a token issued in the same second
// just after it; and "api_key" when `caller.api_key_id` is set.
nlohmann::json ClaimsFor(const Caller& caller, absl::Time now, absl::Duration ttl,
                         absl::string_view token_id);

// How ListTokenRevocations names a principal and an API key: SHA-256 digests (32 bytes) of
// "principal:{name}" and "api_key:{id}", so that the open list names no one.
std::string RevokedPrincipalDigest(absl::string_view principal);
std::string RevokedApiKeyDigest(absl::string_view api_key_id);

// The revoked access tokens, as identity publishes them.
struct TokenRevocations {
  // Principal digest -> every token of the principal issued before this time is revoked.
  absl::flat_hash_map<std::string, absl::Time> principals;
  // API key digests: every token issued for one of these keys is revoked.
  absl::flat_hash_set<std::string> api_keys;

  bool empty() const { return principals.empty() && api_keys.empty(); }
  // UNAUTHENTICATED if the token `caller` was read from is revoked.
  absl::Status Check(const Caller& caller) const;
};

// Where public keys and revocations come from: the identity service (over gRPC) or, inside
// identity itself, its own store.
class PublicKeySource {
 public:
  virtual ~PublicKeySource() = default;
  // The raw Ed25519 key with this id; NOT_FOUND if there is none.
  virtual absl::StatusOr<std::string> Find(absl::string_view key_id) = 0;
  // UNAUTHENTICATED if the token `caller` was read from has been revoked. Asked on every
  // call, also for a token TokenVerifier trusts from its cache, so must be cheap. A source
  // that knows of no revocations (a test's fixed keys) keeps this default.
  virtual absl::Status CheckNotRevoked(const Caller& caller) {
    (void)caller;
    return absl::OkStatus();
  }
};

// Verifies bearer tokens: signature (a known key), issuer, audience, expiry, and that the
// token has not been revoked.
class TokenVerifier {
 public:
  explicit TokenVerifier(std::shared_ptr<PublicKeySource> keys) : keys_(std::move(keys)) {}

  // UNAUTHENTICATED for a bad, expired or revoked token.
  absl::StatusOr<Caller> Verify(absl::string_view token, absl::Time now) const;
  // Reads "authorization: Bearer <token>" from the call's metadata and verifies it.
  absl::StatusOr<Caller> Authenticate(const grpc::ServerContext& context) const;
  // The token part of Authenticate, from a call's metadata: no shedding check, and the
  // caller's request id and traceparent left empty (the callback adapter, callback_rpc.h,
  // sets them from the call).
  absl::StatusOr<Caller> AuthenticateBearer(
      const std::multimap<grpc::string_ref, grpc::string_ref>& metadata) const;
  // AuthenticateBearer's answer when it needs no signature check (nor so a key fetch, which
  // may wait): no token, or a token verified within kVerifiedTtl, checked against the
  // revocations held in memory. nullopt otherwise: then AuthenticateBearer, off the thread
  // that must not block (the callback API's fast path, callback_rpc.h).
  std::optional<absl::StatusOr<Caller>> AuthenticateBearerIfVerified(
      const std::multimap<grpc::string_ref, grpc::string_ref>& metadata) const;

  // A token verified once is trusted again, until it expires, for at most this long. Only its
  // signature and claims are trusted: revocations are checked on every call. (Signing keys
  // are withdrawn only once every token they signed has expired.)
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

// How IdentityPublicKeys refreshes.
struct KeyRefreshOptions {
  // Keys and revocations are fetched this often: how long a revocation takes to reach a
  // service (plus one fetch).
  absl::Duration refresh_interval = absl::Seconds(5);
  // An unknown key id asks for an early refresh at most this often.
  absl::Duration min_early_refresh_interval = absl::Seconds(1);
  // Each call to identity (keys, then revocations) gives up after this long.
  absl::Duration fetch_deadline = absl::Seconds(2);
  // How long a call with an unknown key id waits for the early refresh it asked for.
  absl::Duration unknown_key_wait = absl::Seconds(5);
};

// Identity's public keys and revoked tokens, fetched over gRPC by a background thread every
// `refresh_interval` and served from memory: verifying a token never waits on the network
// while holding a lock another call needs, so calls go on with the cached keys while
// identity is slow or down. A token signed with an unknown key id (a rotation) asks for one
// early refresh (rate-limited), and only the calls with that key id wait for it. A
// revocation reaches this service within the refresh interval plus one fetch while identity
// is reachable; while it is not, the last keys and revocations fetched are used.
class IdentityPublicKeys final : public PublicKeySource {
 public:
  explicit IdentityPublicKeys(std::shared_ptr<grpc::Channel> identity,
                              KeyRefreshOptions options = KeyRefreshOptions());
  // The defaults, but early refreshes at most once per `min_early_refresh_interval`.
  IdentityPublicKeys(std::shared_ptr<grpc::Channel> identity,
                     absl::Duration min_early_refresh_interval);
  // Stops the refresh thread (cancelling a fetch in flight).
  ~IdentityPublicKeys() override;
  IdentityPublicKeys(const IdentityPublicKeys&) = delete;
  IdentityPublicKeys& operator=(const IdentityPublicKeys&) = delete;

  absl::StatusOr<std::string> Find(absl::string_view key_id) override;
  absl::Status CheckNotRevoked(const Caller& caller) override;

  // Refreshes completed so far (successful or not): for tests.
  int64_t refreshes() const;

 private:
  struct Snapshot {
    absl::flat_hash_map<std::string, std::string> keys;
    TokenRevocations revocations;
    // False until the keys have been fetched once.
    bool loaded = false;
  };
  void RefreshLoop();
  // Fetches keys and revocations from identity; takes no lock but to note the call in
  // flight. Revocations that cannot be fetched keep `previous`'s.
  absl::StatusOr<std::shared_ptr<const Snapshot>> Fetch(const Snapshot& previous);
  std::shared_ptr<const Snapshot> Current() const;

  std::shared_ptr<grpc::Channel> identity_;
  const KeyRefreshOptions options_;

  mutable std::mutex mu_;
  // Wakes the refresh thread: an early refresh asked for, or stopping.
  std::condition_variable wake_;
  // Wakes the calls waiting for an early refresh.
  std::condition_variable refreshed_;
  std::shared_ptr<const Snapshot> snapshot_ ABSL_GUARDED_BY(mu_);
  int64_t refreshes_ ABSL_GUARDED_BY(mu_) = 0;
  bool fetching_ ABSL_GUARDED_BY(mu_) = false;
  bool early_refresh_asked_ ABSL_GUARDED_BY(mu_) = false;
  // Unknown-key calls wait until refreshes_ reaches this.
  int64_t early_refresh_done_at_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Time last_early_refresh_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  absl::Status last_error_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  // The fetch in flight, to cancel it when stopping.
  grpc::ClientContext* in_flight_ ABSL_GUARDED_BY(mu_) = nullptr;
  std::thread refresher_;
};

}  // namespace sixsteps::auth
