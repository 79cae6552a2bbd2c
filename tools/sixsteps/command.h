// What the dispatcher knows about a service's commands. Each service's commands live in
// their own file (framework_commands.cc, later identity_commands.cc, ...) and describe
// themselves with one ServiceCommands value that dispatcher.cc lists.
#pragma once

#include <memory>
#include <ostream>
#include <string>

#include <grpcpp/impl/codegen/channel_interface.h>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "tools/sixsteps/args.h"
#include "tools/sixsteps/options.h"

namespace sixsteps::cli {

// What a command needs besides its arguments and its service's channel.
struct CommandContext {
  OutputFormat output = OutputFormat::kText;
  CallSettings call;
  // Where results go; errors are returned, not printed.
  std::ostream* out = nullptr;
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
};

}  // namespace sixsteps::cli
