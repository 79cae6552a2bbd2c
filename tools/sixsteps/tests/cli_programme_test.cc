// Drives `sixsteps programme ...` in-process (RunCli) against a fake ProgrammeService and the
// two AssessmentService calls `confirm` makes: what each command sends and prints.
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <mutex>

#include "sixsteps/assessment/v1/assessment_service.grpc.pb.h"
#include "sixsteps/assessment/v1/programme_service.grpc.pb.h"
#include "tools/sixsteps/tests/cli_run.h"

namespace sixsteps::cli {
namespace {

using Plan = asv1::PlannedRound;

class FakeProgrammeService final : public asv1::ProgrammeService::Service {
 public:
  grpc::Status CreatePlannedRound(grpc::ServerContext*,
                                  const asv1::CreatePlannedRoundRequest* request,
                                  Plan* response) override {
    std::lock_guard<std::mutex> lock(mu);
    created.push_back(*request);
    *response = request->planned_round();
    response->set_name("plannedRounds/p-1");
    response->set_state(Plan::STATE_PLANNED);
    return grpc::Status::OK;
  }
  grpc::Status GetPlannedRound(grpc::ServerContext*, const asv1::GetPlannedRoundRequest* request,
                               Plan* response) override {
    if (request->name() != "plannedRounds/p-1") {
      return grpc::Status(grpc::StatusCode::NOT_FOUND, request->name() + " not found");
    }
    *response = Stored();
    return grpc::Status::OK;
  }
  grpc::Status ListPlannedRounds(grpc::ServerContext*,
                                 const asv1::ListPlannedRoundsRequest* request,
                                 asv1::ListPlannedRoundsResponse* response) override {
    std::lock_guard<std::mutex> lock(mu);
    lists.push_back(*request);
    Plan plan = Stored();
    if (request->page_token().empty()) {
      *response->add_planned_rounds() = plan;
      response->set_next_page_token("next");
    } else {
      plan.set_name("plannedRounds/p-2");
      plan.set_open_date("2027-04-01");
      *response->add_planned_rounds() = plan;
    }
    return grpc::Status::OK;
  }
  grpc::Status UpdatePlannedRound(grpc::ServerContext*,
                                  const asv1::UpdatePlannedRoundRequest* request,
                                  Plan* response) override {
    std::lock_guard<std::mutex> lock(mu);
    updates.push_back(*request);
    *response = request->planned_round();
    return grpc::Status::OK;
  }
  grpc::Status CancelPlannedRound(grpc::ServerContext*,
                                  const asv1::CancelPlannedRoundRequest* request,
                                  Plan* response) override {
    std::lock_guard<std::mutex> lock(mu);
    cancels.push_back(*request);
    *response = Stored();
    response->set_state(Plan::STATE_CANCELLED);
    return grpc::Status::OK;
  }
  grpc::Status ExtendResponseDeadline(grpc::ServerContext*,
                                      const asv1::ExtendResponseDeadlineRequest* request,
                                      asv1::Respondent* response) override {
    std::lock_guard<std::mutex> lock(mu);
    extensions.push_back(*request);
    response->set_name(request->name());
    response->set_response_deadline(request->deadline());
    return grpc::Status::OK;
  }

  static Plan Stored() {
    Plan plan;
    plan.set_name("plannedRounds/p-1");
    plan.set_partnership("partnerships/luton");
    plan.set_kind(asv1::ASSESSMENT_KIND_SELF_ASSESSMENT);
    plan.set_cadence(Plan::CADENCE_ANNUAL);
    plan.set_title("Self-assessment 2026");
    plan.set_open_date("2026-04-01");
    plan.set_response_deadline("2026-05-31");
    plan.set_report_due_date("2026-06-30");
    plan.set_state(Plan::STATE_PLANNED);
    plan.set_etag("3");
    return plan;
  }

