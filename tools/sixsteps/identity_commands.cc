#include "tools/sixsteps/identity_commands.h"

#include "absl/strings/str_cat.h"
#include "tools/sixsteps/cli_status.h"
#include "tools/sixsteps/enum_words.h"
#include "tools/sixsteps/identity_command_parts.h"
#include "tools/sixsteps/identity_names.h"

namespace sixsteps::cli {
namespace {

using namespace identity_cmd;  // NOLINT: the command bodies, one file per resource

using IdentityCommand = Command<IdentityClient>;
using IdentityWord = CommandWord<iv1::IdentityService, IdentityClient>;

const ArgDecl kRegion = arg::String("REGION").Required();
const ArgDecl kPartnership = arg::String("PARTNERSHIP").Required();
const ArgDecl kUser = arg::String("USER|EMAIL").Required();
const ArgDecl kServiceAccount = arg::String("SERVICE_ACCOUNT").Required();

std::string RoleNotes() {
  return absl::StrCat(
      "PRINCIPAL is users/ID, serviceAccounts/ID or a user's email address (looked up among the\n"
      "users you administer). ROLE is one of:\n  ",
      EnumWords(iv1::Role_descriptor(), ", "),
      ".\n"
      "SCOPE is '*' (the whole deployment; hub administrators only), regions/REGION or\n"
      "partnerships/PARTNERSHIP. Partner respondents and action owners also name the\n"
      "organisation they act for: --org ORG (an organisation of the scope's partnership, or\n"
      "PARTNERSHIP/ORG). ROLE_BINDING is ID or roleBindings/ID.");
}

std::string OrgNotes() {
  return absl::StrCat("KIND is one of:\n  ", EnumWords(iv1::OrganisationKind_descriptor(), ", "),
                      ".\n--core marks one of the three core partners (local authority, health, "
                      "police).");
}

}  // namespace

std::vector<ServiceCommands> IdentityServiceCommands() {
  using namespace identity_cmd;  // NOLINT: the command bodies
  return {
      WordCommands(IdentityWord{
          .word = "login",
          .summary = "sign in (a user with --email, a service account with --api-key-file)",
          .commands = {{"",
                        "sixsteps login --email EMAIL | --api-key-file FILE",
                        {.flags = {arg::String("email").NonEmpty(), arg::File("api_key_file")},
                         .groups = {{FlagGroup::Rule::kAtMostOne,
                                     {"email", "api_key_file"},
                                     "give --email or --api-key-file, not both"}}},
                        Login}},
          .endpoint = "identity",
          .notes =
              "The password comes from $SIXSTEPS_PASSWORD, else is prompted for (no echo) on a\n"
              "terminal, else is the first line of standard input. The API key comes from the\n"
              "file's first line, else from $SIXSTEPS_API_KEY. The tokens are kept in\n"
              "$XDG_CONFIG_HOME/sixsteps/credentials.json (default\n"
              "~/.config/sixsteps/credentials.json, mode 0600); every later command uses them,\n"
              "renewing the access token when it is about to expire. $SIXSTEPS_TOKEN, when set,\n"
              "is used instead.",
          // It manages the stored sign-in itself.
          .authenticate = false}),
      WordCommands(IdentityWord{
          .word = "logout",
          .summary = "sign out: revoke the refresh token and delete the stored credentials",
          .commands = {{"", "sixsteps logout", {}, Logout}},
          .endpoint = "identity",
          // It manages the stored sign-in itself.
          .authenticate = false}),
      WordCommands(IdentityWord{.word = "whoami",
                                .summary = "who the CLI is signed in as, and their role bindings",
                                .commands = {{"", "sixsteps whoami", {}, WhoAmI}},
                                .endpoint = "identity"}),
      WordCommands(IdentityWord{
          .word = "token",
          .summary = "print the current access token (renewed first if it is about to expire)",
          .commands = {{"", "sixsteps token", {}, Token}},
          .endpoint = "identity",
          .notes = "For tools that speak HTTP, such as the reporting service's endpoint for "
                   "dashboards:\n"
                   "  curl -H \"Authorization: Bearer $(sixsteps token)\" \\\n"
                   "    'http://127.0.0.1:8084/v1/regions/REGION/overview?format=csv'\n"
                   "The token lasts at most 15 minutes; ask again for a fresh one. Keep it out of "
                   "logs."}),
      WordCommands(IdentityWord{
          .word = "region",
          .summary = "regional hubs: create, list, show",
          .commands =
              {{"create",
                "sixsteps region create ID --name NAME",
                {.positionals = {arg::String("ID").Required()},
                 .flags = {arg::String("name").Required()}},
                RegionCreate},
               {"list", "sixsteps region list", {}, RegionList},
               {"show", "sixsteps region show REGION", {.positionals = {kRegion}}, RegionShow}},
          .endpoint = "identity",
          .notes = "REGION is ID or regions/ID. Only deployment administrators create regions."}),
      WordCommands(IdentityWord{
          .word = "partnership",
          .summary = "safeguarding children partnerships: create, list, show, update",
          .commands =
              {{"create",
                "sixsteps partnership create ID --region REGION --name NAME [--opt-out true|false]",
                {.positionals = {arg::String("ID").Required()},
                 .flags = {arg::String("region").Required(), arg::String("name").Required(),
                           arg::Truth("opt_out")}},
                PartnershipCreate},
               {"list",
                "sixsteps partnership list [--region REGION]",
                {.flags = {arg::String("region")}},
                PartnershipList},
               {"show",
                "sixsteps partnership show PARTNERSHIP",
                {.positionals = {kPartnership}},
                PartnershipShow},
               {"update",
                "sixsteps partnership update PARTNERSHIP [--name NAME] [--opt-out true|false]",
                {.positionals = {kPartnership},
                 .flags = {arg::String("name"), arg::Truth("opt_out")},
                 .groups = {{FlagGroup::Rule::kAtLeastOne,
                             {"name", "opt_out"},
                             "nothing to change: give --name or --opt-out"}}},
                PartnershipUpdate}},
          .endpoint = "identity",
          .notes =
              "PARTNERSHIP is ID or partnerships/ID; REGION is ID or regions/ID. --opt-out true\n"
              "keeps the partnership's figures anonymous in regional comparisons."}),
      WordCommands(IdentityWord{
          .word = "org",
          .summary = "a partnership's partner agencies: add, list, show",
          .commands =
              {{"add",
                "sixsteps org add PARTNERSHIP ID --name NAME --kind KIND [--core]",
                {.positionals = {kPartnership, arg::String("ID").Required()},
                 .flags = {arg::String("name").Required(),
                           arg::Enum<iv1::OrganisationKind>("kind").Required(),
                           arg::Switch("core")}},
                OrgAdd},
               {"list", "sixsteps org list PARTNERSHIP", {.positionals = {kPartnership}}, OrgList},
               {"show",
                "sixsteps org show PARTNERSHIP/ID",
                {.positionals = {arg::String("PARTNERSHIP/ID").Required()}},
                OrgShow}},
          .endpoint = "identity",
          .more_notes = OrgNotes}),
      WordCommands(IdentityWord{
          .word = "user",
          .summary = "people who sign in with email and password: create, list, show, unlock",
          .commands =
              {{"create",
                "sixsteps user create --email EMAIL --name NAME",
                {.flags = {arg::String("email").Required(), arg::String("name").Required()}},
                UserCreate},
               {"list", "sixsteps user list", {}, UserList},
               {"show", "sixsteps user show USER|EMAIL", {.positionals = {kUser}}, UserShow},
               {"unlock", "sixsteps user unlock USER|EMAIL", {.positionals = {kUser}}, UserUnlock}},
          .endpoint = "identity",
          .notes =
              "The new user's password comes from $SIXSTEPS_NEW_USER_PASSWORD, else is prompted "
              "for\n"
              "on a terminal (twice), else is the first line of standard input; at least 12\n"
              "characters. USER is ID or users/ID; an email address works too. 'unlock' lifts the\n"
              "sign-in backoff that failed passwords put on the user's email address, for every\n"
              "client."}),
      WordCommands(IdentityWord{
          .word = "role",
          .summary = "role bindings, who may do what where: grant, revoke, list",
          .commands = {{"grant",
                        "sixsteps role grant PRINCIPAL ROLE SCOPE [--org ORGANISATION]",
                        {.positionals = {arg::String("PRINCIPAL").Required(),
                                         arg::Enum<iv1::Role>("ROLE").Required(),
                                         arg::String("SCOPE").Required()},
                         .flags = {arg::String("org")}},
                        RoleGrant},
                       {"revoke",
                        "sixsteps role revoke ROLE_BINDING",
                        {.positionals = {arg::String("ROLE_BINDING").Required()}},
                        RoleRevoke},
                       {"list",
                        "sixsteps role list [--principal PRINCIPAL] [--scope SCOPE]",
                        {.flags = {arg::String("principal"), arg::String("scope")}},
                        RoleList}},
          .endpoint = "identity",
          .more_notes = RoleNotes}),
      WordCommands(IdentityWord{
          .word = "serviceaccount",
          .summary = "integrators' non-human principals: create, list, show",
          .commands =
              {{"create",
                "sixsteps serviceaccount create --name NAME --owner regions/R|partnerships/P|'*'",
                {.flags = {arg::String("name").Required(), arg::String("owner").Required()}},
                ServiceAccountCreate},
               {"list", "sixsteps serviceaccount list", {}, ServiceAccountList},
               {"show",
                "sixsteps serviceaccount show SERVICE_ACCOUNT",
                {.positionals = {kServiceAccount}},
                ServiceAccountShow}},
          .endpoint = "identity",
          .notes = "SERVICE_ACCOUNT is ID or serviceAccounts/ID."}),
      WordCommands(IdentityWord{
          .word = "apikey",
          .summary = "API keys of service accounts: create, list, revoke",
          .commands =
              {{"create",
                "sixsteps apikey create SERVICE_ACCOUNT --name NAME [--expires-in 90d] [--out "
                "FILE]",
                {.positionals = {kServiceAccount},
                 // The identity service takes keys of at most 366 days (kMaxApiKeyLifetime).
                 .flags = {arg::String("name").Required(),
                           arg::Duration("expires_in", absl::Hours(24 * 366)), arg::File("out")}},
                ApiKeyCreate},
               {"list",
                "sixsteps apikey list SERVICE_ACCOUNT",
                {.positionals = {kServiceAccount}},
                ApiKeyList},
               {"revoke",
                "sixsteps apikey revoke SERVICE_ACCOUNT/KEY",
                {.positionals = {arg::String("SERVICE_ACCOUNT/KEY").Required()}},
                ApiKeyRevoke}},
          .endpoint = "identity",
          .notes =
              "The secret (ssk.<key id>.<secret>) is shown only once, at creation, or written to\n"
              "--out FILE (created with mode 0600). --expires-in takes 90d (default), 2w, 12h, "
              "30m;\n"
              "at most 366 days."}),
      WordCommands(IdentityWord{
          .word = "audit",
          .summary = "the audit log, newest first (hub administrators)",
          .commands = {{"list",
                        "sixsteps audit list [--region REGION] [--limit N]",
                        {.flags = {arg::String("region"),
                                   arg::Integer("limit", 1, "a whole number from 1 up")}},
                        AuditList}},
          .endpoint = "identity",
          .notes = "--limit defaults to 50."}),
      WordCommands(IdentityWord{
          .word = "key",
          .summary = "token signing keys: list (open to all), rotate (deployment administrators)",
          .commands = {{"list", "sixsteps key list", {}, KeyList},
                       {"rotate", "sixsteps key rotate", {}, KeyRotate}},
          .endpoint = "identity"})};
}

}  // namespace sixsteps::cli
