// The read-only HTTP endpoint on 127.0.0.1:0 with real tokens (signed here with a test
// key), a fake key source and a fake report handler, driven by httplib::Client.
#include "services/reporting/http_endpoint.h"

#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/common/auth.h"
#include "services/common/jwt.h"
#include "tests/support/fake_keys.h"
#include "tests/support/report_samples.h"
#include "tests/support/status_matchers.h"

namespace sixsteps::reporting {
namespace {

using ::sixsteps::testing::FakeKeys;
using ::sixsteps::testing::IsOk;
using ::sixsteps::testing::VerifierTrusting;
using ::testing::HasSubstr;
using ::testing::StartsWith;

class ReportHttpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pair_ = jwt::GenerateEd25519KeyPair().value();
    verifier_ = VerifierTrusting(pair_.public_key, &keys_);
    caller_.principal = "users/u-0123456789abcdef";
    caller_.display_name = "Ada";
    caller_.grants.push_back({auth::Role::ROLE_VIEWER, "north-east", "", ""});
    token_ = Token(auth::ClaimsFor(caller_, absl::Now(), absl::Minutes(15), "jti-1"));

    endpoint_ = std::make_unique<HttpEndpoint>(
        verifier_.get(),
        [this](const auth::Caller& caller, const v1::ExportReportRequest& request) {
          return Handle(caller, request);
        });
    ASSERT_THAT(endpoint_->Start("127.0.0.1", 0), IsOk());
    ASSERT_GT(endpoint_->port(), 0);
    client_ = std::make_unique<httplib::Client>("127.0.0.1", endpoint_->port());
    client_->set_read_timeout(std::chrono::seconds(30));
  }
  void TearDown() override { endpoint_->Stop(); }

  std::string Token(const nlohmann::json& claims, const std::string& kid = "key-1") const {
    return jwt::Sign(claims, kid, pair_.private_key).value();
  }

  // The fake report service: the path id chooses the outcome.
  absl::StatusOr<Rendered> Handle(const auth::Caller& caller,
                                  const v1::ExportReportRequest& request) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      last_caller_ = caller;
      last_request_ = request;
      ++calls_;
    }
    std::string id;
    switch (request.report_case()) {
      case v1::ExportReportRequest::kAssessment:
        id = request.assessment().assessment();
        break;
      case v1::ExportReportRequest::kTrend:
        return Render(testing::SamplePartnershipTrend(), request.format());
      case v1::ExportReportRequest::kRegion:
        return Render(testing::SampleRegionalOverview(), request.format());
      case v1::ExportReportRequest::kActions:
        return Render(testing::SampleActionTracker(), request.format());
      case v1::ExportReportRequest::kAnnual:
        return Render(testing::SampleAnnualReportSection(), request.format());
      default:
        return absl::InvalidArgumentError("no report");
    }
    if (id == "assessments/missing") return absl::NotFoundError("assessment not found");
    if (id == "assessments/forbidden") return absl::PermissionDeniedError("not your partnership");
    if (id == "assessments/slow") return absl::DeadlineExceededError("read model behind");
    if (id == "assessments/down") return absl::UnavailableError("store down");
    if (id == "assessments/bad") return absl::InvalidArgumentError("bad as_of_date");
    if (id == "assessments/boom") return absl::InternalError("secret SQL detail");
    return Render(testing::SampleAssessmentReport(), request.format());
  }

  httplib::Result Get(const std::string& path, const std::string& token) {
    httplib::Headers headers;
    if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
    return client_->Get(path.c_str(), headers);
  }
  httplib::Result GetWithHeader(const std::string& path, const std::string& authorization) {
    return client_->Get(path.c_str(), httplib::Headers{{"Authorization", authorization}});
  }
  int Calls() {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_;
  }
  v1::ExportReportRequest LastRequest() {
    std::lock_guard<std::mutex> lock(mu_);
    return last_request_;
  }

  // The status `path` answers, asked with the test's token; 0 when no answer came.
  int StatusOf(const std::string& path) {
    httplib::Result res = Get(path, token_);
    return res ? res->status : 0;
  }
  // The body `path` answers, asked with the test's token; empty when no answer came.
  std::string BodyOf(const std::string& path) {
    httplib::Result res = Get(path, token_);
    EXPECT_TRUE(res) << path;
    return res ? res->body : "";
  }
  // The request the endpoint gave the handler for `path` (asked with the test's token),
  // which must answer 200.
  v1::ExportReportRequest RequestFor(const std::string& path) {
    httplib::Result res = Get(path, token_);
    EXPECT_TRUE(res && res->status == 200) << path << ": " << (res ? res->body : "no answer");
    return LastRequest();
  }

  static nlohmann::json ErrorOf(const httplib::Result& res) {
    return nlohmann::json::parse(res->body, nullptr, false);
  }
  // A refusal of `path` (asked with the test's token) as "<HTTP status> <the JSON error's
  // status name>", for example "404 NOT_FOUND".
  std::string RefusalOf(const std::string& path) {
    httplib::Result res = Get(path, token_);
    if (!res) return "no answer";
    nlohmann::json body = ErrorOf(res);
    if (!body.is_object()) return absl::StrCat(res->status, " (no JSON error)");
    const nlohmann::json& name = body["error"]["status"];
    return absl::StrCat(res->status, " ", name.is_string() ? name.get<std::string>() : "(none)");
  }

  jwt::KeyPair pair_;
  std::shared_ptr<FakeKeys> keys_;
  std::unique_ptr<auth::TokenVerifier> verifier_;
  auth::Caller caller_;
  std::string token_;
  std::unique_ptr<HttpEndpoint> endpoint_;
  std::unique_ptr<httplib::Client> client_;
  std::mutex mu_;
  auth::Caller last_caller_;
  v1::ExportReportRequest last_request_;
  int calls_ = 0;
};

