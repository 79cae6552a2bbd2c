// What the dispatcher knows about a service's commands. Each service's commands live in
// their own file (framework_commands.cc, retention_commands.cc, ...): a table of Command
// rows (name, usage line, declared arguments, body) per top-level word, described by a
// CommandWord and turned into the dispatcher's entry (ServiceCommands) by WordCommands, the
// one dispatch, help and refusal every word shares.
#pragma once

#include <algorithm>
#include <functional>
#include <istream>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include <grpcpp/impl/codegen/channel_interface.h>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "tools/sixsteps/arg_spec.h"
#include "tools/sixsteps/args.h"
#include "tools/sixsteps/cli_status.h"
#include "tools/sixsteps/options.h"

namespace sixsteps::cli {

struct Session;

// What a command needs besides its arguments and its service's channel.
struct CommandContext {
  OutputFormat output = OutputFormat::kText;
  CallSettings call;
  // Where results go; errors are returned, not printed.
  std::ostream* out = nullptr;
  // Where prompts and warnings go (never results).
  std::ostream* err = nullptr;
  // The environment (passwords, API keys) and standard input (passwords).
  const Environment* env = nullptr;
  std::istream* in = nullptr;
  // True when `in` is a terminal: passwords are then prompted for without echo.
  bool in_is_terminal = false;
  // True when `out` is a terminal: colours may be used, binary output is refused.
  bool out_is_terminal = false;
  // A channel to another service, by its kServiceEndpoints key ("framework"), for commands
  // that need a second service (the grid reads the framework version). Null in tests that
  // do not set it.
  std::function<std::shared_ptr<grpc::ChannelInterface>(absl::string_view service)> channel_for;
  // The caller's stored sign-in (see session.h); login, logout and whoami change or read it.
  Session* session = nullptr;
};

struct ServiceCommands {
  // The word on the command line ("framework"); also the key of the service's address in
  // kServiceEndpoints.
  absl::string_view service;
  // One line for `sixsteps help`.
  absl::string_view summary;
  // The help text of `sixsteps <service> help`.
  std::function<std::string()> help;
  // Runs a command. `args` starts with the command word (the service word removed) and
  // holds no global options. Usage errors should carry the command's usage line.
  std::function<absl::Status(const ParsedArgs& args,
                             std::shared_ptr<grpc::ChannelInterface> channel,
                             const CommandContext& context)>
      run;
  // The kServiceEndpoints key of the service the channel goes to; empty means `service`
  // (the identity commands are several words: "region", "user", "login", ...).
  absl::string_view endpoint = {};
  // Whether the dispatcher attaches the stored access token (refreshing it first if it is
  // about to expire). login and logout handle the stored sign-in themselves.
  bool authenticate = true;
};

// One command of a service's table: its name ("create", or "challenge raise"), its usage
// line, what it declares about its arguments, and its body, which receives them checked and
// the service's client (an RpcClient, see rpc_client.h).
template <typename Client>
struct Command {
  absl::string_view name;
  absl::string_view usage;
  ArgSpec args;
  absl::Status (*run)(const CheckedArgs& args, Client& client, const CommandContext& context);
};

// The command of `table` called `name`, or null.
template <typename Client>
const Command<Client>* FindCommand(const std::vector<Command<Client>>& table,
                                   absl::string_view name) {
  for (const Command<Client>& command : table) {
    if (command.name == name) return &command;
  }
  return nullptr;
}

// Checks `args` (the words after the command's name) against the command's declaration, then
// runs it; a usage error, from the check or the body, carries the command's usage line.
template <typename Client>
absl::Status RunCommand(const Command<Client>& command, const ParsedArgs& args, Client& client,
                        const CommandContext& context) {
  absl::StatusOr<CheckedArgs> checked = CheckArgs(command.args, args);
  if (!checked.ok()) return WithUsage(checked.status(), command.usage);
  return WithUsage(command.run(*checked, client, context), command.usage);
}

// A top-level word and its table ("retention", "legal-hold", "report", "login"), turned into
// the dispatcher's entry by WordCommands:
//
//   WordCommands(CommandWord<v1::RetentionService, RpcClient<Stub>>{
//       .word = "retention", .summary = "...", .commands = PolicyCommands(),
//       .endpoint = "assessment", .about = "..."})
//
// `Service` is the generated gRPC service whose NewStub makes the stub; `Client` (an
// RpcClient, see rpc_client.h) is built from the stub, the call settings and the channel.
template <typename Service, typename Client>
struct CommandWord {
  // The word on the command line, and its line in `sixsteps help`.
  absl::string_view word;
  absl::string_view summary;
  // Its commands. A command's name is one word ("create") or two ("challenge raise"); a
  // table of one command without a name is the word itself (`sixsteps login ...`).
  std::vector<Command<Client>> commands;
  // The kServiceEndpoints key of the service ("assessment"); empty means `word`.
  absl::string_view endpoint = {};
  // What `sixsteps WORD help` says before the commands' usage lines and after them.
  absl::string_view about = {};
  absl::string_view notes = {};
  // Notes made when asked (the words of an enum), after `notes`.
  std::string (*more_notes)() = nullptr;
  // Instead of the help made from the above, when a word's help needs more (framework).
  std::string (*help)() = nullptr;
  // What the word after this one names, in messages ("missing report").
  absl::string_view noun = "command";
  // The word's usage line; empty means "sixsteps WORD COMMAND [ARGS...]".
  absl::string_view usage = {};
  // Whether the dispatcher attaches the stored access token (see ServiceCommands).
  bool authenticate = true;

