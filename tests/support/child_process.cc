#include "tests/support/child_process.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "services/base/names.h"
#include "services/base/status_macros.h"

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

absl::StatusOr<std::unique_ptr<ServiceProcess>> ServiceProcess::Start(std::vector<std::string> args,
                                                                      std::vector<std::string> env,
                                                                      absl::string_view log_name,
                                                                      absl::Duration patience) {
  static int started = 0;
  std::string log_path =
      absl::StrCat(::testing::TempDir(), "/", log_name, "_", getpid(), "_", ++started, ".log");
  std::string program = LastSegment(args.at(0));
  const bool serves_metrics = std::any_of(args.begin(), args.end(), [](const std::string& arg) {
    return absl::StartsWith(arg, "--metrics_listen=");
  });
  SIXSTEPS_ASSIGN_OR_RETURN(pid_t pid, SpawnLogged(std::move(args), std::move(env), log_path));
  auto process = std::unique_ptr<ServiceProcess>(
      new ServiceProcess(pid, std::move(program), log_path, serves_metrics));
  SIXSTEPS_RETURN_IF_ERROR(process->AwaitServing(patience));
  return process;
}

ServiceProcess::ServiceProcess(pid_t pid, std::string program, std::string log_path,
                               bool serves_metrics)
    : pid_(pid),
      program_(std::move(program)),
      log_path_(std::move(log_path)),
      serves_metrics_(serves_metrics) {}

ServiceProcess::~ServiceProcess() {
  Kill();
  if (!::testing::Test::HasFailure()) std::remove(log_path_.c_str());
}

void ServiceProcess::Kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
}

bool ServiceProcess::running() {
  if (pid_ <= 0) return false;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) != pid_) return true;
  pid_ = -1;
  return false;
}

int64_t ProcStatusBytes(const std::string& pid, absl::string_view field) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/status"));
  for (std::string line; std::getline(in, line);) {
    absl::string_view rest = line;
    if (!absl::ConsumePrefix(&rest, field) || !absl::ConsumePrefix(&rest, ":")) continue;
    std::vector<absl::string_view> words = absl::StrSplit(rest, ' ', absl::SkipWhitespace());
    int64_t kib = 0;
    if (!words.empty() && absl::SimpleAtoi(words[0], &kib)) return kib * 1024;
  }
  return -1;
}

bool ResetProcPeak(const std::string& pid) {
  std::ofstream out(absl::StrCat("/proc/", pid, "/clear_refs"));
  out << "5";
  out.flush();
  return out.good();
}

int64_t ServiceProcess::StatusBytes(absl::string_view field) const {
  return ProcStatusBytes(absl::StrCat(pid_), field);
}

bool ServiceProcess::ResetPeak() const { return ResetProcPeak(absl::StrCat(pid_)); }

std::string ServiceProcess::LogTail() const {
  std::ifstream in(log_path_);
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return all.size() > 4000 ? all.substr(all.size() - 4000) : all;
}

absl::Status ServiceProcess::AwaitServing(absl::Duration patience) {
  absl::Time deadline = absl::Now() + patience;
  while (absl::Now() < deadline) {
    std::ifstream in(log_path_);
    for (std::string line; std::getline(in, line);) {
      nlohmann::json json = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
      if (!json.is_object()) continue;
      const std::string event = json.value("event", "");
      if (event == "serving") target_ = json.value("address", "");
      if (event == "metrics_serving") metrics_port_ = json.value("port", 0);
    }
    if (!target_.empty() && (!serves_metrics_ || metrics_port_ > 0)) return absl::OkStatus();
    if (!running()) return absl::InternalError(absl::StrCat(program_, " exited\n", LogTail()));
    absl::SleepFor(absl::Milliseconds(50));
  }
  return absl::DeadlineExceededError(absl::StrCat(program_, " did not start in time\n", LogTail()));
}

}  // namespace sixsteps::testing
