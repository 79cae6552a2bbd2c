#include "tools/sixsteps/identity_commands.h"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <utility>

#include <google/protobuf/util/time_util.h>
#include <grpcpp/client_context.h>
#include <nlohmann/json.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "sixsteps/identity/v1/identity_service.grpc.pb.h"
#include "tools/sixsteps/cli_status.h"
#include "tools/sixsteps/credentials.h"
#include "tools/sixsteps/identity_format.h"
#include "tools/sixsteps/identity_names.h"
#include "tools/sixsteps/json.h"
#include "tools/sixsteps/rpc_client.h"
#include "tools/sixsteps/session.h"

namespace sixsteps::cli {
namespace {

using Stub = iv1::IdentityService::StubInterface;
using google::protobuf::util::TimeUtil;

using IdentityClient = RpcClient<Stub>;

std::string TimeText(absl::Time time) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", time, absl::UTCTimeZone());
}

std::string Env(const CommandContext& context, absl::string_view name) {
  if (context.env == nullptr) return "";
  return (*context.env)(name).value_or("");
}

// Reads a password: a prompt without echo on a terminal, else the first line of stdin.
std::string ReadSecret(const CommandContext& context, absl::string_view prompt) {
  std::string line;
  if (context.in == nullptr) return line;
  if (context.in_is_terminal) {
    if (context.err != nullptr) *context.err << prompt << std::flush;
    termios saved{};
    bool restore = ::tcgetattr(STDIN_FILENO, &saved) == 0;
    if (restore) {
      termios quiet = saved;
      quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
      ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    std::getline(*context.in, line);
    if (restore) ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
    if (context.err != nullptr) *context.err << "\n";
  } else {
    std::getline(*context.in, line);
  }
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.pop_back();
  return line;
}

// ---- login, logout, whoami ----

absl::Status PrintSignedIn(const Credentials& credentials, const std::string& who,
                           const CommandContext& context) {
  const std::string& path = context.session->credentials_path;
  if (context.output == OutputFormat::kJson) {
    nlohmann::ordered_json json = {
        {"principal", credentials.principal},
        {"identity_address", credentials.identity_address},
        {"access_token_expire_time", TimeText(credentials.access_token_expire_time)},
    };
    if (!credentials.refresh_token.empty()) {
      json["refresh_token_expire_time"] = TimeText(credentials.refresh_token_expire_time);
    }
    json["credentials_file"] = path;
    *context.out << json.dump(2) << "\n";
    return absl::OkStatus();
  }
  *context.out << "Signed in as " << credentials.principal << who << " at "
               << credentials.identity_address << ".\n"
               << "Credentials saved in " << path << " (mode 0600).\n"
               << "The access token is valid until "
               << TimeText(credentials.access_token_expire_time);
  if (!credentials.refresh_token.empty()) {
    *context.out << " and is renewed automatically until "
                 << TimeText(credentials.refresh_token_expire_time) << ".\n";
  } else if (!credentials.api_key_file.empty()) {
    *context.out << "; then the CLI signs in again with " << credentials.api_key_file << ".\n";
  } else {
    *context.out << "; then the CLI signs in again with $" << kApiKeyVariable << " if it is set.\n";
  }
  return absl::OkStatus();
}

absl::Status Login(const CheckedArgs& args, IdentityClient& client, const CommandContext& context) {
  std::optional<std::string> email = args.Optional("email");
  std::optional<std::string> key_file = args.Optional("api_key_file");
  Session& session = *context.session;
  if (session.credentials_path.empty()) {
    return LocalError(kExitCannotCreate,
                      "nowhere to keep the credentials: set XDG_CONFIG_HOME or HOME");
  }
  Credentials credentials;
  std::string who;
  if (email) {
    std::string password = Env(context, kPasswordVariable);
    if (password.empty())
      password = ReadSecret(context, absl::StrCat("Password for ", *email, ": "));
    if (password.empty()) {
      return UsageError(
          absl::StrCat("no password: set $", kPasswordVariable, " or give it on standard input"));
    }
    iv1::SignInRequest request;
    request.set_email(*email);
    request.set_password(password);
    const CallSettings open = client.call().WithoutToken();
    IdentityClient unauthenticated(client.stub(), open);
    SIXSTEPS_ASSIGN_OR_RETURN(iv1::SignInResponse response,
                              unauthenticated.Call(&Stub::SignIn, request));
    credentials = CredentialsFrom(response, session.identity_address);
    who = absl::StrCat(" (", *email, ")");
  } else {
    std::string api_key;
    if (key_file) {
      SIXSTEPS_ASSIGN_OR_RETURN(api_key, ReadApiKeyFile(*key_file));
    } else {
      api_key = std::string(absl::StripAsciiWhitespace(Env(context, kApiKeyVariable)));
      if (api_key.empty()) {
        return UsageError(
            absl::StrCat("missing --email or --api-key-file (or $", kApiKeyVariable, ")"));
      }
    }
    SIXSTEPS_ASSIGN_OR_RETURN(credentials, SignInWithApiKey(session, client.call(), api_key));
    if (key_file) {
      std::error_code error;
      std::filesystem::path absolute = std::filesystem::absolute(*key_file, error);
      credentials.api_key_file = error ? *key_file : absolute.lexically_normal().string();
    }
  }
  SIXSTEPS_RETURN_IF_ERROR(SaveCredentials(session.credentials_path, credentials));
  session.stored = credentials;
  if (session.token_from_environment && context.err != nullptr) {
    *context.err << "warning: $" << kTokenVariable
                 << " is set and takes precedence over the stored sign-in; unset it\n";
  }
  return PrintSignedIn(credentials, who, context);
}

absl::Status Logout(const CheckedArgs& args, IdentityClient& client,
                    const CommandContext& context) {
  Session& session = *context.session;
  if (!session.stored) {
    *context.out << "Not signed in"
                 << (session.credentials_path.empty()
                         ? std::string()
                         : absl::StrCat(" (no ", session.credentials_path, ")"))
                 << ".\n";
    return absl::OkStatus();
  }
  if (!session.stored->refresh_token.empty()) {
    iv1::SignOutRequest request;
    request.set_refresh_token(session.stored->refresh_token);
    const CallSettings open = client.call().WithoutToken();
    IdentityClient unauthenticated(client.stub(), open);
    absl::StatusOr<iv1::SignOutResponse> signed_out = unauthenticated.Call(&Stub::SignOut, request);
    // A refresh token that expired or was revoked needs no revoking; only a service that
    // could not be asked is worth a warning.
    if (!signed_out.ok() && context.err != nullptr &&
        (signed_out.status().code() == absl::StatusCode::kUnavailable ||
         signed_out.status().code() == absl::StatusCode::kDeadlineExceeded)) {
      *context.err << "warning: could not revoke the refresh token at " << session.identity_address
                   << " (" << absl::StatusCodeToString(signed_out.status().code())
                   << "); deleting the local credentials anyway\n";
    }
  }
  SIXSTEPS_RETURN_IF_ERROR(RemoveCredentials(session.credentials_path));
  std::string principal = session.stored->principal;
  session.stored.reset();
  *context.out << "Signed out " << principal << "; deleted " << session.credentials_path << ".\n";
  if (session.token_from_environment && context.err != nullptr) {
    *context.err << "note: $" << kTokenVariable << " is still set\n";
  }
  return absl::OkStatus();
}

absl::Status WhoAmI(const CheckedArgs& args, IdentityClient& client,
                    const CommandContext& context) {
  SIXSTEPS_ASSIGN_OR_RETURN(
      iv1::GetCurrentPrincipalResponse response,
      client.Call(&Stub::GetCurrentPrincipal, iv1::GetCurrentPrincipalRequest()));
  std::string text = FormatPrincipal(response);
  const Session& session = *context.session;
  if (session.token_from_environment) {
    absl::StrAppend(&text, "Token: from $", kTokenVariable, "\n");
  } else if (session.stored) {
    absl::StrAppend(&text, "Token: from ", session.credentials_path, ", valid until ",
                    TimeText(session.stored->access_token_expire_time), "\n");
  }
  return PrintMessage(response, text, context);
}

// Prints the access token the CLI would send (renewed first when about to expire), for tools
// such as curl: curl -H "Authorization: Bearer $(sixsteps token)" ...
absl::Status Token(const CheckedArgs& args, IdentityClient& client, const CommandContext& context) {
  const std::string& token = client.call().bearer_token;
  if (token.empty()) return absl::UnauthenticatedError("no access token");
  if (context.output == OutputFormat::kJson) {
    nlohmann::ordered_json json = {{"access_token", token}};
    const Session& session = *context.session;
    if (!session.token_from_environment && session.stored) {
      json["principal"] = session.stored->principal;
      json["access_token_expire_time"] = TimeText(session.stored->access_token_expire_time);
    }
    *context.out << json.dump(2) << "\n";
    return absl::OkStatus();
  }
  *context.out << token << "\n";
  return absl::OkStatus();
}

// ---- regions ----

absl::Status RegionCreate(const CheckedArgs& args, IdentityClient& client,
                          const CommandContext& context) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string name, ExpandRegionName(args.Positional(0)));
  iv1::CreateRegionRequest request;
  request.set_region_id(LastSegment(name));
  *request.mutable_region()->mutable_display_name() = args.Text("name");
  SIXSTEPS_ASSIGN_OR_RETURN(iv1::Region region, client.Call(&Stub::CreateRegion, request));
  return PrintMessage(region, absl::StrCat("Created ", region.name(), "\n", FormatRegion(region)),
                      context);
}

