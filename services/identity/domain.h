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

namespace v1 = ::sixsteps::identity::v1;
using auth::Caller;
using auth::Role;

inline constexpr int kMaxDisplayNameLength = 200;
inline constexpr int kMinPasswordLength = 12;
inline constexpr int kMaxPasswordLength = 1024;
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

// Which roles fit which scope: deployment ("*") hub administrators and viewers; a region hub
// administrators, viewers, dashboards and integrations; a partnership every role but
// hub administrator and dashboard. Respondents and action owners name an organisation;
// nobody else does. Integration is for service accounts only.
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

// Sign-in throttling per email address: after kFailuresBeforeDelay failures each attempt
// must wait twice as long as the last (1 s, 2 s, 4 s … up to a minute); after
// kFailuresBeforeLock the address is locked for kLockDuration.
inline constexpr int kFailuresBeforeDelay = 3;
inline constexpr int kFailuresBeforeLock = 10;
inline constexpr absl::Duration kLockDuration = absl::Minutes(15);

struct ThrottleState {
  int failures = 0;
  absl::Time last_failure = absl::InfinitePast();
  absl::Time locked_until = absl::InfinitePast();
};

// OK if a password may be checked now; otherwise UNAUTHENTICATED saying when to retry.
absl::Status MaySignInNow(const ThrottleState& state, absl::Time now);
// The state after one more failed attempt at `now`.
ThrottleState AfterFailure(ThrottleState state, absl::Time now);

}  // namespace sixsteps::identity
