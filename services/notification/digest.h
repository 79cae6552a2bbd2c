// The weekly digest: per person, what is open for them across the partnerships they are
// bound on, from the facts the follower keeps (rounds and their respondents, answered
// questions, open challenges, reports out for the accuracy check, open actions). Plain
// functions, so that the schedule (across a week boundary and a daylight-saving change) and
// each person's list are unit tests.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "services/notification/rules.h"

namespace sixsteps::notification {

inline constexpr absl::string_view kDigestRule = "weekly_digest";

// When digests go out: once a week, on `weekday` from `hour` o'clock in the hub's zone.
struct DigestSchedule {
  absl::Weekday weekday = absl::Weekday::monday;
  int hour = 8;  // 0..23
};

// The day of the latest digest slot at or before `now` (in `zone`): the week whose digest
// is due. The slot's hour is read in the zone's local time; on a day the clocks skip it the
// slot is the same instant an hour later, and on a day they repeat it, the first time.
absl::CivilDay LatestDigestSlot(absl::Time now, absl::TimeZone zone, const DigestSchedule& when);

// OK for "" (no link) or an https URL of at most 300 characters with no query, fragment,
// space, comma or angle bracket (it goes into a header between < and >); INVALID_ARGUMENT
// naming unsubscribe_url otherwise.
absl::Status ValidateUnsubscribeUrl(absl::string_view url);

// "monday".."sunday" -> the weekday; nullopt otherwise.
std::optional<absl::Weekday> ParseWeekday(absl::string_view text);

// A respondent of an open (draft) round.
struct DigestRound {
  std::string assessment_id, partnership_id, round_title;
  KnownRespondent respondent;
  std::optional<absl::CivilDay> deadline;
  int question_count = 0;  // 0: every question of the framework
  int answered = 0;
};

// A challenge awaiting the respondent's answer.
struct DigestChallenge {
  std::string challenge_id, assessment_id, partnership_id, round_title, question_id;
  KnownRespondent respondent;
};

// A scrutineer's report version out with the partners for the accuracy check.
struct DigestReport {
  std::string assessment_id, partnership_id, round_title;
  int version = 0;
  std::vector<std::string> partners;  // "partnerships/{p}/organisations/{o}"
};

// An open action (planned or in progress).
struct DigestAction {
  std::string action_id, partnership_id, description, owner_organisation;
  std::optional<absl::CivilDay> due;
};

struct DigestInputs {
  std::vector<DigestRound> rounds;
  std::vector<DigestChallenge> challenges;
  std::vector<DigestReport> reports;
  std::vector<DigestAction> actions;
  // Every partnership the lists name.
  std::set<std::string> Partnerships() const;
};

// One person's digest, before it is worded by the templates.
struct PersonDigest {
  Person person;
  // Section (rounds, challenges, reports, actions, in that order) -> its lines.
  std::map<int, std::vector<std::string>> sections;
  int Count() const;
};

// Who has what open on `today`. `people` holds every partnership of `inputs` identity knows
// (one it does not is left out, as are the partnerships in `switched_off`, which turned the
// weekly_digest rule off). Nobody with nothing open appears.
std::vector<PersonDigest> DigestsFor(const DigestInputs& inputs,
                                     const std::map<std::string, PartnershipPeople>& people,
                                     const std::set<std::string>& switched_off,
                                     absl::CivilDay today);

// The notice of one person's digest of the week of `slot`: its key is the person and the
// week, so it is composed once. `unsubscribe_url` is empty when none is configured.
Notice DigestNotice(const PersonDigest& digest, absl::CivilDay slot,
                    const std::string& unsubscribe_url);

}  // namespace sixsteps::notification
