// A real hub for integration tests: identity, framework and assessment, each with its own
// database in the shared test cluster, served on 127.0.0.1 at free ports, with a
// deployment administrator signed in. The services' objects live in test_hub.cc (TestHub::Parts),
// so that this header declares the generated stubs and little else.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <grpcpp/client_context.h>
#include <nlohmann/json_fwd.hpp>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/base/clock.h"
#include "services/common/auth.h"
#include "services/common/status.h"
#include "sixsteps/action/v1/action_service.grpc.pb.h"
#include "sixsteps/assessment/v1/assessment_service.grpc.pb.h"
#include "sixsteps/assessment/v1/evidence_file_service.grpc.pb.h"
#include "sixsteps/assessment/v1/programme_service.grpc.pb.h"
#include "sixsteps/assessment/v1/retention_service.grpc.pb.h"
#include "sixsteps/assessment/v1/scrutiny_report_service.grpc.pb.h"
#include "sixsteps/assessment/v1/voice_service.grpc.pb.h"
#include "sixsteps/framework/v1/framework_service.grpc.pb.h"
#include "sixsteps/identity/v1/identity_service.grpc.pb.h"
#include "sixsteps/notification/v1/notification_service.grpc.pb.h"
#include "sixsteps/reporting/v1/reporting_service.grpc.pb.h"

// The services' classes behind the hub, declared only: a test that reaches one includes its
// header (a test source compiled with every service's headers took ~25 s of CPU more).
namespace sixsteps::reporting {
class FeedConsumer;
class Reports;
}  // namespace sixsteps::reporting
namespace sixsteps::notification {
class Follower;
class PgNotificationStore;
class PgWebhookStore;
class ServiceSecret;
class WebhookDispatcher;
struct DigestOptions;
struct WebhookDispatcherOptions;
}  // namespace sixsteps::notification

namespace sixsteps::testing {

// Adds "authorization: Bearer <token>" to a call.
void Authorize(grpc::ClientContext& context, const std::string& token);

// A request to create a round of `kind` for `partnership` (its full name) on the built-in
// framework, titled `title`, for April 2025 to March 2026 unless other dates are given.
assessment::v1::CreateAssessmentRequest RoundRequest(const std::string& partnership,
                                                     assessment::v1::AssessmentKind kind,
                                                     const std::string& title,
                                                     const std::string& period_start = "2025-04-01",
                                                     const std::string& period_end = "2026-03-31");

class TestHub {
 public:
  static constexpr char kAdminEmail[] = "admin@hub.test";
  static constexpr char kAdminPassword[] = "correct horse battery staple";
  static constexpr char kKeyEncryptionSecret[] = "test key-encryption secret";

  // Starts identity and framework with databases "test_<name>_identity_<n>" and
  // "test_<name>_framework_<n>", bootstraps and signs in the administrator.
  static absl::StatusOr<std::unique_ptr<TestHub>> Start(const std::string& name);

  std::unique_ptr<identity::v1::IdentityService::Stub> IdentityStub() const;
  std::unique_ptr<framework::v1::FrameworkService::Stub> FrameworkStub() const;
  std::unique_ptr<assessment::v1::AssessmentService::Stub> AssessmentStub() const;
  // ActionService is served by the assessment server.
  std::unique_ptr<action::v1::ActionService::Stub> ActionStub() const;
  // VoiceService (engagement records, case audits, learning reviews) on the assessment server.
  std::unique_ptr<assessment::v1::VoiceService::Stub> VoiceStub() const;
  // So is ProgrammeService (its planned rounds are not opened here: no opener runs).
  std::unique_ptr<assessment::v1::ProgrammeService::Stub> ProgrammeStub() const;
  // ScrutinyReportService is served by the assessment server.
  std::unique_ptr<assessment::v1::ScrutinyReportService::Stub> ScrutinyReportStub() const;
  // So is EvidenceFileService (a 25 MiB cap on one file).
  std::unique_ptr<assessment::v1::EvidenceFileService::Stub> EvidenceFileStub() const;
  // And RetentionService (policies, legal holds, tombstones; no purger runs here).
  std::unique_ptr<assessment::v1::RetentionService::Stub> RetentionStub() const;
  const std::string& assessment_target() const;
  const std::string& assessment_database_url() const { return assessment_database_url_; }
  const std::string& identity_target() const;
  const std::string& framework_target() const;
  const std::string& identity_database_url() const { return identity_database_url_; }
  const std::string& framework_database_url() const { return framework_database_url_; }

  // The deployment administrator's access token.
  const std::string& admin_token() const { return admin_token_; }
  absl::StatusOr<identity::v1::SignInResponse> SignIn(const std::string& email,
                                                      const std::string& password) const;