absl::Status RegionList(const CheckedArgs& args, IdentityClient& client,
                        const CommandContext& context) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::vector<iv1::Region> regions,
                            client.ListAll(&Stub::ListRegions, iv1::ListRegionsRequest(),
                                           &iv1::ListRegionsResponse::regions));
  return PrintMessage(Collect(regions, &iv1::ListRegionsResponse::mutable_regions),
                      FormatRegionList(regions), context);
}

absl::Status RegionShow(const CheckedArgs& args, IdentityClient& client,
                        const CommandContext& context) {
  iv1::GetRegionRequest request;
  SIXSTEPS_ASSIGN_OR_RETURN(*request.mutable_name(), ExpandRegionName(args.Positional(0)));
  SIXSTEPS_ASSIGN_OR_RETURN(iv1::Region region, client.Call(&Stub::GetRegion, request));
  return PrintMessage(region, FormatRegion(region), context);
}

// ---- partnerships ----

absl::Status PartnershipCreate(const CheckedArgs& args, IdentityClient& client,
                               const CommandContext& context) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string name, ExpandPartnershipName(args.Positional(0)));
  iv1::CreatePartnershipRequest request;
  request.set_partnership_id(LastSegment(name));
  iv1::Partnership& partnership = *request.mutable_partnership();
  std::string region = args.Text("region");
  SIXSTEPS_ASSIGN_OR_RETURN(*partnership.mutable_region(), ExpandRegionName(region));
  *partnership.mutable_display_name() = args.Text("name");
  if (std::optional<bool> opt_out = args.Truth("opt_out")) {
    partnership.set_regional_comparison_opt_out(*opt_out);
  }
  SIXSTEPS_ASSIGN_OR_RETURN(iv1::Partnership created,
                            client.Call(&Stub::CreatePartnership, request));
  return PrintMessage(
      created, absl::StrCat("Created ", created.name(), "\n", FormatPartnership(created)), context);
}

