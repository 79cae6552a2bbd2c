// `sixsteps scrutiny-report ...` (the scrutineer's report of a round, its check by the
// partners, versions and recommendations accepted as actions), `sixsteps concerns ...`
// (partners' concerns about the scrutiny) and `sixsteps annual-draft ...` (the annual
// report's drafts for the scrutineer's comments), all on the ScrutinyReportService that
// the assessment service serves (same address).
#pragma once

#include <string>

#include "sixsteps/assessment/v1/scrutiny_report.pb.h"
#include "tools/sixsteps/command.h"

namespace sixsteps::cli {

// The dispatcher's entries (endpoint "assessment").
ServiceCommands ScrutinyReportServiceCommands();
ServiceCommands ConcernsServiceCommands();
ServiceCommands AnnualDraftServiceCommands();

// The report as text: version, state, summary, findings, recommendations with their
// actions, the partners' answers and their resolutions.
std::string FormatScrutinyReport(const sixsteps::assessment::v1::ScrutinyReport& report);

}  // namespace sixsteps::cli
