// What the dispatcher knows about a service's commands. Each service's commands live in
// their own file (framework_commands.cc, identity_commands.cc, ...) and describe themselves
// with ServiceCommands values (one per top-level word) that dispatcher.cc lists.
#pragma once

#include <functional>
#include <istream>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include <grpcpp/impl/codegen/channel_interface.h>

#include "absl/status/status.h"
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
  std::string (*help)();
  // Runs a command. `args` starts with the command word (the service word removed) and
  // holds no global options. Usage errors should carry the command's usage line.
  absl::Status (*run)(const ParsedArgs& args, std::shared_ptr<grpc::ChannelInterface> channel,
                      const CommandContext& context);
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

}  // namespace sixsteps::cli
