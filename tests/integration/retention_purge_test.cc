// The daily purge end to end (issue 16): what has expired is purged on the first day it
// has, not the day before (across a day boundary, by an injected clock); a legal hold keeps
// a round's files and records until it is lifted; a purge leaves tombstones (what, its
// hash, when, by which policy) in RetentionService and the feed; two purgers racing and a
// restarted one purge each thing once.
#include <thread>

#include "tests/integration/retention_fixture.h"

namespace sixsteps::testing::assessment_test {
namespace {

TEST_F(RetentionTest, PurgesWhatExpiredFromItsDayExceptUnderAHoldAndLeavesTombstones) {
  av1::RetentionPolicy policy;
  ASSERT_THAT(SetPolicy(admin_, /*file_years=*/1, /*engagement_years=*/2, "", &policy), IsOk());
  EXPECT_EQ(policy.revision(), 1);

  // Two rounds, each with a file and an engagement record; the second under a hold.
  av1::Assessment kept = ReadyRound(av1::ASSESSMENT_KIND_SELF_ASSESSMENT, fv1::RATING_GREEN, true,
                                    {}, "Round to purge");
  av1::Assessment held = ReadyRound(av1::ASSESSMENT_KIND_SELF_ASSESSMENT, fv1::RATING_GREEN, true,
                                    {}, "Round under a hold");
  av1::EvidenceFile file = MustUploadTo(kept, "board-minutes.csv", 1);
  av1::EvidenceFile held_file = MustUploadTo(held, "held-minutes.csv", 2);
  av1::EngagementRecord engagement = MustEngage(kept, "Young people's forum");
  av1::EngagementRecord held_engagement = MustEngage(held, "Parents' survey");
  kept = MustFinalise(kept);
  held = MustFinalise(held);
  ASSERT_EQ(kept.state(), av1::Assessment::STATE_FINALISED);
  av1::LegalHold hold;
  ASSERT_THAT(PlaceHold(admin_, held.name(), "A complaint about the round is under review", &hold),
              IsOk());

  const absl::Time file_expiry = DayStartYearsAfter(kept.finalise_time(), 1);
  const absl::Time engagement_expiry = DayStartYearsAfter(kept.finalise_time(), 2);
  ASSERT_EQ(file_expiry, DayStartYearsAfter(held.finalise_time(), 1));

  // The last second of the day before: nothing.
  const int64_t head = FeedHead();
  EXPECT_THAT(PurgeAt(file_expiry - absl::Seconds(1)), IsEmpty());
  EXPECT_EQ(FeedHead(), head);
  // The first second of the day: the file of the round without a hold, nothing else.
  EXPECT_THAT(PurgeAt(file_expiry + absl::Seconds(1)), ElementsAre(file.name()));
  EXPECT_THAT(PurgeAt(file_expiry + absl::Hours(12)), IsEmpty());
  av1::EvidenceFile gone;
  EXPECT_THAT(GetFile(admin_, file.name(), &gone), StatusIs(Code::kNotFound));
  EXPECT_THAT(Fetch(admin_, file.name()).status, StatusIs(Code::kNotFound));
  EXPECT_EQ(Rows("evidence_blobs", absl::StrCat("sha256 = '", file.sha256(), "'")), 0);
  EXPECT_THAT(GetFile(admin_, held_file.name(), &gone), IsOk());
  EXPECT_THAT(GetEngagement(engagement.name()), IsOk());

  // Its tombstone: what, its hash, when, by which policy.
  std::vector<av1::Tombstone> tombstones = Tombstones();
  ASSERT_THAT(tombstones, SizeIs(1));
  const av1::Tombstone& t = tombstones[0];
  EXPECT_EQ(t.purged_resource(), file.name());
  EXPECT_EQ(t.kind(), av1::RETAINED_KIND_EVIDENCE_FILE);
  EXPECT_EQ(t.sha256(), file.sha256());
  EXPECT_EQ(t.size_bytes(), file.size_bytes());
  EXPECT_EQ(t.assessment(), kept.name());
  EXPECT_EQ(t.policy(), PolicyName());
  EXPECT_EQ(t.policy_revision(), 1);
  EXPECT_EQ(t.retention_years(), 1);
  EXPECT_EQ(FromTimestamp(t.expire_time()), file_expiry);
  EXPECT_EQ(FromTimestamp(t.purge_time()), file_expiry + absl::Seconds(1));
  // And in the feed, in one change.
  std::vector<av1::Change> changes = AllChanges(hub_->admin_token(), head);
  ASSERT_THAT(changes, SizeIs(1));
  EXPECT_EQ(changes[0].kind(), av1::CHANGE_KIND_RECORD_PURGED);
  EXPECT_EQ(changes[0].tombstone().name(), t.name());
  EXPECT_EQ(changes[0].assessment(), kept.name());

  // Two years on: the engagement record; the held round still keeps everything.
  EXPECT_THAT(PurgeAt(engagement_expiry - absl::Seconds(1)), IsEmpty());
  EXPECT_THAT(PurgeAt(engagement_expiry), ElementsAre(engagement.name()));
  EXPECT_THAT(GetEngagement(engagement.name()), StatusIs(Code::kNotFound));
  EXPECT_THAT(GetEngagement(held_engagement.name()), IsOk());
  std::vector<av1::Tombstone> of_kept = Tombstones(kept.name());
  ASSERT_THAT(of_kept, SizeIs(2));
  EXPECT_EQ(of_kept[0].kind(), av1::RETAINED_KIND_ENGAGEMENT_RECORD);
  EXPECT_EQ(of_kept[0].sha256().size(), 64u);
  EXPECT_EQ(of_kept[0].retention_years(), 2);

  // Lifting the hold lets the next pass purge the held round.
  av1::LegalHold lifted;
  ASSERT_THAT(LiftHold(admin_, hold.name(), "The complaint was closed", &lifted), IsOk());
  EXPECT_TRUE(lifted.lifted());
  EXPECT_THAT(PurgeAt(engagement_expiry + absl::Hours(1)),
              ::testing::UnorderedElementsAre(held_file.name(), held_engagement.name()));
  EXPECT_THAT(Tombstones(), SizeIs(4));
  // The hold is kept, lifted, with why.
  av1::ListLegalHoldsRequest list;
  list.set_parent(held.name());
  av1::ListLegalHoldsResponse holds;
  ASSERT_THAT(Invoke(retention_.get(), &RStub::ListLegalHolds, viewer_, list, &holds), IsOk());
  ASSERT_THAT(holds.legal_holds(), SizeIs(1));
  EXPECT_EQ(holds.legal_holds(0).lift_reason(), "The complaint was closed");
}

TEST_F(RetentionTest, TwoPurgersRacingAndARestartedOnePurgeEachThingOnce) {
  av1::RetentionPolicy policy;
  ASSERT_THAT(SetPolicy(admin_, 1, 1, "", &policy), IsOk());
  av1::Assessment round = ReadyRound(av1::ASSESSMENT_KIND_SELF_ASSESSMENT, fv1::RATING_GREEN, true);
  std::set<std::string> expected;
  for (int i = 0; i < 6; ++i) {
    expected.insert(MustUploadTo(round, absl::StrCat("minutes-", i, ".csv"), 10 + i).name());
    expected.insert(MustEngage(round, absl::StrCat("Forum ", i)).name());
  }
  round = MustFinalise(round);
  clock_.Set(DayStartYearsAfter(round.finalise_time(), 1));

  PurgerReplica first(hub_->assessment_database_url(), &clock_);
  PurgerReplica second(hub_->assessment_database_url(), &clock_);
  absl::StatusOr<std::vector<av1::Tombstone>> a, b;
  std::thread racer([&] { a = first.purger.PurgeDue(); });
  b = second.purger.PurgeDue();
  racer.join();
  ASSERT_THAT(a, IsOk());
  ASSERT_THAT(b, IsOk());
  std::multiset<std::string> purged;
  for (const auto* pass : {&*a, &*b}) {
    for (const auto& t : *pass) purged.insert(t.purged_resource());
  }
  EXPECT_EQ(purged.size(), expected.size());
  EXPECT_EQ(std::set<std::string>(purged.begin(), purged.end()), expected);
  // A restarted service (a new replica) finds nothing left to purge.
  EXPECT_THAT(PurgeAt(clock_.Now() + absl::Hours(1)), IsEmpty());
  EXPECT_THAT(Tombstones(round.name()), SizeIs(expected.size()));
  EXPECT_EQ(Rows("tombstones"), static_cast<int64_t>(expected.size()));
}

}  // namespace
}  // namespace sixsteps::testing::assessment_test
