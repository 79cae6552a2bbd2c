// AssessmentService's respondent and response handlers through the service class with
// gmock fakes: the answer without a rating (issue 14), the evidence rule, etags, and the
// respondents' pages.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "tests/support/status_matchers.h"
#include "tests/unit/assessment_service_fixture.h"

namespace sixsteps::assessment {
namespace {

// The fixture, its callers, the status matchers and gmock's matchers and actions.
using namespace ::sixsteps::assessment::testing;  // NOLINT(build/namespaces)

// ---- An answer without a rating (issue 14) ----
// Accepted and stored as a draft answer (evidence and commentary may come before the
// rating); it counts as not rated: consolidation of the question waits for it, and
// submitting the round for review is not held up by it.

v1::UpsertResponseRequest Unrated() {
  v1::UpsertResponseRequest request;
  v1::Response* response = request.mutable_response();
  response->set_name("assessments/a1/respondents/r1/responses/s1.q1");
  response->add_evidence()->set_description("draft minutes, not yet rated");
  response->set_commentary("rating to follow");
  return request;
}

TEST_F(AssessmentServiceTest, AnAnswerWithoutARatingIsStoredAsUnrated) {
  absl::StatusOr<v1::Response> written = peer_.UpsertResponse(kRespondent, Unrated());
  ASSERT_THAT(written, IsOk());
  ASSERT_EQ(written_responses_.size(), 1u);
  EXPECT_EQ(written_responses_[0].rating(), fv1::RATING_UNSPECIFIED);
  EXPECT_EQ(written_responses_[0].evidence_size(), 1);
  EXPECT_EQ(written_responses_[0].commentary(), "rating to follow");
}

TEST_F(AssessmentServiceTest, AnUnratedAnswerHoldsUpTheQuestionsConsolidation) {
  round_.assessment.set_state(State::STATE_IN_REVIEW);
  v1::Response unrated = Unrated().response();
  unrated.set_question_id("s1.q1");
  responses_ = {unrated};
  EXPECT_CALL(tx_, PutConsolidation(_, _)).Times(0);
  v1::ConsolidateQuestionRequest request;
  request.set_parent("assessments/a1");
  request.mutable_consolidation()->set_question_id("s1.q1");
  request.mutable_consolidation()->set_rating(fv1::RATING_RED);
  request.mutable_consolidation()->set_rationale("the partners agree");
  EXPECT_THAT(peer_.ConsolidateQuestion(kAdmin, request),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "waiting for the rating of s1.q1 from: assessments/a1/respondents/r1"));
}

TEST_F(AssessmentServiceTest, AnUnratedAnswerDoesNotHoldUpSubmission) {
  v1::Response unrated = Unrated().response();
  unrated.set_question_id("s1.q1");
  responses_ = {unrated};
  EXPECT_THAT(
      peer_.SubmitAssessmentForReview(kAdmin, Named<v1::SubmitAssessmentForReviewRequest>()),
      IsOk());
  EXPECT_EQ(puts_.size(), 1u);
}

TEST_F(AssessmentServiceTest, GreenWithoutEvidenceIsRefusedAndNotStored) {
  v1::UpsertResponseRequest request = Unrated();
  request.mutable_response()->clear_evidence();
  request.mutable_response()->set_rating(fv1::RATING_GREEN);
  EXPECT_THAT(peer_.UpsertResponse(kRespondent, request),
              StatusIs(absl::StatusCode::kInvalidArgument, "response.evidence"));
  EXPECT_TRUE(written_responses_.empty());
}

TEST_F(AssessmentServiceTest, AnswersToAFinalisedRoundAreRefused) {
  round_.assessment.set_state(State::STATE_FINALISED);
  EXPECT_THAT(peer_.UpsertResponse(kRespondent, Unrated()),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_TRUE(written_responses_.empty());
}

TEST_F(AssessmentServiceTest, ReplacingAnAnswerNeedsItsEtag) {
  v1::Response existing = Unrated().response();
  existing.set_etag("5");
  ON_CALL(tx_, GetResponseForUpdate("r1", "s1.q1"))
      .WillByDefault(Return(std::optional<v1::Response>(existing)));
  EXPECT_THAT(peer_.UpsertResponse(kRespondent, Unrated()),
              StatusIs(absl::StatusCode::kAborted, "already exists"));
  v1::UpsertResponseRequest stale = Unrated();
  stale.mutable_response()->set_etag("4");
  EXPECT_THAT(peer_.UpsertResponse(kRespondent, stale), StatusIs(absl::StatusCode::kAborted));
  EXPECT_TRUE(written_responses_.empty());
}

TEST_F(AssessmentServiceTest, ListRespondentsPagesInNameOrder) {
  respondents_.clear();
  for (const char* id : {"r3", "r1", "r2"}) {
    v1::Respondent respondent;
    respondent.set_name(absl::StrCat("assessments/a1/respondents/", id));
    respondents_.push_back(respondent);
  }
  v1::ListRespondentsRequest request;
  request.set_parent("assessments/a1");
  absl::StatusOr<v1::ListRespondentsResponse> all = peer_.ListRespondents(kRespondent, request);
  ASSERT_THAT(all, IsOk());
  EXPECT_EQ(all->respondents_size(), 3);
  EXPECT_EQ(all->next_page_token(), "");
  request.set_page_size(2);
  absl::StatusOr<v1::ListRespondentsResponse> first = peer_.ListRespondents(kRespondent, request);
  ASSERT_THAT(first, IsOk());
  ASSERT_EQ(first->respondents_size(), 2);
  EXPECT_EQ(first->respondents(0).name(), "assessments/a1/respondents/r1");
  EXPECT_EQ(first->respondents(1).name(), "assessments/a1/respondents/r2");
  ASSERT_NE(first->next_page_token(), "");
  request.set_page_token(first->next_page_token());
  absl::StatusOr<v1::ListRespondentsResponse> second = peer_.ListRespondents(kRespondent, request);
  ASSERT_THAT(second, IsOk());
  ASSERT_EQ(second->respondents_size(), 1);
  EXPECT_EQ(second->respondents(0).name(), "assessments/a1/respondents/r3");
  EXPECT_EQ(second->next_page_token(), "");
  // A token is for the round it was issued for.
  request.set_parent("assessments/a2");
  EXPECT_THAT(peer_.ListRespondents(kRespondent, request),
              StatusIs(absl::StatusCode::kInvalidArgument, "page_token"));
  request.set_page_size(-3);
  EXPECT_THAT(peer_.ListRespondents(kRespondent, request),
              StatusIs(absl::StatusCode::kInvalidArgument, "page_size"));
}

}  // namespace
}  // namespace sixsteps::assessment
