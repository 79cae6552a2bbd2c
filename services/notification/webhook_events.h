// The events webhooks carry: which feed change or calendar day gives which event, and the
// JSON body each is POSTed with. Plain functions (unit tests in
// tests/unit/notification_webhook_test.cc). An event is about the same occasion as the
// notice of the rule it is named after, but it does not depend on who would be told: an
// integrator gets it whoever is bound, and whatever the partnership's rule switches say
// (a subscription has its own filter).
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/repeated_field.h"
#include "services/notification/rules.h"

namespace sixsteps::notification {

// The event a connection test sends (SendTestNotice); it passes every filter.
inline constexpr absl::string_view kPingEvent = "ping";

// The event types a subscription may name, in a fixed order: the notices the service
// derives ("round_opened", ..., "action_escalation").
const std::vector<std::string>& WebhookEventTypes();
bool IsWebhookEventType(absl::string_view type);

// The most event types a subscription names.
inline constexpr int kMaxWebhookEventTypes = 16;

// The event types to keep: INVALID_ARGUMENT naming `field` for none, more than
// kMaxWebhookEventTypes, one unknown or one named twice.
absl::StatusOr<std::vector<std::string>> ParseWebhookEventTypes(
    const google::protobuf::RepeatedPtrField<std::string>& types, absl::string_view field);

// One event, before it is matched with subscriptions.
struct WebhookEvent {
  // Unique per event: the same change or day seen again gives the same key.
  std::string key;
  std::string type;
  std::string partnership_id;
  std::string region_id;
  // The JSON body (WebhookPayload).
  std::string payload;
};

// {"type": ..., "timestamp": RFC 3339, "data": {"partnership": "partnerships/p",
//  "region": "regions/r", "about": ..., and `details`}}: the Standard Webhooks shape.
std::string WebhookPayload(absl::string_view type, absl::Time time,
                           absl::string_view partnership_id, absl::string_view region_id,
                           absl::string_view about,
                           const std::vector<std::pair<std::string, std::string>>& details);

// The events of one feed change (the feed rules' triggers).
std::vector<WebhookEvent> WebhookEventsForChange(const av1::Change& change,
                                                 const ChangeFacts& facts);

// The events of `today` for open actions (the calendar rules' days: due within 14 days,
// due today, overdue, 14 days overdue), each keyed by action and due date so that it is
// kept once however often the day is judged; stamped with `now`.
std::vector<WebhookEvent> WebhookEventsForDay(const std::vector<OpenAction>& actions,
                                              absl::CivilDay today, absl::Time now);

// A connection test for a subscription, keyed by `nonce`.
WebhookEvent PingEvent(absl::string_view partnership_id, absl::string_view region_id,
                       absl::string_view webhook_name, absl::string_view nonce, absl::Time now);

}  // namespace sixsteps::notification
