// sixsteps-reporting: reports for partnerships, hubs and dashboards from a read model that
// follows the assessment service's change feed; gRPC, and a read-only HTTP endpoint.
// `migrate` and `provision-database` run a setup step instead (services/common/setup_commands.h).
#include <cstdio>
#include <fstream>
#include <optional>
#include <string>

#include "absl/flags/flag.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "services/common/auth.h"
#include "services/common/config.h"
#include "services/common/db.h"
#include "services/common/log.h"
#include "services/common/server.h"
#include "services/common/setup_commands.h"
#include "services/common/status.h"
#include "services/common/tls.h"
#include "services/reporting/feed_consumer.h"
#include "services/reporting/feed_head.h"
#include "services/reporting/http_endpoint.h"
#include "services/reporting/read_model.h"
#include "services/reporting/reporting_service.h"

ABSL_FLAG(std::string, assessment_address, "", "host:port of the assessment service");
ABSL_FLAG(std::string, framework_address, "", "host:port of the framework service");
ABSL_FLAG(std::string, api_key_file, "",
          "file holding the API key of the reporting service's account (a viewer on '*')");
ABSL_FLAG(std::string, http_listen, "", "host:port of the read-only HTTP endpoint");
ABSL_FLAG(std::string, time_zone, "", "the hub's time zone, for overdue actions");
ABSL_FLAG(std::string, http_workers, "",
          "worker threads of the HTTP endpoint: connections served at once (default 32)");
ABSL_FLAG(std::string, http_max_connections_per_client, "",
          "connections one client address may hold on the HTTP endpoint (default 8)");
ABSL_FLAG(std::string, http_request_timeout, "",
          "how long an HTTP request's line, headers and body may take to arrive (default 10s)");
ABSL_FLAG(std::string, report_max_waiters, "",
          "reports waiting for min_sequence at once; more are RESOURCE_EXHAUSTED (default 16)");

namespace {

absl::StatusOr<std::string> ApiKey() {
  std::string key = sixsteps::FlagOrEnv("", {"SIXSTEPS_REPORTING_API_KEY"}, "");
  std::string file = sixsteps::FlagOrEnv(absl::GetFlag(FLAGS_api_key_file),
                                         {"SIXSTEPS_REPORTING_API_KEY_FILE"}, "");
  if (key.empty() && !file.empty()) {
    std::ifstream in(file);
    std::getline(in, key);
  }
  key = std::string(absl::StripAsciiWhitespace(key));
  if (key.empty()) {
    return absl::InvalidArgumentError(
        "the reporting service needs its account's API key: --api_key_file or "
        "SIXSTEPS_REPORTING_API_KEY (see README: the reporting service account)");
  }
  return key;
}

// The HTTP endpoint's bounds on slow clients, from flags and the environment.
absl::StatusOr<sixsteps::reporting::HttpLimits> HttpLimitsSetting() {
  sixsteps::reporting::HttpLimits limits;
  // The bounds between settings (connections per client below workers) are ValidateHttpLimits'.
  SIXSTEPS_ASSIGN_OR_RETURN(
      limits.workers, sixsteps::IntSetting("http_workers", absl::GetFlag(FLAGS_http_workers),
                                           {"SIXSTEPS_HTTP_WORKERS"}, limits.workers, 2, 1024));
  SIXSTEPS_ASSIGN_OR_RETURN(
      limits.max_connections_per_client,
      sixsteps::IntSetting("http_max_connections_per_client",
                           absl::GetFlag(FLAGS_http_max_connections_per_client),
                           {"SIXSTEPS_HTTP_MAX_CONNECTIONS_PER_CLIENT"},
                           limits.max_connections_per_client, 1, 1023));
  SIXSTEPS_ASSIGN_OR_RETURN(
      limits.request_timeout,
      sixsteps::DurationSetting("http_request_timeout", absl::GetFlag(FLAGS_http_request_timeout),
                                {"SIXSTEPS_HTTP_REQUEST_TIMEOUT"}, limits.request_timeout,
                                absl::Milliseconds(1), absl::Minutes(5)));
  SIXSTEPS_RETURN_IF_ERROR(sixsteps::reporting::ValidateHttpLimits(limits));
  return limits;
}

}  // namespace

constexpr char kProgram[] = "sixsteps-reporting";

