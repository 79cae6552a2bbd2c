// `sixsteps assessment ...`: scrutiny rounds on the assessment service (respondents, ratings,
// the CSV import, consolidation, challenges, context answers, the lifecycle, history, the
// grid and the change feed).
#pragma once

#include "tools/sixsteps/command.h"

namespace sixsteps::cli {

// The dispatcher's entry for "assessment".
ServiceCommands AssessmentServiceCommands();

}  // namespace sixsteps::cli
