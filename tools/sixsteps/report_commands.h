// `sixsteps report ...`: the reporting service's reports through StreamReport (text to the
// terminal, or JSON, CSV, HTML, Markdown, XLSX, PDF, DOCX to a file), and its freshness;
// `sixsteps register ...`: a round's evidence register, engagement summary and
// audits-and-reviews summary, the same way.
#pragma once

#include "tools/sixsteps/command.h"

namespace sixsteps::cli {

// The dispatcher's entries for "report" and "register".
ServiceCommands ReportServiceCommands();
ServiceCommands RegisterServiceCommands();

}  // namespace sixsteps::cli
