// The named load scenarios and the ceilings they are compared with. Each returns one row
// of the benchmark's table.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "bench/hub_client.h"
#include "bench/load.h"
#include "bench/seed.h"

namespace sixsteps::bench {

struct ScenarioResult {
  std::string name;
  RunResult run;
  // The row of the ceiling this scenario is compared with ("" for none).
  std::string ceiling;
  // The row of the bare ceiling (no hub code at all) it is compared with ("" for none).
  std::string bare_ceiling;
  std::string note;
};

struct ScenarioContext {
  HubAddresses addresses;
  std::string region;  // "regions/…"
  std::vector<SeededPartnership> partnerships;
  TokenSource* admin = nullptr;        // the deployment's hub administrator
  TokenSource* integration = nullptr;  // an integration of the region (writes answers)
  TokenSource* dashboard = nullptr;    // a dashboard of the region (reads reports)
  // The assessment service's database, for the database ceiling (as its own role).
  std::string assessment_database_url;
  int db_pool_size = 8;
  uint64_t seed = 1;
};

// The echo and bare-insert ceilings are in bench/scenarios_ceilings.h.
// The hottest write: upsert one response with evidence (each slot its own response).
absl::StatusOr<ScenarioResult> RunUpsert(const ScenarioContext& context, const RunOptions& options);
// Ceiling: the same SQL in the same transaction shape, straight through libpqxx (the
// assessment service's storage layer, with no gRPC, auth or validation in front of it).
absl::StatusOr<ScenarioResult> RunUpsertSql(const ScenarioContext& context,
                                            const RunOptions& options, int batch_size);
// 24 responses of one respondent in one call.
absl::StatusOr<ScenarioResult> RunBatchUpsert(const ScenarioContext& context,
                                              const RunOptions& options);
// Every finalised round of the data set's partnerships.
std::vector<std::string> FinalisedRoundsOf(const ScenarioContext& context);
// Reads: a finalised round's assessment report (parsed into its message by the client, as a
// dashboard would; RunAssessmentReport in bench/scenarios_reads.h reads the same calls as
// bytes), the region's overview, a partnership's action tracker.
absl::StatusOr<ScenarioResult> RunAssessmentReportParsed(const ScenarioContext& context,
                                                         const RunOptions& options);
// The assessment report and the annual report section of a random finalised round as PDF
// (ExportReport), for the document budgets (p95 150 ms and 400 ms at concurrency 1).
absl::StatusOr<ScenarioResult> RunAssessmentPdf(const ScenarioContext& context,
                                                const RunOptions& options);
absl::StatusOr<ScenarioResult> RunAnnualPdf(const ScenarioContext& context,
                                            const RunOptions& options);
absl::StatusOr<ScenarioResult> RunRegionalOverview(const ScenarioContext& context,
                                                   const RunOptions& options);
absl::StatusOr<ScenarioResult> RunActionTracker(const ScenarioContext& context,
                                                const RunOptions& options);
// Feed lag: single-response writes paced at options.max_rate, while a probe measures the
// time from an acknowledged write to a report that reflects it. The result's latency is
// the lag; the writes' own figures are in `writes`.
struct FeedLagResult {
  ScenarioResult lag;
  ScenarioResult writes;
};
absl::StatusOr<FeedLagResult> RunFeedLag(const ScenarioContext& context, const RunOptions& options);

// How many partnerships the region's overview covers now: all the region holds, which in a
// rerun can be more than the size being measured.
absl::StatusOr<int> RegionSize(const ScenarioContext& context);

// Waits until the reporting read model has caught up with the assessment feed's head.
absl::Status WaitForReports(const ScenarioContext& context, absl::Duration timeout);

}  // namespace sixsteps::bench