absl::Status PartnershipList(const CheckedArgs& args, IdentityClient& client,
                             const CommandContext& context) {
  iv1::ListPartnershipsRequest request;
  std::optional<std::string> region = args.Optional("region");
  if (region) {
    SIXSTEPS_ASSIGN_OR_RETURN(*request.mutable_region(), ExpandRegionName(*region));
  }
  SIXSTEPS_ASSIGN_OR_RETURN(std::vector<iv1::Partnership> partnerships,
                            client.ListAll(&Stub::ListPartnerships, request,
                                           &iv1::ListPartnershipsResponse::partnerships));
  return PrintMessage(Collect(partnerships, &iv1::ListPartnershipsResponse::mutable_partnerships),
                      FormatPartnershipList(partnerships), context);
}

absl::Status PartnershipShow(const CheckedArgs& args, IdentityClient& client,
                             const CommandContext& context) {
  iv1::GetPartnershipRequest request;
  SIXSTEPS_ASSIGN_OR_RETURN(*request.mutable_name(), ExpandPartnershipName(args.Positional(0)));
  SIXSTEPS_ASSIGN_OR_RETURN(iv1::Partnership partnership,
                            client.Call(&Stub::GetPartnership, request));
  return PrintMessage(partnership, FormatPartnership(partnership), context);
}

absl::Status PartnershipUpdate(const CheckedArgs& args, IdentityClient& client,
                               const CommandContext& context) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string name, ExpandPartnershipName(args.Positional(0)));
  std::optional<std::string> display_name = args.Optional("name");
  std::optional<bool> opt_out_value = args.Truth("opt_out");
  // Update what was read, with the etag read: a change by someone else meanwhile is ABORTED.
  iv1::GetPartnershipRequest get;
  get.set_name(name);
  SIXSTEPS_ASSIGN_OR_RETURN(iv1::Partnership current, client.Call(&Stub::GetPartnership, get));
  iv1::UpdatePartnershipRequest request;
  *request.mutable_partnership() = current;
  if (display_name) {
    request.mutable_partnership()->set_display_name(*display_name);
    request.mutable_update_mask()->add_paths("display_name");
  }
  if (opt_out_value) {
    request.mutable_partnership()->set_regional_comparison_opt_out(*opt_out_value);
    request.mutable_update_mask()->add_paths("regional_comparison_opt_out");
  }
  SIXSTEPS_ASSIGN_OR_RETURN(iv1::Partnership updated,
                            client.Call(&Stub::UpdatePartnership, request));
  return PrintMessage(
      updated, absl::StrCat("Updated ", updated.name(), "\n", FormatPartnership(updated)), context);
}

// ---- organisations ----

absl::Status OrgAdd(const CheckedArgs& args, IdentityClient& client,
                    const CommandContext& context) {
  iv1::CreateOrganisationRequest request;
  SIXSTEPS_ASSIGN_OR_RETURN(*request.mutable_parent(), ExpandPartnershipName(args.Positional(0)));
  if (absl::StrContains(args.Positional(1), '/')) {
    return UsageError(absl::StrCat("'", args.Positional(1), "' is not an organisation id"));
  }
  request.set_organisation_id(std::string(args.Positional(1)));
  iv1::Organisation& organisation = *request.mutable_organisation();
  *organisation.mutable_display_name() = args.Text("name");
  organisation.set_kind(*args.Enum<iv1::OrganisationKind>("kind"));
  organisation.set_core_partner(args.Has("core"));
  SIXSTEPS_ASSIGN_OR_RETURN(iv1::Organisation created,
                            client.Call(&Stub::CreateOrganisation, request));
  return PrintMessage(
      created, absl::StrCat("Added ", created.name(), "\n", FormatOrganisation(created)), context);
}

absl::Status OrgList(const CheckedArgs& args, IdentityClient& client,
                     const CommandContext& context) {
  iv1::ListOrganisationsRequest request;
  SIXSTEPS_ASSIGN_OR_RETURN(*request.mutable_parent(), ExpandPartnershipName(args.Positional(0)));
  SIXSTEPS_ASSIGN_OR_RETURN(std::vector<iv1::Organisation> organisations,
                            client.ListAll(&Stub::ListOrganisations, request,
                                           &iv1::ListOrganisationsResponse::organisations));
  return PrintMessage(
      Collect(organisations, &iv1::ListOrganisationsResponse::mutable_organisations),
      FormatOrganisationList(organisations), context);
}

absl::Status OrgShow(const CheckedArgs& args, IdentityClient& client,
                     const CommandContext& context) {
  iv1::GetOrganisationRequest request;
  SIXSTEPS_ASSIGN_OR_RETURN(*request.mutable_name(), ExpandOrganisationName(args.Positional(0)));
  SIXSTEPS_ASSIGN_OR_RETURN(iv1::Organisation organisation,
                            client.Call(&Stub::GetOrganisation, request));
  return PrintMessage(organisation, FormatOrganisation(organisation), context);
}

// ---- users ----

absl::StatusOr<std::vector<iv1::User>> AllUsers(IdentityClient& client) {
  return client.ListAll(&Stub::ListUsers, iv1::ListUsersRequest(), &iv1::ListUsersResponse::users);
}

// The user with this email (case-insensitive) among those the caller may list.
absl::StatusOr<iv1::User> FindUserByEmail(IdentityClient& client, const std::string& email) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::vector<iv1::User> users, AllUsers(client));
  for (iv1::User& user : users) {
    if (absl::EqualsIgnoreCase(user.email(), email)) return std::move(user);
  }
  return absl::NotFoundError(
      absl::StrCat("no user with email ", email, " among the users you administer"));
}

// A principal argument as a name, looking an email address up.
absl::StatusOr<std::string> ResolvePrincipal(IdentityClient& client, absl::string_view argument) {
  SIXSTEPS_ASSIGN_OR_RETURN(PrincipalArgument principal, ParsePrincipal(argument));
  if (principal.email.empty()) return principal.name;
  SIXSTEPS_ASSIGN_OR_RETURN(iv1::User user, FindUserByEmail(client, principal.email));
  return user.name();
}

