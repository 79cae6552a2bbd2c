// The logger's buffered writer (services/common/log.h): lines are written in order, none is
// lost at shutdown, and a full buffer drops and counts lines rather than blocking.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/notification.h"
#include "services/common/log.h"

namespace sixsteps {
namespace {

using ::testing::ElementsAre;
using ::testing::SizeIs;

// What the writer wrote, in order, one element per line.
class Collected {
 public:
  std::function<void(absl::string_view)> Writer() {
    return [this](absl::string_view text) {
      std::lock_guard<std::mutex> lock(mu_);
      ++writes_;
      text_.append(text.data(), text.size());
    };
  }
  std::vector<std::string> Lines() {
    std::lock_guard<std::mutex> lock(mu_);
    return absl::StrSplit(text_, '\n', absl::SkipEmpty());
  }
  int writes() {
    std::lock_guard<std::mutex> lock(mu_);
    return writes_;
  }

 private:
  std::mutex mu_;
  std::string text_;
  int writes_ = 0;
};

TEST(BufferedLineWriterTest, WritesEveryLineInOrderWhenDestroyed) {
  Collected out;
  {
    // An interval far longer than the test: only the destructor writes.
    BufferedLineWriter writer(out.Writer(), 1 << 20, absl::Hours(1));
    for (int i = 0; i < 1000; ++i) ASSERT_TRUE(writer.Add(absl::StrCat("line ", i)));
    EXPECT_EQ(out.writes(), 0);
  }
  std::vector<std::string> lines = out.Lines();
  ASSERT_THAT(lines, SizeIs(1000));
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(lines[i], absl::StrCat("line ", i));
  // All of it in one write: no system call per line.
  EXPECT_EQ(out.writes(), 1);
}

TEST(BufferedLineWriterTest, AnUrgentLineIsWrittenAtOnceAfterTheLinesBeforeIt) {
  Collected out;
  BufferedLineWriter writer(out.Writer(), 1 << 20, absl::Hours(1));
  writer.Add("first");
  writer.Add("second");
  writer.Add("stopping", /*now=*/true);
  EXPECT_THAT(out.Lines(), ElementsAre("first", "second", "stopping"));
  writer.Add("later");
  writer.Flush();
  EXPECT_THAT(out.Lines(), ElementsAre("first", "second", "stopping", "later"));
}

TEST(BufferedLineWriterTest, TheWriterThreadWritesAfterTheInterval) {
  Collected out;
  absl::Notification written;
  BufferedLineWriter writer(
      [&](absl::string_view text) {
        out.Writer()(text);
        if (!written.HasBeenNotified()) written.Notify();
      },
      1 << 20, absl::Milliseconds(10));
  writer.Add("waiting");
  written.WaitForNotification();
  EXPECT_THAT(out.Lines(), ElementsAre("waiting"));
}

TEST(BufferedLineWriterTest, AFullBufferDropsAndCountsLinesWithoutBlocking) {
  Collected out;
  {
    // 100 bytes hold ten lines of nine characters and their newlines.
    BufferedLineWriter writer(out.Writer(), 100, absl::Hours(1), [](int64_t dropped) {
      return absl::StrCat("dropped ", dropped, "\n");
    });
    int added = 0;
    for (int i = 0; i < 25; ++i) added += writer.Add(absl::StrCat("line ", 1000 + i)) ? 1 : 0;
    EXPECT_EQ(added, 10);
    EXPECT_EQ(writer.dropped(), 15);
    writer.Flush();
    // Room again: the next line is kept, and the drop was said before it.
    EXPECT_TRUE(writer.Add("after"));
  }
  std::vector<std::string> lines = out.Lines();
  ASSERT_THAT(lines, SizeIs(12));
  EXPECT_EQ(lines[0], "line 1000");
  EXPECT_EQ(lines[9], "line 1009");
  EXPECT_EQ(lines[10], "dropped 15");
  EXPECT_EQ(lines[11], "after");
}

TEST(BufferedLineWriterTest, ManyThreadsLoseNoLine) {
  Collected out;
  constexpr int kThreads = 8, kLines = 2000;
  {
    BufferedLineWriter writer(out.Writer(), 16 << 20, absl::Milliseconds(1));
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&writer, t] {
        for (int i = 0; i < kLines; ++i) writer.Add(absl::StrCat(t, " ", i));
      });
    }
    for (std::thread& thread : threads) thread.join();
    EXPECT_EQ(writer.dropped(), 0);
  }
  std::vector<std::string> lines = out.Lines();
  ASSERT_THAT(lines, SizeIs(kThreads * kLines));
  // Each thread's lines in its own order.
  std::vector<int> next(kThreads, 0);
  for (const std::string& line : lines) {
    std::vector<std::string> parts = absl::StrSplit(line, ' ');
    ASSERT_THAT(parts, SizeIs(2));
    int t = std::stoi(parts[0]);
    EXPECT_EQ(std::stoi(parts[1]), next[t]++);
  }
}

TEST(LogEventTest, ASinkSeesEveryLineAtOnce) {
  std::vector<std::string> seen;
  SetLogSinkForTesting([&](const std::string& line) { seen.push_back(line); });
  LogEvent("call", {{"method", "/x.Y/Z"}});
  SetLogSinkForTesting(nullptr);
  ASSERT_THAT(seen, SizeIs(1));
  EXPECT_THAT(seen[0], ::testing::HasSubstr(R"("event":"call")"));
}

}  // namespace
}  // namespace sixsteps
