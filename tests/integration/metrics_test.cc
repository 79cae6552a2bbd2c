// Metrics and request ids end to end: a real hub in process, its calls scraped from
// GET /metrics over HTTP, and its JSON log lines read back to follow a request id from
// the client through assessment to identity.
#include <gmock/gmock.h>
#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "services/base/status_macros.h"
#include "services/common/log.h"
#include "services/common/metrics.h"
#include "services/common/server.h"
#include "tests/support/generic_call.h"
#include "tests/support/log_capture.h"
#include "tests/support/shared_hub.h"
#include "tests/support/status_matchers.h"
#include "tests/support/test_hub.h"

namespace sixsteps::testing {
namespace {

namespace av1 = ::sixsteps::assessment::v1;
namespace fv1 = ::sixsteps::framework::v1;
namespace idv1 = ::sixsteps::identity::v1;
using ::testing::Contains;
using ::testing::HasSubstr;

constexpr char kBuiltIn[] = "frameworks/six-steps/versions/2019";
constexpr char kFramework[] = "sixsteps.framework.v1.FrameworkService";
constexpr char kIdentity[] = "sixsteps.identity.v1.IdentityService";

// One scrape: series ("name{labels}") → value.
using Scrape = std::map<std::string, double>;

std::string Handled(const std::string& service, const std::string& method,
                    const std::string& code) {
  return absl::StrCat("grpc_server_handled_total{service=\"", service, "\",method=\"", method,
                      "\",code=\"", code, "\"}");
}
std::string LatencyCount(const std::string& service, const std::string& method) {
  return absl::StrCat("grpc_server_handling_seconds_count{service=\"", service, "\",method=\"",
                      method, "\"}");
}
std::string LatencyInf(const std::string& service, const std::string& method) {
  return absl::StrCat("grpc_server_handling_seconds_bucket{service=\"", service, "\",method=\"",
                      method, "\",le=\"+Inf\"}");
}
double Get(const Scrape& scrape, const std::string& series) {
  auto it = scrape.find(series);
  return it == scrape.end() ? 0 : it->second;
}

std::optional<std::string> ServerRequestId(const grpc::ClientContext& context) {
  const auto& metadata = context.GetServerInitialMetadata();
  auto it = metadata.find(kRequestIdKey);
  if (it == metadata.end()) return std::nullopt;
  return std::string(it->second.data(), it->second.size());
}

// The cases share one hub (support/shared_hub.h) and make their world themselves: nothing
// is kept but the hub. The metrics server is each case's own; counters are compared before
// and after, so what earlier cases counted does not matter.
struct NoPeople {};

class MetricsTest : public SharedHubTest<NoPeople> {
 protected:
  void SetUp() override {
    SetUpHub("metrics");
    if (HasFatalFailure()) return;
    ASSERT_THAT(metrics_.Start("127.0.0.1:0"), IsOk());
    ASSERT_GT(metrics_.port(), 0);
  }

  // Region north-east with the partnership sunderland; the access token of its
  // administrator.
  absl::StatusOr<std::string> SunderlandAdministrator() {
    SIXSTEPS_RETURN_IF_ERROR(hub_->CreateRegion("north-east"));
    SIXSTEPS_RETURN_IF_ERROR(hub_->CreatePartnership("sunderland", "north-east"));
    return hub_->UserWithRoles(
        "admin@sunderland.test",
        {{auth::Role::ROLE_PARTNERSHIP_ADMINISTRATOR, "partnerships/sunderland", ""}});
  }

