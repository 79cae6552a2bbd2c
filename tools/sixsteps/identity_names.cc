#include "tools/sixsteps/identity_names.h"

#include <algorithm>
#include <vector>

#include <google/protobuf/descriptor.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "tools/sixsteps/cli_status.h"
#include "tools/sixsteps/enum_words.h"
#include "tools/sixsteps/name_parts.h"

namespace sixsteps::cli {
namespace {

namespace iv1 = ::sixsteps::identity::v1;

}  // namespace

absl::StatusOr<std::string> ExpandRegionName(absl::string_view argument) {
  return ExpandSimple(argument, "regions", "a region");
}

absl::StatusOr<std::string> ExpandPartnershipName(absl::string_view argument) {
  return ExpandSimple(argument, "partnerships", "a partnership");
}

absl::StatusOr<std::string> ExpandOrganisationName(absl::string_view argument,
                                                   absl::string_view partnership) {
  std::vector<absl::string_view> parts = absl::StrSplit(argument, '/');
  if (!AnyEmpty(parts)) {
    if (parts.size() == 1 && !partnership.empty()) {
      return absl::StrCat(partnership, "/organisations/", argument);
    }
    if (parts.size() == 2) {
      return absl::StrCat("partnerships/", parts[0], "/organisations/", parts[1]);
    }
    if (parts.size() == 4 && parts[0] == "partnerships" && parts[2] == "organisations") {
      return std::string(argument);
    }
  }
  return UsageError(absl::StrCat("'", argument,
                                 "' is not an organisation name: expected PARTNERSHIP/ID or "
                                 "partnerships/PARTNERSHIP/organisations/ID"));
}

absl::StatusOr<std::string> ExpandUserName(absl::string_view argument) {
  return ExpandSimple(argument, "users", "a user");
}

absl::StatusOr<std::string> ExpandServiceAccountName(absl::string_view argument) {
  return ExpandSimple(argument, "serviceAccounts", "a service account");
}

absl::StatusOr<std::string> ExpandRoleBindingName(absl::string_view argument) {
  return ExpandSimple(argument, "roleBindings", "a role binding");
}

absl::StatusOr<std::string> ExpandApiKeyName(absl::string_view argument) {
  std::vector<absl::string_view> parts = absl::StrSplit(argument, '/');
  if (!AnyEmpty(parts)) {
    if (parts.size() == 2) {
      return absl::StrCat("serviceAccounts/", parts[0], "/apiKeys/", parts[1]);
    }
    if (parts.size() == 4 && parts[0] == "serviceAccounts" && parts[2] == "apiKeys") {
      return std::string(argument);
    }
  }
  return UsageError(absl::StrCat("'", argument,
                                 "' is not an API key name: expected SERVICE_ACCOUNT/KEY or "
                                 "serviceAccounts/SERVICE_ACCOUNT/apiKeys/KEY"));
}

namespace {

// "*", "regions/REGION" or "partnerships/PARTNERSHIP" as given; anything else is a usage
// error: `argument` followed by `expected`.
absl::StatusOr<std::string> ExpandDeploymentRegionOrPartnership(absl::string_view argument,
                                                                absl::string_view expected) {
  if (argument == "*") return std::string(argument);
  std::vector<absl::string_view> parts = absl::StrSplit(argument, '/');
  if (parts.size() == 2 && !AnyEmpty(parts) &&
      (parts[0] == "regions" || parts[0] == "partnerships")) {
    return std::string(argument);
  }
  return UsageError(absl::StrCat("'", argument, expected));
}

}  // namespace

absl::StatusOr<std::string> ExpandScope(absl::string_view argument) {
  return ExpandDeploymentRegionOrPartnership(
      argument,
      "' is not a scope: expected '*' (the whole deployment), regions/REGION or "
      "partnerships/PARTNERSHIP");
}

absl::StatusOr<std::string> ExpandOwner(absl::string_view argument) {
  // "*": the deployment's own accounts (such as the reporting service's), which only
  // deployment administrators manage.
  return ExpandDeploymentRegionOrPartnership(
      argument, "' is not an owner: expected regions/REGION, partnerships/PARTNERSHIP or '*'");
}

absl::StatusOr<PrincipalArgument> ParsePrincipal(absl::string_view argument) {
  if (absl::StrContains(argument, '@')) {
    absl::string_view email = absl::StripAsciiWhitespace(argument);
    // RFC 5321's limit, as the identity service enforces it: refused before any call.
    if (email.size() > 254) {
      return UsageError(
          absl::StrCat("an email address has at most 254 characters; this has ", email.size()));
    }
    return PrincipalArgument{"", std::string(email)};
  }
  if (absl::StartsWith(argument, "serviceAccounts/") || absl::StartsWith(argument, "sa-")) {
    SIXSTEPS_ASSIGN_OR_RETURN(std::string name, ExpandServiceAccountName(argument));
    return PrincipalArgument{std::move(name), ""};
  }
  absl::StatusOr<std::string> name = ExpandUserName(argument);
  if (!name.ok()) {
    return UsageError(absl::StrCat("'", argument,
                                   "' is not a principal: expected an email address, "
                                   "users/ID or serviceAccounts/ID"));
  }
  return PrincipalArgument{*std::move(name), ""};
}

std::string LastSegment(absl::string_view name) {
  size_t slash = name.rfind('/');
  return std::string(slash == absl::string_view::npos ? name : name.substr(slash + 1));
}

}  // namespace sixsteps::cli
