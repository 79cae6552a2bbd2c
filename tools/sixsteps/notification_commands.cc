#include "tools/sixsteps/notification_commands.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "sixsteps/notification/v1/notification_service.grpc.pb.h"
#include "tools/sixsteps/identity_format.h"
#include "tools/sixsteps/identity_names.h"
#include "tools/sixsteps/notification_preferences_commands.h"  // digest (H1)
#include "tools/sixsteps/rpc_client.h"
#include "tools/sixsteps/webhook_commands.h"  // webhooks (H1)

namespace sixsteps::cli {
namespace {

namespace nv1 = ::sixsteps::notification::v1;
using Stub = nv1::NotificationService::StubInterface;
using Client = RpcClient<Stub>;

std::string StateWord(nv1::OutboxMessage::State state) {
  const std::string& full = nv1::OutboxMessage::State_Name(state);
  absl::string_view name = full;
  absl::ConsumePrefix(&name, "STATE_");
  return absl::AsciiStrToLower(name);
}

// "12" or "outboxMessages/12".
std::string MessageName(absl::string_view argument) {
  return absl::StartsWith(argument, "outboxMessages/") ? std::string(argument)
                                                       : absl::StrCat("outboxMessages/", argument);
}

absl::StatusOr<std::string> SettingsName(absl::string_view partnership) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string name, ExpandPartnershipName(partnership));
  return absl::StrCat(name, "/ruleSettings");
}

absl::Status OutboxList(const CheckedArgs& args, Client& client, const CommandContext& context) {
  nv1::ListOutboxMessagesRequest request;
  if (std::optional<std::string> partnership = args.Optional("partnership")) {
    SIXSTEPS_ASSIGN_OR_RETURN(*request.mutable_partnership(), ExpandPartnershipName(*partnership));
  }
  const int limit = args.Position("limit").value_or(50);
  request.set_page_size(std::min(limit, 500));
  std::vector<nv1::OutboxMessage> messages;
  SIXSTEPS_RETURN_IF_ERROR(client.ForEachPage(
      &Stub::ListOutboxMessages, request, [&](const nv1::ListOutboxMessagesResponse& page) {
        for (const nv1::OutboxMessage& m : page.messages()) {
          if (static_cast<int>(messages.size()) >= limit) return false;
          messages.push_back(m);
        }
        return static_cast<int>(messages.size()) < limit;
      }));
  std::string text;
  if (messages.empty()) text = "No messages.\n";
  for (const nv1::OutboxMessage& m : messages) {
    absl::StrAppendFormat(&text, "%-20s %-8s %-20s %-28s %s\n", m.name(), StateWord(m.state()),
                          m.rule(), m.recipient_email(), m.subject());
  }
  return PrintMessage(Collect(messages, &nv1::ListOutboxMessagesResponse::mutable_messages), text,
                      context);
}

absl::Status OutboxShow(const CheckedArgs& args, Client& client, const CommandContext& context) {
  nv1::GetOutboxMessageRequest request;
  request.set_name(MessageName(args.Positional(0)));
  SIXSTEPS_ASSIGN_OR_RETURN(nv1::OutboxMessage m, client.Call(&Stub::GetOutboxMessage, request));
  std::string text =
      absl::StrCat(m.name(), " (", StateWord(m.state()), ", rule ", m.rule(), ", ",
                   FormatTime(m.create_time()), ")\nTo: ", m.recipient_display_name(), " <",
                   m.recipient_email(), "> (", m.recipient(), ")\nSubject: ", m.subject(),
                   "\nAbout: ", m.about(), " in ", m.partnership(), "\n\n", m.text_body());
  if (!m.last_error().empty()) absl::StrAppend(&text, "\nLast error: ", m.last_error(), "\n");
  return PrintMessage(m, text, context);
}

std::string FormatSettings(const nv1::RuleSettings& settings) {
  std::string text = absl::StrCat(settings.name(), "\n");
  for (const nv1::RuleSwitch& rule : settings.rules()) {
    absl::StrAppendFormat(&text, "  %-20s %-3s %s\n", rule.rule(), rule.enabled() ? "on" : "off",
                          rule.description());
  }
  return text;
}

absl::Status RulesShow(const CheckedArgs& args, Client& client, const CommandContext& context) {
  nv1::GetRuleSettingsRequest request;
  SIXSTEPS_ASSIGN_OR_RETURN(*request.mutable_name(), SettingsName(args.Positional(0)));
  SIXSTEPS_ASSIGN_OR_RETURN(nv1::RuleSettings settings,
                            client.Call(&Stub::GetRuleSettings, request));
  return PrintMessage(settings, FormatSettings(settings), context);
}

