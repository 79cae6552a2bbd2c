// `sixsteps action ...`: action plans on the ActionService, which the assessment service
// serves (same address).
#pragma once

#include <string>

#include "tools/sixsteps/command.h"

namespace sixsteps::cli {

// The text of `sixsteps action help`.
std::string ActionHelp();

// The dispatcher's entry for "action" (endpoint "assessment").
ServiceCommands ActionServiceCommands();

}  // namespace sixsteps::cli
