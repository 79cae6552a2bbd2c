// RetentionService's refusals (issue 16): each with its precise status, and nothing written
// (the feed's head and the tables are unchanged).
#include "tests/integration/retention_fixture.h"

namespace sixsteps::testing::assessment_test {
namespace {

TEST_F(RetentionTest, RefusesBadPoliciesAndHoldsWritingNothing) {
  av1::RetentionPolicy policy;
  ASSERT_THAT(SetPolicy(admin_, 3, 5, "", &policy), IsOk());
  av1::Assessment round = MustCreate(av1::ASSESSMENT_KIND_SELF_ASSESSMENT, admin_);
  av1::LegalHold hold;
  ASSERT_THAT(PlaceHold(hub_admin_, round.name(), "An inquiry has asked for the records", &hold),
              IsOk());
  const int64_t head = FeedHead();
  av1::RetentionPolicy out;
  av1::LegalHold held;

  EXPECT_THAT(SetPolicy(admin_, 101, 5, policy.etag(), &out),
              StatusIs(Code::kInvalidArgument, "policy.evidence_file_years"));
  EXPECT_THAT(SetPolicy(admin_, -1, 5, policy.etag(), &out),
              StatusIs(Code::kInvalidArgument, "policy.evidence_file_years"));
  EXPECT_THAT(SetPolicy(admin_, 3, 5, "", &out), StatusIs(Code::kAborted));
  EXPECT_THAT(SetPolicy(admin_, 3, 5, "999", &out), StatusIs(Code::kAborted));
  EXPECT_THAT(SetPolicy(viewer_, 3, 5, policy.etag(), &out), StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(SetPolicy(scrutineer_, 3, 5, policy.etag(), &out), StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(SetPolicy(outsider_, 3, 5, policy.etag(), &out), StatusIs(Code::kNotFound));
  av1::UpdateRetentionPolicyRequest malformed;
  malformed.mutable_policy()->set_name(kPartnership);
  EXPECT_THAT(Invoke(retention_.get(), &RStub::UpdateRetentionPolicy, admin_, malformed, &out),
              StatusIs(Code::kInvalidArgument, "policy.name"));

  EXPECT_THAT(PlaceHold(admin_, round.name(), "", &held),
              StatusIs(Code::kInvalidArgument, "reason"));
  EXPECT_THAT(PlaceHold(admin_, round.name(), "Ask jo.bloggs@example.org", &held),
              StatusIs(Code::kInvalidArgument, "reason"));
  EXPECT_THAT(PlaceHold(admin_, round.name(), std::string(2001, 'x'), &held),
              StatusIs(Code::kInvalidArgument, "reason"));
  EXPECT_THAT(PlaceHold(admin_, "assessments/nope", "An inquiry", &held),
              StatusIs(Code::kNotFound));
  EXPECT_THAT(PlaceHold(admin_, "rounds/x", "An inquiry", &held),
              StatusIs(Code::kInvalidArgument, "parent"));
  EXPECT_THAT(PlaceHold(viewer_, round.name(), "An inquiry", &held),
              StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(PlaceHold(outsider_, round.name(), "An inquiry", &held), StatusIs(Code::kNotFound));

  EXPECT_THAT(LiftHold(admin_, absl::StrCat(round.name(), "/legalHolds/nope"), "Done", &held),
              StatusIs(Code::kNotFound));
  EXPECT_THAT(LiftHold(admin_, hold.name(), "", &held), StatusIs(Code::kInvalidArgument, "reason"));
  EXPECT_THAT(LiftHold(respondent_[kLa], hold.name(), "Done", &held),
              StatusIs(Code::kPermissionDenied));

  av1::ListTombstonesRequest tombstones;
  tombstones.set_parent(kPartnership);
  av1::ListTombstonesResponse listed;
  EXPECT_THAT(Invoke(retention_.get(), &RStub::ListTombstones, viewer_, tombstones, &listed),
              StatusIs(Code::kPermissionDenied));
  tombstones.set_page_size(-1);
  EXPECT_THAT(Invoke(retention_.get(), &RStub::ListTombstones, admin_, tombstones, &listed),
              StatusIs(Code::kInvalidArgument, "page_size"));

  // Nothing was written.
  EXPECT_EQ(FeedHead(), head);
  EXPECT_EQ(Rows("legal_holds"), 1);
  av1::GetRetentionPolicyRequest get;
  get.set_name(PolicyName());
  av1::RetentionPolicy read;
  ASSERT_THAT(Invoke(retention_.get(), &RStub::GetRetentionPolicy, viewer_, get, &read), IsOk());
  EXPECT_EQ(read.etag(), policy.etag());
  EXPECT_EQ(read.evidence_file_years(), 3);

  // Lifting twice: the second is refused, and the first's record stands.
  ASSERT_THAT(LiftHold(admin_, hold.name(), "The inquiry closed", &held), IsOk());
  const int64_t lifted_head = FeedHead();
  EXPECT_THAT(LiftHold(admin_, hold.name(), "Again", &held),
              StatusIs(Code::kFailedPrecondition, "already lifted"));
  EXPECT_EQ(FeedHead(), lifted_head);
}

TEST_F(RetentionTest, APartnershipWithoutAPolicyKeepsEverything) {
  av1::GetRetentionPolicyRequest get;
  get.set_name(PolicyName());
  av1::RetentionPolicy read;
  ASSERT_THAT(Invoke(retention_.get(), &RStub::GetRetentionPolicy, admin_, get, &read), IsOk());
  EXPECT_EQ(read.revision(), 0);
  EXPECT_TRUE(read.etag().empty());
  av1::Assessment round = ReadyRound(av1::ASSESSMENT_KIND_SELF_ASSESSMENT, fv1::RATING_GREEN, true);
  av1::EvidenceFile file = MustUploadTo(round, "minutes.csv", 3);
  round = MustFinalise(round);
  EXPECT_THAT(PurgeAt(DayStartYearsAfter(round.finalise_time(), 100)), IsEmpty());
  av1::EvidenceFile still;
  EXPECT_THAT(GetFile(admin_, file.name(), &still), IsOk());
}

}  // namespace
}  // namespace sixsteps::testing::assessment_test
