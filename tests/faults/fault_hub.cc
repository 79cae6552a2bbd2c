#include "tests/faults/fault_hub.h"

#include <gmock/gmock.h>
#include <google/protobuf/util/message_differencer.h>
#include <grpcpp/create_channel.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <pqxx/pqxx>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "services/base/status_macros.h"
#include "services/reporting/read_model.h"
#include "tests/support/feed_checks.h"
#include "tests/support/paths.h"
#include "tests/support/pg_cluster.h"
#include "tests/support/service_command_line.h"

namespace sixsteps::testing {
namespace {

namespace av1 = ::sixsteps::assessment::v1;
namespace rv1 = ::sixsteps::reporting::v1;
namespace fv1 = ::sixsteps::framework::v1;
using auth::Role;

constexpr char kRegion[] = "fault-region";
constexpr char kPartnershipId[] = "fault-p";
constexpr char kPartnership[] = "partnerships/fault-p";
// A call made while setting up or checking: the services are up, but the machine is loaded.
constexpr absl::Duration kCallDeadline = absl::Seconds(60);

std::string Org(const std::string& id) { return absl::StrCat(kPartnership, "/organisations/", id); }

absl::Status FromGrpc(const grpc::Status& status, absl::string_view what) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      absl::StrCat(what, ": ", status.error_message()));
}

template <typename Stub, typename Request, typename Response>
absl::Status Must(Stub& stub,
                  grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
                  const std::string& token, const Request& request, Response* response,
                  absl::string_view what) {
  grpc::ClientContext context;
  Authorize(context, token);
  context.set_deadline(absl::ToChronoTime(absl::Now() + kCallDeadline));
  return FromGrpc((stub.*method)(&context, request, response), what);
}

av1::Respondent OrgRespondent(const std::string& org) {
  av1::Respondent respondent;
  respondent.set_organisation(Org(org));
  return respondent;
}

}  // namespace

absl::StatusOr<AckedWriteTargets> MakeFaultWorld(TestHub& hub) {
  SIXSTEPS_RETURN_IF_ERROR(hub.CreateRegion(kRegion));
  SIXSTEPS_RETURN_IF_ERROR(hub.CreatePartnership(kPartnershipId, kRegion));
  SIXSTEPS_RETURN_IF_ERROR(hub.CreateOrganisation(
      kPartnershipId, "council", identity::v1::ORGANISATION_KIND_LOCAL_AUTHORITY, true));
  SIXSTEPS_RETURN_IF_ERROR(hub.CreateOrganisation(kPartnershipId, "health",
                                                  identity::v1::ORGANISATION_KIND_HEALTH, true));
  AckedWriteTargets t;
  t.assessment_target = hub.assessment_target();
  SIXSTEPS_ASSIGN_OR_RETURN(
      t.admin_token, hub.UserWithRoles("admin@fault.test",
                                       {{Role::ROLE_PARTNERSHIP_ADMINISTRATOR, kPartnership, ""}}));
  SIXSTEPS_ASSIGN_OR_RETURN(
      t.batch_token, hub.UserWithRoles("council@fault.test", {{Role::ROLE_PARTNER_RESPONDENT,
                                                               kPartnership, Org("council")}}));
  SIXSTEPS_ASSIGN_OR_RETURN(
      t.single_token, hub.UserWithRoles("health@fault.test", {{Role::ROLE_PARTNER_RESPONDENT,
                                                               kPartnership, Org("health")}}));
  t.owner_organisation = Org("council");

  // The open round, and a round answered in full and submitted for review.
  auto stub = hub.AssessmentStub();
  av1::Assessment open, review;
  SIXSTEPS_RETURN_IF_ERROR(
      Must(*stub, &av1::AssessmentService::Stub::CreateAssessment, t.admin_token,
           RoundRequest(kPartnership, av1::ASSESSMENT_KIND_SELF_ASSESSMENT, "Round under faults"),
           &open, "creating the open round"));
  SIXSTEPS_RETURN_IF_ERROR(Must(*stub, &av1::AssessmentService::Stub::CreateAssessment,
                                t.admin_token,
                                RoundRequest(kPartnership, av1::ASSESSMENT_KIND_SELF_ASSESSMENT,
                                             "Round in review", "2024-04-01", "2025-03-31"),
                                &review, "creating the review round"));
  t.round = open.name();
  t.review_round = review.name();
  av1::Respondent added;
  av1::AddRespondentRequest add;
  add.set_parent(open.name());
  *add.mutable_respondent() = OrgRespondent("council");
  SIXSTEPS_RETURN_IF_ERROR(Must(*stub, &av1::AssessmentService::Stub::AddRespondent, t.admin_token,
                                add, &added, "adding the council"));
  t.batch_respondent = added.name();
  *add.mutable_respondent() = OrgRespondent("health");
  SIXSTEPS_RETURN_IF_ERROR(Must(*stub, &av1::AssessmentService::Stub::AddRespondent, t.admin_token,
                                add, &added, "adding health"));
  t.single_respondent = added.name();
  add.set_parent(review.name());
  *add.mutable_respondent() = OrgRespondent("council");
  SIXSTEPS_RETURN_IF_ERROR(Must(*stub, &av1::AssessmentService::Stub::AddRespondent, t.admin_token,
                                add, &added, "adding the council to the review round"));
  av1::BatchUpsertResponsesRequest batch;
  batch.set_parent(review.name());
  for (int step = 1; step <= 6; ++step) {
    for (int q = 1; q <= 4; ++q) {
      av1::Response* r = batch.add_requests()->mutable_response();
      r->set_name(absl::StrCat(added.name(), "/responses/s", step, ".q", q));
      r->set_rating(fv1::RATING_RED);
    }
  }
  av1::BatchUpsertResponsesResponse answered;
  SIXSTEPS_RETURN_IF_ERROR(Must(*stub, &av1::AssessmentService::Stub::BatchUpsertResponses,
                                t.batch_token, batch, &answered, "answering the review round"));
  av1::GetAssessmentRequest get;
  get.set_name(review.name());
  SIXSTEPS_RETURN_IF_ERROR(Must(*stub, &av1::AssessmentService::Stub::GetAssessment, t.admin_token,
                                get, &review, "reading the review round"));
  av1::SubmitAssessmentForReviewRequest submit;
  submit.set_name(review.name());
  submit.set_etag(review.etag());
  SIXSTEPS_RETURN_IF_ERROR(Must(*stub, &av1::AssessmentService::Stub::SubmitAssessmentForReview,
                                t.admin_token, submit, &review, "submitting the review round"));

  return t;
}

