// The ActionService end to end: overdue as of a given date and listing with filters and
// pages.
#include "tests/integration/action_fixture.h"

namespace sixsteps::testing::action_test {
namespace {

// ---- Overdue and listing ----

TEST_F(ActionServiceTest, OverdueAsOfAGivenDate) {
  av1::Action planned = MustCreate(admin_, Plan("s1", {"s1.q1"}, "police", "2026-03-31"));
  av1::Action started = MustCreate(admin_, Plan("s1", {"s1.q2"}, "health", "2026-03-31"));
  av1::Action done = MustCreate(admin_, Plan("s1", {"s1.q3"}, "police", "2026-03-31"));
  av1::Action cancelled = MustCreate(admin_, Plan("s1", {"s1.q4"}, "police", "2026-03-31"));
  av1::Action out;
  ASSERT_THAT(Progress(health_respondent_, started.name(), "Begun", &out, true), IsOk());
  ASSERT_THAT(Complete(police_owner_, done.name(), "Finished", &out), IsOk());
  ASSERT_THAT(Cancel(admin_, cancelled.name(), "Dropped", &out), IsOk());

  auto overdue_as_of = [&](const std::string& date) {
    av1::ListActionsRequest request;
    request.set_assessment(round_.name());
    request.set_overdue_only(true);
    request.set_as_of_date(date);
    av1::ListActionsResponse response;
    EXPECT_THAT(List(admin_, request, &response), IsOk());
    EXPECT_EQ(response.as_of_date(), date);
    for (const auto& action : response.actions()) EXPECT_TRUE(action.overdue()) << date;
    return Names(response.actions());
  };
  EXPECT_THAT(overdue_as_of("2026-03-30"), IsEmpty());
  EXPECT_THAT(overdue_as_of("2026-03-31"), IsEmpty());  // the due date itself
  EXPECT_THAT(overdue_as_of("2026-04-01"),
              UnorderedElementsAreArray({planned.name(), started.name()}));
  EXPECT_THAT(overdue_as_of("2030-01-01"),
              UnorderedElementsAreArray({planned.name(), started.name()}));

  // Without overdue_only every action is listed, each marked as of the date given.
  auto flags_as_of = [&](const std::string& date) {
    av1::ListActionsRequest request;
    request.set_assessment(round_.name());
    request.set_as_of_date(date);
    av1::ListActionsResponse response;
    EXPECT_THAT(List(admin_, request, &response), IsOk());
    std::map<std::string, bool> flags;
    for (const auto& action : response.actions()) flags[action.name()] = action.overdue();
    return flags;
  };
  std::map<std::string, bool> on_due = flags_as_of("2026-03-31");
  ASSERT_EQ(on_due.size(), 4u);
  for (const auto& [name, overdue] : on_due) EXPECT_FALSE(overdue) << name;
  std::map<std::string, bool> after = flags_as_of("2026-04-01");
  EXPECT_TRUE(after[planned.name()]);
  EXPECT_TRUE(after[started.name()]);
  EXPECT_FALSE(after[done.name()]);
  EXPECT_FALSE(after[cancelled.name()]);

  av1::ListActionsRequest bad;
  bad.set_as_of_date("2026-31-03");
  av1::ListActionsResponse response;
  EXPECT_THAT(List(admin_, bad, &response), StatusIs(Code::kInvalidArgument, "as_of_date"));
}

TEST_F(ActionServiceTest, OverdueDefaultsToTodayInTheHubsTimeZone) {
  // The hub of TestHub is on UTC. The date is read before and after the calls, so a call
  // that straddles midnight is judged against whichever date the service saw.
  const std::string before = absl::FormatTime("%Y-%m-%d", absl::Now(), absl::UTCTimeZone());
  av1::Action past = MustCreate(admin_, Plan("s2", {"s2.q1"}, "police", "2020-01-01"));
  av1::Action today = MustCreate(admin_, Plan("s2", {"s2.q2"}, "police", before));
  av1::Action future = MustCreate(admin_, Plan("s2", {"s2.q3"}, "police", "2199-12-31"));
  EXPECT_TRUE(past.overdue());
  EXPECT_FALSE(future.overdue());

  av1::ListActionsRequest request;
  request.set_assessment(round_.name());
  av1::ListActionsResponse response;
  ASSERT_THAT(List(admin_, request, &response), IsOk());
  const std::string after = absl::FormatTime("%Y-%m-%d", absl::Now(), absl::UTCTimeZone());
  const std::string as_of = response.as_of_date();
  EXPECT_TRUE(as_of == before || as_of == after) << as_of;
  ASSERT_THAT(Names(response.actions()),
              ElementsAre(past.name(), today.name(), future.name()));  // by due date
  EXPECT_TRUE(response.actions(0).overdue());
  // Due today is not overdue; only if the service's day had already moved on.
  EXPECT_EQ(response.actions(1).overdue(), before < as_of);
  EXPECT_FALSE(response.actions(2).overdue());

  request.set_overdue_only(true);
  ASSERT_THAT(List(admin_, request, &response), IsOk());
  if (response.as_of_date() == before) {
    EXPECT_THAT(Names(response.actions()), ElementsAre(past.name()));
  } else {
    EXPECT_THAT(Names(response.actions()), ElementsAre(past.name(), today.name()));
  }
  av1::Action read = MustGet(past.name());
  EXPECT_TRUE(read.overdue());
  EXPECT_FALSE(MustGet(future.name()).overdue());
}

class ActionListingTest : public ActionServiceTest {
 protected:
  void SetUp() override {
    ActionServiceTest::SetUp();
    if (HasFatalFailure()) return;
    a1_ = MustCreate(admin_, Plan("s1", {"s1.q1", "s1.q2"}, "police", "2026-03-10"));
    a2_ = MustCreate(admin_, Plan("s2", {"s2.q1"}, "health", "2026-03-20"));
    a3_ = MustCreate(admin_, Plan("s1", {"s1.q3"}, "health", "2026-04-05"));
    a4_ = MustCreate(admin_, Plan("s3", {"s3.q1", "s3.q2"}, "police", "2026-05-01"));
    a5_ = MustCreate(admin_, Plan("s2", {"s2.q4"}, "education", "2026-02-01"));
    av1::Action out;
    ASSERT_THAT(Progress(health_respondent_, a3_.name(), "Begun", &out, true), IsOk());
    ASSERT_THAT(Complete(police_owner_, a4_.name(), "Finished", &out), IsOk());
    ASSERT_THAT(Cancel(admin_, a5_.name(), "Not needed", &out), IsOk());
    // A second round of the same partnership, with an action due the same day as a2.
    round_b_ = MustCreateRound(admin_, kP, "Round 1b");
    b1_ = MustCreate(admin_, Plan("s1", {"s1.q1"}, "police", "2026-03-20", &round_b_));
    // And another partnership's round and action, which the partnership never sees.
    asv1::Assessment durham = MustCreateRound(outsider_, kOtherP, "Durham 1");
    av1::Action plan = Plan("s1", {"s1.q1"}, "police", "2026-01-01", &durham);
    plan.set_owner_organisation(Org("police", kOtherP));
    d1_ = MustCreate(outsider_, plan);
    ASSERT_FALSE(HasFailure());
  }

