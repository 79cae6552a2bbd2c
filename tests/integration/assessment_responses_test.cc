// The assessment service end to end: responses (the evidence rule, who answers what,
// etags, batches, races) and context answers.
#include "tests/integration/assessment_fixture.h"

namespace sixsteps::testing::assessment_test {
namespace {

// ---------------------------------------------------------------------------------------
// Responses: the evidence rule, who answers what, etags, batches, races.

TEST_F(AssessmentServiceTest, GreenAndAmberNeedEvidenceAndAmberNeedsRemainingWork) {
  av1::Assessment round = MustCreate(av1::ASSESSMENT_KIND_SELF_ASSESSMENT, admin_);
  av1::Respondent la = MustAddOrg(round, kLa);
  const std::string q1 = ResponseOf(la, "s1.q1");
  const std::string token = respondent_[kLa];

  std::string before = Fingerprint(round);
  av1::Response out;
  EXPECT_THAT(Upsert(token, Answer(q1, fv1::RATING_GREEN, 0), &out),
              StatusIs(Code::kInvalidArgument, "response.evidence"));
  EXPECT_THAT(Upsert(token, Answer(q1, fv1::RATING_AMBER, 0, "More work"), &out),
              StatusIs(Code::kInvalidArgument, "response.evidence"));
  EXPECT_THAT(Upsert(token, Answer(q1, fv1::RATING_AMBER, 1, "   "), &out),
              StatusIs(Code::kInvalidArgument, "response.remaining_work"));
  av1::Response bad_link = Answer(q1, fv1::RATING_GREEN, 1);
  bad_link.mutable_evidence(0)->set_link("ftp://old.example/x");
  EXPECT_THAT(Upsert(token, bad_link, &out), StatusIs(Code::kInvalidArgument, "link"));
  av1::Response undescribed = Answer(q1, fv1::RATING_GREEN, 1);
  undescribed.mutable_evidence(0)->clear_description();
  EXPECT_THAT(Upsert(token, undescribed, &out), StatusIs(Code::kInvalidArgument, "description"));
  EXPECT_EQ(Fingerprint(round), before);

  // Red needs neither; Amber with both is fine; Green with evidence is fine.
  av1::Response red = MustUpsert(token, Answer(q1, fv1::RATING_RED, 0, "", "Not started"));
  EXPECT_EQ(red.rating(), fv1::RATING_RED);
  EXPECT_EQ(red.update_by(), PrincipalOf(token));
  av1::Response amber = Answer(q1, fv1::RATING_AMBER, 2, "Roll out to all teams");
  amber.set_etag(red.etag());
  amber = MustUpsert(token, amber);
  ASSERT_EQ(amber.evidence_size(), 2);
  EXPECT_EQ(amber.evidence(0).id(), "e1");
  EXPECT_EQ(amber.evidence(1).id(), "e2");
  EXPECT_EQ(amber.evidence(0).added_by(), PrincipalOf(token));
  EXPECT_TRUE(amber.evidence(0).has_add_time());
  EXPECT_EQ(amber.remaining_work(), "Roll out to all teams");

  // Keep e2 (sent back as read, but with an edited description and author: a kept item
  // stays exactly as it was added), drop e1, add one: ids are never reused.
  av1::Response green;
  green.set_name(q1);
  green.set_rating(fv1::RATING_GREEN);
  green.set_etag(amber.etag());
  *green.add_evidence() = amber.evidence(1);
  green.mutable_evidence(0)->set_description("Rewritten history");
  green.mutable_evidence(0)->set_added_by("users/someone-else");
  green.add_evidence()->set_description("Audit report 2025");
  green = MustUpsert(token, green);
  ASSERT_EQ(green.evidence_size(), 2);
  EXPECT_TRUE(MessageDifferencer::Equals(green.evidence(0), amber.evidence(1)));
  EXPECT_EQ(green.evidence(1).id(), "e3");

  // Removing the last evidence of a Green is refused; so is keeping an unknown item.
  before = Fingerprint(round);
  av1::Response bare;
  bare.set_name(q1);
  bare.set_rating(fv1::RATING_GREEN);
  bare.set_etag(green.etag());
  EXPECT_THAT(Upsert(token, bare, &out), StatusIs(Code::kInvalidArgument, "evidence"));
  *bare.add_evidence() = amber.evidence(0);  // e1, no longer there
  EXPECT_THAT(Upsert(token, bare, &out), StatusIs(Code::kInvalidArgument, "e1"));
  EXPECT_EQ(Fingerprint(round), before);

  // Every write is in the response's history.
  std::vector<av1::Revision> history = Revisions(q1);
  ASSERT_EQ(history.size(), 3u);
  EXPECT_EQ(history[0].action(), "created");
  EXPECT_EQ(history[0].response().rating(), fv1::RATING_RED);
  EXPECT_EQ(history[2].action(), "updated");
  EXPECT_TRUE(MessageDifferencer::Equals(history[2].response(), green));
  EXPECT_TRUE(MessageDifferencer::Equals(GetResponse(q1), green));
}

TEST_F(AssessmentServiceTest, ARespondentAnswersOnlyForItsOwnOrganisationAndAssignedQuestions) {
  av1::Assessment round = MustCreate(av1::ASSESSMENT_KIND_INDEPENDENT_SCRUTINY, scrutineer_);
  av1::Respondent la = MustAddOrg(round, kLa);
  av1::Respondent health = MustAddOrg(round, kHealth, {"s2"});
  av1::Respondent police = MustAddOrg(round, kPolice, {}, {"s3.q1"});
  av1::Respondent scrutineer = MustAddScrutineer(round);

  const std::string before = Fingerprint(round);
  av1::Response out;
  // Wrong organisation.
  EXPECT_THAT(
      Upsert(respondent_[kHealth], GoodAnswer(ResponseOf(la, "s2.q1"), fv1::RATING_RED), &out),
      StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(
      Upsert(respondent_[kSchool], GoodAnswer(ResponseOf(la, "s1.q1"), fv1::RATING_RED), &out),
      StatusIs(Code::kPermissionDenied));
  // Wrong role: administrators do not answer for organisations; nobody answers for the
  // scrutineer but the scrutineer.
  EXPECT_THAT(Upsert(admin_, GoodAnswer(ResponseOf(la, "s1.q1"), fv1::RATING_RED), &out),
              StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(Upsert(admin_, GoodAnswer(ResponseOf(scrutineer, "s1.q1"), fv1::RATING_RED), &out),
              StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(
      Upsert(respondent_[kLa], GoodAnswer(ResponseOf(scrutineer, "s1.q1"), fv1::RATING_RED), &out),
      StatusIs(Code::kPermissionDenied));
  // Unassigned questions.
  EXPECT_THAT(
      Upsert(respondent_[kHealth], GoodAnswer(ResponseOf(health, "s1.q1"), fv1::RATING_RED), &out),
      StatusIs(Code::kFailedPrecondition, "not assigned"));
  EXPECT_THAT(
      Upsert(respondent_[kPolice], GoodAnswer(ResponseOf(police, "s3.q2"), fv1::RATING_RED), &out),
      StatusIs(Code::kFailedPrecondition, "not assigned"));
  // No such question or respondent.
  EXPECT_THAT(Upsert(respondent_[kLa], GoodAnswer(ResponseOf(la, "s7.q1"), fv1::RATING_RED), &out),
              StatusIs(Code::kNotFound));
  EXPECT_THAT(Upsert(respondent_[kLa],
                     GoodAnswer(absl::StrCat(round.name(), "/respondents/r-nobody/responses/s1.q1"),
                                fv1::RATING_RED),
                     &out),
              StatusIs(Code::kNotFound));
  // Someone who cannot see the round.
  EXPECT_THAT(Upsert(outsider_, GoodAnswer(ResponseOf(la, "s1.q1"), fv1::RATING_RED), &out),
              StatusIs(Code::kNotFound));
  EXPECT_EQ(Fingerprint(round), before);

  // What they may do.
  MustUpsert(respondent_[kLa], GoodAnswer(ResponseOf(la, "s1.q1"), fv1::RATING_GREEN));
  MustUpsert(respondent_[kHealth], GoodAnswer(ResponseOf(health, "s2.q4"), fv1::RATING_AMBER));
  MustUpsert(respondent_[kPolice], GoodAnswer(ResponseOf(police, "s3.q1"), fv1::RATING_RED));
  MustUpsert(scrutineer_, GoodAnswer(ResponseOf(scrutineer, "s6.q4"), fv1::RATING_GREEN));
  EXPECT_THAT(Responses(round), SizeIs(4));

  // Reading is open to the partnership, and to nobody else.
  av1::GetResponseRequest get;
  get.set_name(ResponseOf(la, "s1.q1"));
  av1::Response read;
  EXPECT_THAT(Call(&AStub::GetResponse, respondent_[kSchool], get, &read), IsOk());
  EXPECT_THAT(Call(&AStub::GetResponse, outsider_, get, &read), StatusIs(Code::kNotFound));
}

TEST_F(AssessmentServiceTest, UpdatingAResponseNeedsTheEtagItWasBasedOn) {
  av1::Assessment round = MustCreate(av1::ASSESSMENT_KIND_SELF_ASSESSMENT, admin_);
  av1::Respondent la = MustAddOrg(round, kLa);
  const std::string name = ResponseOf(la, "s4.q2");
  const std::string token = respondent_[kLa];
  av1::Response first = MustUpsert(token, GoodAnswer(name, fv1::RATING_RED));
  av1::Response update = GoodAnswer(name, fv1::RATING_GREEN);
  update.set_etag(first.etag());
  av1::Response second = MustUpsert(token, update);
  EXPECT_NE(second.etag(), first.etag());

  const std::string before = Fingerprint(round);
  av1::Response out;
  av1::Response no_etag = GoodAnswer(name, fv1::RATING_AMBER);
  EXPECT_THAT(Upsert(token, no_etag, &out), StatusIs(Code::kAborted));
  av1::Response stale = GoodAnswer(name, fv1::RATING_AMBER);
  stale.set_etag(first.etag());
  EXPECT_THAT(Upsert(token, stale, &out), StatusIs(Code::kAborted));
  // The same in a batch.
  av1::BatchUpsertResponsesResponse batch_out;
  EXPECT_THAT(Batch(token, round, {stale}, &batch_out), StatusIs(Code::kAborted));
  EXPECT_EQ(Fingerprint(round), before);
  EXPECT_TRUE(MessageDifferencer::Equals(GetResponse(name), second));
}

TEST_F(AssessmentServiceTest, ABatchThatFailsHalfWayWritesNothing) {
  av1::Assessment round = MustCreate(av1::ASSESSMENT_KIND_SELF_ASSESSMENT, admin_);
  av1::Respondent la = MustAddOrg(round, kLa);
  av1::Respondent health = MustAddOrg(round, kHealth);
  const std::string token = respondent_[kLa];
  av1::Response existing = MustUpsert(token, GoodAnswer(ResponseOf(la, "s1.q4"), fv1::RATING_RED));
  av1::Response existing_update = GoodAnswer(ResponseOf(la, "s1.q4"), fv1::RATING_GREEN);
  existing_update.set_etag(existing.etag());

  const std::string before = Fingerprint(round);
  av1::BatchUpsertResponsesResponse out;
  // The third item breaks the evidence rule: the first two (and the update) are not kept.
  EXPECT_THAT(Batch(token, round,
                    {GoodAnswer(ResponseOf(la, "s1.q1"), fv1::RATING_GREEN), existing_update,
                     Answer(ResponseOf(la, "s1.q2"), fv1::RATING_GREEN, 0),
                     GoodAnswer(ResponseOf(la, "s1.q3"), fv1::RATING_AMBER)},
                    &out),
              StatusIs(Code::kInvalidArgument, "requests[2]"));
  // The last item is another organisation's.
  EXPECT_THAT(Batch(token, round,
                    {GoodAnswer(ResponseOf(la, "s1.q1"), fv1::RATING_GREEN),
                     GoodAnswer(ResponseOf(la, "s1.q2"), fv1::RATING_GREEN),
                     GoodAnswer(ResponseOf(health, "s1.q1"), fv1::RATING_GREEN)},
                    &out),
              StatusIs(Code::kPermissionDenied));
  // The same response twice, or a response of another round.
  EXPECT_THAT(Batch(token, round,
                    {GoodAnswer(ResponseOf(la, "s1.q1"), fv1::RATING_GREEN),
                     GoodAnswer(ResponseOf(la, "s1.q1"), fv1::RATING_RED)},
                    &out),
              StatusIs(Code::kInvalidArgument, "twice"));
  EXPECT_EQ(Fingerprint(round), before);
  EXPECT_TRUE(MessageDifferencer::Equals(GetResponse(existing.name()), existing));

  // A good batch writes everything, one change each, in order.
  const int64_t head = FeedHead();
  ASSERT_THAT(Batch(token, round,
                    {GoodAnswer(ResponseOf(la, "s1.q1"), fv1::RATING_GREEN), existing_update,
                     GoodAnswer(ResponseOf(la, "s1.q2"), fv1::RATING_RED),
                     GoodAnswer(ResponseOf(la, "s1.q3"), fv1::RATING_AMBER)},
                    &out),
              IsOk());
  ASSERT_EQ(out.responses_size(), 4);
  EXPECT_THAT(Responses(round), SizeIs(4));
  std::vector<av1::Change> changes = AllChanges(admin_, head);
  ASSERT_EQ(changes.size(), 4u);
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(changes[i].sequence(), head + 1 + i);
    EXPECT_EQ(changes[i].kind(), av1::CHANGE_KIND_RESPONSE_CHANGED);
    EXPECT_TRUE(MessageDifferencer::Equals(changes[i].response(), out.responses(i)));
  }
}

// Two clients upsert the same response from the same etag: exactly one wins.
TEST_F(AssessmentServiceTest, TwoClientsRacingOnTheSameResponse) {
  av1::Assessment round = MustCreate(av1::ASSESSMENT_KIND_SELF_ASSESSMENT, admin_);
  av1::Respondent la = MustAddOrg(round, kLa);
  const std::string token = respondent_[kLa];
  for (const std::string& question : {"s2.q1", "s2.q2", "s2.q3", "s2.q4", "s3.q1"}) {
    const std::string name = ResponseOf(la, question);
    av1::Response base = MustUpsert(token, GoodAnswer(name, fv1::RATING_RED));
    av1::Response a = GoodAnswer(name, fv1::RATING_GREEN);
    a.set_commentary("client A");
    a.set_etag(base.etag());
    av1::Response b = GoodAnswer(name, fv1::RATING_AMBER);
    b.set_commentary("client B");
    b.set_etag(base.etag());

    std::atomic<int> ready{0};
    av1::Response written[2];
    grpc::Status status[2];
    auto client = [&](int i, const av1::Response& request) {
      auto stub = hub_->AssessmentStub();  // each client on its own channel
      ++ready;
      while (ready < 2) std::this_thread::yield();
      av1::UpsertResponseRequest upsert;
      *upsert.mutable_response() = request;
      status[i] = Invoke(stub.get(), &AStub::UpsertResponse, token, upsert, &written[i]);
    };
    std::thread ta(client, 0, a);
    std::thread tb(client, 1, b);
    ta.join();
    tb.join();

    const int winners = status[0].ok() + status[1].ok();
    ASSERT_EQ(winners, 1) << question << ": " << status[0].error_message() << " / "
                          << status[1].error_message();
    const int winner = status[0].ok() ? 0 : 1;
    EXPECT_THAT(status[1 - winner], StatusIs(Code::kAborted));
    av1::Response stored = GetResponse(name);
    EXPECT_TRUE(MessageDifferencer::Equals(stored, written[winner])) << stored.DebugString();
    EXPECT_EQ(stored.commentary(), winner == 0 ? "client A" : "client B");
    EXPECT_THAT(Revisions(name), SizeIs(2));
  }
}

// Two clients both create the same, not yet existing response: the second must not
// silently overwrite the first (it had no etag to base a change on).
TEST_F(AssessmentServiceTest, TwoClientsRacingToCreateTheSameResponse) {
  av1::Assessment round = MustCreate(av1::ASSESSMENT_KIND_SELF_ASSESSMENT, admin_);
  av1::Respondent la = MustAddOrg(round, kLa);
  const std::string token = respondent_[kLa];
  for (const std::string& question : AllQuestions()) {
    const std::string name = ResponseOf(la, question);
    std::atomic<int> ready{0};
    av1::Response written[2];
    grpc::Status status[2];
    auto client = [&](int i) {
      auto stub = hub_->AssessmentStub();
      av1::UpsertResponseRequest upsert;
      *upsert.mutable_response() = GoodAnswer(name, i == 0 ? fv1::RATING_GREEN : fv1::RATING_RED);
      ++ready;
      while (ready < 2) std::this_thread::yield();
      status[i] = Invoke(stub.get(), &AStub::UpsertResponse, token, upsert, &written[i]);
    };
    std::thread ta(client, 0);
    std::thread tb(client, 1);
    ta.join();
    tb.join();
    ASSERT_EQ(status[0].ok() + status[1].ok(), 1)
        << question << ": both clients were told they created " << name;
    const int winner = status[0].ok() ? 0 : 1;
    EXPECT_THAT(status[1 - winner], StatusIs(Code::kAborted));
    EXPECT_TRUE(MessageDifferencer::Equals(GetResponse(name), written[winner]));
    EXPECT_THAT(Revisions(name), SizeIs(1));
  }
}

// The same for the partnership's context answers: two first answers at once, one wins.
TEST_F(AssessmentServiceTest, TwoClientsRacingToAnswerTheSameContextQuestion) {
  av1::Assessment round = MustCreate(av1::ASSESSMENT_KIND_INDEPENDENT_SCRUTINY, admin_);
  for (int c = 1; c <= 18; ++c) {
    const std::string question = absl::StrCat("c", c);
    std::atomic<int> ready{0};
    av1::ContextAnswer written[2];
    grpc::Status status[2];
    const std::string tokens[2] = {admin_, scrutineer_};
    auto client = [&](int i) {
      auto stub = hub_->AssessmentStub();
      av1::SetContextAnswerRequest request;
      request.mutable_context_answer()->set_name(
          absl::StrCat(round.name(), "/contextAnswers/", question));
      request.mutable_context_answer()->set_text(absl::StrCat("Answer from client ", i));
      ++ready;
      while (ready < 2) std::this_thread::yield();
      status[i] = Invoke(stub.get(), &AStub::SetContextAnswer, tokens[i], request, &written[i]);
    };
    std::thread ta(client, 0);
    std::thread tb(client, 1);
    ta.join();
    tb.join();
    ASSERT_EQ(status[0].ok() + status[1].ok(), 1) << question;
    const int winner = status[0].ok() ? 0 : 1;
    EXPECT_THAT(status[1 - winner], StatusIs(Code::kAborted));
    std::vector<av1::ContextAnswer> answers = ContextAnswers(round);
    ASSERT_EQ(answers.size(), static_cast<size_t>(c));
    bool found = false;
    for (const auto& a : answers) {
      if (a.context_question_id() == question) {
        found = true;
        EXPECT_TRUE(MessageDifferencer::Equals(a, written[winner]));
      }
    }
    EXPECT_TRUE(found);
  }
}

// ---------------------------------------------------------------------------------------
// Context answers.

TEST_F(AssessmentServiceTest, ContextAnswersKeepHistoryAndAFinalisedRoundKeepsItsAnswers) {
  av1::Assessment first = MustCreate(av1::ASSESSMENT_KIND_SELF_ASSESSMENT, admin_, "2024");
  av1::ContextAnswer c1;
  ASSERT_THAT(SetContext(admin_, first, "c1", "Three local authorities", "", &c1), IsOk());
  EXPECT_EQ(c1.name(), absl::StrCat(first.name(), "/contextAnswers/c1"));
  EXPECT_EQ(c1.update_by(), PrincipalOf(admin_));
  av1::ContextAnswer c18;
  ASSERT_THAT(SetContext(scrutineer_, first, "c18", "Annual report", "", &c18), IsOk());

  const std::string before = Fingerprint(first);
  av1::ContextAnswer out;
  EXPECT_THAT(SetContext(respondent_[kLa], first, "c2", "x", "", &out),
              StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(SetContext(outsider_, first, "c2", "x", "", &out), StatusIs(Code::kNotFound));
  EXPECT_THAT(SetContext(admin_, first, "c19", "x", "", &out), StatusIs(Code::kNotFound));
  EXPECT_THAT(SetContext(admin_, first, "c1", "No etag", "", &out), StatusIs(Code::kAborted));
  EXPECT_THAT(SetContext(admin_, first, "c1", "Stale", "999", &out), StatusIs(Code::kAborted));
  EXPECT_EQ(Fingerprint(first), before);

  av1::ContextAnswer c1b;
  ASSERT_THAT(SetContext(admin_, first, "c1", "Two local authorities", c1.etag(), &c1b), IsOk());
  EXPECT_THAT(ContextAnswers(first), SizeIs(2));

  // Finalise the first round with those answers.
  av1::Respondent la = MustAddOrg(first, kLa);
  AnswerAll(respondent_[kLa], first, la, fv1::RATING_RED);
  first = MustSubmit(first);
  ConsolidateAll(first, fv1::RATING_RED);
  PlanAll(first);
  MustFinalise(first);
  const std::vector<av1::ContextAnswer> as_finalised = ContextAnswers(first);
  ASSERT_EQ(as_finalised.size(), 2u);
  EXPECT_EQ(as_finalised[0].text(), "Two local authorities");

  // A later round of the partnership answers again: its answers are the partnership's
  // current ones, and the finalised round still shows what it was finalised with.
  av1::Assessment second = MustCreate(av1::ASSESSMENT_KIND_SELF_ASSESSMENT, admin_, "2025");
  EXPECT_EQ(second.previous_assessment(), first.name());
  std::vector<av1::ContextAnswer> current = ContextAnswers(second);
  ASSERT_EQ(current.size(), 2u);
  EXPECT_EQ(current[0].name(), absl::StrCat(second.name(), "/contextAnswers/c1"));
  av1::ContextAnswer c1c;
  ASSERT_THAT(SetContext(admin_, second, "c1", "One unitary authority", current[0].etag(), &c1c),
              IsOk());
  av1::ContextAnswer c5;
  ASSERT_THAT(SetContext(admin_, second, "c5", "New answer", "", &c5), IsOk());
  EXPECT_THAT(ContextAnswers(second), SizeIs(3));

  std::vector<av1::ContextAnswer> still = ContextAnswers(first);
  ASSERT_EQ(still.size(), as_finalised.size());
  for (size_t i = 0; i < still.size(); ++i) {
    EXPECT_TRUE(MessageDifferencer::Equals(still[i], as_finalised[i])) << still[i].DebugString();
  }

  // The history of c1, across both rounds.
  std::vector<av1::Revision> history = Revisions(absl::StrCat(second.name(), "/contextAnswers/c1"));
  ASSERT_EQ(history.size(), 3u);
  EXPECT_EQ(history[0].action(), "created");
  EXPECT_EQ(history[0].context_answer().text(), "Three local authorities");
  EXPECT_EQ(history[1].context_answer().text(), "Two local authorities");
  EXPECT_EQ(history[2].context_answer().text(), "One unitary authority");
  av1::ListRevisionsRequest outsider_request;
  outsider_request.set_name(absl::StrCat(second.name(), "/contextAnswers/c1"));
  av1::ListRevisionsResponse outsider_history;
  EXPECT_THAT(Call(&AStub::ListRevisions, outsider_, outsider_request, &outsider_history),
              StatusIs(Code::kNotFound));
}

}  // namespace
}  // namespace sixsteps::testing::assessment_test
