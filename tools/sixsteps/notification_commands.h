// `sixsteps notifications ...`: the notification service's outbox (what was composed, for
// whom) and the rule switches of a partnership.
#pragma once

#include <string>

#include "tools/sixsteps/command.h"

namespace sixsteps::cli {

// The dispatcher's entry for "notifications".
ServiceCommands NotificationServiceCommands();

}  // namespace sixsteps::cli
