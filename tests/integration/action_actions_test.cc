// The ActionService end to end: creating, reading and changing actions, the finalisation
// check's coverage rule and the change feed of action writes.
#include "tests/integration/action_fixture.h"

namespace sixsteps::testing::action_test {
namespace {

// ---- Creating ----

TEST_F(ActionServiceTest, CreateSetsWhatTheServiceOwns) {
  av1::Action plan = Plan("s2", {"s2.q1", "s2.q3"}, "police", "2026-03-31");
  plan.set_owner_name("DI Jones");
  // What the service sets itself is ignored.
  plan.set_name("actions/mine");
  plan.set_partnership(Partnership(kOtherP));
  plan.set_status(av1::Action::STATUS_DONE);
  plan.set_completion_note("already done");
  plan.set_carried_from("actions/elsewhere");
  plan.add_progress_updates()->set_note("invented history");
  av1::Action created;
  ASSERT_THAT(Create(admin_, plan, &created), IsOk());
  EXPECT_NE(created.name(), "actions/mine");
  EXPECT_EQ(created.name().rfind("actions/", 0), 0u);
  EXPECT_EQ(created.assessment(), round_.name());
  EXPECT_EQ(created.partnership(), Partnership());
  EXPECT_EQ(created.region(), absl::StrCat("regions/", kRegion));
  EXPECT_EQ(created.step_id(), "s2");
  EXPECT_THAT(created.question_ids(), ElementsAre("s2.q1", "s2.q3"));
  EXPECT_EQ(created.kind(), av1::Action::KIND_IMPROVEMENT);  // the default
  EXPECT_EQ(created.owner_organisation(), Org("police"));
  EXPECT_EQ(created.owner_name(), "DI Jones");
  EXPECT_EQ(created.due_date(), "2026-03-31");
  EXPECT_EQ(created.status(), av1::Action::STATUS_PLANNED);
  EXPECT_TRUE(created.completion_note().empty());
  EXPECT_TRUE(created.carried_from().empty());
  EXPECT_THAT(created.progress_updates(), IsEmpty());
  EXPECT_EQ(created.creator(), admin_.principal);
  EXPECT_FALSE(created.etag().empty());
  EXPECT_TRUE(created.has_create_time());

  av1::Action read = MustGet(created.name());
  EXPECT_TRUE(MessageDifferencer::Equals(read, created)) << read.DebugString() << "\nvs\n"
                                                         << created.DebugString();
}

TEST_F(ActionServiceTest, AdministratorsAndScrutineersPlanOthersAreRefused) {
  av1::Action created;
  EXPECT_THAT(Create(admin_, Plan("s1", {"s1.q1"}, "police", "2026-03-31"), &created), IsOk());
  EXPECT_THAT(Create(scrutineer_, Plan("s1", {"s1.q2"}, "health", "2026-03-31"), &created), IsOk());
  EXPECT_THAT(Create(admin_hub_, Plan("s1", {"s1.q3"}, "education", "2026-03-31"), &created),
              IsOk());
  for (const User* who : {&police_respondent_, &police_owner_, &viewer_, &la_respondent_}) {
    EXPECT_THAT(Create(*who, Plan("s1", {"s1.q4"}, "police", "2026-03-31"), &created),
                StatusIs(Code::kPermissionDenied))
        << who->principal;
  }
  // Another partnership's administrator does not even see the round.
  EXPECT_THAT(Create(outsider_, Plan("s1", {"s1.q4"}, "police", "2026-03-31"), &created),
              StatusIs(Code::kNotFound));
  EXPECT_THAT(ActionsOf(round_), SizeIs(3));
}

TEST_F(ActionServiceTest, CreateRefusesAPlanThatDoesNotFitTheRound) {
  av1::Action created;
  auto expect_invalid = [&](const av1::Action& plan, const std::string& field) {
    EXPECT_THAT(Create(admin_, plan, &created), StatusIs(Code::kInvalidArgument, field))
        << plan.ShortDebugString();
  };
  // A question of another step, an unknown question, an unknown step.
  expect_invalid(Plan("s1", {"s1.q1", "s2.q1"}, "police", "2026-03-31"), "action.question_ids[1]");
  expect_invalid(Plan("s1", {"s1.q5"}, "police", "2026-03-31"), "action.question_ids[0]");
  expect_invalid(Plan("s7", {"s1.q1"}, "police", "2026-03-31"), "action.step_id");
  expect_invalid(Plan("", {"s1.q1"}, "police", "2026-03-31"), "action.step_id");
  expect_invalid(Plan("s1", {}, "police", "2026-03-31"), "action.question_ids");
  expect_invalid(Plan("s1", {"s1.q1", "s1.q1"}, "police", "2026-03-31"), "action.question_ids[1]");
  // The owner must be an organisation of the round's partnership.
  {
    av1::Action plan = Plan("s1", {"s1.q1"}, "police", "2026-03-31");
    plan.set_owner_organisation(Org("police", kOtherP));
    expect_invalid(plan, "action.owner_organisation");
  }
  {
    av1::Action plan = Plan("s1", {"s1.q1"}, "police", "2026-03-31");
    plan.clear_owner_organisation();
    expect_invalid(plan, "action.owner_organisation");
  }
  {
    av1::Action plan = Plan("s1", {"s1.q1"}, "police", "2026-03-31");
    plan.clear_description();
    expect_invalid(plan, "action.description");
  }
  {
    av1::Action plan = Plan("s1", {"s1.q1"}, "police", "2026-03-31");
    plan.clear_intended_outcome();
    expect_invalid(plan, "action.intended_outcome");
  }
  expect_invalid(Plan("s1", {"s1.q1"}, "police", ""), "action.due_date");
  expect_invalid(Plan("s1", {"s1.q1"}, "police", "2026-02-30"), "action.due_date");
  {
    av1::Action plan = Plan("s1", {"s1.q1"}, "police", "2026-03-31");
    plan.set_kind(static_cast<av1::Action::Kind>(9));
    expect_invalid(plan, "action.kind");
  }
  // Not a round at all.
  {
    av1::Action plan = Plan("s1", {"s1.q1"}, "police", "2026-03-31");
    plan.set_assessment("rounds/1");
    EXPECT_THAT(Create(admin_, plan, &created), StatusIs(Code::kInvalidArgument));
    plan.set_assessment("assessments/does-not-exist");
    EXPECT_THAT(Create(admin_, plan, &created), StatusIs(Code::kNotFound));
  }
  // An organisation of the partnership that does not exist.
  EXPECT_THAT(Create(admin_, Plan("s1", {"s1.q1"}, "probation", "2026-03-31"), &created),
              Not(IsOk()));
  EXPECT_THAT(ActionsOf(round_), IsEmpty());
}

TEST_F(ActionServiceTest, ARepeatedRequestIdReturnsTheFirstActionAndCreatesNoSecond) {
  const av1::Action plan = Plan("s3", {"s3.q2"}, "health", "2026-06-30");
  av1::Action first, second;
  ASSERT_THAT(Create(admin_, plan, &first, "plan-s3-1"), IsOk());
  ASSERT_THAT(Create(admin_, plan, &second, "plan-s3-1"), IsOk());
  EXPECT_EQ(second.name(), first.name());
  EXPECT_EQ(second.etag(), first.etag());
  EXPECT_THAT(ActionsOf(round_), ElementsAre(first.name()));
  // The same id for a different request is refused, and creates nothing either.
  av1::Action other;
  EXPECT_THAT(Create(admin_, Plan("s3", {"s3.q3"}, "health", "2026-06-30"), &other, "plan-s3-1"),
              StatusIs(Code::kAlreadyExists));
  // Without a request id, the same plan twice is two actions.
  av1::Action third, fourth;
  ASSERT_THAT(Create(admin_, plan, &third), IsOk());
  ASSERT_THAT(Create(admin_, plan, &fourth), IsOk());
  EXPECT_NE(third.name(), fourth.name());
  EXPECT_THAT(ActionsOf(round_), SizeIs(3));
}

TEST_F(ActionServiceTest, SustainNeedsAConsolidatedGreenForEveryCoveredQuestion) {
  av1::Action sustain = Plan("s1", {"s1.q1", "s1.q2"}, "police", "2026-03-31");
  sustain.set_kind(av1::Action::KIND_SUSTAIN);
  av1::Action created;
  // Nothing consolidated yet.
  EXPECT_THAT(Create(admin_, sustain, &created), StatusIs(Code::kFailedPrecondition, "s1.q1"));

  RateAndConsolidateEverything(round_);  // step 1 Green, the rest Red
  ASSERT_FALSE(HasFailure());
  ASSERT_THAT(Create(admin_, sustain, &created), IsOk());
  EXPECT_EQ(created.kind(), av1::Action::KIND_SUSTAIN);

  av1::Action red = Plan("s2", {"s2.q1"}, "police", "2026-03-31");
  red.set_kind(av1::Action::KIND_SUSTAIN);
  EXPECT_THAT(Create(admin_, red, &created), StatusIs(Code::kFailedPrecondition, "s2.q1"));

  // Turning an improvement of a Red into a sustain action is refused the same way.
  av1::Action improvement = MustCreate(admin_, Plan("s2", {"s2.q2"}, "health", "2026-03-31"));
  improvement.set_kind(av1::Action::KIND_SUSTAIN);
  av1::Action updated;
  EXPECT_THAT(Update(admin_, improvement, {"kind"}, &updated),
              StatusIs(Code::kFailedPrecondition, "s2.q2"));
  // An improvement of a Green may become a sustain action, and cover more Greens.
  av1::Action mixed = MustCreate(admin_, Plan("s1", {"s1.q3"}, "health", "2026-03-31"));
  mixed.set_kind(av1::Action::KIND_SUSTAIN);
  ASSERT_THAT(Update(admin_, mixed, {"kind"}, &updated), IsOk());
  updated.add_question_ids("s1.q4");
  av1::Action again;
  EXPECT_THAT(Update(admin_, updated, {"question_ids"}, &again), IsOk());  // s1.q4 is Green too
}

// ---- Reading ----

TEST_F(ActionServiceTest, EveryoneOfThePartnershipReadsOutsidersGetNotFound) {
  av1::Action created = MustCreate(admin_, Plan("s4", {"s4.q1"}, "police", "2026-03-31"));
  for (const User* who : {&admin_, &scrutineer_, &police_respondent_, &health_respondent_,
                          &police_owner_, &viewer_, &admin_hub_}) {
    av1::Action read;
    EXPECT_THAT(Get(*who, created.name(), &read), IsOk()) << who->principal;
    EXPECT_EQ(read.name(), created.name());
  }
  av1::Action read;
  EXPECT_THAT(Get(outsider_, created.name(), &read), StatusIs(Code::kNotFound));
  EXPECT_THAT(Get(admin_, "actions/nothing-here", &read), StatusIs(Code::kNotFound));
  EXPECT_THAT(Get(admin_, "assessments/x", &read), StatusIs(Code::kInvalidArgument));

  av1::ListActionsRequest request;
  EXPECT_THAT(ListAll(viewer_, request), ElementsAre(created.name()));
  EXPECT_THAT(ListAll(outsider_, request), IsEmpty());
  request.set_partnership(Partnership());
  EXPECT_THAT(ListAll(outsider_, request), IsEmpty());
  request.set_assessment(round_.name());
  EXPECT_THAT(ListAll(outsider_, request), IsEmpty());
}

// ---- Changing the plan ----

TEST_F(ActionServiceTest, UpdateChangesThePlanButNotItsStatusOrHistory) {
  av1::Action action = MustCreate(admin_, Plan("s2", {"s2.q1"}, "police", "2026-03-31"));
  av1::Action progressed;
  ASSERT_THAT(Progress(police_owner_, action.name(), "Started the audit", &progressed, true),
              IsOk());

  av1::Action change = progressed;
  change.set_due_date("2026-05-31");
  change.set_owner_organisation(Org("health"));
  change.set_owner_name("Dr Patel");
  change.add_question_ids("s2.q2");
  change.set_description("Audit and fix the pathway");
  // Neither status nor history change through UpdateAction.
  change.set_status(av1::Action::STATUS_DONE);
  change.mutable_progress_updates(0)->set_note("rewritten");
  av1::Action updated;
  ASSERT_THAT(Update(scrutineer_, change, {}, &updated), IsOk());
  EXPECT_EQ(updated.due_date(), "2026-05-31");
  EXPECT_EQ(updated.owner_organisation(), Org("health"));
  EXPECT_EQ(updated.owner_name(), "Dr Patel");
  EXPECT_THAT(updated.question_ids(), ElementsAre("s2.q1", "s2.q2"));
  EXPECT_EQ(updated.description(), "Audit and fix the pathway");
  EXPECT_EQ(updated.status(), av1::Action::STATUS_IN_PROGRESS);
  ASSERT_EQ(updated.progress_updates_size(), 1);
  EXPECT_TRUE(
      MessageDifferencer::Equals(updated.progress_updates(0), progressed.progress_updates(0)));
  EXPECT_NE(updated.etag(), progressed.etag());

  // A mask changes only what it names.
  av1::Action only_due = updated;
  only_due.set_due_date("2026-06-30");
  only_due.set_description("ignored");
  ASSERT_THAT(Update(admin_, only_due, {"due_date"}, &updated), IsOk());
  EXPECT_EQ(updated.due_date(), "2026-06-30");
  EXPECT_EQ(updated.description(), "Audit and fix the pathway");

  av1::Action ignored;
  EXPECT_THAT(Update(admin_, updated, {"status"}, &ignored),
              StatusIs(Code::kInvalidArgument, "update_mask"));
  EXPECT_THAT(Update(admin_, updated, {"progress_updates"}, &ignored),
              StatusIs(Code::kInvalidArgument, "update_mask"));
}

TEST_F(ActionServiceTest, UpdateRefusals) {
  av1::Action action = MustCreate(admin_, Plan("s2", {"s2.q1"}, "police", "2026-03-31"));
  av1::Action out;
  {
    av1::Action change = action;
    change.add_question_ids("s3.q1");
    EXPECT_THAT(Update(admin_, change, {"question_ids"}, &out),
                StatusIs(Code::kInvalidArgument, "action.question_ids[1]"));
  }
  {
    av1::Action change = action;
    change.set_due_date("31 March");
    EXPECT_THAT(Update(admin_, change, {"due_date"}, &out),
                StatusIs(Code::kInvalidArgument, "action.due_date"));
  }
  {
    // An organisation of another partnership is not a possible owner.
    av1::Action change = action;
    change.set_owner_organisation(Org("police", kOtherP));
    EXPECT_THAT(Update(admin_, change, {"owner_organisation"}, &out),
                StatusIs(Code::kInvalidArgument, "owner_organisation"));
  }
  // Wrong role, other partnership.
  for (const User* who : {&police_owner_, &police_respondent_, &viewer_}) {
    av1::Action change = action;
    change.set_due_date("2026-04-30");
    EXPECT_THAT(Update(*who, change, {"due_date"}, &out), StatusIs(Code::kPermissionDenied))
        << who->principal;
  }
  {
    av1::Action change = action;
    change.set_due_date("2026-04-30");
    EXPECT_THAT(Update(outsider_, change, {"due_date"}, &out), StatusIs(Code::kNotFound));
  }
  // A stale etag.
  av1::Action changed;
  {
    av1::Action change = action;
    change.set_due_date("2026-04-30");
    ASSERT_THAT(Update(admin_, change, {"due_date"}, &changed), IsOk());
    change.set_due_date("2026-05-31");  // still carries the first etag
    EXPECT_THAT(Update(admin_, change, {"due_date"}, &out), StatusIs(Code::kAborted));
  }
  EXPECT_EQ(MustGet(action.name()).due_date(), "2026-04-30");
}

// ---- Finalisation ----

TEST_F(ActionServiceTest, FinalisationNeedsEveryQuestionCoveredByAnActionOfTheRound) {
  RateAndConsolidateEverything(round_);
  ASSERT_FALSE(HasFailure());
  ASSERT_THAT(Submit(admin_, round_.name()), IsOk());
  // Nothing planned yet: each question's only gap is its action plan entry.
  asv1::CheckFinalisationResponse check = MustCheck(round_.name());
  EXPECT_FALSE(check.ready());
  std::vector<std::string> all_gaps;
  for (const std::string& q : AllQuestions()) {
    all_gaps.push_back(absl::StrCat(q, ": no action plan entry covers it"));
  }
  EXPECT_THAT(check.missing(), ElementsAreArray(all_gaps));

  // Steps 1 to 5 get an action each covering their four questions.
  std::vector<av1::Action> step_actions;
  for (int s = 1; s <= 5; ++s) {
    step_actions.push_back(
        MustCreate(admin_, Plan(absl::StrCat("s", s), StepQuestions(s), "police", "2026-09-30")));
  }
  // An action of another round covering step 6 does not count for this one.
  asv1::Assessment other_round = MustCreateRound(admin_, kP, "Another round");
  MustCreate(admin_, Plan("s6", StepQuestions(6), "police", "2026-09-30", &other_round));
  // Nor does a cancelled one.
  av1::Action cancelled = MustCreate(admin_, Plan("s6", StepQuestions(6), "health", "2026-09-30"));
  av1::Action out;
  ASSERT_THAT(Cancel(admin_, cancelled.name(), "Wrong owner", &out), IsOk());

  check = MustCheck(round_.name());
  EXPECT_FALSE(check.ready());
  EXPECT_THAT(check.missing(), ElementsAre("s6.q1: no action plan entry covers it",
                                           "s6.q2: no action plan entry covers it",
                                           "s6.q3: no action plan entry covers it",
                                           "s6.q4: no action plan entry covers it"));
  EXPECT_THAT(Finalise(round_.name()), StatusIs(Code::kFailedPrecondition, "s6.q1"));

  // Partly covered: only the rest is missing.
  MustCreate(admin_, Plan("s6", {"s6.q1", "s6.q3"}, "health", "2026-09-30"));
  check = MustCheck(round_.name());
  EXPECT_THAT(check.missing(), ElementsAre("s6.q2: no action plan entry covers it",
                                           "s6.q4: no action plan entry covers it"));
  // A done action still covers its questions.
  av1::Action rest = MustCreate(admin_, Plan("s6", {"s6.q2", "s6.q4"}, "police", "2026-09-30"));
  ASSERT_THAT(Complete(police_owner_, rest.name(), "Done already", &out), IsOk());
  check = MustCheck(round_.name());
  EXPECT_THAT(check.missing(), IsEmpty());
  EXPECT_TRUE(check.ready());
  asv1::Assessment finalised;
  ASSERT_THAT(Finalise(round_.name(), &finalised), IsOk());
  EXPECT_EQ(finalised.state(), asv1::Assessment::STATE_FINALISED);

  // The plan of a finalised round is still tracked: progress goes on after finalisation,
  // but the finalised round takes no new actions (it is read-only until reopened).
  av1::Action progressed;
  EXPECT_THAT(Progress(police_owner_, step_actions.front().name(), "Progress after finalisation",
                       &progressed, /*start=*/true),
              IsOk());
  EXPECT_EQ(progressed.status(), av1::Action::STATUS_IN_PROGRESS);
  av1::Action refused;
  EXPECT_THAT(Create(admin_, Plan("s1", {"s1.q1"}, "police", "2026-09-30"), &refused),
              StatusIs(Code::kFailedPrecondition));
}

// ---- The change feed ----

TEST_F(ActionServiceTest, EveryActionWriteIsInTheFeedInOrderWithTheRecord) {
  const int64_t head = FeedHead();
  av1::Action a = MustCreate(admin_, Plan("s2", {"s2.q1"}, "police", "2026-03-31"));
  av1::Action b = MustCreate(scrutineer_, Plan("s3", {"s3.q1"}, "health", "2026-04-30"));
  av1::Action a_progress, a_updated, a_done, b_cancelled, out;
  ASSERT_THAT(Progress(police_owner_, a.name(), "Begun", &a_progress, true), IsOk());
  av1::Action change = a_progress;
  change.set_due_date("2026-05-31");
  ASSERT_THAT(Update(admin_, change, {"due_date"}, &a_updated), IsOk());
  ASSERT_THAT(Complete(police_respondent_, a.name(), "Finished", &a_done), IsOk());
  ASSERT_THAT(Cancel(scrutineer_, b.name(), "Not needed", &b_cancelled), IsOk());
  // Refused writes leave no trace.
  EXPECT_THAT(Progress(viewer_, b.name(), "x", &out), StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(Complete(admin_, a.name(), "again", &out), StatusIs(Code::kFailedPrecondition));
  EXPECT_THAT(Cancel(admin_, a.name(), "", &out), StatusIs(Code::kInvalidArgument));
  // A repeated create writes nothing either.
  av1::Action c, c_again;
  ASSERT_THAT(Create(admin_, Plan("s4", {"s4.q1"}, "police", "2026-03-31"), &c, "req-c"), IsOk());
  ASSERT_THAT(Create(admin_, Plan("s4", {"s4.q1"}, "police", "2026-03-31"), &c_again, "req-c"),
              IsOk());

  std::vector<asv1::Change> changes = ChangesAfter(head);
  const std::vector<std::pair<const av1::Action*, std::string>> expected = {
      {&a, admin_.principal},
      {&b, scrutineer_.principal},
      {&a_progress, police_owner_.principal},
      {&a_updated, admin_.principal},
      {&a_done, police_respondent_.principal},
      {&b_cancelled, scrutineer_.principal},
      {&c, admin_.principal}};
  ASSERT_THAT(changes, SizeIs(expected.size()));
  for (size_t i = 0; i < expected.size(); ++i) {
    SCOPED_TRACE(i);
    const asv1::Change& feed = changes[i];
    const av1::Action& record = *expected[i].first;
    EXPECT_EQ(feed.kind(), asv1::CHANGE_KIND_ACTION_CHANGED);
    EXPECT_EQ(feed.assessment(), round_.name());
    EXPECT_EQ(feed.partnership(), Partnership());
    EXPECT_EQ(feed.region(), absl::StrCat("regions/", kRegion));
    EXPECT_EQ(feed.actor(), expected[i].second);
    if (i > 0) {
      EXPECT_EQ(feed.sequence(), changes[i - 1].sequence() + 1);
    }
    ASSERT_TRUE(feed.has_action());
    EXPECT_EQ(feed.action().name(), record.name());
    EXPECT_EQ(feed.action().status(), record.status());
    EXPECT_EQ(feed.action().etag(), record.etag());
    EXPECT_EQ(feed.action().due_date(), record.due_date());
    EXPECT_EQ(feed.action().progress_updates_size(), record.progress_updates_size());
  }
  EXPECT_EQ(changes[2].action().status(), av1::Action::STATUS_IN_PROGRESS);
  EXPECT_EQ(changes[3].action().due_date(), "2026-05-31");
  EXPECT_EQ(changes[4].action().status(), av1::Action::STATUS_DONE);
  EXPECT_EQ(changes[4].action().completion_note(), "Finished");
  EXPECT_EQ(changes[5].action().status(), av1::Action::STATUS_CANCELLED);
  EXPECT_EQ(changes[5].action().cancel_reason(), "Not needed");

  // The partnership's own feed has them too; another partnership's does not.
  EXPECT_THAT(ChangesAfter(head, viewer_.token), SizeIs(expected.size()));
  EXPECT_THAT(ChangesAfter(head, outsider_.token), IsEmpty());
}

}  // namespace
}  // namespace sixsteps::testing::action_test
