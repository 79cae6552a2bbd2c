// Follows the assessment change feed and the calendar, and keeps the notices they give.
// One active follower per deployment (a PostgreSQL advisory lock on a connection of its
// own, released at once if the process dies); the others wait to take over. Each batch of
// changes is applied in one transaction with the cursor (NotificationStore::ApplyChanges),
// so a restart, a SIGKILL or a change of leader resumes exactly where the last commit left
// off. A change that fails for a reason retrying cannot cure is quarantined and counted
// (sixsteps_notification_quarantined_total); transient failures are retried with backoff.
//
// The calendar rules run on the leader every `calendar_every` (and at once on taking the
// lead), on the hub's date from the injected clock: a day missed while the service was down
// is made good at the next run, and the idempotency keys keep any notice from being kept
// twice.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <grpcpp/channel.h>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/base/clock.h"
#include "services/common/leader_lock.h"
#include "services/common/metrics.h"
#include "services/notification/people.h"
#include "services/notification/service_secret.h"  // digest (H1)
#include "services/notification/store.h"
#include "services/notification/templates.h"
#include "services/notification/webhook_store.h"  // webhooks (H1)

namespace sixsteps::notification {

struct FollowerOptions {
  // Changes asked for per page.
  int page_size = 200;
  // Wait between polls once the feed is read to its head.
  absl::Duration poll = absl::Milliseconds(500);
  absl::Duration backoff = absl::Milliseconds(200);
  absl::Duration max_backoff = absl::Seconds(5);
  // How long a standby waits between attempts to take over.
  absl::Duration standby_poll = absl::Milliseconds(500);
  // How often the calendar rules run.
  absl::Duration calendar_every = absl::Minutes(5);
  // Where new notices go: the outbox (no SMTP server configured) or the SMTP queue.
  nv1::OutboxMessage::State new_state = nv1::OutboxMessage::STATE_OUTBOX;
};

// ---- digest (H1) ----
// The weekly digest: when, and the one-click unsubscribe link it carries.
struct DigestOptions {
  DigestSchedule schedule;
  // The URL an operator routes to UnsubscribeDigest ("https://hub.example.org/unsubscribe"):
  // each digest links "<url>?token=<token>"; empty: no List-Unsubscribe header.
  std::string unsubscribe_url;
  // Signs the tokens (needed for a link).
  const ServiceSecret* secret = nullptr;
  // How long a link works: past the next few digests, each of which has a fresh one.
  absl::Duration link_lifetime = absl::Hours(24 * 60);
};
// "<url>?token=<token>" for `principal`'s digest, empty without a URL or a secret.
std::string UnsubscribeLink(const DigestOptions& options, const std::string& principal,
                            absl::Time now);
// ---- end digest (H1) ----

// Composes notices into deliveries with the templates.
absl::StatusOr<std::vector<NewDelivery>> ComposeAll(const TemplateSet& templates,
                                                    const std::vector<Notice>& notices,
                                                    nv1::OutboxMessage::State state);

// Whether retrying may cure a failure (a service or the database unreachable or busy, a
// timeout, an expired token); anything else would fail the same way every time.
bool IsTransient(const absl::Status& status);

class Follower {
 public:
  Follower(NotificationStore* store, People* people, const TemplateSet* templates,
           reporting::ServiceToken* token, std::shared_ptr<grpc::Channel> assessment,
           std::string database_url, const Clock* clock, absl::TimeZone zone,
           FollowerOptions options = {});
  ~Follower();

  void Start();
  void Stop();
  bool is_leader() const { return leader_.held(); }

  // One pass, on the calling thread, whether or not this follower leads (tests): the feed
  // to its head, then the calendar rules.
  absl::Status CatchUp();
  absl::Status RunCalendar();

  // ---- webhooks (H1): the calendar's events go to these subscriptions too (none if unset).
  void set_webhook_store(WebhookStore* webhooks) { webhooks_ = webhooks; }

  // ---- digest (H1): sent once a week when enabled (the service's main always does;
  // tests that want digests too). The week's digests are composed after the calendar rules.
  void EnableDigests(DigestOptions options) { digests_ = std::move(options); }
  // Composes the digests of the latest slot if that week's are not composed yet. The first
  // run ever marks the current week done without composing: a new hub's first digest goes
  // out at its next slot, not the moment it starts.
  absl::Status RunDigests();

 private:
  void Run();
  // Applies a page of changes; if one fails for good, one at a time, quarantining it.
  absl::Status ApplyBatch(const std::vector<av1::Change>& changes);
  absl::Status ApplyChanges(const std::vector<av1::Change>& changes);
  // Sleeps up to `duration`, or until Stop().
  void Pause(absl::Duration duration);

  NotificationStore* store_;
  People* people_;
  const TemplateSet* templates_;
  reporting::ServiceToken* token_;
  std::shared_ptr<grpc::Channel> assessment_;
  const Clock* clock_;
  const absl::TimeZone zone_;
  const FollowerOptions options_;
  std::atomic<bool> stop_{false};
  std::mutex pause_mu_;
  std::condition_variable pause_cv_;
  std::thread thread_;
  absl::Time last_calendar_ = absl::InfinitePast();
  metrics::Counter* quarantined_;
  LeaderLock leader_;
  WebhookStore* webhooks_ = nullptr;      // webhooks (H1)
  std::optional<DigestOptions> digests_;  // digest (H1)
};

}  // namespace sixsteps::notification
