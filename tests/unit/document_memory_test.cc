// Documents stream (issue 15): exporting a tracker of more than 100 A4 pages grows the
// exporting process's peak resident memory (VmHWM) by less than 20 MiB in every format,
// because each writer hands its bytes to the sink in 64 KiB pieces as it goes. Measured in
// a forked child, so nothing the test process did before counts; not a timed assertion.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "services/reporting/document.h"
#include "services/reporting/render.h"
#include "sixsteps/action/v1/action.pb.h"
#include "tests/support/child_process.h"
#include "tests/support/status_matchers.h"

namespace sixsteps::reporting {
namespace {

using ::sixsteps::testing::IsOk;
using ::sixsteps::testing::ProcStatusBytes;
using ::sixsteps::testing::ResetProcPeak;

constexpr int64_t kMiB = 1024 * 1024;
constexpr int64_t kLimit = 20 * kMiB;

// 1,400 actions of one partnership, each in its owner's and its step's group.
v1::ActionTracker LongTracker() {
  v1::ActionTracker t;
  t.set_scope("partnerships/long");
  t.set_as_of_date("2026-05-01");
  const char* owners[] = {"police", "council", "health", "education", "probation"};
  for (const char* owner : owners) {
    v1::ActionGroup* g = t.add_by_owner();
    g->set_key(absl::StrCat("partnerships/long/organisations/", owner));
    g->set_label(owner);
  }
  for (int s = 1; s <= 6; ++s) {
    v1::ActionGroup* g = t.add_by_step();
    g->set_key(absl::StrCat("s", s));
    g->set_label(absl::StrCat("Step ", s));
  }
  for (int i = 0; i < 1400; ++i) {
    v1::ActionLine a;
    a.set_action(absl::StrCat("assessments/a-1/actions/x-", i));
    a.set_assessment("assessments/a-1");
    a.set_step_id(absl::StrCat("s", 1 + i % 6));
    a.set_owner_organisation(absl::StrCat("partnerships/long/organisations/", owners[i % 5]));
    a.set_description(absl::StrCat("Action ", i,
                                   ": agree with the three partners how the children's voice is "
                                   "heard in the plan, and audit it"));
    a.set_due_date("2026-03-31");
    a.set_action_status(action::v1::Action::STATUS_PLANNED);
    a.set_overdue(i % 3 == 0);
    a.set_days_overdue(i % 3 == 0 ? 31 : 0);
    a.set_age_days(200);
    *t.mutable_by_owner(i % 5)->add_actions() = a;
    *t.mutable_by_step(i % 6)->add_actions() = a;
  }
  return t;
}

// In a forked child: renders a small report first (the fonts and libraries a running service
// has loaded already), resets the peak (Linux's clear_refs, value 5), streams the long
// tracker in `format` to a sink that only counts, and reports how far the peak rose above
// the resident size before. -1 when the child could not measure.
int64_t PeakGrowth(v1::Format format, int64_t* bytes_written) {
  int fds[2];
  if (pipe(fds) != 0) return -1;
  pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    int64_t result[2] = {-1, 0};
    v1::ActionTracker tracker = LongTracker();
    v1::ActionTracker small = tracker;
    small.clear_by_owner();
    small.clear_by_step();
    bool warmed = Render(small, format).ok();
    const bool reset = ResetProcPeak("self");
    const int64_t before = ProcStatusBytes("self", "VmRSS");
    int64_t written = 0;
    absl::Status status = RenderTo(tracker, format, [&written](const char*, size_t size) {
      written += static_cast<int64_t>(size);
      return true;
    });
    const int64_t peak = ProcStatusBytes("self", "VmHWM");
    if (warmed && reset && status.ok() && before > 0 && peak > 0) {
      result[0] = peak - before;
      result[1] = written;
    }
    (void)!write(fds[1], result, sizeof result);
    _exit(0);
  }
  close(fds[1]);
  int64_t result[2] = {-1, 0};
  ssize_t got = read(fds[0], result, sizeof result);
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (got != static_cast<ssize_t>(sizeof result)) return -1;
  *bytes_written = result[1];
  return result[0];
}

TEST(DocumentMemory, TheLongTrackerRunsToMoreThanAHundredPages) {
  absl::StatusOr<Rendered> pdf = Render(LongTracker(), v1::FORMAT_PDF);
  ASSERT_THAT(pdf, IsOk());
  std::string path = absl::StrCat(::testing::TempDir(), "/long_tracker_", getpid(), ".pdf");
  std::ofstream(path, std::ios::binary) << pdf->content;
  FILE* info = popen(absl::StrCat("pdfinfo '", path, "'").c_str(), "r");
  ASSERT_NE(info, nullptr);
  std::string out;
  char buffer[512];
  while (fgets(buffer, sizeof buffer, info) != nullptr) out += buffer;
  pclose(info);
  std::remove(path.c_str());
  int pages = 0;
  for (absl::string_view line : absl::StrSplit(out, '\n'))
    if (absl::ConsumePrefix(&line, "Pages:"))
      (void)absl::SimpleAtoi(absl::StripAsciiWhitespace(line), &pages);
  EXPECT_GT(pages, 100) << out;
}

TEST(DocumentMemory, EveryFormatStreamsWithinTwentyMiB) {
  for (v1::Format format : {v1::FORMAT_PDF, v1::FORMAT_HTML, v1::FORMAT_MARKDOWN, v1::FORMAT_TEXT,
                            v1::FORMAT_CSV, v1::FORMAT_XLSX, v1::FORMAT_DOCX, v1::FORMAT_JSON}) {
    SCOPED_TRACE(v1::Format_Name(format));
    int64_t written = 0;
    int64_t growth = PeakGrowth(format, &written);
    ASSERT_GE(growth, 0) << "the child could not measure";
    EXPECT_GT(written, 16 * 1024) << "a long document was written (DOCX and XLSX compress)";
    EXPECT_LT(growth, kLimit) << growth / kMiB << " MiB for " << written / 1024 << " KiB";
    std::cout << v1::Format_Name(format) << ": " << written / 1024 << " KiB written, peak +"
              << growth / 1024 << " KiB\n";
  }
}

}  // namespace
}  // namespace sixsteps::reporting
