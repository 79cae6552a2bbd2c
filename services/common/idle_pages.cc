#include "services/common/idle_pages.h"

#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"

namespace sixsteps {
namespace {

struct Mapping {
  uintptr_t start = 0;
  uintptr_t end = 0;
  bool candidate = false;  // private, not writable, backed by a file
  size_t rss_kib = 0;
  size_t anonymous_kib = 0;
};

// "7f12a0000000-7f12a0021000 r-xp 00000000 08:01 1234   /usr/lib/libx.so" -> its range and
// whether it may be released; false if the line is not a mapping's header.
bool ParseHeader(absl::string_view line, Mapping* mapping) {
  std::vector<absl::string_view> fields = absl::StrSplit(line, ' ', absl::SkipEmpty());
  if (fields.size() < 5) return false;
  std::vector<absl::string_view> range = absl::StrSplit(fields[0], '-');
  uint64_t start = 0, end = 0;
  if (range.size() != 2 || !absl::SimpleHexAtoi(range[0], &start) ||
      !absl::SimpleHexAtoi(range[1], &end) || fields[1].size() != 4) {
    return false;
  }
  absl::string_view perms = fields[1];
  absl::string_view path = fields.size() >= 6 ? fields[5] : "";
  *mapping = Mapping{static_cast<uintptr_t>(start), static_cast<uintptr_t>(end)};
  mapping->candidate = perms[1] != 'w' && perms[3] == 'p' && absl::StartsWith(path, "/") &&
                       !absl::StartsWith(path, "/dev/") && !absl::StartsWith(path, "/memfd:");
  return true;
}

size_t Kib(absl::string_view line) {
  std::vector<absl::string_view> fields = absl::StrSplit(line, ' ', absl::SkipEmpty());
  size_t kib = 0;
  if (fields.size() >= 2 && absl::SimpleAtoi(fields[1], &kib)) return kib;
  return 0;
}

void Madvise(uintptr_t start, size_t length) {
  madvise(reinterpret_cast<void*>(start), length, MADV_DONTNEED);
}

// Resident file-backed KiB of this process (/proc/self/statm's third field, in pages).
size_t ResidentFileKib() {
  std::ifstream statm("/proc/self/statm");
  size_t size = 0, resident = 0, shared = 0;
  if (!(statm >> size >> resident >> shared)) return 0;
  return shared * static_cast<size_t>(sysconf(_SC_PAGESIZE)) / 1024;
}

double CpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

}  // namespace

size_t ReleaseCleanFilePages(absl::string_view smaps,
                             void (*release)(uintptr_t start, size_t length)) {
  size_t released = 0;
  Mapping mapping;
  bool have = false;
  auto finish = [&] {
    if (have && mapping.candidate && mapping.anonymous_kib == 0 && mapping.rss_kib > 0) {
      release(mapping.start, mapping.end - mapping.start);
      released += mapping.rss_kib;
    }
  };
  for (absl::string_view line : absl::StrSplit(smaps, '\n')) {
    Mapping next;
    if (ParseHeader(line, &next)) {
      finish();
      mapping = next;
      have = true;
    } else if (absl::StartsWith(line, "Rss:")) {
      mapping.rss_kib = Kib(line);
    } else if (absl::StartsWith(line, "Anonymous:")) {
      mapping.anonymous_kib = Kib(line);
    }
  }
  finish();
  return released;
}

size_t ReleaseCleanFilePages() {
  std::ifstream file("/proc/self/smaps");
  if (!file) return 0;
  std::stringstream text;
  text << file.rdbuf();
  return ReleaseCleanFilePages(text.str(), Madvise);
}

bool IdleRelease::ShouldRelease(double cpu_seconds, double wall_seconds, size_t file_kib) {
  if (wall_seconds <= 0) return false;
  if (cpu_seconds > busy_fraction_ * wall_seconds) {
    worked_since_release_ = true;
    return false;
  }
  return worked_since_release_ && file_kib >= file_kib_after_release_ + min_growth_kib_;
}

size_t IdleRelease::Tick() {
  const double cpu = CpuSeconds();
  const double wall = absl::ToUnixMicros(absl::Now()) / 1e6;
  const bool first = last_cpu_ < 0;
  const double cpu_spent = cpu - last_cpu_, wall_spent = wall - last_wall_;
  last_cpu_ = cpu;
  last_wall_ = wall;
  if (first || !ShouldRelease(cpu_spent, wall_spent, ResidentFileKib())) return 0;
  size_t released = ReleaseCleanFilePages();
  Released(ResidentFileKib());
  // The release itself (reading smaps) is not the service's work.
  last_cpu_ = CpuSeconds();
  return released;
}

}  // namespace sixsteps