absl::Status RulesSet(const CheckedArgs& args, Client& client, const CommandContext& context) {
  if (args.Positional(2) != "on" && args.Positional(2) != "off") {
    return UsageError(absl::StrCat("say on or off, not '", args.Positional(2), "'"));
  }
  nv1::UpdateRuleSettingsRequest request;
  SIXSTEPS_ASSIGN_OR_RETURN(*request.mutable_name(), SettingsName(args.Positional(0)));
  nv1::RuleSwitch& one = *request.add_rules();
  one.set_rule(std::string(args.Positional(1)));
  one.set_enabled(args.Positional(2) == "on");
  SIXSTEPS_ASSIGN_OR_RETURN(nv1::RuleSettings settings,
                            client.Call(&Stub::UpdateRuleSettings, request));
  return PrintMessage(settings, FormatSettings(settings), context);
}

using NotificationCommand = Command<Client>;

const std::vector<NotificationCommand>& Commands() {
  static const auto* const kCommands = new std::vector<NotificationCommand>{
      {"outbox list",
       "sixsteps notifications outbox list [--partnership P] [--limit N]",
       {.flags = {arg::String("partnership"), arg::Integer("limit", 1, "a count of messages")}},
       OutboxList},
      {"outbox show",
       "sixsteps notifications outbox show ID",
       {.positionals = {arg::String("ID").Required()}},
       OutboxShow},
      {"rules show",
       "sixsteps notifications rules show P",
       {.positionals = {arg::String("P").Required()}},
       RulesShow},
      {"rules set",
       "sixsteps notifications rules set P RULE on|off",
       {.positionals = {arg::String("P").Required(), arg::String("RULE").Required(),
                        arg::String("on|off").Required()}},
       RulesSet},
  };
  return *kCommands;
}

constexpr absl::string_view kUsage =
    "sixsteps notifications outbox|rules|webhooks|test|preferences COMMAND ...";

absl::Status Run(const ParsedArgs& args, std::shared_ptr<grpc::ChannelInterface> channel,
                 const CommandContext& context) {
  if (args.positionals().empty()) {
    return UsageError("missing command (see 'sixsteps notifications help')", kUsage);
  }
  absl::string_view word = args.Positional(0);
  if (word == "help" || args.Has("help")) {
    *context.out << NotificationHelp();
    return absl::OkStatus();
  }
  std::string name =
      args.positionals().size() > 1 ? absl::StrCat(word, " ", args.Positional(1)) : std::string();
  if (const NotificationCommand* command = FindCommand(Commands(), name)) {
    std::unique_ptr<Stub> stub = nv1::NotificationService::NewStub(std::move(channel));
    Client client(*stub, context.call);
    return RunCommand(*command, args.WithoutLeadingPositionals(2), client, context);
  }
  // ---- webhooks (H1): webhooks ... and test ... (webhook_commands.cc) ----
  if (const NotificationCommand* command = FindCommand(WebhookCommands(), name)) {
    std::unique_ptr<Stub> stub = nv1::NotificationService::NewStub(std::move(channel));
    Client client(*stub, context.call);
    return RunCommand(*command, args.WithoutLeadingPositionals(2), client, context);
  }
  // ---- digest (H1): preferences ... (notification_preferences_commands.cc) ----
  if (const NotificationCommand* command = FindCommand(PreferencesCommands(), name)) {
    std::unique_ptr<Stub> stub = nv1::NotificationService::NewStub(std::move(channel));
    Client client(*stub, context.call);
    return RunCommand(*command, args.WithoutLeadingPositionals(2), client, context);
  }
  return UsageError(absl::StrCat("unknown notifications command '", name.empty() ? word : name,
                                 "' (see 'sixsteps notifications help')"),
                    kUsage);
}

}  // namespace

std::string NotificationHelp() {
  std::string help = absl::StrCat(
      "usage: ", kUsage,
      "\n\nNotices from the notification service. With no SMTP server configured every notice\n"
      "stays in its outbox, so a local hub shows exactly what would be sent.\n\nCommands:\n");
  for (const NotificationCommand& command : Commands()) {
    absl::StrAppend(&help, "  ", command.usage, "\n");
  }
  absl::StrAppend(&help, WebhookHelp());      // webhooks (H1)
  absl::StrAppend(&help, PreferencesHelp());  // digest (H1)
  absl::StrAppend(
      &help,
      "\noutbox list shows the messages you may see (of the partnerships you administer, and\n"
      "your own), newest first; outbox show prints one with its text. rules show lists a\n"
      "partnership's rules, each on unless switched off; rules set switches one (partnership\n"
      "and hub administrators). P is ID or partnerships/ID.\n\n"
      "Every command goes to the notification service (--notification_address, else\n"
      "$SIXSTEPS_NOTIFICATION_ADDRESS, else 127.0.0.1:50055).\n"
      "Global options: ",
      kGlobalOptionsUsage, "\n");
  return help;
}

ServiceCommands NotificationServiceCommands() {
  return ServiceCommands{
      .service = "notifications",
      .summary =
          "notifications: the outbox (list, show), rule switches, webhooks, test notices "
          "and your preferences",
      .help = NotificationHelp,
      .run = Run,
      .endpoint = "notification",
  };
}

}  // namespace sixsteps::cli
