#include "services/notification/notification_service.h"

#include <set>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "services/base/clock.h"
#include "services/base/make_status.h"
#include "services/base/names.h"
#include "services/base/status_macros.h"
#include "services/common/grpc_reply.h"
#include "services/common/validation.h"
#include "services/notification/page_sizes.h"

namespace sixsteps::notification {
namespace {

using auth::Role;

// The id of "{collection}/{id}{suffix}"; INVALID_ARGUMENT naming `field` otherwise.
absl::StatusOr<std::string> IdIn(absl::string_view name, absl::string_view collection,
                                 absl::string_view suffix, absl::string_view field) {
  absl::string_view id = name;
  if (!absl::ConsumePrefix(&id, absl::StrCat(collection, "/")) ||
      !absl::ConsumeSuffix(&id, suffix) || !IsResourceId(id)) {
    return Invalid(field, absl::StrCat("must look like ", collection, "/{id}", suffix, ", got '",
                                       name.substr(0, 200), "'"));
  }
  return std::string(id);
}

}  // namespace

DeliveryVisibility VisibilityOf(const Caller& caller) {
  DeliveryVisibility visible;
  visible.everything = caller.IsDeploymentAdmin();
  visible.recipient = caller.principal;
  for (const auth::Grant& grant : caller.grants) {
    if (grant.role == Role::ROLE_HUB_ADMINISTRATOR && grant.partnership.empty()) {
      visible.regions.push_back(grant.region);
    }
    if (grant.role == Role::ROLE_PARTNERSHIP_ADMINISTRATOR && !grant.partnership.empty()) {
      visible.partnerships.push_back(grant.partnership);
    }
  }
  return visible;
}

absl::StatusOr<std::map<std::string, bool>> ParseRuleSwitches(
    const google::protobuf::RepeatedPtrField<nv1::RuleSwitch>& switches) {
  if (switches.size() > kMaxRuleSwitches) {
    return Invalid("rules", absl::StrCat("at most ", kMaxRuleSwitches, " switches"));
  }
  std::map<std::string, bool> parsed;
  for (int i = 0; i < switches.size(); ++i) {
    const std::string& rule = switches[i].rule();
    const std::string field = absl::StrCat("rules[", i, "].rule");
    if (!IsKnownRule(rule)) {
      return Invalid(field, absl::StrCat("unknown rule '", rule.substr(0, 100),
                                         "' (GetRuleSettings lists them)"));
    }
    if (!parsed.emplace(rule, switches[i].enabled()).second) {
      return Invalid(field, absl::StrCat("rule '", rule, "' is named twice"));
    }
  }
  return parsed;
}

nv1::RuleSettings SettingsOf(const std::string& partnership_id,
                             const NotificationStore::Switches& switches) {
  nv1::RuleSettings settings;
  settings.set_name(absl::StrCat("partnerships/", partnership_id, "/ruleSettings"));
  for (const RuleInfo& rule : Rules()) {
    nv1::RuleSwitch& one = *settings.add_rules();
    one.set_rule(std::string(rule.name));
    one.set_description(std::string(rule.description));
    auto set = switches.enabled.find(std::string(rule.name));
    one.set_enabled(set == switches.enabled.end() || set->second);
  }
  if (switches.update_time != absl::InfinitePast()) {
    *settings.mutable_update_time() = ToTimestamp(switches.update_time);
  }
  return settings;
}

SIXSTEPS_RPC(NotificationServiceImpl, ListOutboxMessages, nv1::ListOutboxMessagesRequest,
             nv1::ListOutboxMessagesResponse)

absl::StatusOr<nv1::ListOutboxMessagesResponse> NotificationServiceImpl::DoListOutboxMessages(
    const Caller& caller, const nv1::ListOutboxMessagesRequest& r) {
  std::string partnership;
  if (!r.partnership().empty()) {
    SIXSTEPS_ASSIGN_OR_RETURN(partnership,
                              IdIn(r.partnership(), "partnerships", "", "partnership"));
  }
  SIXSTEPS_ASSIGN_OR_RETURN(int page_size,
                            NormalisePageSize(r.page_size(), kListOutboxMessagesPage));
  const std::string query = absl::StrCat("outbox:", partnership);
  SIXSTEPS_ASSIGN_OR_RETURN(std::string after, DecodePageToken(r.page_token(), query));
  int64_t before_id = 0;
  if (!after.empty() && !absl::SimpleAtoi(after, &before_id)) {
    return Invalid("page_token", "not a token of this list");
  }
  SIXSTEPS_ASSIGN_OR_RETURN(
      std::vector<nv1::OutboxMessage> messages,
      store_->ListDeliveries(VisibilityOf(caller), partnership, before_id, page_size + 1));
  nv1::ListOutboxMessagesResponse response;
  if (static_cast<int>(messages.size()) > page_size) {
    messages.resize(page_size);
    response.set_next_page_token(EncodePageToken(LastSegment(messages.back().name()), query));
  }
  for (auto& message : messages) *response.add_messages() = std::move(message);
  return response;
}

SIXSTEPS_RPC(NotificationServiceImpl, GetOutboxMessage, nv1::GetOutboxMessageRequest,
             nv1::OutboxMessage)

absl::StatusOr<nv1::OutboxMessage> NotificationServiceImpl::DoGetOutboxMessage(
    const Caller& caller, const nv1::GetOutboxMessageRequest& r) {
  absl::string_view id = r.name();
  int64_t number = 0;
  if (!absl::ConsumePrefix(&id, "outboxMessages/") || !absl::SimpleAtoi(id, &number) ||
      number <= 0) {
    return Invalid("name", "must look like outboxMessages/{id}");
  }
  return store_->GetDelivery(VisibilityOf(caller), number);
}

absl::StatusOr<std::string> NotificationServiceImpl::SettingsPartnership(const Caller& caller,
                                                                         const std::string& name,
                                                                         bool manage) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string partnership,
                            IdIn(name, "partnerships", "/ruleSettings", "name"));
  absl::StatusOr<std::string> region = people_->RegionOf(partnership);
  if (absl::IsNotFound(region.status()))
    return NotFound(absl::StrCat("partnerships/", partnership));
  SIXSTEPS_RETURN_IF_ERROR(region.status());
  if (!caller.CanSeePartnership(*region, partnership)) {
    return NotFound(absl::StrCat("partnerships/", partnership));
  }
  if (manage && !caller.CanManagePartnership(*region, partnership)) {
    return absl::PermissionDeniedError(
        "only the partnership's administrators and its region's hub administrators switch its "
        "rules");
  }
  return partnership;
}

