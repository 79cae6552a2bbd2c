#include "services/notification/webhook_events.h"

#include <algorithm>
#include <set>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "services/base/make_status.h"
#include "services/base/names.h"

namespace sixsteps::notification {
namespace {

std::string Rfc3339(absl::Time time) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", time, absl::UTCTimeZone());
}

WebhookEvent FeedEvent(const av1::Change& change, absl::string_view type, absl::string_view about,
                       std::vector<std::pair<std::string, std::string>> details) {
  WebhookEvent event;
  event.type = std::string(type);
  event.key = absl::StrCat("feed:", change.sequence(), ":", type);
  event.partnership_id = LastSegment(change.partnership());
  event.region_id = LastSegment(change.region());
  details.push_back({"sequence", absl::StrCat(change.sequence())});
  const absl::Time time = change.has_time() ? absl::FromUnixSeconds(change.time().seconds()) +
                                                  absl::Nanoseconds(change.time().nanos())
                                            : absl::UnixEpoch();
  event.payload = WebhookPayload(type, time, event.partnership_id, event.region_id, about, details);
  return event;
}

std::string RoundTitle(const av1::Change& change, const ChangeFacts& facts) {
  if (change.has_assessment_record()) return change.assessment_record().title();
  return facts.round_title;
}

}  // namespace

const std::vector<std::string>& WebhookEventTypes() {
  static const auto* const kTypes = new std::vector<std::string>{
      "round_opened",    "respondent_assigned", "challenge_raised", "challenge_answered",
      "action_due_soon", "action_due_today",    "action_overdue",   "action_escalation"};
  return *kTypes;
}

bool IsWebhookEventType(absl::string_view type) {
  const auto& types = WebhookEventTypes();
  return std::find(types.begin(), types.end(), type) != types.end();
}

absl::StatusOr<std::vector<std::string>> ParseWebhookEventTypes(
    const google::protobuf::RepeatedPtrField<std::string>& types, absl::string_view field) {
  if (types.empty()) return Invalid(field, "name at least one event type");
  if (types.size() > kMaxWebhookEventTypes) {
    return Invalid(field, absl::StrCat("at most ", kMaxWebhookEventTypes, " event types"));
  }
  std::set<std::string> seen;
  std::vector<std::string> parsed;
  for (const std::string& type : types) {
    if (!IsWebhookEventType(type)) {
      return Invalid(field, absl::StrCat("unknown event type '", type.substr(0, 64), "' (known: ",
                                         absl::StrJoin(WebhookEventTypes(), ", "), ")"));
    }
    if (!seen.insert(type).second) {
      return Invalid(field, absl::StrCat("event type '", type, "' is named twice"));
    }
    parsed.push_back(type);
  }
  return parsed;
}

std::string WebhookPayload(absl::string_view type, absl::Time time,
                           absl::string_view partnership_id, absl::string_view region_id,
                           absl::string_view about,
                           const std::vector<std::pair<std::string, std::string>>& details) {
  nlohmann::json data = nlohmann::json::object();
  if (!partnership_id.empty()) data["partnership"] = absl::StrCat("partnerships/", partnership_id);
  if (!region_id.empty()) data["region"] = absl::StrCat("regions/", region_id);
  data["about"] = std::string(about);
  for (const auto& [name, value] : details) data[name] = value;
  nlohmann::json body = {{"type", std::string(type)}, {"timestamp", Rfc3339(time)}, {"data", data}};
  // Invalid UTF-8 in a record (it should not be there) is replaced, never a failure.
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::vector<WebhookEvent> WebhookEventsForChange(const av1::Change& change,
                                                 const ChangeFacts& facts) {
  std::vector<WebhookEvent> events;
  switch (change.kind()) {
    case av1::CHANGE_KIND_ASSESSMENT_CREATED:
    case av1::CHANGE_KIND_ASSESSMENT_STATE_CHANGED: {
      if (!change.has_assessment_record()) break;
      const av1::Assessment& round = change.assessment_record();
      if (round.state() != av1::Assessment::STATE_DRAFT) break;
      events.push_back(FeedEvent(
          change, "round_opened", round.name(),
          {{"round_title", round.title()}, {"revision", absl::StrCat(round.revision())}}));
      break;
    }
    case av1::CHANGE_KIND_RESPONDENT_ADDED:
      if (!change.has_respondent()) break;
      events.push_back(FeedEvent(change, "respondent_assigned", change.respondent().name(),
                                 {{"round_title", RoundTitle(change, facts)},
                                  {"organisation", change.respondent().organisation()}}));
      break;
    case av1::CHANGE_KIND_CHALLENGE_RAISED:
    case av1::CHANGE_KIND_CHALLENGE_ANSWERED: {
      if (!change.has_challenge()) break;
      const bool raised = change.kind() == av1::CHANGE_KIND_CHALLENGE_RAISED;
      events.push_back(FeedEvent(change, raised ? "challenge_raised" : "challenge_answered",
                                 change.challenge().name(),
                                 {{"round_title", RoundTitle(change, facts)},
                                  {"question_id", change.challenge().question_id()}}));
      break;
    }
    default:
      break;
  }
  return events;
}

std::vector<WebhookEvent> WebhookEventsForDay(const std::vector<OpenAction>& actions,
                                              absl::CivilDay today, absl::Time now) {
  std::vector<WebhookEvent> events;
  for (const OpenAction& action : actions) {
    const int days_left = static_cast<int>(action.due - today);
    const std::vector<std::string> types = CalendarRulesForDay(action.due, today);
    const std::string about = absl::StrCat("actions/", action.action_id);
    const std::string due = absl::FormatCivilTime(action.due);
    for (const std::string& type : types) {
      WebhookEvent event;
      event.type = type;
      event.key = absl::StrCat("day:", type, ":", action.action_id, ":", due);
      event.partnership_id = action.partnership_id;
      event.region_id = action.region_id;
      event.payload = WebhookPayload(type, now, action.partnership_id, action.region_id, about,
                                     {{"due_date", due},
                                      {"owner_organisation", action.owner_organisation},
                                      {"days_left", absl::StrCat(days_left)}});
      events.push_back(std::move(event));
    }
  }
  return events;
}

WebhookEvent PingEvent(absl::string_view partnership_id, absl::string_view region_id,
                       absl::string_view webhook_name, absl::string_view nonce, absl::Time now) {
  WebhookEvent event;
  event.type = std::string(kPingEvent);
  event.key = absl::StrCat("ping:", nonce);
  event.partnership_id = std::string(partnership_id);
  event.region_id = std::string(region_id);
  event.payload = WebhookPayload(kPingEvent, now, partnership_id, region_id, webhook_name, {});
  return event;
}

}  // namespace sixsteps::notification
