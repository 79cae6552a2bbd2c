// sixsteps-notification: notices to the people of each partnership, from the assessment
// change feed and the calendar, kept in an outbox (no SMTP server configured) that the
// API and the CLI show, or sent over SMTP when a server is configured (--smtp_url). `migrate` and
// `provision-database` run a setup step instead (services/common/setup_commands.h).
#include <fstream>

#include <optional>
#include <string>
#include "absl/strings/str_cat.h"

#include "absl/flags/flag.h"
#include "services/base/clock.h"
#include "services/base/status_macros.h"
#include "services/common/auth.h"
#include "services/common/config.h"
#include "services/common/db.h"
#include "services/common/server.h"
#include "services/common/service_main.h"
#include "services/common/status.h"
#include "services/notification/follower.h"
#include "services/notification/notification_service.h"
#include "services/notification/pg_store.h"
#include "services/notification/pg_store_webhooks.h"
#include "services/notification/service_secret.h"
#include "services/notification/smtp.h"
#include "services/notification/webhook_dispatcher.h"

ABSL_FLAG(std::string, assessment_address, "", "host:port of the assessment service");
ABSL_FLAG(std::string, api_key_file, "",
          "file holding the API key of the notification service's account (a notifier on '*': "
          "it reads the change feed, role bindings and users' email addresses)");
ABSL_FLAG(std::string, time_zone, "", "the hub's time zone, for the calendar rules");
ABSL_FLAG(std::string, templates_dir, "",
          "directory of templates replacing the built-in ones (<rule>.subject, .txt, .html)");
ABSL_FLAG(std::string, smtp_url, "",
          "smtp://host:port (STARTTLS required) or smtps://host:port; empty keeps every notice in "
          "the outbox");
ABSL_FLAG(std::string, smtp_user, "", "the SMTP user (AUTH), if the server wants one");
ABSL_FLAG(std::string, smtp_password_file, "", "file holding the SMTP user's password");
ABSL_FLAG(std::string, smtp_from, "", "the sender of every notice, e.g. hub@example.org");
ABSL_FLAG(std::string, smtp_ca_file, "", "PEM bundle to verify the SMTP server with");
ABSL_FLAG(std::string, calendar_every, "", "how often the calendar rules run (default 5m)");
// Webhooks.
ABSL_FLAG(std::string, webhook_allow_loopback_http, "",
          "true: webhooks may target loopback addresses, over http too (tests only)");
ABSL_FLAG(std::string, webhook_ca_file, "", "PEM bundle to verify webhook receivers with");
ABSL_FLAG(std::string, webhook_workers, "", "webhook delivery workers (default 16)");
ABSL_FLAG(std::string, webhook_per_subscription, "",
          "deliveries of one subscription in flight at once (default 4)");
// The weekly digest and the service's secret (digest, H1).
ABSL_FLAG(std::string, secret_file, "",
          "file holding the service's secret (16+ characters): seals webhook secrets at rest and "
          "signs unsubscribe links");
ABSL_FLAG(std::string, digest_weekday, "", "the weekday weekly digests go out (default monday)");
ABSL_FLAG(std::string, digest_hour, "", "the hour (0-23, hub time zone) they go out (default 8)");
ABSL_FLAG(std::string, unsubscribe_url, "",
          "https URL routed to UnsubscribeDigest (docs/operations.md); empty: no List-Unsubscribe");