absl::Status UserCreate(const CheckedArgs& args, IdentityClient& client,
                        const CommandContext& context) {
  iv1::CreateUserRequest request;
  *request.mutable_user()->mutable_email() = args.Text("email");
  *request.mutable_user()->mutable_display_name() = args.Text("name");
  std::string password = Env(context, kNewUserPasswordVariable);
  if (password.empty()) {
    password = ReadSecret(context, absl::StrCat("Initial password for ", request.user().email(),
                                                " (at least 12 characters): "));
    if (context.in_is_terminal && !password.empty() &&
        ReadSecret(context, "Again, to confirm: ") != password) {
      return UsageError("the two passwords differ");
    }
  }
  if (password.empty()) {
    return UsageError(absl::StrCat("no password for the new user: set $", kNewUserPasswordVariable,
                                   " or give it on standard input"));
  }
  request.set_password(password);
  SIXSTEPS_ASSIGN_OR_RETURN(iv1::User user, client.Call(&Stub::CreateUser, request));
  return PrintMessage(
      user,
      absl::StrCat("Created ", user.name(), "\n", FormatUser(user),
                   "Grant a role with: sixsteps role grant ", user.name(), " ROLE SCOPE\n"),
      context);
}

absl::Status UserList(const CheckedArgs& args, IdentityClient& client,
                      const CommandContext& context) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::vector<iv1::User> users, AllUsers(client));
  return PrintMessage(Collect(users, &iv1::ListUsersResponse::mutable_users), FormatUserList(users),
                      context);
}

absl::Status UserShow(const CheckedArgs& args, IdentityClient& client,
                      const CommandContext& context) {
  SIXSTEPS_ASSIGN_OR_RETURN(PrincipalArgument principal, ParsePrincipal(args.Positional(0)));
  iv1::User user;
  if (!principal.email.empty()) {
    SIXSTEPS_ASSIGN_OR_RETURN(user, FindUserByEmail(client, principal.email));
  } else {
    if (!absl::StartsWith(principal.name, "users/")) {
      return UsageError(absl::StrCat("'", args.Positional(0), "' is not a user"));
    }
    iv1::GetUserRequest request;
    request.set_name(principal.name);
    SIXSTEPS_ASSIGN_OR_RETURN(user, client.Call(&Stub::GetUser, request));
  }
  return PrintMessage(user, FormatUser(user), context);
}

absl::Status UserUnlock(const CheckedArgs& args, IdentityClient& client,
                        const CommandContext& context) {
  SIXSTEPS_ASSIGN_OR_RETURN(PrincipalArgument principal, ParsePrincipal(args.Positional(0)));
  if (principal.email.empty() && !absl::StartsWith(principal.name, "users/")) {
    return UsageError(absl::StrCat("'", args.Positional(0), "' is not a user"));
  }
  std::string name = principal.name;
  if (!principal.email.empty()) {
    SIXSTEPS_ASSIGN_OR_RETURN(iv1::User user, FindUserByEmail(client, principal.email));
    name = user.name();
  }
  iv1::UnlockUserRequest request;
  request.set_name(name);
  SIXSTEPS_ASSIGN_OR_RETURN(iv1::UnlockUserResponse response,
                            client.Call(&Stub::UnlockUser, request));
  return PrintMessage(response,
                      absl::StrCat("Unlocked ", name, ": cleared ", response.cleared_backoffs(),
                                   " sign-in backoff(s); they can sign in from anywhere again\n"),
                      context);
}

// ---- role bindings ----

absl::Status RoleGrant(const CheckedArgs& args, IdentityClient& client,
                       const CommandContext& context) {
  // Check everything local before the email lookup costs a call.
  SIXSTEPS_ASSIGN_OR_RETURN(PrincipalArgument principal, ParsePrincipal(args.Positional(0)));
  const iv1::Role role = *args.Enum<iv1::Role>("ROLE");
  SIXSTEPS_ASSIGN_OR_RETURN(std::string scope, ExpandScope(args.Positional(2)));
  std::optional<std::string> org = args.Optional("org");
  iv1::CreateRoleBindingRequest request;
  iv1::RoleBinding& binding = *request.mutable_role_binding();
  if (org) {
    SIXSTEPS_ASSIGN_OR_RETURN(
        *binding.mutable_organisation(),
        ExpandOrganisationName(*org, absl::StartsWith(scope, "partnerships/") ? scope : ""));
  }
  if (principal.email.empty()) {
    binding.set_principal(principal.name);
  } else {
    SIXSTEPS_ASSIGN_OR_RETURN(iv1::User user, FindUserByEmail(client, principal.email));
    binding.set_principal(user.name());
  }
  binding.set_role(role);
  binding.set_scope(scope);
  SIXSTEPS_ASSIGN_OR_RETURN(iv1::RoleBinding created,
                            client.Call(&Stub::CreateRoleBinding, request));
  return PrintMessage(created, absl::StrCat("Granted ", FormatRoleBinding(created)), context);
}

absl::Status RoleRevoke(const CheckedArgs& args, IdentityClient& client,
                        const CommandContext& context) {
  iv1::DeleteRoleBindingRequest request;
  SIXSTEPS_ASSIGN_OR_RETURN(*request.mutable_name(), ExpandRoleBindingName(args.Positional(0)));
  SIXSTEPS_ASSIGN_OR_RETURN(google::protobuf::Empty empty,
                            client.Call(&Stub::DeleteRoleBinding, request));
  return PrintMessage(empty, absl::StrCat("Revoked ", request.name(), "\n"), context);
}

