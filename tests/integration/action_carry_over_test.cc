// The ActionService end to end: carrying a finalised round's open actions over into the
// next round.
#include "tests/integration/action_fixture.h"

namespace sixsteps::testing::action_test {
namespace {

// ---- Carry-over ----

class CarryOverTest : public ActionServiceTest {
 protected:
  // Round 1: rated, consolidated, one action per step, finalised with step 1's action
  // done, step 3's in progress, an extra cancelled one on step 2, the others planned.
  void SetUp() override {
    ActionServiceTest::SetUp();
    if (HasFatalFailure()) return;
    RateAndConsolidateEverything(round_);
    ASSERT_FALSE(HasFailure());
    for (int s = 1; s <= 6; ++s) {
      av1::Action plan = Plan(absl::StrCat("s", s), StepQuestions(s), s % 2 ? "police" : "health",
                              absl::StrCat("2026-0", s, "-15"));
      plan.set_owner_name(absl::StrCat("Owner ", s));
      step_action_[s] = MustCreate(admin_, plan);
    }
    av1::Action out;
    ASSERT_THAT(Complete(police_owner_, step_action_[1].name(), "Done", &out), IsOk());
    ASSERT_THAT(Progress(police_owner_, step_action_[3].name(), "Begun", &step_action_[3], true),
                IsOk());
    extra_cancelled_ = MustCreate(admin_, Plan("s2", {"s2.q1"}, "education", "2026-02-01"));
    ASSERT_THAT(Cancel(admin_, extra_cancelled_.name(), "Duplicate", &out), IsOk());
    ASSERT_THAT(Submit(admin_, round_.name()), IsOk());
    ASSERT_THAT(Finalise(round_.name()), IsOk());
    round2_ = MustCreateRound(admin_, kP, "Round 2");
    ASSERT_FALSE(HasFailure());
  }

