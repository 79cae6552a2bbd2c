// The identity commands, one file per resource (identity_session_commands.cc: login, logout,
// whoami, token; identity_hub_commands.cc: region, partnership, org;
// identity_user_commands.cc; identity_binding_commands.cc: role;
// identity_account_commands.cc: serviceaccount, apikey; identity_audit_commands.cc: audit,
// key), and what they share. identity_commands.cc holds their table and help. For the
// identity commands only.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "sixsteps/identity/v1/identity_service.grpc.pb.h"
#include "tools/sixsteps/arg_spec.h"
#include "tools/sixsteps/command.h"
#include "tools/sixsteps/rpc_client.h"

namespace sixsteps::cli::identity_cmd {

namespace iv1 = ::sixsteps::identity::v1;
using Stub = iv1::IdentityService::StubInterface;
using IdentityClient = RpcClient<Stub>;

// Every command's body has this type (Command<IdentityClient>::run).
using CommandBody = absl::Status(const CheckedArgs& args, IdentityClient& client,
                                 const CommandContext& context);

CommandBody Login, Logout, WhoAmI, Token;
CommandBody RegionCreate, RegionList, RegionShow;
CommandBody PartnershipCreate, PartnershipList, PartnershipShow, PartnershipUpdate;
CommandBody OrgAdd, OrgList, OrgShow;
CommandBody UserCreate, UserList, UserShow, UserUnlock;
CommandBody RoleGrant, RoleRevoke, RoleList;
CommandBody ServiceAccountCreate, ServiceAccountList, ServiceAccountShow;
CommandBody ApiKeyCreate, ApiKeyList, ApiKeyRevoke;
CommandBody AuditList, KeyList, KeyRotate;

// The `show` commands: gets the resource `name` names with `get` and prints it (`format` for
// people); `name` is the argument already expanded, or why it could not be.
template <typename Request, typename Resource>
absl::Status ShowNamed(IdentityClient& client,
                       grpc::Status (Stub::*get)(grpc::ClientContext*, const Request&, Resource*),
                       const absl::StatusOr<std::string>& name,
                       std::string (*format)(const Resource&), const CommandContext& context) {
  SIXSTEPS_RETURN_IF_ERROR(name.status());
  Request request;
  request.set_name(*name);
  SIXSTEPS_ASSIGN_OR_RETURN(Resource resource, client.Call(get, request));
  return PrintMessage(resource, format(resource), context);
}

// "2026-03-31T12:00:00Z".
std::string TimeText(absl::Time time);
// An environment variable of the run, "" when unset.
std::string Env(const CommandContext& context, absl::string_view name);
// Reads a password: a prompt without echo on a terminal, else the first line of stdin.
std::string ReadSecret(const CommandContext& context, absl::string_view prompt);
// The user with this email (case-insensitive) among those the caller may list.
absl::StatusOr<iv1::User> FindUserByEmail(IdentityClient& client, const std::string& email);
// A principal argument as a name, looking an email address up.
absl::StatusOr<std::string> ResolvePrincipal(IdentityClient& client, absl::string_view argument);

}  // namespace sixsteps::cli::identity_cmd