  std::mutex mu;
  std::vector<asv1::CreatePlannedRoundRequest> created;
  std::vector<asv1::ListPlannedRoundsRequest> lists;
  std::vector<asv1::UpdatePlannedRoundRequest> updates;
  std::vector<asv1::CancelPlannedRoundRequest> cancels;
  std::vector<asv1::ExtendResponseDeadlineRequest> extensions;
};

// Three answers of one respondent, two of them carried forward and not confirmed.
class FakeAssessmentService final : public asv1::AssessmentService::Service {
 public:
  grpc::Status ListResponses(grpc::ServerContext*, const asv1::ListResponsesRequest* request,
                             asv1::ListResponsesResponse* response) override {
    for (const char* q : {"s1.q1", "s1.q2", "s1.q3"}) {
      asv1::Response* r = response->add_responses();
      r->set_name(request->parent() + "/responses/" + q);
      r->set_etag("2");
      r->set_carried_forward_unconfirmed(std::string(q) != "s1.q2");
    }
    return grpc::Status::OK;
  }
  grpc::Status BatchUpsertResponses(grpc::ServerContext*,
                                    const asv1::BatchUpsertResponsesRequest* request,
                                    asv1::BatchUpsertResponsesResponse* response) override {
    std::lock_guard<std::mutex> lock(mu);
    batches.push_back(*request);
    for (const auto& r : request->requests()) *response->add_responses() = r.response();
    return grpc::Status::OK;
  }
  std::mutex mu;
  std::vector<asv1::BatchUpsertResponsesRequest> batches;
};

class CliProgrammeTest : public testing_support::CliTest {
 protected:
  void SetUp() override { Serve({&programme_, &assessment_}); }
  FakeProgrammeService programme_;
  FakeAssessmentService assessment_;
};

// `programme plan luton` with the flags every plan needs but --cadence and --opens, then `more`.
std::vector<std::string> PlanWords(std::vector<std::string> more) {
  std::vector<std::string> words = {"programme",
                                    "plan",
                                    "luton",
                                    "--kind",
                                    "self-assessment",
                                    "--framework",
                                    "frameworks/six-steps/versions/2019",
                                    "--title",
                                    "Self-assessment 2026",
                                    "--period",
                                    "2025-04-01:2026-03-31",
                                    "--deadline",
                                    "2026-05-31",
                                    "--report-due",
                                    "2026-06-30"};
  words.insert(words.end(), more.begin(), more.end());
  return words;
}

TEST_F(CliProgrammeTest, PlanSendsEveryFieldAndItsStandingRespondents) {
  testing_support::Result result =
      Run(PlanWords({"--cadence", "annual", "--opens", "2026-04-01", "--carry-forward", "yes",
                     "--org", "police", "--org", "luton/council", "--scrutineer", "u-9"}));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  ASSERT_THAT(programme_.created, SizeIs(1));
  const Plan& sent = programme_.created[0].planned_round();
  EXPECT_EQ(sent.partnership(), "partnerships/luton");
  EXPECT_EQ(sent.kind(), asv1::ASSESSMENT_KIND_SELF_ASSESSMENT);
  EXPECT_EQ(sent.cadence(), Plan::CADENCE_ANNUAL);
  EXPECT_EQ(sent.period_start(), "2025-04-01");
  EXPECT_EQ(sent.period_end(), "2026-03-31");
  EXPECT_EQ(sent.open_date(), "2026-04-01");
  EXPECT_EQ(sent.response_deadline(), "2026-05-31");
  EXPECT_EQ(sent.report_due_date(), "2026-06-30");
  EXPECT_TRUE(sent.carry_forward());
  ASSERT_THAT(sent.standing_respondents(), SizeIs(3));
  EXPECT_EQ(sent.standing_respondents(0).organisation(), "partnerships/luton/organisations/police");
  EXPECT_EQ(sent.standing_respondents(1).organisation(),
            "partnerships/luton/organisations/council");
  EXPECT_EQ(sent.standing_respondents(2).scrutineer(), "users/u-9");
  EXPECT_THAT(result.out, HasSubstr("Planned plannedRounds/p-1\n"));
  EXPECT_THAT(result.out, HasSubstr("carry answers forward: yes"));
  EXPECT_THAT(addresses_, ElementsAre("127.0.0.1:50053"));
}

TEST_F(CliProgrammeTest, PlanRefusesABadCadenceOrDateBeforeCalling) {
  testing_support::Result bad_cadence =
      Run(PlanWords({"--cadence", "weekly", "--opens", "2026-04-01"}));
  EXPECT_EQ(bad_cadence.exit_code, 64);
  EXPECT_THAT(bad_cadence.err, HasSubstr("annual, biennial or one_off"));
  EXPECT_EQ(Run(PlanWords({"--cadence", "annual", "--opens", "1 April"})).exit_code, 64);
  EXPECT_THAT(programme_.created, SizeIs(0));
}

TEST_F(CliProgrammeTest, ListReadsEveryPage) {
  testing_support::Result result = Run({"programme", "list", "luton"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  ASSERT_THAT(programme_.lists, SizeIs(2));
  EXPECT_EQ(programme_.lists[0].partnership(), "partnerships/luton");
  EXPECT_EQ(programme_.lists[1].page_token(), "next");
  EXPECT_THAT(result.out, HasSubstr("2026-04-01  2026-05-31  planned    annual    p-1"));
  EXPECT_THAT(result.out, HasSubstr("2027-04-01"));
}

TEST_F(CliProgrammeTest, EditSendsOnlyWhatChangedWithTheEtagRead) {
  testing_support::Result result =
      Run({"programme", "edit", "p-1", "--deadline", "2026-06-14", "--carry-forward", "no"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  ASSERT_THAT(programme_.updates, SizeIs(1));
  const asv1::UpdatePlannedRoundRequest& sent = programme_.updates[0];
  EXPECT_EQ(sent.planned_round().etag(), "3");
  EXPECT_EQ(sent.planned_round().response_deadline(), "2026-06-14");
  EXPECT_FALSE(sent.planned_round().carry_forward());
  EXPECT_THAT(sent.update_mask().paths(), ElementsAre("response_deadline", "carry_forward"));
  EXPECT_EQ(Run({"programme", "edit", "p-1"}).exit_code, 64);  // nothing to change
  EXPECT_EQ(Run({"programme", "edit", "p-404", "--title", "T"}).exit_code, 5);
}

TEST_F(CliProgrammeTest, CancelAndExtendSendTheirReasons) {
  ASSERT_EQ(Run({"programme", "cancel", "p-1", "--reason", "Merged"}).exit_code, 0);
  ASSERT_THAT(programme_.cancels, SizeIs(1));
  EXPECT_EQ(programme_.cancels[0].name(), "plannedRounds/p-1");
  EXPECT_EQ(programme_.cancels[0].reason(), "Merged");
  testing_support::Result extended =
      Run({"programme", "extend", "a-1/r-2", "--to", "2026-06-14", "--reason", "Leave"});
  ASSERT_EQ(extended.exit_code, 0) << extended.err;
  ASSERT_THAT(programme_.extensions, SizeIs(1));
  EXPECT_EQ(programme_.extensions[0].name(), "assessments/a-1/respondents/r-2");
  EXPECT_EQ(programme_.extensions[0].deadline(), "2026-06-14");
  EXPECT_EQ(programme_.extensions[0].reason(), "Leave");
  EXPECT_THAT(extended.out,
              HasSubstr("The deadline of assessments/a-1/respondents/r-2 is now 2026-06-14"));
  EXPECT_EQ(Run({"programme", "extend", "a-1", "--to", "2026-06-14", "--reason", "L"}).exit_code,
            64);
}

TEST_F(CliProgrammeTest, ConfirmSavesEachUnconfirmedAnswerAgainInOneBatch) {
  testing_support::Result result = Run({"programme", "confirm", "a-1/r-2"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  ASSERT_THAT(assessment_.batches, SizeIs(1));
  const asv1::BatchUpsertResponsesRequest& sent = assessment_.batches[0];
  EXPECT_EQ(sent.parent(), "assessments/a-1");
  ASSERT_THAT(sent.requests(), SizeIs(2));
  EXPECT_EQ(sent.requests(0).response().name(), "assessments/a-1/respondents/r-2/responses/s1.q1");
  EXPECT_EQ(sent.requests(0).response().etag(), "2");
  EXPECT_EQ(sent.requests(1).response().name(), "assessments/a-1/respondents/r-2/responses/s1.q3");
  EXPECT_THAT(result.out, HasSubstr("Confirmed 2 carried-forward answer(s)"));
}

TEST_F(CliProgrammeTest, HelpListsEveryCommand) {
  testing_support::Result result = Run({"programme", "help"});
  ASSERT_EQ(result.exit_code, 0);
  for (const char* word : {"plan", "list", "show", "edit", "cancel", "extend", "confirm"}) {
    EXPECT_THAT(result.out, HasSubstr(std::string("sixsteps programme ") + word)) << word;
  }
}

}  // namespace
}  // namespace sixsteps::cli
