// CPU time used by the hub's processes over a scenario (issue 18: on a shared machine, CPU
// per operation is steadier than operations per second). Read from /proc: a service's
// utime + stime, and the whole PostgreSQL cluster's (the postmaster, every backend and
// background process it started, and what its exited children used).
#pragma once

#include <map>
#include <string>

namespace sixsteps::bench {

// CPU seconds used so far by the process `pid` (0 if it cannot be read).
double ProcessCpuSeconds(int pid);
// CPU seconds used so far by the PostgreSQL cluster whose postmaster is `postmaster_pid`:
// the postmaster and its children, living and exited.
double ClusterCpuSeconds(int postmaster_pid);

// The hub's processes to watch: services from a directory of <service>.pid files, and the
// PostgreSQL cluster from its postmaster.pid (first line: the postmaster's pid).
class HubCpu {
 public:
  HubCpu(const std::string& pid_dir, const std::string& postmaster_pid_file);
  bool empty() const { return pids_.empty() && postmaster_ == 0; }
  // CPU seconds so far, per watched process ("postgres" for the cluster).
  std::map<std::string, double> Sample() const;
  // "assessment 123 µs, reporting 45 µs, postgres 678 µs per call" between two samples.
  static std::string PerCall(const std::map<std::string, double>& before,
                             const std::map<std::string, double>& after, double calls);

 private:
  std::map<std::string, int> pids_;
  int postmaster_ = 0;
};

}  // namespace sixsteps::bench
