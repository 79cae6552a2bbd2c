// sixsteps-bench: loads a regional data set into a running hub through its public APIs,
// drives the named scenarios and the machine's ceilings, and prints the figures as
// Markdown tables. scripts/bench starts the local hub and runs this with its settings;
// docs/benchmarks.md has the latest table and what each figure means.
#include <algorithm>
#include <atomic>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <thread>

#include <unistd.h>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "bench/cpu_usage.h"  // CPU per write (H6)
#include "bench/report.h"
#include "bench/scenarios.h"
#include "bench/scenarios_ceilings.h"
#include "bench/scenarios_evidence.h"  // evidence files (H2)
#include "bench/scenarios_reads.h"     // the report read as bytes (issue 18, reads)
#include "bench/scenarios_webhooks.h"  // webhooks (H1)
#include "bench/seed.h"
#include "services/common/log.h"
#include "services/common/status.h"

ABSL_FLAG(std::string, identity, "127.0.0.1:50052", "identity service address");
ABSL_FLAG(std::string, assessment, "127.0.0.1:50053", "assessment service address");
ABSL_FLAG(std::string, reporting, "127.0.0.1:50054", "reporting service address");
ABSL_FLAG(std::string, admin_email, "admin@hub.localhost", "a deployment hub administrator");
ABSL_FLAG(std::string, admin_password_file, "", "file holding that administrator's password");
ABSL_FLAG(std::string, assessment_database_url, "",
          "libpq connection string of the assessment database, for the SQL ceiling");
ABSL_FLAG(int, db_pool_size, 8, "connections of the SQL ceiling's pool (as the service's)");
ABSL_FLAG(std::string, region, "bench",
          "id of the benchmark's region; with more than one region (--regions, --scaling), the "
          "start of their ids: <region>-s<seed>-n<count>-r<k>");
ABSL_FLAG(int, regions, 1,
          "regions the partnerships are dealt over, round-robin; the scenarios and the overview "
          "run in the first (1: the region --region, as every earlier run)");
ABSL_FLAG(bool, scaling, false,
          "only how each read's latency grows with the data set: every layout of "
          "--scaling_regions grown through --sizes (each size in every layout before the next "
          "size), the reads at concurrency 1 after each growth; no other scenario, ceiling or "
          "memory figure (scripts/bench --scaling: 150,500,1000,3000)");
ABSL_FLAG(std::string, scaling_regions, "1,10",
          "with --scaling: the layouts, as counts of regions (a layout of one region is "
          "<region>-s<seed>-n1-r1, not --region)");
ABSL_FLAG(uint64_t, seed, 42, "seed of the data set");
ABSL_FLAG(std::string, sizes, "150,500,1000",
          "partnership counts to measure at, ascending; the full scenario set runs at the first");
ABSL_FLAG(bool, generate_only, false,
          "only write the data set (each size in turn), measure nothing");
ABSL_FLAG(int, seed_threads, 8, "partnerships written at once by the generator");
ABSL_FLAG(int, concurrency, 16, "calls in flight in each scenario");
ABSL_FLAG(int, warmup_seconds, 2, "warm-up of each scenario (not counted)");
ABSL_FLAG(int, seconds, 10, "measured time of each scenario");
ABSL_FLAG(double, feed_rate, 500, "writes per second while the feed lag is measured");
ABSL_FLAG(std::string, pid_dir, "", "directory of the hub's <service>.pid files (memory figures)");
ABSL_FLAG(std::string, out, "", "also write the tables to this file");
ABSL_FLAG(std::string, only, "",
          "run only these (comma-separated: pdf, annual_pdf at concurrency 1; report (read as "
          "bytes, then parsed), overview, tracker at --concurrency, with CPU per call; "
          "evidence, the "
          "evidence-file upload, download and 50 concurrent downloads; write, the bare "
          "durable insert, write SQL ceiling and upsert; batch, the batch SQL ceiling and "
          "batch write; feed_lag, at --feed_rate) once the first size is seeded: no "
          "scaling; or 'echo': only the bare and bootstrap echo ceilings, with no hub");
ABSL_FLAG(std::string, postgres_pid_file, "",
          "the hub's PostgreSQL postmaster.pid: with --pid_dir, --only write/batch/feed_lag "
          "give the CPU time per call of the services and of the whole cluster");