TEST_F(ReportHttpTest, HealthzNeedsNoToken) {
  auto res = client_->Get("/healthz");
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "ok\n");
  EXPECT_EQ(res->get_header_value("Cache-Control"), "no-store");
}

TEST_F(ReportHttpTest, MissingOrBadTokenIs401) {
  const std::string path = "/v1/assessments/a-1/report";
  auto none = client_->Get(path.c_str());
  ASSERT_TRUE(none);
  EXPECT_EQ(none->status, 401);
  EXPECT_THAT(none->get_header_value("WWW-Authenticate"), StartsWith("Bearer"));
  EXPECT_EQ(ErrorOf(none)["error"]["status"], "UNAUTHENTICATED");
  EXPECT_THAT(none->get_header_value("Content-Type"), StartsWith("application/json"));

  auto garbage = Get(path, "not-a-token");
  ASSERT_TRUE(garbage);
  EXPECT_EQ(garbage->status, 401);
  EXPECT_THAT(garbage->get_header_value("WWW-Authenticate"), HasSubstr("invalid_token"));

  // Signed with a key identity does not know.
  jwt::KeyPair other = jwt::GenerateEd25519KeyPair().value();
  std::string forged = jwt::Sign(auth::ClaimsFor(caller_, absl::Now(), absl::Minutes(15), "jti-2"),
                                 "key-1", other.private_key)
                           .value();
  auto bad_signature = Get(path, forged);
  ASSERT_TRUE(bad_signature);
  EXPECT_EQ(bad_signature->status, 401);

  // Expired.
  auto expired = Get(path, Token(auth::ClaimsFor(caller_, absl::Now() - absl::Hours(2),
                                                 absl::Minutes(15), "jti-3")));
  ASSERT_TRUE(expired);
  EXPECT_EQ(expired->status, 401);

  // Another scheme.
  auto basic = GetWithHeader(path, "Basic dXNlcjpwYXNz");
  ASSERT_TRUE(basic);
  EXPECT_EQ(basic->status, 401);
  auto empty_bearer = GetWithHeader(path, "Bearer ");
  ASSERT_TRUE(empty_bearer);
  EXPECT_EQ(empty_bearer->status, 401);

  EXPECT_EQ(Calls(), 0) << "the handler never sees an unauthenticated request";
}

TEST_F(ReportHttpTest, IdentityDownIs503) {
  keys_->unavailable = true;
  EXPECT_EQ(RefusalOf("/v1/assessments/a-1/report"), "503 UNAVAILABLE");
}

