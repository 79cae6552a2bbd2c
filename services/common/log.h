// Structured logging: one JSON object per line on standard error.
//
// Lines are written off the caller's path: LogEvent appends the line to a bounded buffer in
// memory and a writer thread of the logger writes the buffer out with one write(2) at most
// every kLogFlushInterval (so a busy server makes no system call per line). A line other
// than a per-call "call" line is written out at once (start-up, shutdown and error lines
// stay prompt, and a test that waits for one sees it). The buffer is written out at
// shutdown (FlushLog, which Serve calls, and at exit). When the buffer is full a line is
// dropped, never waited for: the number dropped is counted (DroppedLogLines) and said in
// a "log_lines_dropped" line as soon as there is room again.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace sixsteps {

// How long a buffered line may wait before it is written out.
inline constexpr absl::Duration kLogFlushInterval = absl::Milliseconds(100);
// Most bytes of lines held in memory; past this, lines are dropped and counted.
inline constexpr size_t kLogBufferBytes = 4 << 20;

// Writes {"time":..., "service":..., "event": event, ...fields} as one line. Thread-safe.
void LogEvent(absl::string_view event, nlohmann::json fields = nlohmann::json::object());

// Names the service in every line this process logs. Call once at start-up.
void SetLogServiceName(absl::string_view service);

// Writes out every line logged so far and returns when it is written.
void FlushLog();

// Lines dropped because the buffer was full, since the process started.
int64_t DroppedLogLines();

// For tests: every line (without its newline) goes to `sink` instead of standard error,
// until called again with nullptr. Called with the logger's lock held: `sink` must not log.
void SetLogSinkForTesting(std::function<void(const std::string& line)> sink);

// The buffer behind LogEvent, usable on its own (tests): lines go to `write` (called with
// whole lines, each ending in a newline, from the writer thread or from Flush's caller,
// never from two threads at once) at most `interval` after they were added.
class BufferedLineWriter {
 public:
  // `dropped_note(n)`, if set, makes the line (newline included) that says n lines were
  // dropped; it is written before the lines added after them.
  BufferedLineWriter(std::function<void(absl::string_view text)> write, size_t capacity_bytes,
                     absl::Duration interval,
                     std::function<std::string(int64_t dropped)> dropped_note = nullptr);
  // Writes out what is buffered.
  ~BufferedLineWriter();
  BufferedLineWriter(const BufferedLineWriter&) = delete;
  BufferedLineWriter& operator=(const BufferedLineWriter&) = delete;

  // Appends `line` and a newline; false (and counted) if it does not fit in the buffer.
  // `now`: write out at once, in this thread (after everything added before it).
  bool Add(absl::string_view line, bool now = false);
  // Writes out everything added before the call, in this thread.
  void Flush();
  int64_t dropped() const;

 private:
  struct State;
  State* state_;
};

}  // namespace sixsteps
