// Traces end to end (traces (H8)): a real hub in process, its JSON log lines read back to
// follow one request by its W3C trace id from the client through assessment to identity
// and framework, and from reporting's HTTP endpoint to assessment.
#include <gmock/gmock.h>
#include <grpcpp/client_context.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/common/log.h"
#include "services/common/server.h"
#include "services/common/trace_context.h"
#include "services/reporting/http_endpoint.h"
#include "services/reporting/render.h"
#include "services/reporting/reporting_service.h"
#include "tests/support/log_capture.h"
#include "tests/support/status_matchers.h"
#include "tests/support/test_hub.h"

namespace sixsteps::testing {
namespace {

namespace av1 = ::sixsteps::assessment::v1;
namespace idv1 = ::sixsteps::identity::v1;
using ::testing::Each;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;

constexpr char kTraceId[] = "4bf92f3577b34da6a3ce929d0e0e4736";
constexpr char kClientSpan[] = "00f067aa0ba902b7";
constexpr char kCreate[] = "/sixsteps.assessment.v1.AssessmentService/CreateAssessment";
constexpr char kGetPartnership[] = "/sixsteps.identity.v1.IdentityService/GetPartnership";
constexpr char kGetVersion[] = "/sixsteps.framework.v1.FrameworkService/GetFrameworkVersion";

std::vector<std::string> Field(const std::vector<nlohmann::json>& lines, const std::string& key) {
  std::vector<std::string> values;
  for (const auto& line : lines) values.push_back(line.value(key, ""));
  return values;
}

class TracePropagationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto hub = TestHub::Start("traces");
    ASSERT_THAT(hub, IsOk());
    hub_ = std::move(*hub);
    ASSERT_THAT(hub_->CreateRegion("north-east"), IsOk());
    ASSERT_THAT(hub_->CreatePartnership("sunderland", "north-east"), IsOk());
    auto admin = hub_->UserWithRoles(
        "admin@sunderland.test",
        {{auth::Role::ROLE_PARTNERSHIP_ADMINISTRATOR, "partnerships/sunderland", ""}});
    ASSERT_THAT(admin, IsOk());
    admin_ = *admin;
  }

  grpc::Status CreateRound(const std::string& traceparent, const std::string& title) {
    grpc::ClientContext context;
    Authorize(context, admin_);
    if (!traceparent.empty()) context.AddMetadata(trace::kTraceparentKey, traceparent);
    av1::Assessment created;
    return hub_->AssessmentStub()->CreateAssessment(
        &context,
        RoundRequest("partnerships/sunderland", av1::ASSESSMENT_KIND_SELF_ASSESSMENT, title),
        &created);
  }

  std::unique_ptr<TestHub> hub_;
  std::string admin_;
};

// The operator's view: grep the trace id, and find assessment's line and the lines of
// the calls it made to identity and framework on the caller's behalf, each its own span
// and a child of assessment's.
TEST_F(TracePropagationTest, OneTraceIdFollowsACallThroughAssessmentToIdentityAndFramework) {
  LogCapture logs;
  ASSERT_THAT(CreateRound(absl::StrCat("00-", kTraceId, "-", kClientSpan, "-01"), "2025 round"),
              IsOk());

  std::vector<nlohmann::json> traced = logs.With("trace_id", kTraceId);
  std::vector<nlohmann::json> created, downstream;
  for (const auto& line : traced) {
    if (line.value("method", "") == kCreate) created.push_back(line);
    if (line.value("method", "") == kGetPartnership || line.value("method", "") == kGetVersion) {
      downstream.push_back(line);
    }
  }
  ASSERT_THAT(created, SizeIs(1));
  EXPECT_EQ(created[0]["parent_span_id"], kClientSpan);
  const std::string assessment_span = created[0]["span_id"];
  EXPECT_NE(assessment_span, kClientSpan);
  // Both services answered within the same trace, as children of assessment's span, and
  // beside the same request id.
  std::vector<std::string> methods = Field(downstream, "method");
  EXPECT_THAT(methods, ::testing::Contains(kGetPartnership));
  EXPECT_THAT(methods, ::testing::Contains(kGetVersion));
  EXPECT_THAT(Field(downstream, "parent_span_id"), Each(assessment_span));
  EXPECT_THAT(Field(downstream, "request_id"), Each(created[0].value("request_id", "")));
  std::vector<std::string> spans = Field(traced, "span_id");
  std::sort(spans.begin(), spans.end());
  EXPECT_EQ(std::unique(spans.begin(), spans.end()), spans.end()) << "a span id was reused";
}

