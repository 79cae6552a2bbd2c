#include "bench/scenarios_ceilings.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <pqxx/pqxx>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <climits>
#include <fstream>
#include <iterator>
#include <memory>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "sixsteps/bench/v1/echo_service.grpc.pb.h"

namespace sixsteps::bench {
namespace {

namespace bv1 = ::sixsteps::bench::v1;

// sixsteps-bench-echo, built next to this program.
std::string EchoProgram() {
  char self[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (n <= 0) return "sixsteps-bench-echo";
  std::string path(self, n);
  return path.substr(0, path.rfind('/') + 1) + "sixsteps-bench-echo";
}

// The echo server's process: started with its standard output on a pipe (where it says
// where it listens) and its standard error appended to a log; SIGTERM and reaped when
// destroyed, SIGKILLed by the kernel if this program dies first.
class EchoProcess {
 public:
  static absl::StatusOr<std::unique_ptr<EchoProcess>> Start(const std::string& mode,
                                                            const std::string& log_file) {
    const std::string program = EchoProgram();
    int out[2];
    if (pipe(out) != 0) return absl::InternalError("pipe failed");
    int log = open(log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (log < 0) log = open("/dev/null", O_WRONLY | O_CLOEXEC);
    const std::string mode_flag = absl::StrCat("--mode=", mode);
    pid_t pid = fork();
    if (pid < 0) return absl::InternalError("fork failed");
    if (pid == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      dup2(out[1], STDOUT_FILENO);
      dup2(log, STDERR_FILENO);
      int null = open("/dev/null", O_RDONLY);
      if (null >= 0) dup2(null, STDIN_FILENO);
      execl(program.c_str(), program.c_str(), mode_flag.c_str(), "--listen=127.0.0.1:0",
            static_cast<char*>(nullptr));
      _exit(127);
    }
    close(out[1]);
    close(log);
    std::unique_ptr<EchoProcess> process(new EchoProcess(pid));
    std::string line;
    char c;
    while (read(out[0], &c, 1) == 1 && c != '\n') line += c;
    close(out[0]);
    absl::string_view target = line;
    if (!absl::ConsumePrefix(&target, "listening ")) {
      return absl::UnavailableError(
          absl::StrCat(program, " --mode=", mode, " did not start (see ", log_file, ")"));
    }
    process->target_ = std::string(target);
    return process;
  }
  ~EchoProcess() {
    kill(pid_, SIGTERM);
    int status = 0;
    while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
  }
  const std::string& target() const { return target_; }

  // CPU time the process has used so far, user and system.
  double CpuSeconds() const {
    std::ifstream stat(absl::StrCat("/proc/", pid_, "/stat"));
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    // The fields after the command's closing parenthesis start at field 3 (state); utime
    // and stime are fields 14 and 15.
    size_t close = text.rfind(')');
    if (close == std::string::npos || close + 2 >= text.size()) return 0;
    std::vector<std::string> fields = absl::StrSplit(text.substr(close + 2), ' ');
    double utime = 0, stime = 0;
    if (fields.size() <= 12 || !absl::SimpleAtod(fields[11], &utime) ||
        !absl::SimpleAtod(fields[12], &stime)) {
      return 0;
    }
    return (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
  }

  // Resident memory now (VmRSS), in MiB; 0 if unreadable.
  double ResidentMiB() const {
    std::ifstream status(absl::StrCat("/proc/", pid_, "/status"));
    std::string line;
    while (std::getline(status, line)) {
      absl::string_view rest = line;
      double kib = 0;
      if (absl::ConsumePrefix(&rest, "VmRSS:") &&
          absl::SimpleAtod(absl::StripSuffix(absl::StripAsciiWhitespace(rest), " kB"), &kib)) {
        return kib / 1024;
      }
    }
    return 0;
  }

 private:
  explicit EchoProcess(pid_t pid) : pid_(pid) {}
  pid_t pid_;
  std::string target_;
};

double ProcessCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

}  // namespace

namespace {

// Echo calls of 64 bytes at `target`; `calls` counts every call started, warm-up included.
RunResult DriveEcho(const std::string& target, const RunOptions& options,
                    std::atomic<int64_t>* calls) {
  auto stub = bv1::EchoService::NewStub(Dial(target, "echo"));
  const std::string payload(64, 'x');
  struct InFlight {
    grpc::ClientContext context;
    bv1::EchoRequest request;
    bv1::EchoResponse response;
  };
  return RunAsync(options, [&](int, std::function<void(std::string)> done) {
    calls->fetch_add(1, std::memory_order_relaxed);
    auto* call = new InFlight;
    call->context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
    call->request.set_payload(payload);
    stub->async()->Echo(
        &call->context, &call->request, &call->response,
        [call, done = std::move(done)](grpc::Status status) {
          delete call;
          done(status.ok() ? "" : absl::StrCat(status.error_code(), ": ", status.error_message()));
        });
  });
}

}  // namespace

absl::StatusOr<ScenarioResult> RunEchoCeiling(EchoServer server, const RunOptions& options,
                                              const std::string& log_file) {
  const bool bare = server == EchoServer::kBare;
  absl::StatusOr<std::unique_ptr<EchoProcess>> process =
      EchoProcess::Start(bare ? "bare" : "bootstrap", log_file);
  if (!process.ok()) return process.status();
  ScenarioResult result;
  if (bare) {
    result.name = kBareEchoCeiling;
    result.note =
        "gRPC's callback API alone: no interceptors, logging or metrics; a process of its own";
  } else {
    result.name = kBootstrapEchoCeiling;
    result.bare_ceiling = kBareEchoCeiling;
    result.note =
        "no database; the services' own server bootstrap (callback API, the handler on the "
        "server's executor, log line, metrics, admission), a process of its own";
  }
  // CPU per call, of the server and of this process (the client), over every call made,
  // warm-up included: on a shared machine a steadier figure than calls per second.
  std::atomic<int64_t> calls{0};
  const double server_cpu_before = (*process)->CpuSeconds();
  const double client_cpu_before = ProcessCpuSeconds();
  // The server's resident memory before the load and its peak under it, sampled every 50 ms
  // (issue 18's memory targets, for the bootstrap without a database).
  const double idle_mib = (*process)->ResidentMiB();
  std::atomic<double> peak_mib{idle_mib};
  std::atomic<bool> driving{true};
  std::thread sampler([&] {
    while (driving.load()) {
      peak_mib = std::max(peak_mib.load(), (*process)->ResidentMiB());
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  });
  result.run = DriveEcho((*process)->target(), options, &calls);
  driving = false;
  sampler.join();
  const double n = static_cast<double>(std::max<int64_t>(calls.load(), 1));
  absl::StrAppendFormat(&result.note,
                        "; CPU per call: server %.0f µs, client %.0f µs; server resident %.1f MiB "
                        "idle, %.1f MiB peak under load",
                        1e6 * ((*process)->CpuSeconds() - server_cpu_before) / n,
                        1e6 * (ProcessCpuSeconds() - client_cpu_before) / n, idle_mib,
                        peak_mib.load());
  return result;
}

ScenarioResult RunEchoAt(const std::string& target, const RunOptions& options) {
  std::atomic<int64_t> calls{0};
  ScenarioResult result;
  result.name = absl::StrCat("echo at ", target);
  result.run = DriveEcho(target, options, &calls);
  return result;
}

absl::StatusOr<ScenarioResult> RunBareInsert(const ScenarioContext& context,
                                             const RunOptions& options) {
  constexpr char kTable[] = "sixsteps_bench_bare_insert";
  std::vector<std::unique_ptr<pqxx::connection>> connections;
  std::string settings;
  try {
    for (int i = 0; i < options.concurrency; ++i) {
      connections.push_back(std::make_unique<pqxx::connection>(context.assessment_database_url));
    }
    pqxx::nontransaction setup(*connections[0]);
    setup.exec0(absl::StrCat("DROP TABLE IF EXISTS ", kTable));
    setup.exec0(absl::StrCat("CREATE TABLE ", kTable,
                             " (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
                             " slot integer NOT NULL, payload text NOT NULL)"));
    settings = absl::StrCat("fsync ", setup.exec1("SHOW fsync")[0].c_str(), ", synchronous_commit ",
                            setup.exec1("SHOW synchronous_commit")[0].c_str());
    for (auto& connection : connections) {
      connection->prepare("bare_insert",
                          absl::StrCat("INSERT INTO ", kTable, " (slot, payload) VALUES ($1, $2)"));
    }
  } catch (const std::exception& e) {
    return absl::UnavailableError(absl::StrCat("bare insert ceiling: ", e.what()));
  }
  const std::string payload(64, 'x');
  ScenarioResult result;
  result.name = kBareInsertCeiling;
  result.note = absl::StrCat("one row, one commit per call; a connection per slot; ", settings);
  result.run = RunBlocking(options, [&](int thread) -> std::string {
    try {
      pqxx::work txn(*connections[thread]);
      txn.exec_prepared0("bare_insert", thread, payload);
      txn.commit();
      return "";
    } catch (const std::exception& e) {
      return e.what();
    }
  });
  try {
    pqxx::nontransaction cleanup(*connections[0]);
    cleanup.exec0(absl::StrCat("DROP TABLE IF EXISTS ", kTable));
  } catch (const std::exception&) {
    // The next run drops it first.
  }
  return result;
}

}  // namespace sixsteps::bench