TEST_F(ReportHttpTest, JsonByDefault) {
  auto res = Get("/v1/assessments/a-1/report?min_sequence=17&as_of_date=2024-05-01", token_);
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/json; charset=utf-8");
  EXPECT_EQ(res->get_header_value("Cache-Control"), "no-store");
  EXPECT_EQ(res->get_header_value("X-Content-Type-Options"), "nosniff");
  EXPECT_FALSE(res->has_header("Content-Disposition"));
  v1::AssessmentReport report;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(res->body, &report).ok());
  EXPECT_EQ(report.assessment(), "assessments/a-0123456789abcdef");
  EXPECT_EQ(report.round_kind(), assessment::v1::ASSESSMENT_KIND_INDEPENDENT_SCRUTINY);
  EXPECT_EQ(report.round_state(), assessment::v1::Assessment::STATE_FINALISED);

  v1::ExportReportRequest request = LastRequest();
  ASSERT_EQ(request.report_case(), v1::ExportReportRequest::kAssessment);
  EXPECT_EQ(request.assessment().assessment(), "assessments/a-1");
  EXPECT_EQ(request.assessment().min_sequence(), 17);
  EXPECT_EQ(request.assessment().as_of_date(), "2024-05-01");
  EXPECT_EQ(request.format(), v1::FORMAT_JSON);
  std::lock_guard<std::mutex> lock(mu_);
  EXPECT_EQ(last_caller_.principal, "users/u-0123456789abcdef");
  EXPECT_EQ(last_caller_.bearer_token, token_) << "forwarded for calls on the caller's behalf";
}

TEST_F(ReportHttpTest, ContentTypesPerFormat) {
  struct Case {
    std::string format;
    std::string content_type;
    std::string disposition;
  };
  const Case cases[] = {
      {"json", "application/json; charset=utf-8", ""},
      {"csv", "text/csv; charset=utf-8; header=present",
       "attachment; filename=\"assessment-a-0123456789abcdef.csv\""},
      {"html", "text/html; charset=utf-8", ""},
      {"md", "text/markdown; charset=utf-8", ""},
      {"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
       "attachment; filename=\"assessment-a-0123456789abcdef.xlsx\""},
      {"text", "text/plain; charset=utf-8", ""},
      {"pdf", "application/pdf", "attachment; filename=\"assessment-a-0123456789abcdef.pdf\""},
      {"docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
       "attachment; filename=\"assessment-a-0123456789abcdef.docx\""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.format);
    auto res = Get("/v1/assessments/a-1/report?format=" + c.format, token_);
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 200) << res->body;
    EXPECT_EQ(res->get_header_value("Content-Type"), c.content_type);
    EXPECT_EQ(res->get_header_value("Content-Disposition"), c.disposition);
    EXPECT_EQ(res->get_header_value("X-Content-Type-Options"), "nosniff");
    EXPECT_FALSE(res->body.empty());
  }
  EXPECT_THAT(BodyOf("/v1/assessments/a-1/report?format=xlsx"), StartsWith("PK"));
  EXPECT_THAT(BodyOf("/v1/assessments/a-1/report?format=pdf"), StartsWith("%PDF-"));
  EXPECT_THAT(BodyOf("/v1/assessments/a-1/report?format=docx"), StartsWith("PK"));
  auto html = Get("/v1/assessments/a-1/report?format=html", token_);
  ASSERT_TRUE(html);
  EXPECT_THAT(html->get_header_value("Content-Security-Policy"), HasSubstr("default-src 'none'"));
  EXPECT_THAT(html->body, HasSubstr("&lt;script&gt;"));
}

TEST_F(ReportHttpTest, BadQueryIs400) {
  EXPECT_EQ(RefusalOf("/v1/assessments/a-1/report?format=odt"), "400 INVALID_ARGUMENT");
  EXPECT_EQ(StatusOf("/v1/assessments/a-1/report?min_sequence=abc"), 400);
  EXPECT_EQ(StatusOf("/v1/assessments/a-1/report?min_sequence=-1"), 400);
  EXPECT_EQ(Calls(), 0);
}