  // GET /metrics over HTTP, parsed. Checks the format on the way: every family has its
  // HELP and TYPE lines before its samples.
  Scrape ScrapeMetrics() {
    httplib::Client client("127.0.0.1", metrics_.port());
    client.set_read_timeout(10, 0);
    httplib::Result response = client.Get("/metrics");
    EXPECT_TRUE(response) << "no answer from the metrics server";
    if (!response) return {};
    EXPECT_EQ(response->status, 200);
    EXPECT_THAT(response->get_header_value("Content-Type"), HasSubstr("version=0.0.4"));
    Scrape scrape;
    std::map<std::string, std::string> types;
    for (absl::string_view line : absl::StrSplit(response->body, '\n', absl::SkipEmpty())) {
      if (absl::StartsWith(line, "# TYPE ")) {
        std::vector<std::string> parts = absl::StrSplit(line, ' ');
        EXPECT_EQ(parts.size(), 4u) << line;
        if (parts.size() == 4) types[parts[2]] = parts[3];
        continue;
      }
      if (absl::StartsWith(line, "#")) continue;
      size_t space = line.rfind(' ');
      EXPECT_NE(space, absl::string_view::npos) << line;
      if (space == absl::string_view::npos) continue;
      std::string series(line.substr(0, space));
      std::string name = series.substr(0, series.find('{'));
      bool typed = types.count(name) != 0;
      for (const char* suffix : {"_bucket", "_sum", "_count"}) {
        if (absl::EndsWith(name, suffix)) {
          typed = typed || types.count(name.substr(0, name.size() - strlen(suffix))) != 0;
        }
      }
      EXPECT_TRUE(typed) << "no # TYPE before " << line;
      double value = 0;
      std::string text(line.substr(space + 1));
      if (text == "+Inf") {
        value = std::numeric_limits<double>::infinity();
      } else {
        EXPECT_TRUE(absl::SimpleAtod(text, &value)) << line;
      }
      scrape[series] = value;
    }
    return scrape;
  }

  grpc::Status GetFrameworkVersion(const std::string& name, const std::string& request_id = "",
                                   std::optional<std::string>* echoed = nullptr) {
    grpc::ClientContext context;
    Authorize(context, hub_->admin_token());
    if (!request_id.empty()) context.AddMetadata(kRequestIdKey, request_id);
    fv1::GetFrameworkVersionRequest request;
    request.set_name(name);
    fv1::FrameworkVersion version;
    grpc::Status status = hub_->FrameworkStub()->GetFrameworkVersion(&context, request, &version);
    if (echoed != nullptr) *echoed = ServerRequestId(context);
    return status;
  }

  grpc::Status GetPartnership(const std::string& id) {
    grpc::ClientContext context;
    Authorize(context, hub_->admin_token());
    idv1::GetPartnershipRequest request;
    request.set_name(absl::StrCat("partnerships/", id));
    idv1::Partnership partnership;
    return hub_->IdentityStub()->GetPartnership(&context, request, &partnership);
  }

  grpc::Status CreateRound(const std::string& token, const std::string& request_id,
                           std::optional<std::string>* echoed) {
    grpc::ClientContext context;
    Authorize(context, token);
    if (!request_id.empty()) context.AddMetadata(kRequestIdKey, request_id);
    av1::CreateAssessmentRequest request =
        RoundRequest("partnerships/sunderland", av1::ASSESSMENT_KIND_SELF_ASSESSMENT, "2025 round");
    av1::Assessment created;
    grpc::Status status = hub_->AssessmentStub()->CreateAssessment(&context, request, &created);
    *echoed = ServerRequestId(context);
    return status;
  }

  void MakePeople() override {}