  // A table of one command without a name: the word is the command.
  bool single() const { return commands.size() == 1 && commands.front().name.empty(); }
};

// The usage line of `word` when its CommandWord gives none.
std::string DefaultWordUsage(absl::string_view word, bool single);

// The help of a word: "usage: ...", `about`, the commands' usage lines, `notes`, the
// service the commands go to (`endpoint`), and the global options.
std::string WordHelpText(absl::string_view usage, absl::string_view about,
                         const std::vector<absl::string_view>& command_usages,
                         absl::string_view notes, absl::string_view endpoint);

// The usage errors of a word: no command given, or none of its table's.
absl::Status MissingCommand(absl::string_view word, absl::string_view noun,
                            absl::string_view usage);
absl::Status UnknownCommand(absl::string_view word, absl::string_view noun, absl::string_view name,
                            absl::string_view usage);

template <typename Service, typename Client>
std::string WordUsage(const CommandWord<Service, Client>& word) {
  return word.usage.empty() ? DefaultWordUsage(word.word, word.single()) : std::string(word.usage);
}

template <typename Service, typename Client>
std::string WordHelp(const CommandWord<Service, Client>& word) {
  if (word.help != nullptr) return word.help();
  std::vector<absl::string_view> usages;
  for (const Command<Client>& command : word.commands) usages.push_back(command.usage);
  const std::string notes =
      word.more_notes == nullptr
          ? std::string(word.notes)
          : absl::StrCat(word.notes, word.notes.empty() ? "" : "\n", word.more_notes());
  return WordHelpText(WordUsage(word), word.about, usages, notes,
                      word.endpoint.empty() ? word.word : word.endpoint);
}

// Runs the command of `word`'s table that `args` names (after the word): finds it by one
// word or two, checks its arguments against its declaration, and calls it with a client of
// the word's service on `channel`. `sixsteps WORD help` and --help print the word's help.
template <typename Service, typename Client>
absl::Status RunWord(const CommandWord<Service, Client>& word, const ParsedArgs& args,
                     std::shared_ptr<grpc::ChannelInterface> channel,
                     const CommandContext& context) {
  const std::vector<Command<Client>>& commands = word.commands;
  const bool single = word.single();
  if (args.Has("help") || (!single && args.Positional(0) == "help")) {
    *context.out << WordHelp(word);
    return absl::OkStatus();
  }
  const Command<Client>* command = single ? &commands.front() : nullptr;
  size_t name_words = 0;
  if (!single) {
    if (args.positionals().empty()) return MissingCommand(word.word, word.noun, WordUsage(word));
    const std::string two = absl::StrCat(args.Positional(0), " ", args.Positional(1));
    if ((command = FindCommand(commands, two)) != nullptr) {
      name_words = 2;
    } else if ((command = FindCommand(commands, args.Positional(0))) != nullptr) {
      name_words = 1;
    } else {
      // Name both words when the first begins a two-word name ("outbox frob").
      const bool group = std::any_of(commands.begin(), commands.end(), [&](const auto& c) {
        return absl::StartsWith(c.name, absl::StrCat(args.Positional(0), " "));
      });
      const absl::string_view name =
          group && args.positionals().size() > 1 ? absl::string_view(two) : args.Positional(0);
      return UnknownCommand(word.word, word.noun, name, WordUsage(word));
    }
  }
  auto stub = Service::NewStub(channel);
  Client client(*stub, context.call, channel);
  return RunCommand(*command, args.WithoutLeadingPositionals(name_words), client, context);
}

// The dispatcher's entry for `word`, which it keeps.
template <typename Service, typename Client>
ServiceCommands WordCommands(CommandWord<Service, Client> word) {
  auto kept = std::make_shared<const CommandWord<Service, Client>>(std::move(word));
  return ServiceCommands{
      .service = kept->word,
      .summary = kept->summary,
      .help = [kept] { return WordHelp(*kept); },
      .run =
          [kept](const ParsedArgs& args, std::shared_ptr<grpc::ChannelInterface> channel,
                 const CommandContext& context) {
            return RunWord(*kept, args, std::move(channel), context);
          },
      .endpoint = kept->endpoint,
      .authenticate = kept->authenticate};
}

}  // namespace sixsteps::cli