absl::Status RoleList(const CheckedArgs& args, IdentityClient& client,
                      const CommandContext& context) {
  iv1::ListRoleBindingsRequest request;
  std::optional<std::string> principal = args.Optional("principal");
  std::optional<std::string> scope = args.Optional("scope");
  if (scope) {
    SIXSTEPS_ASSIGN_OR_RETURN(*request.mutable_scope(), ExpandScope(*scope));
  }
  if (principal) {
    SIXSTEPS_ASSIGN_OR_RETURN(*request.mutable_principal(), ResolvePrincipal(client, *principal));
  }
  SIXSTEPS_ASSIGN_OR_RETURN(std::vector<iv1::RoleBinding> bindings,
                            client.ListAll(&Stub::ListRoleBindings, request,
                                           &iv1::ListRoleBindingsResponse::role_bindings));
  return PrintMessage(Collect(bindings, &iv1::ListRoleBindingsResponse::mutable_role_bindings),
                      FormatRoleBindingList(bindings), context);
}

// ---- service accounts and API keys ----

absl::Status ServiceAccountCreate(const CheckedArgs& args, IdentityClient& client,
                                  const CommandContext& context) {
  iv1::CreateServiceAccountRequest request;
  iv1::ServiceAccount& account = *request.mutable_service_account();
  *account.mutable_display_name() = args.Text("name");
  std::string owner = args.Text("owner");
  SIXSTEPS_ASSIGN_OR_RETURN(*account.mutable_owner(), ExpandOwner(owner));
  SIXSTEPS_ASSIGN_OR_RETURN(iv1::ServiceAccount created,
                            client.Call(&Stub::CreateServiceAccount, request));
  return PrintMessage(
      created,
      absl::StrCat("Created ", created.name(), "\n", FormatServiceAccount(created),
                   "Next: grant it a role (sixsteps role grant ", created.name(),
                   " integration partnerships/P) and\ncreate an API key (sixsteps apikey create ",
                   created.name(), " --name NAME).\n"),
      context);
}

absl::Status ServiceAccountList(const CheckedArgs& args, IdentityClient& client,
                                const CommandContext& context) {
  SIXSTEPS_ASSIGN_OR_RETURN(
      std::vector<iv1::ServiceAccount> accounts,
      client.ListAll(&Stub::ListServiceAccounts, iv1::ListServiceAccountsRequest(),
                     &iv1::ListServiceAccountsResponse::service_accounts));
  return PrintMessage(
      Collect(accounts, &iv1::ListServiceAccountsResponse::mutable_service_accounts),
      FormatServiceAccountList(accounts), context);
}

absl::Status ServiceAccountShow(const CheckedArgs& args, IdentityClient& client,
                                const CommandContext& context) {
  iv1::GetServiceAccountRequest request;
  SIXSTEPS_ASSIGN_OR_RETURN(*request.mutable_name(), ExpandServiceAccountName(args.Positional(0)));
  SIXSTEPS_ASSIGN_OR_RETURN(iv1::ServiceAccount account,
                            client.Call(&Stub::GetServiceAccount, request));
  return PrintMessage(account, FormatServiceAccount(account), context);
}

// Writes a new file readable by its owner only; refuses to replace an existing one.
absl::Status WriteSecretFile(const std::string& path, const std::string& contents) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    return LocalError(kExitCannotCreate,
                      absl::StrCat("cannot write ", path, ": ", std::strerror(errno)));
  }
  ssize_t written = ::write(fd, contents.data(), contents.size());
  int error = written == static_cast<ssize_t>(contents.size()) ? 0 : (written < 0 ? errno : EIO);
  if (::close(fd) != 0 && error == 0) error = errno;
  if (error != 0) {
    ::unlink(path.c_str());
    return LocalError(kExitCannotCreate,
                      absl::StrCat("cannot write ", path, ": ", std::strerror(error)));
  }
  return absl::OkStatus();
}

absl::Status ApiKeyCreate(const CheckedArgs& args, IdentityClient& client,
                          const CommandContext& context) {
  iv1::CreateApiKeyRequest request;
  SIXSTEPS_ASSIGN_OR_RETURN(*request.mutable_parent(),
                            ExpandServiceAccountName(args.Positional(0)));
  *request.mutable_api_key()->mutable_display_name() = args.Text("name");
  std::optional<std::string> expires_in = args.Optional("expires_in");
  SIXSTEPS_ASSIGN_OR_RETURN(absl::Duration lifetime, ParseLifetime(expires_in.value_or("90d")));
  std::optional<std::string> out_path = args.Optional("out");
  if (out_path && std::filesystem::exists(*out_path)) {
    return LocalError(kExitCannotCreate,
                      absl::StrCat(*out_path, " already exists; choose a new file for the key"));
  }
  absl::Time expires = absl::Now() + lifetime;
  *request.mutable_api_key()->mutable_expire_time() =
      TimeUtil::SecondsToTimestamp(absl::ToUnixSeconds(expires));
  SIXSTEPS_ASSIGN_OR_RETURN(iv1::CreateApiKeyResponse response,
                            client.Call(&Stub::CreateApiKey, request));
  const iv1::ApiKey& key = response.api_key();
  if (out_path) {
    SIXSTEPS_RETURN_IF_ERROR(WriteSecretFile(*out_path, response.secret() + "\n"));
    if (context.output == OutputFormat::kJson) {
      iv1::CreateApiKeyResponse without_secret = response;
      without_secret.clear_secret();
      return PrintMessage(without_secret, "", context);
    }
    *context.out << "Created " << key.name() << " (\"" << key.display_name() << "\"), expires "
                 << FormatTime(key.expire_time()) << ".\n"
                 << "Its secret is in " << *out_path
                 << " (mode 0600) and is shown nowhere else; the hub keeps only\n"
                 << "its hash. Hand the file over safely; the integrator signs in with:\n"
                 << "  sixsteps login --api-key-file " << *out_path << "\n";
    return absl::OkStatus();
  }
  return PrintMessage(
      response,
      absl::StrCat("Created ", key.name(), " (\"", key.display_name(), "\"), expires ",
                   FormatTime(key.expire_time()), ".\n",
                   "WARNING: this is the only time the secret is shown; the hub keeps only its "
                   "hash.\nStore it safely now (a file of mode 0600, a secret store):\n\n  ",
                   response.secret(), "\n\n",
                   "The integrator signs in with: sixsteps login --api-key-file FILE (or "
                   "$SIXSTEPS_API_KEY).\n"),
      context);
}

