// The assessment service end to end: the lifecycle (draft, review, finalised, reopened),
// the finalisation check and the revision history it leaves.
#include "tests/integration/assessment_fixture.h"

namespace sixsteps::testing::assessment_test {
namespace {

// ---------------------------------------------------------------------------------------
// Lifecycle and finalisation.

TEST_F(AssessmentServiceTest, FinalisationListsWhatIsMissing) {
  av1::Assessment round = MustCreate(av1::ASSESSMENT_KIND_SELF_ASSESSMENT, admin_);
  av1::CheckFinalisationResponse draft = Check(round);
  EXPECT_FALSE(draft.ready());
  // A draft, and for each question: no consolidated rating, no action plan entry.
  ASSERT_EQ(draft.missing_size(), 1 + 24 * 2);
  EXPECT_EQ(draft.missing(0), "the round is a draft: submit it for review first");
  EXPECT_EQ(draft.missing(1), "s1.q1: no consolidated rating");
  EXPECT_EQ(draft.missing(2), "s1.q1: no action plan entry covers it");
  av1::Assessment out;
  EXPECT_THAT(Finalise(admin_, round, &out), StatusIs(Code::kFailedPrecondition));

  av1::Respondent la = MustAddOrg(round, kLa);
  AnswerAll(respondent_[kLa], round, la, fv1::RATING_RED);
  round = MustSubmit(round);
  EXPECT_EQ(round.state(), av1::Assessment::STATE_IN_REVIEW);
  // Consolidate everything; s2.q2 Green (the responses are Red, without evidence), which
  // breaks the evidence rule only if it got through — it must not.
  ConsolidateAll(round, fv1::RATING_RED);
  std::string s2q2_etag;
  {
    av1::ListConsolidationsRequest list;
    list.set_parent(round.name());
    const av1::ListConsolidationsResponse listed = Must(&AStub::ListConsolidations, admin_, list);
    for (const auto& c : listed.consolidations()) {
      if (c.question_id() == "s2.q2") s2q2_etag = c.etag();
    }
  }
  av1::Consolidation green;
  EXPECT_THAT(Consolidate(admin_, round, "s2.q2", fv1::RATING_GREEN, &green, s2q2_etag),
              StatusIs(Code::kInvalidArgument, "evidence"));

  // Everything is done but the action plan: exactly one line per question says so.
  std::vector<std::string> expected;
  for (const auto& q : AllQuestions()) {
    expected.push_back(absl::StrCat(q, ": no action plan entry covers it"));
  }
  av1::CheckFinalisationResponse check = Check(round);
  EXPECT_FALSE(check.ready());
  EXPECT_THAT(check.missing(), ElementsAreArray(expected));
  const std::string before = Fingerprint(round);
  grpc::Status refused = Finalise(admin_, round, &out);
  EXPECT_THAT(refused,
              StatusIs(Code::kFailedPrecondition, "s1.q1: no action plan entry covers it"));
  EXPECT_THAT(refused,
              StatusIs(Code::kFailedPrecondition, "s6.q4: no action plan entry covers it"));
  EXPECT_THAT(refused.error_message(), Not(HasSubstr("consolidated")));
  EXPECT_EQ(Fingerprint(round), before);

  // Plan steps 1 to 5: only step 6 is missing.
  for (int step = 1; step <= 5; ++step) {
    std::vector<std::string> questions;
    for (int q = 1; q <= 4; ++q) questions.push_back(absl::StrCat("s", step, ".q", q));
    acv1::Action created;
    ASSERT_THAT(CreateAction(admin_, round, absl::StrCat("s", step), questions, &created), IsOk());
  }
  EXPECT_THAT(Check(round).missing(), ElementsAre("s6.q1: no action plan entry covers it",
                                                  "s6.q2: no action plan entry covers it",
                                                  "s6.q3: no action plan entry covers it",
                                                  "s6.q4: no action plan entry covers it"));
}

TEST_F(AssessmentServiceTest, LifecycleDraftReviewFinalisedReopenedWithHistory) {
  av1::Assessment round =
      ReadyRound(av1::ASSESSMENT_KIND_INDEPENDENT_SCRUTINY, fv1::RATING_AMBER, true);
  ASSERT_EQ(round.state(), av1::Assessment::STATE_IN_REVIEW);
  ASSERT_TRUE(Check(round).ready());

  // Reviewers finalise: not the administrator of an independent scrutiny, not the hub.
  av1::Assessment out;
  EXPECT_THAT(Finalise(admin_, round, &out), StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(Finalise(hub_admin_, round, &out), StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(Finalise(outsider_, round, &out), StatusIs(Code::kNotFound));
  av1::FinaliseAssessmentRequest stale;
  stale.set_name(round.name());
  stale.set_etag("1");
  EXPECT_THAT(Call(&AStub::FinaliseAssessment, scrutineer_, stale, &out), StatusIs(Code::kAborted));
  av1::GetFinalisedRevisionRequest get_finalised;
  get_finalised.set_name(round.name());
  av1::FinalisedRevision none;
  EXPECT_THAT(Call(&AStub::GetFinalisedRevision, admin_, get_finalised, &none),
              StatusIs(Code::kNotFound));

  av1::Assessment finalised = MustFinalise(round);
  EXPECT_EQ(finalised.state(), av1::Assessment::STATE_FINALISED);
  EXPECT_EQ(finalised.revision(), 1);
  EXPECT_TRUE(finalised.has_finalise_time());
  const std::string finalised_fingerprint = Fingerprint(round);

  av1::FinalisedRevision kept = Must(&AStub::GetFinalisedRevision, respondent_[kLa], get_finalised);
  EXPECT_TRUE(MessageDifferencer::Equals(kept.assessment(), finalised));
  EXPECT_THAT(kept.respondents(), SizeIs(1));
  EXPECT_THAT(kept.responses(), SizeIs(24));
  EXPECT_THAT(kept.consolidations(), SizeIs(24));
  EXPECT_THAT(Call(&AStub::GetFinalisedRevision, outsider_, get_finalised, &none),
              StatusIs(Code::kNotFound));

  // Read-only: every edit is refused and changes nothing.
  av1::Respondent la = kept.respondents(0);
  const av1::Response& s1q1 = kept.responses(0);
  av1::Response edit = GoodAnswer(s1q1.name(), fv1::RATING_GREEN);
  edit.set_etag(s1q1.etag());
  av1::Response response_out;
  EXPECT_THAT(Upsert(respondent_[kLa], edit, &response_out),
              StatusIs(Code::kFailedPrecondition, "finalised"));
  av1::BatchUpsertResponsesResponse batch_out;
  EXPECT_THAT(Batch(respondent_[kLa], round, {edit}, &batch_out),
              StatusIs(Code::kFailedPrecondition, "finalised"));
  av1::Respondent respondent_out;
  EXPECT_THAT(AddRespondent(admin_, round, OrgRespondent(kHealth), &respondent_out),
              StatusIs(Code::kFailedPrecondition, "finalised"));
  av1::Consolidation consolidation_out;
  EXPECT_THAT(Consolidate(scrutineer_, round, "s1.q1", fv1::RATING_RED, &consolidation_out,
                          kept.consolidations(0).etag()),
              StatusIs(Code::kFailedPrecondition, "finalised"));
  av1::ContextAnswer context_out;
  EXPECT_THAT(SetContext(admin_, round, "c1", "Late", "", &context_out),
              StatusIs(Code::kFailedPrecondition, "finalised"));
  av1::RaiseChallengeRequest raise;
  raise.set_parent(round.name());
  raise.mutable_challenge()->set_response(s1q1.name());
  raise.mutable_challenge()->set_text("Late question");
  av1::Challenge challenge_out;
  EXPECT_THAT(Call(&AStub::RaiseChallenge, scrutineer_, raise, &challenge_out),
              StatusIs(Code::kFailedPrecondition, "finalised"));
  av1::UpdateAssessmentRequest update;
  *update.mutable_assessment() = finalised;
  update.mutable_assessment()->set_title("Renamed after the fact");
  EXPECT_THAT(Call(&AStub::UpdateAssessment, scrutineer_, update, &out),
              StatusIs(Code::kFailedPrecondition, "finalised"));
  av1::DeleteRespondentRequest remove;
  remove.set_name(la.name());
  google::protobuf::Empty empty;
  EXPECT_THAT(Call(&AStub::DeleteRespondent, admin_, remove, &empty),
              StatusIs(Code::kFailedPrecondition));
  acv1::Action action_out;
  EXPECT_THAT(CreateAction(admin_, round, "s1", {"s1.q1"}, &action_out),
              StatusIs(Code::kFailedPrecondition));
  EXPECT_THAT(Finalise(scrutineer_, round, &out), StatusIs(Code::kFailedPrecondition));
  av1::SubmitAssessmentForReviewRequest submit;
  submit.set_name(round.name());
  EXPECT_THAT(Call(&AStub::SubmitAssessmentForReview, scrutineer_, submit, &out),
              StatusIs(Code::kFailedPrecondition, "reopen"));
  EXPECT_EQ(Fingerprint(round), finalised_fingerprint);

  // Reopening needs a reason and the right person.
  av1::ReopenAssessmentRequest reopen;
  reopen.set_name(round.name());
  EXPECT_THAT(Call(&AStub::ReopenAssessment, scrutineer_, reopen, &out),
              StatusIs(Code::kInvalidArgument, "reason"));
  reopen.set_reason("The health data for Q4 was wrong");
  EXPECT_THAT(Call(&AStub::ReopenAssessment, respondent_[kLa], reopen, &out),
              StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(Call(&AStub::ReopenAssessment, outsider_, reopen, &out), StatusIs(Code::kNotFound));
  EXPECT_EQ(Fingerprint(round), finalised_fingerprint);
  av1::Assessment reopened = Must(&AStub::ReopenAssessment, scrutineer_, reopen);
  EXPECT_EQ(reopened.state(), av1::Assessment::STATE_IN_REVIEW);
  EXPECT_EQ(reopened.revision(), 2);
  EXPECT_FALSE(reopened.has_finalise_time());

  // Correct an answer in the new revision: the finalised revision is kept as it was.
  av1::Response corrected = MustUpsert(respondent_[kLa], edit);
  EXPECT_EQ(corrected.rating(), fv1::RATING_GREEN);
  av1::FinalisedRevision still = Must(&AStub::GetFinalisedRevision, admin_, get_finalised);
  EXPECT_TRUE(MessageDifferencer::Equals(still, kept));
  get_finalised.set_revision(1);
  EXPECT_TRUE(
      MessageDifferencer::Equals(Must(&AStub::GetFinalisedRevision, admin_, get_finalised), kept));
  get_finalised.set_revision(2);
  EXPECT_THAT(Call(&AStub::GetFinalisedRevision, admin_, get_finalised, &none),
              StatusIs(Code::kNotFound));

  // Finalised again as revision 2.
  av1::Assessment second = MustFinalise(round);
  EXPECT_EQ(second.revision(), 2);
  av1::FinalisedRevision kept2 = Must(&AStub::GetFinalisedRevision, admin_, get_finalised);
  EXPECT_EQ(kept2.assessment().revision(), 2);
  get_finalised.set_revision(0);
  EXPECT_EQ(Must(&AStub::GetFinalisedRevision, admin_, get_finalised).assessment().revision(), 2);

  // Every state change is in the round's history, with the reason for reopening.
  std::vector<av1::Revision> history = Revisions(round.name());
  std::vector<std::string> actions;
  for (const auto& r : history) actions.push_back(r.action());
  EXPECT_THAT(actions, ElementsAre("created", "state:in_review", "state:finalised", "reopened",
                                   "state:finalised"));
  EXPECT_EQ(history[3].reason(), "The health data for Q4 was wrong");
  EXPECT_EQ(history[3].actor(), scrutineer_user_);
  EXPECT_EQ(history[3].assessment().revision(), 2);
  EXPECT_EQ(history[2].assessment().state(), av1::Assessment::STATE_FINALISED);
  for (size_t i = 1; i < history.size(); ++i) {
    EXPECT_GT(history[i].revision(), history[i - 1].revision());
  }
}

TEST_F(AssessmentServiceTest, OnlyAFinalisedRoundCanBeReopened) {
  // DESIGN/BUG: ReopenAssessment on a draft must not submit it for review.
  av1::Assessment round = MustCreate(av1::ASSESSMENT_KIND_SELF_ASSESSMENT, admin_);
  const std::string before = Fingerprint(round);
  av1::ReopenAssessmentRequest reopen;
  reopen.set_name(round.name());
  reopen.set_reason("Just because");
  av1::Assessment out;
  EXPECT_THAT(Call(&AStub::ReopenAssessment, admin_, reopen, &out),
              StatusIs(Code::kFailedPrecondition));
  EXPECT_EQ(Fingerprint(round), before);
  round = MustSubmit(round);
  const std::string in_review = Fingerprint(round);
  EXPECT_THAT(Call(&AStub::ReopenAssessment, admin_, reopen, &out),
              StatusIs(Code::kFailedPrecondition));
  av1::SubmitAssessmentForReviewRequest submit;
  submit.set_name(round.name());
  EXPECT_THAT(Call(&AStub::SubmitAssessmentForReview, admin_, submit, &out),
              StatusIs(Code::kFailedPrecondition));
  EXPECT_EQ(Fingerprint(round), in_review);
}

TEST_F(AssessmentServiceTest, TheRegionsHubAdministratorMayReopen) {
  av1::Assessment round = ReadyRound(av1::ASSESSMENT_KIND_SELF_ASSESSMENT, fv1::RATING_RED, true);
  MustFinalise(round);
  av1::ReopenAssessmentRequest reopen;
  reopen.set_name(round.name());
  reopen.set_reason("Complaint upheld");
  av1::Assessment reopened = Must(&AStub::ReopenAssessment, hub_admin_, reopen);
  EXPECT_EQ(reopened.revision(), 2);
  EXPECT_EQ(Revisions(round.name()).back().actor(), PrincipalOf(hub_admin_));
}

}  // namespace
}  // namespace sixsteps::testing::assessment_test