TEST_F(ReportHttpTest, HandlerErrorsMapToHttpStatuses) {
  const std::pair<std::string, int> cases[] = {{"missing", 404}, {"forbidden", 403}, {"slow", 504},
                                               {"down", 503},    {"bad", 400},       {"boom", 500}};
  for (const auto& [id, status] : cases) {
    SCOPED_TRACE(id);
    auto res = Get("/v1/assessments/" + id + "/report", token_);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, status);
    nlohmann::json body = ErrorOf(res);
    EXPECT_EQ(body["error"]["code"], status);
    EXPECT_EQ(res->get_header_value("Cache-Control"), "no-store");
  }
  auto forbidden = Get("/v1/assessments/forbidden/report", token_);
  EXPECT_EQ(ErrorOf(forbidden)["error"]["status"], "PERMISSION_DENIED");
  EXPECT_EQ(ErrorOf(forbidden)["error"]["message"], "not your partnership");
  auto boom = Get("/v1/assessments/boom/report", token_);
  EXPECT_THAT(boom->body, ::testing::Not(HasSubstr("secret")))
      << "internal details stay in the log";
}

TEST_F(ReportHttpTest, EveryRouteBuildsItsRequest) {
  auto trend = Get(
      "/v1/partnerships/sunderland/trend?kind=self_assessment&min_sequence=3&format=csv", token_);
  ASSERT_TRUE(trend);
  ASSERT_EQ(trend->status, 200) << trend->body;
  EXPECT_EQ(trend->get_header_value("Content-Disposition"),
            "attachment; filename=\"trend-sunderland-independent_scrutiny.csv\"");
  v1::ExportReportRequest r = LastRequest();
  ASSERT_EQ(r.report_case(), v1::ExportReportRequest::kTrend);
  EXPECT_EQ(r.trend().partnership(), "partnerships/sunderland");
  EXPECT_EQ(r.trend().kind(), "self_assessment");
  EXPECT_EQ(r.trend().min_sequence(), 3);
  EXPECT_EQ(r.format(), v1::FORMAT_CSV);

  r = RequestFor("/v1/regions/north-east/overview?as_of_date=2024-01-31&format=html");
  ASSERT_EQ(r.report_case(), v1::ExportReportRequest::kRegion);
  EXPECT_EQ(r.region().region(), "regions/north-east");
  EXPECT_EQ(r.region().as_of_date(), "2024-01-31");

  r = RequestFor("/v1/partnerships/sunderland/actions?format=md");
  ASSERT_EQ(r.report_case(), v1::ExportReportRequest::kActions);
  EXPECT_EQ(r.actions().scope(), "partnerships/sunderland");
  EXPECT_EQ(r.format(), v1::FORMAT_MARKDOWN);

  r = RequestFor("/v1/regions/north-east/actions?format=xlsx");
  EXPECT_EQ(r.actions().scope(), "regions/north-east");

  auto annual = Get("/v1/assessments/a-9/annual-report?format=md&min_sequence=8", token_);
  ASSERT_TRUE(annual);
  ASSERT_EQ(annual->status, 200);
  r = LastRequest();
  ASSERT_EQ(r.report_case(), v1::ExportReportRequest::kAnnual);
  EXPECT_EQ(r.annual().assessment(), "assessments/a-9");
  EXPECT_EQ(r.annual().min_sequence(), 8);
  EXPECT_THAT(annual->body, HasSubstr("## Independent scrutiny 2024"));
}

TEST_F(ReportHttpTest, UnknownRoutesAndMethods) {
  EXPECT_EQ(RefusalOf("/v1/assessments/a-1/nothing"), "404 NOT_FOUND");
  EXPECT_EQ(StatusOf("/v1/assessments/a/b/report"), 404);
  auto post = client_->Post("/v1/assessments/a-1/report", "{}", "application/json");
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 405);
  EXPECT_EQ(post->get_header_value("Allow"), "GET, HEAD");
}

TEST_F(ReportHttpTest, StopClosesThePort) {
  int port = endpoint_->port();
  endpoint_->Stop();
  EXPECT_EQ(endpoint_->port(), 0);
  httplib::Client again("127.0.0.1", port);
  again.set_connection_timeout(std::chrono::seconds(2));
  auto res = again.Get("/healthz");
  EXPECT_FALSE(res) << "still answering after Stop";
  endpoint_->Stop();  // idempotent
  // And it can start again on a fresh port.
  EXPECT_THAT(endpoint_->Start("127.0.0.1", 0), IsOk());
  httplib::Client fresh("127.0.0.1", endpoint_->port());
  auto ok = fresh.Get("/healthz");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
}

