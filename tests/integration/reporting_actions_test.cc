// Report 4, the action tracker of a partnership and of a region, over gRPC on the shared
// world (reporting_fixture.h).
#include <gmock/gmock.h>
#include <grpcpp/client_context.h>
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "tests/integration/reporting_fixture.h"

namespace sixsteps::testing::reporting_fixture {
namespace {

// ---- Report 4: the action tracker ----

TEST_F(ReportingTest, ActionTrackerOfAPartnershipByOwnerAndByStep) {
  const World& w = *world_;
  rv1::ActionTracker tracker;
  ASSERT_THAT(Tracker(w.viewer.at(kP1), P(kP1), &tracker), IsOk());
  EXPECT_EQ(tracker.scope(), P(kP1));
  EXPECT_EQ(tracker.as_of_date(), kAsOf);
  ExpectFresh(tracker.freshness());
  // Twelve actions: eleven open (three overdue), one done.
  EXPECT_THAT(tracker.counts(), EqualsProto(Actions(11, 3, 1)));

  std::map<std::string, rv1::ActionGroup> by_owner;
  for (const auto& group : tracker.by_owner()) by_owner[group.key()] = group;
  ASSERT_THAT(by_owner, SizeIs(3));
  // council owns s1 and s4 of each round; health s2 and s5; police s3 and s6.
  EXPECT_THAT(by_owner[Org(kP1, "council")].counts(), EqualsProto(Actions(4, 1)));
  EXPECT_THAT(by_owner[Org(kP1, "health")].counts(), EqualsProto(Actions(3, 1, 1)));
  EXPECT_THAT(by_owner[Org(kP1, "police")].counts(), EqualsProto(Actions(4, 1)));
  EXPECT_EQ(by_owner[Org(kP1, "council")].label(), "Organisation council");
  EXPECT_THAT(by_owner[Org(kP1, "health")].actions(), SizeIs(3));  // open ones only

  std::map<std::string, rv1::ActionGroup> by_step;
  for (const auto& group : tracker.by_step()) by_step[group.key()] = group;
  ASSERT_THAT(by_step, SizeIs(6));
  EXPECT_THAT(by_step["s1"].counts(), EqualsProto(Actions(2, 1)));
  EXPECT_THAT(by_step["s2"].counts(), EqualsProto(Actions(1, 0, 1)));
  EXPECT_THAT(by_step["s3"].counts(), EqualsProto(Actions(2, 1)));
  EXPECT_THAT(by_step["s4"].counts(), EqualsProto(Actions(2, 0)));
  EXPECT_THAT(by_step["s5"].counts(), EqualsProto(Actions(2, 1)));
  EXPECT_THAT(by_step["s6"].counts(), EqualsProto(Actions(2, 0)));
  EXPECT_FALSE(by_step["s1"].label().empty());
  EXPECT_NE(by_step["s1"].label(), "s1");  // the step's title

  // s1's open actions, oldest due first: the first round's (overdue), then the second's.
  const rv1::ActionGroup& s1 = by_step["s1"];
  ASSERT_THAT(s1.actions(), SizeIs(2));
  EXPECT_EQ(s1.actions(0).action(), w.plan.at(w.p1_first.name())[0].name());
  EXPECT_EQ(s1.actions(0).assessment(), w.p1_first.name());
  EXPECT_EQ(s1.actions(0).due_date(), "2026-01-31");
  EXPECT_TRUE(s1.actions(0).overdue());
  EXPECT_EQ(s1.actions(0).days_overdue(), 150);  // 2026-01-31 to 2026-06-30
  EXPECT_EQ(s1.actions(0).owner_organisation(), Org(kP1, "council"));
  EXPECT_EQ(s1.actions(1).action(), w.plan.at(w.p1_second.name())[0].name());
  EXPECT_FALSE(s1.actions(1).overdue());
  EXPECT_EQ(s1.actions(1).days_overdue(), 0);
  // s4 of the first round is due on the day itself: not overdue.
  for (const rv1::ActionLine& line : by_step["s4"].actions()) {
    EXPECT_FALSE(line.overdue()) << line.action();
  }
}

TEST_F(ReportingTest, ActionTrackerOfTheRegionIsForThoseWhoSeeTheWholeRegion) {
  const World& w = *world_;
  {
    // The dashboard: the partnership that opted out is left out.
    rv1::ActionTracker tracker;
    ASSERT_THAT(Tracker(w.dashboard, "regions/north", &tracker), IsOk());
    EXPECT_THAT(tracker.counts(), EqualsProto(Actions(11, 3, 1)));
    for (const auto& group : tracker.by_owner()) {
      EXPECT_THAT(group.key(), Not(HasSubstr(kP2)));
    }
    EXPECT_THAT(tracker.by_owner(), SizeIs(3));
  }
  for (const std::string* token : {&w.hub_admin}) {
    rv1::ActionTracker tracker;
    ASSERT_THAT(Tracker(*token, "regions/north", &tracker), IsOk());
    EXPECT_EQ(tracker.scope(), "regions/north");
    ExpectFresh(tracker.freshness());
    // 18 actions: 11 + 5 open, 3 + 1 overdue, one done, one cancelled.
    EXPECT_THAT(tracker.counts(), EqualsProto(Actions(16, 4, 1, 1)));
    std::map<std::string, rv1::ActionGroup> by_owner;
    for (const auto& group : tracker.by_owner()) by_owner[group.key()] = group;
    ASSERT_THAT(by_owner, SizeIs(6));
    EXPECT_THAT(by_owner[Org(kP2, "council")].counts(), EqualsProto(Actions(2, 1)));
    EXPECT_THAT(by_owner[Org(kP2, "police")].counts(), EqualsProto(Actions(1, 0, 0, 1)));
    EXPECT_THAT(by_owner[Org(kP1, "health")].counts(), EqualsProto(Actions(3, 1, 1)));
    std::map<std::string, rv1::ActionGroup> by_step;
    for (const auto& group : tracker.by_step()) by_step[group.key()] = group;
    ASSERT_THAT(by_step, SizeIs(6));
    EXPECT_THAT(by_step["s1"].counts(), EqualsProto(Actions(3, 2)));
    EXPECT_THAT(by_step["s6"].counts(), EqualsProto(Actions(2, 0, 0, 1)));
  }
  // A viewer of one partnership sees the region, but not every partnership's actions.
  rv1::ActionTracker denied;
  EXPECT_THAT(Tracker(w.viewer.at(kP1), "regions/north", &denied),
              StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(Tracker(w.partnership_admin.at(kP2), "regions/north", &denied),
              StatusIs(Code::kPermissionDenied));
  // Another region's dashboard does not even see it.
  EXPECT_THAT(Tracker(w.other_dashboard, "regions/north", &denied), StatusIs(Code::kNotFound));
}

}  // namespace
}  // namespace sixsteps::testing::reporting_fixture