int main(int argc, char** argv) {
  sixsteps::BlockTerminationSignals();
  sixsteps::SetLogServiceName("reporting");
  auto config = sixsteps::LoadServerConfig(argc, argv, {"reporting", "127.0.0.1:50054"});
  if (!config.ok()) return sixsteps::StartupFailed(kProgram, config.status());
  // migrate, provision-database: setup steps, run instead of serving.
  if (std::optional<int> exit_code = sixsteps::setup::RunSharedSetupCommand(
          kProgram, "reporting", *config, sixsteps::reporting::ReportingMigrations()))
    return *exit_code;
  auto api_key = ApiKey();
  if (!api_key.ok()) return sixsteps::StartupFailed(kProgram, api_key.status());
  absl::TimeZone zone;
  std::string zone_name =
      sixsteps::FlagOrEnv(absl::GetFlag(FLAGS_time_zone), {"SIXSTEPS_TIME_ZONE"}, "Europe/London");
  if (!absl::LoadTimeZone(zone_name, &zone)) {
    return sixsteps::StartupFailed(
        kProgram, absl::InvalidArgumentError("time_zone: unknown time zone " + zone_name));
  }
  std::string http = sixsteps::FlagOrEnv(absl::GetFlag(FLAGS_http_listen), {"SIXSTEPS_HTTP_LISTEN"},
                                         "127.0.0.1:8084");
  int http_port = 0;
  size_t colon = http.rfind(':');
  if (colon == std::string::npos || !absl::SimpleAtoi(http.substr(colon + 1), &http_port)) {
    return sixsteps::StartupFailed(kProgram,
                                   absl::InvalidArgumentError("http_listen: must be host:port"));
  }
  // The endpoint has no TLS of its own: plaintext beyond loopback only behind a proxy.
  if (absl::Status plaintext =
          sixsteps::CheckPlaintextHttpListener(http, config->tls, "http_listen");
      !plaintext.ok()) {
    return sixsteps::StartupFailed(kProgram, plaintext);
  }
  auto http_limits = HttpLimitsSetting();
  if (!http_limits.ok()) return sixsteps::StartupFailed(kProgram, http_limits.status());
  auto max_waiters =
      sixsteps::IntSetting("report_max_waiters", absl::GetFlag(FLAGS_report_max_waiters),
                           {"SIXSTEPS_REPORT_MAX_WAITERS"}, 16, 1, 1024);
  if (!max_waiters.ok()) return sixsteps::StartupFailed(kProgram, max_waiters.status());
  absl::Status migrated = sixsteps::db::ApplyMigrations(config->database_url,
                                                        sixsteps::reporting::ReportingMigrations());
  if (!migrated.ok()) return sixsteps::StartupFailed(kProgram, migrated);
  auto identity = sixsteps::DialService(config->identity_address, *config);
  auto framework =
      sixsteps::DialService(sixsteps::FlagOrEnv(absl::GetFlag(FLAGS_framework_address),
                                                {"SIXSTEPS_FRAMEWORK_ADDRESS"}, "127.0.0.1:50051"),
                            *config);
  auto assessment =
      sixsteps::DialService(sixsteps::FlagOrEnv(absl::GetFlag(FLAGS_assessment_address),
                                                {"SIXSTEPS_ASSESSMENT_ADDRESS"}, "127.0.0.1:50053"),
                            *config);
  if (!identity.ok()) return sixsteps::StartupFailed(kProgram, identity.status());
  if (!framework.ok()) return sixsteps::StartupFailed(kProgram, framework.status());
  if (!assessment.ok()) return sixsteps::StartupFailed(kProgram, assessment.status());

  sixsteps::db::ConnectionPool pool(config->database_url, config->db_pool_size);
  sixsteps::reporting::ReadModel model(&pool);
  sixsteps::reporting::GrpcUpstream upstream(*identity, *framework, *api_key);
  sixsteps::reporting::Reports reports(
      &model, zone,
      {sixsteps::reporting::AssessmentFeedReached(&upstream, *assessment), *max_waiters});
  sixsteps::auth::TokenVerifier verifier(
      std::make_shared<sixsteps::auth::IdentityPublicKeys>(*identity));
  sixsteps::reporting::ReportingServiceImpl service(&reports, &verifier);
  sixsteps::reporting::FeedConsumer consumer(&model, &upstream, *assessment, config->database_url);
  sixsteps::reporting::HttpEndpoint endpoint(
      &verifier,
      [&reports](const sixsteps::auth::Caller& caller,
                 const sixsteps::reporting::v1::ExportReportRequest& request)
          -> absl::StatusOr<sixsteps::reporting::Rendered> {
        auto exported = reports.Render(caller, request, absl::Now() + absl::Seconds(30));
        if (!exported.ok()) return exported.status();
        return sixsteps::reporting::Rendered{exported->content, exported->content_type,
                                             exported->filename};
      },
      *http_limits);
  // Evidence files through the endpoint, as the caller (H5).
  endpoint.ServeEvidenceFiles(*assessment);
  if (absl::Status started = endpoint.Start(http.substr(0, colon), http_port); !started.ok()) {
    return sixsteps::StartupFailed(kProgram, started);
  }
  consumer.Start();
  absl::Status served = sixsteps::Serve(*config, {&service}, [&] {
    consumer.Stop();
    endpoint.Stop();
  });
  return served.ok() ? 0 : sixsteps::StartupFailed(kProgram, served);
}
