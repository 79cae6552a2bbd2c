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
inline constexpr absl::string_view kPreferencesNotes =
    "preferences show and set read and change your own notification preferences: the\n"
    "weekly digest of what is open for you (on until you turn it off). Nobody sets another\n"
    "person's. preferences unsubscribe turns the digest off with the token of a digest's\n"
    "unsubscribe link, as the link's one-click POST does.";

}  // namespace sixsteps::cli