ABSL_FLAG(int, echo_rounds, 1,
          "with --only echo: how many times to run the pair, in turn (0 with --echo_target)");
ABSL_FLAG(std::string, echo_target, "",
          "with --only echo: first drive a sixsteps-bench-echo started by hand at this "
          "host:port (to profile it under load)");
// ---- webhooks (H1) ----
ABSL_FLAG(std::string, notification, "127.0.0.1:50055", "notification service address");
ABSL_FLAG(int, webhook_subscriptions, 0,
          "subscriptions of the webhook scenario (0 skips it; the notification service must run "
          "with SIXSTEPS_WEBHOOK_ALLOW_LOOPBACK_HTTP=true to reach the bench's receiver)");
ABSL_FLAG(double, webhook_events_per_second, 20, "rounds opened per second in that scenario");
// ---- end webhooks (H1) ----
ABSL_FLAG(std::string, log_file, "/dev/null", "where the in-process echo server's call log goes");

namespace sixsteps::bench {
namespace {

namespace idv1 = ::sixsteps::identity::v1;

constexpr const char* kServices[] = {"identity", "framework", "assessment", "reporting",
                                     "notification"};

// A field of the service's /proc/<pid>/status in MiB: VmRSS (all resident pages, the shared
// libraries' included) or RssAnon (the process's own memory: heap, stacks, arenas).
double StatusMiB(const std::string& pid_dir, const std::string& service,
                 absl::string_view field = "VmRSS:") {
  std::ifstream pid_file(absl::StrCat(pid_dir, "/", service, ".pid"));
  std::string pid;
  if (!(pid_file >> pid)) return 0;
  std::ifstream status(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(status, line)) {
    if (absl::StartsWith(line, field)) {
      double kib = 0;
      std::vector<std::string> parts = absl::StrSplit(line, ' ', absl::SkipEmpty());
      if (parts.size() >= 2 && absl::SimpleAtod(parts[1], &kib)) return kib / 1024;
    }
  }
  return 0;
}

// Samples the services' resident memory every 200 ms while alive; keeps the peak.
class MemorySampler {
 public:
  explicit MemorySampler(std::string pid_dir) : pid_dir_(std::move(pid_dir)) {
    if (pid_dir_.empty()) return;
    thread_ = std::thread([this] {
      while (!stop_.load()) {
        Sample();
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
      }
    });
  }
  ~MemorySampler() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  void Sample() {
    std::lock_guard<std::mutex> lock(mu_);
    for (const char* s : kServices) peak_[s] = std::max(peak_[s], StatusMiB(pid_dir_, s));
  }
  double Peak(const std::string& service) {
    std::lock_guard<std::mutex> lock(mu_);
    return peak_[service];
  }

