#include "tools/sixsteps/identity_commands.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "tools/sixsteps/cli_status.h"
#include "tools/sixsteps/identity_command_parts.h"
#include "tools/sixsteps/identity_names.h"

namespace sixsteps::cli {
namespace {

using namespace identity_cmd;  // NOLINT: the command bodies, one file per resource

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
