// The fixture of the programme-of-rounds integration tests (programme_*_test.cc): the
// assessment fixture's hub and people, plus a second assessment server on the same real
// database whose AssessmentService and ProgrammeService tell the time by a clock the test
// sets (so that open dates and deadlines pass without waiting), and openers built on their
// own connection pools, as a replica or a restarted service would have them.
#pragma once

#include <grpcpp/create_channel.h>

#include "absl/synchronization/mutex.h"
#include "services/assessment/assessment_service.h"
#include "services/assessment/directory.h"
#include "services/assessment/feed.h"
#include "services/assessment/pg_feed_sequencer.h"
#include "services/assessment/pg_store.h"
#include "services/assessment/pg_store_programme.h"
#include "services/assessment/programme_opener.h"
#include "services/assessment/programme_service.h"
#include "services/assessment/store.h"
#include "services/common/db.h"
#include "services/common/server.h"
#include "tests/integration/assessment_fixture.h"

namespace sixsteps::testing::assessment_test {

namespace rv1 = ::sixsteps::reporting::v1;
using PStub = av1::ProgrammeService::Stub;
using Plan = av1::PlannedRound;

// A clock the test moves.
class ManualClock final : public Clock {
 public:
  absl::Time Now() const override {
    absl::MutexLock lock(&mu_);
    return now_;
  }
  // Noon UTC of an ISO date.
  void SetDay(const std::string& date) {
    absl::CivilDay day;
    ASSERT_TRUE(absl::ParseCivilTime(date, &day)) << date;
    absl::MutexLock lock(&mu_);
    now_ = absl::FromCivil(absl::CivilSecond(day.year(), day.month(), day.day(), 12, 0, 0),
                           absl::UTCTimeZone());
  }

 private:
  mutable absl::Mutex mu_;
  absl::Time now_ = absl::Now();
};

// An opener as one replica of the service runs it: its own pool on the database.
struct Replica {
  Replica(const std::string& database_url, const Clock* clock)
      : pool(database_url, 4, absl::Seconds(2)),
        store(&pool, nullptr),
        opener(&store, clock, absl::UTCTimeZone(), absl::Hours(1)) {}
  db::ConnectionPool pool;
  assessment::PgProgrammeStore store;
  assessment::PlannedRoundOpener opener;
};

class ProgrammeTest : public AssessmentServiceTest {
 protected:
  static constexpr char kBefore[] = "2030-03-01";
  static constexpr char kOpens[] = "2030-04-01";
  static constexpr char kDeadline[] = "2030-05-31";

  void SetUp() override {
    AssessmentServiceTest::SetUp();
    clock_.SetDay(kBefore);
    pool_ =
        std::make_unique<db::ConnectionPool>(hub_->assessment_database_url(), 4, absl::Seconds(2));
    sequencer_ = std::make_unique<assessment::FeedSequencer>(hub_->assessment_database_url(),
                                                             &signal_, &signal_);
    sequencer_->Start();
    store_ = std::make_unique<assessment::PgAssessmentStore>(pool_.get(), &signal_);
    programme_store_ = std::make_unique<assessment::PgProgrammeStore>(pool_.get(), &signal_);
    directory_ = std::make_unique<assessment::GrpcDirectory>(
        grpc::CreateChannel(hub_->identity_target(), grpc::InsecureChannelCredentials()),
        grpc::CreateChannel(hub_->framework_target(), grpc::InsecureChannelCredentials()));
    rounds_ = std::make_unique<assessment::AssessmentServiceImpl>(
        store_.get(), directory_.get(), hub_->token_verifier(), &signal_, assessment::WatchLimits{},
        &clock_, absl::UTCTimeZone());
    programme_ = std::make_unique<assessment::ProgrammeServiceImpl>(
        programme_store_.get(), store_.get(), directory_.get(), hub_->token_verifier(), &clock_,
        absl::UTCTimeZone());
    auto server = RunningServer::Start("127.0.0.1:0", {rounds_.get(), programme_.get()});
    ASSERT_THAT(server, IsOk());
    server_ = std::move(*server);
    auto channel = grpc::CreateChannel(server_->target(), grpc::InsecureChannelCredentials());
    stub_ = av1::AssessmentService::NewStub(channel);  // the fixture's calls use this server
    programme_stub_ = av1::ProgrammeService::NewStub(channel);
  }

