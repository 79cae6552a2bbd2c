// `sixsteps assessment ...`: scrutiny rounds on the assessment service (respondents, ratings,
// the CSV import, consolidation, challenges, context answers, the lifecycle, history, the
// grid and the change feed).
#pragma once

#include <string>

#include "tools/sixsteps/command.h"

namespace sixsteps::cli {

// The text of `sixsteps assessment help`.
std::string AssessmentHelp();

// The dispatcher's entry for "assessment".
ServiceCommands AssessmentServiceCommands();

}  // namespace sixsteps::cli