TEST_F(ReportHttpTest, StartTwiceFailsAndBadHostFails) {
  EXPECT_THAT(endpoint_->Start("127.0.0.1", 0),
              testing::StatusIs(absl::StatusCode::kFailedPrecondition));
  HttpEndpoint other(verifier_.get(), [](const auth::Caller&, const v1::ExportReportRequest&) {
    return absl::StatusOr<Rendered>(absl::UnimplementedError("unused"));
  });
  EXPECT_THAT(other.Start("127.0.0.1", endpoint_->port()),
              testing::StatusIs(absl::StatusCode::kUnavailable))
      << "the port is taken";
}

// ---- Slow clients (issue #13, finding 8) ----

// A TCP connection to 127.0.0.1:`port` from `source` (any 127.x.y.z is this machine, so
// two source addresses are two clients to the server). -1 if it fails.
int ConnectFrom(const char* source, int port) {
  int sock = socket(AF_INET, SOCK_STREAM, 0);
  if (sock < 0) return -1;
  sockaddr_in from{};
  from.sin_family = AF_INET;
  inet_pton(AF_INET, source, &from.sin_addr);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
  if (bind(sock, reinterpret_cast<sockaddr*>(&from), sizeof(from)) != 0 ||
      connect(sock, reinterpret_cast<sockaddr*>(&to), sizeof(to)) != 0) {
    close(sock);
    return -1;
  }
  return sock;
}

// What the server sends before closing, read for at most `bound`.
std::string ReadUntilClosed(int sock, absl::Duration bound) {
  std::string out;
  const absl::Time give_up = absl::Now() + bound;
  char buffer[4096];
  while (absl::Now() < give_up) {
    pollfd fd{sock, POLLIN, 0};
    if (poll(&fd, 1, 100) <= 0) continue;
    ssize_t n = recv(sock, buffer, sizeof(buffer), 0);
    if (n <= 0) break;
    out.append(buffer, static_cast<size_t>(n));
  }
  return out;
}

// One whole GET from `source`, answered within 30 s (bounded); the raw response.
std::string RawGet(const char* source, int port, const std::string& path,
                   const std::string& token) {
  int sock = ConnectFrom(source, port);
  if (sock < 0) return "connect failed";
  std::string request =
      absl::StrCat("GET ", path, " HTTP/1.1\r\nHost: 127.0.0.1\r\n", "Authorization: Bearer ",
                   token, "\r\nConnection: close\r\n\r\n");
  send(sock, request.data(), request.size(), MSG_NOSIGNAL);
  std::string response = ReadUntilClosed(sock, absl::Seconds(30));
  close(sock);
  return response;
}

