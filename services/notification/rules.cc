#include "services/notification/rules.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/base/names.h"

namespace sixsteps::notification {
namespace {

using auth::Role;

// "assessments/a/respondents/r/responses/q" -> "r".
std::string RespondentOfResponse(absl::string_view response) {
  std::vector<absl::string_view> parts = absl::StrSplit(response, '/');
  return parts.size() >= 4 ? std::string(parts[3]) : std::string();
}

bool Disabled(const std::set<std::string>& disabled, absl::string_view rule) {
  return disabled.count(std::string(rule)) > 0;
}

KnownRespondent FromRecord(const av1::Respondent& record) {
  return {LastSegment(record.name()), record.organisation(), record.scrutineer()};
}

std::string RoundTitle(const av1::Change& change, const ChangeFacts& facts) {
  if (change.has_assessment_record()) return change.assessment_record().title();
  return facts.round_title.empty() ? change.assessment() : facts.round_title;
}

std::string IsoDay(absl::CivilDay day) { return absl::FormatCivilTime(day); }

}  // namespace

std::vector<Person> RespondentUsers(const KnownRespondent& respondent,
                                    const PartnershipPeople& people) {
  if (!respondent.scrutineer.empty()) {
    std::optional<Person> scrutineer = people.Find(respondent.scrutineer);
    return scrutineer ? std::vector<Person>{*scrutineer} : std::vector<Person>{};
  }
  return people.WithRole(Role::ROLE_PARTNER_RESPONDENT, respondent.organisation);
}

void Address(std::vector<Notice>* out, const Notice& base, const std::vector<Person>& to) {
  for (const Person& person : to) {
    Notice notice = base;
    notice.recipient = person;
    notice.fields["recipient_name"] = person.display_name;
    out->push_back(std::move(notice));
  }
}

Notice Base(absl::string_view rule, const PartnershipPeople& people, std::string about,
            std::string occasion) {
  Notice notice;
  notice.rule = std::string(rule);
  notice.partnership_id = people.partnership_id;
  notice.region_id = people.region_id;
  notice.about = std::move(about);
  notice.occasion = std::move(occasion);
  notice.fields["partnership_name"] =
      people.display_name.empty() ? people.partnership_id : people.display_name;
  notice.fields["about"] = notice.about;
  return notice;
}

const std::vector<RuleInfo>& Rules() {
  static const auto* const kRules = new std::vector<RuleInfo>{
      {"round_opened", "a round opened or reopened: its respondents' users", Trigger::kFeed},
      {"respondent_assigned", "a respondent added to a round: the respondent's users",
       Trigger::kFeed},
      {"challenge_raised", "a scrutineer challenged a response: the respondent's users",
       Trigger::kFeed},
      {"challenge_answered", "a challenge answered: the scrutineer who raised it", Trigger::kFeed},
      {"action_due_soon", "an action due within 14 days: its owner organisation's action owners",
       Trigger::kCalendar},
      {"action_due_today", "an action due today: its owners", Trigger::kCalendar},
      {"action_overdue", "an action past its due date: its owners", Trigger::kCalendar},
      {"action_escalation",
       "an action still open 14 days after its due date: the partnership administrators",
       Trigger::kCalendar},
      // ---- response deadlines and the scrutineer's report (H2 digest) ----
      {"response_deadline_7_days",
       "a respondent's response deadline within 7 days: the respondent's users",
       Trigger::kCalendar},
      {"response_deadline_1_day", "a respondent's response deadline tomorrow (or today): its users",
       Trigger::kCalendar},
      {"response_deadline_passed",
       "a respondent's response deadline passed: its users and the partnership administrators",
       Trigger::kCalendar},
      {"scrutiny_report_shared",
       "the scrutineer's report shared for the accuracy check: the core partners (partnership "
       "administrators) and the respondents of the partners asked to check it",
       Trigger::kFeed},
      {"scrutiny_report_published",
       "the scrutineer's report published: the core partners (partnership administrators)",
       Trigger::kFeed},
      // ---- end of H2's rules ----
      // ---- digest (H1) ----
      {"weekly_digest",
       "once a week, to each person with something open (rounds to answer, challenges to "
       "answer, reports to check, actions owned): what is open for them. Switched off for a "
       "partnership, its items leave the digest; a person may turn theirs off",
       Trigger::kCalendar},
  };
  return *kRules;
}

bool IsKnownRule(absl::string_view name) {
  for (const RuleInfo& rule : Rules()) {
    if (rule.name == name) return true;
  }
  return false;
}

std::vector<Person> PartnershipPeople::WithRole(Role role, absl::string_view organisation) const {
  std::vector<Person> people;
  std::set<std::string> seen;
  for (const Bound& bound : bindings) {
    if (bound.role != role) continue;
    if (!organisation.empty() && bound.organisation != organisation) continue;
    if (bound.person.email.empty() || !seen.insert(bound.person.principal).second) continue;
    people.push_back(bound.person);
  }
  return people;
}

std::optional<Person> PartnershipPeople::Find(absl::string_view principal) const {
  for (const Bound& bound : bindings) {
    if (bound.person.principal == principal) return bound.person;
  }
  for (const Person& person : others) {
    if (person.principal == principal) return person;
  }
  return std::nullopt;
}

std::string Notice::IdempotencyKey() const {
  return absl::StrCat(rule, "|", about, "|", occasion, "|", recipient.principal);
}

std::vector<std::string> PrincipalsNamedBy(const av1::Change& change) {
  if (change.has_challenge()) return {change.challenge().raised_by()};
  if (change.has_respondent() && !change.respondent().scrutineer().empty()) {
    return {change.respondent().scrutineer()};
  }
  return {};
}

std::vector<Notice> NoticesForChange(const av1::Change& change, const ChangeFacts& facts,
                                     const PartnershipPeople& people) {
  std::vector<Notice> notices;
  const std::set<std::string>& off = facts.disabled_rules;
  const std::string title = RoundTitle(change, facts);
  switch (change.kind()) {
    case av1::CHANGE_KIND_ASSESSMENT_CREATED:
    case av1::CHANGE_KIND_ASSESSMENT_STATE_CHANGED: {
      if (Disabled(off, "round_opened") || !change.has_assessment_record()) break;
      const av1::Assessment& round = change.assessment_record();
      // Opened: created, or reopened into draft (a new revision); not moved to review.
      if (round.state() != av1::Assessment::STATE_DRAFT) break;
      Notice base = Base("round_opened", people, round.name(), absl::StrCat(round.revision()));
      base.fields["round_title"] = title;
      std::vector<Person> to;
      for (const KnownRespondent& respondent : facts.respondents) {
        for (Person& person : RespondentUsers(respondent, people)) to.push_back(std::move(person));
      }
      Address(&notices, base, to);
      break;
    }
    case av1::CHANGE_KIND_RESPONDENT_ADDED: {
      if (Disabled(off, "respondent_assigned") || !change.has_respondent()) break;
      Notice base = Base("respondent_assigned", people, change.respondent().name(), "");
      base.fields["round_title"] = title;
      Address(&notices, base, RespondentUsers(FromRecord(change.respondent()), people));
      break;
    }
    case av1::CHANGE_KIND_CHALLENGE_RAISED: {
      if (Disabled(off, "challenge_raised") || !change.has_challenge()) break;
      const av1::Challenge& challenge = change.challenge();
      Notice base = Base("challenge_raised", people, challenge.name(), "");
      base.fields["round_title"] = title;
      base.fields["question_id"] = challenge.question_id();
      base.fields["challenge_text"] = challenge.text();
      const std::string respondent_id = RespondentOfResponse(challenge.response());
      for (const KnownRespondent& respondent : facts.respondents) {
        if (respondent.respondent_id == respondent_id) {
          Address(&notices, base, RespondentUsers(respondent, people));
        }
      }
      break;
    }
    case av1::CHANGE_KIND_CHALLENGE_ANSWERED: {
      if (Disabled(off, "challenge_answered") || !change.has_challenge()) break;
      const av1::Challenge& challenge = change.challenge();
      // A challenge may be answered again after it is reopened: each answer is a notice.
      Notice base =
          Base("challenge_answered", people, challenge.name(), absl::StrCat(change.sequence()));
      base.fields["round_title"] = title;
      base.fields["question_id"] = challenge.question_id();
      base.fields["challenge_text"] = challenge.text();
      base.fields["answer_text"] = challenge.answer();
      std::optional<Person> raiser = people.Find(challenge.raised_by());
      if (raiser && !raiser->email.empty()) Address(&notices, base, {*raiser});
      break;
    }
    // ---- the scrutineer's report (H2 digest): report_rules.cc ----
    case av1::CHANGE_KIND_SCRUTINY_REPORT_SHARED:
    case av1::CHANGE_KIND_SCRUTINY_REPORT_PUBLISHED:
      AppendReportNotices(change, facts, people, &notices);
      break;
    default:
      break;
  }
  return notices;
}

absl::CivilDay DueHorizon(absl::CivilDay today) { return today + kDueSoonDays; }

std::vector<std::string> CalendarRulesForDay(absl::CivilDay due, absl::CivilDay today) {
  const int days_left = static_cast<int>(due - today);
  std::vector<std::string> rules;
  if (days_left > 0 && days_left <= kDueSoonDays) rules.push_back("action_due_soon");
  if (days_left == 0) rules.push_back("action_due_today");
  if (days_left < 0) rules.push_back("action_overdue");
  if (-days_left >= kEscalationDays) rules.push_back("action_escalation");
  return rules;
}

std::vector<Notice> NoticesForDay(const OpenAction& action, absl::CivilDay today,
                                  const PartnershipPeople& people,
                                  const std::set<std::string>& disabled_rules) {
  const int days_left = static_cast<int>(action.due - today);
  std::vector<Notice> notices;
  for (const std::string& rule : CalendarRulesForDay(action.due, today)) {
    if (Disabled(disabled_rules, rule)) continue;
    // The escalation goes to the partnership's administrators; the rest to the owners.
    const std::vector<Person> to =
        rule == "action_escalation"
            ? people.WithRole(Role::ROLE_PARTNERSHIP_ADMINISTRATOR)
            : people.WithRole(Role::ROLE_ACTION_OWNER, action.owner_organisation);
    Notice base =
        Base(rule, people, absl::StrCat("actions/", action.action_id), IsoDay(action.due));
    base.fields["action_description"] = action.description;
    base.fields["due_date"] = IsoDay(action.due);
    base.fields["days"] = absl::StrCat(days_left < 0 ? -days_left : days_left);
    base.fields["owner_organisation"] = LastSegment(action.owner_organisation);
    Address(&notices, base, to);
  }
  return notices;
}

absl::CivilDay TodayIn(const Clock& clock, absl::TimeZone zone) {
  return absl::ToCivilDay(clock.Now(), zone);
}

std::optional<absl::CivilDay> ParseIsoDay(absl::string_view text) {
  absl::CivilDay day;
  if (text.size() != 10 || !absl::ParseCivilTime(text, &day)) return std::nullopt;
  return day;
}

}  // namespace sixsteps::notification
