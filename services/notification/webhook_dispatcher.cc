#include "services/notification/webhook_dispatcher.h"

#include <curl/curl.h>

#include "absl/strings/str_cat.h"
#include "services/base/status_macros.h"
#include "services/common/log.h"
#include "services/notification/templates.h"
#include "services/notification/webhook_domain.h"

namespace sixsteps::notification {

absl::StatusOr<std::vector<std::pair<std::string, std::string>>> SignedHeaders(
    const ClaimedDelivery& delivery, absl::Time now) {
  const int64_t timestamp = absl::ToUnixSeconds(now);
  absl::StatusOr<std::string> signature =
      SignWebhook(delivery.secret, delivery.MessageId(), timestamp, delivery.payload);
  if (!signature.ok()) return signature.status();
  return std::vector<std::pair<std::string, std::string>>{
      {"webhook-id", delivery.MessageId()},
      {"webhook-timestamp", absl::StrCat(timestamp)},
      {"webhook-signature", *signature}};
}

NewDelivery DisabledNotice(const WebhookSubscription& s, const Person& owner,
                           nv1::OutboxMessage::State state) {
  NewDelivery d;
  d.notice.rule = "webhook_disabled";
  d.notice.partnership_id = s.scope.partnership_id;
  d.notice.region_id = s.scope.region_id;
  d.notice.about = s.Name();
  // One notice per disabling (a subscription enabled again and disabled later is another).
  d.notice.occasion = absl::StrCat(absl::ToUnixMicros(s.update_time));
  d.notice.recipient = owner;
  const std::string text = absl::StrCat(
      "Dear ", owner.display_name, ",\n\nEvery delivery to the webhook ", s.Name(), " (", s.url,
      ") has failed for 24 hours, so the hub has disabled it. Its deliveries are kept: fix the "
      "receiver, enable the webhook again (sixsteps notifications webhooks update --enabled) "
      "and redeliver what it missed (sixsteps notifications webhooks deliveries, redeliver).\n");
  d.composed.subject = absl::StrCat("A webhook was disabled: ", s.Name());
  d.composed.text = text;
  d.composed.html = absl::StrCat("<p>Dear ", EscapeHtml(owner.display_name),
                                 ",</p><p>Every delivery to the webhook <b>", EscapeHtml(s.Name()),
                                 "</b> (", EscapeHtml(s.url),
                                 ") has failed for 24 hours, so the hub has disabled it. Its "
                                 "deliveries are kept: fix the receiver, enable the webhook "
                                 "again and redeliver what it missed.</p>");
  d.state = state;
  return d;
}

WebhookDispatcher::WebhookDispatcher(WebhookStore* store, People* people, const Clock* clock,
                                     WebhookDispatcherOptions options)
    : store_(store), people_(people), clock_(clock), options_(options) {
  static std::once_flag curl_started;
  std::call_once(curl_started, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

WebhookDispatcher::~WebhookDispatcher() { Stop(); }

void WebhookDispatcher::Start() {
  stop_ = false;
  for (int i = 0; i < options_.workers; ++i) workers_.emplace_back([this] { Work(); });
  scheduler_ = std::thread([this] { Schedule(); });
}

void WebhookDispatcher::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  work_cv_.notify_all();
  schedule_cv_.notify_all();
  if (scheduler_.joinable()) scheduler_.join();
  for (std::thread& worker : workers_) {
    if (worker.joinable()) worker.join();
  }
  workers_.clear();
  // What was claimed and not tried goes back to the queue when its lease runs out.
  queue_.clear();
  in_flight_.clear();
}

AttemptRecord WebhookDispatcher::AttemptWith(WebhookHttpClient& client,
                                             const ClaimedDelivery& delivery) {
  AttemptRecord record;
  record.time = clock_->Now();
  auto headers = SignedHeaders(delivery, record.time);
  if (!headers.ok()) {
    record.outcome = "error";
    record.error = std::string(headers.status().message());
  } else {
    HttpAnswer answer = client.Post(delivery.url, *headers, delivery.payload);
    record.response_code = answer.code;
    record.latency_ms = absl::ToInt64Milliseconds(answer.latency);
    record.response_body = LoggableBody(answer.body);
    record.error = LoggableBody(answer.error);
    record.delivered = answer.error.empty() && answer.code >= 200 && answer.code < 300;
    // An answer cut short (a status line, then the body trickling until the timeout) is no
    // answer: "error", with the status that came kept in the log.
    record.outcome = record.delivered                           ? "delivered"
                     : answer.code != 0 && answer.error.empty() ? "refused"
                                                                : "error";
  }
  record.finish_time = clock_->Now();
  absl::StatusOr<std::optional<WebhookSubscription>> disabled;
  {
    std::lock_guard<std::mutex> lock(random_mu_);
    absl::BitGen random(std::seed_seq{absl::Uniform<uint64_t>(random_)});
    disabled = store_->RecordWebhookAttempt(
        delivery, record, random,
        [this](const WebhookSubscription& s) { return NoticesToOwners(s); });
  }
  if (!disabled.ok()) {
    // The lease runs out and the delivery is tried again: at least once, never lost.
    LogEvent("webhook_record_failed", {{"level", "error"},
                                       {"delivery", delivery.delivery_id},
                                       {"error", disabled.status().ToString()}});
  } else if (disabled->has_value()) {
    LogEvent("webhook_disabled", {{"level", "warning"}, {"webhook", (*disabled)->Name()}});
  }
  return record;
}

AttemptRecord WebhookDispatcher::Attempt(const ClaimedDelivery& delivery) {
  WebhookHttpClient client(options_.http);
  return AttemptWith(client, delivery);
}

absl::StatusOr<std::vector<NewDelivery>> WebhookDispatcher::NoticesToOwners(
    const WebhookSubscription& s) {
  std::vector<Person> owners;
  if (!s.scope.partnership_id.empty()) {
    absl::StatusOr<PartnershipPeople> people =
        people_->ForPartnership(s.scope.partnership_id, {s.creator});
    if (people.ok()) {
      owners = people->WithRole(auth::Role::ROLE_PARTNERSHIP_ADMINISTRATOR);
      if (std::optional<Person> creator = people->Find(s.creator)) owners.push_back(*creator);
    } else if (!absl::IsNotFound(people.status())) {
      return people.status();  // identity unreachable: the attempt is recorded later
    }
  } else {
    SIXSTEPS_ASSIGN_OR_RETURN(std::optional<Person> creator, people_->FindPerson(s.creator));
    if (creator) owners.push_back(*creator);
  }
  std::vector<NewDelivery> notices;
  std::set<std::string> told;
  for (const Person& owner : owners) {
    if (owner.email.empty() || !told.insert(owner.principal).second) continue;
    notices.push_back(DisabledNotice(s, owner, options_.notice_state));
  }
  return notices;
}

std::vector<int64_t> WebhookDispatcher::InFlight() {
  std::lock_guard<std::mutex> lock(mu_);
  return std::vector<int64_t>(in_flight_.begin(), in_flight_.end());
}

absl::StatusOr<int> WebhookDispatcher::DeliverDue() {
  absl::StatusOr<std::vector<ClaimedDelivery>> claimed = store_->ClaimDue(
      clock_->Now(), options_.workers, options_.per_subscription, options_.lease, InFlight());
  if (!claimed.ok()) return claimed.status();
  WebhookHttpClient client(options_.http);
  for (const ClaimedDelivery& delivery : *claimed) AttemptWith(client, delivery);
  return static_cast<int>(claimed->size());
}

void WebhookDispatcher::Schedule() {
  while (!stop_) {
    int free = 0;
    {
      std::unique_lock<std::mutex> lock(mu_);
      // Claim only what idle workers can take at once: the rest stays in the database.
      schedule_cv_.wait(
          lock, [&] { return stop_ || static_cast<int>(in_flight_.size()) < options_.workers; });
      if (stop_) break;
      free = options_.workers - static_cast<int>(in_flight_.size());
    }
    absl::StatusOr<std::vector<ClaimedDelivery>> claimed = store_->ClaimDue(
        clock_->Now(), free, options_.per_subscription, options_.lease, InFlight());
    if (!claimed.ok()) {
      LogEvent("webhook_claim_failed", {{"error", claimed.status().ToString()}});
    }
    if (!claimed.ok() || claimed->empty()) {
      std::unique_lock<std::mutex> lock(mu_);
      schedule_cv_.wait_for(lock, absl::ToChronoNanoseconds(options_.poll),
                            [&] { return stop_.load(); });
      continue;
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (ClaimedDelivery& delivery : *claimed) {
        in_flight_.insert(delivery.delivery_id);
        queue_.push_back(std::move(delivery));
      }
    }
    work_cv_.notify_all();
  }
}

void WebhookDispatcher::Work() {
  WebhookHttpClient client(options_.http);
  while (true) {
    ClaimedDelivery delivery;
    {
      std::unique_lock<std::mutex> lock(mu_);
      work_cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
      if (stop_) return;
      delivery = std::move(queue_.front());
      queue_.pop_front();
    }
    AttemptWith(client, delivery);
    {
      std::lock_guard<std::mutex> lock(mu_);
      in_flight_.erase(delivery.delivery_id);
    }
    schedule_cv_.notify_all();
  }
}

}  // namespace sixsteps::notification
