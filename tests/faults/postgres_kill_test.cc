// SIGKILL of PostgreSQL itself under the acknowledged-write load (issue 19): the cluster is
// this test's own (no other test shares it), its postmaster and every backend are killed at
// random moments, twice; while it is down the services answer UNAVAILABLE; it is started
// again (crash recovery replays its WAL) and the services reconnect on their own, without a
// restart. Then the same checks as the service kills: every acknowledged write there, none
// half written, retries return the first result, no gap in the feed, the read model equal to
// a rebuild.
//
// What it does not show: the test cluster runs with fsync off, so the killed server's writes
// still reach the disk through the operating system's cache; a power cut is not simulated.
#include <dirent.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <cstdlib>
#include <fstream>
#include <random>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "tests/faults/fault_hub.h"
#include "tests/support/pg_cluster.h"
#include "tests/support/status_matchers.h"

namespace sixsteps::testing {
namespace {

namespace av1 = ::sixsteps::assessment::v1;

constexpr absl::Duration kPatience = absl::Seconds(120);
constexpr int kKills = 2;
constexpr int kWritesBetweenKills = 8;

// The parent pid of `pid` (/proc/<pid>/stat, the field after the state), or -1.
pid_t ParentOf(pid_t pid) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/stat"));
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t close = stat.rfind(')');
  if (close == std::string::npos) return -1;
  std::vector<std::string> fields = absl::StrSplit(stat.substr(close + 2), ' ');
  int parent = -1;
  if (fields.size() < 2 || !absl::SimpleAtoi(fields[1], &parent)) return -1;
  return parent;
}

// SIGKILLs the cluster's postmaster and every process it started (backends, checkpointer,
// WAL writer...), as a machine losing the server would, and waits until they are gone.
absl::Status KillPostgres(const PgCluster& cluster) {
  std::ifstream pid_file(cluster.directory() + "/data/postmaster.pid");
  int postmaster = 0;
  if (!(pid_file >> postmaster) || postmaster <= 0) {
    return absl::InternalError("no postmaster.pid");
  }
  // Frozen first, so that it forks no backend between the look for its children and the kill.
  ::kill(postmaster, SIGSTOP);
  std::vector<pid_t> victims = {postmaster};
  if (DIR* proc = opendir("/proc")) {
    while (dirent* entry = readdir(proc)) {
      int pid = 0;
      if (absl::SimpleAtoi(entry->d_name, &pid) && ParentOf(pid) == postmaster) {
        victims.push_back(pid);
      }
    }
    closedir(proc);
  }
  for (pid_t pid : victims) ::kill(pid, SIGKILL);
  absl::Time deadline = absl::Now() + kPatience;
  for (pid_t pid : victims) {
    // Gone, or a zombie waiting for init to reap it.
    while (::kill(pid, 0) == 0 && ParentOf(pid) != -1 && absl::Now() < deadline) {
      std::ifstream in(absl::StrCat("/proc/", pid, "/stat"));
      std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      if (stat.find(") Z ") != std::string::npos) break;
      absl::SleepFor(absl::Milliseconds(20));
    }
  }
  return absl::OkStatus();
}

TEST(PostgresKillTest, AcknowledgedWritesSurviveASigkillOfPostgres) {
  const uint64_t seed = FaultSeed();
  std::mt19937_64 random(seed);
  auto hub = FaultHub::Start("postgres_kill");
  ASSERT_THAT(hub, IsOk());
  ASSERT_THAT(DurableCommits(SharedPgCluster()), IsOk());
  AckedWriteLoad load((*hub)->targets(), seed);
  load.Start();
  ASSERT_TRUE(load.AwaitAcknowledged(kWritesBetweenKills, kPatience)) << "the load never started";

  for (int kill = 0; kill < kKills; ++kill) {
    absl::SleepFor(absl::Milliseconds(std::uniform_int_distribution<int>(0, 400)(random)));
    ASSERT_THAT(KillPostgres(SharedPgCluster()), IsOk());
    // Down: the service says so, rather than failing some other way or hanging.
    grpc::Status down = (*hub)->ReadRound();
    EXPECT_EQ(down.error_code(), grpc::StatusCode::UNAVAILABLE)
        << down.error_code() << " " << down.error_message();
    // As a supervisor would: again until it starts (a backend that outlived the kill holds the
    // shared memory until it notices its postmaster is gone).
    absl::Status restarted = SharedPgCluster().Restart();
    for (absl::Time give_up = absl::Now() + kPatience; !restarted.ok() && absl::Now() < give_up;) {
      absl::SleepFor(absl::Milliseconds(500));
      restarted = SharedPgCluster().Restart();
    }
    ASSERT_THAT(restarted, IsOk());
    // Up again: the services reconnect by themselves (none is restarted).
    ASSERT_TRUE(load.AwaitAcknowledged(load.acknowledged() + kWritesBetweenKills, kPatience))
        << "writes did not resume after PostgreSQL came back";
  }
  // A lost database is UNAVAILABLE (or the call's deadline), never an internal error.
  ExpectLoadHeld(load, absl::StrCat("postgres kills survived: ", kKills),
                 {"UNAVAILABLE", "DEADLINE_EXCEEDED"});

  absl::StatusOr<int64_t> head = (*hub)->CheckFeed();
  ASSERT_THAT(head, IsOk());
  EXPECT_THAT((*hub)->CheckReadModel(*head), IsOk());
}

}  // namespace
}  // namespace sixsteps::testing
