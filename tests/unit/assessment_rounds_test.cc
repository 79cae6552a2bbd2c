// AssessmentService's round lifecycle handlers (create, submit, finalise, reopen, update,
// check, list) through the service class with gmock fakes instead of PostgreSQL: each case
// checks the status and what was (or was not) written.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "services/assessment/page_sizes.h"
#include "tests/support/status_matchers.h"
#include "tests/unit/assessment_service_fixture.h"

namespace sixsteps::assessment {
namespace {

// The fixture, its callers, the status matchers and gmock's matchers and actions.
using namespace ::sixsteps::assessment::testing;  // NOLINT(build/namespaces)

// ---- CreateAssessment ----

TEST_F(AssessmentServiceTest, CreateStoresADraftPinnedToThePublishedVersion) {
  StoredAssessment created;
  EXPECT_CALL(store_, CreateAssessment(_, _, IsNull(), _))
      .WillOnce([&](StoredAssessment& round, const Provenance& provenance, const IdempotencyKey*,
                    std::optional<std::string>*) {
        created = round;
        EXPECT_EQ(provenance.action, "created");
        return absl::OkStatus();
      });
  absl::StatusOr<v1::Assessment> made = peer_.CreateAssessment(kAdmin, CreateRequest());
  ASSERT_THAT(made, IsOk());
  EXPECT_EQ(made->state(), State::STATE_DRAFT);
  EXPECT_EQ(made->revision(), 1);
  EXPECT_EQ(made->region(), "regions/north");
  EXPECT_EQ(made->creator(), "users/u-test");
  EXPECT_EQ(created.assessment.name(), made->name());
  ASSERT_NE(created.framework, nullptr);
  EXPECT_EQ(created.framework->steps_size(), 1);
}

TEST_F(AssessmentServiceTest, CreateByARespondentIsDeniedAndWritesNothing) {
  EXPECT_CALL(store_, CreateAssessment(_, _, _, _)).Times(0);
  EXPECT_THAT(peer_.CreateAssessment(kRespondent, CreateRequest()),
              StatusIs(absl::StatusCode::kPermissionDenied));
}

TEST_F(AssessmentServiceTest, CreateInAPartnershipTheCallerCannotSeeIsNotFound) {
  EXPECT_CALL(directory_, PartnershipRegion(_, "durham"))
      .WillOnce(Return(absl::NotFoundError("partnerships/durham not found")));
  EXPECT_CALL(store_, CreateAssessment(_, _, _, _)).Times(0);
  EXPECT_THAT(peer_.CreateAssessment(kStranger, CreateRequest()),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(AssessmentServiceTest, CreateOnADraftFrameworkVersionIsAFailedPrecondition) {
  EXPECT_CALL(directory_, PublishedFrameworkVersion(_, _))
      .WillOnce(Return(absl::FailedPreconditionError("the version is a draft")));
  EXPECT_CALL(store_, CreateAssessment(_, _, _, _)).Times(0);
  EXPECT_THAT(peer_.CreateAssessment(kAdmin, CreateRequest()),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST_F(AssessmentServiceTest, CreateRefusesBadInputBeforeAskingAnyone) {
  EXPECT_CALL(directory_, PartnershipRegion(_, _)).Times(0);
  EXPECT_CALL(store_, CreateAssessment(_, _, _, _)).Times(0);
  v1::CreateAssessmentRequest bad_partnership = CreateRequest();
  bad_partnership.mutable_assessment()->set_partnership("durham");
  EXPECT_THAT(peer_.CreateAssessment(kAdmin, bad_partnership),
              StatusIs(absl::StatusCode::kInvalidArgument, "assessment.partnership"));
  v1::CreateAssessmentRequest backwards = CreateRequest();
  backwards.mutable_assessment()->set_period_end("2025-12-31");
  EXPECT_THAT(peer_.CreateAssessment(kAdmin, backwards),
              StatusIs(absl::StatusCode::kInvalidArgument, "assessment.period_end"));
  v1::CreateAssessmentRequest no_kind = CreateRequest();
  no_kind.mutable_assessment()->clear_kind();
  EXPECT_THAT(peer_.CreateAssessment(kAdmin, no_kind),
              StatusIs(absl::StatusCode::kInvalidArgument, "assessment.kind"));
  v1::CreateAssessmentRequest bad_version = CreateRequest();
  bad_version.mutable_assessment()->set_framework_version("six-steps");
  EXPECT_THAT(peer_.CreateAssessment(kAdmin, bad_version),
              StatusIs(absl::StatusCode::kInvalidArgument, "assessment.framework_version"));
}

TEST_F(AssessmentServiceTest, ARepeatedCreateReturnsTheFirstAnswer) {
  v1::Assessment first;
  first.set_name("assessments/a-first");
  EXPECT_CALL(store_, FindRepeat(_))
      .WillOnce(Return(std::optional<std::string>(first.SerializeAsString())));
  EXPECT_CALL(store_, CreateAssessment(_, _, _, _)).Times(0);
  v1::CreateAssessmentRequest request = CreateRequest();
  request.set_request_id("import-7");
  absl::StatusOr<v1::Assessment> repeated = peer_.CreateAssessment(kAdmin, request);
  ASSERT_THAT(repeated, IsOk());
  EXPECT_EQ(repeated->name(), "assessments/a-first");
}

// ---- SubmitAssessmentForReview ----

TEST_F(AssessmentServiceTest, SubmitMovesTheDraftToReview) {
  absl::StatusOr<v1::Assessment> submitted =
      peer_.SubmitAssessmentForReview(kAdmin, Named<v1::SubmitAssessmentForReviewRequest>());
  ASSERT_THAT(submitted, IsOk());
  EXPECT_EQ(submitted->state(), State::STATE_IN_REVIEW);
  EXPECT_EQ(submitted->etag(), "4");
  ASSERT_EQ(puts_.size(), 1u);
  EXPECT_EQ(puts_[0].change, v1::CHANGE_KIND_ASSESSMENT_STATE_CHANGED);
  EXPECT_EQ(puts_[0].provenance.action, "state:in_review");
  EXPECT_EQ(puts_[0].provenance.actor, "users/u-test");
  EXPECT_TRUE(snapshots_.empty());
}

TEST_F(AssessmentServiceTest, SubmitWithoutAnEtagIsAccepted) {
  EXPECT_THAT(
      peer_.SubmitAssessmentForReview(kAdmin, Named<v1::SubmitAssessmentForReviewRequest>("")),
      IsOk());
  EXPECT_EQ(puts_.size(), 1u);
}

TEST_F(AssessmentServiceTest, SubmitWithAStaleEtagIsAbortedAndWritesNothing) {
  EXPECT_THAT(
      peer_.SubmitAssessmentForReview(kAdmin, Named<v1::SubmitAssessmentForReviewRequest>("2")),
      StatusIs(absl::StatusCode::kAborted, "changed since you read it"));
  EXPECT_TRUE(puts_.empty());
}

TEST_F(AssessmentServiceTest, SubmitByARespondentIsDenied) {
  EXPECT_THAT(
      peer_.SubmitAssessmentForReview(kRespondent, Named<v1::SubmitAssessmentForReviewRequest>()),
      StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_TRUE(puts_.empty());
}

TEST_F(AssessmentServiceTest, SubmitIsDeniedBeforeTheEtagIsCompared) {
  // A caller without the right learns nothing, not even that their etag is stale.
  EXPECT_THAT(peer_.SubmitAssessmentForReview(kRespondent,
                                              Named<v1::SubmitAssessmentForReviewRequest>("2")),
              StatusIs(absl::StatusCode::kPermissionDenied));
}

TEST_F(AssessmentServiceTest, SubmitOfARoundTheCallerCannotSeeIsNotFound) {
  EXPECT_THAT(
      peer_.SubmitAssessmentForReview(kStranger, Named<v1::SubmitAssessmentForReviewRequest>()),
      StatusIs(absl::StatusCode::kNotFound, "assessments/a1"));
  EXPECT_TRUE(puts_.empty());
}

TEST_F(AssessmentServiceTest, SubmitOfAnUnknownRoundIsNotFound) {
  v1::SubmitAssessmentForReviewRequest request;
  request.set_name("assessments/a2");
  EXPECT_THAT(peer_.SubmitAssessmentForReview(kAdmin, request),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(AssessmentServiceTest, SubmitWithAMalformedNameTouchesNoRound) {
  EXPECT_CALL(store_, InRound(_, _, _, _, _)).Times(0);
  v1::SubmitAssessmentForReviewRequest request;
  request.set_name("rounds/a1");
  EXPECT_THAT(peer_.SubmitAssessmentForReview(kAdmin, request),
              StatusIs(absl::StatusCode::kInvalidArgument, "name"));
}

TEST_F(AssessmentServiceTest, SubmitOfARoundInReviewOrFinalisedIsAFailedPrecondition) {
  for (auto state : {State::STATE_IN_REVIEW, State::STATE_FINALISED}) {
    round_.assessment.set_state(state);
    EXPECT_THAT(
        peer_.SubmitAssessmentForReview(kAdmin, Named<v1::SubmitAssessmentForReviewRequest>()),
        StatusIs(absl::StatusCode::kFailedPrecondition));
  }
  EXPECT_TRUE(puts_.empty());
}

TEST_F(AssessmentServiceTest, SubmitTakesTheRoundsExclusiveLock) {
  EXPECT_CALL(store_, InRound("a1", RoundLock::kExclusive, _, _, _));
  EXPECT_THAT(
      peer_.SubmitAssessmentForReview(kAdmin, Named<v1::SubmitAssessmentForReviewRequest>()),
      IsOk());
}

// ---- FinaliseAssessment ----

TEST_F(AssessmentServiceTest, FinaliseStoresTheRoundAndItsSnapshot) {
  MakeReadyToFinalise();
  v1::Response response;
  response.set_name("assessments/a1/respondents/r1/responses/s1.q1");
  response.set_question_id("s1.q1");
  response.set_rating(fv1::RATING_RED);
  responses_ = {response};
  absl::StatusOr<v1::Assessment> finalised =
      peer_.FinaliseAssessment(kAdmin, Named<v1::FinaliseAssessmentRequest>());
  ASSERT_THAT(finalised, IsOk());
  EXPECT_EQ(finalised->state(), State::STATE_FINALISED);
  EXPECT_TRUE(finalised->has_finalise_time());
  ASSERT_EQ(puts_.size(), 1u);
  EXPECT_EQ(puts_[0].provenance.action, "state:finalised");
  ASSERT_EQ(snapshots_.size(), 1u);
  // The snapshot holds the round as stored (its new etag) and its records.
  EXPECT_EQ(snapshots_[0].assessment().etag(), "4");
  EXPECT_EQ(snapshots_[0].assessment().state(), State::STATE_FINALISED);
  EXPECT_EQ(snapshots_[0].respondents_size(), 1);
  EXPECT_EQ(snapshots_[0].responses_size(), 1);
  EXPECT_EQ(snapshots_[0].consolidations_size(), 2);
}

TEST_F(AssessmentServiceTest, FinaliseWithAGapIsAFailedPreconditionAndWritesNothing) {
  MakeReadyToFinalise();
  consolidations_.pop_back();
  EXPECT_CALL(tx_, PutAssessment(_, _, _)).Times(0);
  EXPECT_CALL(tx_, PutFinalisedRevision(_)).Times(0);
  EXPECT_THAT(peer_.FinaliseAssessment(kAdmin, Named<v1::FinaliseAssessmentRequest>()),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "cannot finalise yet: s1.q2: no consolidated rating"));
}

TEST_F(AssessmentServiceTest, FinaliseWithAnOpenChallengeIsAFailedPrecondition) {
  MakeReadyToFinalise();
  v1::Challenge challenge;
  challenge.set_state(v1::Challenge::STATE_ANSWERED);
  challenges_ = {challenge};
  EXPECT_THAT(peer_.FinaliseAssessment(kAdmin, Named<v1::FinaliseAssessmentRequest>()),
              StatusIs(absl::StatusCode::kFailedPrecondition, "1 challenge(s) not closed"));
  EXPECT_TRUE(puts_.empty());
  EXPECT_TRUE(snapshots_.empty());
}

TEST_F(AssessmentServiceTest, FinaliseOfADraftIsAFailedPrecondition) {
  MakeReadyToFinalise();
  round_.assessment.set_state(State::STATE_DRAFT);
  EXPECT_THAT(peer_.FinaliseAssessment(kAdmin, Named<v1::FinaliseAssessmentRequest>()),
              StatusIs(absl::StatusCode::kFailedPrecondition, "cannot go from STATE_DRAFT"));
  EXPECT_TRUE(puts_.empty());
}

TEST_F(AssessmentServiceTest, FinaliseByARespondentOrAHubAdministratorIsDenied) {
  MakeReadyToFinalise();
  for (const Caller& caller : {kRespondent, kHubAdmin}) {
    EXPECT_THAT(peer_.FinaliseAssessment(caller, Named<v1::FinaliseAssessmentRequest>()),
                StatusIs(absl::StatusCode::kPermissionDenied));
  }
  EXPECT_TRUE(puts_.empty());
}

TEST_F(AssessmentServiceTest, FinaliseWithAStaleEtagIsAborted) {
  MakeReadyToFinalise();
  EXPECT_THAT(peer_.FinaliseAssessment(kAdmin, Named<v1::FinaliseAssessmentRequest>("1")),
              StatusIs(absl::StatusCode::kAborted));
  EXPECT_TRUE(puts_.empty());
  EXPECT_TRUE(snapshots_.empty());
}

TEST_F(AssessmentServiceTest, AFailedWriteOfTheSnapshotFailsTheFinalisation) {
  MakeReadyToFinalise();
  EXPECT_CALL(tx_, PutFinalisedRevision(_)).WillOnce(Return(absl::UnavailableError("lost")));
  EXPECT_THAT(peer_.FinaliseAssessment(kAdmin, Named<v1::FinaliseAssessmentRequest>()),
              StatusIs(absl::StatusCode::kUnavailable));
}

// ---- ReopenAssessment ----

TEST_F(AssessmentServiceTest, ReopenStartsTheNextRevisionWithTheReason) {
  round_.assessment.set_state(State::STATE_FINALISED);
  round_.assessment.mutable_finalise_time()->set_seconds(100);
  absl::StatusOr<v1::Assessment> reopened =
      peer_.ReopenAssessment(kAdmin, ReopenRequest("typo in s1.q2"));
  ASSERT_THAT(reopened, IsOk());
  EXPECT_EQ(reopened->state(), State::STATE_IN_REVIEW);
  EXPECT_EQ(reopened->revision(), 2);
  EXPECT_FALSE(reopened->has_finalise_time());
  ASSERT_EQ(puts_.size(), 1u);
  EXPECT_EQ(puts_[0].provenance.action, "reopened");
  EXPECT_EQ(puts_[0].provenance.reason, "typo in s1.q2");
}

TEST_F(AssessmentServiceTest, TheRegionsHubAdministratorReopens) {
  round_.assessment.set_state(State::STATE_FINALISED);
  EXPECT_THAT(peer_.ReopenAssessment(kHubAdmin, ReopenRequest("correction")), IsOk());
  EXPECT_EQ(puts_.size(), 1u);
}

TEST_F(AssessmentServiceTest, ReopenWithoutAReasonTouchesNoRound) {
  EXPECT_CALL(store_, InRound(_, _, _, _, _)).Times(0);
  EXPECT_THAT(peer_.ReopenAssessment(kAdmin, ReopenRequest("")),
              StatusIs(absl::StatusCode::kInvalidArgument, "reason"));
}

TEST_F(AssessmentServiceTest, ReopenOfARoundNotFinalisedIsAFailedPrecondition) {
  for (auto state : {State::STATE_DRAFT, State::STATE_IN_REVIEW}) {
    round_.assessment.set_state(state);
    EXPECT_THAT(peer_.ReopenAssessment(kAdmin, ReopenRequest("why")),
                StatusIs(absl::StatusCode::kFailedPrecondition));
  }
  EXPECT_TRUE(puts_.empty());
}

TEST_F(AssessmentServiceTest, ReopenByARespondentIsDeniedAndWithAStaleEtagAborted) {
  round_.assessment.set_state(State::STATE_FINALISED);
  EXPECT_THAT(peer_.ReopenAssessment(kRespondent, ReopenRequest("why")),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(peer_.ReopenAssessment(kAdmin, ReopenRequest("why", "9")),
              StatusIs(absl::StatusCode::kAborted));
  EXPECT_TRUE(puts_.empty());
}

// ---- UpdateAssessment ----

TEST_F(AssessmentServiceTest, UpdateRefusals) {
  v1::UpdateAssessmentRequest request;
  request.mutable_assessment()->set_name("assessments/a1");
  request.mutable_assessment()->set_title("Renamed");
  request.mutable_update_mask()->add_paths("title");
  // The etag is required.
  EXPECT_THAT(peer_.UpdateAssessment(kAdmin, request),
              StatusIs(absl::StatusCode::kInvalidArgument, "assessment.etag"));
  request.mutable_assessment()->set_etag("2");
  EXPECT_THAT(peer_.UpdateAssessment(kAdmin, request), StatusIs(absl::StatusCode::kAborted));
  request.mutable_assessment()->set_etag("3");
  EXPECT_THAT(peer_.UpdateAssessment(kRespondent, request),
              StatusIs(absl::StatusCode::kPermissionDenied));
  round_.assessment.set_state(State::STATE_FINALISED);
  EXPECT_THAT(peer_.UpdateAssessment(kAdmin, request),
              StatusIs(absl::StatusCode::kFailedPrecondition, "read-only"));
  round_.assessment.set_state(State::STATE_DRAFT);
  request.mutable_update_mask()->add_paths("state");
  EXPECT_THAT(peer_.UpdateAssessment(kAdmin, request),
              StatusIs(absl::StatusCode::kInvalidArgument, "update_mask"));
  EXPECT_TRUE(puts_.empty());
}

TEST_F(AssessmentServiceTest, UpdateChangesOnlyTheMaskedFields) {
  v1::UpdateAssessmentRequest request;
  request.mutable_assessment()->set_name("assessments/a1");
  request.mutable_assessment()->set_etag("3");
  request.mutable_assessment()->set_title("Renamed");
  request.mutable_assessment()->set_period_start("2030-01-01");
  request.mutable_update_mask()->add_paths("title");
  round_.assessment.set_period_start("2026-01-01");
  round_.assessment.set_period_end("2026-12-31");
  round_.assessment.set_title("Old");
  ASSERT_THAT(peer_.UpdateAssessment(kAdmin, request), IsOk());
  ASSERT_EQ(puts_.size(), 1u);
  EXPECT_EQ(puts_[0].assessment.title(), "Renamed");
  EXPECT_EQ(puts_[0].assessment.period_start(), "2026-01-01");
  EXPECT_EQ(puts_[0].change, v1::CHANGE_KIND_ASSESSMENT_UPDATED);
}

// ---- CheckFinalisation ----

TEST_F(AssessmentServiceTest, CheckFinalisationOfADraftSaysSubmitFirst) {
  MakeReadyToFinalise();
  round_.assessment.set_state(State::STATE_DRAFT);
  absl::StatusOr<v1::CheckFinalisationResponse> check =
      peer_.CheckFinalisation(kAdmin, Named<v1::CheckFinalisationRequest>());
  ASSERT_THAT(check, IsOk());
  EXPECT_FALSE(check->ready());
  EXPECT_THAT(check->missing(), ElementsAre("the round is a draft: submit it for review first"));
}

TEST_F(AssessmentServiceTest, CheckFinalisationListsTheGapsAndWritesNothing) {
  round_.assessment.set_state(State::STATE_IN_REVIEW);
  EXPECT_CALL(tx_, PutAssessment(_, _, _)).Times(0);
  absl::StatusOr<v1::CheckFinalisationResponse> check =
      peer_.CheckFinalisation(kRespondent, Named<v1::CheckFinalisationRequest>());
  ASSERT_THAT(check, IsOk());
  EXPECT_FALSE(check->ready());
  EXPECT_EQ(check->missing_size(), 4);
  MakeReadyToFinalise();
  check = peer_.CheckFinalisation(kRespondent, Named<v1::CheckFinalisationRequest>());
  ASSERT_THAT(check, IsOk());
  EXPECT_TRUE(check->ready());
}

// ---- Page sizes (services/assessment/page_sizes.h) ----

TEST_F(AssessmentServiceTest, ListAssessmentsPageSizeDefaultsAndIsCapped) {
  std::vector<int> limits;
  ON_CALL(store_, ListAssessments(_, _, _, _, _))
      .WillByDefault(
          [&](const Visibility&, const std::string&, int64_t, int limit, std::vector<int64_t>*) {
            limits.push_back(limit);
            return absl::StatusOr<std::vector<v1::Assessment>>(std::vector<v1::Assessment>());
          });
  v1::ListAssessmentsRequest request;
  ASSERT_THAT(peer_.ListAssessments(kAdmin, request), IsOk());
  request.set_page_size(1000000000);
  ASSERT_THAT(peer_.ListAssessments(kAdmin, request), IsOk());
  request.set_page_size(7);
  ASSERT_THAT(peer_.ListAssessments(kAdmin, request), IsOk());
  // One more than the page, to know whether another follows.
  EXPECT_THAT(limits, ElementsAre(kListAssessmentsPage.default_size + 1,
                                  kListAssessmentsPage.max_size + 1, 8));
  request.set_page_size(-1);
  EXPECT_THAT(peer_.ListAssessments(kAdmin, request),
              StatusIs(absl::StatusCode::kInvalidArgument, "page_size"));
}

}  // namespace
}  // namespace sixsteps::assessment
