// The assessment service end to end: respondents of a round and their assignments.
#include "tests/integration/assessment_fixture.h"

namespace sixsteps::testing::assessment_test {
namespace {

// ---------------------------------------------------------------------------------------
// Respondents and assignments.

TEST_F(AssessmentServiceTest, AddsRespondentsForAllOrSomeQuestions) {
  av1::Assessment round = MustCreate(av1::ASSESSMENT_KIND_INDEPENDENT_SCRUTINY, scrutineer_);
  av1::Respondent la = MustAddOrg(round, kLa);
  av1::Respondent health = MustAddOrg(round, kHealth, {"s2"});
  av1::Respondent police = MustAddOrg(round, kPolice, {}, {"s3.q1", "s5.q2"});
  av1::Respondent scrutineer = MustAddScrutineer(round);
  EXPECT_EQ(health.organisation(), Org(kHealth));
  EXPECT_THAT(health.step_ids(), ElementsAre("s2"));
  EXPECT_EQ(scrutineer.scrutineer(), scrutineer_user_);

  av1::ListRespondentsRequest list;
  list.set_parent(round.name());
  EXPECT_THAT(Must(&AStub::ListRespondents, respondent_[kSchool], list).respondents(), SizeIs(4));

  const std::string before = Fingerprint(round);
  av1::Respondent out;
  EXPECT_THAT(AddRespondent(admin_, round, OrgRespondent(kLa), &out),
              StatusIs(Code::kAlreadyExists));
  av1::Respondent foreign;
  foreign.set_organisation(absl::StrCat(kOtherPartnership, "/organisations/", kPolice));
  EXPECT_THAT(AddRespondent(admin_, round, foreign, &out),
              StatusIs(Code::kInvalidArgument, "organisation"));
  EXPECT_THAT(AddRespondent(admin_, round, OrgRespondent("no-such-org"), &out),
              StatusIs(Code::kNotFound));
  EXPECT_THAT(AddRespondent(admin_, round, OrgRespondent(kSchool, {"s9"}), &out),
              StatusIs(Code::kInvalidArgument, "step_ids"));
  EXPECT_THAT(AddRespondent(admin_, round, OrgRespondent(kSchool, {}, {"s1.q9"}), &out),
              StatusIs(Code::kInvalidArgument, "question_ids"));
  av1::Respondent both = OrgRespondent(kSchool);
  both.set_scrutineer(scrutineer_user_);
  EXPECT_THAT(AddRespondent(admin_, round, both, &out), StatusIs(Code::kInvalidArgument));
  av1::Respondent not_a_scrutineer;
  not_a_scrutineer.set_scrutineer(PrincipalOf(respondent_[kSchool]));
  EXPECT_THAT(AddRespondent(admin_, round, not_a_scrutineer, &out),
              StatusIs(Code::kFailedPrecondition));
  // Wrong role, and someone who cannot see the round.
  EXPECT_THAT(AddRespondent(respondent_[kSchool], round, OrgRespondent(kSchool), &out),
              StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(AddRespondent(outsider_, round, OrgRespondent(kSchool), &out),
              StatusIs(Code::kNotFound));
  EXPECT_EQ(Fingerprint(round), before);

  // A respondent that has answered stays; one that has not can be removed.
  MustUpsert(respondent_[kLa], GoodAnswer(ResponseOf(la, "s1.q1"), fv1::RATING_RED));
  av1::DeleteRespondentRequest remove;
  remove.set_name(la.name());
  google::protobuf::Empty empty;
  EXPECT_THAT(Call(&AStub::DeleteRespondent, admin_, remove, &empty),
              StatusIs(Code::kFailedPrecondition));
  remove.set_name(police.name());
  EXPECT_THAT(Call(&AStub::DeleteRespondent, respondent_[kPolice], remove, &empty),
              StatusIs(Code::kPermissionDenied));
  const int64_t head = FeedHead();
  EXPECT_THAT(Call(&AStub::DeleteRespondent, admin_, remove, &empty), IsOk());
  EXPECT_THAT(Must(&AStub::ListRespondents, admin_, list).respondents(), SizeIs(3));
  // The feed says so, so that readers of the feed (the reports) drop it too.
  std::vector<av1::Change> removal = AllChanges(hub_->admin_token(), head);
  ASSERT_THAT(removal, SizeIs(1));
  EXPECT_EQ(removal[0].kind(), av1::CHANGE_KIND_RESPONDENT_REMOVED);
  EXPECT_EQ(removal[0].respondent().name(), police.name());
  EXPECT_EQ(removal[0].assessment(), round.name());
  EXPECT_EQ(removal[0].actor(), PrincipalOf(admin_));
}

}  // namespace
}  // namespace sixsteps::testing::assessment_test
