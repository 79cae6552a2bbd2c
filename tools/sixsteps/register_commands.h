// `sixsteps register ...` (issue 16, H5): a round's evidence register, engagement summary
// and audits-and-reviews summary from the reporting service, as JSON, PDF or DOCX.
#pragma once

#include <string>

#include "tools/sixsteps/command.h"

namespace sixsteps::cli {

// The text of `sixsteps register help`.
std::string RegisterHelp();

// The dispatcher's entry for "register".
ServiceCommands RegisterServiceCommands();

}  // namespace sixsteps::cli
