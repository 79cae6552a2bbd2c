#include "bench/cpu_usage.h"

#include <dirent.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace sixsteps::bench {
namespace {

// The fields of /proc/<pid>/stat after the command (which may hold spaces): state is the
// first, ppid the second, utime the 12th, stime the 13th, cutime the 14th, cstime the 15th.
std::vector<std::string> StatFields(int pid) {
  std::ifstream file(absl::StrCat("/proc/", pid, "/stat"));
  std::string line;
  if (!std::getline(file, line)) return {};
  size_t close = line.rfind(')');
  if (close == std::string::npos) return {};
  std::istringstream rest(line.substr(close + 1));
  std::vector<std::string> fields;
  for (std::string field; rest >> field;) fields.push_back(field);
  return fields;
}

double Ticks(const std::vector<std::string>& fields, size_t index) {
  double value = 0;
  if (index < fields.size() && absl::SimpleAtod(fields[index], &value)) return value;
  return 0;
}

const double kTicksPerSecond = static_cast<double>(sysconf(_SC_CLK_TCK));

int ReadPid(const std::string& path) {
  std::ifstream file(path);
  int pid = 0;
  if (file >> pid) return pid;
  return 0;
}

}  // namespace

double ProcessCpuSeconds(int pid) {
  std::vector<std::string> fields = StatFields(pid);
  return (Ticks(fields, 11) + Ticks(fields, 12)) / kTicksPerSecond;
}

double ClusterCpuSeconds(int postmaster_pid) {
  std::vector<std::string> postmaster = StatFields(postmaster_pid);
  double ticks =
      Ticks(postmaster, 11) + Ticks(postmaster, 12) + Ticks(postmaster, 13) + Ticks(postmaster, 14);
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return ticks / kTicksPerSecond;
  const std::string parent = std::to_string(postmaster_pid);
  while (dirent* entry = readdir(proc)) {
    int pid = 0;
    if (!absl::SimpleAtoi(entry->d_name, &pid)) continue;
    std::vector<std::string> fields = StatFields(pid);
    if (fields.size() > 1 && fields[1] == parent) ticks += Ticks(fields, 11) + Ticks(fields, 12);
  }
  closedir(proc);
  return ticks / kTicksPerSecond;
}

HubCpu::HubCpu(const std::string& pid_dir, const std::string& postmaster_pid_file) {
  if (!pid_dir.empty()) {
    for (const char* service : {"assessment", "reporting", "notification", "identity"}) {
      if (int pid = ReadPid(absl::StrCat(pid_dir, "/", service, ".pid")); pid > 0) {
        pids_[service] = pid;
      }
    }
  }
  if (!postmaster_pid_file.empty()) postmaster_ = ReadPid(postmaster_pid_file);
}

std::map<std::string, double> HubCpu::Sample() const {
  std::map<std::string, double> seconds;
  for (const auto& [name, pid] : pids_) seconds[name] = ProcessCpuSeconds(pid);
  if (postmaster_ > 0) seconds["postgres"] = ClusterCpuSeconds(postmaster_);
  return seconds;
}

std::string HubCpu::PerCall(const std::map<std::string, double>& before,
                            const std::map<std::string, double>& after, double calls) {
  if (calls <= 0) return "";
  std::string out;
  double total = 0;
  for (const auto& [name, end] : after) {
    auto start = before.find(name);
    if (start == before.end()) continue;
    const double micros = (end - start->second) * 1e6 / calls;
    total += micros;
    absl::StrAppendFormat(&out, "%s%s %.0f", out.empty() ? "" : ", ", name, micros);
  }
  if (out.empty()) return "";
  return absl::StrFormat("CPU µs per call: %s (hub %.0f)", out, total);
}

}  // namespace sixsteps::bench