  std::vector<std::string> Listed(const av1::ListActionsRequest& request,
                                  const User* as = nullptr) {
    return ListAll(as != nullptr ? *as : admin_, request);
  }

  av1::Action a1_, a2_, a3_, a4_, a5_, b1_, d1_;
  asv1::Assessment round_b_;
};

TEST_F(ActionListingTest, EachFilterAlone) {
  av1::ListActionsRequest all;
  // The partnership sees its own actions only, in due-date order.
  std::vector<std::string> everything = Listed(all);
  ASSERT_THAT(everything, SizeIs(6));
  EXPECT_EQ(everything[0], a5_.name());
  EXPECT_EQ(everything[1], a1_.name());
  EXPECT_THAT(std::vector<std::string>(everything.begin() + 2, everything.begin() + 4),
              UnorderedElementsAreArray({a2_.name(), b1_.name()}));
  EXPECT_EQ(everything[4], a3_.name());
  EXPECT_EQ(everything[5], a4_.name());
  EXPECT_THAT(Listed(all, &outsider_), ElementsAre(d1_.name()));

  {
    // The deployment administrator sees both partnerships; the filter narrows.
    EXPECT_THAT(Listed(all, &admin_hub_), SizeIs(7));
    av1::ListActionsRequest r;
    r.set_partnership(Partnership());
    EXPECT_THAT(Listed(r, &admin_hub_), ElementsAreArray(everything));
    r.set_partnership(Partnership(kOtherP));
    EXPECT_THAT(Listed(r, &admin_hub_), ElementsAre(d1_.name()));
    EXPECT_THAT(Listed(r), IsEmpty());
  }
  {
    av1::ListActionsRequest r;
    r.set_assessment(round_b_.name());
    EXPECT_THAT(Listed(r), ElementsAre(b1_.name()));
    r.set_assessment(round_.name());
    EXPECT_THAT(Listed(r), ElementsAre(a5_.name(), a1_.name(), a2_.name(), a3_.name(), a4_.name()));
  }
  {
    av1::ListActionsRequest r;
    r.set_step_id("s1");
    EXPECT_THAT(Listed(r), ElementsAre(a1_.name(), b1_.name(), a3_.name()));
    r.set_step_id("s6");
    EXPECT_THAT(Listed(r), IsEmpty());
  }
  {
    av1::ListActionsRequest r;
    r.set_question_id("s1.q2");
    EXPECT_THAT(Listed(r), ElementsAre(a1_.name()));
    r.set_question_id("s1.q1");
    EXPECT_THAT(Listed(r), ElementsAre(a1_.name(), b1_.name()));
  }
  {
    av1::ListActionsRequest r;
    r.set_owner_organisation(Org("health"));
    EXPECT_THAT(Listed(r), ElementsAre(a2_.name(), a3_.name()));
    r.set_owner_organisation(Org("education"));
    EXPECT_THAT(Listed(r), ElementsAre(a5_.name()));
    r.set_owner_organisation(Org("local-authority"));
    EXPECT_THAT(Listed(r), IsEmpty());
  }
  {
    av1::ListActionsRequest r;
    r.add_statuses(av1::Action::STATUS_IN_PROGRESS);
    EXPECT_THAT(Listed(r), ElementsAre(a3_.name()));
    r.clear_statuses();
    r.add_statuses(av1::Action::STATUS_DONE);
    r.add_statuses(av1::Action::STATUS_CANCELLED);
    EXPECT_THAT(Listed(r), ElementsAre(a5_.name(), a4_.name()));
    r.clear_statuses();
    r.add_statuses(av1::Action::STATUS_PLANNED);
    std::vector<std::string> planned = Listed(r);
    ASSERT_THAT(planned, SizeIs(3));
    EXPECT_EQ(planned[0], a1_.name());
    EXPECT_THAT(std::vector<std::string>(planned.begin() + 1, planned.end()),
                UnorderedElementsAreArray({a2_.name(), b1_.name()}));
    r.clear_statuses();
    r.add_statuses(static_cast<av1::Action::Status>(17));
    av1::ListActionsResponse response;
    EXPECT_THAT(List(admin_, r, &response), StatusIs(Code::kInvalidArgument, "statuses"));
  }
  {
    av1::ListActionsRequest r;
    r.set_overdue_only(true);
    r.set_as_of_date("2026-03-19");  // the day before a2 and b1 are due
    EXPECT_THAT(Listed(r), ElementsAre(a1_.name()));
    r.set_as_of_date("2026-03-20");  // their due date itself
    EXPECT_THAT(Listed(r), ElementsAre(a1_.name()));
    r.set_as_of_date("2026-03-21");  // the day after
    std::vector<std::string> overdue = Listed(r);
    ASSERT_THAT(overdue, SizeIs(3));
    EXPECT_EQ(overdue[0], a1_.name());
    EXPECT_THAT(std::vector<std::string>(overdue.begin() + 1, overdue.end()),
                UnorderedElementsAreArray({a2_.name(), b1_.name()}));
    // Done (a4) and cancelled (a5) are never overdue.
    r.set_as_of_date("2027-01-01");
    overdue = Listed(r);
    EXPECT_THAT(overdue, SizeIs(4));
    EXPECT_EQ(overdue.back(), a3_.name());
  }
  {
    av1::ListActionsRequest r;
    r.set_due_before("2026-03-20");  // strictly before
    EXPECT_THAT(Listed(r), ElementsAre(a5_.name(), a1_.name()));
    r.set_due_before("2026-03-21");
    EXPECT_THAT(Listed(r), SizeIs(4));
    r.set_due_before("not a date");
    av1::ListActionsResponse response;
    EXPECT_THAT(List(admin_, r, &response), StatusIs(Code::kInvalidArgument, "due_before"));
  }
}

TEST_F(ActionListingTest, FiltersCombined) {
  {
    av1::ListActionsRequest r;
    r.set_step_id("s1");
    r.set_owner_organisation(Org("health"));
    EXPECT_THAT(Listed(r), ElementsAre(a3_.name()));
  }
  {
    av1::ListActionsRequest r;
    r.set_owner_organisation(Org("police"));
    r.add_statuses(av1::Action::STATUS_PLANNED);
    EXPECT_THAT(Listed(r), ElementsAre(a1_.name(), b1_.name()));
    r.set_assessment(round_.name());
    EXPECT_THAT(Listed(r), ElementsAre(a1_.name()));
  }
  {
    av1::ListActionsRequest r;
    r.set_overdue_only(true);
    r.set_as_of_date("2026-04-06");
    r.set_owner_organisation(Org("health"));
    EXPECT_THAT(Listed(r), ElementsAre(a2_.name(), a3_.name()));
    r.add_statuses(av1::Action::STATUS_IN_PROGRESS);
    EXPECT_THAT(Listed(r), ElementsAre(a3_.name()));
  }
  {
    av1::ListActionsRequest r;
    r.set_partnership(Partnership());
    r.set_assessment(round_.name());
    r.set_step_id("s1");
    r.set_question_id("s1.q1");
    EXPECT_THAT(Listed(r), ElementsAre(a1_.name()));
    r.set_due_before("2026-03-10");
    EXPECT_THAT(Listed(r), IsEmpty());
  }
  {
    av1::ListActionsRequest r;
    r.set_due_before("2026-04-01");
    r.set_overdue_only(true);
    r.set_as_of_date("2026-04-30");
    // a1, a2, b1 open and overdue and due before April; a3 due after; a5 cancelled.
    EXPECT_THAT(Listed(r), SizeIs(3));
    r.set_step_id("s2");
    EXPECT_THAT(Listed(r), ElementsAre(a2_.name()));
  }
}

TEST_F(ActionListingTest, PagesOfTwoInDueDateOrder) {
  av1::ListActionsRequest request;
  request.set_partnership(Partnership());
  request.set_page_size(2);
  av1::ListActionsRequest unpaged = request;
  unpaged.clear_page_size();
  std::vector<std::string> expected = Listed(unpaged);
  ASSERT_THAT(expected, SizeIs(6));

  std::vector<std::string> seen;
  std::vector<std::string> due_dates;
  int pages = 0;
  for (;;) {
    av1::ListActionsResponse response;
    ASSERT_THAT(List(admin_, request, &response), IsOk());
    ++pages;
    EXPECT_LE(response.actions_size(), 2);
    for (const auto& action : response.actions()) {
      seen.push_back(action.name());
      due_dates.push_back(action.due_date());
    }
    if (response.next_page_token().empty()) break;
    ASSERT_LT(pages, 10);
    request.set_page_token(response.next_page_token());
  }
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(seen, expected);
  EXPECT_TRUE(std::is_sorted(due_dates.begin(), due_dates.end()));
  EXPECT_THAT(due_dates, ElementsAre("2026-02-01", "2026-03-10", "2026-03-20", "2026-03-20",
                                     "2026-04-05", "2026-05-01"));

  // A page token belongs to its query.
  av1::ListActionsRequest first = request;
  first.clear_page_token();
  av1::ListActionsResponse page1;
  ASSERT_THAT(List(admin_, first, &page1), IsOk());
  ASSERT_FALSE(page1.next_page_token().empty());
  av1::ListActionsRequest other = first;
  other.set_step_id("s1");
  other.set_page_token(page1.next_page_token());
  av1::ListActionsResponse response;
  EXPECT_THAT(List(admin_, other, &response), StatusIs(Code::kInvalidArgument));
  av1::ListActionsRequest negative;
  negative.set_page_size(-1);
  EXPECT_THAT(List(admin_, negative, &response), StatusIs(Code::kInvalidArgument));

  // Paging with a filter and overdue_only.
  av1::ListActionsRequest overdue;
  overdue.set_overdue_only(true);
  overdue.set_as_of_date("2027-01-01");
  overdue.set_page_size(2);
  av1::ListActionsRequest overdue_unpaged = overdue;
  overdue_unpaged.clear_page_size();
  EXPECT_EQ(Listed(overdue), Listed(overdue_unpaged));
  EXPECT_THAT(Listed(overdue), SizeIs(4));
}

}  // namespace
}  // namespace sixsteps::testing::action_test
