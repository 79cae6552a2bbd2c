// `sixsteps framework ...`: the commands of the framework service.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "sixsteps/framework/v1/framework_service.grpc.pb.h"
#include "tools/sixsteps/args.h"
#include "tools/sixsteps/command.h"

namespace sixsteps::cli {

// Runs one framework command against `stub`. `args` starts with the command word ("list",
// "show", "edit", ...) and holds no global options (see ExtractGlobalOptions). Results go to
// context.out as text or JSON; failures are returned: a usage error (with the command's
// usage line), a local file error, or the status of the failed call.
absl::Status RunFrameworkCommand(const ParsedArgs& args,
                                 sixsteps::framework::v1::FrameworkService::StubInterface& stub,
                                 const CommandContext& context);

// The text of `sixsteps framework help`.
std::string FrameworkHelp();

// The framework service's entry for the dispatcher.
ServiceCommands FrameworkServiceCommands();

}  // namespace sixsteps::cli