// No header, or one that is not a traceparent: the call starts a new trace, and what
// assessment calls on its behalf is still in that trace.
TEST_F(TracePropagationTest, WithoutAValidHeaderACallStartsANewTraceThatIsStillFollowed) {
  for (const std::string& sent : {std::string(), std::string("00-not-a-trace-01")}) {
    LogCapture logs;
    ASSERT_THAT(CreateRound(sent, absl::StrCat("round ", sent.size())), IsOk());
    std::vector<nlohmann::json> created = logs.With("method", kCreate);
    ASSERT_THAT(created, SizeIs(1));
    EXPECT_FALSE(created[0].contains("parent_span_id"));
    const std::string trace_id = created[0].value("trace_id", "");
    EXPECT_THAT(trace_id, SizeIs(32));
    EXPECT_NE(trace_id, kTraceId);
    std::vector<nlohmann::json> identity = logs.With("method", kGetPartnership);
    ASSERT_THAT(identity, Not(IsEmpty()));
    EXPECT_THAT(Field(identity, "trace_id"), Each(trace_id));
  }
}

// Channels made by DialService give a call made for no caller a trace of its own: the
// server's span then has that call as its parent.
TEST_F(TracePropagationTest, DialServiceChannelsSendATraceparentOnEveryCall) {
  auto channel = DialService(hub_->identity_target(), ServerConfig());
  ASSERT_THAT(channel, IsOk());
  LogCapture logs;
  grpc::ClientContext context;
  idv1::ListPublicKeysResponse keys;
  ASSERT_TRUE(idv1::IdentityService::NewStub(*channel)
                  ->ListPublicKeys(&context, idv1::ListPublicKeysRequest(), &keys)
                  .ok());
  std::vector<nlohmann::json> lines =
      logs.With("method", "/sixsteps.identity.v1.IdentityService/ListPublicKeys");
  ASSERT_THAT(lines, SizeIs(1));
  EXPECT_THAT(lines[0].value("parent_span_id", ""), SizeIs(16));
  EXPECT_THAT(lines[0].value("trace_id", ""), SizeIs(32));
}

// Reporting's HTTP endpoint takes the header too: its request line carries the trace, and
// the evidence download it makes on the caller's behalf reaches assessment in that trace.
TEST_F(TracePropagationTest, TheHttpEndpointContinuesTheTraceToAssessment) {
  auto assessment = DialService(hub_->assessment_target(), ServerConfig());
  ASSERT_THAT(assessment, IsOk());
  reporting::HttpEndpoint endpoint(
      hub_->token_verifier(),
      [](const auth::Caller&,
         const reporting::v1::ExportReportRequest&) -> absl::StatusOr<reporting::Rendered> {
        return absl::UnimplementedError("no reports here");
      });
  endpoint.ServeEvidenceFiles(*assessment);
  ASSERT_THAT(endpoint.Start("127.0.0.1", 0), IsOk());
  LogCapture logs;
  httplib::Client client("127.0.0.1", endpoint.port());
  httplib::Result response =
      client.Get("/v1/evidenceFiles/ef-0123456789abcdef/content",
                 {{"Authorization", absl::StrCat("Bearer ", admin_)},
                  {"traceparent", absl::StrCat("00-", kTraceId, "-", kClientSpan, "-00")}});
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 404);
  endpoint.Stop();

  std::vector<nlohmann::json> traced = logs.With("trace_id", kTraceId);
  std::vector<nlohmann::json> http = logs.With("event", "http_request");
  ASSERT_THAT(http, SizeIs(1));
  EXPECT_EQ(http[0]["trace_id"], kTraceId);
  EXPECT_EQ(http[0]["parent_span_id"], kClientSpan);
  std::vector<nlohmann::json> download =
      logs.With("method", "/sixsteps.assessment.v1.EvidenceFileService/DownloadEvidenceFile");
  ASSERT_THAT(download, SizeIs(1));
  EXPECT_EQ(download[0]["trace_id"], kTraceId);
  EXPECT_EQ(download[0]["parent_span_id"], http[0]["span_id"]);
}

}  // namespace
}  // namespace sixsteps::testing
