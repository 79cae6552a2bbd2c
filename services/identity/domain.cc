#include "services/identity/domain.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cmath>

#include "absl/strings/ascii.h"
#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/base/make_status.h"
#include "services/common/status.h"
#include "services/common/validation.h"

namespace sixsteps::identity {
namespace {

// Parses "{collection}/{id}" with a readable id.
absl::StatusOr<std::string> ParseSimpleName(absl::string_view name, absl::string_view collection,
                                            absl::string_view field) {
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  if (parts.size() != 2 || parts[0] != collection) {
    return Invalid(field, absl::StrCat("must look like ", collection, "/{id}, got '", name, "'"));
  }
  SIXSTEPS_RETURN_IF_ERROR(ValidateResourceId(parts[1], field));
  return std::string(parts[1]);
}

bool Among(Role role, std::initializer_list<Role> roles) {
  return std::find(roles.begin(), roles.end(), role) != roles.end();
}

}  // namespace

absl::StatusOr<std::string> ParseRegionName(absl::string_view name, absl::string_view field) {
  return ParseSimpleName(name, "regions", field);
}

absl::StatusOr<std::string> ParsePartnershipName(absl::string_view name, absl::string_view field) {
  return ParseSimpleName(name, "partnerships", field);
}

absl::StatusOr<OrganisationName> ParseOrganisationName(absl::string_view name,
                                                       absl::string_view field) {
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  if (parts.size() != 4 || parts[0] != "partnerships" || parts[2] != "organisations") {
    return Invalid(
        field, absl::StrCat("must look like partnerships/{p}/organisations/{o}, got '", name, "'"));
  }
  SIXSTEPS_RETURN_IF_ERROR(ValidateResourceId(parts[1], field));
  SIXSTEPS_RETURN_IF_ERROR(ValidateResourceId(parts[3], field));
  return OrganisationName{std::string(parts[1]), std::string(parts[3])};
}

absl::StatusOr<PrincipalName> ParsePrincipalName(absl::string_view name, absl::string_view field) {
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  if (parts.size() == 2 && (parts[0] == "users" || parts[0] == "serviceAccounts") &&
      IsResourceId(parts[1])) {
    return PrincipalName{parts[0] == "serviceAccounts", std::string(parts[1])};
  }
  return Invalid(field,
                 absl::StrCat("must be users/{id} or serviceAccounts/{id}, got '", name, "'"));
}

absl::StatusOr<ApiKeyName> ParseApiKeyName(absl::string_view name, absl::string_view field) {
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  if (parts.size() != 4 || parts[0] != "serviceAccounts" || parts[2] != "apiKeys" ||
      !IsResourceId(parts[1]) || !IsResourceId(parts[3])) {
    return Invalid(
        field, absl::StrCat("must look like serviceAccounts/{id}/apiKeys/{id}, got '", name, "'"));
  }
  return ApiKeyName{std::string(parts[1]), std::string(parts[3])};
}

std::string RegionName(absl::string_view id) { return absl::StrCat("regions/", id); }
std::string PartnershipName(absl::string_view id) { return absl::StrCat("partnerships/", id); }
std::string OrganisationResourceName(absl::string_view partnership,
                                     absl::string_view organisation) {
  return absl::StrCat("partnerships/", partnership, "/organisations/", organisation);
}
std::string UserName(absl::string_view id) { return absl::StrCat("users/", id); }
std::string ServiceAccountName(absl::string_view id) {
  return absl::StrCat("serviceAccounts/", id);
}

absl::Status ValidateEmail(absl::string_view email, absl::string_view field) {
  SIXSTEPS_RETURN_IF_ERROR(ValidateEmailLength(email, field));
  std::vector<absl::string_view> parts = absl::StrSplit(email, '@');
  bool ok = parts.size() == 2 && !parts[0].empty() &&
            parts[1].find('.') != absl::string_view::npos && parts[1].front() != '.' &&
            parts[1].back() != '.' && std::none_of(email.begin(), email.end(), [](char c) {
              return absl::ascii_isspace(c) || absl::ascii_iscntrl(c);
            });
  if (!ok || !IsValidUtf8(email)) return Invalid(field, "must be an email address");
  return absl::OkStatus();
}

absl::Status ValidatePassword(absl::string_view password, absl::string_view field) {
  int length = CharacterCount(password);
  if (!IsValidUtf8(password) || length < kMinPasswordLength) {
    return Invalid(field, absl::StrCat("must be at least ", kMinPasswordLength, " characters"));
  }
  if (length > kMaxPasswordLength) {
    return Invalid(field, absl::StrCat("must be at most ", kMaxPasswordLength, " characters"));
  }
  return absl::OkStatus();
}

std::string NormaliseEmail(absl::string_view email) {
  return absl::AsciiStrToLower(absl::StripAsciiWhitespace(email));
}

absl::Status ValidateBindingShape(const BindingScope& binding) {
  const Role role = binding.role;
  if (role == Role::ROLE_UNSPECIFIED || !v1::Role_IsValid(role)) {
    return Invalid("role_binding.role", "must name a role");
  }
  const bool deployment = binding.region == auth::kEveryRegion;
  const bool on_partnership = !binding.partnership.empty();
  // On "*": hub administrators of the whole deployment, deployment-wide read-only viewers
  // (the reporting service's account) and notifiers (the notification service's account).
  if (deployment &&
      !Among(role, {Role::ROLE_HUB_ADMINISTRATOR, Role::ROLE_VIEWER, Role::ROLE_NOTIFIER})) {
    return Invalid("role_binding.scope",
                   "only hub administrators, viewers and notifiers are bound on '*'");
  }
  if (!deployment && role == Role::ROLE_NOTIFIER) {
    return Invalid("role_binding.scope", "notifier is bound on '*' only");
  }
  if (!deployment && !on_partnership &&
      !Among(role, {Role::ROLE_HUB_ADMINISTRATOR, Role::ROLE_VIEWER, Role::ROLE_DASHBOARD,
                    Role::ROLE_INTEGRATION})) {
    return Invalid("role_binding.scope",
                   absl::StrCat(auth::RoleName(role), " is bound on a partnership, not a region"));
  }
  if (on_partnership && Among(role, {Role::ROLE_HUB_ADMINISTRATOR, Role::ROLE_DASHBOARD})) {
    return Invalid("role_binding.scope",
                   absl::StrCat(auth::RoleName(role), " is bound on a region, not a partnership"));
  }
  const bool acts_for_organisation =
      Among(role, {Role::ROLE_PARTNER_RESPONDENT, Role::ROLE_ACTION_OWNER});
  if (acts_for_organisation && binding.organisation.empty()) {
    return Invalid("role_binding.organisation",
                   absl::StrCat(auth::RoleName(role), " acts for one organisation: name it"));
  }
  if (!acts_for_organisation && !binding.organisation.empty()) {
    return Invalid("role_binding.organisation",
                   "only partner respondents and action owners act for an organisation");
  }
  if (Among(role, {Role::ROLE_INTEGRATION, Role::ROLE_NOTIFIER}) &&
      !binding.principal_is_service_account) {
    return Invalid("role_binding.principal",
                   absl::StrCat(auth::RoleName(role), " is a role for service accounts"));
  }
  return absl::OkStatus();
}

absl::Status CheckCanManageBinding(const Caller& caller, const BindingScope& binding) {
  if (caller.IsDeploymentAdmin()) return absl::OkStatus();
  if (binding.region != auth::kEveryRegion && caller.IsHubAdmin(binding.region)) {
    return absl::OkStatus();
  }
  if (!binding.partnership.empty() &&
      caller.HasPartnershipRole(binding.partnership, {Role::ROLE_PARTNERSHIP_ADMINISTRATOR})) {
    return absl::OkStatus();
  }
  return absl::PermissionDeniedError(
      "only the hub administrators of the region, or the partnership's administrators, manage "
      "its role bindings");
}

absl::Status CheckBindingWithinOwner(const BindingScope& binding, absl::string_view owner) {
  bool within = false;
  if (owner == auth::kEveryRegion) {
    within = true;
  } else if (absl::StartsWith(owner, "regions/")) {
    within = binding.region == owner.substr(std::string_view("regions/").size());
  } else if (absl::StartsWith(owner, "partnerships/")) {
    within = !binding.partnership.empty() &&
             binding.partnership == owner.substr(std::string_view("partnerships/").size());
  }
  if (within) return absl::OkStatus();
  // The owner is not named: the caller may not be one of its administrators.
  return absl::FailedPreconditionError(
      "role_binding.scope: a service account is bound only within the region or partnership "
      "that owns it; for a wider grant, use an account owned by the wider scope");
}

Caller CallerFromBindings(absl::string_view principal, absl::string_view display_name,
                          bool service_account, const std::vector<BindingScope>& bindings) {
  Caller caller;
  caller.principal = std::string(principal);
  caller.display_name = std::string(display_name);
  caller.service_account = service_account;
  for (const BindingScope& binding : bindings) {
    caller.grants.push_back(
        {binding.role, binding.region, binding.partnership, binding.organisation});
  }
  return caller;
}

absl::Duration BackoffDelay(int failures) {
  if (failures < kFailuresBeforeBackoff) return absl::ZeroDuration();
  // 2^30 s is far beyond the cap; stopping there keeps the shift defined.
  int doublings = std::min(failures - kFailuresBeforeBackoff, 30);
  return std::min(kFirstBackoff * (int64_t{1} << doublings), kMaxBackoff);
}

absl::Status RetryLater(absl::string_view why, absl::Duration wait) {
  int64_t seconds = std::max<int64_t>(1, absl::ToInt64Seconds(absl::Ceil(wait, absl::Seconds(1))));
  absl::Status status =
      absl::ResourceExhaustedError(absl::StrCat(why, "; retry in ", seconds, " s"));
  status.SetPayload(kRetryAfterPayload, absl::Cord(absl::StrCat(seconds)));
  return status;
}

absl::Status MayAttemptNow(const BackoffState& state, absl::Time now) {
  absl::Duration delay = BackoffDelay(state.failures);
  if (delay == absl::ZeroDuration()) return absl::OkStatus();
  absl::Time next = state.last_failure + delay;
  if (now >= next) return absl::OkStatus();
  return RetryLater("too many failed password attempts for this email address from this client",
                    next - now);
}

std::string ClientKeyFromPeer(absl::string_view peer) {
  if (absl::ConsumePrefix(&peer, "ipv4:")) {
    size_t colon = peer.rfind(':');
    absl::string_view host = colon == absl::string_view::npos ? peer : peer.substr(0, colon);
    in_addr parsed{};
    std::string text(host);
    if (inet_pton(AF_INET, text.c_str(), &parsed) != 1) return "other";
    return text;
  }
  if (absl::ConsumePrefix(&peer, "ipv6:")) {
    // "[addr]:port", the address possibly with "%zone".
    absl::ConsumePrefix(&peer, "[");
    size_t end = peer.find_first_of("]%");
    std::string text(peer.substr(0, end));
    in6_addr parsed{};
    if (inet_pton(AF_INET6, text.c_str(), &parsed) != 1) return "other";
    // An IPv4-mapped address is that IPv4 client.
    if (IN6_IS_ADDR_V4MAPPED(&parsed)) {
      char v4[INET_ADDRSTRLEN];
      inet_ntop(AF_INET, &parsed.s6_addr[12], v4, sizeof v4);
      return v4;
    }
    std::fill(parsed.s6_addr + 8, parsed.s6_addr + 16, 0);
    char v6[INET6_ADDRSTRLEN];
    inet_ntop(AF_INET6, &parsed, v6, sizeof v6);
    return absl::StrCat(v6, "/64");
  }
  if (absl::StartsWith(peer, "unix:")) return "unix";
  return "other";
}

absl::Status ValidateEmailLength(absl::string_view email, absl::string_view field) {
  if (absl::StripAsciiWhitespace(email).empty()) return Invalid(field, "is required");
  if (email.size() > static_cast<size_t>(kMaxEmailLength)) {
    return Invalid(field, absl::StrCat("must be at most ", kMaxEmailLength, " characters"));
  }
  return absl::OkStatus();
}

}  // namespace sixsteps::identity
