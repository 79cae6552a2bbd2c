// `sixsteps engagement|case-audit|learning-review ...`: a round's engagement records,
// multi-agency case audits and learning reviews on the VoiceService, which the assessment
// service serves (same address).
#pragma once

#include <string>
#include <vector>

#include "tools/sixsteps/command.h"

namespace sixsteps::cli {

// The dispatcher's entries for "engagement", "case-audit" and "learning-review" (endpoint
// "assessment").
std::vector<ServiceCommands> VoiceServiceCommands();

}  // namespace sixsteps::cli
