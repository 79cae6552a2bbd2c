// What the dispatcher knows about a service's commands. Each service's commands live in
// their own file (framework_commands.cc, identity_commands.cc, ...) and describe themselves
// with ServiceCommands values (one per top-level word) that dispatcher.cc lists.
#pragma once

#include <functional>
#include <istream>
#include <memory>
#include <ostream>
#include <string>

#include <grpcpp/impl/codegen/channel_interface.h>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "tools/sixsteps/args.h"
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

}  // namespace sixsteps::cli
