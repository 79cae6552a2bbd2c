// The gRPC NotificationService: the outbox (what was composed, for whom) and the rule
// switches of each partnership. Handlers are thin: who may see what is decided here from
// the caller's grants, the rest is the store's.
#pragma once

#include "absl/status/statusor.h"
#include "services/base/clock.h"
#include "services/common/auth.h"
#include "services/notification/people.h"
#include "services/notification/service_secret.h"  // digest (H1)
#include "services/notification/store.h"
#include "services/notification/webhook_dispatcher.h"  // webhooks (H1)
#include "services/notification/webhook_store.h"       // webhooks (H1)
#include "sixsteps/notification/v1/notification_service.grpc.pb.h"

namespace sixsteps::notification {

using auth::Caller;

// The deliveries a caller may read: deployment administrators all; hub administrators
// their regions'; partnership administrators their partnerships'; everyone their own.
DeliveryVisibility VisibilityOf(const Caller& caller);

// The switches to apply: INVALID_ARGUMENT naming the first unknown or repeated rule, or
// too many switches.
absl::StatusOr<std::map<std::string, bool>> ParseRuleSwitches(
    const google::protobuf::RepeatedPtrField<nv1::RuleSwitch>& switches);

// Every rule with the partnership's setting (on unless switched off).
nv1::RuleSettings SettingsOf(const std::string& partnership_id,
                             const NotificationStore::Switches& switches);

// ---- digest (H1): notification_service_digest.cc ----
// The principal whose preferences `name` ("users/{u}/notificationPreferences", or users/me)
// are, if they are the caller's own: INVALID_ARGUMENT for a malformed name, PERMISSION_DENIED
// for another person's or a service account.
absl::StatusOr<std::string> OwnPreferencesPrincipal(const Caller& caller, absl::string_view name);
// OK if the update mask names only "weekly_digest" (comma-separated), at least once.
absl::StatusOr<bool> ParsePreferencesMask(absl::string_view mask);

class NotificationServiceImpl final : public nv1::NotificationService::Service {
 public:
  NotificationServiceImpl(NotificationStore* store, People* people,
                          const auth::TokenVerifier* verifier)
      : store_(store), people_(people), verifier_(verifier) {}

  grpc::Status ListOutboxMessages(grpc::ServerContext*, const nv1::ListOutboxMessagesRequest*,
                                  nv1::ListOutboxMessagesResponse*) override;
  grpc::Status GetOutboxMessage(grpc::ServerContext*, const nv1::GetOutboxMessageRequest*,
                                nv1::OutboxMessage*) override;
  grpc::Status GetRuleSettings(grpc::ServerContext*, const nv1::GetRuleSettingsRequest*,
                               nv1::RuleSettings*) override;
  grpc::Status UpdateRuleSettings(grpc::ServerContext*, const nv1::UpdateRuleSettingsRequest*,
                                  nv1::RuleSettings*) override;

  // ---- webhooks (H1): notification_service_webhooks.cc, notification_service_test_notice.cc
  struct WebhookParts {
    WebhookStore* store = nullptr;
    // Makes SendTestNotice's ping attempt (and redeliveries' later ones).
    WebhookDispatcher* dispatcher = nullptr;
    // http:// to loopback (tests only): as the dispatcher's settings say.
    bool allow_loopback_http = false;
    // Whether an SMTP server sends the outbox (test emails wait for its answer).
    bool smtp_configured = false;
    // How long SendTestNotice waits for the SMTP sender's answer.
    absl::Duration email_wait = absl::Seconds(20);
    // The dispatcher's clock: when a redelivery is due.
    const Clock* clock = &SystemClock();
  };
  // Without them the webhook RPCs answer UNIMPLEMENTED.
  void EnableWebhooks(WebhookParts parts) { webhooks_ = parts; }
  grpc::Status CreateWebhook(grpc::ServerContext*, const nv1::CreateWebhookRequest*,
                             nv1::Webhook*) override;
  grpc::Status GetWebhook(grpc::ServerContext*, const nv1::GetWebhookRequest*,
                          nv1::Webhook*) override;
  grpc::Status ListWebhooks(grpc::ServerContext*, const nv1::ListWebhooksRequest*,
                            nv1::ListWebhooksResponse*) override;
  grpc::Status UpdateWebhook(grpc::ServerContext*, const nv1::UpdateWebhookRequest*,
                             nv1::Webhook*) override;
  grpc::Status RotateWebhookSecret(grpc::ServerContext*, const nv1::RotateWebhookSecretRequest*,
                                   nv1::Webhook*) override;
  grpc::Status DeleteWebhook(grpc::ServerContext*, const nv1::DeleteWebhookRequest*,
                             google::protobuf::Empty*) override;
  grpc::Status ListWebhookDeliveries(grpc::ServerContext*, const nv1::ListWebhookDeliveriesRequest*,
                                     nv1::ListWebhookDeliveriesResponse*) override;
  grpc::Status RedeliverWebhookDelivery(grpc::ServerContext*,
                                        const nv1::RedeliverWebhookDeliveryRequest*,
                                        nv1::WebhookDelivery*) override;
  grpc::Status SendTestNotice(grpc::ServerContext*, const nv1::SendTestNoticeRequest*,
                              nv1::SendTestNoticeResponse*) override;
  // ---- end webhooks (H1) ----

