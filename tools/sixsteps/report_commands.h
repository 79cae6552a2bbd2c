// `sixsteps report ...`: the reporting service's reports through ExportReport (text to the
// terminal, or JSON, CSV, HTML, Markdown, XLSX to a file), and its freshness.
#pragma once

#include <string>

#include "tools/sixsteps/command.h"

namespace sixsteps::cli {

// The text of `sixsteps report help`.
std::string ReportHelp();

// The dispatcher's entry for "report".
ServiceCommands ReportServiceCommands();

}  // namespace sixsteps::cli
