// The round lifecycle's rules as plain functions (services/assessment/lifecycle.h): who may
// move a round, where a move takes it, and what finalisation needs. No database, no server.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "services/assessment/lifecycle.h"
#include "tests/support/status_matchers.h"
#include "tests/unit/assessment_test_util.h"

namespace sixsteps::assessment {
namespace {

using ::sixsteps::assessment::testing::TwoQuestions;
using ::sixsteps::assessment::testing::With;
using ::sixsteps::testing::IsOk;
using ::sixsteps::testing::StatusIs;
using ::testing::ElementsAre;
using Role = auth::Role;
using State = v1::Assessment;

v1::Assessment Round(v1::AssessmentKind kind, v1::Assessment::State state) {
  v1::Assessment round;
  round.set_name("assessments/a1");
  round.set_partnership("partnerships/durham");
  round.set_region("regions/north");
  round.set_kind(kind);
  round.set_state(state);
  round.set_revision(1);
  return round;
}

const Caller kAdmin = With(Role::ROLE_PARTNERSHIP_ADMINISTRATOR, "north", "durham");
const Caller kScrutineer = With(Role::ROLE_INDEPENDENT_SCRUTINEER, "north", "durham");
const Caller kRespondent = With(Role::ROLE_PARTNER_RESPONDENT, "north", "durham", "police");
const Caller kHubAdmin = With(Role::ROLE_HUB_ADMINISTRATOR, "north");
const Caller kOtherHubAdmin = With(Role::ROLE_HUB_ADMINISTRATOR, "south");
const Caller kIntegration = With(Role::ROLE_INTEGRATION, "north", "durham");
const Caller kViewer = With(Role::ROLE_VIEWER, "north");

constexpr auto kSelf = v1::ASSESSMENT_KIND_SELF_ASSESSMENT;
constexpr auto kScrutiny = v1::ASSESSMENT_KIND_INDEPENDENT_SCRUTINY;

// ---- Who may move a round ----

TEST(CheckMayTransition, WhoeverSetsUpARoundSubmitsIt) {
  for (const Caller& caller : {kAdmin, kScrutineer, kHubAdmin, kIntegration}) {
    EXPECT_THAT(
        CheckMayTransition(caller, Round(kSelf, State::STATE_DRAFT), State::STATE_IN_REVIEW),
        IsOk());
  }
}

TEST(CheckMayTransition, RespondentsViewersAndOtherRegionsDoNotSubmit) {
  for (const Caller& caller : {kRespondent, kViewer, kOtherHubAdmin}) {
    EXPECT_THAT(
        CheckMayTransition(caller, Round(kSelf, State::STATE_DRAFT), State::STATE_IN_REVIEW),
        StatusIs(absl::StatusCode::kPermissionDenied));
  }
}

TEST(CheckMayTransition, ReviewersFinalise) {
  EXPECT_THAT(
      CheckMayTransition(kAdmin, Round(kSelf, State::STATE_IN_REVIEW), State::STATE_FINALISED),
      IsOk());
  EXPECT_THAT(CheckMayTransition(kScrutineer, Round(kScrutiny, State::STATE_IN_REVIEW),
                                 State::STATE_FINALISED),
              IsOk());
}

TEST(CheckMayTransition, OnlyTheKindsReviewersFinalise) {
  // In an independent scrutiny the scrutineers review, in the partners' own assessment the
  // partnership's administrators; hub administrators and integrations never finalise.
  EXPECT_THAT(
      CheckMayTransition(kAdmin, Round(kScrutiny, State::STATE_IN_REVIEW), State::STATE_FINALISED),
      StatusIs(absl::StatusCode::kPermissionDenied, "scrutineers"));
  EXPECT_THAT(
      CheckMayTransition(kScrutineer, Round(kSelf, State::STATE_IN_REVIEW), State::STATE_FINALISED),
      StatusIs(absl::StatusCode::kPermissionDenied, "administrators"));
  for (const Caller& caller : {kHubAdmin, kIntegration, kRespondent, kViewer}) {
    EXPECT_THAT(
        CheckMayTransition(caller, Round(kSelf, State::STATE_IN_REVIEW), State::STATE_FINALISED),
        StatusIs(absl::StatusCode::kPermissionDenied));
  }
}

TEST(CheckMayTransition, ReviewersAndTheRegionsHubAdministratorsReopen) {
  for (const Caller& caller : {kAdmin, kHubAdmin}) {
    EXPECT_THAT(
        CheckMayTransition(caller, Round(kSelf, State::STATE_FINALISED), State::STATE_IN_REVIEW),
        IsOk());
  }
  for (const Caller& caller : {kOtherHubAdmin, kIntegration, kRespondent, kScrutineer}) {
    EXPECT_THAT(
        CheckMayTransition(caller, Round(kSelf, State::STATE_FINALISED), State::STATE_IN_REVIEW),
        StatusIs(absl::StatusCode::kPermissionDenied));
  }
}

// ---- Where a move takes a round ----

const absl::Time kNow = absl::FromUnixSeconds(1767225600);

TEST(NextState, SubmitMovesADraftToReview) {
  absl::StatusOr<RoundTransition> next =
      NextState(Round(kSelf, State::STATE_DRAFT), State::STATE_IN_REVIEW, "", kNow);
  ASSERT_THAT(next, IsOk());
  EXPECT_EQ(next->round.state(), State::STATE_IN_REVIEW);
  EXPECT_EQ(next->round.revision(), 1);
  EXPECT_FALSE(next->round.has_finalise_time());
  EXPECT_EQ(next->action, "state:in_review");
}

TEST(NextState, FinaliseStampsTheTime) {
  absl::StatusOr<RoundTransition> next =
      NextState(Round(kSelf, State::STATE_IN_REVIEW), State::STATE_FINALISED, "", kNow);
  ASSERT_THAT(next, IsOk());
  EXPECT_EQ(next->round.state(), State::STATE_FINALISED);
  EXPECT_EQ(next->round.finalise_time().seconds(), absl::ToUnixSeconds(kNow));
  EXPECT_EQ(next->action, "state:finalised");
}

TEST(NextState, ReopenStartsTheNextRevision) {
  v1::Assessment finalised = Round(kSelf, State::STATE_FINALISED);
  finalised.mutable_finalise_time()->set_seconds(1);
  absl::StatusOr<RoundTransition> next =
      NextState(finalised, State::STATE_IN_REVIEW, "a rating was mistyped", kNow);
  ASSERT_THAT(next, IsOk());
  EXPECT_EQ(next->round.state(), State::STATE_IN_REVIEW);
  EXPECT_EQ(next->round.revision(), 2);
  EXPECT_FALSE(next->round.has_finalise_time());
  EXPECT_EQ(next->action, "reopened");
  // The input is left as it was.
  EXPECT_EQ(finalised.revision(), 1);
  EXPECT_EQ(finalised.state(), State::STATE_FINALISED);
}

TEST(NextState, TheStateMachineRefusesEveryOtherMove) {
  const std::vector<std::pair<v1::Assessment::State, v1::Assessment::State>> refused = {
      {State::STATE_DRAFT, State::STATE_FINALISED},
      {State::STATE_DRAFT, State::STATE_DRAFT},
      {State::STATE_IN_REVIEW, State::STATE_IN_REVIEW},
      {State::STATE_IN_REVIEW, State::STATE_DRAFT},
      {State::STATE_FINALISED, State::STATE_FINALISED},
      {State::STATE_FINALISED, State::STATE_DRAFT},
  };
  for (const auto& [from, to] : refused) {
    EXPECT_THAT(NextState(Round(kSelf, from), to, "", kNow),
                StatusIs(absl::StatusCode::kFailedPrecondition, "cannot go from"))
        << State::State_Name(from) << " -> " << State::State_Name(to);
  }
}

TEST(NextState, SubmitDoesNotReopenAndReopenDoesNotSubmit) {
  EXPECT_THAT(NextState(Round(kSelf, State::STATE_FINALISED), State::STATE_IN_REVIEW, "", kNow),
              StatusIs(absl::StatusCode::kFailedPrecondition, "reopen it, with a reason"));
  EXPECT_THAT(
      NextState(Round(kSelf, State::STATE_DRAFT), State::STATE_IN_REVIEW, "a reason", kNow),
      StatusIs(absl::StatusCode::kFailedPrecondition, "only a finalised round can be reopened"));
}

// ---- What finalisation needs ----

v1::Consolidation Consolidated(const std::string& question, fv1::Rating rating, int evidence = 0,
                               const std::string& remaining_work = "") {
  v1::Consolidation c;
  c.set_question_id(question);
  c.set_rating(rating);
  for (int i = 0; i < evidence; ++i) c.add_evidence()->set_description("minutes");
  c.set_remaining_work(remaining_work);
  return c;
}

// Both questions consolidated Red (no evidence needed) and covered by an action.
RoundRecords Complete() {
  RoundRecords records;
  records.consolidations = {Consolidated("s1.q1", fv1::RATING_RED),
                            Consolidated("s1.q2", fv1::RATING_RED)};
  records.covered_by_actions = {"s1.q1", "s1.q2"};
  return records;
}

absl::Status Finalisable(const RoundRecords& records) {
  return CheckFinalisable(IndexOf(TwoQuestions()), FinalisationInputsOf(records));
}

TEST(CheckFinalisable, EveryQuestionConsolidatedAndCovered) {
  EXPECT_THAT(Finalisable(Complete()), IsOk());
}

TEST(CheckFinalisable, AQuestionWithoutAConsolidatedRating) {
  RoundRecords records = Complete();
  records.consolidations.pop_back();
  EXPECT_THAT(Finalisable(records), StatusIs(absl::StatusCode::kFailedPrecondition,
                                             "cannot finalise yet: s1.q2: no consolidated rating"));
}

TEST(CheckFinalisable, AQuestionNoActionCovers) {
  RoundRecords records = Complete();
  records.covered_by_actions.erase("s1.q1");
  EXPECT_THAT(Finalisable(records), StatusIs(absl::StatusCode::kFailedPrecondition,
                                             "s1.q1: no action plan entry covers it"));
}

TEST(CheckFinalisable, GreenNeedsEvidenceFromTheConsolidationOrTheResponses) {
  RoundRecords records = Complete();
  records.consolidations[0] = Consolidated("s1.q1", fv1::RATING_GREEN);
  EXPECT_THAT(Finalisable(records),
              StatusIs(absl::StatusCode::kFailedPrecondition, "s1.q1: consolidation.evidence"));
  // A respondent's evidence counts for the round's rating.
  v1::Response response;
  response.set_question_id("s1.q1");
  response.add_evidence()->set_description("audit report");
  records.responses = {response};
  EXPECT_THAT(Finalisable(records), IsOk());
  // Evidence on another question does not.
  records.responses[0].set_question_id("s1.q2");
  EXPECT_THAT(Finalisable(records), StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST(CheckFinalisable, AmberNeedsTheRemainingWork) {
  RoundRecords records = Complete();
  records.consolidations[1] = Consolidated("s1.q2", fv1::RATING_AMBER, 1);
  EXPECT_THAT(Finalisable(records), StatusIs(absl::StatusCode::kFailedPrecondition,
                                             "s1.q2: consolidation.remaining_work"));
  records.consolidations[1] = Consolidated("s1.q2", fv1::RATING_AMBER, 1, "audit the rest");
  EXPECT_THAT(Finalisable(records), IsOk());
}

TEST(CheckFinalisable, ChallengesMustBeClosedNotJustAnswered) {
  RoundRecords records = Complete();
  v1::Challenge open, answered, closed;
  open.set_state(v1::Challenge::STATE_OPEN);
  answered.set_state(v1::Challenge::STATE_ANSWERED);
  closed.set_state(v1::Challenge::STATE_CLOSED);
  records.challenges = {open, answered, closed};
  EXPECT_EQ(FinalisationInputsOf(records).open_challenges, 2);
  EXPECT_THAT(Finalisable(records),
              StatusIs(absl::StatusCode::kFailedPrecondition, "2 challenge(s) not closed"));
  records.challenges = {closed};
  EXPECT_THAT(Finalisable(records), IsOk());
}

TEST(CheckFinalisable, NamesEveryGapInFrameworkOrder) {
  RoundRecords records;
  EXPECT_EQ(FinalisationGaps(IndexOf(TwoQuestions()), FinalisationInputsOf(records)),
            (std::vector<std::string>{
                "s1.q1: no consolidated rating", "s1.q1: no action plan entry covers it",
                "s1.q2: no consolidated rating", "s1.q2: no action plan entry covers it"}));
}

TEST(FinalisationReport, ADraftMustBeSubmittedFirst) {
  v1::CheckFinalisationResponse report = FinalisationReport(State::STATE_DRAFT, {});
  EXPECT_FALSE(report.ready());
  EXPECT_THAT(report.missing(), ElementsAre("the round is a draft: submit it for review first"));
  report = FinalisationReport(State::STATE_DRAFT, {"s1.q1: no consolidated rating"});
  EXPECT_THAT(report.missing(), ElementsAre("the round is a draft: submit it for review first",
                                            "s1.q1: no consolidated rating"));
}

TEST(FinalisationReport, ReadyOnlyInReviewWithNoGap) {
  EXPECT_TRUE(FinalisationReport(State::STATE_IN_REVIEW, {}).ready());
  EXPECT_FALSE(FinalisationReport(State::STATE_IN_REVIEW, {"1 challenge(s) not closed"}).ready());
  EXPECT_FALSE(FinalisationReport(State::STATE_FINALISED, {}).ready());
}

TEST(BuildSnapshot, HoldsTheRoundAndEveryRecord) {
  RoundRecords records = Complete();
  records.respondents.resize(2);
  records.responses.resize(3);
  records.challenges.resize(1);
  records.context_answers.resize(4);
  v1::Assessment finalised = Round(kSelf, State::STATE_FINALISED);
  finalised.set_etag("7");
  v1::FinalisedRevision snapshot = BuildSnapshot(finalised, records);
  EXPECT_EQ(snapshot.assessment().etag(), "7");
  EXPECT_EQ(snapshot.respondents_size(), 2);
  EXPECT_EQ(snapshot.responses_size(), 3);
  EXPECT_EQ(snapshot.consolidations_size(), 2);
  EXPECT_EQ(snapshot.challenges_size(), 1);
  EXPECT_EQ(snapshot.context_answers_size(), 4);
}

}  // namespace
}  // namespace sixsteps::assessment