// The attack: one client opens as many connections as the endpoint has workers and sends
// each request line a byte every 200 ms, well inside the 10 s per-read timeout. Before the
// fix 8 such connections took every worker and nobody else was answered; now the client
// holds at most its cap, the rest are refused at once, another client is served, and the
// slow ones are cut at the request deadline although they never stop sending.
TEST_F(ReportHttpTest, SlowClientsCannotHoldEveryWorker) {
  endpoint_->Stop();
  HttpLimits limits;
  limits.workers = 16;
  limits.max_connections_per_client = 4;
  limits.request_timeout = absl::Seconds(8);
  endpoint_ = std::make_unique<HttpEndpoint>(
      verifier_.get(),
      [this](const auth::Caller& caller, const v1::ExportReportRequest& request) {
        return Handle(caller, request);
      },
      limits);
  ASSERT_THAT(endpoint_->Start("127.0.0.1", 0), IsOk());
  const int port = endpoint_->port();

  const std::string line = "GET /v1/assessments/a-1/report HTTP/1.1\r\n";
  struct Slow {
    int sock = -1;
    std::string received;
    bool closed = false;
  };
  std::vector<Slow> slow(static_cast<size_t>(limits.workers));
  for (Slow& s : slow) {
    s.sock = ConnectFrom("127.0.0.1", port);
    ASSERT_GE(s.sock, 0);
  }
  std::mutex mu;
  std::atomic<bool> stop{false};
  // Sends one more byte on every open connection each 200 ms, and notes what comes back;
  // at most 30 s (then the test has failed anyway).
  std::thread trickler([&] {
    const absl::Time give_up = absl::Now() + absl::Seconds(30);
    for (size_t sent = 0; !stop && absl::Now() < give_up; ++sent) {
      {
        std::lock_guard<std::mutex> lock(mu);
        for (Slow& s : slow) {
          if (s.closed) continue;
          char buffer[1024];
          ssize_t n;
          while ((n = recv(s.sock, buffer, sizeof(buffer), MSG_DONTWAIT)) > 0) {
            s.received.append(buffer, static_cast<size_t>(n));
          }
          if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
            s.closed = true;
            continue;
          }
          // Never the whole line: the request must stay unfinished.
          char byte = line[sent % (line.size() - 2)];
          if (send(s.sock, &byte, 1, MSG_NOSIGNAL) != 1) s.closed = true;
        }
      }
      absl::SleepFor(absl::Milliseconds(200));
    }
  });
  auto count = [&](auto predicate) {
    std::lock_guard<std::mutex> lock(mu);
    return std::count_if(slow.begin(), slow.end(), predicate);
  };
  // Beyond its cap the client is refused at once (bounded wait: 10 s).
  const long over_cap = limits.workers - limits.max_connections_per_client;
  for (absl::Time until = absl::Now() + absl::Seconds(10);
       count([](const Slow& s) { return s.closed; }) < over_cap && absl::Now() < until;) {
    absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_EQ(
      count([](const Slow& s) { return s.closed && absl::StartsWith(s.received, "HTTP/1.1 429"); }),
      over_cap);

  // Another client is answered while the slow ones are held...
  std::string other = RawGet("127.0.0.2", port, "/v1/assessments/a-1/report", token_);
  EXPECT_THAT(other, StartsWith("HTTP/1.1 200"));
  EXPECT_THAT(other, HasSubstr("\"assessment\""));
  // ...and the slow client itself gets no more than its cap.
  std::string same = RawGet("127.0.0.1", port, "/v1/assessments/a-1/report", token_);
  EXPECT_THAT(same, StartsWith("HTTP/1.1 429"));

  // The connections it holds are cut at the deadline, though they never stopped sending
  // (bounded wait: 25 s).
  for (absl::Time until = absl::Now() + absl::Seconds(25);
       count([](const Slow& s) { return s.closed; }) < limits.workers && absl::Now() < until;) {
    absl::SleepFor(absl::Milliseconds(100));
  }
  stop = true;
  trickler.join();
  EXPECT_EQ(count([](const Slow& s) { return s.closed; }), limits.workers);
  for (Slow& s : slow) close(s.sock);
  // The endpoint is whole again: the same client is served.
  std::string after = RawGet("127.0.0.1", port, "/v1/assessments/a-1/report", token_);
  EXPECT_THAT(after, StartsWith("HTTP/1.1 200"));
}

TEST(HttpLimitsTest, OneClientCannotBeAllowedEveryWorker) {
  HttpLimits limits;
  EXPECT_THAT(ValidateHttpLimits(limits), IsOk());
  EXPECT_GT(limits.workers, limits.max_connections_per_client);
  limits.max_connections_per_client = limits.workers;
  EXPECT_THAT(ValidateHttpLimits(limits), testing::StatusIs(absl::StatusCode::kInvalidArgument,
                                                            "http_max_connections_per_client"));
  limits = HttpLimits();
  limits.request_timeout = absl::ZeroDuration();
  EXPECT_THAT(ValidateHttpLimits(limits),
              testing::StatusIs(absl::StatusCode::kInvalidArgument, "http_request_timeout"));
  limits = HttpLimits();
  limits.workers = 1;
  EXPECT_THAT(ValidateHttpLimits(limits),
              testing::StatusIs(absl::StatusCode::kInvalidArgument, "http_workers"));
}

}  // namespace
}  // namespace sixsteps::reporting
