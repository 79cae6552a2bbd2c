// Resource names, roles and kinds of the identity service as the CLI accepts them. Every
// name may be given in full ("regions/north-east") or in short ("north-east"); only the shape
// is checked here, the service validates the ids.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "sixsteps/identity/v1/identity.pb.h"

namespace sixsteps::cli {

// "x" or "regions/x" -> "regions/x".
absl::StatusOr<std::string> ExpandRegionName(absl::string_view argument);
// "x" or "partnerships/x" -> "partnerships/x".
absl::StatusOr<std::string> ExpandPartnershipName(absl::string_view argument);
// "p/o" or "partnerships/p/organisations/o" -> the full name; a bare "o" too when
// `partnership` (a full partnership name) is given.
absl::StatusOr<std::string> ExpandOrganisationName(absl::string_view argument,
                                                   absl::string_view partnership = "");
// "u-x" or "users/u-x" -> "users/u-x".
absl::StatusOr<std::string> ExpandUserName(absl::string_view argument);
// "sa-x" or "serviceAccounts/sa-x" -> "serviceAccounts/sa-x".
absl::StatusOr<std::string> ExpandServiceAccountName(absl::string_view argument);
// "rb-x" or "roleBindings/rb-x" -> "roleBindings/rb-x".
absl::StatusOr<std::string> ExpandRoleBindingName(absl::string_view argument);
// "sa-x/k-y" or "serviceAccounts/sa-x/apiKeys/k-y" -> the full name.
absl::StatusOr<std::string> ExpandApiKeyName(absl::string_view argument);
// A role binding's scope: "*", "regions/r" or "partnerships/p" (the prefix is required, as a
// bare id could be either).
absl::StatusOr<std::string> ExpandScope(absl::string_view argument);
// A service account's owner: "regions/r", "partnerships/p" or "*" (the deployment).
absl::StatusOr<std::string> ExpandOwner(absl::string_view argument);

// A principal on the command line: a user or service account name, or an email address to
// look up.
struct PrincipalArgument {
  // "users/..." or "serviceAccounts/..."; empty when `email` is set.
  std::string name;
  std::string email;
};
// "users/u-x", "serviceAccounts/sa-x", "sa-x" (a service account), "u-x" (a user) or an
// email address ("a@b").
absl::StatusOr<PrincipalArgument> ParsePrincipal(absl::string_view argument);

// The last segment of a name ("regions/x" -> "x").
std::string LastSegment(absl::string_view name);

}  // namespace sixsteps::cli
