// sixsteps role: role bindings, who may do what where.
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "tools/sixsteps/identity_command_parts.h"
#include "tools/sixsteps/identity_format.h"
#include "tools/sixsteps/identity_names.h"

namespace sixsteps::cli::identity_cmd {

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

}  // namespace sixsteps::cli::identity_cmd
