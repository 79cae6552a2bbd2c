#include "services/common/log.h"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace sixsteps {

// ---- BufferedLineWriter ----

struct BufferedLineWriter::State {
  std::function<void(absl::string_view)> write;
  size_t capacity;
  absl::Duration interval;
  std::function<std::string(int64_t)> dropped_note;

  // Held while the buffer is taken and written out, so that lines reach `write` in the
  // order they were added, whoever writes them.
  std::mutex write_mu;
  std::mutex mu;
  std::condition_variable wake;
  std::string buffer;  // guarded by mu
  bool woken = false;  // guarded by mu: the writer was asked to write before its interval
  bool stop = false;   // guarded by mu
  int64_t dropped = 0;
  int64_t dropped_unsaid = 0;  // guarded by mu: dropped since the last note of it
  std::thread thread;

  // Writes out the buffer (and `line`, if any, after it). Holds write_mu.
  void WriteOut(absl::string_view line = {}) {
    std::lock_guard<std::mutex> writing(write_mu);
    std::string text;
    {
      std::lock_guard<std::mutex> lock(mu);
      text.swap(buffer);
      woken = false;
      if (dropped_unsaid > 0 && dropped_note) {
        text += dropped_note(dropped_unsaid);
        dropped_unsaid = 0;
      }
    }
    if (!line.empty()) absl::StrAppend(&text, line, "\n");
    if (!text.empty()) write(text);
  }
};

BufferedLineWriter::BufferedLineWriter(std::function<void(absl::string_view text)> write,
                                       size_t capacity_bytes, absl::Duration interval,
                                       std::function<std::string(int64_t)> dropped_note)
    : state_(new State) {
  state_->write = std::move(write);
  state_->capacity = capacity_bytes;
  state_->interval = interval;
  state_->dropped_note = std::move(dropped_note);
  State* state = state_;
  state_->thread = std::thread([state] {
    std::unique_lock<std::mutex> lock(state->mu);
    while (!state->stop) {
      state->wake.wait_for(lock, absl::ToChronoNanoseconds(state->interval),
                           [state] { return state->stop || state->woken; });
      lock.unlock();
      state->WriteOut();
      lock.lock();
    }
  });
}

BufferedLineWriter::~BufferedLineWriter() {
  {
    std::lock_guard<std::mutex> lock(state_->mu);
    state_->stop = true;
  }
  state_->wake.notify_all();
  state_->thread.join();
  state_->WriteOut();
  delete state_;
}

bool BufferedLineWriter::Add(absl::string_view line, bool now) {
  if (now) {
    state_->WriteOut(line);
    return true;
  }
  bool wake = false;
  {
    std::lock_guard<std::mutex> lock(state_->mu);
    if (state_->buffer.size() + line.size() + 1 > state_->capacity) {
      ++state_->dropped;
      ++state_->dropped_unsaid;
      return false;
    }
    absl::StrAppend(&state_->buffer, line, "\n");
    // A quarter full: write out now rather than at the interval, so that a burst does
    // not fill the buffer.
    if (!state_->woken && state_->buffer.size() > state_->capacity / 4) {
      state_->woken = true;
      wake = true;
    }
  }
  if (wake) state_->wake.notify_one();
  return true;
}

void BufferedLineWriter::Flush() { state_->WriteOut(); }

int64_t BufferedLineWriter::dropped() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->dropped;
}

// ---- The process's logger ----

namespace {

std::mutex& LogMutex() {
  static std::mutex mu;
  return mu;
}

std::string& ServiceName() {
  static std::string name = "sixsteps";
  return name;
}

std::function<void(const std::string&)>& Sink() {
  static std::function<void(const std::string&)> sink;
  return sink;
}

// Whether a sink is set: read on every line without taking the lock.
std::atomic<bool> sink_set{false};

void WriteToStandardError(absl::string_view text) {
  while (!text.empty()) {
    ssize_t n = ::write(STDERR_FILENO, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // nowhere to say so
    text.remove_prefix(static_cast<size_t>(n));
  }
}

// Never destroyed (lines may be logged while other statics are destroyed); written out at
// exit instead.
BufferedLineWriter& Writer() {
  static BufferedLineWriter* writer = [] {
    auto* created = new BufferedLineWriter(
        &WriteToStandardError, kLogBufferBytes, kLogFlushInterval, [](int64_t dropped) {
          nlohmann::json note = {
              {"time", absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(), absl::UTCTimeZone())},
              {"service", ServiceName()},
              {"event", "log_lines_dropped"},
              {"count", dropped}};
          return note.dump() + "\n";
        });
    std::atexit([] { FlushLog(); });
    return created;
  }();
  return *writer;
}

}  // namespace

void SetLogSinkForTesting(std::function<void(const std::string& line)> sink) {
  std::lock_guard<std::mutex> lock(LogMutex());
  sink_set = sink != nullptr;
  Sink() = std::move(sink);
}

void SetLogServiceName(absl::string_view service) { ServiceName() = std::string(service); }

void FlushLog() { Writer().Flush(); }

int64_t DroppedLogLines() { return Writer().dropped(); }

void LogEvent(absl::string_view event, nlohmann::json fields) {
  nlohmann::json line = nlohmann::json::object();
  line["time"] = absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(), absl::UTCTimeZone());
  line["service"] = ServiceName();
  line["event"] = std::string(event);
  if (fields.is_object()) line.update(fields);
  // Invalid UTF-8 from a client must not throw out of the logger.
  std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (sink_set.load(std::memory_order_relaxed)) {
    std::lock_guard<std::mutex> lock(LogMutex());
    if (Sink()) {
      Sink()(text);
      return;
    }
  }
  // Per-call lines wait for the writer thread; any other line is written out at once.
  Writer().Add(text, /*now=*/event != "call");
}

}  // namespace sixsteps
