// sixsteps-notification: notices to the people of each partnership, from the assessment
// change feed and the calendar, kept in an outbox (no SMTP server configured) that the
// API and the CLI show, or sent over SMTP when a server is configured (--smtp_url). `migrate` and
// `provision-database` run a setup step instead (services/common/setup_commands.h).
#include <fstream>

#include <optional>
#include <string>
#include "absl/strings/str_cat.h"

#include "services/base/clock.h"
#include "services/base/status_macros.h"
#include "services/common/auth.h"
#include "services/common/config.h"
#include "services/common/db.h"
#include "services/common/server.h"
#include "services/common/service_main.h"
#include "services/common/status.h"
#include "services/notification/digest.h"
#include "services/notification/follower.h"
#include "services/notification/notification_service.h"
#include "services/notification/pg_store.h"
#include "services/notification/pg_store_webhooks.h"
#include "services/notification/service_secret.h"
#include "services/notification/smtp.h"
#include "services/notification/webhook_dispatcher.h"

SIXSTEPS_TEXT_SETTING(assessment_address, "127.0.0.1:50053", "host:port of the assessment service",
                      "SIXSTEPS_ASSESSMENT_ADDRESS");
SIXSTEPS_TEXT_SETTING(api_key_file, "",
                      "file holding the API key of the notification service's account (a notifier "
                      "on '*': it reads the change feed, role bindings and users' email "
                      "addresses), unless SIXSTEPS_NOTIFICATION_API_KEY holds the key",
                      "SIXSTEPS_NOTIFICATION_API_KEY_FILE");
SIXSTEPS_TEXT_SETTING(time_zone, "Europe/London", "the hub's time zone, for the calendar rules",
                      "SIXSTEPS_TIME_ZONE");
SIXSTEPS_TEXT_SETTING(templates_dir, "",
                      "directory of templates replacing the built-in ones (<rule>.subject, .txt, "
                      ".html)",
                      "SIXSTEPS_NOTIFICATION_TEMPLATES_DIR");
SIXSTEPS_TEXT_SETTING(smtp_url, "",
                      "smtp://host:port (STARTTLS required) or smtps://host:port; empty keeps "
                      "every notice in the outbox",
                      "SIXSTEPS_SMTP_URL");
SIXSTEPS_TEXT_SETTING(smtp_user, "", "the SMTP user (AUTH), if the server wants one",
                      "SIXSTEPS_SMTP_USER");
SIXSTEPS_TEXT_SETTING(smtp_password_file, "", "file holding the SMTP user's password",
                      "SIXSTEPS_SMTP_PASSWORD_FILE");
SIXSTEPS_TEXT_SETTING(smtp_from, "", "the sender of every notice, e.g. hub@example.org",
                      "SIXSTEPS_SMTP_FROM");
SIXSTEPS_TEXT_SETTING(smtp_ca_file, "", "PEM bundle to verify the SMTP server with",
                      "SIXSTEPS_SMTP_CA_FILE");
SIXSTEPS_SETTING(absl::Duration, calendar_every,
                 sixsteps::notification::FollowerOptions().calendar_every, absl::Seconds(1),
                 absl::Hours(24), "how often the calendar rules run", "SIXSTEPS_CALENDAR_EVERY");
// Webhooks.
SIXSTEPS_BOOL_SETTING(webhook_allow_loopback_http, false,
                      "true: webhooks may target loopback addresses, over http too (tests only)",
                      "SIXSTEPS_WEBHOOK_ALLOW_LOOPBACK_HTTP");
SIXSTEPS_TEXT_SETTING(webhook_ca_file, "", "PEM bundle to verify webhook receivers with",
                      "SIXSTEPS_WEBHOOK_CA_FILE");
SIXSTEPS_SETTING(int, webhook_workers, sixsteps::notification::WebhookDispatcherOptions().workers,
                 1, 256, "webhook delivery workers", "SIXSTEPS_WEBHOOK_WORKERS");
SIXSTEPS_SETTING(int, webhook_per_subscription,
                 sixsteps::notification::WebhookDispatcherOptions().per_subscription, 1, 64,
                 "deliveries of one subscription in flight at once",
                 "SIXSTEPS_WEBHOOK_PER_SUBSCRIPTION");
