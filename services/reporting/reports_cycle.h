// The scrutiny cycle's reports (issue 15), built from read-model data by plain functions
// (no I/O, no clock): the scrutineer's report as published (report 6), the annual report
// section's parts about the year of scrutiny, the tracker's recommendation texts and the
// chart of overdue actions over time.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/reporting/reports.h"
#include "sixsteps/assessment/v1/assessment.pb.h"

namespace sixsteps::reporting {

// Report 6: `published` are the round's published versions, oldest first; `version` 0 is
// the latest. NOT_FOUND (naming the round) when there is no published version, or not the
// one asked for. Each recommendation's progress counts the round's actions that answer it
// (Action.recommendation), judged as of `as_of`.
absl::StatusOr<rv1::ScrutineerReport> BuildScrutineerReport(
    const RoundData& round, const std::vector<av1::ScrutinyReport>& published, int version,
    absl::string_view as_of, const rv1::Freshness& freshness);

// "assessments/{a}/scrutinyReport/recommendations/{r}": how an action names the
// recommendation it answers.
std::string RecommendationName(absl::string_view assessment, absl::string_view id);

// Fills in each line's recommendation_text from the newest published version of its
// report among `published`.
void NameRecommendations(const std::vector<av1::ScrutinyReport>& published,
                         rv1::ActionTracker* tracker);

// Overdue actions at each of `dates` (ISO, oldest first), one series per key (`key_of`
// an action; actions with an empty key are left out), labelled by `label_of` the key. An
// action counts at date D when it was created by D, was due before D and was still open
// at D: open now, or closed (done, cancelled, carried over) after D, its last update
// standing for the day it closed.
rv1::CountsOverTime OverdueOverTime(absl::string_view title,
                                    const std::vector<actv1::Action>& actions,
                                    const std::vector<std::string>& dates,
                                    const std::function<std::string(const actv1::Action&)>& key_of,
                                    const std::function<std::string(const std::string&)>& label_of);

// `count` dates three months apart ending on `end` (ISO), oldest first: quarter ends.
std::vector<std::string> QuarterEnds(absl::string_view end, int count);

// The days OverdueOverTime counts an action by: the UTC day it was created, and the UTC day
// of its last update once it is closed (done or cancelled; "" while open). The read model
// keeps both per action so the regional overview counts in SQL (issue 18).
struct ActionDays {
  std::string created;
  std::string closed;
};
ActionDays DaysOf(const actv1::Action& action);

// What the annual report section says about the year of scrutiny.
struct AnnualCycleInput {
  // The round's report (report 1), already built.
  const rv1::AssessmentReport* report = nullptr;
  // The round's framework (its context questions).
  const fv1::FrameworkVersion* framework = nullptr;
  // Finalised rounds of the round's kind, oldest first (the ratings over the years).
  std::vector<FinalisedRound> rounds_of_kind;
  // Finalised rounds of every kind (what was scrutinised).
  std::vector<av1::Assessment> finalised;
  std::vector<av1::PlannedRound> planned;
  // Every published version of the partnership's scrutineer's reports.
  std::vector<av1::ScrutinyReport> published;
  std::vector<av1::ContextAnswer> context_answers;  // of the round
  // Every action of the partnership.
  std::vector<actv1::Action> actions;
  std::vector<av1::AnnualReportDraft> drafts;
  absl::flat_hash_map<std::string, std::string> organisation_names;
  std::string as_of;
};

// The context questions that say how scrutiny is arranged (Pearce 2019, section six):
// c1 who employs the scrutineer and to whom they report; c5 to whom their decisions as
// final arbiter are reported. Stable ids: an adaptation keeps them.
inline const std::vector<std::string>& ArrangementQuestions() {
  static const std::vector<std::string> kIds = {"c1", "c5"};
  return kIds;
}

// The section's parts about the year, as Markdown (every text from the records through
// MarkdownText), and the data of its charts. The year is the twelve months ending on the
// day the round was finalised (as_of while it is not). The scrutineer's statement is the
// summary of the newest published version of the scrutineer's report on the round.
struct AnnualCycleParts {
  std::string markdown;
  rv1::AnnualCycle cycle;
};
AnnualCycleParts BuildAnnualCycle(const AnnualCycleInput& input);

}  // namespace sixsteps::reporting