 private:
  const std::string pid_dir_;
  std::mutex mu_;
  std::map<std::string, double> peak_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

using ReadScenario = absl::StatusOr<ScenarioResult> (*)(const ScenarioContext&, const RunOptions&);

void Say(const std::string& line) {
  std::cerr << absl::FormatTime("[%H:%M:%S] ", absl::Now(), absl::LocalTimeZone()) << line
            << std::endl;
}

// The tables, printed and written to --out.
void Publish(const std::string& out) {
  std::cout << out;
  if (std::string path = absl::GetFlag(FLAGS_out); !path.empty()) std::ofstream(path) << out;
}

absl::Status Check(const absl::StatusOr<ScenarioResult>& result,
                   std::vector<ScenarioResult>* results) {
  if (!result.ok()) return result.status();
  Say(absl::StrFormat("  %-36s %8.0f calls/s  p50 %7.2f  p95 %7.2f  p99 %7.2f ms  errors %d",
                      result->name, result->run.throughput(), result->run.latency.p50,
                      result->run.latency.p95, result->run.latency.p99, result->run.errors));
  results->push_back(*result);
  return absl::OkStatus();
}

// The bare echo, then the services' bootstrap serving the same echo, each in a process of
// its own.
absl::Status RunEchoCeilings(const RunOptions& options, std::vector<ScenarioResult>* results) {
  const std::string log_file = absl::GetFlag(FLAGS_log_file);
  SIXSTEPS_RETURN_IF_ERROR(Check(RunEchoCeiling(EchoServer::kBare, options, log_file), results));
  return Check(RunEchoCeiling(EchoServer::kBootstrap, options, log_file), results);
}

// --only echo: the two echo ceilings alone, with no hub (the bootstrap's cost against bare
// gRPC), `--echo_rounds` times in turn.
absl::Status RunEchoOnly(const RunOptions& options) {
  std::vector<ScenarioResult> results;
  if (std::string target = absl::GetFlag(FLAGS_echo_target); !target.empty()) {
    SIXSTEPS_RETURN_IF_ERROR(Check(RunEchoAt(target, options), &results));
  }
  for (int round = 0; round < absl::GetFlag(FLAGS_echo_rounds); ++round) {
    SIXSTEPS_RETURN_IF_ERROR(RunEchoCeilings(options, &results));
  }
  std::string out =
      absl::StrCat("### Echo ceilings (concurrency ", options.concurrency, ", ",
                   absl::FormatDuration(options.duration), " each after ",
                   absl::FormatDuration(options.warmup), " warm-up)\n\n", ResultsTable(results));
  Publish(out);
  return absl::OkStatus();
}

// --only write / batch / feed_lag (H6): the write scenarios at the run's concurrency, each
// with the CPU time per call of the hub's processes, from the scenario's start until the
// reports have caught up with its writes (run with --warmup_seconds 0 so that every call
// made is counted).
absl::Status RunWrites(absl::string_view name, const ScenarioContext& context,
                       const RunOptions& options, std::vector<ScenarioResult>* results) {
  using Scenario = std::function<absl::StatusOr<std::vector<ScenarioResult>>()>;
  auto one =
      [](absl::StatusOr<ScenarioResult> result) -> absl::StatusOr<std::vector<ScenarioResult>> {
    if (!result.ok()) return result.status();
    return std::vector<ScenarioResult>{*std::move(result)};
  };
  std::vector<Scenario> scenarios;
  if (name == "write" || name == "batch") {
    if (context.assessment_database_url.empty()) {
      return absl::InvalidArgumentError("--only write/batch: --assessment_database_url needed");
    }
  }
  if (name == "write") {
    scenarios.push_back([&] { return one(RunBareInsert(context, options)); });
    scenarios.push_back([&] { return one(RunUpsertSql(context, options, 1)); });
    scenarios.push_back([&] { return one(RunUpsert(context, options)); });
  } else if (name == "batch") {
    scenarios.push_back([&] { return one(RunUpsertSql(context, options, kQuestions)); });
    scenarios.push_back([&] { return one(RunBatchUpsert(context, options)); });
  } else {
    scenarios.push_back([&]() -> absl::StatusOr<std::vector<ScenarioResult>> {
      RunOptions paced = options;
      paced.max_rate = absl::GetFlag(FLAGS_feed_rate);
      absl::StatusOr<FeedLagResult> lag = RunFeedLag(context, paced);
      if (!lag.ok()) return lag.status();
      return std::vector<ScenarioResult>{lag->writes, lag->lag};
    });
  }
  const HubCpu cpu(absl::GetFlag(FLAGS_pid_dir), absl::GetFlag(FLAGS_postgres_pid_file));
  for (const Scenario& scenario : scenarios) {
    SIXSTEPS_RETURN_IF_ERROR(WaitForReports(context, absl::Minutes(5)));
    const auto before = cpu.Sample();
    absl::StatusOr<std::vector<ScenarioResult>> rows = scenario();
    if (!rows.ok()) return rows.status();
    SIXSTEPS_RETURN_IF_ERROR(WaitForReports(context, absl::Minutes(5)));
    ScenarioResult& first = rows->front();
    const std::string per_call = HubCpu::PerCall(before, cpu.Sample(), first.run.ok);
    if (!per_call.empty()) {
      first.note = first.note.empty() ? per_call : absl::StrCat(first.note, "; ", per_call);
    }
    for (ScenarioResult& row : *rows) SIXSTEPS_RETURN_IF_ERROR(Check(row, results));
  }
  return absl::OkStatus();
}

// A read at `options`, with the CPU time per call of the hub's processes (with --pid_dir and
// --postgres_pid_file) and of this process, the client, over every call started: on two
// shared cores the client's share sets the pace as much as the server's.
absl::Status RunRead(ReadScenario read, const ScenarioContext& context, const RunOptions& options,
                     std::vector<ScenarioResult>* results) {
  const HubCpu cpu(absl::GetFlag(FLAGS_pid_dir), absl::GetFlag(FLAGS_postgres_pid_file));
  const auto before = cpu.Sample();
  const double client_before = ProcessCpuSeconds(getpid());
  absl::StatusOr<ScenarioResult> result = read(context, options);
  if (!result.ok()) return result.status();
  const double calls = static_cast<double>(result->run.started);
  std::string per_call = HubCpu::PerCall(before, cpu.Sample(), calls);
  if (calls > 0) {
    absl::StrAppendFormat(&per_call, "%sclient %.0f µs per call", per_call.empty() ? "" : "; ",
                          1e6 * (ProcessCpuSeconds(getpid()) - client_before) / calls);
  }
  result->note = result->note.empty() ? per_call : absl::StrCat(result->note, "; ", per_call);
  return Check(*result, results);
}

// --only: the named reads as a table of their own: the documents at concurrency 1, the other
// reads at --concurrency (1 for their latency alone).
absl::Status RunOnly(absl::string_view only, const ScenarioContext& context,
                     const RunOptions& options, const RunOptions& single) {
  const std::map<std::string, ReadScenario> known = {{"pdf", &RunAssessmentPdf},
                                                     {"annual_pdf", &RunAnnualPdf}};
  // "report": read as bytes (the throughput figure), then parsed by the client.
  const std::map<std::string, std::vector<ReadScenario>> reads = {
      {"report", {&RunAssessmentReport, &RunAssessmentReportParsed}},
      {"overview", {&RunRegionalOverview}},
      {"tracker", {&RunActionTracker}}};
  std::vector<ScenarioResult> results;
  std::string evidence;  // evidence files (H2)
  for (absl::string_view name : absl::StrSplit(only, ',', absl::SkipEmpty())) {
    if (name == "evidence") {
      EvidenceScenarioOptions options;
      const std::string pid_dir = absl::GetFlag(FLAGS_pid_dir);
      if (!pid_dir.empty()) {
        options.assessment_resident_mib = [pid_dir] { return StatusMiB(pid_dir, "assessment"); };
        options.pid_dir = pid_dir;  // CPU per MiB (H3)
      }
      absl::StatusOr<EvidenceScenarioResult> result = RunEvidenceFiles(context, options);
      if (!result.ok()) return result.status();
      evidence = EvidenceTable(*result);
      Say(evidence);
      continue;
    }
    if (auto read = reads.find(std::string(name)); read != reads.end()) {
      for (ReadScenario scenario : read->second) {
        SIXSTEPS_RETURN_IF_ERROR(RunRead(scenario, context, options, &results));
      }
      continue;
    }
    if (name == "write" || name == "batch" || name == "feed_lag") {
      SIXSTEPS_RETURN_IF_ERROR(RunWrites(name, context, options, &results));
      continue;
    }
    auto it = known.find(std::string(name));
    if (it == known.end()) {
      return absl::InvalidArgumentError(absl::StrCat("--only: unknown scenario '", name, "'"));
    }
    SIXSTEPS_RETURN_IF_ERROR(Check(it->second(context, single), &results));
  }
  std::string out = absl::StrCat(
      "### Scenarios (documents at concurrency 1, other reads and writes at ", options.concurrency,
      ", ", absl::FormatDuration(single.duration), " each after ",
      absl::FormatDuration(single.warmup), " warm-up)\n\n", ResultsTable(results), "\n", evidence);
  Publish(out);
  return absl::OkStatus();
}

// The integration (writes answers) and the dashboard (reads reports) of a region, each a
// service account of its own made for this run.
struct RegionAccounts {
  std::unique_ptr<TokenSource> integration, dashboard;
};

absl::StatusOr<RegionAccounts> SignInRegion(HubStubs& hub, TokenSource& admin,
                                            const std::string& region) {
  RegionAccounts accounts;
  for (auto [role, label, holder] :
       {std::tuple{idv1::ROLE_INTEGRATION, "integration", &accounts.integration},
        std::tuple{idv1::ROLE_DASHBOARD, "dashboard", &accounts.dashboard}}) {
    absl::StatusOr<std::string> admin_token = admin.Token();
    if (!admin_token.ok()) return admin_token.status();
    absl::StatusOr<std::string> key = CreateServiceAccountKey(
        *hub.identity, *admin_token, absl::StrCat("benchmark ", label), region, region, {role});
    if (!key.ok()) return key.status();
    absl::StatusOr<std::unique_ptr<TokenSource>> source =
        TokenSource::ForApiKey(hub.identity.get(), *key);
    if (!source.ok()) return source.status();
    *holder = std::move(*source);
  }
  return accounts;
}

// A data set's layout as it grows: its generator, and the scenarios' view of its first
// region, the one measured (the others hold partnerships the overview must not cost).
struct Layout {
  std::unique_ptr<Seeder> seeder;
  RegionAccounts accounts;
  ScenarioContext context;
  int size = 0;                                 // partnerships grown to so far
  absl::Time caught_up = absl::InfinitePast();  // when the reports last caught up
  std::string Describe() const {
    const int regions = seeder->regions();
    return regions == 1 ? context.region
                        : absl::StrCat(regions, " regions (measured in ", context.region, ")");
  }
};

absl::StatusOr<std::unique_ptr<Layout>> OpenLayout(HubStubs& hub, const HubAddresses& addresses,
                                                   TokenSource& admin,
                                                   std::vector<std::string> region_ids) {
  auto layout = std::make_unique<Layout>();
  SeedOptions seed_options;
  seed_options.data.seed = absl::GetFlag(FLAGS_seed);
  seed_options.region_ids = std::move(region_ids);
  seed_options.threads = absl::GetFlag(FLAGS_seed_threads);
  layout->seeder = std::make_unique<Seeder>(hub, admin, std::move(seed_options));
  SIXSTEPS_RETURN_IF_ERROR(layout->seeder->EnsureRegions());
  absl::StatusOr<RegionAccounts> accounts = SignInRegion(hub, admin, layout->seeder->RegionName(0));
  if (!accounts.ok()) return accounts.status();
  layout->accounts = *std::move(accounts);
  ScenarioContext& context = layout->context;
  context.addresses = addresses;
  context.region = layout->seeder->RegionName(0);
  context.admin = &admin;
  context.integration = layout->accounts.integration.get();
  context.dashboard = layout->accounts.dashboard.get();
  context.assessment_database_url = absl::GetFlag(FLAGS_assessment_database_url);
  context.db_pool_size = absl::GetFlag(FLAGS_db_pool_size);
  context.seed = absl::GetFlag(FLAGS_seed);
  return layout;
}

// Grows `layout` to `size` partnerships, waits until the reports have applied it, and reads
// back the measured region's partnerships.
absl::Status Grow(Layout& layout, int size, PhaseLog& phases,
                  std::vector<GenerationRow>* generation) {
  Seeder& seeder = *layout.seeder;
  const std::string label =
      absl::StrCat(size, " partnerships in ", layout.Describe(), ", seed ", layout.context.seed);
  Say(absl::StrCat("data set: ", label));
  const int64_t calls_before = seeder.calls();
  const int64_t written_before = seeder.written();
  const absl::Time seed_start = absl::Now();
  int last_percent = -1;
  SIXSTEPS_RETURN_IF_ERROR(seeder.SeedUpTo(size, [&](int done, int total) {
    int percent = 100 * done / total;
    if (percent / 10 != last_percent / 10) {
      last_percent = percent;
      Say(absl::StrCat("  seeded ", done, " of ", total));
    }
  }));
  GenerationRow row;
  row.partnerships = size;
  row.regions = seeder.regions();
  row.written = seeder.written() - written_before;
  row.calls = seeder.calls() - calls_before;
  row.took = absl::Now() - seed_start;
  phases.Lap(absl::StrCat("generation: ", label));
  SIXSTEPS_RETURN_IF_ERROR(WaitForReports(layout.context, absl::Minutes(15)));
  layout.caught_up = absl::Now();
  row.catch_up = layout.caught_up - seed_start - row.took;
  phases.Lap(absl::StrCat("reports caught up: ", label));
  absl::StatusOr<std::vector<SeededPartnership>> found = seeder.Discover(size, 0);
  if (!found.ok()) return found.status();
  layout.context.partnerships = *std::move(found);
  layout.size = std::max(layout.size, size);
  phases.Lap(absl::StrCat("discovery of the measured region's partnerships: ", label));
  generation->push_back(row);
  return absl::OkStatus();
}

// Each read at concurrency 1 against `layout` as it is now: one row of the table of latency
// against size.
absl::StatusOr<ScalingRow> ReadsAtConcurrencyOne(const Layout& layout, const RunOptions& single,
                                                 PhaseLog& phases) {
  const ScenarioContext& context = layout.context;
  Say(absl::StrCat("reads at concurrency 1, ", layout.size, " partnerships in ",
                   layout.Describe()));
  ScalingRow row;
  // The overview covers the whole region, which a rerun may find larger than its share of
  // the size.
  absl::StatusOr<int> region_size = RegionSize(context);
  if (!region_size.ok()) return region_size.status();
  row.partnerships = layout.size;
  row.regions = layout.seeder->regions();
  row.region_partnerships = *region_size;
  for (const SeededPartnership& p : context.partnerships) row.rounds += p.finalised_rounds.size();
  for (auto run : {&RunAssessmentReport, &RunRegionalOverview, &RunActionTracker, &RunAssessmentPdf,
                   &RunAnnualPdf}) {
    std::vector<ScenarioResult> one;
    SIXSTEPS_RETURN_IF_ERROR(Check(run(context, single), &one));
    row.reads[one[0].name.substr(one[0].name.find(": ") + 2)] = one[0].run.latency;
    phases.Lap(absl::StrCat(layout.size, " partnerships, ", row.regions,
                            " region(s): ", one[0].name, " at concurrency 1"));
  }
  return row;
}

// --scaling: each layout of --scaling_regions grown through the sizes in turn (each size in
// every layout before the next size, so that the layouts compared were read in the same
// minutes), and the reads at concurrency 1 after each growth.
absl::Status RunScaling(HubStubs& hub, const HubAddresses& addresses, TokenSource& admin,
                        const std::vector<int>& sizes, const RunOptions& single, PhaseLog& phases) {
  std::vector<std::unique_ptr<Layout>> layouts;
  for (absl::string_view s :
       absl::StrSplit(absl::GetFlag(FLAGS_scaling_regions), ',', absl::SkipEmpty())) {
    int regions = 0;
    if (!absl::SimpleAtoi(s, &regions) || regions < 1 || regions > 99) {
      return absl::InvalidArgumentError("--scaling_regions: counts of regions from 1 to 99");
    }
    absl::StatusOr<std::unique_ptr<Layout>> layout = OpenLayout(
        hub, addresses, admin,
        LayoutRegionIds(absl::GetFlag(FLAGS_region), absl::GetFlag(FLAGS_seed), regions));
    if (!layout.ok()) return layout.status();
    layouts.push_back(*std::move(layout));
  }
  if (layouts.empty()) return absl::InvalidArgumentError("--scaling_regions: no layout");
  phases.Lap("regions and their accounts");
  std::vector<ScalingRow> rows;
  std::vector<GenerationRow> generation;
  for (int size : sizes) {
    for (const std::unique_ptr<Layout>& layout : layouts) {
      SIXSTEPS_RETURN_IF_ERROR(Grow(*layout, size, phases, &generation));
      absl::StatusOr<ScalingRow> row = ReadsAtConcurrencyOne(*layout, single, phases);
      if (!row.ok()) return row.status();
      rows.push_back(*std::move(row));
    }
  }
  Publish(absl::StrCat(
      "### Latency against size, in one region and spread over several (concurrency 1, ",
      absl::FormatDuration(single.duration), " each after ", absl::FormatDuration(single.warmup),
      " warm-up)\n\n", ScalingTable(rows),
      "\n### Data set generation (through the public APIs)\n\n", GenerationTable(generation),
      "\n### Where the time went\n\n", PhaseTable(phases.phases())));
  return absl::OkStatus();
}

absl::Status Run() {
  PhaseLog phases;
  if (absl::GetFlag(FLAGS_only) == "echo") {
    RunOptions options;
    options.concurrency = absl::GetFlag(FLAGS_concurrency);
    options.warmup = absl::Seconds(absl::GetFlag(FLAGS_warmup_seconds));
    options.duration = absl::Seconds(absl::GetFlag(FLAGS_seconds));
    return RunEchoOnly(options);
  }
  std::vector<int> sizes;
  for (absl::string_view s : absl::StrSplit(absl::GetFlag(FLAGS_sizes), ',', absl::SkipEmpty())) {
    int n = 0;
    if (!absl::SimpleAtoi(s, &n) || n < 20) {
      return absl::InvalidArgumentError("--sizes: partnership counts of at least 20");
    }
    sizes.push_back(n);
  }
  if (sizes.empty() || !std::is_sorted(sizes.begin(), sizes.end())) {
    return absl::InvalidArgumentError("--sizes: at least one count, ascending");
  }
  const int regions = absl::GetFlag(FLAGS_regions);
  if (regions < 1 || regions > 99) return absl::InvalidArgumentError("--regions: 1 to 99");
  std::string password;
  {
    std::ifstream file(absl::GetFlag(FLAGS_admin_password_file));
    std::getline(file, password);
    if (password.empty()) return absl::InvalidArgumentError("--admin_password_file: no password");
  }

  HubAddresses addresses{absl::GetFlag(FLAGS_identity), absl::GetFlag(FLAGS_assessment),
                         absl::GetFlag(FLAGS_reporting)};
  HubStubs hub(addresses);
  absl::StatusOr<std::unique_ptr<TokenSource>> admin =
      TokenSource::ForPassword(hub.identity.get(), absl::GetFlag(FLAGS_admin_email), password);
  if (!admin.ok()) return admin.status();

  RunOptions options;
  options.concurrency = absl::GetFlag(FLAGS_concurrency);
  options.warmup = absl::Seconds(absl::GetFlag(FLAGS_warmup_seconds));
  options.duration = absl::Seconds(absl::GetFlag(FLAGS_seconds));
  RunOptions single = options;
  single.concurrency = 1;
  if (absl::GetFlag(FLAGS_scaling)) {
    return RunScaling(hub, addresses, **admin, sizes, single, phases);
  }

  // One region is --region itself, the data set of every earlier run.
  const std::string region = absl::GetFlag(FLAGS_region);
  absl::StatusOr<std::unique_ptr<Layout>> opened =
      OpenLayout(hub, addresses, **admin,
                 regions == 1 ? std::vector<std::string>{region}
                              : LayoutRegionIds(region, absl::GetFlag(FLAGS_seed), regions));
  if (!opened.ok()) return opened.status();
  Layout& layout = **opened;
  ScenarioContext& context = layout.context;
  phases.Lap("sign-in, regions and their accounts");

  std::vector<ScenarioResult> results;
  std::vector<MemoryRow> memory;
  std::vector<ScalingRow> scaling;
  std::vector<GenerationRow> generation;
  const std::string pid_dir = absl::GetFlag(FLAGS_pid_dir);
  // Each scenario's row and wall time (its set-up and warm-up included).
  auto timed = [&](absl::Status status) {
    if (status.ok()) phases.Lap(absl::StrCat("scenario: ", results.back().name));
    return status;
  };

  for (size_t s = 0; s < sizes.size(); ++s) {
    SIXSTEPS_RETURN_IF_ERROR(Grow(layout, sizes[s], phases, &generation));
    if (absl::GetFlag(FLAGS_generate_only)) continue;

    if (std::string only = absl::GetFlag(FLAGS_only); !only.empty()) {
      return RunOnly(only, context, options, single);
    }
    if (s == 0) {
      // Idle: 16 s after the reports caught up with the generator's writes, once every
      // service's heap trimmer (every 15 s, services/common/server.cc) has given freed heap
      // back. (Discovery's reads since count towards it.)
      absl::SleepFor(layout.caught_up + absl::Seconds(16) - absl::Now());
      for (const char* service : kServices) {
        memory.push_back(
            {service, StatusMiB(pid_dir, service), 0, StatusMiB(pid_dir, service, "RssAnon:")});
      }
      phases.Lap("memory: the idle wait for the heap trimmers, then the idle sample");
      MemorySampler sampler(pid_dir);
      Say(absl::StrCat("scenarios at concurrency ", options.concurrency, ", ",
                       absl::FormatDuration(options.duration), " each"));
      const std::string log_file = absl::GetFlag(FLAGS_log_file);
      for (EchoServer server : {EchoServer::kBare, EchoServer::kBootstrap}) {
        SIXSTEPS_RETURN_IF_ERROR(timed(Check(RunEchoCeiling(server, options, log_file), &results)));
      }
      if (!context.assessment_database_url.empty()) {
        SIXSTEPS_RETURN_IF_ERROR(timed(Check(RunBareInsert(context, options), &results)));
        SIXSTEPS_RETURN_IF_ERROR(timed(Check(RunUpsertSql(context, options, 1), &results)));
      }
      SIXSTEPS_RETURN_IF_ERROR(timed(Check(RunUpsert(context, options), &results)));
      if (!context.assessment_database_url.empty()) {
        SIXSTEPS_RETURN_IF_ERROR(
            timed(Check(RunUpsertSql(context, options, kQuestions), &results)));
      }
      SIXSTEPS_RETURN_IF_ERROR(timed(Check(RunBatchUpsert(context, options), &results)));
      SIXSTEPS_RETURN_IF_ERROR(WaitForReports(context, absl::Minutes(5)));
      phases.Lap("reports caught up with the write scenarios");
      for (ReadScenario read : {&RunAssessmentReport, &RunAssessmentReportParsed,
                                &RunRegionalOverview, &RunActionTracker}) {
        SIXSTEPS_RETURN_IF_ERROR(timed(RunRead(read, context, options, &results)));
      }
      RunOptions paced = options;
      paced.max_rate = absl::GetFlag(FLAGS_feed_rate);
      absl::StatusOr<FeedLagResult> lag = RunFeedLag(context, paced);
      if (!lag.ok()) return lag.status();
      SIXSTEPS_RETURN_IF_ERROR(Check(lag->writes, &results));
      SIXSTEPS_RETURN_IF_ERROR(timed(Check(lag->lag, &results)));
      // ---- webhooks (H1) ----
      if (absl::GetFlag(FLAGS_webhook_subscriptions) > 0) {
        WebhookScenarioOptions hooks;
        hooks.notification_address = absl::GetFlag(FLAGS_notification);
        hooks.subscriptions = absl::GetFlag(FLAGS_webhook_subscriptions);
        hooks.events_per_second = absl::GetFlag(FLAGS_webhook_events_per_second);
        SIXSTEPS_RETURN_IF_ERROR(
            timed(Check(RunWebhookDeliveries(context, options, hooks), &results)));
      }
      sampler.Sample();
      for (MemoryRow& row : memory) row.peak_mib = sampler.Peak(row.service);
      SIXSTEPS_RETURN_IF_ERROR(WaitForReports(context, absl::Minutes(5)));
      phases.Lap("reports caught up with the feed-lag writes");
    }
    absl::StatusOr<ScalingRow> row = ReadsAtConcurrencyOne(layout, single, phases);
    if (!row.ok()) return row.status();
    scaling.push_back(*std::move(row));
  }

  Publish(absl::StrCat(
      "### Scenarios (", sizes[0], " partnerships, concurrency ", options.concurrency, ", ",
      absl::FormatDuration(options.duration), " each after ", absl::FormatDuration(options.warmup),
      " warm-up)\n\n", ResultsTable(results), "\n### Latency against size (concurrency 1)\n\n",
      ScalingTable(scaling), "\n### Memory\n\n", MemoryTable(memory),
      "\n### Data set generation (through the public APIs)\n\n", GenerationTable(generation),
      "\n### Where the time went (sixsteps-bench's phases)\n\n", PhaseTable(phases.phases())));
  return absl::OkStatus();
}

}  // namespace
}  // namespace sixsteps::bench

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  auto log = std::make_shared<std::ofstream>(absl::GetFlag(FLAGS_log_file), std::ios::app);
  sixsteps::SetLogServiceName("bench-echo");
  sixsteps::SetLogSinkForTesting([log](const std::string& line) { *log << line << '\n'; });
  absl::Status status = sixsteps::bench::Run();
  if (!status.ok()) {
    std::cerr << "sixsteps-bench: " << status << std::endl;
    return 1;
  }
  return 0;
}
