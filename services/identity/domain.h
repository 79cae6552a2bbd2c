// Identity's rules as plain functions: names and inputs, who may manage what, the shape
// of a role binding, sign-in throttling, and what goes into an access token.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/common/auth.h"
#include "sixsteps/identity/v1/identity.pb.h"

namespace sixsteps::identity {

using auth::Caller;
using auth::Role;

inline constexpr int kMaxDisplayNameLength = 200;
inline constexpr int kMinPasswordLength = 12;
inline constexpr int kMaxPasswordLength = 1024;
// RFC 5321: a forward path holds at most 256 octets, so an address at most 254.
inline constexpr int kMaxEmailLength = 254;
inline constexpr absl::Duration kMaxApiKeyLifetime = absl::Hours(24 * 366);

// "regions/{id}" etc. parsed to the id; INVALID_ARGUMENT naming `field` if malformed.
absl::StatusOr<std::string> ParseRegionName(absl::string_view name, absl::string_view field);
absl::StatusOr<std::string> ParsePartnershipName(absl::string_view name, absl::string_view field);
struct OrganisationName {
  std::string partnership_id;
  std::string organisation_id;
};
absl::StatusOr<OrganisationName> ParseOrganisationName(absl::string_view name,
                                                       absl::string_view field);
// "users/{id}" or "serviceAccounts/{id}".
struct PrincipalName {
  bool service_account = false;
  std::string id;
};
absl::StatusOr<PrincipalName> ParsePrincipalName(absl::string_view name, absl::string_view field);
struct ApiKeyName {
  std::string service_account_id;
  std::string api_key_id;
};
absl::StatusOr<ApiKeyName> ParseApiKeyName(absl::string_view name, absl::string_view field);

std::string RegionName(absl::string_view id);
std::string PartnershipName(absl::string_view id);
std::string OrganisationResourceName(absl::string_view partnership, absl::string_view organisation);
std::string UserName(absl::string_view id);
std::string ServiceAccountName(absl::string_view id);

absl::Status ValidateEmail(absl::string_view email, absl::string_view field);
absl::Status ValidatePassword(absl::string_view password, absl::string_view field);
// The key sign-in throttling and the uniqueness of emails use: trimmed, lower case.
std::string NormaliseEmail(absl::string_view email);

// A role binding with its scope resolved: the region is always known.
struct BindingScope {
  Role role = Role::ROLE_UNSPECIFIED;
  std::string region;        // "*" or a region id
  std::string partnership;   // empty for region and deployment bindings
  std::string organisation;  // respondents and action owners only
  bool principal_is_service_account = false;
};

// Which roles fit which scope: deployment ("*") hub administrators, viewers and notifiers
// (notifiers nowhere else); a region hub
// administrators, viewers, dashboards and integrations; a partnership every role but
// hub administrator and dashboard. Respondents and action owners name an organisation;
// nobody else does. Integration and notifier are for service accounts only.
absl::Status ValidateBindingShape(const BindingScope& binding);

// Who may grant or remove a binding: deployment administrators anything; a region's hub
// administrators anything inside their region; a partnership's administrators the
// partnership roles of their partnership. PERMISSION_DENIED otherwise.
absl::Status CheckCanManageBinding(const Caller& caller, const BindingScope& binding);

// A service account is bound only within its owner ("*", "regions/{r}" or
// "partnerships/{p}"): otherwise the owner's administrators, who mint its API keys, would
// wield a grant wider than what they administer. FAILED_PRECONDITION naming
// role_binding.scope otherwise.
absl::Status CheckBindingWithinOwner(const BindingScope& binding, absl::string_view owner);

// The caller a principal's bindings make: what goes into its access token.
Caller CallerFromBindings(absl::string_view principal, absl::string_view display_name,
                          bool service_account, const std::vector<BindingScope>& bindings);

// Sign-in backoff, per email address and client (the peer address: an IPv4 address, an
// IPv6 /64, or "unix"). Each password check claims an attempt first, counted as a failure
// until it succeeds, so parallel guesses cannot outrun the count. After
// kFailuresBeforeBackoff failures, each attempt from that client must wait kFirstBackoff,
// doubling per further failure, up to kMaxBackoff; a refused attempt checks no password and
// does not count. Other clients are not slowed, so nobody can lock an owner out; an
// administrator can clear the backoff (UnlockUser).
inline constexpr int kFailuresBeforeBackoff = 5;
inline constexpr absl::Duration kFirstBackoff = absl::Seconds(1);
inline constexpr absl::Duration kMaxBackoff = absl::Minutes(15);
// The longest client key stored (an IPv6 /64 is at most 24 characters).
inline constexpr int kMaxClientKeyLength = 64;

struct BackoffState {
  int failures = 0;
  absl::Time last_failure = absl::InfinitePast();
};

// How long after the last failure the next attempt must wait: zero before
// kFailuresBeforeBackoff failures.
absl::Duration BackoffDelay(int failures);
// OK if a password may be checked now; otherwise RESOURCE_EXHAUSTED saying how long to wait,
// with the seconds also in the kRetryAfterPayload payload.
absl::Status MayAttemptNow(const BackoffState& state, absl::Time now);
inline constexpr char kRetryAfterPayload[] = "retry-after";
// RESOURCE_EXHAUSTED with a retry hint of `wait` (rounded up to whole seconds).
absl::Status RetryLater(absl::string_view why, absl::Duration wait);

// The client a call came from, from grpc::ServerContext::peer(): "ipv4:1.2.3.4:5678" ->
// "1.2.3.4"; "ipv6:[2001:db8:1:2:3:4:5:6]:443" -> "2001:db8:1:2::/64" (one host has a whole
// /64); "unix:..." -> "unix"; anything else -> "other".
std::string ClientKeyFromPeer(absl::string_view peer);

// Early refusal of an email that cannot be an account's, before any work: empty, or longer
// than kMaxEmailLength. INVALID_ARGUMENT naming `field`.
absl::Status ValidateEmailLength(absl::string_view email, absl::string_view field);

}  // namespace sixsteps::identity
