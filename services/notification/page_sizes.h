// The page sizes of the notification service's List RPCs (AIP-158).
#pragma once

#include "services/common/pagination.h"

namespace sixsteps::notification {

inline constexpr PageSizeLimits kListOutboxMessagesPage{50, 500};
// UpdateRuleSettings takes at most this many switches.
inline constexpr int kMaxRuleSwitches = 64;

}  // namespace sixsteps::notification