  // As the administrator: a region, a partnership in it, an organisation of it.
  absl::Status CreateRegion(const std::string& id) const;
  absl::Status CreatePartnership(const std::string& id, const std::string& region) const;
  absl::Status CreateOrganisation(const std::string& partnership, const std::string& id,
                                  identity::v1::OrganisationKind kind, bool core) const;
  // Creates a user bound to `roles` ({role, scope, organisation}) and returns their token.
  struct Binding {
    auth::Role role;
    std::string scope;
    std::string organisation;
  };
  absl::StatusOr<std::string> UserWithRoles(const std::string& email,
                                            const std::vector<Binding>& roles) const;

  // Starts the reporting service (its own database, a service account bound as viewer on
  // "*" with an API key, the feed consumer following the assessment service). Not started
  // by Start(): most tests do not need it.
  absl::Status StartReporting();
  // Stops the reporting service's consumer and server, keeping its database; a later
  // StartReporting() resumes from the stored cursor.
  void StopReporting();
  std::unique_ptr<reporting::v1::ReportingService::Stub> ReportingStub() const;
  const std::string& reporting_target() const;
  const std::string& reporting_database_url() const { return reporting_database_url_; }
  // The API key of the reporting service's account (set by the first StartReporting()):
  // for a second read model following the same feed.
  const std::string& reporting_api_key() const { return reporting_api_key_; }
  reporting::FeedConsumer* feed_consumer();
  // The reports behind the reporting service (for an HTTP endpoint in front of them), and
  // the token verifier every service here uses. Set by StartReporting / Start.
  reporting::Reports* reports();
  const auth::TokenVerifier* token_verifier() const;
  // Reports waiting for min_sequence at once; set before the first StartReporting().
  void set_reporting_max_waiters(int max_waiters) { reporting_max_waiters_ = max_waiters; }
  // The assessment feed's newest sequence, as the administrator sees it.
  absl::StatusOr<int64_t> FeedHead() const;

  // Starts the notification service: its own database, a service account bound as notifier
  // on "*" (it reads role bindings, email addresses and the feed) with an API key, the
  // follower of the assessment feed with `clock` in `zone`, templates from `templates_dir`
  // ("" for the built-in ones) and the outbox. Not started by Start(). The follower polls
  // every 50 ms and runs the calendar rules every second (tests call RunCalendar too).
  absl::Status StartNotification(const Clock* clock = &SystemClock(),
                                 absl::TimeZone zone = absl::UTCTimeZone(),
                                 const std::string& templates_dir = "");
  // Stops the follower and the server, keeping the database: a later StartNotification()
  // resumes from the stored cursor.
  void StopNotification();
  std::unique_ptr<notification::v1::NotificationService::Stub> NotificationStub() const;
  const std::string& notification_target() const;
  const std::string& notification_database_url() const { return notification_database_url_; }
  // The API key of the notification service's account (notifier on "*"), once started.
  const std::string& notification_api_key() const { return notification_api_key_; }
  notification::Follower* notification_follower();
  // ---- webhooks (H1) ----
  // The delivery pool's settings for the next StartNotification() (loopback allowed, the
  // test's CA...); the pool runs on the notification service's clock.
  void set_webhook_options(const notification::WebhookDispatcherOptions& options);
  notification::PgWebhookStore* webhook_store();
  notification::WebhookDispatcher* webhook_dispatcher();
  notification::PgNotificationStore* notification_store();
  // ---- end webhooks (H1) ----
  // ---- digest (H1) ----
  // The notification service's secret (a fixed test value): seals webhook secrets and signs
  // unsubscribe tokens, so tests can make their own tokens.
  const notification::ServiceSecret& notification_secret() const;
  // Weekly digests for the next StartNotification() (off unless set: other tests' outboxes
  // stay as they were); the secret is filled in.
  void set_digest_options(const notification::DigestOptions& options);
  // ---- end digest (H1) ----

  // Shuts the assessment server down (in-flight calls are cancelled); it is not restarted,
  // and assessment calls fail UNAVAILABLE from then on.
  void StopAssessment();

  // Signs any claims with identity's current key: for expired or otherwise odd tokens.
  absl::StatusOr<std::string> MintToken(const nlohmann::json& claims) const;

 public:
  ~TestHub();

 private:
  // The services' objects (test_hub.cc), in the order they are built and, reversed, destroyed.
  struct Parts;
  TestHub();

  std::string identity_database_url_;
  std::string framework_database_url_;
  std::string assessment_database_url_;
  std::string admin_token_;
  std::string reporting_database_url_;
  std::string reporting_api_key_;
  int reporting_max_waiters_ = 16;
  std::string notification_database_url_;
  std::string notification_api_key_;
  // Last: destroyed first, while the strings above (which its objects may refer to) live.
  std::unique_ptr<Parts> parts_;
};

}  // namespace sixsteps::testing
