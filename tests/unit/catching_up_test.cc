// What a report read answers while reporting catches up with the change feed (issue #20):
// services/reporting/catching_up.h.
#include "services/reporting/catching_up.h"

#include <gmock/gmock.h>
#include <google/protobuf/util/time_util.h>
#include <gtest/gtest.h>

namespace sixsteps::reporting {
namespace {

using google::protobuf::util::TimeUtil;
using ::testing::HasSubstr;
using ::testing::Not;

const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);

// The read model's position: `sequence`, its change made `age` before kNow.
rv1::Freshness Applied(int64_t sequence, absl::Duration age) {
  rv1::Freshness freshness;
  freshness.set_sequence(sequence);
  *freshness.mutable_change_time() =
      TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(kNow - age));
  return freshness;
}

const absl::Status kNotFound = absl::NotFoundError("assessments/r1 not found");

TEST(FollowsFeedLiveTest, NewestAppliedChangeWithinTheLagIsLive) {
  EXPECT_TRUE(FollowsFeedLive(Applied(7, absl::ZeroDuration()), kNow));
  EXPECT_TRUE(FollowsFeedLive(Applied(7, kFollowsLiveLag), kNow));
  EXPECT_FALSE(FollowsFeedLive(Applied(7, kFollowsLiveLag + absl::Seconds(1)), kNow));
  EXPECT_FALSE(FollowsFeedLive(Applied(7, absl::Hours(48)), kNow));
}

TEST(FollowsFeedLiveTest, NothingAppliedIsNotLive) {
  EXPECT_FALSE(FollowsFeedLive(rv1::Freshness(), kNow));
}

TEST(AnswerWhileCatchingUpTest, ReplayingOldChangesWithMoreToComeIsUnavailable) {
  absl::Status answer =
      AnswerWhileCatchingUp(kNotFound, Applied(120, absl::Hours(3)), /*feed_has_more=*/true, kNow);
  EXPECT_EQ(answer.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(answer.message(), HasSubstr("catching up with the change feed"));
  EXPECT_THAT(answer.message(), HasSubstr("applied up to change 120"));
}

TEST(AnswerWhileCatchingUpTest, AnEmptyReadModelWithAFeedIsUnavailable) {
  EXPECT_EQ(AnswerWhileCatchingUp(kNotFound, rv1::Freshness(), true, kNow).code(),
            absl::StatusCode::kUnavailable);
}

TEST(AnswerWhileCatchingUpTest, CaughtUpWithTheWholeFeedIsNotFound) {
  EXPECT_EQ(AnswerWhileCatchingUp(kNotFound, Applied(120, absl::Hours(3)), false, kNow), kNotFound);
  EXPECT_EQ(AnswerWhileCatchingUp(kNotFound, rv1::Freshness(), false, kNow), kNotFound);
}

TEST(AnswerWhileCatchingUpTest, FollowingLiveIsNotFoundEvenWithChangesInFlight) {
  // Under a steady load the feed always has a change or two the consumer has not applied:
  // something absent then is absent (min_sequence is how a writer reads its own write).
  EXPECT_EQ(AnswerWhileCatchingUp(kNotFound, Applied(120, absl::Milliseconds(300)), true, kNow),
            kNotFound);
}

TEST(AnswerWhileCatchingUpTest, OtherOutcomesPassThrough) {
  const absl::Status denied = absl::PermissionDeniedError("for hub administrators");
  EXPECT_EQ(AnswerWhileCatchingUp(denied, Applied(1, absl::Hours(3)), true, kNow), denied);
  EXPECT_TRUE(AnswerWhileCatchingUp(absl::OkStatus(), Applied(1, absl::Hours(3)), true, kNow).ok());
  const absl::Status invalid = absl::InvalidArgumentError("assessment: malformed");
  EXPECT_EQ(AnswerWhileCatchingUp(invalid, rv1::Freshness(), true, kNow), invalid);
}

TEST(AnswerWhileCatchingUpTest, SaysNothingOfWhoseRoundItIs) {
  // A round of another partnership and a round that does not exist are both NOT_FOUND
  // "assessments/<id> not found" on the read model: the answer must not tell them apart, and
  // must not name the round or the feed's head.
  const absl::Status foreign = absl::NotFoundError("assessments/theirs not found");
  const absl::Status absent = absl::NotFoundError("assessments/nothing not found");
  const rv1::Freshness applied = Applied(42, absl::Hours(1));
  absl::Status a = AnswerWhileCatchingUp(foreign, applied, true, kNow);
  absl::Status b = AnswerWhileCatchingUp(absent, applied, true, kNow);
  EXPECT_EQ(a, b);
  EXPECT_THAT(a.message(), Not(HasSubstr("theirs")));
  EXPECT_EQ(AnswerWhileCatchingUp(foreign, applied, false, kNow).code(),
            AnswerWhileCatchingUp(absent, applied, false, kNow).code());
}

}  // namespace
}  // namespace sixsteps::reporting