namespace {

constexpr char kProgram[] = "sixsteps-notification";

absl::StatusOr<std::string> ApiKey() {
  return sixsteps::ServiceAccountKey(
      "SIXSTEPS_NOTIFICATION_API_KEY", absl::GetFlag(FLAGS_api_key_file),
      "SIXSTEPS_NOTIFICATION_API_KEY_FILE",
      "the notification service needs its account's API key: --api_key_file or "
      "SIXSTEPS_NOTIFICATION_API_KEY (scripts/hub makes it with sixsteps-identity "
      "ensure-service-account)");
}

// The SMTP server, if one is configured: flags, else SIXSTEPS_SMTP_* variables.
absl::StatusOr<std::optional<sixsteps::notification::SmtpSettings>> Smtp() {
  sixsteps::notification::SmtpSettings smtp;
  smtp.url = sixsteps::FlagOrEnv(absl::GetFlag(FLAGS_smtp_url), {"SIXSTEPS_SMTP_URL"}, "");
  if (smtp.url.empty()) return std::nullopt;
  smtp.username = sixsteps::FlagOrEnv(absl::GetFlag(FLAGS_smtp_user), {"SIXSTEPS_SMTP_USER"}, "");
  smtp.from = sixsteps::FlagOrEnv(absl::GetFlag(FLAGS_smtp_from), {"SIXSTEPS_SMTP_FROM"}, "");
  smtp.ca_file =
      sixsteps::FlagOrEnv(absl::GetFlag(FLAGS_smtp_ca_file), {"SIXSTEPS_SMTP_CA_FILE"}, "");
  std::string password_file = sixsteps::FlagOrEnv(absl::GetFlag(FLAGS_smtp_password_file),
                                                  {"SIXSTEPS_SMTP_PASSWORD_FILE"}, "");
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
  const std::string loopback =
      sixsteps::FlagOrEnv(absl::GetFlag(FLAGS_webhook_allow_loopback_http),
                          {"SIXSTEPS_WEBHOOK_ALLOW_LOOPBACK_HTTP"}, "false");
  if (loopback != "true" && loopback != "false" && loopback != "1" && loopback != "0") {
    return absl::InvalidArgumentError("webhook_allow_loopback_http must be true or false");
  }
  options.http.allow_loopback = loopback == "true" || loopback == "1";
  options.http.ca_file =
      sixsteps::FlagOrEnv(absl::GetFlag(FLAGS_webhook_ca_file), {"SIXSTEPS_WEBHOOK_CA_FILE"}, "");
  SIXSTEPS_ASSIGN_OR_RETURN(
      options.workers, sixsteps::IntSetting("webhook_workers", absl::GetFlag(FLAGS_webhook_workers),
                                            {"SIXSTEPS_WEBHOOK_WORKERS"}, options.workers, 1, 256));
  SIXSTEPS_ASSIGN_OR_RETURN(
      options.per_subscription,
      sixsteps::IntSetting("webhook_per_subscription",
                           absl::GetFlag(FLAGS_webhook_per_subscription),
                           {"SIXSTEPS_WEBHOOK_PER_SUBSCRIPTION"}, options.per_subscription, 1, 64));
  return options;
}

namespace notification = sixsteps::notification;

// The service's secret: --secret_file or SIXSTEPS_NOTIFICATION_SECRET_FILE, else the
// deployment's key-encryption secret (a file or a variable). The keys derived from it here are
// for this service's uses only (their contexts differ from identity's): sharing the root is safe.
absl::StatusOr<notification::ServiceSecret> Secret() {
  const std::string file = sixsteps::FlagOrEnv(
      absl::GetFlag(FLAGS_secret_file),
      {"SIXSTEPS_NOTIFICATION_SECRET_FILE", "SIXSTEPS_KEY_ENCRYPTION_SECRET_FILE"}, "");
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
  const std::string weekday = sixsteps::FlagOrEnv(absl::GetFlag(FLAGS_digest_weekday),
                                                  {"SIXSTEPS_DIGEST_WEEKDAY"}, "monday");
  std::optional<absl::Weekday> day = notification::ParseWeekday(weekday);
  if (!day) return absl::InvalidArgumentError("digest_weekday must be monday..sunday");
  options.schedule.weekday = *day;
  SIXSTEPS_ASSIGN_OR_RETURN(
      options.schedule.hour,
      sixsteps::IntSetting("digest_hour", absl::GetFlag(FLAGS_digest_hour),
                           {"SIXSTEPS_DIGEST_HOUR"}, options.schedule.hour, 0, 23));
  options.unsubscribe_url =
      sixsteps::FlagOrEnv(absl::GetFlag(FLAGS_unsubscribe_url), {"SIXSTEPS_UNSUBSCRIBE_URL"}, "");
  SIXSTEPS_RETURN_IF_ERROR(notification::ValidateUnsubscribeUrl(options.unsubscribe_url));
  return options;
}

absl::StatusOr<int> Run(const sixsteps::ServiceStart& start) {
  const sixsteps::ServerConfig& config = start.config();
  SIXSTEPS_ASSIGN_OR_RETURN(std::string api_key, ApiKey());
  SIXSTEPS_ASSIGN_OR_RETURN(absl::TimeZone zone,
                            sixsteps::HubTimeZone(absl::GetFlag(FLAGS_time_zone)));
  // A template that does not parse stops the service here, naming the file and place.
  SIXSTEPS_ASSIGN_OR_RETURN(
      notification::TemplateSet templates,
      notification::TemplateSet::Load(sixsteps::FlagOrEnv(
          absl::GetFlag(FLAGS_templates_dir), {"SIXSTEPS_NOTIFICATION_TEMPLATES_DIR"}, "")));
  notification::FollowerOptions options;
  SIXSTEPS_ASSIGN_OR_RETURN(
      options.calendar_every,
      sixsteps::DurationSetting("calendar_every", absl::GetFlag(FLAGS_calendar_every),
                                {"SIXSTEPS_CALENDAR_EVERY"}, options.calendar_every,
                                absl::Seconds(1), absl::Hours(24)));
  SIXSTEPS_ASSIGN_OR_RETURN(std::optional<notification::SmtpSettings> smtp, Smtp());
  SIXSTEPS_ASSIGN_OR_RETURN(notification::ServiceSecret secret, Secret());
  SIXSTEPS_ASSIGN_OR_RETURN(notification::DigestOptions digests, Digests(&secret));
  SIXSTEPS_ASSIGN_OR_RETURN(notification::WebhookDispatcherOptions webhook_options,
                            WebhookOptions());
  if (smtp) options.new_state = notification::nv1::OutboxMessage::STATE_PENDING;
  SIXSTEPS_ASSIGN_OR_RETURN(auto identity, start.MigrateAndDialIdentity());
  SIXSTEPS_ASSIGN_OR_RETURN(auto assessment,
                            start.Dial(absl::GetFlag(FLAGS_assessment_address),
                                       "SIXSTEPS_ASSESSMENT_ADDRESS", "127.0.0.1:50053"));

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
