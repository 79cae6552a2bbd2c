#include "services/notification/digest.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/base/names.h"
#include "services/notification/templates.h"

namespace sixsteps::notification {
namespace {

using auth::Role;

constexpr const char* kDigestSections[] = {
    "Rounds waiting for your answers", "Challenges waiting for your answer",
    "Scrutineer's reports to check for accuracy", "Actions your organisation owns"};
enum Section { kRounds = 0, kChallenges = 1, kReports = 2, kActions = 3 };

std::string PartnershipName(const PartnershipPeople& people) {
  return people.display_name.empty() ? people.partnership_id : people.display_name;
}

// "due by 2030-03-31 (in 5 days)", "(today)", "(3 days ago)".
std::string When(absl::string_view what, absl::CivilDay day, absl::CivilDay today) {
  const int64_t days = day - today;
  std::string relative = days == 0  ? "today"
                         : days > 0 ? absl::StrCat("in ", days, days == 1 ? " day" : " days")
                                    : absl::StrCat(-days, -days == 1 ? " day" : " days", " ago");
  return absl::StrCat(what, " ", absl::FormatCivilTime(day), " (", relative, ")");
}

// Adds `line` to each person's `section`.
void AddFor(std::map<std::string, PersonDigest>* digests, const std::vector<Person>& to,
            Section section, const std::string& line) {
  for (const Person& person : to) {
    PersonDigest& digest = (*digests)[person.principal];
    digest.person = person;
    digest.sections[section].push_back(line);
  }
}

}  // namespace

absl::CivilDay LatestDigestSlot(absl::Time now, absl::TimeZone zone, const DigestSchedule& when) {
  const absl::CivilDay today = absl::ToCivilDay(now, zone);
  const int back =
      (static_cast<int>(absl::GetWeekday(today)) - static_cast<int>(when.weekday) + 7) % 7;
  absl::CivilDay slot = today - back;
  if (now <
      absl::FromCivil(absl::CivilHour(slot.year(), slot.month(), slot.day(), when.hour), zone)) {
    slot -= 7;
  }
  return slot;
}

absl::Status ValidateUnsubscribeUrl(absl::string_view url) {
  if (url.empty()) return absl::OkStatus();
  if (url.size() > 300 || !absl::StartsWith(url, "https://") || url.size() == 8 ||
      url.find_first_of("?#<>, \t\r\n\"'") != absl::string_view::npos) {
    return absl::InvalidArgumentError(
        "unsubscribe_url must be an https URL (at most 300 characters, no query or fragment)");
  }
  return absl::OkStatus();
}

std::optional<absl::Weekday> ParseWeekday(absl::string_view text) {
  static constexpr std::pair<const char*, absl::Weekday> kDays[] = {
      {"monday", absl::Weekday::monday},       {"tuesday", absl::Weekday::tuesday},
      {"wednesday", absl::Weekday::wednesday}, {"thursday", absl::Weekday::thursday},
      {"friday", absl::Weekday::friday},       {"saturday", absl::Weekday::saturday},
      {"sunday", absl::Weekday::sunday}};
  const std::string lower = absl::AsciiStrToLower(text);
  for (const auto& [name, day] : kDays) {
    if (lower == name) return day;
  }
  return std::nullopt;
}

std::set<std::string> DigestInputs::Partnerships() const {
  std::set<std::string> all;
  for (const auto& r : rounds) all.insert(r.partnership_id);
  for (const auto& c : challenges) all.insert(c.partnership_id);
  for (const auto& r : reports) all.insert(r.partnership_id);
  for (const auto& a : actions) all.insert(a.partnership_id);
  return all;
}

int PersonDigest::Count() const {
  int count = 0;
  for (const auto& [section, lines] : sections) count += static_cast<int>(lines.size());
  return count;
}

std::vector<PersonDigest> DigestsFor(const DigestInputs& inputs,
                                     const std::map<std::string, PartnershipPeople>& people,
                                     const std::set<std::string>& switched_off,
                                     absl::CivilDay today) {
  std::map<std::string, PersonDigest> digests;
  auto of = [&](const std::string& partnership) -> const PartnershipPeople* {
    if (switched_off.count(partnership)) return nullptr;
    auto found = people.find(partnership);
    return found == people.end() ? nullptr : &found->second;
  };
  for (const DigestRound& round : inputs.rounds) {
    const PartnershipPeople* p = of(round.partnership_id);
    if (p == nullptr) continue;
    if (round.question_count > 0 && round.answered >= round.question_count) continue;
    std::string line = absl::StrCat("\"", round.round_title, "\" of ", PartnershipName(*p));
    if (round.deadline)
      absl::StrAppend(&line, ": answers due by", When("", *round.deadline, today));
    absl::StrAppend(
        &line, round.deadline ? "; " : ": ",
        round.question_count > 0
            ? absl::StrCat(round.answered, " of ", round.question_count, " questions answered")
            : absl::StrCat(round.answered, " questions answered so far"));
    AddFor(&digests, RespondentUsers(round.respondent, *p), kRounds, line);
  }
  for (const DigestChallenge& challenge : inputs.challenges) {
    const PartnershipPeople* p = of(challenge.partnership_id);
    if (p == nullptr) continue;
    AddFor(&digests, RespondentUsers(challenge.respondent, *p), kChallenges,
           absl::StrCat("question ", challenge.question_id, " in \"", challenge.round_title,
                        "\" of ", PartnershipName(*p)));
  }
  for (const DigestReport& report : inputs.reports) {
    const PartnershipPeople* p = of(report.partnership_id);
    if (p == nullptr) continue;
    std::vector<Person> to;
    for (const std::string& organisation : report.partners) {
      for (Person& person : p->WithRole(Role::ROLE_PARTNER_RESPONDENT, organisation)) {
        to.push_back(std::move(person));
      }
    }
    AddFor(&digests, to, kReports,
           absl::StrCat("version ", report.version, " of the report on \"", report.round_title,
                        "\" of ", PartnershipName(*p)));
  }
  for (const DigestAction& action : inputs.actions) {
    const PartnershipPeople* p = of(action.partnership_id);
    if (p == nullptr) continue;
    std::string line = absl::StrCat(LastSegment(action.owner_organisation), " of ",
                                    PartnershipName(*p), ": ", action.description);
    if (action.due) {
      absl::StrAppend(&line, " — ",
                      When(*action.due < today ? "OVERDUE, was due" : "due", *action.due, today));
    }
    AddFor(&digests, p->WithRole(Role::ROLE_ACTION_OWNER, action.owner_organisation), kActions,
           line);
  }
  std::vector<PersonDigest> out;
  for (auto& [principal, digest] : digests) {
    if (digest.person.email.empty() || digest.Count() == 0) continue;
    out.push_back(std::move(digest));
  }
  return out;
}

Notice DigestNotice(const PersonDigest& digest, absl::CivilDay slot,
                    const std::string& unsubscribe_url) {
  Notice notice;
  notice.rule = std::string(kDigestRule);
  notice.about = digest.person.principal;
  notice.occasion = absl::FormatCivilTime(slot);
  notice.recipient = digest.person;
  std::string text, html;
  for (const auto& [section, lines] : digest.sections) {
    absl::StrAppend(&text, kDigestSections[section], ":\n");
    absl::StrAppend(&html, "<h3>", EscapeHtml(kDigestSections[section]), "</h3><ul>");
    for (const std::string& line : lines) {
      absl::StrAppend(&text, "  - ", line, "\n");
      absl::StrAppend(&html, "<li>", EscapeHtml(line), "</li>");
    }
    absl::StrAppend(&text, "\n");
    absl::StrAppend(&html, "</ul>");
  }
  notice.fields["recipient_name"] = digest.person.display_name;
  notice.fields["week"] = notice.occasion;
  notice.fields["item_count"] = absl::StrCat(digest.Count());
  notice.fields["open_items"] = text;
  notice.fields["open_items_html"] = html;
  notice.fields["unsubscribe"] =
      unsubscribe_url.empty() ? "sixsteps notifications preferences set --weekly-digest=false"
                              : unsubscribe_url;
  notice.fields["about"] = digest.person.principal;
  return notice;
}

}  // namespace sixsteps::notification
