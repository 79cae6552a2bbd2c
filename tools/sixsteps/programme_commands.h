// `sixsteps programme ...`: a partnership's programme of rounds (planned rounds that open
// by themselves) and respondents' response deadlines, on the ProgrammeService, which the
// assessment service serves (same address).
#pragma once

#include <string>

#include "tools/sixsteps/command.h"

namespace sixsteps::cli {

// The dispatcher's entry for "programme" (endpoint "assessment").
ServiceCommands ProgrammeServiceCommands();

}  // namespace sixsteps::cli