  metrics::MetricsServer metrics_;
};

// Reporting follows the feed from the hub it starts on: a hub of the case's own.
class MetricsReportingTest : public MetricsTest {
 protected:
  bool SharesHub() const override { return false; }
};

TEST_F(MetricsTest, ScrapeShowsTheCallsJustMadeByMethodAndCode) {
  ASSERT_THAT(hub_->CreateRegion("north-east"), IsOk());
  ASSERT_THAT(hub_->CreatePartnership("sunderland", "north-east"), IsOk());
  Scrape before = ScrapeMetrics();

  EXPECT_THAT(GetFrameworkVersion(kBuiltIn), IsOk());
  EXPECT_THAT(GetFrameworkVersion(kBuiltIn), IsOk());
  EXPECT_THAT(GetFrameworkVersion("frameworks/nope/versions/1"),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(GetPartnership("sunderland"), IsOk());
  EXPECT_THAT(GetPartnership("nowhere"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(GetPartnership("nowhere"), StatusIs(absl::StatusCode::kNotFound));

  std::string ignored;
  EXPECT_THAT(
      GenericUnary(grpc::CreateChannel(hub_->identity_target(), grpc::InsecureChannelCredentials()),
                   "/sixsteps.nope.v1.Nope/Anything", "", &ignored),
      StatusIs(absl::StatusCode::kUnimplemented));

  Scrape after = ScrapeMetrics();
  auto delta = [&](const std::string& series) { return Get(after, series) - Get(before, series); };
  EXPECT_EQ(delta(Handled(kFramework, "GetFrameworkVersion", "OK")), 2);
  EXPECT_EQ(delta(Handled(kFramework, "GetFrameworkVersion", "NOT_FOUND")), 1);
  EXPECT_EQ(delta(Handled(kIdentity, "GetPartnership", "OK")), 1);
  EXPECT_EQ(delta(Handled(kIdentity, "GetPartnership", "NOT_FOUND")), 2);
  EXPECT_EQ(delta(Handled(kIdentity, "GetPartnership", "PERMISSION_DENIED")), 0);
  // A method nobody serves is counted under "unknown", not under the name the client sent.
  EXPECT_EQ(delta(Handled("unknown", "unknown", "UNIMPLEMENTED")), 1);
  // One latency observation per call, whatever its code.
  EXPECT_EQ(delta(LatencyCount(kFramework, "GetFrameworkVersion")), 3);
  EXPECT_EQ(delta(LatencyInf(kFramework, "GetFrameworkVersion")), 3);
  EXPECT_EQ(delta(LatencyCount(kIdentity, "GetPartnership")), 3);
  // The totals agree with the histogram's count, from the start of the process.
  EXPECT_EQ(Get(after, LatencyCount(kIdentity, "GetPartnership")),
            Get(after, Handled(kIdentity, "GetPartnership", "OK")) +
                Get(after, Handled(kIdentity, "GetPartnership", "NOT_FOUND")));
  // Health probes are neither logged nor counted.
  for (const auto& [series, value] : after) {
    EXPECT_THAT(series, ::testing::Not(HasSubstr("grpc.health")));
    EXPECT_THAT(series, ::testing::Not(HasSubstr("Nope")));
  }

  // Each service's pool reports its gauges, labelled with its database.
  int pools = 0;
  for (const auto& [series, value] : after) {
    if (!absl::StartsWith(series, "db_pool_max_connections{database=\"test_metrics_")) continue;
    ++pools;
    std::string labels = series.substr(series.find('{'));
    EXPECT_GT(value, 0) << series;
    EXPECT_LE(Get(after, "db_pool_open_connections" + labels), value) << series;
    // Connections open lazily: identity has served calls, so it has one at least.
    if (absl::StrContains(series, "_identity_")) {
      EXPECT_GE(Get(after, "db_pool_open_connections" + labels), 1) << series;
    }
    EXPECT_LE(Get(after, "db_pool_in_use_connections" + labels),
              Get(after, "db_pool_open_connections" + labels))
        << series;
  }
  EXPECT_GE(pools, 3);  // identity, framework, assessment

  httplib::Client client("127.0.0.1", metrics_.port());
  httplib::Result health = client.Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
}

TEST_F(MetricsTest, RequestIdIsLoggedAndEchoed) {
  LogCapture logs;
  std::optional<std::string> echoed;
  ASSERT_THAT(GetFrameworkVersion(kBuiltIn, "metrics-test-req-1", &echoed), IsOk());
  EXPECT_EQ(echoed, "metrics-test-req-1");
  std::vector<nlohmann::json> calls =
      logs.Calls(absl::StrCat("/", kFramework, "/GetFrameworkVersion"));
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0]["request_id"], "metrics-test-req-1");
  EXPECT_EQ(calls[0]["code"], "OK");

  // Without one (or with one that is not a sensible id), the server makes one and says so.
  for (const std::string& sent : {std::string(), std::string("bad id with spaces")}) {
    ASSERT_THAT(GetFrameworkVersion("frameworks/nope/versions/1", sent, &echoed),
                StatusIs(absl::StatusCode::kNotFound));
    ASSERT_TRUE(echoed.has_value()) << sent;
    EXPECT_EQ(echoed->size(), 16u) << *echoed;
    EXPECT_TRUE(IsValidRequestId(*echoed));
    calls = logs.Calls(absl::StrCat("/", kFramework, "/GetFrameworkVersion"));
    ASSERT_FALSE(calls.empty());
    EXPECT_EQ(calls.back()["request_id"], *echoed);
    EXPECT_EQ(calls.back()["code"], "NOT_FOUND");
  }
}

TEST_F(MetricsTest, AssessmentForwardsTheRequestIdToIdentityAndFramework) {
  absl::StatusOr<std::string> admin = SunderlandAdministrator();
  ASSERT_THAT(admin, IsOk());

  const std::string get_partnership = absl::StrCat("/", kIdentity, "/GetPartnership");
  const std::string get_version = absl::StrCat("/", kFramework, "/GetFrameworkVersion");
  const std::string create = "/sixsteps.assessment.v1.AssessmentService/CreateAssessment";

  // A client's id, and then one the assessment service made itself: either way identity's
  // and framework's lines for the calls made on the caller's behalf carry it.
  for (const std::string& sent : {std::string("round-req-42"), std::string()}) {
    LogCapture logs;
    std::optional<std::string> echoed;
    ASSERT_THAT(CreateRound(*admin, sent, &echoed), IsOk());
    ASSERT_TRUE(echoed.has_value());
    if (!sent.empty()) EXPECT_EQ(*echoed, sent);
    std::string id = *echoed;

    std::vector<nlohmann::json> created = logs.Calls(create);
    ASSERT_EQ(created.size(), 1u);
    EXPECT_EQ(created[0]["request_id"], id);
    std::vector<std::string> identity_ids;
    for (const auto& line : logs.Calls(get_partnership)) identity_ids.push_back(line["request_id"]);
    EXPECT_THAT(identity_ids, Contains(id));
    std::vector<std::string> framework_ids;
    for (const auto& line : logs.Calls(get_version)) framework_ids.push_back(line["request_id"]);
    EXPECT_THAT(framework_ids, Contains(id));
  }
}

TEST_F(MetricsReportingTest, ReportingReportsFeedLeaderSequenceAndLag) {
  absl::StatusOr<std::string> admin = SunderlandAdministrator();
  ASSERT_THAT(admin, IsOk());
  std::optional<std::string> echoed;
  ASSERT_THAT(CreateRound(*admin, "", &echoed), IsOk());
  absl::StatusOr<int64_t> head = hub_->FeedHead();
  ASSERT_THAT(head, IsOk());
  ASSERT_GT(*head, 0);

  ASSERT_THAT(hub_->StartReporting(), IsOk());
  absl::Time deadline = absl::Now() + absl::Seconds(60);
  Scrape scrape;
  while (absl::Now() < deadline) {
    scrape = ScrapeMetrics();
    if (Get(scrape, "sixsteps_feed_leader") == 1 &&
        Get(scrape, "sixsteps_feed_sequence") >= *head &&
        scrape.count("sixsteps_feed_lag_seconds") != 0 &&
        Get(scrape, "sixsteps_feed_lag_seconds") == 0) {
      break;
    }
    absl::SleepFor(absl::Milliseconds(100));
  }
  EXPECT_EQ(Get(scrape, "sixsteps_feed_leader"), 1);
  EXPECT_EQ(Get(scrape, "sixsteps_feed_sequence"), *head);
  ASSERT_EQ(scrape.count("sixsteps_feed_lag_seconds"), 1u);
  EXPECT_EQ(Get(scrape, "sixsteps_feed_lag_seconds"), 0);

  // Once the consumer is gone, so are its gauges.
  hub_->StopReporting();
  scrape = ScrapeMetrics();
  EXPECT_EQ(scrape.count("sixsteps_feed_leader"), 0u);
  EXPECT_EQ(scrape.count("sixsteps_feed_lag_seconds"), 0u);
}

}  // namespace
}  // namespace sixsteps::testing
