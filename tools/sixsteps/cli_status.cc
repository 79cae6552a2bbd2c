#include "tools/sixsteps/cli_status.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>

#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace sixsteps::cli {
namespace {

// Payload type URLs that mark a status as the CLI's own; they never leave the process.
constexpr absl::string_view kExitCodePayload = "type.sixsteps.cli/exit_code";
constexpr absl::string_view kUsagePayload = "type.sixsteps.cli/usage";

std::optional<int> LocalExitCode(const absl::Status& status) {
  auto payload = status.GetPayload(kExitCodePayload);
  int code = 0;
  if (payload && absl::SimpleAtoi(std::string(*payload), &code)) return code;
  return std::nullopt;
}

}  // namespace

absl::Status WritePrivateFile(const std::string& path, absl::string_view contents) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  int error = fd < 0 ? errno : 0;
  struct stat info {};
  if (error == 0 && ::fstat(fd, &info) != 0) error = errno;
  // A file that existed keeps its old mode through O_CREAT: narrow it (issue #13, #19).
  if (error == 0 && S_ISREG(info.st_mode) && (info.st_mode & 0777) != 0600 &&
      ::fchmod(fd, 0600) != 0) {
    error = errno;
  }
  for (size_t done = 0; error == 0 && done < contents.size();) {
    ssize_t n = ::write(fd, contents.data() + done, contents.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      error = n < 0 ? errno : EIO;
      break;
    }
    done += static_cast<size_t>(n);
  }
  if (fd >= 0 && ::close(fd) != 0 && error == 0) error = errno;
  if (error != 0) {
    return LocalError(kExitCannotCreate,
                      absl::StrCat("cannot write ", path, ": ", std::strerror(error)));
  }
  return absl::OkStatus();
}

absl::Status UsageError(absl::string_view message, absl::string_view usage) {
  absl::Status status = LocalError(kExitUsage, message);
  status.SetPayload(kUsagePayload, absl::Cord(usage));
  return status;
}

bool IsUsageError(const absl::Status& status) {
  return status.GetPayload(kUsagePayload).has_value();
}

std::string UsageOf(const absl::Status& status) {
  auto usage = status.GetPayload(kUsagePayload);
  return usage ? std::string(*usage) : std::string();
}

absl::Status WithUsage(absl::Status status, absl::string_view usage) {
  if (IsUsageError(status) && UsageOf(status).empty()) {
    status.SetPayload(kUsagePayload, absl::Cord(usage));
  }
  return status;
}

absl::Status LocalError(int exit_code, absl::string_view message) {
  // The code is irrelevant to the exit status (the payload decides) but must not be OK.
  absl::Status status(absl::StatusCode::kInvalidArgument, message);
  status.SetPayload(kExitCodePayload, absl::Cord(absl::StrCat(exit_code)));
  return status;
}

absl::Status FromGrpc(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
}

int ExitCodeOf(const absl::Status& status) {
  if (status.ok()) return 0;
  if (std::optional<int> code = LocalExitCode(status)) return *code;
  return static_cast<int>(status.code());
}

void ReportError(const absl::Status& status, std::ostream& err) {
  if (status.ok()) return;
  if (LocalExitCode(status)) {
    err << "error: " << status.message() << "\n";
    std::string usage = UsageOf(status);
    if (!usage.empty()) err << "usage: " << usage << "\n";
    return;
  }
  err << "error: " << absl::StatusCodeToString(status.code()) << ": " << status.message() << "\n";
}

}  // namespace sixsteps::cli