absl::Status ApiKeyList(const CheckedArgs& args, IdentityClient& client,
                        const CommandContext& context) {
  iv1::ListApiKeysRequest request;
  SIXSTEPS_ASSIGN_OR_RETURN(*request.mutable_parent(),
                            ExpandServiceAccountName(args.Positional(0)));
  SIXSTEPS_ASSIGN_OR_RETURN(
      std::vector<iv1::ApiKey> keys,
      client.ListAll(&Stub::ListApiKeys, request, &iv1::ListApiKeysResponse::api_keys));
  return PrintMessage(Collect(keys, &iv1::ListApiKeysResponse::mutable_api_keys),
                      FormatApiKeyList(keys), context);
}

absl::Status ApiKeyRevoke(const CheckedArgs& args, IdentityClient& client,
                          const CommandContext& context) {
  iv1::RevokeApiKeyRequest request;
  SIXSTEPS_ASSIGN_OR_RETURN(*request.mutable_name(), ExpandApiKeyName(args.Positional(0)));
  SIXSTEPS_ASSIGN_OR_RETURN(iv1::ApiKey key, client.Call(&Stub::RevokeApiKey, request));
  return PrintMessage(key, absl::StrCat("Revoked ", key.name(), "\n", FormatApiKey(key)), context);
}

// ---- audit log, signing keys ----

absl::Status AuditList(const CheckedArgs& args, IdentityClient& client,
                       const CommandContext& context) {
  iv1::ListAuditEventsRequest request;
  std::optional<std::string> region = args.Optional("region");
  if (region) {
    SIXSTEPS_ASSIGN_OR_RETURN(*request.mutable_region(), ExpandRegionName(*region));
  }
  const int limit = args.Position("limit").value_or(50);
  request.set_page_size(std::min(limit, 100));
  std::vector<iv1::AuditEvent> events;
  SIXSTEPS_RETURN_IF_ERROR(client.ForEachPage(
      &Stub::ListAuditEvents, request, [&](const iv1::ListAuditEventsResponse& page) {
        for (const iv1::AuditEvent& event : page.audit_events()) {
          if (static_cast<int>(events.size()) >= limit) return false;
          events.push_back(event);
        }
        return static_cast<int>(events.size()) < limit;
      }));
  return PrintMessage(Collect(events, &iv1::ListAuditEventsResponse::mutable_audit_events),
                      FormatAuditEventList(events), context);
}

absl::Status KeyList(const CheckedArgs& args, IdentityClient& client,
                     const CommandContext& context) {
  SIXSTEPS_ASSIGN_OR_RETURN(iv1::ListPublicKeysResponse response,
                            client.Call(&Stub::ListPublicKeys, iv1::ListPublicKeysRequest()));
  std::vector<iv1::PublicKey> keys(response.keys().begin(), response.keys().end());
  return PrintMessage(response, FormatPublicKeyList(keys), context);
}

absl::Status KeyRotate(const CheckedArgs& args, IdentityClient& client,
                       const CommandContext& context) {
  SIXSTEPS_ASSIGN_OR_RETURN(iv1::RotateSigningKeyResponse response,
                            client.Call(&Stub::RotateSigningKey, iv1::RotateSigningKeyRequest()));
  return PrintMessage(response,
                      absl::StrCat("New signing key ", response.key().key_id(),
                                   " is current. Tokens signed with the old key stay valid until "
                                   "they expire.\n"),
                      context);
}

// ---- the command table ----

struct IdentityCommand {
  // The top-level word ("region"); the command after it ("create"; "" for login etc.) is the
  // Command's name.
  absl::string_view word;
  Command<IdentityClient> command;
};