absl::Status DurableCommits(const PgCluster& cluster) {
  try {
    {
      pqxx::connection connection(cluster.ConnectionString("postgres"));
      pqxx::nontransaction query(connection);
      query.exec("ALTER SYSTEM SET synchronous_commit = on");
      query.exec("SELECT pg_reload_conf()");
    }
    // The reload is a signal: the postmaster and then each session take it in their time.
    // A new session shows when it has.
    for (absl::Time give_up = absl::Now() + absl::Seconds(60);;
         absl::SleepFor(absl::Milliseconds(100))) {
      pqxx::connection connection(cluster.ConnectionString("postgres"));
      pqxx::nontransaction query(connection);
      if (query.exec("SHOW synchronous_commit")[0][0].as<std::string>() == "on") break;
      if (absl::Now() > give_up) return absl::InternalError("synchronous_commit is still off");
    }
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("cannot turn synchronous_commit on: ", e.what()));
  }
  return absl::OkStatus();
}

void ExpectLoadHeld(AckedWriteLoad& load, const std::string& title,
                    const std::vector<std::string>& allowed) {
  AckedWriteFigures f;
  std::vector<std::string> problems = load.Verify(&f);
  std::vector<std::string> failures, writers;
  for (const auto& [code, count] : f.failures) failures.push_back(absl::StrCat(code, " ", count));
  for (const auto& [writer, count] : f.acknowledged_by_writer) {
    writers.push_back(absl::StrCat(writer, " ", count));
    EXPECT_GT(count, 0) << writer << " never acknowledged";
  }
  std::printf(
      "%s: attempted %lld, acknowledged %lld (%s), acknowledged and found %lld, not "
      "acknowledged but complete %lld, not acknowledged and absent %lld; failures: %s\n",
      title.c_str(), static_cast<long long>(f.attempted), static_cast<long long>(f.acknowledged),
      absl::StrJoin(writers, ", ").c_str(), static_cast<long long>(f.acknowledged_found),
      static_cast<long long>(f.unacknowledged_complete),
      static_cast<long long>(f.unacknowledged_absent),
      failures.empty() ? "none" : absl::StrJoin(failures, ", ").c_str());
  EXPECT_THAT(problems, ::testing::IsEmpty());
  EXPECT_EQ(f.acknowledged_found, f.acknowledged);
  for (const auto& [writer_code, message] : f.first_failures) {
    const std::string code = writer_code.substr(writer_code.find(' ') + 1);
    EXPECT_THAT(allowed, ::testing::Contains(code)) << writer_code << ": " << message;
  }
}

absl::StatusOr<std::unique_ptr<FaultHub>> FaultHub::Start(const std::string& name) {
  auto fault = std::unique_ptr<FaultHub>(new FaultHub());
  SIXSTEPS_ASSIGN_OR_RETURN(fault->hub_, TestHub::Start(name));
  TestHub& hub = *fault->hub_;
  SIXSTEPS_ASSIGN_OR_RETURN(fault->targets_, MakeFaultWorld(hub));
  AckedWriteTargets& t = fault->targets_;
  // The reporting account, its key and database, as scripts/hub makes them; then the services
  // as processes on the databases (the in-process assessment and reporting stop serving).
  SIXSTEPS_RETURN_IF_ERROR(hub.StartReporting());
  hub.StopReporting();
  hub.StopAssessment();
  fault->database_urls_ = {{"identity", hub.identity_database_url()},
                           {"framework", hub.framework_database_url()},
                           {"assessment", hub.assessment_database_url()},
                           {"reporting", hub.reporting_database_url()}};
  for (const char* service : kServices) {
    SIXSTEPS_ASSIGN_OR_RETURN(
        fault->processes_[service],
        fault->StartService(service, "127.0.0.1:0", fault->database_urls_[service]));
  }
  t.assessment_target = fault->target("assessment");
  return fault;
}

