// Starting a service binary as a child process of a test: its own small environment, its
// output in a log file, and killed with the test if the test dies first.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace sixsteps::testing {

// Forks and execs `args[0]` with `args`, an environment of `env` plus the caller's PATH, HOME,
// LD_LIBRARY_PATH and TMPDIR (nothing else leaks in, SIXSTEPS_* least of all), standard input
// from /dev/null and standard output and error into a new `log_path` (mode 0600). The child
// gets SIGKILL when the test process dies. Returns the child's pid.
absl::StatusOr<pid_t> SpawnLogged(std::vector<std::string> args, std::vector<std::string> env,
                                  const std::string& log_path);

// A "kB" field of /proc/<pid>/status (VmRSS, VmHWM), in bytes; -1 if unreadable. `pid` is a
// process id or "self".
int64_t ProcStatusBytes(const std::string& pid, absl::string_view field);
// Resets /proc/<pid>'s VmHWM to its current resident size (Linux's clear_refs, value 5).
bool ResetProcPeak(const std::string& pid);

// A service program (args[0], ServiceBinary("identity") for example) run by SpawnLogged on
// a free loopback port (pass --listen=127.0.0.1:0), which it reads back from the service's
// "serving" log line; given --metrics_listen, it also waits for the "metrics_serving" line
// and keeps that port. SIGKILLed when destroyed; its log is removed unless the test failed.
class ServiceProcess {
 public:
  // Starts it, its log at TempDir()/<log_name>_<test pid>_<n>.log, and waits up to
  // `patience` for it to serve: INTERNAL (with the log's tail) if it exits first,
  // DEADLINE_EXCEEDED if it is still not serving then.
  static absl::StatusOr<std::unique_ptr<ServiceProcess>> Start(
      std::vector<std::string> args, std::vector<std::string> env, absl::string_view log_name,
      absl::Duration patience = absl::Seconds(60));

  ~ServiceProcess();
  ServiceProcess(const ServiceProcess&) = delete;
  ServiceProcess& operator=(const ServiceProcess&) = delete;

  // SIGKILL (no graceful shutdown: as if the machine lost the process) and reap it.
  void Kill();

  // "127.0.0.1:<port>", where it serves gRPC.
  const std::string& target() const { return target_; }
  // Where it serves GET /metrics (with --metrics_listen); 0 without.
  int metrics_port() const { return metrics_port_; }
  // Whether it has not exited (nor been killed) yet.
  bool running();

  // A "kB" field of /proc/<pid>/status (VmRSS, VmHWM), in bytes; -1 if unreadable.
  int64_t StatusBytes(absl::string_view field) const;
  // Resets VmHWM to the current resident size (Linux's clear_refs, value 5).
  bool ResetPeak() const;
  // The last 4,000 bytes of its log, for failure messages.
  std::string LogTail() const;

 private:
  ServiceProcess(pid_t pid, std::string program, std::string log_path, bool serves_metrics);
  absl::Status AwaitServing(absl::Duration patience);

  pid_t pid_;
  std::string program_;
  std::string log_path_;
  bool serves_metrics_;
  std::string target_;
  int metrics_port_ = 0;
};

}  // namespace sixsteps::testing
