// sixsteps user: people who sign in with email and password; and finding one by email.
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "tools/sixsteps/identity_command_parts.h"
#include "tools/sixsteps/identity_format.h"
#include "tools/sixsteps/identity_names.h"
#include "tools/sixsteps/session.h"

namespace sixsteps::cli::identity_cmd {

namespace {

absl::StatusOr<std::vector<iv1::User>> AllUsers(IdentityClient& client) {
  return client.ListAll(&Stub::ListUsers, iv1::ListUsersRequest(), &iv1::ListUsersResponse::users);
}

}  // namespace

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

}  // namespace sixsteps::cli::identity_cmd
