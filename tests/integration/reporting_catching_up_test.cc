// A report read while reporting catches up with the change feed (issue #20): what the read
// model has not seen yet is UNAVAILABLE ("catching up"), not NOT_FOUND, and a round of another
// partnership gets exactly the same answer as a round that does not exist. Once reporting has
// caught up, both are NOT_FOUND and the new round is served.
//
// Reporting is held behind the feed the way an upgrade across reporting's V006 leaves it: its
// cursor rewound to 0 (V006's own statement) while the rows it had stay, and its consumer kept
// from applying anything by this test holding the read model's leader lock (as an old replica
// would), so the window does not depend on timing. Rounds written meanwhile are not in it.
#include <gmock/gmock.h>
#include <grpcpp/client_context.h>
#include <gtest/gtest.h>

#include <memory>
#include <pqxx/pqxx>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "services/base/status_macros.h"
#include "services/common/auth.h"
#include "services/reporting/feed_consumer.h"
#include "tests/integration/one_partnership_fixture.h"
#include "tests/support/calls.h"
#include "tests/support/status_matchers.h"
#include "tests/support/test_hub.h"

namespace sixsteps::testing {
namespace {

namespace asv1 = ::sixsteps::assessment::v1;
namespace rv1 = ::sixsteps::reporting::v1;
using ::testing::HasSubstr;

// services/reporting/feed_consumer.cc's kLeaderLockKey: the lock the consumer must hold to apply.
constexpr long long kFeedLeaderLock = 7'242'004'206;
// Long enough for a loaded two-core machine; never waited when all is well.
constexpr absl::Duration kPatience = absl::Seconds(90);
constexpr char kOtherPartnership[] = "partnerships/wearside";

class ReportingCatchingUpTest : public OnePartnershipTest {
 protected:
  ReportingCatchingUpTest() : OnePartnershipTest("catching_up") {}

  void SetUp() override {
    OnePartnershipTest::SetUp();
    ASSERT_THAT(hub_->CreatePartnership("wearside", "north"), IsOk());
    auto other =
        hub_->UserWithRoles("admin@wearside.test",
                            {{auth::Role::ROLE_PARTNERSHIP_ADMINISTRATOR, kOtherPartnership, ""}});
    ASSERT_THAT(other, IsOk());
    other_admin_ = *other;
  }

  absl::StatusOr<std::string> OtherRound(const std::string& title) {
    asv1::Assessment created;
    SIXSTEPS_RETURN_IF_ERROR(Call(
        *hub_->AssessmentStub(), &asv1::AssessmentService::Stub::CreateAssessment, other_admin_,
        RoundRequest(kOtherPartnership, asv1::ASSESSMENT_KIND_SELF_ASSESSMENT, title), &created));
    return created.name();
  }

  absl::Status Report(const std::string& token, const std::string& round) {
    rv1::GetAssessmentReportRequest request;
    request.set_assessment(round);
    rv1::AssessmentReport report;
    return Call(*hub_->ReportingStub(), &rv1::ReportingService::Stub::GetAssessmentReport, token,
                request, &report, absl::Seconds(10));
  }

  // Reads `round` as `token` until it is served (reporting applied it).
  absl::Status AwaitReport(const std::string& token, const std::string& round) {
    absl::Status status;
    for (absl::Time give_up = absl::Now() + kPatience; absl::Now() < give_up;
         absl::SleepFor(absl::Milliseconds(50))) {
      status = Report(token, round);
      if (status.ok()) return status;
    }
    return status;
  }

  std::string other_admin_;
};

TEST_F(ReportingCatchingUpTest, UnseenRoundsAreUnavailableWhileBehindAndNotFoundOnceCaughtUp) {
  auto served = CreateRound("Seen before the rewind");
  ASSERT_THAT(served, IsOk());
  auto theirs_seen = OtherRound("Theirs, seen before the rewind");
  ASSERT_THAT(theirs_seen, IsOk());
  ASSERT_THAT(AwaitReport(partnership_admin_, served->name()), IsOk());
  ASSERT_THAT(AwaitReport(other_admin_, *theirs_seen), IsOk());

  // Reporting restarts behind: its cursor rewound as V006 does, its consumer unable to lead.
  hub_->StopReporting();
  auto old_leader = std::make_unique<pqxx::connection>(hub_->reporting_database_url());
  {
    pqxx::nontransaction query(*old_leader);
    ASSERT_TRUE(
        query.exec_params("SELECT pg_try_advisory_lock($1)", kFeedLeaderLock)[0][0].as<bool>());
    query.exec(
        "UPDATE feed_cursor SET sequence = 0, change_time = NULL, update_time = now() "
        "WHERE id = 1");
  }
  auto unseen = CreateRound("Made while reporting was stopped");
  ASSERT_THAT(unseen, IsOk());
  auto theirs_unseen = OtherRound("Theirs, made while reporting was stopped");
  ASSERT_THAT(theirs_unseen, IsOk());
  ASSERT_THAT(hub_->StartReporting(), IsOk());

  // What the read model had is still served.
  EXPECT_THAT(Report(partnership_admin_, served->name()), IsOk());
  // What it has not seen is "catching up", retryable.
  absl::Status behind = Report(partnership_admin_, unseen->name());
  EXPECT_EQ(behind.code(), absl::StatusCode::kUnavailable) << behind;
  EXPECT_THAT(behind.message(), HasSubstr("catching up with the change feed"));
  // Another partnership's rounds, seen or not, and a round that does not exist: the same
  // answer, word for word, so that "catching up" reveals nothing of other partnerships.
  for (const std::string& round :
       {*theirs_seen, *theirs_unseen, std::string("assessments/no-such-round")}) {
    absl::Status refused = Report(partnership_admin_, round);
    EXPECT_EQ(refused.code(), absl::StatusCode::kUnavailable) << round << ": " << refused;
    EXPECT_EQ(refused.message(), behind.message()) << round;
  }

  // The old leader goes away: reporting takes the lead, replays the feed and catches up.
  old_leader.reset();
  ASSERT_THAT(AwaitReport(partnership_admin_, unseen->name()), IsOk());
  ASSERT_THAT(AwaitReport(other_admin_, *theirs_unseen), IsOk());
  EXPECT_TRUE(hub_->feed_consumer()->is_leader());
  for (const std::string& round :
       {*theirs_seen, *theirs_unseen, std::string("assessments/no-such-round")}) {
    absl::Status refused = Report(partnership_admin_, round);
    EXPECT_EQ(refused.code(), absl::StatusCode::kNotFound) << round << ": " << refused;
  }
}

}  // namespace
}  // namespace sixsteps::testing
