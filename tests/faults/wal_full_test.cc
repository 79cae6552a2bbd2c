// A full disk for PostgreSQL's WAL (issue 19): the test's own cluster gets its pg_wal on a
// 4 MiB tmpfs (1 MiB WAL segments, pg_resetwal), and the acknowledged-write load writes
// until the WAL can grow no more. PostgreSQL 15 cannot go on without WAL space: the backend
// that cannot extend it PANICs and the server stops (crash recovery itself needs WAL space),
// so reads cannot go on either; the services answer UNAVAILABLE, a clear status, and keep
// running. When space returns (the tmpfs grown to 256 MiB) and PostgreSQL is started again,
// as a supervisor would, the services reconnect on their own, writing resumes, and nothing
// is corrupted: every acknowledged write is there, none half written, the feed has no gap,
// the read model equals a rebuild.
//
// Needs root (mount); tests/faults/CMakeLists.txt registers it only when configured as root.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/mount.h>

#include <cstdlib>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "tests/faults/fault_hub.h"
#include "tests/support/pg_cluster.h"
#include "tests/support/status_matchers.h"

namespace sixsteps::testing {
namespace {

namespace av1 = ::sixsteps::assessment::v1;
namespace fs = std::filesystem;

constexpr absl::Duration kPatience = absl::Seconds(120);

// The tmpfs under the cluster's pg_wal, unmounted (after the cluster is stopped) however the
// test ends.
class WalFilesystem {
 public:
  explicit WalFilesystem(PgCluster& cluster)
      : cluster_(cluster), mount_point_(cluster.directory() + "/walfs") {}
  ~WalFilesystem() {
    if (!mounted_) return;
    cluster_.Stop().IgnoreError();
    ::umount2(mount_point_.c_str(), MNT_DETACH);
  }

  // With the cluster stopped: 1 MiB WAL segments, pg_wal moved onto a tmpfs of `size`.
  absl::Status Make(const std::string& size) {
    const std::string data = cluster_.directory() + "/data";
    fs::create_directories(mount_point_);
    std::string shell = absl::StrCat(
        "set -e; runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_resetwal --wal-segsize=1 -D ",
        data, " >/dev/null; mount -t tmpfs -o size=", size, ",mode=0700 tmpfs ", mount_point_,
        "; cp -a ", data, "/pg_wal/. ", mount_point_, "/; rm -rf ", data, "/pg_wal; ln -s ",
        mount_point_, " ", data, "/pg_wal; chown -R postgres: ", mount_point_);
    if (std::system(shell.c_str()) != 0) {
      return absl::FailedPreconditionError(
          absl::StrCat("cannot put pg_wal on a tmpfs (needs root and mount): ", shell));
    }
    mounted_ = true;
    return absl::OkStatus();
  }

  absl::Status Resize(const std::string& size) {
    std::string shell = absl::StrCat("mount -o remount,size=", size, " ", mount_point_);
    if (std::system(shell.c_str()) != 0) return absl::InternalError(shell);
    return absl::OkStatus();
  }

 private:
  PgCluster& cluster_;
  std::string mount_point_;
  bool mounted_ = false;
};

bool PostgresAccepts(const PgCluster& cluster) {
  return std::system(absl::StrCat("/usr/lib/postgresql/15/bin/pg_isready -q -h 127.0.0.1 -p ",
                                  cluster.port())
                         .c_str()) == 0;
}

TEST(WalFullTest, WritesStopWithAClearStatusAndResumeWhenSpaceReturns) {
  auto hub = FaultHub::Start("wal_full");
  ASSERT_THAT(hub, IsOk());
  ASSERT_THAT(DurableCommits(SharedPgCluster()), IsOk());
  PgCluster& cluster = SharedPgCluster();
  WalFilesystem wal(cluster);
  ASSERT_THAT(cluster.Stop(), IsOk());
  ASSERT_THAT(wal.Make("4m"), IsOk());
  ASSERT_THAT(cluster.Restart(), IsOk());

  AckedWriteLoad load((*hub)->targets(), 19);
  load.Start();
  // The WAL fills: PostgreSQL stops by itself.
  absl::Time deadline = absl::Now() + kPatience;
  while (PostgresAccepts(cluster) && absl::Now() < deadline)
    absl::SleepFor(absl::Milliseconds(100));
  ASSERT_FALSE(PostgresAccepts(cluster)) << "the WAL never filled";
  const int64_t acknowledged_before = load.acknowledged();
  EXPECT_GT(acknowledged_before, 0);
  // Meanwhile the services run and say what is wrong: UNAVAILABLE, reads included.
  grpc::Status down = (*hub)->ReadRound();
  EXPECT_EQ(down.error_code(), grpc::StatusCode::UNAVAILABLE)
      << down.error_code() << " " << down.error_message();

  // Space returns; PostgreSQL is started again (its crash recovery now has room).
  ASSERT_THAT(wal.Resize("256m"), IsOk());
  ASSERT_THAT(cluster.Restart(), IsOk());
  ASSERT_TRUE(load.AwaitAcknowledged(acknowledged_before + 16, kPatience))
      << "writes did not resume when space returned";

  // A lost database is UNAVAILABLE (or the call's deadline), never an internal error.
  ExpectLoadHeld(
      load, absl::StrCat("wal full: acknowledged before the disk filled ", acknowledged_before),
      {"UNAVAILABLE", "DEADLINE_EXCEEDED"});

  absl::StatusOr<int64_t> head = (*hub)->CheckFeed();
  ASSERT_THAT(head, IsOk());
  EXPECT_THAT((*hub)->CheckReadModel(*head), IsOk());
  hub->reset();
}

}  // namespace
}  // namespace sixsteps::testing