  void TearDown() override {
    if (server_) server_->Shutdown(absl::Milliseconds(500));
  }

  template <typename Request, typename Response>
  grpc::Status PCall(Rpc<PStub, Request, Response> method, const std::string& token,
                     const Request& request, Response* response) {
    return Invoke(programme_stub_.get(), method, token, request, response);
  }

  template <typename Request, typename Response>
  Response PMust(Rpc<PStub, Request, Response> method, const std::string& token,
                 const Request& request) {
    Response response;
    EXPECT_THAT(PCall(method, token, request, &response), IsOk()) << request.ShortDebugString();
    return response;
  }

  // A valid annual self-assessment plan of sunderland, opening kOpens.
  static av1::CreatePlannedRoundRequest NewPlan(
      av1::AssessmentKind kind = av1::ASSESSMENT_KIND_SELF_ASSESSMENT,
      const std::vector<std::string>& orgs = {kLa}, bool carry_forward = false) {
    av1::CreatePlannedRoundRequest request;
    Plan* plan = request.mutable_planned_round();
    plan->set_partnership(kPartnership);
    plan->set_kind(kind);
    plan->set_framework_version(kBuiltIn);
    plan->set_cadence(Plan::CADENCE_ANNUAL);
    plan->set_title("Self-assessment 2030");
    plan->set_period_start("2029-04-01");
    plan->set_period_end("2030-03-31");
    plan->set_open_date(kOpens);
    plan->set_response_deadline(kDeadline);
    plan->set_report_due_date("2030-06-30");
    plan->set_carry_forward(carry_forward);
    for (const std::string& org : orgs) {
      plan->add_standing_respondents()->set_organisation(Org(org));
    }
    return request;
  }

  Plan MustPlan(const av1::CreatePlannedRoundRequest& request) {
    return PMust(&PStub::CreatePlannedRound, admin_, request);
  }

  Plan GetPlan(const std::string& name, const std::string& token = "") {
    av1::GetPlannedRoundRequest request;
    request.set_name(name);
    return PMust(&PStub::GetPlannedRound, token.empty() ? admin_ : token, request);
  }

  std::vector<Plan> Plans(const std::string& token = "") {
    av1::ListPlannedRoundsRequest request;
    request.set_partnership(kPartnership);
    auto list = PMust(&PStub::ListPlannedRounds, token.empty() ? admin_ : token, request);
    return {list.planned_rounds().begin(), list.planned_rounds().end()};
  }

  // Every round of sunderland, as the deployment administrator sees them.
  std::vector<av1::Assessment> Rounds() {
    av1::ListAssessmentsRequest request;
    request.set_partnership(kPartnership);
    auto list = Must(&AStub::ListAssessments, hub_->admin_token(), request);
    return {list.assessments().begin(), list.assessments().end()};
  }

  std::vector<av1::Respondent> RespondentsOf(const std::string& round) {
    av1::ListRespondentsRequest request;
    request.set_parent(round);
    auto list = Must(&AStub::ListRespondents, admin_, request);
    return {list.respondents().begin(), list.respondents().end()};
  }

  // Opens what is due on `date`, as a fresh replica would.
  std::vector<std::string> OpenOn(const std::string& date) {
    clock_.SetDay(date);
    Replica replica(hub_->assessment_database_url(), &clock_);
    absl::StatusOr<std::vector<std::string>> opened = replica.opener.OpenDue();
    EXPECT_THAT(opened, IsOk());
    return opened.ok() ? *opened : std::vector<std::string>();
  }

  ManualClock clock_;
  assessment::ChangeSignal signal_;
  std::unique_ptr<assessment::FeedSequencer> sequencer_;  // hears the hub's sequencer
  std::unique_ptr<db::ConnectionPool> pool_;
  std::unique_ptr<assessment::PgAssessmentStore> store_;
  std::unique_ptr<assessment::PgProgrammeStore> programme_store_;
  std::unique_ptr<assessment::GrpcDirectory> directory_;
  std::unique_ptr<assessment::AssessmentServiceImpl> rounds_;
  std::unique_ptr<assessment::ProgrammeServiceImpl> programme_;
  std::unique_ptr<RunningServer> server_;
  std::unique_ptr<PStub> programme_stub_;
};

}  // namespace sixsteps::testing::assessment_test
