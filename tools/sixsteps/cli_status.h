// How the CLI reports failures. Inside, every function returns absl::Status; at the edge
// one function turns a status into the process exit code and the line on stderr:
//   - errors from a service (and local checks against what a service returned) keep their
//     gRPC code: "error: NOT_FOUND: ..." and exit status 1..16;
//   - usage errors: "error: ...", a usage line, exit status 64 (EX_USAGE);
//   - local file problems: "error: ...", exit status 65, 66 or 73 (sysexits.h).
#pragma once

#include <ostream>
#include <string>

#include <grpcpp/support/status.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/base/status_macros.h"  // Every user of these returns early too.

namespace sixsteps::cli {

// Exit statuses from sysexits.h for failures that never reached a service.
inline constexpr int kExitUsage = 64;         // EX_USAGE: the command line is wrong.
inline constexpr int kExitDataError = 65;     // EX_DATAERR: an input file is malformed.
inline constexpr int kExitNoInput = 66;       // EX_NOINPUT: an input file cannot be read.
inline constexpr int kExitCannotCreate = 73;  // EX_CANTCREAT: an output file cannot be written.

// A usage error. `usage` is the command's usage line; the dispatcher fills it in when the
// command that failed did not.
absl::Status UsageError(absl::string_view message, absl::string_view usage = "");
bool IsUsageError(const absl::Status& status);
// The usage line attached to a usage error ("" if none).
std::string UsageOf(const absl::Status& status);
// Returns `status` with `usage` attached if it is a usage error without a usage line.
absl::Status WithUsage(absl::Status status, absl::string_view usage);

// A local failure (a file, not a service) that exits with `exit_code`.
absl::Status LocalError(int exit_code, absl::string_view message);

// A grpc::Status as an absl::Status (same numeric codes, same message).
absl::Status FromGrpc(const grpc::Status& status);

// Writes `contents` to `path` (created or truncated) readable by its owner only: exports
// hold names, ratings and notes. An existing regular file's mode is set to 0600 too; a
// device such as /dev/stdout is written as it is. kExitCannotCreate if it cannot be.
absl::Status WritePrivateFile(const std::string& path, absl::string_view contents);

// The exit status for `status`: 0 if OK, the sysexits code of a usage or local error,
// else the numeric gRPC code.
int ExitCodeOf(const absl::Status& status);

// Writes the one-line report of a failed status (and the usage line of a usage error).
void ReportError(const absl::Status& status, std::ostream& err);

}  // namespace sixsteps::cli
