// The assessment service end to end: consolidation of a round's questions and divergence
// between respondents and from the latest finalised self-assessment.
#include "tests/integration/assessment_fixture.h"

namespace sixsteps::testing::assessment_test {
namespace {

// ---------------------------------------------------------------------------------------
// Consolidation, divergence and challenges.

TEST_F(AssessmentServiceTest, ConsolidationWaitsForEveryAssignedRespondentAndTheRightReviewer) {
  av1::Assessment round = MustCreate(av1::ASSESSMENT_KIND_INDEPENDENT_SCRUTINY, scrutineer_);
  av1::Consolidation out;
  EXPECT_THAT(Consolidate(scrutineer_, round, "s1.q1", fv1::RATING_RED, &out),
              StatusIs(Code::kFailedPrecondition, "no respondents"));
  av1::Respondent la = MustAddOrg(round, kLa);
  av1::Respondent health = MustAddOrg(round, kHealth, {"s1"});
  av1::Respondent police = MustAddOrg(round, kPolice, {"s2"});
  MustUpsert(respondent_[kLa], GoodAnswer(ResponseOf(la, "s1.q1"), fv1::RATING_GREEN));

  const std::string before = Fingerprint(round);
  // Health has not rated s1.q1 yet; the police are not asked about it.
  EXPECT_THAT(Consolidate(scrutineer_, round, "s1.q1", fv1::RATING_GREEN, &out),
              StatusIs(Code::kFailedPrecondition, health.name()));
  EXPECT_THAT(Consolidate(scrutineer_, round, "s1.q1", fv1::RATING_GREEN, &out).error_message(),
              Not(HasSubstr(police.name())));
  MustUpsert(respondent_[kHealth], GoodAnswer(ResponseOf(health, "s1.q1"), fv1::RATING_RED));
  const std::string before2 = Fingerprint(round);
  // In an independent scrutiny only the scrutineer consolidates.
  EXPECT_THAT(Consolidate(admin_, round, "s1.q1", fv1::RATING_GREEN, &out),
              StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(Consolidate(hub_admin_, round, "s1.q1", fv1::RATING_GREEN, &out),
              StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(Consolidate(respondent_[kLa], round, "s1.q1", fv1::RATING_GREEN, &out),
              StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(Consolidate(outsider_, round, "s1.q1", fv1::RATING_GREEN, &out),
              StatusIs(Code::kNotFound));
  EXPECT_THAT(Consolidate(scrutineer_, round, "s1.q1", fv1::RATING_UNSPECIFIED, &out),
              StatusIs(Code::kInvalidArgument, "rating"));
  EXPECT_THAT(Consolidate(scrutineer_, round, "s1.q1", fv1::RATING_AMBER, &out, "", " "),
              StatusIs(Code::kInvalidArgument, "remaining_work"));
  EXPECT_THAT(Consolidate(scrutineer_, round, "s9.q1", fv1::RATING_RED, &out),
              StatusIs(Code::kNotFound));
  EXPECT_EQ(Fingerprint(round), before2);

  av1::Consolidation first;
  ASSERT_THAT(Consolidate(scrutineer_, round, "s1.q1", fv1::RATING_AMBER, &first), IsOk());
  EXPECT_EQ(first.name(), absl::StrCat(round.name(), "/consolidations/s1.q1"));
  EXPECT_EQ(first.update_by(), scrutineer_user_);
  av1::Consolidation second;
  EXPECT_THAT(Consolidate(scrutineer_, round, "s1.q1", fv1::RATING_GREEN, &second, "999"),
              StatusIs(Code::kAborted));
  ASSERT_THAT(Consolidate(scrutineer_, round, "s1.q1", fv1::RATING_GREEN, &second, first.etag()),
              IsOk());
  EXPECT_THAT(RevisionActions(second.name()), ElementsAre("created", "updated"));

  // A Green with no evidence anywhere (the only response to s2.q1 is a Red without any).
  MustUpsert(respondent_[kLa], GoodAnswer(ResponseOf(la, "s2.q1"), fv1::RATING_RED));
  MustUpsert(respondent_[kPolice], GoodAnswer(ResponseOf(police, "s2.q1"), fv1::RATING_RED));
  EXPECT_THAT(Consolidate(scrutineer_, round, "s2.q1", fv1::RATING_GREEN, &out),
              StatusIs(Code::kInvalidArgument, "evidence"));

  // In the partners' own assessment, the partnership administrator consolidates.
  av1::Assessment self = MustCreate(av1::ASSESSMENT_KIND_SELF_ASSESSMENT, admin_);
  av1::Respondent self_la = MustAddOrg(self, kLa);
  MustUpsert(respondent_[kLa], GoodAnswer(ResponseOf(self_la, "s1.q1"), fv1::RATING_GREEN));
  EXPECT_THAT(Consolidate(scrutineer_, self, "s1.q1", fv1::RATING_GREEN, &out),
              StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(Consolidate(admin_, self, "s1.q1", fv1::RATING_GREEN, &out), IsOk());
}

TEST_F(AssessmentServiceTest, ABatchConsolidatesAWholeRoundOrNothing) {
  av1::Assessment round = MustCreate(av1::ASSESSMENT_KIND_INDEPENDENT_SCRUTINY, scrutineer_);
  av1::Respondent la = MustAddOrg(round, kLa);
  AnswerAll(respondent_[kLa], round, la, fv1::RATING_AMBER);
  std::map<std::string, fv1::Rating> ratings;
  for (const auto& q : AllQuestions()) ratings[q] = fv1::RATING_AMBER;
  av1::BatchConsolidateQuestionsResponse out;

  // Refused as a whole, changing nothing: one bad item anywhere in the batch.
  const std::string before = Fingerprint(round);
  auto bad = ratings;
  bad["s6.q4"] = fv1::RATING_UNSPECIFIED;
  EXPECT_THAT(BatchConsolidate(scrutineer_, round, bad, &out),
              StatusIs(Code::kInvalidArgument, "requests[23].consolidation.rating"));
  bad = ratings;
  bad["s9.q9"] = fv1::RATING_RED;  // not a question of the framework: found inside the round
  EXPECT_THAT(BatchConsolidate(scrutineer_, round, bad, &out), StatusIs(Code::kNotFound, "s9.q9"));
  EXPECT_THAT(BatchConsolidate(scrutineer_, round, {}, &out),
              StatusIs(Code::kInvalidArgument, "requests"));
  EXPECT_THAT(BatchConsolidate(admin_, round, ratings, &out), StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(BatchConsolidate(outsider_, round, ratings, &out), StatusIs(Code::kNotFound));
  {
    av1::BatchConsolidateQuestionsRequest twice;
    twice.set_parent(round.name());
    for (int i = 0; i < 2; ++i) {
      av1::Consolidation* c = twice.add_requests()->mutable_consolidation();
      c->set_question_id("s1.q1");
      c->set_rating(fv1::RATING_RED);
      c->set_rationale("Seen the evidence");
    }
    EXPECT_THAT(Call(&AStub::BatchConsolidateQuestions, scrutineer_, twice, &out),
                StatusIs(Code::kInvalidArgument, "appears twice"));
    twice.mutable_requests(1)->mutable_consolidation()->set_question_id("s1.q2");
    twice.mutable_requests(1)->set_parent("assessments/a-elsewhere");
    EXPECT_THAT(Call(&AStub::BatchConsolidateQuestions, scrutineer_, twice, &out),
                StatusIs(Code::kInvalidArgument, "requests[1].parent"));
  }
  EXPECT_EQ(Fingerprint(round), before);

  const int64_t head = FeedHead();
  ASSERT_THAT(BatchConsolidate(scrutineer_, round, ratings, &out), IsOk());
  ASSERT_EQ(out.consolidations_size(), 24);
  EXPECT_EQ(out.consolidations(0).name(), absl::StrCat(round.name(), "/consolidations/s1.q1"));
  EXPECT_EQ(out.consolidations(0).update_by(), scrutineer_user_);
  EXPECT_FALSE(out.consolidations(0).etag().empty());
  av1::ListConsolidationsRequest list;
  list.set_parent(round.name());
  EXPECT_EQ(Must(&AStub::ListConsolidations, admin_, list).consolidations_size(), 24);
  // One feed entry per consolidation, numbered on from the head without a gap.
  std::vector<av1::Change> changes = AllChanges(hub_->admin_token(), head);
  ASSERT_EQ(changes.size(), 24u);
  EXPECT_EQ(changes.front().sequence(), head + 1);
  EXPECT_EQ(changes.back().sequence(), head + 24);
  EXPECT_EQ(changes.back().consolidation().question_id(), "s6.q4");

  // Replacing checks each one's etag, as ConsolidateQuestion does.
  av1::Consolidation replaced;
  EXPECT_THAT(Consolidate(scrutineer_, round, "s1.q1", fv1::RATING_RED, &replaced, "999"),
              StatusIs(Code::kAborted));
  // Issue #13 finding 16: replacing one without its etag (a blind overwrite) is refused too.
  EXPECT_THAT(Consolidate(scrutineer_, round, "s1.q1", fv1::RATING_RED, &replaced),
              StatusIs(Code::kAborted, "already exists"));
  av1::BatchConsolidateQuestionsRequest stale;
  stale.set_parent(round.name());
  *stale.add_requests()->mutable_consolidation() = out.consolidations(1);
  *stale.add_requests()->mutable_consolidation() = out.consolidations(0);
  stale.mutable_requests(1)->mutable_consolidation()->set_etag("999");
  EXPECT_THAT(Call(&AStub::BatchConsolidateQuestions, scrutineer_, stale, &out),
              StatusIs(Code::kAborted));
  EXPECT_THAT(RevisionActions(out.consolidations(1).name()), ElementsAre("created"));
}

TEST_F(AssessmentServiceTest, DivergenceBetweenRespondents) {
  av1::Assessment round = MustCreate(av1::ASSESSMENT_KIND_SELF_ASSESSMENT, admin_);
  av1::Respondent la = MustAddOrg(round, kLa);
  av1::Respondent health = MustAddOrg(round, kHealth);
  av1::Respondent police = MustAddOrg(round, kPolice);
  auto rate = [&](const av1::Respondent& r, const std::string& org, const std::string& q,
                  fv1::Rating rating) {
    MustUpsert(respondent_[org], GoodAnswer(ResponseOf(r, q), rating));
  };
  rate(la, kLa, "s1.q1", fv1::RATING_GREEN);
  rate(health, kHealth, "s1.q1", fv1::RATING_RED);
  rate(police, kPolice, "s1.q1", fv1::RATING_AMBER);
  rate(la, kLa, "s1.q2", fv1::RATING_GREEN);
  rate(health, kHealth, "s1.q2", fv1::RATING_AMBER);
  rate(la, kLa, "s1.q3", fv1::RATING_AMBER);
  rate(health, kHealth, "s1.q3", fv1::RATING_AMBER);

  av1::GetDivergenceRequest request;
  request.set_name(round.name());
  av1::GetDivergenceResponse divergence =
      Must(&AStub::GetDivergence, respondent_[kPolice], request);
  ASSERT_EQ(divergence.questions_size(), 24);
  std::map<std::string, av1::QuestionDivergence> by_question;
  for (const auto& q : divergence.questions()) by_question[q.question_id()] = q;
  EXPECT_TRUE(by_question["s1.q1"].divergent());
  EXPECT_TRUE(by_question["s1.q1"].severe());
  EXPECT_EQ(by_question["s1.q1"].ratings().at(la.name()), fv1::RATING_GREEN);
  EXPECT_EQ(by_question["s1.q1"].ratings().at(health.name()), fv1::RATING_RED);
  EXPECT_EQ(by_question["s1.q1"].ratings_size(), 3);
  EXPECT_TRUE(by_question["s1.q2"].divergent());
  EXPECT_FALSE(by_question["s1.q2"].severe());
  EXPECT_FALSE(by_question["s1.q3"].divergent());
  EXPECT_FALSE(by_question["s1.q4"].divergent());
  EXPECT_EQ(by_question["s1.q4"].ratings_size(), 0);
  EXPECT_TRUE(divergence.self_assessment().empty());

  av1::GetDivergenceResponse out;
  EXPECT_THAT(Call(&AStub::GetDivergence, outsider_, request, &out), StatusIs(Code::kNotFound));
}

TEST_F(AssessmentServiceTest, DivergenceFromTheLatestFinalisedSelfAssessment) {
  // The partners said Green for s1.q1 and s1.q2 and finalised that.
  av1::Assessment self = ReadyRound(av1::ASSESSMENT_KIND_SELF_ASSESSMENT, fv1::RATING_GREEN, true);
  MustFinalise(self);

  // The scrutineer finds s1.q1 Red and agrees on s1.q2.
  av1::Assessment scrutiny = ReadyRound(av1::ASSESSMENT_KIND_INDEPENDENT_SCRUTINY,
                                        fv1::RATING_GREEN, false, {{"s1.q1", fv1::RATING_RED}});
  av1::GetDivergenceRequest request;
  request.set_name(scrutiny.name());
  av1::GetDivergenceResponse divergence = Must(&AStub::GetDivergence, scrutineer_, request);
  EXPECT_EQ(divergence.self_assessment(), self.name());
  std::map<std::string, av1::QuestionDivergence> by_question;
  for (const auto& q : divergence.questions()) by_question[q.question_id()] = q;
  EXPECT_EQ(by_question["s1.q1"].self_assessment_rating(), fv1::RATING_GREEN);
  EXPECT_TRUE(by_question["s1.q1"].self_assessment_severe());
  EXPECT_EQ(by_question["s1.q2"].self_assessment_rating(), fv1::RATING_GREEN);
  EXPECT_FALSE(by_question["s1.q2"].self_assessment_severe());
  // One respondent: no divergence between respondents.
  EXPECT_FALSE(by_question["s1.q1"].divergent());

  // A self-assessment is not compared against itself or another self-assessment.
  request.set_name(self.name());
  EXPECT_TRUE(Must(&AStub::GetDivergence, admin_, request).self_assessment().empty());
}

}  // namespace
}  // namespace sixsteps::testing::assessment_test
