#include "tests/support/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cstdlib>

#include "absl/strings/str_cat.h"

namespace sixsteps::testing {

absl::StatusOr<pid_t> SpawnLogged(std::vector<std::string> args, std::vector<std::string> env,
                                  const std::string& log_path) {
  for (const char* keep : {"PATH", "HOME", "LD_LIBRARY_PATH", "TMPDIR"}) {
    if (const char* value = std::getenv(keep)) env.push_back(absl::StrCat(keep, "=", value));
  }
  // Built before the fork: the child may only make async-signal-safe calls until exec.
  std::vector<char*> argv, envp;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  for (std::string& var : env) envp.push_back(var.data());
  envp.push_back(nullptr);

  int log_fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (log_fd < 0) return absl::InternalError(absl::StrCat("cannot create ", log_path));
  int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    close(log_fd);
    close(null_fd);
    return absl::InternalError("fork failed");
  }
  if (pid == 0) {
    // The child of a threaded process: only async-signal-safe calls until exec.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    dup2(null_fd, STDIN_FILENO);
    dup2(log_fd, STDOUT_FILENO);
    dup2(log_fd, STDERR_FILENO);
    execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  close(log_fd);
  close(null_fd);
  return pid;
}

}  // namespace sixsteps::testing
