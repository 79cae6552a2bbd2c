// Following the feed: min_sequence (visibility first, bounded waits), a removed respondent
// leaving the read model, and a burst of writes applied exactly as last written. Each test
// starts its own hub.
#include <gmock/gmock.h>
#include <grpcpp/client_context.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <map>
#include <memory>
#include <pqxx/pqxx>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "services/reporting/feed_consumer.h"
#include "services/reporting/http_endpoint.h"
#include "services/reporting/render.h"
#include "services/reporting/reporting_service.h"
#include "tests/integration/reporting_fixture.h"

namespace sixsteps::testing::reporting_fixture {
namespace {

// ---- min_sequence (issue #13, findings 9 and 13) ----

// The attack: any signed-in principal asked for a report it may not see (or that does not
// exist) at min_sequence=9e18 and held a worker for 30 s before a 504. Now what the caller
// may see is decided first (NOT_FOUND at once), a position beyond every change is
// OUT_OF_RANGE at once, only max_waiters calls wait at once, and the 504 names no feed
// position. Over gRPC and over HTTP.
TEST(ReportingMinSequenceTest, VisibilityComesFirstAndWaitsAreBounded) {
  absl::StatusOr<std::unique_ptr<TestHub>> started = TestHub::Start("reporting_min_sequence");
  ASSERT_THAT(started, IsOk());
  TestHub& hub = **started;
  hub.set_reporting_max_waiters(2);
  ASSERT_THAT(hub.CreateRegion("east"), IsOk());
  ASSERT_THAT(hub.CreatePartnership("quayside", "east"), IsOk());
  ASSERT_THAT(hub.CreatePartnership("harbour", "east"), IsOk());
  absl::StatusOr<std::string> admin = hub.UserWithRoles(
      "admin@quayside.test", {{Role::ROLE_PARTNERSHIP_ADMINISTRATOR, P("quayside"), ""}});
  absl::StatusOr<std::string> outsider = hub.UserWithRoles(
      "admin@harbour.test", {{Role::ROLE_PARTNERSHIP_ADMINISTRATOR, P("harbour"), ""}});
  ASSERT_THAT(admin, IsOk());
  ASSERT_THAT(outsider, IsOk());
  auto assessments = hub.AssessmentStub();
  absl::StatusOr<asv1::Assessment> round = CreateSelfAssessment(*assessments, *admin, "quayside");
  ASSERT_THAT(round, IsOk());
  ASSERT_THAT(hub.StartReporting(), IsOk());
  absl::StatusOr<int64_t> head = hub.FeedHead();
  ASSERT_THAT(head, IsOk());
  auto ask = [&](const std::string& token, const std::string& assessment, int64_t min_sequence) {
    grpc::ClientContext context;
    Authorize(context, token);
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(60)));
    rv1::GetAssessmentReportRequest request;
    request.set_assessment(assessment);
    request.set_min_sequence(min_sequence);
    rv1::AssessmentReport report;
    return hub.ReportingStub()->GetAssessmentReport(&context, request, &report);
  };
  ASSERT_THAT(ask(*admin, round->name(), *head), IsOk());

  constexpr int64_t kFarBeyond = 9'000'000'000'000'000'000;
  EXPECT_THAT(ask(*admin, "assessments/a-doesnotexist", kFarBeyond), StatusIs(Code::kNotFound));
  EXPECT_THAT(ask(*outsider, round->name(), kFarBeyond), StatusIs(Code::kNotFound));
  EXPECT_THAT(ask(*admin, round->name(), kFarBeyond), StatusIs(Code::kOutOfRange, "min_sequence"));

  // The same reports over HTTP, each waiting at most 2 s.
  reporting::HttpEndpoint endpoint(
      hub.token_verifier(),
      [&hub](const auth::Caller& caller,
             const rv1::ExportReportRequest& request) -> absl::StatusOr<reporting::Rendered> {
        SIXSTEPS_ASSIGN_OR_RETURN(
            reporting::Reports::Export exported,
            hub.reports()->Render(caller, request, absl::Now() + absl::Seconds(2)));
        return reporting::Rendered{exported.content, exported.content_type, exported.filename};
      });
  ASSERT_THAT(endpoint.Start("127.0.0.1", 0), IsOk());
  httplib::Client client("127.0.0.1", endpoint.port());
  client.set_read_timeout(std::chrono::seconds(60));
  auto http_get = [&](const std::string& token, const std::string& path) {
    return client.Get(path.c_str(), httplib::Headers{{"Authorization", "Bearer " + token}});
  };
  const std::string round_path = absl::StrCat("/v1/", round->name(), "/report?min_sequence=");
  auto missing =
      http_get(*admin, "/v1/assessments/a-doesnotexist/report?min_sequence=9000000000000000000");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  auto hidden = http_get(*outsider, absl::StrCat(round_path, kFarBeyond));
  ASSERT_TRUE(hidden);
  EXPECT_EQ(hidden->status, 404);
  auto beyond = http_get(*admin, absl::StrCat(round_path, kFarBeyond));
  ASSERT_TRUE(beyond);
  EXPECT_EQ(beyond->status, 400);
  EXPECT_THAT(beyond->body, HasSubstr("min_sequence"));

