#include "tools/sixsteps/notification_preferences_commands.h"

#include "absl/strings/str_cat.h"
#include "tools/sixsteps/identity_format.h"

namespace sixsteps::cli {
namespace {

namespace nv1 = ::sixsteps::notification::v1;
using Stub = nv1::NotificationService::StubInterface;

constexpr char kOwnPreferences[] = "users/me/notificationPreferences";

std::string FormatPreferences(const nv1::NotificationPreferences& p) {
  std::string text =
      absl::StrCat(p.name(), "\n  weekly digest: ", p.weekly_digest() ? "on" : "off", "\n");
  if (p.has_update_time()) absl::StrAppend(&text, "  changed: ", FormatTime(p.update_time()), "\n");
  return text;
}

absl::Status Show(const CheckedArgs&, NotificationClient& client, const CommandContext& context) {
  nv1::GetNotificationPreferencesRequest request;
  request.set_name(kOwnPreferences);
  return client.CallAndPrint(&Stub::GetNotificationPreferences, request, context,
                             FormatPreferences);
}

absl::Status Set(const CheckedArgs& args, NotificationClient& client,
                 const CommandContext& context) {
  nv1::UpdateNotificationPreferencesRequest request;
  request.mutable_preferences()->set_name(kOwnPreferences);
  request.mutable_preferences()->set_weekly_digest(*args.Truth("weekly_digest"));
  request.set_update_mask("weekly_digest");
  return client.CallAndPrint(&Stub::UpdateNotificationPreferences, request, context,
                             FormatPreferences);
}

absl::Status Unsubscribe(const CheckedArgs& args, NotificationClient& client,
                         const CommandContext& context) {
  nv1::UnsubscribeDigestRequest request;
  request.set_token(std::string(args.Positional(0)));
  return client.CallAndPrint(&Stub::UnsubscribeDigest, request, context, FormatPreferences);
}

}  // namespace

const std::vector<Command<NotificationClient>>& PreferencesCommands() {
  static const auto* const kCommands = new std::vector<Command<NotificationClient>>{
      {"preferences show", "sixsteps notifications preferences show", {}, Show},
      {"preferences set",
       "sixsteps notifications preferences set --weekly-digest true|false",
       {.flags = {arg::Truth("weekly_digest").Required()}},
       Set},
      {"preferences unsubscribe",
       "sixsteps notifications preferences unsubscribe TOKEN",
       {.positionals = {arg::String("TOKEN").Required()}},
       Unsubscribe},
  };
  return *kCommands;
}

}  // namespace sixsteps::cli
