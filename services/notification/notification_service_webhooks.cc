// The webhook subscriptions and their deliveries (issue 17, webhooks for integrators).
// Who may: the partnership administrators of a partnership's subscriptions and the hub
// administrators of its region; a region's, its hub administrators. Anyone else who sees
// the scope is refused PERMISSION_DENIED, anyone who does not NOT_FOUND.
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "services/base/clock.h"
#include "services/base/make_status.h"
#include "services/base/names.h"
#include "services/base/status_macros.h"
#include "services/common/grpc_reply.h"
#include "services/common/ids.h"
#include "services/common/validation.h"
#include "services/notification/notification_service.h"
#include "services/notification/page_sizes.h"
#include "services/notification/webhook_domain.h"
#include "services/notification/webhook_events.h"

namespace sixsteps::notification {
namespace {

constexpr int kMaxDescription = 200;

// A scope's name taken apart, not yet authorised.
struct ParsedScope {
  bool partnership = false;
  std::string id;
};

absl::StatusOr<ParsedScope> ParseScope(absl::string_view parent, absl::string_view field) {
  absl::string_view id = parent;
  ParsedScope scope;
  if (absl::ConsumePrefix(&id, "partnerships/")) {
    scope.partnership = true;
  } else if (!absl::ConsumePrefix(&id, "regions/")) {
    id = "";
  }
  if (!IsResourceId(id)) {
    return Invalid(field, absl::StrCat("must be partnerships/{id} or regions/{id}, got '",
                                       parent.substr(0, 200), "'"));
  }
  scope.id = std::string(id);
  return scope;
}

// "{scope}/webhooks/{id}{rest}": the scope, the id, and what follows.
struct ParsedWebhookName {
  std::string scope;
  std::string id;
  std::string rest;
};

absl::StatusOr<ParsedWebhookName> ParseWebhookName(absl::string_view name,
                                                   absl::string_view field) {
  std::vector<absl::string_view> parts = absl::StrSplit(name, absl::MaxSplits('/', 4));
  if (parts.size() < 4 || parts[2] != "webhooks" || !IsResourceId(parts[3]) ||
      !ParseScope(absl::StrCat(parts[0], "/", parts[1]), field).ok()) {
    return Invalid(field, absl::StrCat("must be partnerships/{p}/webhooks/{w} or "
                                       "regions/{r}/webhooks/{w}, got '",
                                       name.substr(0, 200), "'"));
  }
  return ParsedWebhookName{absl::StrCat(parts[0], "/", parts[1]), std::string(parts[3]),
                           parts.size() > 4 ? std::string(parts[4]) : std::string()};
}

absl::Status ValidateDescription(absl::string_view description) {
  if (description.empty()) return absl::OkStatus();
  return ValidateText(description, kMaxDescription, "webhook.description");
}

// The update_mask's paths; INVALID_ARGUMENT for none or an unknown one.
absl::StatusOr<std::set<std::string>> ParseUpdateMask(absl::string_view mask) {
  static const std::set<std::string> kPaths = {"url", "event_types", "description", "enabled"};
  std::set<std::string> paths;
  for (absl::string_view path : absl::StrSplit(mask, ',', absl::SkipWhitespace())) {
    path = absl::StripAsciiWhitespace(path);
    if (kPaths.count(std::string(path)) == 0) {
      return Invalid("update_mask", absl::StrCat("unknown path '", path.substr(0, 64),
                                                 "' (url, event_types, description, enabled)"));
    }
    paths.insert(std::string(path));
  }
  if (paths.empty()) return Invalid("update_mask", "name at least one field to change");
  return paths;
}

absl::Status CheckWebhookEtag(absl::string_view given, const WebhookSubscription& stored) {
  if (given != stored.ToProto(false).etag()) {
    return absl::AbortedError("the webhook changed since it was read: read it again (etag)");
  }
  return absl::OkStatus();
}

absl::Status RequireEtag(absl::string_view etag, absl::string_view field) {
  if (etag.empty()) return Invalid(field, "is required (as last read)");
  if (etag.size() > 64) return Invalid(field, "at most 64 characters");
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<WebhookScope> NotificationServiceImpl::ManagedScope(const Caller& caller,
                                                                   absl::string_view parent,
                                                                   absl::string_view field) {
  if (webhooks_.store == nullptr) {
    return absl::UnimplementedError("webhooks are not enabled in this service");
  }
  SIXSTEPS_ASSIGN_OR_RETURN(ParsedScope parsed, ParseScope(parent, field));
  WebhookScope scope;
  if (parsed.partnership) {
    absl::StatusOr<std::string> region = people_->RegionOf(parsed.id);
    if (absl::IsNotFound(region.status())) return NotFound(parent);
    SIXSTEPS_RETURN_IF_ERROR(region.status());
    if (!caller.CanSeePartnership(*region, parsed.id)) return NotFound(parent);
    if (!caller.CanManagePartnership(*region, parsed.id)) {
      return absl::PermissionDeniedError(
          "only the partnership's administrators and its region's hub administrators manage "
          "its webhooks");
    }
    scope = {parsed.id, *region};
  } else {
    if (!caller.CanSeeRegion(parsed.id)) return NotFound(parent);
    if (!caller.IsHubAdmin(parsed.id)) {
      return absl::PermissionDeniedError(
          "only the region's hub administrators manage its webhooks");
    }
    // A deployment administrator sees every region id, existing or not: ask identity.
    SIXSTEPS_ASSIGN_OR_RETURN(bool exists, people_->RegionExists(parsed.id));
    if (!exists) return NotFound(parent);
    scope = {"", parsed.id};
  }
  return scope;
}

absl::StatusOr<WebhookSubscription> NotificationServiceImpl::ManagedWebhook(
    const Caller& caller, absl::string_view name, absl::string_view field) {
  SIXSTEPS_ASSIGN_OR_RETURN(ParsedWebhookName parsed, ParseWebhookName(name, field));
  if (!parsed.rest.empty()) {
    return Invalid(field, "must be partnerships/{p}/webhooks/{w} or regions/{r}/webhooks/{w}");
  }
  SIXSTEPS_ASSIGN_OR_RETURN(WebhookScope scope, ManagedScope(caller, parsed.scope, field));
  return webhooks_.store->GetWebhook(scope, parsed.id);
}

SIXSTEPS_RPC(NotificationServiceImpl, CreateWebhook, nv1::CreateWebhookRequest, nv1::Webhook)

absl::StatusOr<nv1::Webhook> NotificationServiceImpl::DoCreateWebhook(
    const Caller& caller, const nv1::CreateWebhookRequest& r) {
  // Everything is checked before anything is looked up: bad input reads the same for all.
  SIXSTEPS_RETURN_IF_ERROR(ParseScope(r.parent(), "parent").status());
  SIXSTEPS_RETURN_IF_ERROR(
      ParseWebhookUrl(r.webhook().url(), webhooks_.allow_loopback_http).status());
  SIXSTEPS_ASSIGN_OR_RETURN(
      std::vector<std::string> types,
      ParseWebhookEventTypes(r.webhook().event_types(), "webhook.event_types"));
  SIXSTEPS_RETURN_IF_ERROR(ValidateDescription(r.webhook().description()));
  SIXSTEPS_ASSIGN_OR_RETURN(WebhookScope scope, ManagedScope(caller, r.parent(), "parent"));
  WebhookSubscription s;
  s.id = RandomId("wh");
  s.scope = scope;
  s.url = r.webhook().url();
  s.event_types = std::move(types);
  s.description = r.webhook().description();
  SIXSTEPS_ASSIGN_OR_RETURN(s.secret, NewWebhookSecret());
  s.creator = caller.principal;
  SIXSTEPS_RETURN_IF_ERROR(webhooks_.store->CreateWebhook(s, kMaxWebhooksPerScope));
  SIXSTEPS_ASSIGN_OR_RETURN(WebhookSubscription stored, webhooks_.store->GetWebhook(scope, s.id));
  return stored.ToProto(/*with_secret=*/true);
}

SIXSTEPS_RPC(NotificationServiceImpl, GetWebhook, nv1::GetWebhookRequest, nv1::Webhook)

absl::StatusOr<nv1::Webhook> NotificationServiceImpl::DoGetWebhook(
    const Caller& caller, const nv1::GetWebhookRequest& r) {
  SIXSTEPS_ASSIGN_OR_RETURN(WebhookSubscription s, ManagedWebhook(caller, r.name(), "name"));
  return s.ToProto(false);
}

SIXSTEPS_RPC(NotificationServiceImpl, ListWebhooks, nv1::ListWebhooksRequest,
             nv1::ListWebhooksResponse)

absl::StatusOr<nv1::ListWebhooksResponse> NotificationServiceImpl::DoListWebhooks(
    const Caller& caller, const nv1::ListWebhooksRequest& r) {
  SIXSTEPS_RETURN_IF_ERROR(ParseScope(r.parent(), "parent").status());
  SIXSTEPS_ASSIGN_OR_RETURN(int page_size, NormalisePageSize(r.page_size(), kListWebhooksPage));
  const std::string query = absl::StrCat("webhooks:", r.parent());
  SIXSTEPS_ASSIGN_OR_RETURN(std::string after, DecodePageToken(r.page_token(), query));
  SIXSTEPS_ASSIGN_OR_RETURN(WebhookScope scope, ManagedScope(caller, r.parent(), "parent"));
  SIXSTEPS_ASSIGN_OR_RETURN(std::vector<WebhookSubscription> found,
                            webhooks_.store->ListWebhooks(scope, after, page_size + 1));
  nv1::ListWebhooksResponse response;
  if (static_cast<int>(found.size()) > page_size) {
    found.resize(page_size);
    response.set_next_page_token(EncodePageToken(found.back().id, query));
  }
  for (const WebhookSubscription& s : found) *response.add_webhooks() = s.ToProto(false);
  return response;
}

SIXSTEPS_RPC(NotificationServiceImpl, UpdateWebhook, nv1::UpdateWebhookRequest, nv1::Webhook)

absl::StatusOr<nv1::Webhook> NotificationServiceImpl::DoUpdateWebhook(
    const Caller& caller, const nv1::UpdateWebhookRequest& r) {
  const nv1::Webhook& w = r.webhook();
  SIXSTEPS_RETURN_IF_ERROR(ParseWebhookName(w.name(), "webhook.name").status());
  SIXSTEPS_RETURN_IF_ERROR(RequireEtag(w.etag(), "webhook.etag"));
  SIXSTEPS_ASSIGN_OR_RETURN(std::set<std::string> paths, ParseUpdateMask(r.update_mask()));
  std::vector<std::string> types;
  if (paths.count("url")) {
    SIXSTEPS_RETURN_IF_ERROR(ParseWebhookUrl(w.url(), webhooks_.allow_loopback_http).status());
  }
  if (paths.count("event_types")) {
    SIXSTEPS_ASSIGN_OR_RETURN(types,
                              ParseWebhookEventTypes(w.event_types(), "webhook.event_types"));
  }
  if (paths.count("description")) SIXSTEPS_RETURN_IF_ERROR(ValidateDescription(w.description()));
  SIXSTEPS_ASSIGN_OR_RETURN(WebhookSubscription s,
                            ManagedWebhook(caller, w.name(), "webhook.name"));
  SIXSTEPS_RETURN_IF_ERROR(CheckWebhookEtag(w.etag(), s));
  const int64_t revision = s.revision;
  if (paths.count("url")) s.url = w.url();
  if (paths.count("event_types")) s.event_types = std::move(types);
  if (paths.count("description")) s.description = w.description();
  if (paths.count("enabled")) s.enabled = w.enabled();
  SIXSTEPS_ASSIGN_OR_RETURN(WebhookSubscription stored,
                            webhooks_.store->UpdateWebhook(s, revision));
  return stored.ToProto(false);
}

SIXSTEPS_RPC(NotificationServiceImpl, RotateWebhookSecret, nv1::RotateWebhookSecretRequest,
             nv1::Webhook)

absl::StatusOr<nv1::Webhook> NotificationServiceImpl::DoRotateWebhookSecret(
    const Caller& caller, const nv1::RotateWebhookSecretRequest& r) {
  SIXSTEPS_RETURN_IF_ERROR(ParseWebhookName(r.name(), "name").status());
  SIXSTEPS_RETURN_IF_ERROR(RequireEtag(r.etag(), "etag"));
  SIXSTEPS_ASSIGN_OR_RETURN(WebhookSubscription s, ManagedWebhook(caller, r.name(), "name"));
  SIXSTEPS_RETURN_IF_ERROR(CheckWebhookEtag(r.etag(), s));
  SIXSTEPS_ASSIGN_OR_RETURN(s.secret, NewWebhookSecret());
  SIXSTEPS_ASSIGN_OR_RETURN(WebhookSubscription stored,
                            webhooks_.store->UpdateWebhook(s, s.revision));
  return stored.ToProto(/*with_secret=*/true);
}

SIXSTEPS_RPC(NotificationServiceImpl, DeleteWebhook, nv1::DeleteWebhookRequest,
             google::protobuf::Empty)

absl::StatusOr<google::protobuf::Empty> NotificationServiceImpl::DoDeleteWebhook(
    const Caller& caller, const nv1::DeleteWebhookRequest& r) {
  SIXSTEPS_RETURN_IF_ERROR(ParseWebhookName(r.name(), "name").status());
  SIXSTEPS_RETURN_IF_ERROR(RequireEtag(r.etag(), "etag"));
  SIXSTEPS_ASSIGN_OR_RETURN(WebhookSubscription s, ManagedWebhook(caller, r.name(), "name"));
  SIXSTEPS_RETURN_IF_ERROR(CheckWebhookEtag(r.etag(), s));
  SIXSTEPS_RETURN_IF_ERROR(webhooks_.store->DeleteWebhook(s.scope, s.id, s.revision));
  return google::protobuf::Empty();
}

SIXSTEPS_RPC(NotificationServiceImpl, ListWebhookDeliveries, nv1::ListWebhookDeliveriesRequest,
             nv1::ListWebhookDeliveriesResponse)

absl::StatusOr<nv1::ListWebhookDeliveriesResponse> NotificationServiceImpl::DoListWebhookDeliveries(
    const Caller& caller, const nv1::ListWebhookDeliveriesRequest& r) {
  SIXSTEPS_RETURN_IF_ERROR(ParseWebhookName(r.parent(), "parent").status());
  SIXSTEPS_ASSIGN_OR_RETURN(int page_size,
                            NormalisePageSize(r.page_size(), kListWebhookDeliveriesPage));
  const std::string query = absl::StrCat("deliveries:", r.parent());
  SIXSTEPS_ASSIGN_OR_RETURN(std::string after, DecodePageToken(r.page_token(), query));
  int64_t before_id = 0;
  if (!after.empty() && !absl::SimpleAtoi(after, &before_id)) {
    return Invalid("page_token", "not a token of this list");
  }
  SIXSTEPS_ASSIGN_OR_RETURN(WebhookSubscription s, ManagedWebhook(caller, r.parent(), "parent"));
  SIXSTEPS_ASSIGN_OR_RETURN(std::vector<nv1::WebhookDelivery> found,
                            webhooks_.store->ListWebhookDeliveries(s, before_id, page_size + 1));
  nv1::ListWebhookDeliveriesResponse response;
  if (static_cast<int>(found.size()) > page_size) {
    found.resize(page_size);
    response.set_next_page_token(EncodePageToken(LastSegment(found.back().name()), query));
  }
  for (nv1::WebhookDelivery& d : found) *response.add_deliveries() = std::move(d);
  return response;
}

SIXSTEPS_RPC(NotificationServiceImpl, RedeliverWebhookDelivery,
             nv1::RedeliverWebhookDeliveryRequest, nv1::WebhookDelivery)

absl::StatusOr<nv1::WebhookDelivery> NotificationServiceImpl::DoRedeliverWebhookDelivery(
    const Caller& caller, const nv1::RedeliverWebhookDeliveryRequest& r) {
  SIXSTEPS_ASSIGN_OR_RETURN(ParsedWebhookName parsed, ParseWebhookName(r.name(), "name"));
  absl::string_view number = parsed.rest;
  int64_t delivery_id = 0;
  if (!absl::ConsumePrefix(&number, "deliveries/") || !absl::SimpleAtoi(number, &delivery_id) ||
      delivery_id <= 0) {
    return Invalid("name", "must be {webhook}/deliveries/{id}");
  }
  SIXSTEPS_ASSIGN_OR_RETURN(
      WebhookSubscription s,
      ManagedWebhook(caller, absl::StrCat(parsed.scope, "/webhooks/", parsed.id), "name"));
  if (!s.enabled) {
    return absl::FailedPreconditionError(
        "the webhook is disabled: enable it (UpdateWebhook) before redelivering");
  }
  SIXSTEPS_RETURN_IF_ERROR(webhooks_.store->Redeliver(s, delivery_id, webhooks_.clock->Now()));
  return webhooks_.store->GetWebhookDelivery(s, delivery_id);
}

}  // namespace sixsteps::notification
