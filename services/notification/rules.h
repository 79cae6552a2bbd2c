// The notification rules: which change or which day gives which notice to whom. Plain
// functions over the change, the facts kept from earlier changes and the partnership's
// people, so that every rule is a unit test.
//
// The rule table (Rules()) is the one list of rules: the switches of GetRuleSettings, the
// templates a directory must hold and the validation of UpdateRuleSettings all read it.
// Adding a rule is one entry there plus its case in NoticesForChange (a feed rule) or
// NoticesForDay (a calendar rule) and its three templates (templates.cc). The response
// deadline reminders (7 days, 1 day, passed) and the scrutineer-report notices (shared for
// accuracy checks, published) wait for the records other work adds to the feed (programme
// deadlines, report states): each is one such entry.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "services/base/clock.h"
#include "services/common/auth.h"
#include "sixsteps/assessment/v1/assessment.pb.h"

namespace sixsteps::notification {

namespace av1 = ::sixsteps::assessment::v1;

// What starts a rule: a change in the feed, or a day arriving.
enum class Trigger { kFeed, kCalendar };

struct RuleInfo {
  absl::string_view name;
  absl::string_view description;
  Trigger trigger;
};

// Every rule, in the order GetRuleSettings shows them. Each is on until a partnership
// switches it off.
const std::vector<RuleInfo>& Rules();
bool IsKnownRule(absl::string_view name);

// Someone who may be sent a notice.
struct Person {
  std::string principal;  // "users/{id}"
  std::string email;
  std::string display_name;
};

// A partnership and the people bound on it, from identity.
struct PartnershipPeople {
  std::string partnership_id;
  std::string region_id;
  std::string display_name;
  struct Bound {
    Person person;
    auth::Role role = auth::Role::ROLE_UNSPECIFIED;
    // "partnerships/{p}/organisations/{o}" for respondents and action owners.
    std::string organisation;
  };
  std::vector<Bound> bindings;
  // People named by a change but not bound on the partnership (a scrutineer of the region).
  std::vector<Person> others;

  // The people bound with `role` (and, if given, for `organisation`), each once.
  std::vector<Person> WithRole(auth::Role role, absl::string_view organisation = "") const;
  // The person `principal` is, if known.
  std::optional<Person> Find(absl::string_view principal) const;
};

// A respondent of a round, as the feed showed it.
struct KnownRespondent {
  std::string respondent_id;
  std::string organisation;  // "partnerships/{p}/organisations/{o}" or empty
  std::string scrutineer;    // "users/{u}" or empty
};

// What the rules of one change need from earlier changes and from the partnership's settings.
struct ChangeFacts {
  // The round's title, if the round is known.
  std::string round_title;
  // The round's respondents before the change.
  std::vector<KnownRespondent> respondents;
  // Rules the partnership has switched off.
  std::set<std::string> disabled_rules;
};

// One notice to compose: a rule, what it is about, to whom, and the template's values.
struct Notice {
  std::string rule;
  std::string partnership_id;
  std::string region_id;
  // The record it is about: "assessments/{a}", "assessments/{a}/challenges/{c}"...
  std::string about;
  // What makes it a different notice about the same record: a due date for calendar rules,
  // a round's revision, a change's sequence.
  std::string occasion;
  Person recipient;
  // The templates' placeholders and their values (plain text: escaped where rendered).
  std::map<std::string, std::string> fields;

  // rule, about, occasion and recipient: the notice is composed at most once.
  std::string IdempotencyKey() const;
};

// The notices a feed change gives. Respondent users are the partner respondents bound for
// the respondent's organisation, or the respondent's scrutineer.
std::vector<Notice> NoticesForChange(const av1::Change& change, const ChangeFacts& facts,
                                     const PartnershipPeople& people);

// The principals a change's rules name directly (a challenge's raiser, a scrutineer), so
// that they are looked up when they are not bound on the partnership.
std::vector<std::string> PrincipalsNamedBy(const av1::Change& change);

// An open action as the feed last showed it.
struct OpenAction {
  std::string action_id;
  std::string partnership_id;
  std::string region_id;
  std::string assessment_id;
  std::string description;
  std::string owner_organisation;  // "partnerships/{p}/organisations/{o}"
  absl::CivilDay due;
};

// The calendar rules' thresholds: due within this many days is "soon"; this many days
// overdue escalates.
inline constexpr int kDueSoonDays = 14;
inline constexpr int kEscalationDays = 14;

// Calendar rules, judged on `today` (the hub's date):
//   action_due_soon   from 14 days before the due date until the day before -> its owners;
//   action_due_today  on the due date -> its owners;
//   action_overdue    from the day after -> its owners;
//   action_escalation from 14 days after -> the partnership administrators.
// The rules above that apply to an action due on `due`, in that order: one rule for the
// notices (NoticesForDay) and the webhook events (WebhookEventsForDay).
std::vector<std::string> CalendarRulesForDay(absl::CivilDay due, absl::CivilDay today);
// Each keeps the due date in its key, so a changed due date is a new notice and the same
// one is never composed twice however often (or however late) the day is judged.
std::vector<Notice> NoticesForDay(const OpenAction& action, absl::CivilDay today,
                                  const PartnershipPeople& people,
                                  const std::set<std::string>& disabled_rules);
// ---- shared by the rule files (rules.cc, deadline_rules.cc) ----
// The people who answer for a respondent: the partner respondents bound for its
// organisation, or its scrutineer.
std::vector<Person> RespondentUsers(const KnownRespondent& respondent,
                                    const PartnershipPeople& people);
// A notice of `rule` about `about` for `occasion`, with the partnership's name filled in.
Notice Base(absl::string_view rule, const PartnershipPeople& people, std::string about,
            std::string occasion);
// `base` addressed to each of `to` (into `out`).
void Address(std::vector<Notice>* out, const Notice& base, const std::vector<Person>& to);
// The report notices of a SCRUTINY_REPORT_SHARED or _PUBLISHED change (deadline_rules.cc).
void AppendReportNotices(const av1::Change& change, const ChangeFacts& facts,
                         const PartnershipPeople& people, std::vector<Notice>* out);
// ---- end ----

// The latest due date NoticesForDay may act on today: what to ask the store for.
absl::CivilDay DueHorizon(absl::CivilDay today);

// The date in the hub's time zone.
absl::CivilDay TodayIn(const Clock& clock, absl::TimeZone zone);

// "2026-03-31" as a day; nullopt if it is not one.
std::optional<absl::CivilDay> ParseIsoDay(absl::string_view text);

}  // namespace sixsteps::notification
