#include "tools/sixsteps/webhook_commands.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "tools/sixsteps/enum_words.h"
#include "tools/sixsteps/identity_format.h"
#include "tools/sixsteps/identity_names.h"
#include "tools/sixsteps/list_up_to.h"

namespace sixsteps::cli {
namespace {

namespace nv1 = ::sixsteps::notification::v1;
using Stub = nv1::NotificationService::StubInterface;
using Client = NotificationClient;

// "regions/R" as it is; a partnership as ID or partnerships/ID.
absl::StatusOr<std::string> ScopeName(absl::string_view scope) {
  if (absl::StartsWith(scope, "regions/")) return std::string(scope);
  return ExpandPartnershipName(scope);
}

std::string FormatWebhook(const nv1::Webhook& w) {
  std::string text = absl::StrCat(w.name(), " (", w.enabled() ? "enabled" : "disabled", ")\n",
                                  "  URL:     ", w.url(),
                                  "\n  Events:  ", absl::StrJoin(w.event_types(), ", "), "\n");
  if (!w.description().empty()) absl::StrAppend(&text, "  About:   ", w.description(), "\n");
  if (!w.disabled_reason().empty()) {
    absl::StrAppend(&text, "  Disabled: ", w.disabled_reason(), "\n");
  }
  if (w.has_failing_since()) {
    absl::StrAppend(&text, "  Failing since ", FormatTime(w.failing_since()), "\n");
  }
  absl::StrAppend(&text, "  Created by ", w.creator(), " at ", FormatTime(w.create_time()), "\n");
  if (!w.secret().empty()) {
    absl::StrAppend(&text, "  Secret:  ", w.secret(),
                    "\n  (shown once: keep it in the receiver's settings now)\n");
  }
  return text;
}

absl::Status Create(const CheckedArgs& args, Client& client, const CommandContext& context) {
  nv1::CreateWebhookRequest request;
  SIXSTEPS_ASSIGN_OR_RETURN(*request.mutable_parent(), ScopeName(args.Positional(0)));
  request.mutable_webhook()->set_url(args.Text("url"));
  for (const std::string& type : args.List("events")) {
    request.mutable_webhook()->add_event_types(type);
  }
  request.mutable_webhook()->set_description(args.Text("description"));
  return client.CallAndPrint(&Stub::CreateWebhook, request, context, FormatWebhook);
}

absl::Status List(const CheckedArgs& args, Client& client, const CommandContext& context) {
  nv1::ListWebhooksRequest request;
  SIXSTEPS_ASSIGN_OR_RETURN(*request.mutable_parent(), ScopeName(args.Positional(0)));
  request.set_page_size(200);
  std::vector<nv1::Webhook> found;
  SIXSTEPS_RETURN_IF_ERROR(
      client.ForEachPage(&Stub::ListWebhooks, request, [&](const nv1::ListWebhooksResponse& page) {
        found.insert(found.end(), page.webhooks().begin(), page.webhooks().end());
        return true;
      }));
  std::string text;
  if (found.empty()) text = "No webhooks.\n";
  for (const nv1::Webhook& w : found) {
    absl::StrAppendFormat(&text, "%-48s %-8s %s  [%s]\n", w.name(),
                          w.enabled() ? "enabled" : "disabled", w.url(),
                          absl::StrJoin(w.event_types(), ","));
  }
  return PrintMessage(Collect(found, &nv1::ListWebhooksResponse::mutable_webhooks), text, context);
}

absl::StatusOr<nv1::Webhook> Get(Client& client, absl::string_view name) {
  return client.Get(&Stub::GetWebhook, name);
}

// A request about the webhook named on the command line, with the etag just read (a change
// meanwhile is ABORTED).
template <typename Request>
absl::StatusOr<Request> AboutCurrent(const CheckedArgs& args, Client& client) {
  SIXSTEPS_ASSIGN_OR_RETURN(nv1::Webhook current, Get(client, args.Positional(0)));
  Request request;
  request.set_name(current.name());
  request.set_etag(current.etag());
  return request;
}

absl::Status Show(const CheckedArgs& args, Client& client, const CommandContext& context) {
  nv1::GetWebhookRequest request;
  request.set_name(std::string(args.Positional(0)));
  return client.CallAndPrint(&Stub::GetWebhook, request, context, FormatWebhook);
}

absl::Status Update(const CheckedArgs& args, Client& client, const CommandContext& context) {
  SIXSTEPS_ASSIGN_OR_RETURN(nv1::Webhook current, Get(client, args.Positional(0)));
  nv1::UpdateWebhookRequest request;
  *request.mutable_webhook() = current;
  std::vector<std::string> mask;
  if (std::optional<std::string> url = args.Optional("url")) {
    request.mutable_webhook()->set_url(*url);
    mask.push_back("url");
  }
  if (args.Has("events")) {
    request.mutable_webhook()->clear_event_types();
    for (const std::string& type : args.List("events")) {
      request.mutable_webhook()->add_event_types(type);
    }
    mask.push_back("event_types");
  }
  if (std::optional<std::string> description = args.Optional("description")) {
    request.mutable_webhook()->set_description(*description);
    mask.push_back("description");
  }
  if (std::optional<bool> enabled = args.Truth("enabled")) {
    request.mutable_webhook()->set_enabled(*enabled);
    mask.push_back("enabled");
  }
  request.set_update_mask(absl::StrJoin(mask, ","));
  return client.CallAndPrint(&Stub::UpdateWebhook, request, context, FormatWebhook);
}

absl::Status RotateSecret(const CheckedArgs& args, Client& client, const CommandContext& context) {
  SIXSTEPS_ASSIGN_OR_RETURN(auto request,
                            AboutCurrent<nv1::RotateWebhookSecretRequest>(args, client));
  return client.CallAndPrint(&Stub::RotateWebhookSecret, request, context, FormatWebhook);
}

absl::Status Delete(const CheckedArgs& args, Client& client, const CommandContext& context) {
  SIXSTEPS_ASSIGN_OR_RETURN(auto request, AboutCurrent<nv1::DeleteWebhookRequest>(args, client));
  return client.CallAndPrint(&Stub::DeleteWebhook, request, context,
                             [&](const google::protobuf::Empty&) {
                               return absl::StrCat("Deleted ", request.name(), ".\n");
                             });
}

std::string FormatDelivery(const nv1::WebhookDelivery& d) {
  std::string text =
      absl::StrFormat("%s %s %s (%s, made %s)\n", d.name(), d.event_type(), WordOf(d.state()),
                      d.message_id(), FormatTime(d.create_time()));
  for (const nv1::WebhookAttempt& a : d.attempts()) {
    absl::StrAppendFormat(&text, "    %s %-9s HTTP %3d %6d ms  %s%s\n",
                          FormatTime(a.attempt_time()), a.outcome(), a.response_code(),
                          a.latency_ms(), a.response_body().substr(0, 80),
                          a.error().empty() ? "" : " " + a.error());
  }
  return text;
}

absl::Status Deliveries(const CheckedArgs& args, Client& client, const CommandContext& context) {
  nv1::ListWebhookDeliveriesRequest request;
  request.set_parent(std::string(args.Positional(0)));
  const int limit = args.Position("limit").value_or(20);
  request.set_page_size(std::min(limit, 100));
  SIXSTEPS_ASSIGN_OR_RETURN(std::vector<nv1::WebhookDelivery> found,
                            ListUpTo(client, &Stub::ListWebhookDeliveries, request,
                                     &nv1::ListWebhookDeliveriesResponse::deliveries, limit));
  std::string text;
  if (found.empty()) text = "No deliveries.\n";
  for (const nv1::WebhookDelivery& d : found) absl::StrAppend(&text, FormatDelivery(d));
  return PrintMessage(Collect(found, &nv1::ListWebhookDeliveriesResponse::mutable_deliveries), text,
                      context);
}

absl::Status Redeliver(const CheckedArgs& args, Client& client, const CommandContext& context) {
  nv1::RedeliverWebhookDeliveryRequest request;
  request.set_name(std::string(args.Positional(0)));
  SIXSTEPS_ASSIGN_OR_RETURN(nv1::WebhookDelivery d,
                            client.Call(&Stub::RedeliverWebhookDelivery, request));
  return PrintMessage(d, absl::StrCat("Redelivering:\n", FormatDelivery(d)), context);
}

absl::Status Test(const nv1::SendTestNoticeRequest& request, Client& client,
                  const CommandContext& context) {
  SIXSTEPS_ASSIGN_OR_RETURN(nv1::SendTestNoticeResponse r,
                            client.Call(&Stub::SendTestNotice, request));
  std::string text = absl::StrCat(r.outcome(), ": ", r.detail(), "\n");
  if (r.has_outbox_message()) absl::StrAppend(&text, "  ", r.outbox_message().name(), "\n");
  if (r.has_delivery()) absl::StrAppend(&text, FormatDelivery(r.delivery()));
  return PrintMessage(r, text, context);
}

absl::Status TestEmail(const CheckedArgs& args, Client& client, const CommandContext& context) {
  nv1::SendTestNoticeRequest request;
  request.set_email(std::string(args.Positional(0)));
  return Test(request, client, context);
}

absl::Status TestWebhook(const CheckedArgs& args, Client& client, const CommandContext& context) {
  nv1::SendTestNoticeRequest request;
  request.set_webhook(std::string(args.Positional(0)));
  return Test(request, client, context);
}

}  // namespace

const std::vector<Command<NotificationClient>>& WebhookCommands() {
  static const auto* const kCommands = new std::vector<Command<NotificationClient>>{
      {"webhooks create",
       "sixsteps notifications webhooks create P|regions/R --url URL --events TYPE,... "
       "[--description TEXT]",
       {.positionals = {arg::String("P|regions/R").Required()},
        .flags = {arg::String("url").Required(), arg::List("events", "event type").Required(),
                  arg::String("description")}},
       Create},
      {"webhooks list",
       "sixsteps notifications webhooks list P|regions/R",
       {.positionals = {arg::String("P|regions/R").Required()}},
       List},
      {"webhooks show",
       "sixsteps notifications webhooks show WEBHOOK",
       {.positionals = {arg::String("WEBHOOK").Required()}},
       Show},
      {"webhooks update",
       "sixsteps notifications webhooks update WEBHOOK [--url URL] [--events TYPE,...] "
       "[--description TEXT] [--enabled true|false]",
       {.positionals = {arg::String("WEBHOOK").Required()},
        .flags = {arg::String("url"), arg::List("events", "event type"), arg::String("description"),
                  arg::Truth("enabled")},
        .groups = {{FlagGroup::Rule::kAtLeastOne,
                    {"url", "events", "description", "enabled"},
                    "name something to change: --url, --events, --description or --enabled"}}},
       Update},
      {"webhooks rotate-secret",
       "sixsteps notifications webhooks rotate-secret WEBHOOK",
       {.positionals = {arg::String("WEBHOOK").Required()}},
       RotateSecret},
      {"webhooks delete",
       "sixsteps notifications webhooks delete WEBHOOK",
       {.positionals = {arg::String("WEBHOOK").Required()}},
       Delete},
      {"webhooks deliveries",
       "sixsteps notifications webhooks deliveries WEBHOOK [--limit N]",
       {.positionals = {arg::String("WEBHOOK").Required()},
        .flags = {arg::Integer("limit", 1, "a count of deliveries")}},
       Deliveries},
      {"webhooks redeliver",
       "sixsteps notifications webhooks redeliver DELIVERY",
       {.positionals = {arg::String("DELIVERY").Required()}},
       Redeliver},
      {"test email",
       "sixsteps notifications test email ADDRESS",
       {.positionals = {arg::String("ADDRESS").Required()}},
       TestEmail},
      {"test webhook",
       "sixsteps notifications test webhook WEBHOOK",
       {.positionals = {arg::String("WEBHOOK").Required()}},
       TestWebhook},
  };
  return *kCommands;
}

}  // namespace sixsteps::cli
