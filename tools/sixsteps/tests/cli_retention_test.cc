// Drives `sixsteps retention|legal-hold` in-process (RunCli) against a fake RetentionService:
// what each command sends, and what it prints.
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <mutex>

#include "sixsteps/assessment/v1/retention_service.grpc.pb.h"
#include "tools/sixsteps/tests/cli_run.h"

namespace sixsteps::cli {
namespace {

namespace rv1 = ::sixsteps::assessment::v1;

// Records what it is sent; part-a has a policy at revision 2, etag "5".
class FakeRetentionService final : public rv1::RetentionService::Service {
 public:
  grpc::Status GetRetentionPolicy(grpc::ServerContext*, const rv1::GetRetentionPolicyRequest* r,
                                  rv1::RetentionPolicy* response) override {
    std::lock_guard<std::mutex> lock(mu);
    response->set_name(r->name());
    response->set_evidence_file_years(6);
    response->set_engagement_record_years(3);
    response->set_revision(2);
    response->set_etag("5");
    return grpc::Status::OK;
  }
  grpc::Status UpdateRetentionPolicy(grpc::ServerContext*,
                                     const rv1::UpdateRetentionPolicyRequest* r,
                                     rv1::RetentionPolicy* response) override {
    std::lock_guard<std::mutex> lock(mu);
    updates.push_back(*r);
    *response = r->policy();
    response->set_revision(3);
    return grpc::Status::OK;
  }
  grpc::Status PlaceLegalHold(grpc::ServerContext*, const rv1::PlaceLegalHoldRequest* r,
                              rv1::LegalHold* response) override {
    std::lock_guard<std::mutex> lock(mu);
    places.push_back(*r);
    response->set_name(r->parent() + "/legalHolds/h-1");
    response->set_reason(r->reason());
    response->set_placed_by("users/u-1");
    return grpc::Status::OK;
  }
  grpc::Status LiftLegalHold(grpc::ServerContext*, const rv1::LiftLegalHoldRequest* r,
                             rv1::LegalHold* response) override {
    std::lock_guard<std::mutex> lock(mu);
    lifts.push_back(*r);
    response->set_name(r->name());
    response->set_lifted(true);
    response->set_lift_reason(r->reason());
    return grpc::Status::OK;
  }
  grpc::Status ListTombstones(grpc::ServerContext*, const rv1::ListTombstonesRequest* r,
                              rv1::ListTombstonesResponse* response) override {
    std::lock_guard<std::mutex> lock(mu);
    tombstone_lists.push_back(*r);
    rv1::Tombstone* t = response->add_tombstones();
    t->set_purged_resource("evidenceFiles/ef-1");
    t->set_kind(rv1::RETAINED_KIND_EVIDENCE_FILE);
    t->set_sha256(std::string(64, 'a'));
    t->set_policy(r->parent() + "/retentionPolicy");
    t->set_policy_revision(2);
    t->set_retention_years(6);
    return grpc::Status::OK;
  }

  std::mutex mu;
  std::vector<rv1::UpdateRetentionPolicyRequest> updates;
  std::vector<rv1::PlaceLegalHoldRequest> places;
  std::vector<rv1::LiftLegalHoldRequest> lifts;
  std::vector<rv1::ListTombstonesRequest> tombstone_lists;
};

class CliRetentionTest : public testing_support::CliTest {
 protected:
  void SetUp() override { Serve({&retention_}); }
  FakeRetentionService retention_;
};

TEST_F(CliRetentionTest, SetKeepsThePeriodsNotGivenAndSendsTheEtag) {
  testing_support::Result result = Run({"retention", "set", "part-a", "--case-audits", "10",
                                        "--engagement-records", "0", "--etag", "5"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  ASSERT_EQ(retention_.updates.size(), 1u);
  const rv1::RetentionPolicy& p = retention_.updates[0].policy();
  EXPECT_EQ(p.name(), "partnerships/part-a/retentionPolicy");
  EXPECT_EQ(p.evidence_file_years(), 6);
  EXPECT_EQ(p.engagement_record_years(), 0);
  EXPECT_EQ(p.case_audit_years(), 10);
  EXPECT_EQ(p.etag(), "5");
  EXPECT_THAT(result.out, StartsWith("Set partnerships/part-a/retentionPolicy\n"));
  EXPECT_THAT(result.out, HasSubstr("Engagement records: kept for ever\n"));
  EXPECT_THAT(result.out, HasSubstr("Case audits: 10 years\n"));
  // A negative period is a usage error: nothing is sent.
  EXPECT_EQ(Run({"retention", "set", "part-a", "--files", "-1"}).exit_code, 64);
  EXPECT_EQ(retention_.updates.size(), 1u);
}

TEST_F(CliRetentionTest, LegalHoldsArePlacedAndLiftedWithTheirReasons) {
  testing_support::Result placed =
      Run({"legal-hold", "place", "a-1", "--reason", "A complaint is under review"});
  ASSERT_EQ(placed.exit_code, 0) << placed.err;
  EXPECT_EQ(retention_.places.at(0).parent(), "assessments/a-1");
  EXPECT_THAT(placed.out, StartsWith("Placed assessments/a-1/legalHolds/h-1 (standing)\n"));
  testing_support::Result lifted =
      Run({"legal-hold", "lift", "a-1/h-1", "--reason", "The complaint was closed"});
  ASSERT_EQ(lifted.exit_code, 0) << lifted.err;
  EXPECT_EQ(retention_.lifts.at(0).name(), "assessments/a-1/legalHolds/h-1");
  EXPECT_THAT(lifted.out, HasSubstr("(lifted)"));
  EXPECT_EQ(Run({"legal-hold", "place", "a-1"}).exit_code, 64);  // --reason is required
  EXPECT_EQ(retention_.places.size(), 1u);
}

TEST_F(CliRetentionTest, TombstonesNameWhatWasPurgedItsHashAndThePolicy) {
  testing_support::Result result = Run({"retention", "tombstones", "part-a", "--round", "a-1"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(retention_.tombstone_lists.at(0).assessment(), "assessments/a-1");
  EXPECT_THAT(result.out, HasSubstr("evidenceFiles/ef-1 (evidence_file)\n"));
  EXPECT_THAT(result.out, HasSubstr("partnerships/part-a/retentionPolicy revision 2 (6 years)"));
  EXPECT_THAT(result.out, HasSubstr("sha256 " + std::string(64, 'a')));
}

}  // namespace
}  // namespace sixsteps::cli
