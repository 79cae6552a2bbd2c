// Starting a service binary as a child process of a test: its own small environment, its
// output in a log file, and killed with the test if the test dies first.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace sixsteps::testing {

// Forks and execs `args[0]` with `args`, an environment of `env` plus the caller's PATH, HOME,
// LD_LIBRARY_PATH and TMPDIR (nothing else leaks in, SIXSTEPS_* least of all), standard input
// from /dev/null and standard output and error into a new `log_path` (mode 0600). The child
// gets SIGKILL when the test process dies. Returns the child's pid.
absl::StatusOr<pid_t> SpawnLogged(std::vector<std::string> args, std::vector<std::string> env,
                                  const std::string& log_path);

}  // namespace sixsteps::testing
