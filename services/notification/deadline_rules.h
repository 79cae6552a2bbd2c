// The response deadline reminders (a calendar rule, judged on the hub's date) and the
// scrutineer's report notices (feed rules): plain functions like rules.h's.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "services/notification/rules.h"

namespace sixsteps::notification {

// A respondent of an open (draft) round with a response deadline, as the feed last showed
// it (a planned round's opening sets it; an extension moves it).
struct OpenDeadline {
  std::string assessment_id;
  std::string partnership_id;
  std::string region_id;
  std::string round_title;
  KnownRespondent respondent;
  absl::CivilDay deadline;
};

// Judged on `today` (the hub's date), the deadline being the last day answers are taken:
//   response_deadline_7_days  from 7 days before until 2 days before -> the respondent's users;
//   response_deadline_1_day   the day before and the day itself -> the respondent's users;
//   response_deadline_passed  from the day after -> its users and the partnership administrators.
// Each keeps the deadline in its key: an extended deadline is a new notice, and the same one
// is never composed twice however often (or however late: after a restart) the day is judged.
std::vector<Notice> NoticesForDeadline(const OpenDeadline& deadline, absl::CivilDay today,
                                       const PartnershipPeople& people,
                                       const std::set<std::string>& disabled_rules);
// The latest deadline NoticesForDeadline may act on today: what to ask the store for.
absl::CivilDay DeadlineHorizon(absl::CivilDay today);

}  // namespace sixsteps::notification
