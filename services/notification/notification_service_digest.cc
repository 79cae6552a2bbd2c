// NotificationService's digest RPCs (digest, H1): each person's own preferences, and the
// one-click unsubscribe of the weekly digest.
//
// Nobody reads or changes another person's preferences, partnership and hub administrators
// neither: the digest is the person's own mail, it carries only what they could see anyway,
// and turning it off (or on) for someone is a choice about their inbox that the person
// makes. An administrator who wants a partnership's digests stopped switches the
// weekly_digest rule off for the partnership (UpdateRuleSettings).
#include <grpcpp/server_context.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "services/base/make_status.h"
#include "services/base/status_macros.h"
#include "services/common/grpc_reply.h"
#include "services/common/log.h"
#include "services/common/validation.h"
#include "services/notification/notification_service.h"

namespace sixsteps::notification {
namespace {

constexpr size_t kMaxPreferencesName = 200;
constexpr size_t kMaxUpdateMask = 200;
constexpr absl::string_view kPreferencesSuffix = "/notificationPreferences";

nv1::NotificationPreferences ToProto(const std::string& principal,
                                     const NotificationStore::Preferences& preferences) {
  nv1::NotificationPreferences out;
  out.set_name(absl::StrCat(principal, kPreferencesSuffix));
  out.set_weekly_digest(preferences.weekly_digest);
  if (preferences.update_time != absl::InfinitePast()) {
    *out.mutable_update_time() = ToTimestamp(preferences.update_time);
  }
  return out;
}

}  // namespace

absl::StatusOr<std::string> OwnPreferencesPrincipal(const Caller& caller, absl::string_view name) {
  if (name.size() > kMaxPreferencesName) {
    return Invalid("name", absl::StrCat("at most ", kMaxPreferencesName, " characters"));
  }
  absl::string_view id = name;
  if (!absl::ConsumePrefix(&id, "users/") || !absl::ConsumeSuffix(&id, kPreferencesSuffix) ||
      (id != "me" && !IsResourceId(id))) {
    return Invalid("name", "must look like users/{user}/notificationPreferences (or users/me/...)");
  }
  if (caller.service_account || !absl::StartsWith(caller.principal, "users/")) {
    return absl::PermissionDeniedError(
        "a service account has no notification preferences: only people have digests");
  }
  if (id != "me" && absl::StrCat("users/", id) != caller.principal) {
    return absl::PermissionDeniedError(
        "notification preferences are their person's own: nobody reads or sets another's");
  }
  return caller.principal;
}

absl::StatusOr<bool> ParsePreferencesMask(absl::string_view mask) {
  if (mask.size() > kMaxUpdateMask) {
    return Invalid("update_mask", absl::StrCat("at most ", kMaxUpdateMask, " characters"));
  }
  bool weekly_digest = false;
  for (absl::string_view path : absl::StrSplit(mask, ',', absl::SkipWhitespace())) {
    path = absl::StripAsciiWhitespace(path);
    if (path != "weekly_digest") {
      return Invalid("update_mask", absl::StrCat("unknown path '", path.substr(0, 50),
                                                 "' (known: weekly_digest)"));
    }
    weekly_digest = true;
  }
  if (!weekly_digest) return Invalid("update_mask", "name at least one path: weekly_digest");
  return weekly_digest;
}

SIXSTEPS_RPC(NotificationServiceImpl, GetNotificationPreferences,
             nv1::GetNotificationPreferencesRequest, nv1::NotificationPreferences)
SIXSTEPS_RPC(NotificationServiceImpl, UpdateNotificationPreferences,
             nv1::UpdateNotificationPreferencesRequest, nv1::NotificationPreferences)

absl::StatusOr<nv1::NotificationPreferences> NotificationServiceImpl::DoGetNotificationPreferences(
    const Caller& caller, const nv1::GetNotificationPreferencesRequest& request) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string principal, OwnPreferencesPrincipal(caller, request.name()));
  SIXSTEPS_ASSIGN_OR_RETURN(NotificationStore::Preferences preferences,
                            store_->GetPreferences(principal));
  return ToProto(principal, preferences);
}

absl::StatusOr<nv1::NotificationPreferences>
NotificationServiceImpl::DoUpdateNotificationPreferences(
    const Caller& caller, const nv1::UpdateNotificationPreferencesRequest& request) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string principal,
                            OwnPreferencesPrincipal(caller, request.preferences().name()));
  SIXSTEPS_RETURN_IF_ERROR(ParsePreferencesMask(request.update_mask()).status());
  SIXSTEPS_ASSIGN_OR_RETURN(
      NotificationStore::Preferences preferences,
      store_->SetWeeklyDigest(principal, request.preferences().weekly_digest()));
  LogEvent("notification_preferences",
           {{"principal", principal}, {"weekly_digest", request.preferences().weekly_digest()}});
  return ToProto(principal, preferences);
}

// Not SIXSTEPS_RPC: the unsubscribe token is the credential (a mail client's one-click POST
// carries no access token); an access token, if sent, must authenticate and be the person's.
grpc::Status NotificationServiceImpl::UnsubscribeDigest(
    grpc::ServerContext* context, const nv1::UnsubscribeDigestRequest* request,
    nv1::NotificationPreferences* response) {
  if (grpc::Status bad = CheckRequest(*request); !bad.ok()) return bad;
  std::optional<Caller> caller;
  if (context->client_metadata().count("authorization") > 0) {
    absl::StatusOr<Caller> authenticated = verifier().Authenticate(*context);
    if (!authenticated.ok()) return ToGrpcStatus(authenticated.status());
    caller = std::move(*authenticated);
  }
  return Reply(DoUnsubscribeDigest(caller, *request), response);
}

absl::StatusOr<nv1::NotificationPreferences> NotificationServiceImpl::DoUnsubscribeDigest(
    const std::optional<Caller>& caller, const nv1::UnsubscribeDigestRequest& request) {
  if (caller && (caller->service_account || !absl::StartsWith(caller->principal, "users/"))) {
    return absl::PermissionDeniedError("a service account has no digest to unsubscribe from");
  }
  if (digest_secret_ == nullptr) {
    return absl::UnimplementedError("this service has no secret to verify unsubscribe tokens");
  }
  SIXSTEPS_ASSIGN_OR_RETURN(std::string principal, digest_secret_->VerifyUnsubscribeToken(
                                                       request.token(), digest_clock_->Now()));
  if (caller && caller->principal != principal) {
    return absl::PermissionDeniedError(
        "this unsubscribe link is another person's: each person turns off only their own digest");
  }
  SIXSTEPS_ASSIGN_OR_RETURN(NotificationStore::Preferences preferences,
                            store_->SetWeeklyDigest(principal, false));
  LogEvent("digest_unsubscribed", {{"principal", principal}});
  return ToProto(principal, preferences);
}

}  // namespace sixsteps::notification