// The weekly digest and the service's secret (digest, H1). The secret falls back to the
// deployment's key-encryption secret; the keys derived from it here are for this service's
// uses only (their contexts differ from identity's): sharing the root is safe.
SIXSTEPS_TEXT_SETTING(secret_file, "",
                      "file holding the service's secret (16+ characters): seals webhook secrets "
                      "at rest and signs unsubscribe links",
                      "SIXSTEPS_NOTIFICATION_SECRET_FILE", "SIXSTEPS_KEY_ENCRYPTION_SECRET_FILE");
SIXSTEPS_TEXT_SETTING(digest_weekday, "monday", "the weekday weekly digests go out",
                      "SIXSTEPS_DIGEST_WEEKDAY");
SIXSTEPS_SETTING(int, digest_hour, sixsteps::notification::DigestSchedule().hour, 0, 23,
                 "the hour (hub time zone) weekly digests go out", "SIXSTEPS_DIGEST_HOUR");
SIXSTEPS_TEXT_SETTING(unsubscribe_url, "",
                      "https URL routed to UnsubscribeDigest (docs/operations.md); empty: no "
                      "List-Unsubscribe",
                      "SIXSTEPS_UNSUBSCRIBE_URL");

namespace {

constexpr char kProgram[] = "sixsteps-notification";

absl::StatusOr<std::string> ApiKey() {
  return sixsteps::ServiceAccountKey(
      "SIXSTEPS_NOTIFICATION_API_KEY", SETTING_api_key_file,
      "the notification service needs its account's API key: --api_key_file or "
      "SIXSTEPS_NOTIFICATION_API_KEY (scripts/hub makes it with sixsteps-identity "
      "ensure-service-account)");
}

// The SMTP server, if one is configured: flags, else SIXSTEPS_SMTP_* variables.
absl::StatusOr<std::optional<sixsteps::notification::SmtpSettings>> Smtp() {
  sixsteps::notification::SmtpSettings smtp;
  smtp.url = SETTING_smtp_url.Get();
  if (smtp.url.empty()) return std::nullopt;
  smtp.username = SETTING_smtp_user.Get();
  smtp.from = SETTING_smtp_from.Get();
  smtp.ca_file = SETTING_smtp_ca_file.Get();
  const std::string password_file = SETTING_smtp_password_file.Get();
  if (!password_file.empty()) {
    std::ifstream in(password_file);
    std::getline(in, smtp.password);
  }
  SIXSTEPS_RETURN_IF_ERROR(sixsteps::notification::ValidateSmtpSettings(smtp));
  return smtp;
}

// The webhook delivery pool's settings: flags, else SIXSTEPS_WEBHOOK_* variables.
absl::StatusOr<sixsteps::notification::WebhookDispatcherOptions> WebhookOptions() {
  sixsteps::notification::WebhookDispatcherOptions options;
  SIXSTEPS_ASSIGN_OR_RETURN(options.http.allow_loopback, SETTING_webhook_allow_loopback_http.Get());
  options.http.ca_file = SETTING_webhook_ca_file.Get();
  SIXSTEPS_ASSIGN_OR_RETURN(options.workers, SETTING_webhook_workers.Get());
  SIXSTEPS_ASSIGN_OR_RETURN(options.per_subscription, SETTING_webhook_per_subscription.Get());
  return options;
}

namespace notification = sixsteps::notification;

// The service's secret: --secret_file (or its variables), else the deployment's key-encryption
// secret held in a variable.
absl::StatusOr<notification::ServiceSecret> Secret() {
  const std::string file = SETTING_secret_file.Get();
  std::string secret;
  if (!file.empty()) {
    std::ifstream in(file);
    if (!std::getline(in, secret)) {
      return absl::FailedPreconditionError(absl::StrCat("secret_file ", file, " cannot be read"));
    }
  } else {
    // Kubernetes hands secrets over as variables (deploy/kubernetes).
    secret = sixsteps::FlagOrEnv(
        "", {"SIXSTEPS_NOTIFICATION_SECRET", "SIXSTEPS_KEY_ENCRYPTION_SECRET"}, "");
  }
  if (secret.empty()) {
    return absl::FailedPreconditionError(
        "the notification service needs a secret: --secret_file, "
        "SIXSTEPS_NOTIFICATION_SECRET_FILE or SIXSTEPS_KEY_ENCRYPTION_SECRET(_FILE) (scripts/hub "
        "makes one)");
  }
  return notification::ServiceSecret::FromSecret(secret);
}

// When digests go out, and the unsubscribe link's base.
absl::StatusOr<notification::DigestOptions> Digests(const notification::ServiceSecret* secret) {
  notification::DigestOptions options;
  options.secret = secret;
  std::optional<absl::Weekday> day = notification::ParseWeekday(SETTING_digest_weekday.Get());
  if (!day) return absl::InvalidArgumentError("digest_weekday must be monday..sunday");
  options.schedule.weekday = *day;
  SIXSTEPS_ASSIGN_OR_RETURN(options.schedule.hour, SETTING_digest_hour.Get());
  options.unsubscribe_url = SETTING_unsubscribe_url.Get();
  SIXSTEPS_RETURN_IF_ERROR(notification::ValidateUnsubscribeUrl(options.unsubscribe_url));
  return options;
}

absl::StatusOr<int> Run(const sixsteps::ServiceStart& start) {
  const sixsteps::ServerConfig& config = start.config();
  SIXSTEPS_ASSIGN_OR_RETURN(std::string api_key, ApiKey());
  SIXSTEPS_ASSIGN_OR_RETURN(absl::TimeZone zone, sixsteps::HubTimeZone(SETTING_time_zone));
  // A template that does not parse stops the service here, naming the file and place.
  SIXSTEPS_ASSIGN_OR_RETURN(notification::TemplateSet templates,
                            notification::TemplateSet::Load(SETTING_templates_dir.Get()));
  notification::FollowerOptions options;
  SIXSTEPS_ASSIGN_OR_RETURN(options.calendar_every, SETTING_calendar_every.Get());
  SIXSTEPS_ASSIGN_OR_RETURN(std::optional<notification::SmtpSettings> smtp, Smtp());
  SIXSTEPS_ASSIGN_OR_RETURN(notification::ServiceSecret secret, Secret());
  SIXSTEPS_ASSIGN_OR_RETURN(notification::DigestOptions digests, Digests(&secret));
  SIXSTEPS_ASSIGN_OR_RETURN(notification::WebhookDispatcherOptions webhook_options,
                            WebhookOptions());
  if (smtp) options.new_state = notification::nv1::OutboxMessage::STATE_PENDING;
  SIXSTEPS_ASSIGN_OR_RETURN(auto identity, start.MigrateAndDialIdentity());
  SIXSTEPS_ASSIGN_OR_RETURN(auto assessment, start.Dial(SETTING_assessment_address));

  sixsteps::db::ConnectionPool pool(config.database_url, config.db_pool_size);
  notification::PgNotificationStore store(&pool);
  auto token = notification::MakeServiceToken(identity, api_key);
  notification::GrpcPeople people(identity, token.get());
  sixsteps::auth::TokenVerifier verifier(
      std::make_shared<sixsteps::auth::IdentityPublicKeys>(identity));
  notification::NotificationServiceImpl service(&store, &people, &verifier);
  notification::Follower follower(&store, &people, &templates, token.get(), assessment,
                                  config.database_url, &sixsteps::SystemClock(), zone, options);
  std::optional<notification::SmtpSender> sender;
  if (smtp) sender.emplace(&store, *smtp, notification::SmtpSender::Options());
  // Webhooks: deliveries are claimed from the database by a bounded pool.
  webhook_options.notice_state = options.new_state;
  notification::PgWebhookStore webhooks(&pool, &secret);
  // Secrets kept in clear before V005 are sealed now (the key is not SQL's to hold).
  SIXSTEPS_RETURN_IF_ERROR(webhooks.SealClearSecrets().status());
  notification::WebhookDispatcher dispatcher(&webhooks, &people, &sixsteps::SystemClock(),
                                             webhook_options);
  follower.set_webhook_store(&webhooks);
  follower.EnableDigests(digests);
  service.EnableDigests(&secret, &sixsteps::SystemClock());
  service.EnableWebhooks(
      {&webhooks, &dispatcher, webhook_options.http.allow_loopback, smtp.has_value()});
  dispatcher.Start();
  follower.Start();
  if (sender) sender->Start();
  SIXSTEPS_RETURN_IF_ERROR(sixsteps::Serve(config, {&service}, [&] {
    follower.Stop();
    if (sender) sender->Stop();
    dispatcher.Stop();
  }));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return sixsteps::ServiceMain(
      argc, argv,
      {kProgram, "notification", "127.0.0.1:50055", notification::NotificationMigrations()}, Run);
}
