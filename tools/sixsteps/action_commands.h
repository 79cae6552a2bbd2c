// `sixsteps action ...`: action plans on the ActionService, which the assessment service
// serves (same address).
#pragma once

#include "tools/sixsteps/command.h"

namespace sixsteps::cli {

// The dispatcher's entry for "action" (endpoint "assessment").
ServiceCommands ActionServiceCommands();

}  // namespace sixsteps::cli
