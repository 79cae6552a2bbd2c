#include "bench/report.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace sixsteps::bench {

std::string ResultsTable(const std::vector<ScenarioResult>& results) {
  // A ceiling measured several times (--echo_rounds) compares with its latest run before
  // the row; a row before any run of its ceiling, with the last one.
  std::map<std::string, double> throughput;
  for (const ScenarioResult& r : results) throughput[r.name] = r.run.throughput();
  std::map<std::string, double> earlier;
  std::string out =
      "| scenario | calls/s | p50 ms | p95 ms | p99 ms | errors | vs ceiling | vs bare ceiling | "
      "note |\n"
      "|---|---:|---:|---:|---:|---:|---:|---:|---|\n";
  auto ratio_to = [&](const ScenarioResult& r, const std::string& ceiling_name) -> std::string {
    auto ceiling = earlier.find(ceiling_name);
    if (ceiling == earlier.end()) ceiling = throughput.find(ceiling_name);
    if (ceiling_name.empty() || ceiling == throughput.end() || ceiling->second <= 0) return "";
    return absl::StrFormat("%.0f%% of %s", 100 * r.run.throughput() / ceiling->second,
                           ceiling_name.substr(ceiling_name.find(": ") + 2));
  };
  for (const ScenarioResult& r : results) {
    std::string errors = absl::StrCat(r.run.errors);
    if (r.run.errors > 0) absl::StrAppend(&errors, " (", r.run.first_error.substr(0, 80), ")");
    absl::StrAppendFormat(&out, "| %s | %.0f | %.2f | %.2f | %.2f | %s | %s | %s | %s |\n", r.name,
                          r.run.throughput(), r.run.latency.p50, r.run.latency.p95,
                          r.run.latency.p99, errors, ratio_to(r, r.ceiling),
                          ratio_to(r, r.bare_ceiling), r.note);
    earlier[r.name] = r.run.throughput();
  }
  return out;
}

std::string MemoryTable(const std::vector<MemoryRow>& rows) {
  // Issue 18's targets for each service.
  constexpr double kIdleTargetMiB = 30;
  constexpr double kPeakTargetMiB = 150;
  auto met = [](double mib, double target) -> std::string {
    if (mib <= 0) return "not measured";
    return mib < target ? "yes" : "**no**";
  };
  std::string out =
      "| service | resident at idle (MiB) | of which its own (RssAnon) | peak resident under "
      "load (MiB) | idle < 30 MiB | peak < 150 MiB |\n|---|---:|---:|---:|---|---|\n";
  for (const MemoryRow& row : rows) {
    absl::StrAppendFormat(&out, "| %s | %.1f | %.1f | %.1f | %s | %s |\n", row.service,
                          row.idle_mib, row.idle_anon_mib, row.peak_mib,
                          met(row.idle_mib, kIdleTargetMiB), met(row.peak_mib, kPeakTargetMiB));
  }
  return out;
}

std::string ScalingTable(const std::vector<ScalingRow>& rows) {
  if (rows.empty()) return "";
  constexpr char kOverview[] = "regional overview";
  const bool overview = rows[0].reads.count(kOverview) > 0;
  std::string out =
      "| partnerships | regions | the overview's region holds | finalised rounds read |";
  std::string rule = "|---:|---:|---:|---:|";
  for (const auto& [name, _] : rows[0].reads) {
    absl::StrAppend(&out, " ", name, " p50 / p95 ms |");
    absl::StrAppend(&rule, "---:|");
  }
  if (overview) {
    absl::StrAppend(&out, " overview p50 per partnership of its region (µs) |");
    absl::StrAppend(&rule, "---:|");
  }
  absl::StrAppend(&out, "\n", rule, "\n");
  for (const ScalingRow& row : rows) {
    absl::StrAppendFormat(&out, "| %d | %d | %d | %d |", row.partnerships, row.regions,
                          row.region_partnerships, row.rounds);
    for (const auto& [name, _] : rows[0].reads) {
      auto latency = row.reads.find(name);
      if (latency == row.reads.end()) {
        absl::StrAppend(&out, " |");
      } else {
        absl::StrAppendFormat(&out, " %.2f / %.2f |", latency->second.p50, latency->second.p95);
      }
    }
    if (overview) {
      auto latency = row.reads.find(kOverview);
      if (latency == row.reads.end() || row.region_partnerships <= 0) {
        absl::StrAppend(&out, " |");
      } else {
        absl::StrAppendFormat(&out, " %.1f |",
                              1000 * latency->second.p50 / row.region_partnerships);
      }
    }
    absl::StrAppend(&out, "\n");
  }
  return out;
}

std::string GenerationTable(const std::vector<GenerationRow>& rows) {
  std::string out =
      "| partnerships | regions | written | calls | calls per partnership written | took | "
      "calls/s | reports caught up after |\n|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  for (const GenerationRow& row : rows) {
    const double seconds = absl::ToDoubleSeconds(row.took);
    std::string per_partnership =
        row.written > 0 ? absl::StrFormat("%.0f", static_cast<double>(row.calls) / row.written)
                        : "";
    absl::StrAppendFormat(&out, "| %d | %d | %d | %d | %s | %.0f s | %.0f | %.0f s |\n",
                          row.partnerships, row.regions, row.written, row.calls, per_partnership,
                          seconds, seconds > 0 ? row.calls / seconds : 0.0,
                          absl::ToDoubleSeconds(row.catch_up));
  }
  return out;
}

std::string PhaseTable(const std::vector<PhaseTime>& phases) {
  absl::Duration total;
  for (const PhaseTime& p : phases) total += p.took;
  std::string out = "| phase | wall time | share |\n|---|---:|---:|\n";
  const double all = absl::ToDoubleSeconds(total);
  for (const PhaseTime& p : phases) {
    const double seconds = absl::ToDoubleSeconds(p.took);
    absl::StrAppendFormat(&out, "| %s | %.1f s | %.0f%% |\n", p.phase, seconds,
                          all > 0 ? 100 * seconds / all : 0.0);
  }
  absl::StrAppendFormat(&out, "| **all** | %.1f s | 100%% |\n", all);
  return out;
}

void PhaseLog::Lap(std::string phase) {
  const absl::Time now = absl::Now();
  phases_.push_back({std::move(phase), now - last_});
  last_ = now;
}

}  // namespace sixsteps::bench