  // A position the feed has reached but the read model has not (its consumer stopped):
  // callers wait, at most two at once.
  hub.feed_consumer()->Stop();
  {
    asv1::UpdateAssessmentRequest update;
    *update.mutable_assessment() = *round;
    update.mutable_assessment()->set_title("Renamed while reporting is paused");
    update.mutable_update_mask()->add_paths("title");
    asv1::Assessment renamed;
    ASSERT_THAT(Call(*assessments, &AStub::UpdateAssessment, *admin, update, &renamed), IsOk());
  }
  absl::StatusOr<int64_t> moved = hub.FeedHead();
  ASSERT_THAT(moved, IsOk());
  ASSERT_GT(*moved, *head);
  absl::StatusOr<auth::Caller> caller = hub.token_verifier()->Verify(*admin, absl::Now());
  ASSERT_THAT(caller, IsOk());
  std::vector<absl::Status> results(3);
  std::vector<std::thread> waiters;
  for (absl::Status& result : results) {
    waiters.emplace_back([&, &result = result] {
      rv1::GetAssessmentReportRequest request;
      request.set_assessment(round->name());
      request.set_min_sequence(*moved);
      result = hub.reports()->Assessment(*caller, request, absl::Now() + absl::Seconds(4)).status();
    });
  }
  for (std::thread& t : waiters) t.join();
  auto count = [&](absl::StatusCode code) {
    return std::count_if(results.begin(), results.end(),
                         [code](const absl::Status& s) { return s.code() == code; });
  };
  EXPECT_EQ(count(Code::kDeadlineExceeded), 2);
  EXPECT_EQ(count(Code::kResourceExhausted), 1);
  // The 504 says the report is behind, not where the deployment's feed is.
  auto behind = http_get(*admin, absl::StrCat(round_path, *moved));
  ASSERT_TRUE(behind);
  EXPECT_EQ(behind->status, 504);
  const std::string message =
      nlohmann::json::parse(behind->body, nullptr, false).value("/error/message"_json_pointer, "");
  EXPECT_THAT(message, HasSubstr("not yet up to date"));
  EXPECT_TRUE(std::none_of(message.begin(), message.end(), [](unsigned char c) {
    return std::isdigit(c);
  })) << message;
  endpoint.Stop();
}

// A respondent removed from a round (one that had answered nothing) leaves the read model
// too: the feed says so.
TEST(ReportingRespondentsTest, ARemovedRespondentLeavesTheReadModel) {
  absl::StatusOr<std::unique_ptr<TestHub>> started = TestHub::Start("reporting_removed");
  ASSERT_THAT(started, IsOk());
  TestHub& hub = **started;
  auto id_of = [](const std::string& name) { return name.substr(name.rfind('/') + 1); };
  ASSERT_THAT(hub.CreateRegion("west"), IsOk());
  ASSERT_THAT(hub.CreatePartnership("harbour", "west"), IsOk());
  for (const char* org : {"council", "police"}) {
    ASSERT_THAT(
        hub.CreateOrganisation("harbour", org, idv1::ORGANISATION_KIND_LOCAL_AUTHORITY, true),
        IsOk());
  }
  absl::StatusOr<std::string> admin = hub.UserWithRoles(
      "admin@harbour.test", {{Role::ROLE_PARTNERSHIP_ADMINISTRATOR, P("harbour"), ""}});
  ASSERT_THAT(admin, IsOk());
  auto assessments = hub.AssessmentStub();
  absl::StatusOr<asv1::Assessment> round = CreateSelfAssessment(*assessments, *admin, "harbour");
  ASSERT_THAT(round, IsOk());
  std::vector<asv1::Respondent> respondents;
  for (const char* org : {"council", "police"}) {
    asv1::AddRespondentRequest request;
    request.set_parent(round->name());
    request.mutable_respondent()->set_organisation(Org("harbour", org));
    ASSERT_THAT(
        Call(*assessments, &AStub::AddRespondent, *admin, request, &respondents.emplace_back()),
        IsOk());
  }
  ASSERT_THAT(hub.StartReporting(), IsOk());
  auto read_model_respondents = [&] {
    std::vector<std::string> ids;
    pqxx::connection connection(hub.reporting_database_url());
    pqxx::work txn(connection);
    for (const pqxx::row& row :
         txn.exec_params("SELECT respondent_id FROM respondents WHERE assessment_id = $1 "
                         "ORDER BY respondent_id",
                         id_of(round->name()))) {
      ids.push_back(row[0].as<std::string>());
    }
    return ids;
  };
  auto report_at_head = [&] {
    absl::StatusOr<int64_t> head = hub.FeedHead();
    ASSERT_THAT(head, IsOk());
    grpc::ClientContext context;
    context.AddMetadata("authorization", absl::StrCat("Bearer ", *admin));
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
    rv1::GetAssessmentReportRequest request;
    request.set_assessment(round->name());
    request.set_min_sequence(*head);
    rv1::AssessmentReport report;
    ASSERT_THAT(hub.ReportingStub()->GetAssessmentReport(&context, request, &report), IsOk());
  };
  report_at_head();
  EXPECT_THAT(read_model_respondents(), SizeIs(2));

  asv1::DeleteRespondentRequest remove;
  remove.set_name(respondents[1].name());
  google::protobuf::Empty empty;
  ASSERT_THAT(Call(*assessments, &AStub::DeleteRespondent, *admin, remove, &empty), IsOk());
  report_at_head();
  EXPECT_THAT(read_model_respondents(), ElementsAre(id_of(respondents[0].name())));
}

