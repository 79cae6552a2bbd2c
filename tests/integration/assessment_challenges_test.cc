// The assessment service end to end: challenges, raised, answered and closed; open ones
// block finalisation.
#include "tests/integration/assessment_fixture.h"

namespace sixsteps::testing::assessment_test {
namespace {

TEST_F(AssessmentServiceTest, ChallengesAreRaisedAnsweredAndClosedAndOpenOnesBlockFinalisation) {
  av1::Assessment round =
      ReadyRound(av1::ASSESSMENT_KIND_INDEPENDENT_SCRUTINY, fv1::RATING_GREEN, true);
  av1::ListRespondentsRequest list;
  list.set_parent(round.name());
  av1::Respondent la = Must(&AStub::ListRespondents, admin_, list).respondents(0);
  const std::string target = ResponseOf(la, "s3.q2");

  av1::RaiseChallengeRequest raise;
  raise.set_parent(round.name());
  raise.mutable_challenge()->set_response(target);
  raise.mutable_challenge()->set_text("Is the audit from this period?");
  const std::string before = Fingerprint(round);
  av1::Challenge out;
  EXPECT_THAT(Call(&AStub::RaiseChallenge, respondent_[kLa], raise, &out),
              StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(Call(&AStub::RaiseChallenge, admin_, raise, &out), StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(Call(&AStub::RaiseChallenge, outsider_, raise, &out), StatusIs(Code::kNotFound));
  av1::RaiseChallengeRequest missing = raise;
  missing.mutable_challenge()->set_response(ResponseOf(la, "s9.q9"));
  EXPECT_THAT(Call(&AStub::RaiseChallenge, scrutineer_, missing, &out), StatusIs(Code::kNotFound));
  EXPECT_EQ(Fingerprint(round), before);

  av1::Challenge challenge = Must(&AStub::RaiseChallenge, scrutineer_, raise);
  EXPECT_EQ(challenge.state(), av1::Challenge::STATE_OPEN);
  EXPECT_EQ(challenge.raised_by(), scrutineer_user_);
  EXPECT_EQ(challenge.question_id(), "s3.q2");

  auto missing_lines = [&] {
    auto missing = Check(round).missing();
    return std::vector<std::string>(missing.begin(), missing.end());
  };
  EXPECT_THAT(missing_lines(), ElementsAre("1 challenge(s) not closed"));
  av1::Assessment finalised;
  EXPECT_THAT(Finalise(scrutineer_, round, &finalised),
              StatusIs(Code::kFailedPrecondition, "1 challenge(s) not closed"));

  // Only the respondent's organisation answers.
  av1::AnswerChallengeRequest answer;
  answer.set_name(challenge.name());
  answer.set_answer("Yes: March 2025");
  // Issue #13 finding 16: without the etag it is based on, an answer is refused.
  EXPECT_THAT(Call(&AStub::AnswerChallenge, respondent_[kLa], answer, &out),
              StatusIs(Code::kInvalidArgument, "etag"));
  answer.set_etag(challenge.etag());
  EXPECT_THAT(Call(&AStub::AnswerChallenge, respondent_[kHealth], answer, &out),
              StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(Call(&AStub::AnswerChallenge, scrutineer_, answer, &out),
              StatusIs(Code::kPermissionDenied));
  answer.set_etag("999");
  EXPECT_THAT(Call(&AStub::AnswerChallenge, respondent_[kLa], answer, &out),
              StatusIs(Code::kAborted));
  answer.set_etag(challenge.etag());
  av1::Challenge answered = Must(&AStub::AnswerChallenge, respondent_[kLa], answer);
  EXPECT_EQ(answered.state(), av1::Challenge::STATE_ANSWERED);
  EXPECT_EQ(answered.answered_by(), PrincipalOf(respondent_[kLa]));
  EXPECT_THAT(Call(&AStub::AnswerChallenge, respondent_[kLa], answer, &out),
              StatusIs(Code::kAborted));
  // Answered is not closed.
  EXPECT_THAT(missing_lines(), ElementsAre("1 challenge(s) not closed"));

  av1::CloseChallengeRequest close;
  close.set_name(challenge.name());
  // A blind close (no etag) is refused: the answer may not have been read.
  EXPECT_THAT(Call(&AStub::CloseChallenge, scrutineer_, close, &out),
              StatusIs(Code::kInvalidArgument, "etag"));
  close.set_etag(challenge.etag());  // read before the answer: stale
  EXPECT_THAT(Call(&AStub::CloseChallenge, scrutineer_, close, &out), StatusIs(Code::kAborted));
  close.set_etag(answered.etag());
  EXPECT_THAT(Call(&AStub::CloseChallenge, respondent_[kLa], close, &out),
              StatusIs(Code::kPermissionDenied));
  av1::Challenge closed = Must(&AStub::CloseChallenge, scrutineer_, close);
  EXPECT_EQ(closed.state(), av1::Challenge::STATE_CLOSED);
  EXPECT_EQ(closed.closed_by(), scrutineer_user_);
  close.set_etag(closed.etag());
  EXPECT_THAT(Call(&AStub::CloseChallenge, scrutineer_, close, &out),
              StatusIs(Code::kFailedPrecondition, "already closed"));

  EXPECT_TRUE(Check(round).ready());
  EXPECT_THAT(missing_lines(), IsEmpty());
  av1::Assessment done = MustFinalise(round);
  EXPECT_EQ(done.state(), av1::Assessment::STATE_FINALISED);

  // The feed saw raise, answer and close.
  std::vector<av1::ChangeKind> kinds;
  for (const auto& c : AllChanges(admin_)) {
    if (c.has_challenge()) kinds.push_back(c.kind());
  }
  EXPECT_THAT(kinds,
              ElementsAre(av1::CHANGE_KIND_CHALLENGE_RAISED, av1::CHANGE_KIND_CHALLENGE_ANSWERED,
                          av1::CHANGE_KIND_CHALLENGE_CLOSED));
}

}  // namespace
}  // namespace sixsteps::testing::assessment_test