  std::map<int, av1::Action> step_action_;
  av1::Action extra_cancelled_;
  asv1::Assessment round2_;
};

TEST_F(CarryOverTest, CarriesOnlyTheOpenActionsAndLinksBothWays) {
  EXPECT_EQ(round2_.previous_assessment(), round_.name());
  const int64_t head = FeedHead();

  av1::CarryOverActionsResponse carried;
  ASSERT_THAT(CarryOver(admin_, round2_.name(), "", "carry-1", &carried), IsOk());
  EXPECT_THAT(carried.not_carried(), IsEmpty());
  ASSERT_THAT(carried.actions(), SizeIs(5));  // steps 2 to 6

  std::map<std::string, const av1::Action*> by_old;
  for (const av1::Action& action : carried.actions()) by_old[action.carried_from()] = &action;
  std::vector<std::string> open_old;
  for (int s = 2; s <= 6; ++s) open_old.push_back(step_action_[s].name());
  std::vector<std::string> carried_from;
  for (const auto& [old, action] : by_old) carried_from.push_back(old);
  EXPECT_THAT(carried_from, UnorderedElementsAreArray(open_old));

  for (int s = 2; s <= 6; ++s) {
    SCOPED_TRACE(absl::StrCat("step ", s));
    const av1::Action& old_before = step_action_[s];
    ASSERT_TRUE(by_old.count(old_before.name()));
    const av1::Action& fresh = *by_old[old_before.name()];
    EXPECT_NE(fresh.name(), old_before.name());
    EXPECT_EQ(fresh.assessment(), round2_.name());
    EXPECT_EQ(fresh.partnership(), Partnership());
    EXPECT_EQ(fresh.step_id(), old_before.step_id());
    EXPECT_THAT(fresh.question_ids(), ElementsAreArray(old_before.question_ids()));
    EXPECT_EQ(fresh.description(), old_before.description());
    EXPECT_EQ(fresh.intended_outcome(), old_before.intended_outcome());
    EXPECT_EQ(fresh.owner_organisation(), old_before.owner_organisation());
    EXPECT_EQ(fresh.owner_name(), old_before.owner_name());
    EXPECT_EQ(fresh.due_date(), old_before.due_date());
    EXPECT_EQ(fresh.status(),
              s == 3 ? av1::Action::STATUS_IN_PROGRESS : av1::Action::STATUS_PLANNED);
    EXPECT_TRUE(fresh.carried_to().empty());
    EXPECT_EQ(fresh.creator(), admin_.principal);
    av1::Action stored = MustGet(fresh.name());
    stored.clear_overdue();  // judged against today when read
    av1::Action returned = fresh;
    returned.clear_overdue();
    EXPECT_TRUE(MessageDifferencer::Equals(stored, returned));

    av1::Action old_after = MustGet(old_before.name());
    EXPECT_EQ(old_after.status(), av1::Action::STATUS_CARRIED_OVER);
    EXPECT_EQ(old_after.carried_to(), fresh.name());
    EXPECT_EQ(old_after.assessment(), round_.name());
    ASSERT_EQ(old_after.progress_updates_size(), old_before.progress_updates_size() + 1);
    EXPECT_EQ(old_after.progress_updates(old_after.progress_updates_size() - 1).status(),
              av1::Action::STATUS_CARRIED_OVER);
    EXPECT_FALSE(old_after.overdue());
  }
  // Done and cancelled actions stay as they were.
  EXPECT_EQ(MustGet(step_action_[1].name()).status(), av1::Action::STATUS_DONE);
  EXPECT_TRUE(MustGet(step_action_[1].name()).carried_to().empty());
  EXPECT_EQ(MustGet(extra_cancelled_.name()).status(), av1::Action::STATUS_CANCELLED);
  EXPECT_TRUE(MustGet(extra_cancelled_.name()).carried_to().empty());
  EXPECT_THAT(ActionsOf(round2_), UnorderedElementsAreArray(Names(carried.actions())));

  // A repeat with the same request id returns the same result and carries nothing twice.
  av1::CarryOverActionsResponse again;
  ASSERT_THAT(CarryOver(admin_, round2_.name(), "", "carry-1", &again), IsOk());
  EXPECT_TRUE(MessageDifferencer::Equals(again, carried));
  // A new request finds nothing open left to carry.
  av1::CarryOverActionsResponse nothing;
  ASSERT_THAT(CarryOver(scrutineer_, round2_.name(), round_.name(), "carry-2", &nothing), IsOk());
  EXPECT_THAT(nothing.actions(), IsEmpty());
  EXPECT_THAT(ActionsOf(round2_), SizeIs(5));

  // Carried-over actions are closed in the old round.
  av1::Action out;
  EXPECT_THAT(Progress(police_owner_, step_action_[3].name(), "more", &out),
              StatusIs(Code::kFailedPrecondition));
  EXPECT_THAT(Cancel(admin_, step_action_[2].name(), "x", &out),
              StatusIs(Code::kFailedPrecondition));
  // ...and carry on in the new one.
  EXPECT_THAT(Progress(police_owner_, by_old[step_action_[3].name()]->name(), "more", &out),
              IsOk());

  // The feed has one change per record written: the new action, then the old one closed.
  std::vector<asv1::Change> changes = ChangesAfter(head);
  ASSERT_THAT(changes, SizeIs(11));  // 5 × (new, old) + the progress note above
  for (int i = 0; i < 10; i += 2) {
    SCOPED_TRACE(i);
    const asv1::Change& fresh = changes[i];
    const asv1::Change& old = changes[i + 1];
    EXPECT_EQ(fresh.kind(), asv1::CHANGE_KIND_ACTION_CHANGED);
    EXPECT_EQ(old.kind(), asv1::CHANGE_KIND_ACTION_CHANGED);
    ASSERT_TRUE(fresh.has_action());
    ASSERT_TRUE(old.has_action());
    EXPECT_EQ(fresh.action().name(), carried.actions(i / 2).name());
    EXPECT_EQ(fresh.assessment(), round2_.name());
    EXPECT_EQ(old.action().name(), fresh.action().carried_from());
    EXPECT_EQ(old.action().carried_to(), fresh.action().name());
    EXPECT_EQ(old.action().status(), av1::Action::STATUS_CARRIED_OVER);
    EXPECT_EQ(old.assessment(), round_.name());
    EXPECT_EQ(old.partnership(), Partnership());
    EXPECT_EQ(fresh.actor(), admin_.principal);
  }
  EXPECT_EQ(changes[10].action().name(), by_old[step_action_[3].name()]->name());
}

TEST_F(CarryOverTest, QuestionsTheNewFrameworkDroppedAreNotCarried) {
  // The region adapts the framework: step 6 removed, and step 5 loses its last two
  // questions. Round 2 of the partnership runs on the adapted version.
  auto frameworks = hub_->FrameworkStub();
  fv1::FrameworkVersion draft;
  {
    grpc::ClientContext context;
    Authorize(context, hub_->admin_token());
    fv1::AdaptFrameworkRequest request;
    request.set_source_version(kBuiltIn);
    request.set_framework_id("north-six-steps");
    request.set_display_name("North's Six Steps");
    request.set_region(kRegion);
    fv1::AdaptFrameworkResponse response;
    ASSERT_THAT(frameworks->AdaptFramework(&context, request, &response), IsOk());
    draft = response.version();
  }
  ASSERT_EQ(draft.steps_size(), 6);
  draft.mutable_steps()->RemoveLast();
  draft.mutable_steps(4)->mutable_questions()->DeleteSubrange(2, 2);
  {
    grpc::ClientContext context;
    Authorize(context, hub_->admin_token());
    fv1::UpdateFrameworkVersionRequest request;
    *request.mutable_framework_version() = draft;
    request.mutable_update_mask()->add_paths("steps");
    ASSERT_THAT(frameworks->UpdateFrameworkVersion(&context, request, &draft), IsOk());
  }
  {
    grpc::ClientContext context;
    Authorize(context, hub_->admin_token());
    fv1::PublishFrameworkVersionRequest request;
    request.set_name(draft.name());
    ASSERT_THAT(frameworks->PublishFrameworkVersion(&context, request, &draft), IsOk());
  }
  asv1::Assessment adapted_round;
  {
    grpc::ClientContext context;
    Authorize(context, admin_.token);
    asv1::CreateAssessmentRequest request;
    *request.mutable_assessment() = round2_;
    request.mutable_assessment()->set_framework_version(draft.name());
    request.mutable_assessment()->set_title("Round 2 on the adapted framework");
    ASSERT_THAT(assessments_->CreateAssessment(&context, request, &adapted_round), IsOk());
  }
  ASSERT_EQ(adapted_round.previous_assessment(), round_.name());

  av1::CarryOverActionsResponse carried;
  ASSERT_THAT(CarryOver(admin_, adapted_round.name(), "", "", &carried), IsOk());
  EXPECT_THAT(carried.not_carried(), ElementsAre(step_action_[6].name()));
  std::map<std::string, av1::Action> by_step;
  for (const av1::Action& action : carried.actions()) by_step[action.step_id()] = action;
  ASSERT_EQ(by_step.size(), 4u);  // steps 2 to 5
  EXPECT_THAT(by_step["s5"].question_ids(), ElementsAre("s5.q1", "s5.q2"));
  EXPECT_THAT(by_step["s4"].question_ids(), ElementsAreArray(StepQuestions(4)));
  // What could not be carried stays open in the old round.
  av1::Action left = MustGet(step_action_[6].name());
  EXPECT_EQ(left.status(), av1::Action::STATUS_PLANNED);
  EXPECT_TRUE(left.carried_to().empty());
  EXPECT_EQ(MustGet(step_action_[5].name()).carried_to(), by_step["s5"].name());
}

TEST_F(CarryOverTest, TheNewRoundsFinalisationCountsTheCarriedActions) {
  av1::CarryOverActionsResponse carried;
  ASSERT_THAT(CarryOver(admin_, round2_.name(), "", "", &carried), IsOk());
  ASSERT_THAT(carried.actions(), SizeIs(5));
  // Round 2 has nothing rated yet, but steps 2 to 6 are covered by the carried actions.
  asv1::CheckFinalisationResponse check = MustCheck(round2_.name());
  std::vector<std::string> action_gaps;
  for (const std::string& gap : check.missing()) {
    if (gap.find("no action plan entry") != std::string::npos) action_gaps.push_back(gap);
  }
  EXPECT_THAT(action_gaps, ElementsAre("s1.q1: no action plan entry covers it",
                                       "s1.q2: no action plan entry covers it",
                                       "s1.q3: no action plan entry covers it",
                                       "s1.q4: no action plan entry covers it"));
}

TEST_F(CarryOverTest, Refusals) {
  av1::CarryOverActionsResponse response;
  // Round 1 has no previous round.
  EXPECT_THAT(CarryOver(admin_, round_.name(), "", "", &response),
              StatusIs(Code::kFailedPrecondition));
  // Not from itself, not from a round that is not finalised.
  EXPECT_THAT(CarryOver(admin_, round2_.name(), round2_.name(), "", &response),
              StatusIs(Code::kInvalidArgument, "from_assessment"));
  asv1::Assessment draft = MustCreateRound(admin_, kP, "A draft");
  EXPECT_THAT(CarryOver(admin_, round2_.name(), draft.name(), "", &response),
              StatusIs(Code::kFailedPrecondition));
  // Not into a finalised round.
  EXPECT_THAT(CarryOver(admin_, round_.name(), round2_.name(), "", &response), Not(IsOk()));
  // Not from another partnership's round, which the caller cannot see.
  asv1::Assessment durham = MustCreateRound(outsider_, kOtherP, "Durham 1");
  EXPECT_THAT(CarryOver(admin_, round2_.name(), durham.name(), "", &response),
              StatusIs(Code::kNotFound));
  // Nor, for the deployment administrator who can see both, across partnerships.
  EXPECT_THAT(CarryOver(admin_hub_, round2_.name(), durham.name(), "", &response),
              StatusIs(Code::kInvalidArgument, "from_assessment"));
  // Only planners carry over; outsiders do not see the round.
  for (const User* who : {&police_owner_, &police_respondent_, &viewer_}) {
    EXPECT_THAT(CarryOver(*who, round2_.name(), "", "", &response),
                StatusIs(Code::kPermissionDenied))
        << who->principal;
  }
  EXPECT_THAT(CarryOver(outsider_, round2_.name(), "", "", &response), StatusIs(Code::kNotFound));
  EXPECT_THAT(CarryOver(admin_, "assessments/none", "", "", &response), StatusIs(Code::kNotFound));
  // Nothing was carried by any of these.
  EXPECT_THAT(ActionsOf(round2_), IsEmpty());
  EXPECT_EQ(MustGet(step_action_[2].name()).status(), av1::Action::STATUS_PLANNED);
}

}  // namespace
}  // namespace sixsteps::testing::action_test