// ---- A burst of writes while the consumer follows the feed ----

// Hundreds of changes made as fast as the assessment service takes them, while the
// consumer follows the live feed (applying several at a time in one transaction, and
// leaving the stream every two seconds): the read model ends at the head with every
// response as last written — none lost, none out of order.

TEST(ReportingBurstTest, AppliesABurstOfWritesExactlyAsLastWritten) {
  absl::StatusOr<std::unique_ptr<TestHub>> started = TestHub::Start("reporting_burst");
  ASSERT_THAT(started, IsOk());
  TestHub& hub = **started;
  ASSERT_THAT(hub.CreateRegion("west"), IsOk());
  ASSERT_THAT(hub.CreatePartnership("riverside", "west"), IsOk());
  const std::vector<std::pair<std::string, idv1::OrganisationKind>> orgs = {
      {"council", idv1::ORGANISATION_KIND_LOCAL_AUTHORITY},
      {"health", idv1::ORGANISATION_KIND_HEALTH},
      {"police", idv1::ORGANISATION_KIND_POLICE}};
  for (const auto& [org, kind] : orgs) {
    ASSERT_THAT(hub.CreateOrganisation("riverside", org, kind, true), IsOk());
  }
  absl::StatusOr<std::string> admin = hub.UserWithRoles(
      "admin@riverside.test", {{Role::ROLE_PARTNERSHIP_ADMINISTRATOR, P("riverside"), ""}});
  ASSERT_THAT(admin, IsOk());
  auto assessments = hub.AssessmentStub();
  absl::StatusOr<asv1::Assessment> created =
      CreateSelfAssessment(*assessments, *admin, "riverside");
  ASSERT_THAT(created, IsOk());
  asv1::Assessment round = *created;
  std::vector<std::string> respondents, tokens;
  for (const auto& [org, kind] : orgs) {
    absl::StatusOr<std::string> token =
        hub.UserWithRoles(absl::StrCat(org, "@riverside.test"),
                          {{Role::ROLE_PARTNER_RESPONDENT, P("riverside"), Org("riverside", org)}});
    ASSERT_THAT(token, IsOk());
    tokens.push_back(*token);
    asv1::AddRespondentRequest request;
    request.set_parent(round.name());
    request.mutable_respondent()->set_organisation(Org("riverside", org));
    asv1::Respondent respondent;
    ASSERT_THAT(Call(*assessments, &AStub::AddRespondent, *admin, request, &respondent), IsOk());
    respondents.push_back(respondent.name());
  }

  // Following the live feed before the burst begins.
  ASSERT_THAT(hub.StartReporting(), IsOk());
  for (absl::Time give_up = absl::Now() + absl::Seconds(60);
       !hub.feed_consumer()->is_caught_up() && absl::Now() < give_up;) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  ASSERT_TRUE(hub.feed_consumer()->is_caught_up());

  // Pass p rates question i of organisation o "RAG"[(p + o + i) % 3], so each pass
  // changes every answer; the commentary names the pass.
  auto response = [&](int pass, int o, int i, const std::string& etag) {
    char letter = "RAG"[(pass + o + i) % 3];
    asv1::Response r;
    r.set_name(absl::StrCat(respondents[o], "/responses/", QuestionId(i)));
    r.set_rating(Rate(letter));
    r.set_commentary(absl::StrCat("pass ", pass));
    if (letter != 'R') r.add_evidence()->set_description(absl::StrCat("audit, pass ", pass));
    if (letter == 'A') r.set_remaining_work("Embed the new process");
    r.set_etag(etag);
    return r;
  };
  std::map<std::string, std::string> etag;  // by response name
  constexpr int kBatchedPasses = 4;
  for (int pass = 0; pass < kBatchedPasses; ++pass) {
    for (int o = 0; o < static_cast<int>(orgs.size()); ++o) {
      asv1::BatchUpsertResponsesRequest batch;
      batch.set_parent(round.name());
      for (int i = 0; i < 24; ++i) {
        std::string name = absl::StrCat(respondents[o], "/responses/", QuestionId(i));
        *batch.add_requests()->mutable_response() = response(pass, o, i, etag[name]);
      }
      asv1::BatchUpsertResponsesResponse written;
      ASSERT_THAT(Call(*assessments, &AStub::BatchUpsertResponses, tokens[o], batch, &written),
                  IsOk());
      for (const asv1::Response& r : written.responses()) etag[r.name()] = r.etag();
    }
  }
  // A last pass of the first organisation's answers one call at a time.
  for (int i = 0; i < 24; ++i) {
    asv1::UpsertResponseRequest request;
    std::string name = absl::StrCat(respondents[0], "/responses/", QuestionId(i));
    *request.mutable_response() = response(kBatchedPasses, 0, i, etag[name]);
    asv1::Response written;
    ASSERT_THAT(Call(*assessments, &AStub::UpsertResponse, tokens[0], request, &written), IsOk());
    etag[written.name()] = written.etag();
  }
  auto last_pass = [&](int o) { return o == 0 ? kBatchedPasses : kBatchedPasses - 1; };

  absl::StatusOr<int64_t> head = hub.FeedHead();
  ASSERT_THAT(head, IsOk());
  rv1::AssessmentReport report;
  {
    grpc::ClientContext context;
    Authorize(context, *admin);
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(60)));
    rv1::GetAssessmentReportRequest request;
    request.set_assessment(round.name());
    request.set_min_sequence(*head);
    ASSERT_THAT(hub.ReportingStub()->GetAssessmentReport(&context, request, &report), IsOk());
  }
  // Nothing written after the head, so the read model stops exactly there.
  EXPECT_EQ(report.freshness().sequence(), *head);
  for (int i = 0; i < 24; ++i) {
    const rv1::QuestionRow& q = Question(report, QuestionId(i));
    ASSERT_THAT(q.respondent_ratings(), SizeIs(orgs.size())) << q.question_id();
    std::map<std::string, fv1::Rating> by_label;
    for (const rv1::RespondentRating& r : q.respondent_ratings()) by_label[r.label()] = r.rating();
    for (int o = 0; o < static_cast<int>(orgs.size()); ++o) {
      EXPECT_EQ(by_label[absl::StrCat("Organisation ", orgs[o].first)],
                Rate("RAG"[(last_pass(o) + o + i) % 3]))
          << q.question_id() << " " << orgs[o].first;
    }
  }

  // Every stored response is its last version, each exactly once.
  try {
    pqxx::connection connection(hub.reporting_database_url());
    pqxx::read_transaction txn(connection);
    EXPECT_EQ(txn.exec("SELECT sequence FROM feed_cursor WHERE id = 1")[0][0].as<int64_t>(), *head);
    pqxx::result rows = txn.exec("SELECT record FROM responses");
    EXPECT_EQ(rows.size(), orgs.size() * 24);
    std::set<std::string> seen;
    for (const pqxx::row& row : rows) {
      asv1::Response stored;
      ASSERT_TRUE(stored.ParseFromString(pqxx::binarystring(row[0]).str()));
      EXPECT_TRUE(seen.insert(stored.name()).second) << stored.name();
      int o = std::find(respondents.begin(), respondents.end(),
                        stored.name().substr(0, stored.name().rfind("/responses/"))) -
              respondents.begin();
      ASSERT_LT(o, static_cast<int>(orgs.size())) << stored.name();
      EXPECT_EQ(stored.commentary(), absl::StrCat("pass ", last_pass(o))) << stored.name();
      EXPECT_EQ(stored.etag(), etag[stored.name()]) << stored.name();
    }
  } catch (const std::exception& e) {
    FAIL() << e.what();
  }
}

}  // namespace
}  // namespace sixsteps::testing::reporting_fixture
