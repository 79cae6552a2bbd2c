// The bare ceilings: what this machine does with no hub code in the way (a callback-API
// gRPC echo in a process of its own; a one-row durable insert on the hub's PostgreSQL), and
// the services' server bootstrap serving the same echo, so that the bootstrap's own cost
// shows as the distance between the two echo rows.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "bench/scenarios.h"

namespace sixsteps::bench {

inline constexpr char kBareEchoCeiling[] = "ceiling: bare gRPC echo";
inline constexpr char kBootstrapEchoCeiling[] = "ceiling: gRPC echo";
inline constexpr char kBareInsertCeiling[] = "ceiling: bare durable insert";

enum class EchoServer { kBare, kBootstrap };

// Starts sixsteps-bench-echo (next to this program) in `server`'s mode, its standard error
// appended to `log_file`, drives Echo calls of 64 bytes at it and stops it.
absl::StatusOr<ScenarioResult> RunEchoCeiling(EchoServer server, const RunOptions& options,
                                              const std::string& log_file);

// Echo calls at a server already running (sixsteps-bench-echo started by hand, to profile
// it while it is loaded).
ScenarioResult RunEchoAt(const std::string& target, const RunOptions& options);

// One row inserted and committed per call, `options.concurrency` connections of their own,
// into a table made for the run (and dropped after it) in the assessment database: the
// database's durable-commit rate with nothing of the hub's around it.
absl::StatusOr<ScenarioResult> RunBareInsert(const ScenarioContext& context,
                                             const RunOptions& options);

}  // namespace sixsteps::bench
