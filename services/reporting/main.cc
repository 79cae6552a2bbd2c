// sixsteps-reporting: reports for partnerships, hubs and dashboards from a read model that
// follows the assessment service's change feed; gRPC, and a read-only HTTP endpoint.
// `migrate` and `provision-database` run a setup step instead (services/common/setup_commands.h).
#include <string>

#include "absl/strings/numbers.h"
#include "services/base/status_macros.h"
#include "services/common/auth.h"
#include "services/common/config.h"
#include "services/common/db.h"
#include "services/common/server.h"
#include "services/common/service_main.h"
#include "services/common/status.h"
#include "services/common/tls.h"
#include "services/reporting/feed_consumer.h"
#include "services/reporting/feed_head.h"
#include "services/reporting/http_endpoint.h"
#include "services/reporting/read_model.h"
#include "services/reporting/report_cache_listener.h"
#include "services/reporting/reporting_service.h"

SIXSTEPS_TEXT_SETTING(assessment_address, "127.0.0.1:50053", "host:port of the assessment service",
                      "SIXSTEPS_ASSESSMENT_ADDRESS");
SIXSTEPS_TEXT_SETTING(framework_address, "127.0.0.1:50051", "host:port of the framework service",
                      "SIXSTEPS_FRAMEWORK_ADDRESS");
SIXSTEPS_TEXT_SETTING(api_key_file, "",
                      "file holding the API key of the reporting service's account (a viewer on "
                      "'*'), unless SIXSTEPS_REPORTING_API_KEY holds the key",
                      "SIXSTEPS_REPORTING_API_KEY_FILE");
SIXSTEPS_TEXT_SETTING(http_listen, "127.0.0.1:8084", "host:port of the read-only HTTP endpoint",
                      "SIXSTEPS_HTTP_LISTEN");
SIXSTEPS_TEXT_SETTING(time_zone, "Europe/London", "the hub's time zone, for overdue actions",
                      "SIXSTEPS_TIME_ZONE");
// The HTTP endpoint's bounds on slow clients; the bounds between them (connections per client
// below workers) are ValidateHttpLimits'.
SIXSTEPS_SETTING(int, http_workers, sixsteps::reporting::HttpLimits().workers, 2, 1024,
                 "worker threads of the HTTP endpoint: connections served at once",
                 "SIXSTEPS_HTTP_WORKERS");
SIXSTEPS_SETTING(int, http_max_connections_per_client,
                 sixsteps::reporting::HttpLimits().max_connections_per_client, 1, 1023,
                 "connections one client address may hold on the HTTP endpoint",
                 "SIXSTEPS_HTTP_MAX_CONNECTIONS_PER_CLIENT");
SIXSTEPS_SETTING(absl::Duration, http_request_timeout,
                 sixsteps::reporting::HttpLimits().request_timeout, absl::Milliseconds(1),
                 absl::Minutes(5),
                 "how long an HTTP request's line, headers and body may take to arrive",
                 "SIXSTEPS_HTTP_REQUEST_TIMEOUT");
SIXSTEPS_SETTING(int, report_max_waiters, 16, 1, 1024,
                 "reports waiting for min_sequence at once; more are RESOURCE_EXHAUSTED",
                 "SIXSTEPS_REPORT_MAX_WAITERS");
SIXSTEPS_SETTING(int, report_cache_mib, 64, 0, 4096,
                 "MiB of built assessment reports each replica keeps in memory, least recently "
                 "used dropped first; 0: none",
                 "SIXSTEPS_REPORT_CACHE_MIB");
SIXSTEPS_SETTING(int, overview_cache_mib, 16, 0, 4096,
                 "MiB of built regional overviews each replica keeps in memory, least recently "
                 "used dropped first; 0: none",
                 "SIXSTEPS_OVERVIEW_CACHE_MIB");
SIXSTEPS_SETTING(absl::Duration, report_cache_idle, absl::Minutes(5), absl::Seconds(1),
                 absl::Hours(24 * 7),
                 "a cached report no call has read for this long is dropped, so that an idle "
                 "replica gives its memory back",
                 "SIXSTEPS_REPORT_CACHE_IDLE");