const std::vector<IdentityCommand>& Commands() {
  const ArgDecl region = arg::String("REGION").Required();
  const ArgDecl partnership = arg::String("PARTNERSHIP").Required();
  const ArgDecl user = arg::String("USER|EMAIL").Required();
  const ArgDecl service_account = arg::String("SERVICE_ACCOUNT").Required();
  static const auto* const kCommands = new std::vector<IdentityCommand>{
      {"login",
       {"",
        "sixsteps login --email EMAIL | --api-key-file FILE",
        {.flags = {arg::String("email").NonEmpty(), arg::File("api_key_file")},
         .groups = {{FlagGroup::Rule::kAtMostOne,
                     {"email", "api_key_file"},
                     "give --email or --api-key-file, not both"}}},
        Login}},
      {"logout", {"", "sixsteps logout", {}, Logout}},
      {"whoami", {"", "sixsteps whoami", {}, WhoAmI}},
      {"token", {"", "sixsteps token", {}, Token}},
      {"region",
       {"create",
        "sixsteps region create ID --name NAME",
        {.positionals = {arg::String("ID").Required()}, .flags = {arg::String("name").Required()}},
        RegionCreate}},
      {"region", {"list", "sixsteps region list", {}, RegionList}},
      {"region", {"show", "sixsteps region show REGION", {.positionals = {region}}, RegionShow}},
      {"partnership",
       {"create",
        "sixsteps partnership create ID --region REGION --name NAME [--opt-out true|false]",
        {.positionals = {arg::String("ID").Required()},
         .flags = {arg::String("region").Required(), arg::String("name").Required(),
                   arg::Truth("opt_out")}},
        PartnershipCreate}},
      {"partnership",
       {"list",
        "sixsteps partnership list [--region REGION]",
        {.flags = {arg::String("region")}},
        PartnershipList}},
      {"partnership",
       {"show",
        "sixsteps partnership show PARTNERSHIP",
        {.positionals = {partnership}},
        PartnershipShow}},
      {"partnership",
       {"update",
        "sixsteps partnership update PARTNERSHIP [--name NAME] [--opt-out true|false]",
        {.positionals = {partnership},
         .flags = {arg::String("name"), arg::Truth("opt_out")},
         .groups = {{FlagGroup::Rule::kAtLeastOne,
                     {"name", "opt_out"},
                     "nothing to change: give --name or --opt-out"}}},
        PartnershipUpdate}},
      {"org",
       {"add",
        "sixsteps org add PARTNERSHIP ID --name NAME --kind KIND [--core]",
        {.positionals = {partnership, arg::String("ID").Required()},
         .flags = {arg::String("name").Required(), arg::Enum<ParseKind>("kind").Required(),
                   arg::Switch("core")}},
        OrgAdd}},
      {"org", {"list", "sixsteps org list PARTNERSHIP", {.positionals = {partnership}}, OrgList}},
      {"org",
       {"show",
        "sixsteps org show PARTNERSHIP/ID",
        {.positionals = {arg::String("PARTNERSHIP/ID").Required()}},
        OrgShow}},
      {"user",
       {"create",
        "sixsteps user create --email EMAIL --name NAME",
        {.flags = {arg::String("email").Required(), arg::String("name").Required()}},
        UserCreate}},
      {"user", {"list", "sixsteps user list", {}, UserList}},
      {"user", {"show", "sixsteps user show USER|EMAIL", {.positionals = {user}}, UserShow}},
      {"user", {"unlock", "sixsteps user unlock USER|EMAIL", {.positionals = {user}}, UserUnlock}},
      {"role",
       {"grant",
        "sixsteps role grant PRINCIPAL ROLE SCOPE [--org ORGANISATION]",
        {.positionals = {arg::String("PRINCIPAL").Required(),
                         arg::Enum<ParseRole>("ROLE").Required(), arg::String("SCOPE").Required()},
         .flags = {arg::String("org")}},
        RoleGrant}},
      {"role",
       {"revoke",
        "sixsteps role revoke ROLE_BINDING",
        {.positionals = {arg::String("ROLE_BINDING").Required()}},
        RoleRevoke}},
      {"role",
       {"list",
        "sixsteps role list [--principal PRINCIPAL] [--scope SCOPE]",
        {.flags = {arg::String("principal"), arg::String("scope")}},
        RoleList}},
      {"serviceaccount",
       {"create",
        "sixsteps serviceaccount create --name NAME --owner regions/R|partnerships/P|'*'",
        {.flags = {arg::String("name").Required(), arg::String("owner").Required()}},
        ServiceAccountCreate}},
      {"serviceaccount", {"list", "sixsteps serviceaccount list", {}, ServiceAccountList}},
      {"serviceaccount",
       {"show",
        "sixsteps serviceaccount show SERVICE_ACCOUNT",
        {.positionals = {service_account}},
        ServiceAccountShow}},
      {"apikey",
       {"create",
        "sixsteps apikey create SERVICE_ACCOUNT --name NAME [--expires-in 90d] [--out FILE]",
        {.positionals = {service_account},
         .flags = {arg::String("name").Required(), arg::Checked<ParseLifetime>("expires_in"),
                   arg::File("out")}},
        ApiKeyCreate}},
      {"apikey",
       {"list",
        "sixsteps apikey list SERVICE_ACCOUNT",
        {.positionals = {service_account}},
        ApiKeyList}},
      {"apikey",
       {"revoke",
        "sixsteps apikey revoke SERVICE_ACCOUNT/KEY",
        {.positionals = {arg::String("SERVICE_ACCOUNT/KEY").Required()}},
        ApiKeyRevoke}},
      {"audit",
       {"list",
        "sixsteps audit list [--region REGION] [--limit N]",
        {.flags = {arg::String("region"), arg::Integer("limit", 1, "a whole number from 1 up")}},
        AuditList}},
      {"key", {"list", "sixsteps key list", {}, KeyList}},
      {"key", {"rotate", "sixsteps key rotate", {}, KeyRotate}},
  };
  return *kCommands;
}

struct IdentityWord {
  absl::string_view word;
  absl::string_view summary;
  absl::string_view notes;
};

