// The page sizes of the notification service's List RPCs (AIP-158).
#pragma once

#include "services/common/pagination.h"

namespace sixsteps::notification {

inline constexpr PageSizeLimits kListOutboxMessagesPage{50, 500};
// UpdateRuleSettings takes at most this many switches.
inline constexpr int kMaxRuleSwitches = 64;

// ---- webhooks (H1) ----
inline constexpr PageSizeLimits kListWebhooksPage{50, 200};
inline constexpr PageSizeLimits kListWebhookDeliveriesPage{20, 100};
// A partnership or a region has at most this many subscriptions.
inline constexpr int kMaxWebhooksPerScope = 50;
// ---- end webhooks (H1) ----

}  // namespace sixsteps::notification
