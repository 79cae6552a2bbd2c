// `sixsteps framework ...`: the commands of the framework service.
#pragma once

#include <string>

#include "tools/sixsteps/command.h"

namespace sixsteps::cli {

// The text of `sixsteps framework help`.
std::string FrameworkHelp();

// The framework service's entry for the dispatcher.
ServiceCommands FrameworkServiceCommands();

}  // namespace sixsteps::cli
