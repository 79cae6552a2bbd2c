#include "services/notification/deadline_rules.h"

#include "absl/strings/str_cat.h"
#include "services/base/names.h"

namespace sixsteps::notification {
namespace {

using auth::Role;

constexpr int kFirstReminderDays = 7;

}  // namespace

absl::CivilDay DeadlineHorizon(absl::CivilDay today) { return today + kFirstReminderDays; }

std::vector<Notice> NoticesForDeadline(const OpenDeadline& deadline, absl::CivilDay today,
                                       const PartnershipPeople& people,
                                       const std::set<std::string>& disabled_rules) {
  const int days_left = static_cast<int>(deadline.deadline - today);
  const std::vector<Person> respondents = RespondentUsers(deadline.respondent, people);
  std::vector<std::pair<std::string, std::vector<Person>>> due;
  if (days_left > 1 && days_left <= kFirstReminderDays) {
    due.push_back({"response_deadline_7_days", respondents});
  } else if (days_left == 1 || days_left == 0) {
    due.push_back({"response_deadline_1_day", respondents});
  } else if (days_left < 0) {
    std::vector<Person> to = respondents;
    for (Person& admin : people.WithRole(Role::ROLE_PARTNERSHIP_ADMINISTRATOR)) {
      to.push_back(std::move(admin));
    }
    due.push_back({"response_deadline_passed", std::move(to)});
  }
  std::vector<Notice> notices;
  const std::string day = absl::FormatCivilTime(deadline.deadline);
  for (const auto& [rule, to] : due) {
    if (disabled_rules.count(rule)) continue;
    Notice base = Base(rule, people,
                       absl::StrCat("assessments/", deadline.assessment_id, "/respondents/",
                                    deadline.respondent.respondent_id),
                       day);
    base.fields["round_title"] =
        deadline.round_title.empty() ? deadline.assessment_id : deadline.round_title;
    base.fields["due_date"] = day;
    base.fields["days"] = absl::StrCat(days_left < 0 ? -days_left : days_left);
    Address(&notices, base, to);
  }
  return notices;
}

void AppendReportNotices(const av1::Change& change, const ChangeFacts& facts,
                         const PartnershipPeople& people, std::vector<Notice>* out) {
  if (!change.has_scrutiny_report()) return;  // a draft, which partners never see
  const av1::ScrutinyReport& report = change.scrutiny_report();
  const bool shared = change.kind() == av1::CHANGE_KIND_SCRUTINY_REPORT_SHARED;
  const std::string rule = shared ? "scrutiny_report_shared" : "scrutiny_report_published";
  if (facts.disabled_rules.count(rule)) return;
  // Each version is shared and published once; the name holds the version.
  Notice base = Base(rule, people, report.name(), "");
  base.fields["round_title"] =
      facts.round_title.empty() ? LastSegment(report.assessment()) : facts.round_title;
  base.fields["report_version"] = absl::StrCat(report.version());
  std::vector<Person> to = people.WithRole(Role::ROLE_PARTNERSHIP_ADMINISTRATOR);
  if (shared) {
    // The partners asked to check it answer through their respondents.
    for (const std::string& organisation : report.partners()) {
      for (Person& person : people.WithRole(Role::ROLE_PARTNER_RESPONDENT, organisation)) {
        to.push_back(std::move(person));
      }
    }
  }
  Address(out, base, to);
}

}  // namespace sixsteps::notification