SIXSTEPS_RPC(NotificationServiceImpl, GetRuleSettings, nv1::GetRuleSettingsRequest,
             nv1::RuleSettings)

absl::StatusOr<nv1::RuleSettings> NotificationServiceImpl::DoGetRuleSettings(
    const Caller& caller, const nv1::GetRuleSettingsRequest& r) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string partnership, SettingsPartnership(caller, r.name(), false));
  SIXSTEPS_ASSIGN_OR_RETURN(NotificationStore::Switches switches,
                            store_->RuleSwitches(partnership));
  return SettingsOf(partnership, switches);
}

SIXSTEPS_RPC(NotificationServiceImpl, UpdateRuleSettings, nv1::UpdateRuleSettingsRequest,
             nv1::RuleSettings)

absl::StatusOr<nv1::RuleSettings> NotificationServiceImpl::DoUpdateRuleSettings(
    const Caller& caller, const nv1::UpdateRuleSettingsRequest& r) {
  // The request is checked before anything is looked up, so bad input reads the same for all.
  SIXSTEPS_ASSIGN_OR_RETURN(std::string partnership,
                            IdIn(r.name(), "partnerships", "/ruleSettings", "name"));
  SIXSTEPS_ASSIGN_OR_RETURN(auto switches, ParseRuleSwitches(r.rules()));
  SIXSTEPS_RETURN_IF_ERROR(SettingsPartnership(caller, r.name(), true).status());
  SIXSTEPS_RETURN_IF_ERROR(store_->SetRuleSwitches(partnership, switches));
  SIXSTEPS_ASSIGN_OR_RETURN(NotificationStore::Switches stored, store_->RuleSwitches(partnership));
  return SettingsOf(partnership, stored);
}

}  // namespace sixsteps::notification
