// Resident memory a service gives back while idle, beyond malloc_trim's freed heap: the pages
// of its program and shared libraries that startup or the last burst of calls touched.
//
// VmRSS counts every page mapped into the process, the shared libraries' included (about
// 25 of a service's 30 MiB after start: gRPC, OpenSSL, protobuf, libpq and what they load,
// most of it touched once while the process starts, plus the 64 KiB the kernel maps around
// each page fault). Code and read-only data that were never written can be read again from
// the page cache at any time, so unmapping them loses nothing: the pages stay in the page
// cache (shared with every other process mapping them) until the kernel needs the memory,
// and a page the service touches again is mapped again on that touch (a minor fault).
#pragma once

#include <cstddef>
#include <cstdint>

#include "absl/strings/string_view.h"

namespace sixsteps {

// Unmaps (madvise MADV_DONTNEED) every private, read-only mapping of a file in
// /proc/self/smaps that holds no anonymous page: code and read-only data of the program and
// its libraries. Never a writable mapping, nor a read-only one holding copied pages (the
// dynamic linker's relocated RELRO data): those pages would be lost. Returns the KiB they
// held (0 if smaps cannot be read).
size_t ReleaseCleanFilePages();

// The same over an smaps text (for tests): calls `release(start, length)` for each mapping
// that qualifies and returns the KiB they held.
size_t ReleaseCleanFilePages(absl::string_view smaps,
                             void (*release)(uintptr_t start, size_t length));

// Decides, once per period, whether the process has been idle (its CPU time over the
// period below `busy_fraction` of one core) after some work since the last release, and
// has file pages to give back (its resident file-backed pages grew by `min_growth_kib`
// since then). Once per idle spell: releasing again while idle would only make the idle
// threads fault their few pages in again (measured: 0.3-0.6% of a core per service).
class IdleRelease {
 public:
  explicit IdleRelease(double busy_fraction = 0.01, size_t min_growth_kib = 1024)
      : busy_fraction_(busy_fraction), min_growth_kib_(min_growth_kib) {}
  // Call once per period; releases when idle and grown. Returns the KiB released.
  size_t Tick();
  // The decision alone: `cpu_seconds` and `wall_seconds` since the last tick, the resident
  // file-backed KiB now.
  bool ShouldRelease(double cpu_seconds, double wall_seconds, size_t file_kib);
  void Released(size_t file_kib_after) {
    file_kib_after_release_ = file_kib_after;
    worked_since_release_ = false;
  }

 private:
  const double busy_fraction_;
  const size_t min_growth_kib_;
  size_t file_kib_after_release_ = 0;
  bool worked_since_release_ = true;  // startup counts as work
  double last_cpu_ = -1;
  double last_wall_ = 0;
};

}  // namespace sixsteps
