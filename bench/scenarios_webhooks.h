// The webhook scenario (issue 17): deliveries per minute from the notification service to
// a receiver in this process, and the time from a change's feed entry to its delivery.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "bench/scenarios.h"

namespace sixsteps::bench {

struct WebhookScenarioOptions {
  // The notification service, started with SIXSTEPS_WEBHOOK_ALLOW_LOOPBACK_HTTP=true so that
  // it may deliver to the receiver's http://127.0.0.1 address.
  std::string notification_address = "127.0.0.1:50055";
  // Subscriptions of the region, each getting every event (the fan-out).
  int subscriptions = 10;
  // Rounds opened per second (each one event, `subscriptions` deliveries).
  double events_per_second = 20;
};

// Opens rounds in the seeded partnerships at the set pace for options.duration; every
// subscription of the region gets each round_opened event. The result counts deliveries
// (its throughput() is per second: times 60 for the per-minute figure) and its latency is
// from each change's feed time (the payload's timestamp) to its arrival, for deliveries
// that arrived within 60 s of the last event.
absl::StatusOr<ScenarioResult> RunWebhookDeliveries(const ScenarioContext& context,
                                                    const RunOptions& options,
                                                    const WebhookScenarioOptions& webhooks);

}  // namespace sixsteps::bench
