// Library pages a service gives back at idle (issue 18, helper idle): which mappings
// qualify, when, and that the process goes on working after giving them back.
#include "services/common/idle_pages.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/util/json_util.h"
#include "sixsteps/identity/v1/identity.pb.h"

namespace sixsteps {
namespace {

std::vector<std::pair<uintptr_t, size_t>>* released = nullptr;
void Record(uintptr_t start, size_t length) { released->emplace_back(start, length); }

// One mapping's lines as /proc/PID/smaps shows them.
std::string Mapping(const std::string& header, int rss_kib, int anonymous_kib) {
  return absl::StrCat(header, "\nSize:               64 kB\nRss:                ", rss_kib,
                      " kB\nAnonymous:          ", anonymous_kib, " kB\nVmFlags: rd mr mw me\n");
}

TEST(IdlePagesTest, OnlyUnwrittenReadOnlyPrivateFileMappingsAreReleased) {
  std::string smaps =
      Mapping("00400000-00410000 r--p 00000000 08:01 11 /usr/bin/service", 64, 0) +
      Mapping("00410000-00420000 r-xp 00010000 08:01 11 /usr/bin/service", 40, 0) +
      // Relocated RELRO data: copied pages, never released.
      Mapping("00420000-00430000 r--p 00020000 08:01 11 /usr/bin/service", 64, 64) +
      Mapping("00430000-00440000 rw-p 00030000 08:01 11 /usr/bin/service", 8, 8) +
      Mapping("00440000-00450000 rw-p 00000000 00:00 0 [heap]", 64, 64) +
      Mapping("7f0000000000-7f0000010000 r-xp 00000000 08:01 12 /usr/lib/libgrpc.so.29", 32, 0) +
      // Shared memory and anonymous mappings are not the program's files.
      Mapping("7f0000010000-7f0000020000 r--s 00000000 00:05 13 /dev/shm/segment", 64, 0) +
      Mapping("7f0000020000-7f0000030000 r--p 00000000 00:00 0 ", 64, 64) +
      // Nothing resident: nothing to release.
      Mapping("7f0000030000-7f0000040000 r--p 00000000 08:01 12 /usr/lib/libgrpc.so.29", 0, 0);
  std::vector<std::pair<uintptr_t, size_t>> calls;
  released = &calls;
  EXPECT_EQ(ReleaseCleanFilePages(smaps, Record), 64u + 40u + 32u);
  EXPECT_THAT(calls, ::testing::ElementsAre(std::pair<uintptr_t, size_t>{0x400000, 0x10000},
                                            std::pair<uintptr_t, size_t>{0x410000, 0x10000},
                                            std::pair<uintptr_t, size_t>{0x7f0000000000, 0x10000}));
}

TEST(IdlePagesTest, ReleasesOncePerIdleSpellAfterWorkWhenGrown) {
  IdleRelease release(/*busy_fraction=*/0.01, /*min_growth_kib=*/1024);
  EXPECT_FALSE(release.ShouldRelease(0.5, 15, 20'000));  // 3% of a core: serving calls
  EXPECT_FALSE(release.ShouldRelease(0, 0, 20'000));     // no time passed
  EXPECT_TRUE(release.ShouldRelease(0.05, 15, 20'000));  // 0.3%: idle after starting
  release.Released(6'000);
  // Still idle: not again, however much the idle threads fault back in.
  EXPECT_FALSE(release.ShouldRelease(0.01, 15, 9'000));
  EXPECT_FALSE(release.ShouldRelease(1.0, 15, 9'000));   // a burst of calls
  EXPECT_FALSE(release.ShouldRelease(0.01, 15, 6'500));  // idle, grew by less than 1 MiB
  EXPECT_TRUE(release.ShouldRelease(0.01, 15, 7'100));   // idle after the burst, grown
}

size_t StatusKib(const std::string& field) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind(field, 0) == 0) {
      std::vector<std::string> parts = absl::StrSplit(line, ' ', absl::SkipEmpty());
      return parts.size() >= 2 ? std::stoul(parts[1]) : 0;
    }
  }
  return 0;
}

TEST(IdlePagesTest, TheProcessKeepsWorkingAfterGivingItsLibraryPagesBack) {
  // Touch libraries (protobuf, its JSON printer, libstdc++) before and after.
  identity::v1::Partnership partnership;
  partnership.set_name("partnerships/gateshead");
  std::string before;
  ASSERT_TRUE(google::protobuf::util::MessageToJsonString(partnership, &before).ok());
  const size_t file_before = StatusKib("RssFile:");
  EXPECT_GT(ReleaseCleanFilePages(), 0u);
  const size_t file_after = StatusKib("RssFile:");
  EXPECT_LT(file_after, file_before);
  std::string after;
  ASSERT_TRUE(google::protobuf::util::MessageToJsonString(partnership, &after).ok());
  EXPECT_EQ(after, before);
}

}  // namespace
}  // namespace sixsteps
