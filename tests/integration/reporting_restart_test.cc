// Reporting stopped half-way through the feed ends like a read model that never stopped
// (compared table by table), and serves reports while the assessment service is down.
#include <gmock/gmock.h>
#include <grpcpp/client_context.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "services/common/db.h"
#include "services/reporting/feed_consumer.h"
#include "services/reporting/read_model.h"
#include "services/reporting/reporting_service.h"
#include "tests/integration/reporting_fixture.h"

namespace sixsteps::testing::reporting_fixture {
namespace {

// ---- Read-model fingerprints ----

// Bookkeeping columns that say when something was written, not what.
bool Ignored(const std::string& table, const std::string& column) {
  return (table == "feed_cursor" && column == "update_time") ||
         (table == "partnerships" && column == "refresh_time") ||
         (table == "schema_migrations" && column == "applied_at");
}

struct TableFingerprint {
  int64_t count = 0;
  std::string md5;
  std::vector<std::string> rows;  // for a readable failure
  bool operator==(const TableFingerprint& other) const {
    return count == other.count && md5 == other.md5;
  }
};

// Every table of the database: its row count and the md5 of its rows (every column but
// the ignored ones) in a fixed order.
absl::StatusOr<std::map<std::string, TableFingerprint>> Fingerprint(const std::string& url) {
  std::map<std::string, TableFingerprint> tables;
  try {
    pqxx::connection connection(url);
    pqxx::read_transaction txn(connection);
    for (const pqxx::row& t :
         txn.exec("SELECT table_name FROM information_schema.tables WHERE table_schema = "
                  "'public' AND table_type = 'BASE TABLE' ORDER BY table_name")) {
      std::string table = t[0].as<std::string>();
      std::vector<std::string> columns;
      for (const pqxx::row& c : txn.exec_params(
               "SELECT column_name FROM information_schema.columns WHERE table_schema = "
               "'public' AND table_name = $1 ORDER BY ordinal_position",
               table)) {
        std::string column = c[0].as<std::string>();
        if (!Ignored(table, column)) columns.push_back(txn.quote_name(column));
      }
      std::string rows = absl::StrCat("SELECT ROW(", absl::StrJoin(columns, ", "),
                                      ")::text AS r FROM ", txn.quote_name(table));
      pqxx::result summary = txn.exec(absl::StrCat(
          "SELECT count(*), md5(coalesce(string_agg(r, E'\\n' ORDER BY r), '')) FROM (", rows,
          ") t"));
      TableFingerprint& fingerprint = tables[table];
      fingerprint.count = summary[0][0].as<int64_t>();
      fingerprint.md5 = summary[0][1].as<std::string>();
      for (const pqxx::row& r : txn.exec(absl::StrCat(rows, " ORDER BY r"))) {
        fingerprint.rows.push_back(r[0].as<std::string>());
      }
    }
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("fingerprint of ", url, ": ", e.what()));
  }
  return tables;
}

// ---- Restarted half-way, the same as never stopped ----

TEST_F(ReportingTest, ARestartedReadModelEndsLikeOneThatNeverStopped) {
  World& w = *world_;
  TestHub& hub = *w.hub;
  // A second read model that consumes the whole feed in one go, with the same account.
  absl::StatusOr<std::string> url = SharedPgCluster().CreateDatabase("reporting_uninterrupted");
  ASSERT_THAT(url, IsOk());
  ASSERT_THAT(db::ApplyMigrations(*url, reporting::ReportingMigrations()), IsOk());
  db::ConnectionPool pool(*url, 4, absl::Seconds(2));
  reporting::ReadModel model(&pool);
  reporting::GrpcUpstream upstream(Dial(hub.identity_target()), Dial(hub.framework_target()),
                                   hub.reporting_api_key());
  reporting::ConsumerOptions options;
  options.directory_refresh = absl::Seconds(2);
  options.standby_poll = absl::Milliseconds(100);
  reporting::FeedConsumer consumer(&model, &upstream, Dial(hub.assessment_target()), *url, options);
  consumer.Start();

  absl::StatusOr<int64_t> head = hub.FeedHead();
  ASSERT_THAT(head, IsOk());
  // Both wait for the head the way a report does.
  reporting::Reports reports(&model, absl::UTCTimeZone());
  auth::Caller caller;
  caller.principal = "users/test";
  caller.grants.push_back({Role::ROLE_HUB_ADMINISTRATOR, "*", "", ""});
  for (const asv1::Assessment* round : {&w.p1_first, &w.p1_second, &w.p2_first}) {
    rv1::GetAssessmentReportRequest request;
    request.set_assessment(round->name());
    request.set_min_sequence(*head);
    request.set_as_of_date(kAsOf);
    absl::StatusOr<rv1::AssessmentReport> whole =
        reports.Assessment(caller, request, absl::Now() + absl::Seconds(30));
    ASSERT_THAT(whole, IsOk());
    rv1::AssessmentReport restarted;
    ASSERT_THAT(Report(w.admin, round->name(), &restarted, *head), IsOk());
    // The same report but for when it was built.
    whole->mutable_freshness()->clear_report_time();
    restarted.mutable_freshness()->clear_report_time();
    EXPECT_THAT(restarted, EqualsProto(*whole)) << round->name();
  }
  consumer.Stop();

  absl::StatusOr<std::map<std::string, TableFingerprint>> restarted =
      Fingerprint(hub.reporting_database_url());
  absl::StatusOr<std::map<std::string, TableFingerprint>> uninterrupted = Fingerprint(*url);
  ASSERT_THAT(restarted, IsOk());
  ASSERT_THAT(uninterrupted, IsOk());
  std::vector<std::string> tables, other_tables;
  for (const auto& [table, fingerprint] : *restarted) tables.push_back(table);
  for (const auto& [table, fingerprint] : *uninterrupted) other_tables.push_back(table);
  ASSERT_EQ(tables, other_tables);
  for (const char* table : {"feed_cursor", "frameworks", "regions", "partnerships", "organisations",
                            "rounds", "respondents", "responses", "consolidations", "actions"}) {
    EXPECT_TRUE(restarted->count(table)) << table;
  }
  for (const std::string& table : tables) {
    const TableFingerprint& a = restarted->at(table);
    const TableFingerprint& b = uninterrupted->at(table);
    if (a == b) continue;
    std::string first_difference;
    for (size_t i = 0; i < std::max(a.rows.size(), b.rows.size()); ++i) {
      std::string x = i < a.rows.size() ? a.rows[i] : "(none)";
      std::string y = i < b.rows.size() ? b.rows[i] : "(none)";
      if (x != y) {
        first_difference = absl::StrCat("row ", i, ":\n  restarted:     ", x.substr(0, 400),
                                        "\n  uninterrupted: ", y.substr(0, 400));
        break;
      }
    }
    ADD_FAILURE() << table << ": " << a.count << " rows, md5 " << a.md5 << " against " << b.count
                  << " rows, md5 " << b.md5 << "\n"
                  << first_difference;
  }
  // The cursor is at the head in both, and the whole story is there.
  EXPECT_EQ(restarted->at("feed_cursor").count, 1);
  EXPECT_EQ(restarted->at("rounds").count, 3);
  EXPECT_EQ(restarted->at("respondents").count, 9);
  EXPECT_EQ(restarted->at("responses").count, 3 * 3 * 24);
  EXPECT_EQ(restarted->at("consolidations").count, 3 * 24);
  EXPECT_EQ(restarted->at("actions").count, 18);
  EXPECT_EQ(restarted->at("organisations").count, 6);
}

// ---- Serving without the assessment service ----

// Reports come from the read model alone: with the assessment service gone they are still
// served, as fresh as the read model is.
TEST(ReportingWithoutAssessmentTest, KeepsServingReportsWhileTheAssessmentServiceIsDown) {
  absl::StatusOr<std::unique_ptr<TestHub>> started = TestHub::Start("reporting_down");
  ASSERT_THAT(started, IsOk());
  TestHub& hub = **started;
  ASSERT_THAT(hub.CreateRegion("east"), IsOk());
  ASSERT_THAT(hub.CreatePartnership("quayside", "east"), IsOk());
  ASSERT_THAT(
      hub.CreateOrganisation("quayside", "council", idv1::ORGANISATION_KIND_LOCAL_AUTHORITY, true),
      IsOk());
  absl::StatusOr<std::string> admin = hub.UserWithRoles(
      "admin@quayside.test", {{Role::ROLE_PARTNERSHIP_ADMINISTRATOR, P("quayside"), ""}});
  absl::StatusOr<std::string> la = hub.UserWithRoles(
      "council@quayside.test",
      {{Role::ROLE_PARTNER_RESPONDENT, P("quayside"), Org("quayside", "council")}});
  ASSERT_THAT(admin, IsOk());
  ASSERT_THAT(la, IsOk());
  auto assessments = hub.AssessmentStub();
  absl::StatusOr<asv1::Assessment> created = CreateSelfAssessment(*assessments, *admin, "quayside");
  ASSERT_THAT(created, IsOk());
  asv1::Assessment round = *created;
  asv1::Respondent respondent;
  {
    asv1::AddRespondentRequest request;
    request.set_parent(round.name());
    request.mutable_respondent()->set_organisation(Org("quayside", "council"));
    ASSERT_THAT(Call(*assessments, &AStub::AddRespondent, *admin, request, &respondent), IsOk());
  }
  {
    asv1::UpsertResponseRequest request;
    request.mutable_response()->set_name(absl::StrCat(respondent.name(), "/responses/s1.q1"));
    request.mutable_response()->set_rating(fv1::RATING_RED);
    asv1::Response written;
    ASSERT_THAT(Call(*assessments, &AStub::UpsertResponse, *la, request, &written), IsOk());
  }
  ASSERT_THAT(hub.StartReporting(), IsOk());
  absl::StatusOr<int64_t> head = hub.FeedHead();
  ASSERT_THAT(head, IsOk());
  auto ask = [&](rv1::AssessmentReport* report) {
    grpc::ClientContext context;
    Authorize(context, *admin);
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
    rv1::GetAssessmentReportRequest request;
    request.set_assessment(round.name());
    request.set_min_sequence(*head);
    return hub.ReportingStub()->GetAssessmentReport(&context, request, report);
  };
  rv1::AssessmentReport before;
  ASSERT_THAT(ask(&before), IsOk());
  EXPECT_EQ(before.round_state(), asv1::Assessment::STATE_DRAFT);
  EXPECT_EQ(Question(before, "s1.q1").respondent_ratings(0).rating(), fv1::RATING_RED);
  EXPECT_EQ(before.completeness_percent(), 0);
  EXPECT_THAT(before.counts(), EqualsProto(Counts(0, 0, 0, 24)));

  hub.StopAssessment();
  {
    grpc::ClientContext context;
    Authorize(context, *admin);
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
    asv1::GetAssessmentRequest request;
    request.set_name(round.name());
    asv1::Assessment ignored;
    ASSERT_FALSE(assessments->GetAssessment(&context, request, &ignored).ok());
  }
  rv1::AssessmentReport after;
  ASSERT_THAT(ask(&after), IsOk());
  after.mutable_freshness()->clear_report_time();
  before.mutable_freshness()->clear_report_time();
  EXPECT_THAT(after, EqualsProto(before));
  {
    grpc::ClientContext context;
    Authorize(context, *admin);
    rv1::ExportReportRequest request;
    request.mutable_assessment()->set_assessment(round.name());
    request.set_format(rv1::FORMAT_CSV);
    rv1::ExportReportResponse exported;
    EXPECT_THAT(hub.ReportingStub()->ExportReport(&context, request, &exported), IsOk());
    EXPECT_THAT(ParseCsv(exported.content()), SizeIs(25));
  }
}

}  // namespace
}  // namespace sixsteps::testing::reporting_fixture
