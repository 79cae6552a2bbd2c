// The top of the CLI: global options, then the service word, then that service's commands.
#pragma once

#include <functional>
#include <istream>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include <grpcpp/impl/codegen/channel_interface.h>

#include "tools/sixsteps/command.h"
#include "tools/sixsteps/options.h"

namespace sixsteps::cli {

// Opens a channel to a service's address. The real CLI uses insecure channels; a test can
// hand back a server's in-process channel instead.
using ChannelFactory =
    std::function<std::shared_ptr<grpc::ChannelInterface>(const std::string& address)>;
ChannelFactory InsecureChannelFactory();

// Every service the CLI has commands for, in help order. One line per service.
const std::vector<ServiceCommands>& AllServiceCommands();

// The text of `sixsteps help`.
std::string TopLevelHelp();

// Runs the CLI on `words` (argv without the program name) and returns the exit status:
// 0 on success, the gRPC code (1..16) of a failed call, 64 for a usage error, 65/66/73 for
// an unreadable or unwritable file. Results go to `out`; errors to `err`.
//
// The stored sign-in (session.h) is read from the credentials file that `env` points at
// (XDG_CONFIG_HOME or HOME); with neither set, nothing is read or stored. Passwords are read
// from `in` (prompted for without echo when `in_is_terminal`); this overload has no input.
// `out_is_terminal` allows colours (unless $NO_COLOR) and makes binary output refuse.
int RunCli(const std::vector<std::string>& words, const Environment& env,
           const ChannelFactory& channels, std::ostream& out, std::ostream& err);
int RunCli(const std::vector<std::string>& words, const Environment& env,
           const ChannelFactory& channels, std::ostream& out, std::ostream& err, std::istream& in,
           bool in_is_terminal, bool out_is_terminal = false);

// main(): RunCli with the process environment, insecure channels, stdout and stderr.
int Main(int argc, char** argv);

}  // namespace sixsteps::cli