namespace {

absl::StatusOr<std::string> ApiKey() {
  return sixsteps::ServiceAccountKey(
      "SIXSTEPS_REPORTING_API_KEY", SETTING_api_key_file,
      "the reporting service needs its account's API key: --api_key_file or "
      "SIXSTEPS_REPORTING_API_KEY (see README: the reporting service account)");
}

absl::StatusOr<sixsteps::reporting::HttpLimits> HttpLimitsSetting() {
  sixsteps::reporting::HttpLimits limits;
  SIXSTEPS_ASSIGN_OR_RETURN(limits.workers, SETTING_http_workers.Get());
  SIXSTEPS_ASSIGN_OR_RETURN(limits.max_connections_per_client,
                            SETTING_http_max_connections_per_client.Get());
  SIXSTEPS_ASSIGN_OR_RETURN(limits.request_timeout, SETTING_http_request_timeout.Get());
  SIXSTEPS_RETURN_IF_ERROR(sixsteps::reporting::ValidateHttpLimits(limits));
  return limits;
}

namespace reporting = sixsteps::reporting;

absl::StatusOr<int> Run(const sixsteps::ServiceStart& start) {
  const sixsteps::ServerConfig& config = start.config();
  SIXSTEPS_ASSIGN_OR_RETURN(std::string api_key, ApiKey());
  SIXSTEPS_ASSIGN_OR_RETURN(absl::TimeZone zone, sixsteps::HubTimeZone(SETTING_time_zone));
  const std::string http = SETTING_http_listen.Get();
  int http_port = 0;
  size_t colon = http.rfind(':');
  if (colon == std::string::npos || !absl::SimpleAtoi(http.substr(colon + 1), &http_port)) {
    return absl::InvalidArgumentError("http_listen: must be host:port");
  }
  // The endpoint has no TLS of its own: plaintext beyond loopback only behind a proxy.
  SIXSTEPS_RETURN_IF_ERROR(sixsteps::CheckPlaintextHttpListener(http, config.tls, "http_listen"));
  SIXSTEPS_ASSIGN_OR_RETURN(reporting::HttpLimits http_limits, HttpLimitsSetting());
  SIXSTEPS_ASSIGN_OR_RETURN(int max_waiters, SETTING_report_max_waiters.Get());
  SIXSTEPS_ASSIGN_OR_RETURN(int cache_mib, SETTING_report_cache_mib.Get());
  SIXSTEPS_ASSIGN_OR_RETURN(absl::Duration cache_idle, SETTING_report_cache_idle.Get());
  SIXSTEPS_ASSIGN_OR_RETURN(int overview_cache_mib, SETTING_overview_cache_mib.Get());
  SIXSTEPS_ASSIGN_OR_RETURN(auto identity, start.MigrateAndDialIdentity());
  SIXSTEPS_ASSIGN_OR_RETURN(auto framework, start.Dial(SETTING_framework_address));
  SIXSTEPS_ASSIGN_OR_RETURN(auto assessment, start.Dial(SETTING_assessment_address));

  sixsteps::db::ConnectionPool pool(config.database_url, config.db_pool_size);
  reporting::ReadModel model(&pool);
  reporting::GrpcUpstream upstream(identity, framework, api_key);
  reporting::Reports reports(
      &model, zone, {reporting::AssessmentFeedReached(&upstream, assessment), max_waiters});
  // Built assessment reports, kept in step with the read model by LISTEN/NOTIFY.
  reporting::ReportCache cache(static_cast<size_t>(cache_mib) << 20, cache_idle);
  reporting::CacheListener cache_listener(config.database_url, &cache);
  sixsteps::metrics::Registration cache_metrics = reporting::ReportCacheMetrics(&cache);
  if (cache_mib > 0) {
    reports.UseCache(&cache);
    cache_listener.Start();
  }
  // Built regional overviews, checked against the region's versions on every call.
  reporting::OverviewCache overview_cache(static_cast<size_t>(overview_cache_mib) << 20);
  sixsteps::metrics::Registration overview_cache_metrics =
      reporting::OverviewCacheMetrics(&overview_cache);
  if (overview_cache_mib > 0) reports.UseOverviewCache(&overview_cache);
  sixsteps::auth::TokenVerifier verifier(
      std::make_shared<sixsteps::auth::IdentityPublicKeys>(identity));
  reporting::ReportingServiceImpl service(&reports, &verifier);
  reporting::FeedConsumer consumer(&model, &upstream, assessment, config.database_url);
  reporting::HttpEndpoint endpoint(
      &verifier,
      reporting::HttpEndpoint::FileHandler(
          [&reports](const sixsteps::auth::Caller& caller,
                     const reporting::v1::ExportReportRequest& request) {
            return reports.Prepare(caller, request, absl::Now() + absl::Seconds(30));
          }),
      http_limits);
  // Evidence files through the endpoint, as the caller.
  endpoint.ServeEvidenceFiles(assessment);
  SIXSTEPS_RETURN_IF_ERROR(endpoint.Start(http.substr(0, colon), http_port));
  consumer.Start();
  SIXSTEPS_RETURN_IF_ERROR(sixsteps::Serve(config, {&service}, [&] {
    consumer.Stop();
    endpoint.Stop();
    cache_listener.Stop();
  }));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return sixsteps::ServiceMain(
      argc, argv,
      {"sixsteps-reporting", "reporting", "127.0.0.1:50054", reporting::ReportingMigrations()},
      Run);
}
