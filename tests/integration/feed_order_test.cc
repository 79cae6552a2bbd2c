// The change feed without a global lock (V011, services/assessment/pg_feed_sequencer.h):
// many concurrent writers, and every reader (from the start, from mid-way, paging or
// streaming) sees one gap-free order; a WatchChanges stream survives PostgreSQL restarting.
// A cluster of its own: the second test stops and restarts it.
#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include <gmock/gmock.h>
#include <grpcpp/client_context.h>
#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "tests/support/pg_cluster.h"
#include "tests/support/status_matchers.h"
#include "tests/support/test_hub.h"

namespace sixsteps::testing {
namespace {

namespace av1 = ::sixsteps::assessment::v1;

constexpr char kRegion[] = "r-order";
constexpr char kPartnershipId[] = "p-order";
constexpr char kPartnership[] = "partnerships/p-order";

grpc::Status CreateRound(const TestHub& hub, const std::string& title) {
  grpc::ClientContext context;
  Authorize(context, hub.admin_token());
  av1::Assessment created;
  return hub.AssessmentStub()->CreateAssessment(
      &context, RoundRequest(kPartnership, av1::ASSESSMENT_KIND_SELF_ASSESSMENT, title), &created);
}

// Follows the feed with ListChanges from `after` until `stop` is set and a page is empty.
std::vector<av1::Change> FollowByPages(const TestHub& hub, int64_t after,
                                       const std::atomic<bool>& stop) {
  std::vector<av1::Change> seen;
  auto stub = hub.AssessmentStub();
  for (;;) {
    const bool last_look = stop.load();
    grpc::ClientContext context;
    Authorize(context, hub.admin_token());
    av1::ListChangesRequest request;
    request.set_after_sequence(after);
    request.set_page_size(5);
    av1::ListChangesResponse page;
    grpc::Status status = stub->ListChanges(&context, request, &page);
    EXPECT_TRUE(status.ok()) << status.error_message();
    if (!status.ok()) return seen;
    for (const av1::Change& change : page.changes()) seen.push_back(change);
    after = page.next_after_sequence();
    if (page.changes_size() == 0) {
      if (last_look) return seen;
      absl::SleepFor(absl::Milliseconds(2));
    }
  }
}

// A WatchChanges stream from `after` until it has delivered `count` changes.
std::vector<av1::Change> FollowByStream(const TestHub& hub, int64_t after, size_t count) {
  std::vector<av1::Change> seen;
  grpc::ClientContext context;
  Authorize(context, hub.admin_token());
  av1::WatchChangesRequest request;
  request.set_after_sequence(after);
  auto stream = hub.AssessmentStub()->WatchChanges(&context, request);
  av1::WatchChangesResponse message;
  while (seen.size() < count && stream->Read(&message)) seen.push_back(message.change());
  context.TryCancel();
  return seen;
}

// Consecutive sequences, each the same change as the reference reader's.
void ExpectSameGapFreeOrder(const std::vector<av1::Change>& reference,
                            const std::vector<av1::Change>& seen, const std::string& who) {
  ASSERT_FALSE(seen.empty()) << who;
  for (size_t i = 1; i < seen.size(); ++i) {
    ASSERT_EQ(seen[i].sequence(), seen[i - 1].sequence() + 1) << who << " at " << i;
  }
  const int64_t offset = seen[0].sequence() - reference[0].sequence();
  ASSERT_GE(offset, 0) << who;
  ASSERT_EQ(reference.size(), seen.size() + offset) << who << " ends where the reference ends";
  for (size_t i = 0; i < seen.size(); ++i) {
    EXPECT_EQ(seen[i].assessment_record().name(), reference[i + offset].assessment_record().name())
        << who << " at sequence " << seen[i].sequence();
  }
}

TEST(FeedOrderTest, ConcurrentWritersGiveEveryReaderTheSameGapFreeOrder) {
  auto hub = TestHub::Start("feed_order");
  ASSERT_THAT(hub, IsOk());
  ASSERT_THAT((*hub)->CreateRegion(kRegion), IsOk());
  ASSERT_THAT((*hub)->CreatePartnership(kPartnershipId, kRegion), IsOk());
  const TestHub& h = **hub;

  constexpr int kWriters = 12;
  constexpr int kEach = 15;
  constexpr size_t kTotal = kWriters * kEach;
  std::atomic<bool> written{false};
  // Readers from the start while the writes run: paging (two of them) and a stream.
  std::vector<av1::Change> from_start, from_start_too, streamed;
  std::thread pager([&] { from_start = FollowByPages(h, 0, written); });
  std::thread pager_too([&] { from_start_too = FollowByPages(h, 0, written); });
  std::thread streamer([&] { streamed = FollowByStream(h, 0, kTotal); });
  // Each writer writes half its rounds, waits until the mid-way readers have started, then
  // writes the rest: those readers start from a sequence given while writes still run.
  std::atomic<int> halfway{0};
  std::atomic<bool> middle_started{false};
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; i < kEach; ++i) {
        if (i == kEach / 2) {
          ++halfway;
          while (!middle_started) absl::SleepFor(absl::Milliseconds(1));
        }
        EXPECT_THAT(CreateRound(h, absl::StrCat("Round ", w, "-", i)), IsOk());
      }
    });
  }
  while (halfway < kWriters) absl::SleepFor(absl::Milliseconds(1));
  absl::StatusOr<int64_t> mid_head = h.FeedHead();
  ASSERT_THAT(mid_head, IsOk());
  ASSERT_LT(*mid_head, static_cast<int64_t>(kTotal));
  std::vector<av1::Change> from_middle, streamed_from_middle;
  std::thread middle_pager([&] { from_middle = FollowByPages(h, *mid_head, written); });
  std::thread middle_streamer(
      [&] { streamed_from_middle = FollowByStream(h, *mid_head, kTotal - *mid_head); });
  middle_started = true;
  for (std::thread& writer : writers) writer.join();
  written = true;
  for (std::thread* reader : {&pager, &pager_too, &streamer, &middle_pager, &middle_streamer}) {
    reader->join();
  }

  // Every write is in the feed once, numbered 1..kTotal.
  ASSERT_EQ(from_start.size(), kTotal);
  EXPECT_EQ(from_start.front().sequence(), 1);
  std::set<std::string> rounds;
  for (const av1::Change& change : from_start) rounds.insert(change.assessment_record().name());
  EXPECT_EQ(rounds.size(), kTotal);
  ExpectSameGapFreeOrder(from_start, from_start_too, "a second pager from the start");
  ExpectSameGapFreeOrder(from_start, streamed, "a stream from the start");
  ExpectSameGapFreeOrder(from_start, from_middle, "a pager from mid-way");
  ExpectSameGapFreeOrder(from_start, streamed_from_middle, "a stream from mid-way");
  ASSERT_FALSE(from_middle.empty());
  EXPECT_EQ(from_middle.front().sequence(), *mid_head + 1);
}

