// Delivers webhook events: a scheduler claims due deliveries from the database (the queue
// is there, never in memory beyond the claimed few) and hands them to a bounded pool of
// worker threads, each with its own HTTP client. At most `per_subscription` deliveries of a
// subscription are in flight at once (across replicas: the claim counts leases), so a slow
// or dead receiver holds at most that many workers and delays no other subscription; and
// an attempt holds its worker for at most the HTTP total timeout, however slowly the
// receiver answers (one that never answers, or trickles its answer byte by byte, is cut
// off then and the attempt is an "error").
// Every attempt is signed with the subscription's secret at the moment it is made, kept
// in the log, and decides the delivery's next try (backoff with full jitter, counted from
// the attempt's end, for up to 24 hours); a subscription failing for a day is disabled and its
// owners are told by email through the outbox (its creator, and for a partnership the partnership
// administrators).
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/random/random.h"
#include "absl/status/statusor.h"
#include "services/base/clock.h"
#include "services/notification/people.h"
#include "services/notification/store.h"
#include "services/notification/webhook_sender.h"
#include "services/notification/webhook_store.h"

namespace sixsteps::notification {

struct WebhookDispatcherOptions {
  int workers = 16;
  int per_subscription = 4;
  // Wait between claims when nothing was due.
  absl::Duration poll = absl::Milliseconds(200);
  // A claimed delivery is another worker's again after this (a worker that died); longer
  // than any attempt (total timeout).
  absl::Duration lease = absl::Minutes(2);
  WebhookHttpSettings http;
  // Where the notices to the owners of a disabled subscription go (outbox or SMTP queue).
  nv1::OutboxMessage::State notice_state = nv1::OutboxMessage::STATE_OUTBOX;
};

// The headers of one signed attempt (webhook-id, webhook-timestamp, webhook-signature).
absl::StatusOr<std::vector<std::pair<std::string, std::string>>> SignedHeaders(
    const ClaimedDelivery& delivery, absl::Time now);

// The notice to one owner of a subscription the service disabled.
NewDelivery DisabledNotice(const WebhookSubscription& subscription, const Person& owner,
                           nv1::OutboxMessage::State state);

class WebhookDispatcher {
 public:
  WebhookDispatcher(WebhookStore* store, People* people, const Clock* clock,
                    WebhookDispatcherOptions options);
  ~WebhookDispatcher();

  void Start();
  void Stop();

  // One attempt of a claimed delivery on the calling thread (SendTestNotice's ping).
  AttemptRecord Attempt(const ClaimedDelivery& delivery);
  // Claims what is due now and delivers it on the calling thread (tests): how many were tried.
  absl::StatusOr<int> DeliverDue();

  const WebhookDispatcherOptions& options() const { return options_; }

 private:
  AttemptRecord AttemptWith(WebhookHttpClient& client, const ClaimedDelivery& delivery);
  // The notices to the owners of a subscription being disabled (its partnership's
  // administrators and its creator; a region's, its creator): kept by the store in the
  // transaction that disables it. An error from identity rolls that back.
  absl::StatusOr<std::vector<NewDelivery>> NoticesToOwners(const WebhookSubscription& subscription);
  void Schedule();
  void Work();
  std::vector<int64_t> InFlight();

  WebhookStore* store_;
  People* people_;
  const Clock* clock_;
  const WebhookDispatcherOptions options_;
  std::mutex random_mu_;
  absl::BitGen random_;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::condition_variable work_cv_;
  std::condition_variable schedule_cv_;
  std::deque<ClaimedDelivery> queue_;
  std::set<int64_t> in_flight_;
  std::thread scheduler_;
  std::vector<std::thread> workers_;
};

}  // namespace sixsteps::notification
