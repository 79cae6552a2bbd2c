// The assessment service end to end: rounds (creation against a published framework
// version, who may create, idempotency, updates) and every RPC's refusal of an outsider.
#include "tests/integration/assessment_fixture.h"
#include "tests/support/requests.h"

namespace sixsteps::testing::assessment_test {
namespace {

// ---------------------------------------------------------------------------------------
// Rounds: creation against a published framework version, who may create, idempotency.

TEST_F(AssessmentServiceTest, CreatesARoundOfEachKindPinnedToAPublishedFrameworkVersion) {
  av1::Assessment scrutiny =
      MustCreate(av1::ASSESSMENT_KIND_INDEPENDENT_SCRUTINY, scrutineer_, "Scrutiny 2025");
  EXPECT_THAT(scrutiny.name(), ::testing::StartsWith("assessments/"));
  EXPECT_EQ(scrutiny.partnership(), kPartnership);
  EXPECT_EQ(scrutiny.region(), absl::StrCat("regions/", kRegion));
  EXPECT_EQ(scrutiny.framework_version(), kBuiltIn);
  EXPECT_EQ(scrutiny.state(), av1::Assessment::STATE_DRAFT);
  EXPECT_EQ(scrutiny.revision(), 1);
  EXPECT_EQ(scrutiny.creator(), scrutineer_user_);
  EXPECT_FALSE(scrutiny.etag().empty());
  EXPECT_TRUE(MessageDifferencer::Equals(Get(scrutiny.name()), scrutiny));

  av1::Assessment self = MustCreate(av1::ASSESSMENT_KIND_SELF_ASSESSMENT, admin_);
  av1::Assessment wider = MustCreate(av1::ASSESSMENT_KIND_WIDER_PARTNER_ASSESSMENT, hub_admin_);
  EXPECT_EQ(self.kind(), av1::ASSESSMENT_KIND_SELF_ASSESSMENT);
  EXPECT_EQ(wider.kind(), av1::ASSESSMENT_KIND_WIDER_PARTNER_ASSESSMENT);

  // Newest first, for anyone of the partnership; nothing for the outsider.
  av1::ListAssessmentsRequest list;
  list.set_partnership(kPartnership);
  av1::ListAssessmentsResponse listed = Must(&AStub::ListAssessments, respondent_[kPolice], list);
  ASSERT_EQ(listed.assessments_size(), 3);
  EXPECT_EQ(listed.assessments(0).name(), wider.name());
  EXPECT_EQ(listed.assessments(2).name(), scrutiny.name());
  EXPECT_THAT(Must(&AStub::ListAssessments, outsider_, av1::ListAssessmentsRequest()).assessments(),
              IsEmpty());

  // The history of the round starts with its creation.
  std::vector<av1::Revision> history = Revisions(scrutiny.name());
  ASSERT_EQ(history.size(), 1u);
  EXPECT_EQ(history[0].action(), "created");
  EXPECT_EQ(history[0].actor(), scrutineer_user_);
  EXPECT_EQ(history[0].assessment().name(), scrutiny.name());
}

TEST_F(AssessmentServiceTest, RefusesToCreateForTheWrongRoleOrAnUnseenPartnership) {
  const int64_t head = FeedHead();
  av1::Assessment out;
  // A partner respondent sees the partnership but does not set rounds up.
  EXPECT_THAT(Call(&AStub::CreateAssessment, respondent_[kLa],
                   NewRound(av1::ASSESSMENT_KIND_SELF_ASSESSMENT), &out),
              StatusIs(Code::kPermissionDenied));
  // The viewer of another partnership cannot tell sunderland exists.
  EXPECT_THAT(Call(&AStub::CreateAssessment, outsider_,
                   NewRound(av1::ASSESSMENT_KIND_SELF_ASSESSMENT), &out),
              StatusIs(Code::kNotFound));
  // Bad input.
  av1::CreateAssessmentRequest no_kind = NewRound(av1::ASSESSMENT_KIND_UNSPECIFIED);
  EXPECT_THAT(Call(&AStub::CreateAssessment, admin_, no_kind, &out),
              StatusIs(Code::kInvalidArgument, "kind"));
  av1::CreateAssessmentRequest backwards = NewRound(av1::ASSESSMENT_KIND_SELF_ASSESSMENT);
  backwards.mutable_assessment()->set_period_end("2025-03-31");
  EXPECT_THAT(Call(&AStub::CreateAssessment, admin_, backwards, &out),
              StatusIs(Code::kInvalidArgument, "period_end"));
  EXPECT_EQ(FeedHead(), head);
  EXPECT_THAT(Must(&AStub::ListAssessments, hub_->admin_token(), av1::ListAssessmentsRequest())
                  .assessments(),
              IsEmpty());
}

TEST_F(AssessmentServiceTest, RefusesAnUnknownOrUnpublishedFrameworkVersion) {
  const int64_t head = FeedHead();
  av1::Assessment out;
  EXPECT_THAT(Call(&AStub::CreateAssessment, admin_,
                   NewRound(av1::ASSESSMENT_KIND_SELF_ASSESSMENT, "t",
                            "frameworks/six-steps/versions/1999"),
                   &out),
              StatusIs(Code::kNotFound));
  EXPECT_THAT(Call(&AStub::CreateAssessment, admin_,
                   NewRound(av1::ASSESSMENT_KIND_SELF_ASSESSMENT, "t",
                            "frameworks/no-such-framework/versions/1"),
                   &out),
              StatusIs(Code::kNotFound));
  EXPECT_THAT(Call(&AStub::CreateAssessment, admin_,
                   NewRound(av1::ASSESSMENT_KIND_SELF_ASSESSMENT, "t", "six-steps-2019"), &out),
              StatusIs(Code::kInvalidArgument, "framework_version"));

  // A draft adapted from the built-in framework is not published yet.
  auto frameworks = hub_->FrameworkStub();
  fv1::AdaptFrameworkRequest adapt;
  adapt.set_source_version(kBuiltIn);
  adapt.set_framework_id("north-east-steps");
  adapt.set_display_name("North East steps");
  adapt.set_region(kRegion);
  fv1::AdaptFrameworkResponse adapted;
  ASSERT_THAT(Invoke(frameworks.get(), &fv1::FrameworkService::Stub::AdaptFramework,
                     hub_->admin_token(), adapt, &adapted),
              IsOk());
  ASSERT_EQ(adapted.version().state(), fv1::FrameworkVersion::STATE_DRAFT);
  EXPECT_THAT(
      Call(&AStub::CreateAssessment, hub_admin_,
           NewRound(av1::ASSESSMENT_KIND_SELF_ASSESSMENT, "t", adapted.version().name()), &out),
      StatusIs(Code::kFailedPrecondition));
  EXPECT_EQ(FeedHead(), head);

  // Published, it can be used; retired later, the round keeps it (pinned) and goes on.
  fv1::PublishFrameworkVersionRequest publish;
  publish.set_name(adapted.version().name());
  fv1::FrameworkVersion published;
  ASSERT_THAT(Invoke(frameworks.get(), &fv1::FrameworkService::Stub::PublishFrameworkVersion,
                     hub_->admin_token(), publish, &published),
              IsOk());
  av1::Assessment round;
  ASSERT_THAT(Call(&AStub::CreateAssessment, hub_admin_,
                   NewRound(av1::ASSESSMENT_KIND_SELF_ASSESSMENT, "t", published.name()), &round),
              IsOk());
  fv1::RetireFrameworkVersionRequest retire;
  retire.set_name(published.name());
  fv1::FrameworkVersion retired;
  ASSERT_THAT(Invoke(frameworks.get(), &fv1::FrameworkService::Stub::RetireFrameworkVersion,
                     hub_->admin_token(), retire, &retired),
              IsOk());
  EXPECT_THAT(Call(&AStub::CreateAssessment, hub_admin_,
                   NewRound(av1::ASSESSMENT_KIND_SELF_ASSESSMENT, "t2", published.name()), &out),
              StatusIs(Code::kFailedPrecondition));
  EXPECT_EQ(Get(round.name()).framework_version(), published.name());
  av1::Respondent la = MustAddOrg(round, kLa);
  MustUpsert(respondent_[kLa], GoodAnswer(ResponseOf(la, "s6.q4"), fv1::RATING_GREEN));
}

TEST_F(AssessmentServiceTest, RepeatingARequestIdReturnsTheFirstResultNeverADuplicate) {
  av1::CreateAssessmentRequest request = NewRound(av1::ASSESSMENT_KIND_SELF_ASSESSMENT);
  request.set_request_id("create-2025-round");
  av1::Assessment first = Must(&AStub::CreateAssessment, admin_, request);
  const int64_t head = FeedHead();
  av1::Assessment again = Must(&AStub::CreateAssessment, admin_, request);
  EXPECT_TRUE(MessageDifferencer::Equals(first, again)) << again.DebugString();
  EXPECT_EQ(FeedHead(), head);
  EXPECT_THAT(Must(&AStub::ListAssessments, admin_, av1::ListAssessmentsRequest()).assessments(),
              SizeIs(1));

  // The same id for a different request is refused, and creates nothing.
  av1::CreateAssessmentRequest different = request;
  different.mutable_assessment()->set_title("Another title");
  av1::Assessment out;
  EXPECT_THAT(Call(&AStub::CreateAssessment, admin_, different, &out),
              StatusIs(Code::kAlreadyExists));
  EXPECT_EQ(FeedHead(), head);
  EXPECT_THAT(Must(&AStub::ListAssessments, admin_, av1::ListAssessmentsRequest()).assessments(),
              SizeIs(1));

  // AddRespondent with a request id.
  av1::Respondent la1, la2, out_respondent;
  ASSERT_THAT(AddRespondent(admin_, first, OrgRespondent(kLa), &la1, "add-la"), IsOk());
  const int64_t head2 = FeedHead();
  ASSERT_THAT(AddRespondent(admin_, first, OrgRespondent(kLa), &la2, "add-la"), IsOk());
  EXPECT_TRUE(MessageDifferencer::Equals(la1, la2));
  EXPECT_THAT(AddRespondent(admin_, first, OrgRespondent(kHealth), &out_respondent, "add-la"),
              StatusIs(Code::kAlreadyExists));
  EXPECT_EQ(FeedHead(), head2);
  av1::ListRespondentsRequest respondents;
  respondents.set_parent(first.name());
  EXPECT_THAT(Must(&AStub::ListRespondents, admin_, respondents).respondents(), SizeIs(1));

  // RaiseChallenge with a request id.
  av1::Response answered =
      MustUpsert(respondent_[kLa], GoodAnswer(ResponseOf(la1, "s1.q1"), fv1::RATING_GREEN));
  MustSubmit(first);
  av1::RaiseChallengeRequest raise;
  raise.set_parent(first.name());
  raise.mutable_challenge()->set_response(answered.name());
  raise.mutable_challenge()->set_text("Which audit?");
  raise.set_request_id("challenge-1");
  av1::Challenge c1 = Must(&AStub::RaiseChallenge, admin_, raise);
  const int64_t head3 = FeedHead();
  av1::Challenge c2 = Must(&AStub::RaiseChallenge, admin_, raise);
  EXPECT_TRUE(MessageDifferencer::Equals(c1, c2));
  raise.mutable_challenge()->set_text("Which other audit?");
  av1::Challenge out_challenge;
  EXPECT_THAT(Call(&AStub::RaiseChallenge, admin_, raise, &out_challenge),
              StatusIs(Code::kAlreadyExists));
  EXPECT_EQ(FeedHead(), head3);
  av1::ListChallengesRequest challenges;
  challenges.set_parent(first.name());
  EXPECT_THAT(Must(&AStub::ListChallenges, admin_, challenges).challenges(), SizeIs(1));
}

TEST_F(AssessmentServiceTest, ConcurrentRepeatsOfACreateMakeOneRound) {
  // Two clients retrying the same create at the same moment: one round, and both get it
  // (not ALREADY_EXISTS, which means "this id was used for a different request").
  constexpr int kTries = 8;
  for (int attempt = 0; attempt < kTries; ++attempt) {
    av1::CreateAssessmentRequest request =
        NewRound(av1::ASSESSMENT_KIND_SELF_ASSESSMENT, absl::StrCat("Round ", attempt));
    request.set_request_id(absl::StrCat("retry-me-", attempt));
    std::atomic<int> ready{0};
    av1::Assessment results[2];
    grpc::Status statuses[2];
    std::vector<std::thread> threads;
    for (int i = 0; i < 2; ++i) {
      threads.emplace_back([&, i] {
        auto stub = hub_->AssessmentStub();
        ++ready;
        while (ready < 2) std::this_thread::yield();
        statuses[i] = Invoke(stub.get(), &AStub::CreateAssessment, admin_, request, &results[i]);
      });
    }
    for (auto& t : threads) t.join();
    ASSERT_THAT(statuses[0], IsOk()) << "attempt " << attempt;
    ASSERT_THAT(statuses[1], IsOk()) << "attempt " << attempt;
    EXPECT_TRUE(MessageDifferencer::Equals(results[0], results[1]));
  }
  EXPECT_THAT(Must(&AStub::ListAssessments, admin_, av1::ListAssessmentsRequest()).assessments(),
              SizeIs(kTries));
  EXPECT_EQ(FeedHead(), kTries);
}

TEST_F(AssessmentServiceTest, UpdatesTitleAndPeriodWithTheCurrentEtagOnly) {
  av1::Assessment round = MustCreate(av1::ASSESSMENT_KIND_SELF_ASSESSMENT, admin_);
  av1::UpdateAssessmentRequest update;
  *update.mutable_assessment() = round;
  update.mutable_assessment()->set_title("Renamed");
  update.mutable_update_mask()->add_paths("title");
  av1::Assessment renamed = Must(&AStub::UpdateAssessment, admin_, update);
  EXPECT_EQ(renamed.title(), "Renamed");
  EXPECT_NE(renamed.etag(), round.etag());

  const std::string before = Fingerprint(round);
  av1::Assessment out;
  // Issue #13 finding 16: a blind update (no etag) is refused and changes nothing.
  av1::UpdateAssessmentRequest blind = update;
  blind.mutable_assessment()->clear_etag();
  blind.mutable_assessment()->set_title("Blind");
  EXPECT_THAT(Call(&AStub::UpdateAssessment, admin_, blind, &out),
              StatusIs(Code::kInvalidArgument, "assessment.etag"));
  update.mutable_assessment()->set_title("Stale");  // still round's etag: stale
  EXPECT_THAT(Call(&AStub::UpdateAssessment, admin_, update, &out), StatusIs(Code::kAborted));
  update.mutable_assessment()->set_etag(renamed.etag());
  EXPECT_THAT(Call(&AStub::UpdateAssessment, respondent_[kLa], update, &out),
              StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(Call(&AStub::UpdateAssessment, outsider_, update, &out), StatusIs(Code::kNotFound));
  update.mutable_update_mask()->set_paths(0, "kind");
  EXPECT_THAT(Call(&AStub::UpdateAssessment, admin_, update, &out),
              StatusIs(Code::kInvalidArgument, "update_mask"));
  EXPECT_EQ(Fingerprint(round), before);

  // State changes check the etag too.
  av1::SubmitAssessmentForReviewRequest submit;
  submit.set_name(round.name());
  submit.set_etag(round.etag());
  EXPECT_THAT(Call(&AStub::SubmitAssessmentForReview, admin_, submit, &out),
              StatusIs(Code::kAborted));
  EXPECT_EQ(Fingerprint(round), before);
  EXPECT_THAT(RevisionActions(round.name()), ElementsAre("created", "updated"));
}

TEST_F(AssessmentServiceTest, EveryRpcRefusesAnOutsiderWithNotFound) {
  av1::Assessment round = ReadyRound(av1::ASSESSMENT_KIND_SELF_ASSESSMENT, fv1::RATING_RED, false);
  av1::ListRespondentsRequest list;
  list.set_parent(round.name());
  av1::Respondent la = Must(&AStub::ListRespondents, admin_, list).respondents(0);
  const std::string before = Fingerprint(round);
  // `request` (aimed at the round's records) as the outsider: NOT_FOUND.
  const auto refused = [&](auto method, const auto& request, auto response) {
    EXPECT_THAT(Call(method, outsider_, request, &response), StatusIs(Code::kNotFound))
        << request.GetTypeName();
  };
  refused(&AStub::GetAssessment, Named<av1::GetAssessmentRequest>(round.name()), av1::Assessment());
  refused(&AStub::ListRespondents, ParentOf<av1::ListRespondentsRequest>(round.name()),
          av1::ListRespondentsResponse());
  refused(&AStub::ListResponses, ParentOf<av1::ListResponsesRequest>(round.name()),
          av1::ListResponsesResponse());
  refused(&AStub::ListConsolidations, ParentOf<av1::ListConsolidationsRequest>(round.name()),
          av1::ListConsolidationsResponse());
  refused(&AStub::ListChallenges, ParentOf<av1::ListChallengesRequest>(round.name()),
          av1::ListChallengesResponse());
  refused(&AStub::ListContextAnswers, ParentOf<av1::ListContextAnswersRequest>(round.name()),
          av1::ListContextAnswersResponse());
  refused(&AStub::ListRevisions, Named<av1::ListRevisionsRequest>(ResponseOf(la, "s1.q1")),
          av1::ListRevisionsResponse());
  refused(&AStub::CheckFinalisation, Named<av1::CheckFinalisationRequest>(round.name()),
          av1::CheckFinalisationResponse());
  refused(&AStub::SubmitAssessmentForReview,
          Named<av1::SubmitAssessmentForReviewRequest>(round.name()), av1::Assessment());
  refused(&AStub::DeleteRespondent, Named<av1::DeleteRespondentRequest>(la.name()),
          google::protobuf::Empty());
  {
    av1::BatchUpsertResponsesResponse out;
    EXPECT_THAT(
        Batch(outsider_, round, {GoodAnswer(ResponseOf(la, "s1.q1"), fv1::RATING_RED)}, &out),
        StatusIs(Code::kNotFound));
  }
  const std::string challenge = absl::StrCat(round.name(), "/challenges/ch-x");
  auto answer = Named<av1::AnswerChallengeRequest>(challenge);
  answer.set_answer("x");
  answer.set_etag("1");
  refused(&AStub::AnswerChallenge, answer, av1::Challenge());
  auto close = Named<av1::CloseChallengeRequest>(challenge);
  close.set_etag("1");
  refused(&AStub::CloseChallenge, close, av1::Challenge());
  {
    av1::GetAssessmentRequest r;
    r.set_name("assessments/a-does-not-exist");
    av1::Assessment out;
    EXPECT_THAT(Call(&AStub::GetAssessment, admin_, r, &out), StatusIs(Code::kNotFound));
  }
  EXPECT_EQ(Fingerprint(round), before);
}

}  // namespace
}  // namespace sixsteps::testing::assessment_test
