// `sixsteps notifications preferences ...` (digest, H1): the caller's own notification
// preferences (the weekly digest on or off) and the one-click unsubscribe of a digest's
// link. Their table is searched after the webhook commands' (notification_commands.cc).
#pragma once

#include <string>
#include <vector>

#include "tools/sixsteps/webhook_commands.h"

namespace sixsteps::cli {

const std::vector<Command<NotificationClient>>& PreferencesCommands();

// What `sixsteps notifications help` says of them.
std::string PreferencesHelp();

}  // namespace sixsteps::cli