FaultHub::~FaultHub() {
  // Reporting and assessment first: they call the others.
  for (auto it = std::rbegin(kServices); it != std::rend(kServices); ++it) processes_.erase(*it);
}

absl::StatusOr<std::unique_ptr<ServiceProcess>> FaultHub::StartService(
    const std::string& service, const std::string& listen, const std::string& database_url) {
  auto [args, env] = HubServiceCommandLine(
      service, ServiceBinary(service), listen, database_url, "1s",
      [this](const std::string& s) { return target(s); }, TestHub::kKeyEncryptionSecret,
      hub_->reporting_api_key());
  return ServiceProcess::Start(std::move(args), std::move(env),
                               absl::StrCat("fault_", service, "_", restarts_++));
}

absl::Status FaultHub::KillAndRestart(const std::string& service) {
  std::unique_ptr<ServiceProcess>& process = processes_.at(service);
  const std::string listen = process->target();
  process->Kill();
  process.reset();
  SIXSTEPS_ASSIGN_OR_RETURN(process, StartService(service, listen, database_urls_[service]));
  return absl::OkStatus();
}

grpc::Status FaultHub::ReadRound() const {
  auto stub = av1::AssessmentService::NewStub(
      grpc::CreateChannel(target("assessment"), grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  Authorize(context, targets_.admin_token);
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
  av1::GetAssessmentRequest request;
  request.set_name(targets_.round);
  av1::Assessment round;
  return stub->GetAssessment(&context, request, &round);
}

absl::StatusOr<int64_t> FaultHub::CheckFeed() const {
  return CheckFeedAt(target("assessment"), hub_->admin_token());
}

absl::Status FaultHub::CheckReadModel(int64_t head) {
  // A new reporting process reading the whole feed into an empty database.
  SIXSTEPS_ASSIGN_OR_RETURN(std::string rebuild_url,
                            SharedPgCluster().CreateMigratedDatabase(
                                "fault_rebuild", "reporting", reporting::ReportingMigrations()));
  SIXSTEPS_ASSIGN_OR_RETURN(std::unique_ptr<ServiceProcess> rebuilt,
                            StartService("reporting", "127.0.0.1:0", rebuild_url));
  // Each report, from the reporting service that lived through the faults and from the new
  // one, at the feed's head (min_sequence waits for it). When each was built differs.
  auto reports = [&](const std::string& target, std::vector<std::string>* out) -> absl::Status {
    auto stub = rv1::ReportingService::NewStub(
        grpc::CreateChannel(target, grpc::InsecureChannelCredentials()));
    for (const std::string& round : {targets_.round, targets_.review_round}) {
      rv1::GetAssessmentReportRequest request;
      request.set_assessment(round);
      request.set_min_sequence(head);
      request.set_as_of_date("2026-01-01");
      rv1::AssessmentReport report;
      SIXSTEPS_RETURN_IF_ERROR(Must(*stub, &rv1::ReportingService::Stub::GetAssessmentReport,
                                    hub_->admin_token(), request, &report, "an assessment report"));
      report.mutable_freshness()->clear_report_time();
      out->push_back(report.DebugString());
    }
    rv1::GetActionTrackerRequest request;
    request.set_scope(kPartnership);
    request.set_min_sequence(head);
    request.set_as_of_date("2026-01-01");
    rv1::ActionTracker tracker;
    SIXSTEPS_RETURN_IF_ERROR(Must(*stub, &rv1::ReportingService::Stub::GetActionTracker,
                                  hub_->admin_token(), request, &tracker, "the action tracker"));
    tracker.mutable_freshness()->clear_report_time();
    out->push_back(tracker.DebugString());
    return absl::OkStatus();
  };
  std::vector<std::string> survived, from_scratch;
  SIXSTEPS_RETURN_IF_ERROR(reports(target("reporting"), &survived));
  SIXSTEPS_RETURN_IF_ERROR(reports(rebuilt->target(), &from_scratch));
  for (size_t i = 0; i < survived.size(); ++i) {
    if (survived[i] != from_scratch[i]) {
      return absl::DataLossError(absl::StrCat("report ", i, " differs from the rebuild:\n",
                                              survived[i], "\n---- rebuilt ----\n",
                                              from_scratch[i]));
    }
  }
  return absl::OkStatus();
}

uint64_t FaultSeed() {
  uint64_t seed = 0;
  const char* text = std::getenv("SIXSTEPS_FAULT_SEED");
  if (text == nullptr || !absl::SimpleAtoi(text, &seed)) {
    seed = static_cast<uint64_t>(absl::ToUnixMicros(absl::Now()));
  }
  std::printf("SIXSTEPS_FAULT_SEED=%llu\n", static_cast<unsigned long long>(seed));
  return seed;
}

}  // namespace sixsteps::testing
