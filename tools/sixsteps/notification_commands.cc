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
#include "tools/sixsteps/list_up_to.h"
#include "tools/sixsteps/notification_preferences_commands.h"  // digest (H1)
#include "tools/sixsteps/rpc_client.h"
#include "tools/sixsteps/webhook_commands.h"  // webhooks (H1)

namespace sixsteps::cli {
namespace {

namespace nv1 = ::sixsteps::notification::v1;
using Stub = nv1::NotificationService::StubInterface;
using Client = RpcClient<Stub>;

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
  SIXSTEPS_ASSIGN_OR_RETURN(std::vector<nv1::OutboxMessage> messages,
                            ListUpTo(client, &Stub::ListOutboxMessages, request,
                                     &nv1::ListOutboxMessagesResponse::messages, limit));
  std::string text;
  if (messages.empty()) text = "No messages.\n";
  for (const nv1::OutboxMessage& m : messages) {
    absl::StrAppendFormat(&text, "%-20s %-8s %-20s %-28s %s\n", m.name(), WordOf(m.state()),
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
      absl::StrCat(m.name(), " (", WordOf(m.state()), ", rule ", m.rule(), ", ",
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
  return client.CallAndPrint(&Stub::GetRuleSettings, request, context, FormatSettings);
}

absl::Status RulesSet(const CheckedArgs& args, Client& client, const CommandContext& context) {
  nv1::UpdateRuleSettingsRequest request;
  SIXSTEPS_ASSIGN_OR_RETURN(*request.mutable_name(), SettingsName(args.Positional(0)));
  nv1::RuleSwitch& one = *request.add_rules();
  one.set_rule(std::string(args.Positional(1)));
  one.set_enabled(*args.Truth("the switch"));
  return client.CallAndPrint(&Stub::UpdateRuleSettings, request, context, FormatSettings);
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
                        arg::Truth("the switch").Required()}},
       RulesSet},
  };
  return *kCommands;
}

// The outbox and rules commands, then the webhooks' and the preferences'.
const std::vector<NotificationCommand>& AllCommands() {
  static const auto* const kAll = [] {
    auto* all = new std::vector<NotificationCommand>(Commands());
    for (const auto* more : {&WebhookCommands(), &PreferencesCommands()}) {
      all->insert(all->end(), more->begin(), more->end());
    }
    return all;
  }();
  return *kAll;
}

constexpr absl::string_view kUsage =
    "sixsteps notifications outbox|rules|webhooks|test|preferences COMMAND ...";

std::string NotificationHelp() {
  std::vector<absl::string_view> usages;
  for (const NotificationCommand& command : AllCommands()) usages.push_back(command.usage);
  return WordHelpText(
      kUsage,
      "Notices from the notification service. With no SMTP server configured every notice\n"
      "stays in its outbox, so a local hub shows exactly what would be sent.",
      usages,
      absl::StrCat(
          "outbox list shows the messages you may see (of the partnerships you administer, and\n"
          "your own), newest first; outbox show prints one with its text. rules show lists a\n"
          "partnership's rules, each on unless switched off; rules set switches one (partnership\n"
          "and hub administrators). P is ID or partnerships/ID.\n\n",
          kWebhookNotes, "\n\n", kPreferencesNotes),
      "notification");
}

}  // namespace

ServiceCommands NotificationServiceCommands() {
  return WordCommands(CommandWord<nv1::NotificationService, Client>{
      .word = "notifications",
      .summary = "notifications: the outbox (list, show), rule switches, webhooks, test notices "
                 "and your preferences",
      .commands = AllCommands(),
      .endpoint = "notification",
      .help = NotificationHelp,
      .usage = kUsage});
}

}  // namespace sixsteps::cli