TEST(FeedOrderTest, AStreamSurvivesPostgresRestartingAndCatchesUpFromItsCursor) {
  auto hub = TestHub::Start("feed_restart");
  ASSERT_THAT(hub, IsOk());
  ASSERT_THAT((*hub)->CreateRegion(kRegion), IsOk());
  ASSERT_THAT((*hub)->CreatePartnership(kPartnershipId, kRegion), IsOk());
  const TestHub& h = **hub;

  std::mutex mu;
  std::vector<av1::Change> seen;
  grpc::ClientContext context;
  Authorize(context, h.admin_token());
  av1::WatchChangesRequest request;
  auto stream = h.AssessmentStub()->WatchChanges(&context, request);
  std::thread reader([&] {
    av1::WatchChangesResponse message;
    while (stream->Read(&message)) {
      std::lock_guard<std::mutex> lock(mu);
      seen.push_back(message.change());
    }
  });
  // Waits (at most a minute, so that a failure ends the test) for `count` changes.
  auto received = [&](size_t count) {
    for (int i = 0; i < 6000; ++i) {
      {
        std::lock_guard<std::mutex> lock(mu);
        if (seen.size() >= count) return true;
      }
      absl::SleepFor(absl::Milliseconds(10));
    }
    return false;
  };

  ASSERT_THAT(CreateRound(h, "Before the restart"), IsOk());
  ASSERT_TRUE(received(1));
  ASSERT_THAT(SharedPgCluster().Stop(), IsOk());
  ASSERT_THAT(SharedPgCluster().Restart(), IsOk());
  // The first writes after the restart may meet connections that died with it.
  grpc::Status after = CreateRound(h, "After the restart");
  for (int i = 0; i < 20 && !after.ok(); ++i) {
    absl::SleepFor(absl::Milliseconds(200));
    after = CreateRound(h, "After the restart");
  }
  ASSERT_TRUE(after.ok()) << after.error_message();
  ASSERT_THAT(CreateRound(h, "And another"), IsOk());
  EXPECT_TRUE(received(3)) << "the same stream delivers what was written after the restart";

  context.TryCancel();
  reader.join();
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0].assessment_record().title(), "Before the restart");
  EXPECT_EQ(seen[1].assessment_record().title(), "After the restart");
  EXPECT_EQ(seen[2].assessment_record().title(), "And another");
  for (size_t i = 0; i < seen.size(); ++i) EXPECT_EQ(seen[i].sequence(), 1 + int64_t(i));
}

// A transaction of the assessment database that writes but appends no change (a long
// migration, an operator's session left open) does not hold the feed back: the sequencer
// waits only for transactions that hold the appender lock, so a round created meanwhile is
// numbered and readable while the other transaction is still open.
TEST(FeedOrderTest, AnOpenTransactionThatAppendsNothingDoesNotHoldTheFeedBack) {
  auto hub = TestHub::Start("feed_bystander");
  ASSERT_THAT(hub, IsOk());
  ASSERT_THAT((*hub)->CreateRegion(kRegion), IsOk());
  ASSERT_THAT((*hub)->CreatePartnership(kPartnershipId, kRegion), IsOk());
  const TestHub& h = **hub;

  pqxx::connection bystander(h.assessment_database_url());
  pqxx::work open(bystander);
  open.exec("SELECT pg_current_xact_id()");  // it now has a transaction id, as a writer does

  ASSERT_THAT(CreateRound(h, "Written beside an open transaction"), IsOk());
  std::vector<av1::Change> seen;
  for (int i = 0; i < 200 && seen.empty(); ++i) {
    grpc::ClientContext context;
    Authorize(context, h.admin_token());
    av1::ListChangesRequest request;
    av1::ListChangesResponse page;
    ASSERT_TRUE(h.AssessmentStub()->ListChanges(&context, request, &page).ok());
    seen.assign(page.changes().begin(), page.changes().end());
    if (seen.empty()) absl::SleepFor(absl::Milliseconds(100));
  }
  ASSERT_EQ(seen.size(), 1u) << "the change was not numbered while the other transaction ran";
  EXPECT_EQ(seen[0].assessment_record().title(), "Written beside an open transaction");
  EXPECT_EQ(seen[0].sequence(), 1);
  open.abort();
}

}  // namespace
}  // namespace sixsteps::testing
