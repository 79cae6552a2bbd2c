// SendTestNotice: an email to the caller's own address through the outbox (and the SMTP
// sender, whose answer it waits for), or a "ping" to a subscription, tried before answering.
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/base/make_status.h"
#include "services/base/status_macros.h"
#include "services/common/grpc_reply.h"
#include "services/common/ids.h"
#include "services/notification/notification_service.h"
#include "services/notification/smtp.h"
#include "services/notification/webhook_events.h"

namespace sixsteps::notification {
namespace {

// The test email, to `to`; its key is new on every call.
NewDelivery TestEmailOf(const Person& to, nv1::OutboxMessage::State state) {
  NewDelivery d;
  d.notice.rule = "test_notice";
  d.notice.about = to.principal;
  d.notice.occasion = RandomId("t");
  d.notice.recipient = to;
  d.composed.subject = "Six Steps Scrutiny Hub: a test notice";
  d.composed.text = absl::StrCat(
      "Dear ", to.display_name,
      ",\n\nYou asked the hub to send you a test notice. It arrived: notices will reach you.\n");
  d.composed.html = absl::StrCat("<p>Dear ", EscapeHtml(to.display_name),
                                 ",</p><p>You asked the hub to send you a test notice. It "
                                 "arrived: notices will reach you.</p>");
  d.state = state;
  return d;
}

}  // namespace

SIXSTEPS_RPC(NotificationServiceImpl, SendTestNotice, nv1::SendTestNoticeRequest,
             nv1::SendTestNoticeResponse)

absl::StatusOr<nv1::SendTestNoticeResponse> NotificationServiceImpl::DoSendTestNotice(
    const Caller& caller, const nv1::SendTestNoticeRequest& r) {
  switch (r.target_case()) {
    case nv1::SendTestNoticeRequest::kEmail:
      if (!IsValidEmailAddress(r.email())) {
        return Invalid("email", "not an email address (local@domain, at most 254 characters)");
      }
      return TestEmail(caller, r.email());
    case nv1::SendTestNoticeRequest::kWebhook:
      return TestPing(caller, r.webhook());
    default:
      return Invalid("target", "name an email address of your own or a webhook");
  }
}

absl::StatusOr<nv1::SendTestNoticeResponse> NotificationServiceImpl::TestEmail(
    const Caller& caller, const std::string& email) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::optional<Person> me, people_->FindPerson(caller.principal));
  if (!me || me->email.empty()) {
    return absl::FailedPreconditionError("you have no email address in the hub to send to");
  }
  if (!absl::EqualsIgnoreCase(me->email, email)) {
    return absl::PermissionDeniedError("a test notice goes only to your own email address");
  }
  const NewDelivery notice =
      TestEmailOf(*me, webhooks_.smtp_configured ? nv1::OutboxMessage::STATE_PENDING
                                                 : nv1::OutboxMessage::STATE_OUTBOX);
  SIXSTEPS_RETURN_IF_ERROR(store_->InsertDeliveries({notice}).status());
  DeliveryVisibility mine;
  mine.recipient = caller.principal;
  const std::string key = notice.notice.IdempotencyKey();
  nv1::SendTestNoticeResponse response;
  // The SMTP sender takes it from the outbox like every notice; wait for its answer.
  const absl::Time give_up = absl::Now() + webhooks_.email_wait;
  while (true) {
    SIXSTEPS_ASSIGN_OR_RETURN(std::vector<nv1::OutboxMessage> newest,
                              store_->ListDeliveries(mine, "", 0, 20));
    for (const nv1::OutboxMessage& m : newest) {
      if (m.idempotency_key() == key) *response.mutable_outbox_message() = m;
    }
    const auto state = response.outbox_message().state();
    if (state != nv1::OutboxMessage::STATE_PENDING || absl::Now() >= give_up) break;
    absl::SleepFor(absl::Milliseconds(100));
  }
  switch (response.outbox_message().state()) {
    case nv1::OutboxMessage::STATE_OUTBOX:
      response.set_outcome("kept_in_outbox");
      response.set_detail("no SMTP server is configured: the notice is kept in the outbox");
      break;
    case nv1::OutboxMessage::STATE_SENT:
      response.set_outcome("sent");
      response.set_detail(absl::StrCat("the SMTP server took it for ", me->email));
      break;
    case nv1::OutboxMessage::STATE_PENDING:
      response.set_outcome("pending");
      response.set_detail(
          absl::StrCat("not sent yet: ", response.outbox_message().last_error().empty()
                                             ? "the SMTP sender has not tried it"
                                             : response.outbox_message().last_error()));
      break;
    default:
      response.set_outcome("failed");
      response.set_detail(response.outbox_message().last_error());
  }
  return response;
}

absl::StatusOr<nv1::SendTestNoticeResponse> NotificationServiceImpl::TestPing(
    const Caller& caller, const std::string& webhook) {
  SIXSTEPS_ASSIGN_OR_RETURN(WebhookSubscription s, ManagedWebhook(caller, webhook, "webhook"));
  if (!s.enabled) {
    return absl::FailedPreconditionError(
        "the webhook is disabled: enable it (UpdateWebhook) before testing it");
  }
  const absl::Time now = webhooks_.clock->Now();
  WebhookEvent ping =
      PingEvent(s.scope.partnership_id, s.scope.region_id, s.Name(), RandomId("p"), now);
  SIXSTEPS_ASSIGN_OR_RETURN(
      ClaimedDelivery claimed,
      webhooks_.store->KeepAndClaim(s, ping, now, webhooks_.dispatcher->options().lease));
  const AttemptRecord attempt = webhooks_.dispatcher->Attempt(claimed);
  nv1::SendTestNoticeResponse response;
  SIXSTEPS_ASSIGN_OR_RETURN(*response.mutable_delivery(),
                            webhooks_.store->GetWebhookDelivery(s, claimed.delivery_id));
  response.set_outcome(attempt.delivered ? "sent" : "failed");
  response.set_detail(attempt.response_code != 0
                          ? absl::StrCat("the receiver answered HTTP ", attempt.response_code,
                                         " in ", attempt.latency_ms, " ms",
                                         attempt.delivered ? "" : ": not 2xx")
                          : absl::StrCat("no answer: ", attempt.error));
  return response;
}

}  // namespace sixsteps::notification
