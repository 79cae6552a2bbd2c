// The assessment report's throughput read as the bytes gRPC delivers (issue 18, Reads): on a
// two-core machine the benchmark's own client shares the CPU with the hub, and parsing a
// 17.6 KB report per call made the client's share large enough to set the pace. The
// parsed read (RunAssessmentReportParsed in bench/scenarios.h) stays, as what a dashboard
// that parses each report gets.
#pragma once

#include "absl/status/statusor.h"
#include "bench/scenarios.h"

namespace sixsteps::bench {

// A smaller reply is not a finalised round's report (one is about 17 KB): the call fails.
inline constexpr size_t kMinReportBytes = 4096;
// Every this many calls of a slot (and its first), the reply is parsed and must name the
// round asked for.
inline constexpr int kReportParsedEvery = 64;

// GetAssessmentReport of a random finalised round through a generic stub: the reply is
// kept as the bytes received and only its size is checked, except on the sample above.
absl::StatusOr<ScenarioResult> RunAssessmentReport(const ScenarioContext& context,
                                                   const RunOptions& options);

}  // namespace sixsteps::bench
