// The world of reporting_integration_test (see reporting_fixture.h): the rounds it is built
// from, how they are recorded, and the calls the tests make.
#include "tests/integration/reporting_fixture.h"

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <grpcpp/create_channel.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace sixsteps::testing::reporting_fixture {

std::string P(const std::string& id) { return absl::StrCat("partnerships/", id); }
std::string Org(const std::string& partnership, const std::string& org) {
  return absl::StrCat("partnerships/", partnership, "/organisations/", org);
}
std::string StepId(int step) { return absl::StrCat("s", step); }
// The i-th question (0..23) of the built-in framework, step by step.
std::string QuestionId(int i) { return absl::StrCat("s", i / 4 + 1, ".q", i % 4 + 1); }
// The organisation that owns the action of a step.
std::string OwnerOf(int step) { return kOrgs[(step - 1) % 3]; }

std::shared_ptr<grpc::Channel> Dial(const std::string& target) {
  return grpc::CreateChannel(target, grpc::InsecureChannelCredentials());
}

// One round as recorded: the consolidated rating of each question (24 letters, steps in
rv1::RatingCounts Counts(int red, int amber, int green, int unrated) {
  rv1::RatingCounts counts;
  counts.set_red(red);
  counts.set_amber(amber);
  counts.set_green(green);
  counts.set_unrated(unrated);
  return counts;
}

rv1::ActionCounts Actions(int open, int overdue, int done, int cancelled, int carried_over) {
  rv1::ActionCounts counts;
  counts.set_open(open);
  counts.set_overdue(overdue);
  counts.set_done(done);
  counts.set_cancelled(cancelled);
  counts.set_carried_over(carried_over);
  return counts;
}

// Counts of a plan's consolidated ratings in one step.
rv1::RatingCounts StepCounts(const RoundPlan& plan, int step) {
  rv1::RatingCounts counts;
  for (int i = (step - 1) * 4; i < step * 4; ++i) {
    switch (plan.consolidated[i]) {
      case 'R':
        counts.set_red(counts.red() + 1);
        break;
      case 'A':
        counts.set_amber(counts.amber() + 1);
        break;
      case 'G':
        counts.set_green(counts.green() + 1);
        break;
    }
  }
  return counts;
}

double Heat(const rv1::RatingCounts& c) {
  return (c.red() * 1.0 + c.amber() * 2.0 + c.green() * 3.0) / (c.red() + c.amber() + c.green());
}

const rv1::StepRow& Step(const rv1::AssessmentReport& report, int step) {
  return report.steps(step - 1);
}
// "s3.q2" → the row of that question.
const rv1::QuestionRow& Question(const rv1::AssessmentReport& report, const std::string& id) {
  int step = id[1] - '0', q = id[4] - '0';
  return report.steps(step - 1).questions(q - 1);
}

// A partners' self-assessment of 2025/26 in `partnership`, created as `token`.
absl::StatusOr<asv1::Assessment> CreateSelfAssessment(AStub& assessments, const std::string& token,
                                                      const std::string& partnership) {
  asv1::CreateAssessmentRequest request =
      RoundRequest(P(partnership), asv1::ASSESSMENT_KIND_SELF_ASSESSMENT, "Self-assessment");
  asv1::Assessment round;
  SIXSTEPS_RETURN_IF_ERROR(Call(assessments, &AStub::CreateAssessment, token, request, &round));
  return round;
}

// Partnership 1, first round: per step R/A/G = 1/1/2, 0/4/0, 2/1/1, 0/0/4, 4/0/0, 1/2/1
// (8 of each). Respondents disagree on s1.q1 (Green against Red: severe), s2.q2, s3.q3 and
// s5.q4. Actions of s1 and s3 are overdue as of kAsOf (s4's is due that very day, so not);
// s2's is completed after finalisation.
const RoundPlan kP1First = {
    "Scrutiny 2024/25",
    "2024-04-01",
    "2025-03-31",
    "GGAR"
    "AAAA"
    "RRGA"
    "GGGG"
    "RRRR"
    "AGRA",
    {{"health", {{"s2.q2", 'G'}, {"s3.q3", 'A'}, {"s5.q4", 'A'}}}, {"police", {{"s1.q1", 'R'}}}},
    {"2026-01-31", "2026-03-31", "2026-06-29", "2026-06-30", "2026-09-30", "2026-12-31"}};
// Partnership 1, second round: s1.q3, s5.q1 and s6.q1 improve; s3.q3 and s6.q4 get worse.
// Steps: s1 better, s2 same, s3 worse, s4 same, s5 better, s6 same (one up, one down).
// Everyone agrees. Only s5's action is overdue as of kAsOf.
const RoundPlan kP1Second = {
    "Scrutiny 2025/26",
    "2025-04-01",
    "2026-03-31",
    "GGGR"
    "AAAA"
    "RRAA"
    "GGGG"
    "ARRR"
    "GGRR",
    {},
    {"2027-03-31", "2027-03-31", "2027-03-31", "2027-03-31", "2026-05-31", "2027-03-31"}};
// Partnership 2: R/A/G 9/8/7. s1's action is overdue; s6's is cancelled after finalisation.
const RoundPlan kP2First = {
    "Scrutiny 2025",
    "2025-01-01",
    "2025-12-31",
    "RRRR"
    "AARR"
    "GGGG"
    "AAAA"
    "GARG"
    "RAGR",
    {},
    {"2026-04-30", "2026-12-31", "2026-12-31", "2026-12-31", "2026-12-31", "2026-12-31"}};

void ReportingTest::SetUpTestSuite() {
  world_ = new World();
  setup_ = Build(*world_);
}
void ReportingTest::TearDownTestSuite() {
  delete world_;
  world_ = nullptr;
}

absl::StatusOr<std::string> ReportingTest::NewUser(World& w, const std::string& email,
                                                   const std::vector<TestHub::Binding>& roles) {
  absl::StatusOr<std::string> token = w.hub->UserWithRoles(email, roles);
  if (!token.ok()) {
    return absl::Status(token.status().code(), absl::StrCat(email, ": ", token.status().message()));
  }
  return token;
}

absl::StatusOr<asv1::Assessment> ReportingTest::Get(World& w, const std::string& name) {
  asv1::GetAssessmentRequest request;
  request.set_name(name);
  asv1::Assessment round;
  SIXSTEPS_RETURN_IF_ERROR(Call(*w.assessments, &AStub::GetAssessment, w.admin, request, &round));
  return round;
}

// A whole round, as its people record it: the partnership administrator sets it up,
// each organisation's respondent answers every question, the scrutineer consolidates
// after submission, the administrator plans an action per step, the scrutineer
// finalises.
absl::StatusOr<asv1::Assessment> ReportingTest::Record(World& w, const std::string& p,
                                                       const RoundPlan& plan) {
  const std::string& admin = w.partnership_admin[p];
  asv1::Assessment round;
  {
    asv1::CreateAssessmentRequest request =
        RoundRequest(P(p), asv1::ASSESSMENT_KIND_INDEPENDENT_SCRUTINY, plan.title,
                     plan.period_start, plan.period_end);
    SIXSTEPS_RETURN_IF_ERROR(
        Call(*w.assessments, &AStub::CreateAssessment, admin, request, &round));
  }
  for (const std::string& org : kOrgs) {
    asv1::AddRespondentRequest add;
    add.set_parent(round.name());
    add.mutable_respondent()->set_organisation(Org(p, org));
    asv1::Respondent respondent;
    SIXSTEPS_RETURN_IF_ERROR(Call(*w.assessments, &AStub::AddRespondent, admin, add, &respondent));
    asv1::BatchUpsertResponsesRequest batch;
    batch.set_parent(round.name());
    for (int i = 0; i < 24; ++i) {
      char letter = plan.RatingOf(org, i);
      asv1::Response* response = batch.add_requests()->mutable_response();
      response->set_name(absl::StrCat(respondent.name(), "/responses/", QuestionId(i)));
      response->set_rating(Rate(letter));
      response->set_commentary(absl::StrCat(org, " on ", QuestionId(i)));
      if (letter != 'R') {
        asv1::EvidenceItem* item = response->add_evidence();
        item->set_description(absl::StrCat(org, "'s audit for ", QuestionId(i)));
        item->set_link(absl::StrCat("https://evidence.example/", p, "/", org, "/", i));
      }
      if (letter == 'A') response->set_remaining_work("Embed the new process");
    }
    asv1::BatchUpsertResponsesResponse written;
    SIXSTEPS_RETURN_IF_ERROR(
        Call(*w.assessments, &AStub::BatchUpsertResponses, w.respondent[p][org], batch, &written));
  }
  {
    SIXSTEPS_ASSIGN_OR_RETURN(asv1::Assessment current, Get(w, round.name()));
    asv1::SubmitAssessmentForReviewRequest request;
    request.set_name(round.name());
    request.set_etag(current.etag());
    SIXSTEPS_RETURN_IF_ERROR(
        Call(*w.assessments, &AStub::SubmitAssessmentForReview, admin, request, &round));
  }
  for (int i = 0; i < 24; ++i) {
    char letter = plan.consolidated[i];
    asv1::ConsolidateQuestionRequest request;
    request.set_parent(round.name());
    asv1::Consolidation* c = request.mutable_consolidation();
    c->set_question_id(QuestionId(i));
    c->set_rating(Rate(letter));
    c->set_rationale(absl::StrCat("Seen every partner's evidence on ", QuestionId(i)));
    if (letter != 'R') {
      c->add_evidence()->set_description(absl::StrCat("Scrutineer's case audit, ", QuestionId(i)));
    }
    if (letter == 'A')
      c->set_remaining_work(absl::StrCat("Finish the joint audit of ", QuestionId(i)));
    asv1::Consolidation written;
    SIXSTEPS_RETURN_IF_ERROR(
        Call(*w.assessments, &AStub::ConsolidateQuestion, w.scrutineer, request, &written));
  }
  std::vector<acv1::Action>& actions = w.plan[round.name()];
  for (int step = 1; step <= 6; ++step) {
    acv1::CreateActionRequest request;
    acv1::Action* action = request.mutable_action();
    action->set_assessment(round.name());
    action->set_step_id(StepId(step));
    for (int q = 1; q <= 4; ++q) action->add_question_ids(absl::StrCat("s", step, ".q", q));
    action->set_kind(acv1::Action::KIND_IMPROVEMENT);
    action->set_description(absl::StrCat("Improve step ", step, " (", plan.title, ")"));
    action->set_intended_outcome("Children are safer");
    action->set_owner_organisation(Org(p, OwnerOf(step)));
    action->set_due_date(plan.due[step - 1]);
    acv1::Action created;
    SIXSTEPS_RETURN_IF_ERROR(Call(*w.actions, &ActStub::CreateAction, admin, request, &created));
    actions.push_back(created);
  }
  {
    SIXSTEPS_ASSIGN_OR_RETURN(asv1::Assessment current, Get(w, round.name()));
    asv1::FinaliseAssessmentRequest request;
    request.set_name(round.name());
    request.set_etag(current.etag());
    SIXSTEPS_RETURN_IF_ERROR(
        Call(*w.assessments, &AStub::FinaliseAssessment, w.scrutineer, request, &round));
  }
  return round;
}

absl::Status ReportingTest::Build(World& w) {
  SIXSTEPS_ASSIGN_OR_RETURN(w.hub, TestHub::Start("reporting"));
  w.assessments = w.hub->AssessmentStub();
  w.actions = w.hub->ActionStub();
  w.admin = w.hub->admin_token();
  TestHub& hub = *w.hub;
  SIXSTEPS_RETURN_IF_ERROR(hub.CreateRegion(kRegion));
  SIXSTEPS_RETURN_IF_ERROR(hub.CreateRegion(kOtherRegion));
  const std::vector<std::pair<std::string, idv1::OrganisationKind>> kinds = {
      {"council", idv1::ORGANISATION_KIND_LOCAL_AUTHORITY},
      {"health", idv1::ORGANISATION_KIND_HEALTH},
      {"police", idv1::ORGANISATION_KIND_POLICE}};
  for (const char* p : {kP1, kP2}) {
    SIXSTEPS_RETURN_IF_ERROR(hub.CreatePartnership(p, kRegion));
    for (const auto& [org, kind] : kinds) {
      SIXSTEPS_RETURN_IF_ERROR(hub.CreateOrganisation(p, org, kind, true));
    }
  }
  {
    // Partnership 2 opts out of regional comparison, as the administrator.
    auto stub = hub.IdentityStub();
    idv1::GetPartnershipRequest read;
    read.set_name(P(kP2));
    idv1::UpdatePartnershipRequest request;
    SIXSTEPS_RETURN_IF_ERROR(Call(*stub, &idv1::IdentityService::Stub::GetPartnership, w.admin,
                                  read, request.mutable_partnership()));
    request.mutable_partnership()->set_regional_comparison_opt_out(true);
    request.mutable_update_mask()->add_paths("regional_comparison_opt_out");
    idv1::Partnership updated;
    SIXSTEPS_RETURN_IF_ERROR(
        Call(*stub, &idv1::IdentityService::Stub::UpdatePartnership, w.admin, request, &updated));
    if (!updated.regional_comparison_opt_out()) {
      return absl::InternalError("partnership 2 did not opt out");
    }
  }
  for (const char* p : {kP1, kP2}) {
    SIXSTEPS_ASSIGN_OR_RETURN(w.partnership_admin[p],
                              NewUser(w, absl::StrCat("admin@", p, ".test"),
                                      {{Role::ROLE_PARTNERSHIP_ADMINISTRATOR, P(p), ""}}));
    SIXSTEPS_ASSIGN_OR_RETURN(w.viewer[p], NewUser(w, absl::StrCat("viewer@", p, ".test"),
                                                   {{Role::ROLE_VIEWER, P(p), ""}}));
    for (const std::string& org : kOrgs) {
      SIXSTEPS_ASSIGN_OR_RETURN(w.respondent[p][org],
                                NewUser(w, absl::StrCat(org, "@", p, ".test"),
                                        {{Role::ROLE_PARTNER_RESPONDENT, P(p), Org(p, org)}}));
    }
  }
  SIXSTEPS_ASSIGN_OR_RETURN(w.scrutineer,
                            NewUser(w, "scrutineer@north.test",
                                    {{Role::ROLE_INDEPENDENT_SCRUTINEER, P(kP1), ""},
                                     {Role::ROLE_INDEPENDENT_SCRUTINEER, P(kP2), ""}}));
  const std::string region = absl::StrCat("regions/", kRegion);
  SIXSTEPS_ASSIGN_OR_RETURN(
      w.hub_admin, NewUser(w, "hub@north.test", {{Role::ROLE_HUB_ADMINISTRATOR, region, ""}}));
  SIXSTEPS_ASSIGN_OR_RETURN(
      w.dashboard, NewUser(w, "dashboard@north.test", {{Role::ROLE_DASHBOARD, region, ""}}));
  SIXSTEPS_ASSIGN_OR_RETURN(
      w.other_dashboard,
      NewUser(w, "dashboard@south.test",
              {{Role::ROLE_DASHBOARD, absl::StrCat("regions/", kOtherRegion), ""}}));

  // The first round, then reporting starts and catches up with it...
  SIXSTEPS_ASSIGN_OR_RETURN(w.p1_first, Record(w, kP1, kP1First));
  SIXSTEPS_RETURN_IF_ERROR(hub.StartReporting());
  SIXSTEPS_ASSIGN_OR_RETURN(w.first_head, hub.FeedHead());
  {
    rv1::GetAssessmentReportRequest request;
    request.set_assessment(w.p1_first.name());
    request.set_min_sequence(w.first_head);
    request.set_as_of_date(kAsOf);
    SIXSTEPS_RETURN_IF_ERROR(Call(*hub.ReportingStub(), &RStub::GetAssessmentReport, w.admin,
                                  request, &w.first_report_at_head, absl::Seconds(30)));
  }
  // ...and stops, half-way through the feed of the whole story.
  hub.StopReporting();

  SIXSTEPS_ASSIGN_OR_RETURN(w.p2_first, Record(w, kP2, kP2First));
  {
    // After finalisation the plan goes on: partnership 1's step 2 action is done,
    // partnership 2's step 6 action cancelled.
    // Each based on the action as it is now: the etag is required.
    acv1::GetActionRequest get;
    acv1::Action current;
    get.set_name(w.plan[w.p1_first.name()][1].name());
    SIXSTEPS_RETURN_IF_ERROR(
        Call(*w.actions, &ActStub::GetAction, w.partnership_admin[kP1], get, &current));
    acv1::CompleteActionRequest complete;
    complete.set_name(current.name());
    complete.set_etag(current.etag());
    complete.set_completion_note("Joint audit published");
    acv1::Action done;
    SIXSTEPS_RETURN_IF_ERROR(
        Call(*w.actions, &ActStub::CompleteAction, w.partnership_admin[kP1], complete, &done));
    get.set_name(w.plan[w.p2_first.name()][5].name());
    SIXSTEPS_RETURN_IF_ERROR(
        Call(*w.actions, &ActStub::GetAction, w.partnership_admin[kP2], get, &current));
    acv1::CancelActionRequest cancel;
    cancel.set_name(current.name());
    cancel.set_etag(current.etag());
    cancel.set_reason("Superseded by the regional training plan");
    acv1::Action cancelled;
    SIXSTEPS_RETURN_IF_ERROR(
        Call(*w.actions, &ActStub::CancelAction, w.partnership_admin[kP2], cancel, &cancelled));
  }
  SIXSTEPS_ASSIGN_OR_RETURN(w.p1_second, Record(w, kP1, kP1Second));

  // Started again: it resumes from its cursor. Also stopped at once once more, wherever
  // the catch-up has got to, and started again.
  SIXSTEPS_RETURN_IF_ERROR(hub.StartReporting());
  hub.StopReporting();
  SIXSTEPS_RETURN_IF_ERROR(hub.StartReporting());
  SIXSTEPS_ASSIGN_OR_RETURN(w.head, hub.FeedHead());
  {
    rv1::GetAssessmentReportRequest wait;
    wait.set_assessment(w.p1_second.name());
    wait.set_min_sequence(w.head);
    rv1::AssessmentReport ignored;
    SIXSTEPS_RETURN_IF_ERROR(Call(*hub.ReportingStub(), &RStub::GetAssessmentReport, w.admin, wait,
                                  &ignored, absl::Seconds(30)));
  }
  return absl::OkStatus();
}

// ---- Reports ----

grpc::Status ReportingTest::Report(const std::string& token, const std::string& assessment,
                                   rv1::AssessmentReport* report, int64_t min_sequence,
                                   absl::Duration timeout) {
  grpc::ClientContext context;
  Authorize(context, token);
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  rv1::GetAssessmentReportRequest request;
  request.set_assessment(assessment);
  request.set_min_sequence(min_sequence < 0 ? world_->head : min_sequence);
  request.set_as_of_date(kAsOf);
  return world_->hub->ReportingStub()->GetAssessmentReport(&context, request, report);
}

grpc::Status ReportingTest::Trend(const std::string& token, const std::string& partnership,
                                  rv1::PartnershipTrend* trend, const std::string& kind) {
  grpc::ClientContext context;
  Authorize(context, token);
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
  rv1::GetPartnershipTrendRequest request;
  request.set_partnership(partnership);
  request.set_kind(kind);
  request.set_min_sequence(world_->head);
  return world_->hub->ReportingStub()->GetPartnershipTrend(&context, request, trend);
}

grpc::Status ReportingTest::Region(const std::string& token, const std::string& region,
                                   rv1::RegionalOverview* overview) {
  grpc::ClientContext context;
  Authorize(context, token);
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
  rv1::GetRegionalOverviewRequest request;
  request.set_region(region);
  request.set_min_sequence(world_->head);
  request.set_as_of_date(kAsOf);
  return world_->hub->ReportingStub()->GetRegionalOverview(&context, request, overview);
}

grpc::Status ReportingTest::Tracker(const std::string& token, const std::string& scope,
                                    rv1::ActionTracker* tracker, int64_t min_sequence) {
  grpc::ClientContext context;
  Authorize(context, token);
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
  rv1::GetActionTrackerRequest request;
  request.set_scope(scope);
  request.set_min_sequence(min_sequence < 0 ? world_->head : min_sequence);
  request.set_as_of_date(kAsOf);
  return world_->hub->ReportingStub()->GetActionTracker(&context, request, tracker);
}

grpc::Status ReportingTest::Annual(const std::string& token, const std::string& assessment,
                                   rv1::AnnualReportSection* section) {
  grpc::ClientContext context;
  Authorize(context, token);
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
  rv1::GetAnnualReportSectionRequest request;
  request.set_assessment(assessment);
  request.set_min_sequence(world_->head);
  return world_->hub->ReportingStub()->GetAnnualReportSection(&context, request, section);
}

grpc::Status ReportingTest::Export(const std::string& token, rv1::ExportReportRequest request,
                                   rv1::Format format, rv1::ExportReportResponse* exported) {
  grpc::ClientContext context;
  Authorize(context, token);
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
  request.set_format(format);
  return world_->hub->ReportingStub()->ExportReport(&context, request, exported);
}

// The freshness every report states: at least the head it was asked for, with the time
// of that change and of the report.
void ReportingTest::ExpectFresh(const rv1::Freshness& freshness) {
  EXPECT_GE(freshness.sequence(), world_->head);
  EXPECT_GT(freshness.change_time().seconds(), 0);
  EXPECT_GT(freshness.report_time().seconds(), 0);
  EXPECT_GE(freshness.report_time().seconds(), freshness.change_time().seconds());
}

World* ReportingTest::world_ = nullptr;
absl::Status ReportingTest::setup_;

}  // namespace sixsteps::testing::reporting_fixture