  // ---- digest (H1) ----
  // The secret that verifies unsubscribe tokens and the clock that says they expired;
  // without them UnsubscribeDigest answers UNIMPLEMENTED.
  void EnableDigests(const ServiceSecret* secret, const Clock* clock) {
    digest_secret_ = secret;
    digest_clock_ = clock;
  }
  grpc::Status GetNotificationPreferences(grpc::ServerContext*,
                                          const nv1::GetNotificationPreferencesRequest*,
                                          nv1::NotificationPreferences*) override;
  grpc::Status UpdateNotificationPreferences(grpc::ServerContext*,
                                             const nv1::UpdateNotificationPreferencesRequest*,
                                             nv1::NotificationPreferences*) override;
  grpc::Status UnsubscribeDigest(grpc::ServerContext*, const nv1::UnsubscribeDigestRequest*,
                                 nv1::NotificationPreferences*) override;
  // ---- end digest (H1) ----

 private:
  const auth::TokenVerifier& verifier() const { return *verifier_; }

  absl::StatusOr<nv1::ListOutboxMessagesResponse> DoListOutboxMessages(
      const Caller& caller, const nv1::ListOutboxMessagesRequest& request);
  absl::StatusOr<nv1::OutboxMessage> DoGetOutboxMessage(
      const Caller& caller, const nv1::GetOutboxMessageRequest& request);
  absl::StatusOr<nv1::RuleSettings> DoGetRuleSettings(const Caller& caller,
                                                      const nv1::GetRuleSettingsRequest& request);
  absl::StatusOr<nv1::RuleSettings> DoUpdateRuleSettings(
      const Caller& caller, const nv1::UpdateRuleSettingsRequest& request);
  // The partnership of "partnerships/{p}/ruleSettings" if the caller may see it (its region
  // is identity's); NOT_FOUND otherwise. `manage`: PERMISSION_DENIED unless they administer it.
  absl::StatusOr<std::string> SettingsPartnership(const Caller& caller, const std::string& name,
                                                  bool manage);

  // ---- webhooks (H1) ----
  absl::StatusOr<nv1::Webhook> DoCreateWebhook(const Caller&, const nv1::CreateWebhookRequest&);
  absl::StatusOr<nv1::Webhook> DoGetWebhook(const Caller&, const nv1::GetWebhookRequest&);
  absl::StatusOr<nv1::ListWebhooksResponse> DoListWebhooks(const Caller&,
                                                           const nv1::ListWebhooksRequest&);
  absl::StatusOr<nv1::Webhook> DoUpdateWebhook(const Caller&, const nv1::UpdateWebhookRequest&);
  absl::StatusOr<nv1::Webhook> DoRotateWebhookSecret(const Caller&,
                                                     const nv1::RotateWebhookSecretRequest&);
  absl::StatusOr<google::protobuf::Empty> DoDeleteWebhook(const Caller&,
                                                          const nv1::DeleteWebhookRequest&);
  absl::StatusOr<nv1::ListWebhookDeliveriesResponse> DoListWebhookDeliveries(
      const Caller&, const nv1::ListWebhookDeliveriesRequest&);
  absl::StatusOr<nv1::WebhookDelivery> DoRedeliverWebhookDelivery(
      const Caller&, const nv1::RedeliverWebhookDeliveryRequest&);
  absl::StatusOr<nv1::SendTestNoticeResponse> DoSendTestNotice(const Caller&,
                                                               const nv1::SendTestNoticeRequest&);
  // The scope named by `parent` if the caller administers it: NOT_FOUND if they may not
  // see it, PERMISSION_DENIED if they only see it. INVALID_ARGUMENT naming `field`.
  absl::StatusOr<WebhookScope> ManagedScope(const Caller& caller, absl::string_view parent,
                                            absl::string_view field);
  // The subscription `name` if the caller administers its scope.
  absl::StatusOr<WebhookSubscription> ManagedWebhook(const Caller& caller, absl::string_view name,
                                                     absl::string_view field);
  absl::StatusOr<nv1::SendTestNoticeResponse> TestEmail(const Caller& caller,
                                                        const std::string& email);
  absl::StatusOr<nv1::SendTestNoticeResponse> TestPing(const Caller& caller,
                                                       const std::string& webhook);
  WebhookParts webhooks_;
  // ---- end webhooks (H1) ----

  // ---- digest (H1) ----
  absl::StatusOr<nv1::NotificationPreferences> DoGetNotificationPreferences(
      const Caller& caller, const nv1::GetNotificationPreferencesRequest& request);
  absl::StatusOr<nv1::NotificationPreferences> DoUpdateNotificationPreferences(
      const Caller& caller, const nv1::UpdateNotificationPreferencesRequest& request);
  // `caller` is set when the call carried an access token.
  absl::StatusOr<nv1::NotificationPreferences> DoUnsubscribeDigest(
      const std::optional<Caller>& caller, const nv1::UnsubscribeDigestRequest& request);
  const ServiceSecret* digest_secret_ = nullptr;
  const Clock* digest_clock_ = &SystemClock();
  // ---- end digest (H1) ----

  NotificationStore* store_;
  People* people_;
  const auth::TokenVerifier* verifier_;
};

}  // namespace sixsteps::notification