constexpr IdentityWord kWords[] = {
    {"login", "sign in (a user with --email, a service account with --api-key-file)",
     "The password comes from $SIXSTEPS_PASSWORD, else is prompted for (no echo) on a\n"
     "terminal, else is the first line of standard input. The API key comes from the file's\n"
     "first line, else from $SIXSTEPS_API_KEY. The tokens are kept in\n"
     "$XDG_CONFIG_HOME/sixsteps/credentials.json (default ~/.config/sixsteps/credentials.json,\n"
     "mode 0600); every later command uses them, renewing the access token when it is about\n"
     "to expire. $SIXSTEPS_TOKEN, when set, is used instead.\n"},
    {"logout", "sign out: revoke the refresh token and delete the stored credentials", ""},
    {"whoami", "who the CLI is signed in as, and their role bindings", ""},
    {"token", "print the current access token (renewed first if it is about to expire)",
     "For tools that speak HTTP, such as the reporting service's endpoint for dashboards:\n"
     "  curl -H \"Authorization: Bearer $(sixsteps token)\" \\\n"
     "    'http://127.0.0.1:8084/v1/regions/REGION/overview?format=csv'\n"
     "The token lasts at most 15 minutes; ask again for a fresh one. Keep it out of logs.\n"},
    {"region", "regional hubs: create, list, show",
     "REGION is ID or regions/ID. Only deployment administrators create regions.\n"},
    {"partnership", "safeguarding children partnerships: create, list, show, update",
     "PARTNERSHIP is ID or partnerships/ID; REGION is ID or regions/ID. --opt-out true keeps\n"
     "the partnership's figures anonymous in regional comparisons.\n"},
    {"org", "a partnership's partner agencies: add, list, show", ""},
    {"user", "people who sign in with email and password: create, list, show, unlock",
     "The new user's password comes from $SIXSTEPS_NEW_USER_PASSWORD, else is prompted for on\n"
     "a terminal (twice), else is the first line of standard input; at least 12 characters.\n"
     "USER is ID or users/ID; an email address works too. 'unlock' lifts the sign-in backoff\n"
     "that failed passwords put on the user's email address, for every client.\n"},
    {"role", "role bindings, who may do what where: grant, revoke, list", ""},
    {"serviceaccount", "integrators' non-human principals: create, list, show",
     "SERVICE_ACCOUNT is ID or serviceAccounts/ID.\n"},
    {"apikey", "API keys of service accounts: create, list, revoke",
     "The secret (ssk.<key id>.<secret>) is shown only once, at creation, or written to\n"
     "--out FILE (created with mode 0600). --expires-in takes 90d (default), 2w, 12h, 30m;\n"
     "at most a year.\n"},
    {"audit", "the audit log, newest first (hub administrators)", "--limit defaults to 50.\n"},
    {"key", "token signing keys: list (open to all), rotate (deployment administrators)", ""},
};

std::string RoleNotes() {
  return absl::StrCat(
      "PRINCIPAL is users/ID, serviceAccounts/ID or a user's email address (looked up among the\n"
      "users you administer). ROLE is one of:\n  ",
      AllRoleNames(),
      ".\n"
      "SCOPE is '*' (the whole deployment; hub administrators only), regions/REGION or\n"
      "partnerships/PARTNERSHIP. Partner respondents and action owners also name the\n"
      "organisation they act for: --org ORG (an organisation of the scope's partnership, or\n"
      "PARTNERSHIP/ORG). ROLE_BINDING is ID or roleBindings/ID.\n");
}

std::string OrgNotes() {
  return absl::StrCat("KIND is one of:\n  ", AllKindNames(),
                      ".\n--core marks one of the three core partners (local authority, health, "
                      "police).\n");
}

absl::Status RunIdentityWord(absl::string_view word, const ParsedArgs& args,
                             std::shared_ptr<grpc::ChannelInterface> channel,
                             const CommandContext& context) {
  const bool single = word == "login" || word == "logout" || word == "whoami" || word == "token";
  const std::string word_usage =
      absl::StrCat("sixsteps ", word, single ? "" : " COMMAND [ARGS...]");
  if ((!single && args.Positional(0) == "help") || args.Has("help")) {
    *context.out << IdentityHelp(word);
    return absl::OkStatus();
  }
  if (!single && args.positionals().empty()) {
    return UsageError(absl::StrCat("missing command (see 'sixsteps ", word, " help')"), word_usage);
  }
  absl::string_view name = single ? absl::string_view() : args.Positional(0);
  for (const IdentityCommand& entry : Commands()) {
    if (entry.word != word || entry.command.name != name) continue;
    std::unique_ptr<Stub> stub = iv1::IdentityService::NewStub(std::move(channel));
    IdentityClient client(*stub, context.call);
    return RunCommand(entry.command, args.WithoutLeadingPositionals(single ? 0 : 1), client,
                      context);
  }
  return UsageError(
      absl::StrCat("unknown ", word, " command '", name, "' (see 'sixsteps ", word, " help')"),
      word_usage);
}

// One function per word, as ServiceCommands holds plain function pointers.
template <size_t I>
absl::Status RunWord(const ParsedArgs& args, std::shared_ptr<grpc::ChannelInterface> channel,
                     const CommandContext& context) {
  return RunIdentityWord(kWords[I].word, args, std::move(channel), context);
}

template <size_t I>
std::string HelpWord() {
  return IdentityHelp(kWords[I].word);
}

template <size_t... I>
std::vector<ServiceCommands> MakeEntries(std::index_sequence<I...>) {
  return {ServiceCommands{
      .service = kWords[I].word,
      .summary = kWords[I].summary,
      .help = HelpWord<I>,
      .run = RunWord<I>,
      .endpoint = "identity",
      // login and logout manage the stored sign-in themselves.
      .authenticate = kWords[I].word != "login" && kWords[I].word != "logout",
  }...};
}

}  // namespace

std::vector<ServiceCommands> IdentityServiceCommands() {
  return MakeEntries(std::make_index_sequence<std::size(kWords)>());
}

std::string IdentityHelp(absl::string_view word) {
  std::string help;
  const IdentityWord* found = nullptr;
  for (const IdentityWord& entry : kWords) {
    if (entry.word == word) found = &entry;
  }
  absl::StrAppend(&help, "sixsteps ", word, ": ", found ? found->summary : "", "\n\nusage:\n");
  for (const IdentityCommand& entry : Commands()) {
    if (entry.word == word) absl::StrAppend(&help, "  ", entry.command.usage, "\n");
  }
  absl::StrAppend(&help, "\n");
  if (found != nullptr && !found->notes.empty()) absl::StrAppend(&help, found->notes, "\n");
  if (word == "role") absl::StrAppend(&help, RoleNotes(), "\n");
  if (word == "org") absl::StrAppend(&help, OrgNotes(), "\n");
  absl::StrAppend(&help,
                  "Every command goes to the identity service (--identity_address, else\n"
                  "$SIXSTEPS_IDENTITY_ADDRESS, else the address signed in at, else "
                  "127.0.0.1:50052).\n"
                  "Global options: ",
                  kGlobalOptionsUsage, "\n");
  return help;
}

}  // namespace sixsteps::cli
