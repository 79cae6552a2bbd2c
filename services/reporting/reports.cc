#include "services/reporting/reports.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"
#include "services/base/names.h"
#include "services/reporting/render.h"
#include "services/reporting/reports_register.h"

namespace sixsteps::reporting {
namespace {

void Count(fv1::Rating rating, rv1::RatingCounts& counts) {
  switch (rating) {
    case fv1::RATING_RED:
      counts.set_red(counts.red() + 1);
      break;
    case fv1::RATING_AMBER:
      counts.set_amber(counts.amber() + 1);
      break;
    case fv1::RATING_GREEN:
      counts.set_green(counts.green() + 1);
      break;
    default:
      counts.set_unrated(counts.unrated() + 1);
      break;
  }
}

// A round's kind in words for a reader: the annual report section's prose, and the text
// v0.2.0 released in AssessmentReport.kind.
std::string KindWord(av1::AssessmentKind kind) {
  switch (kind) {
    case av1::ASSESSMENT_KIND_INDEPENDENT_SCRUTINY:
      return "independent scrutiny";
    case av1::ASSESSMENT_KIND_SELF_ASSESSMENT:
      return "self-assessment by the three core partners";
    case av1::ASSESSMENT_KIND_WIDER_PARTNER_ASSESSMENT:
      return "wider partners' assessment";
    default:
      return "assessment";
  }
}

// The text fields v0.2.0 released, deprecated for the typed fields beside them and filled from
// those with the values it released (docs/api.md, "Enums as text"): the one place that writes
// them, so the one place that is told they are deprecated.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
void FillReleasedText(rv1::ActionLine& line) {
  line.set_status(actv1::Action::Status_Name(line.action_status()));
}
void FillReleasedText(rv1::AssessmentReport& report) {
  report.set_kind(KindWord(report.round_kind()));
  report.set_state(av1::Assessment::State_Name(report.round_state()));
}
#pragma GCC diagnostic pop

}  // namespace

bool IsOpen(const actv1::Action& action) {
  return action.status() == actv1::Action::STATUS_PLANNED ||
         action.status() == actv1::Action::STATUS_IN_PROGRESS;
}

void CountAction(const actv1::Action& action, absl::string_view as_of, rv1::ActionCounts& counts) {
  switch (action.status()) {
    case actv1::Action::STATUS_DONE:
      counts.set_done(counts.done() + 1);
      break;
    case actv1::Action::STATUS_CANCELLED:
      counts.set_cancelled(counts.cancelled() + 1);
      break;
    case actv1::Action::STATUS_CARRIED_OVER:
      counts.set_carried_over(counts.carried_over() + 1);
      break;
    default:
      counts.set_open(counts.open() + 1);
      if (action.due_date() < as_of) counts.set_overdue(counts.overdue() + 1);
      break;
  }
}

rv1::ActionLine ActionLineOf(const actv1::Action& action, absl::string_view as_of) {
  rv1::ActionLine line;
  line.set_action(action.name());
  line.set_assessment(action.assessment());
  line.set_step_id(action.step_id());
  line.set_description(action.description());
  line.set_owner_organisation(action.owner_organisation());
  line.set_due_date(action.due_date());
  line.set_action_status(action.status());
  FillReleasedText(line);
  line.set_overdue(IsOpen(action) && action.due_date() < as_of);
  std::string created = absl::FormatTime(
      "%Y-%m-%d", absl::FromUnixSeconds(action.create_time().seconds()), absl::UTCTimeZone());
  line.set_age_days(std::max(0, DaysBetween(created, as_of)));
  line.set_days_overdue(line.overdue() ? DaysBetween(action.due_date(), as_of) : 0);
  line.set_recommendation(action.recommendation());
  return line;
}

namespace {

double MeanScore(const rv1::RatingCounts& counts) {
  int rated = counts.red() + counts.amber() + counts.green();
  if (rated == 0) return 0;
  return (counts.red() * 1.0 + counts.amber() * 2.0 + counts.green() * 3.0) / rated;
}

rv1::Trend Compare(double before, double after) {
  if (before == 0 || after == 0) return rv1::TREND_NOT_COMPARABLE;
  if (after > before) return rv1::TREND_IMPROVED;
  if (after < before) return rv1::TREND_WORSE;
  return rv1::TREND_SAME;
}

}  // namespace

int Score(fv1::Rating rating) {
  switch (rating) {
    case fv1::RATING_RED:
      return 1;
    case fv1::RATING_AMBER:
      return 2;
    case fv1::RATING_GREEN:
      return 3;
    default:
      return 0;
  }
}

int DaysBetween(absl::string_view from, absl::string_view to) {
  auto parse = [](absl::string_view date, absl::CivilDay* day) {
    std::vector<absl::string_view> parts = absl::StrSplit(date, '-');
    int y = 0, m = 0, d = 0;
    if (parts.size() != 3 || !absl::SimpleAtoi(parts[0], &y) || !absl::SimpleAtoi(parts[1], &m) ||
        !absl::SimpleAtoi(parts[2], &d)) {
      return false;
    }
    *day = absl::CivilDay(y, m, d);
    return true;
  };
  absl::CivilDay a, b;
  if (!parse(from, &a) || !parse(to, &b)) return 0;
  return static_cast<int>(b - a);
}

std::string AttributionOf(const fv1::FrameworkVersion& framework) {
  return framework.attribution().empty() ? framework.source_citation() : framework.attribution();
}

bool SeesThroughOptOut(const auth::Caller& caller, absl::string_view region,
                       absl::string_view partnership) {
  if (caller.IsHubAdmin(region)) return true;
  return std::any_of(caller.grants.begin(), caller.grants.end(), [&](const auth::Grant& g) {
    return !partnership.empty() && g.partnership == partnership;
  });
}

bool MayReadPartnershipReports(const auth::Caller& caller, absl::string_view region,
                               absl::string_view partnership, bool opted_out) {
  if (!caller.CanSeePartnership(region, partnership)) return false;
  return !opted_out || SeesThroughOptOut(caller, region, partnership);
}

bool MayReadFreshness(const auth::Caller& caller) {
  return std::any_of(caller.grants.begin(), caller.grants.end(),
                     [](const auth::Grant& grant) { return grant.partnership.empty(); });
}

std::vector<actv1::Action> ActionsShownInRegion(const auth::Caller& caller,
                                                absl::string_view region,
                                                std::vector<actv1::Action> actions,
                                                const absl::flat_hash_set<std::string>& opted_out) {
  if (opted_out.empty()) return actions;
  std::erase_if(actions, [&](const actv1::Action& action) {
    std::string partnership = LastSegment(action.partnership());
    return opted_out.contains(partnership) && !SeesThroughOptOut(caller, region, partnership);
  });
  return actions;
}

// ---- evidence and voice reports (H5): the action counting they share ----
void CountActionStatus(const actv1::Action& action, absl::string_view as_of,
                       rv1::ActionCounts& counts) {
  CountAction(action, as_of, counts);
}

rv1::AssessmentReport BuildAssessmentReport(const RoundData& round, absl::string_view as_of,
                                            const rv1::Freshness& freshness) {
  const av1::Assessment& a = round.assessment;
  rv1::AssessmentReport report;
  report.set_assessment(a.name());
  report.set_partnership(a.partnership());
  report.set_partnership_name(round.partnership_name);
  report.set_region(a.region());
  report.set_title(a.title());
  report.set_round_kind(a.kind());
  report.set_round_state(a.state());
  FillReleasedText(report);
  report.set_revision(a.revision());
  report.set_period_start(a.period_start());
  report.set_period_end(a.period_end());
  report.set_framework_version(a.framework_version());
  report.set_framework_title(round.framework.title());
  *report.mutable_rating_definitions() = round.framework.rating_definitions();
  report.set_attribution(AttributionOf(round.framework));
  report.set_as_of_date(std::string(as_of));
  if (a.has_finalise_time()) *report.mutable_finalise_time() = a.finalise_time();
  *report.mutable_freshness() = freshness;

  // Index everything by question once: no per-question lookups.
  absl::flat_hash_map<std::string, std::string> labels;
  for (const av1::Respondent& respondent : round.respondents) {
    std::string label = respondent.scrutineer();
    if (!respondent.organisation().empty()) {
      auto name = round.organisation_names.find(respondent.organisation());
      label = name != round.organisation_names.end() ? name->second
                                                     : LastSegment(respondent.organisation());
    } else {
      label = absl::StrCat("Scrutineer ", LastSegment(respondent.scrutineer()));
    }
    labels[respondent.name()] = label;
  }
  std::map<std::string, std::vector<const av1::Response*>> responses;
  for (const av1::Response& response : round.responses) {
    responses[response.question_id()].push_back(&response);
  }
  absl::flat_hash_map<std::string, const av1::Consolidation*> consolidations;
  for (const av1::Consolidation& c : round.consolidations) consolidations[c.question_id()] = &c;
  absl::flat_hash_map<std::string, int> open_challenges;
  for (const av1::Challenge& challenge : round.challenges) {
    if (challenge.state() != av1::Challenge::STATE_CLOSED) {
      ++open_challenges[challenge.question_id()];
      report.set_open_challenges(report.open_challenges() + 1);
    }
  }
  absl::flat_hash_map<std::string, rv1::ActionCounts> actions_by_step;
  for (const actv1::Action& action : round.actions) {
    CountAction(action, as_of, actions_by_step[action.step_id()]);
    CountAction(action, as_of, *report.mutable_actions());
  }

  int questions = 0, consolidated = 0;
  for (const fv1::Step& step : round.framework.steps()) {
    rv1::StepRow* row = report.add_steps();
    row->set_step_id(step.id());
    row->set_title(step.title());
    *row->mutable_actions() = actions_by_step[step.id()];
    for (const fv1::Question& question : step.questions()) {
      ++questions;
      rv1::QuestionRow* q = row->add_questions();
      q->set_question_id(question.id());
      q->set_text(question.text());
      int evidence = 0;
      std::set<int> ratings;
      for (const av1::Response* response : responses[question.id()]) {
        rv1::RespondentRating* rating = q->add_respondent_ratings();
        std::string respondent = response->name().substr(0, response->name().rfind("/responses/"));
        rating->set_respondent(respondent);
        rating->set_label(labels.contains(respondent) ? labels[respondent]
                                                      : LastSegment(respondent));
        rating->set_rating(response->rating());
        rating->set_evidence_items(response->evidence_size());
        evidence += response->evidence_size();
        if (response->rating() != fv1::RATING_UNSPECIFIED) ratings.insert(response->rating());
      }
      fv1::Rating final_rating = fv1::RATING_UNSPECIFIED;
      auto found = consolidations.find(question.id());
      if (found != consolidations.end()) {
        final_rating = found->second->rating();
        q->set_rationale(found->second->rationale());
        q->set_remaining_work(found->second->remaining_work());
        evidence += found->second->evidence_size();
      }
      q->set_consolidated_rating(final_rating);
      q->set_evidence_items(evidence);
      bool positive = final_rating == fv1::RATING_GREEN || final_rating == fv1::RATING_AMBER;
      bool missing = (positive && evidence == 0) ||
                     (final_rating == fv1::RATING_AMBER && q->remaining_work().empty());
      q->set_evidence_missing(missing);
      if (missing) report.add_questions_missing_evidence(question.id());
      q->set_divergent(ratings.size() > 1);
      q->set_severe_divergence(ratings.count(fv1::RATING_GREEN) && ratings.count(fv1::RATING_RED));
      if (q->divergent()) report.add_divergent_questions(question.id());
      q->set_open_challenges(open_challenges[question.id()]);
      Count(final_rating, *row->mutable_counts());
      Count(final_rating, *report.mutable_counts());
      if (final_rating != fv1::RATING_UNSPECIFIED) ++consolidated;
    }
  }
  report.set_completeness_percent(questions == 0 ? 0 : consolidated * 100 / questions);
  return report;
}

rv1::PartnershipTrend BuildPartnershipTrend(absl::string_view partnership,
                                            absl::string_view partnership_name,
                                            absl::string_view kind,
                                            const std::vector<FinalisedRound>& rounds,
                                            const rv1::Freshness& freshness) {
  rv1::PartnershipTrend trend;
  trend.set_partnership(std::string(partnership));
  trend.set_partnership_name(std::string(partnership_name));
  trend.set_kind(std::string(kind));
  *trend.mutable_freshness() = freshness;
  if (rounds.empty()) return trend;
  std::vector<absl::flat_hash_map<std::string, fv1::Rating>> ratings(rounds.size());
  for (size_t i = 0; i < rounds.size(); ++i) {
    const av1::Assessment& a = rounds[i].assessment;
    rv1::TrendRound* round = trend.add_rounds();
    round->set_assessment(a.name());
    round->set_title(a.title());
    round->set_period_end(a.period_end());
    *round->mutable_finalise_time() = a.finalise_time();
    round->set_framework_version(a.framework_version());
    for (const av1::Consolidation& c : rounds[i].consolidations)
      ratings[i][c.question_id()] = c.rating();
  }
  const fv1::FrameworkVersion& newest = *rounds.back().framework;
  for (const fv1::Step& step : newest.steps()) {
    rv1::StepTrend* step_trend = trend.add_steps();
    step_trend->set_step_id(step.id());
    step_trend->set_title(step.title());
    std::vector<rv1::RatingCounts> counts(rounds.size());
    for (const fv1::Question& question : step.questions()) {
      rv1::QuestionTrend* q = trend.add_questions();
      q->set_question_id(question.id());
      q->set_text(question.text());
      q->set_step_id(step.id());
      for (size_t i = 0; i < rounds.size(); ++i) {
        auto found = ratings[i].find(question.id());
        fv1::Rating rating = found == ratings[i].end() ? fv1::RATING_UNSPECIFIED : found->second;
        q->add_ratings(rating);
        Count(rating, counts[i]);
      }
      q->set_trend(rounds.size() < 2 ? rv1::TREND_NOT_COMPARABLE
                                     : Compare(Score(q->ratings(rounds.size() - 2)),
                                               Score(q->ratings(rounds.size() - 1))));
    }
    for (const rv1::RatingCounts& c : counts) *step_trend->add_counts() = c;
    step_trend->set_trend(rounds.size() < 2 ? rv1::TREND_NOT_COMPARABLE
                                            : Compare(MeanScore(counts[rounds.size() - 2]),
                                                      MeanScore(counts[rounds.size() - 1])));
  }
  return trend;
}

namespace {

// Anonymous rows in an order that follows only what they show (their figures), never
// their names or ids: rows that compare equal look alike, so their order says nothing.
std::tuple<int, int, int, int> CountsKey(const rv1::RatingCounts& c) {
  return {c.red(), c.amber(), c.green(), c.unrated()};
}

bool ShownFirst(const rv1::RegionalRow& a, const rv1::RegionalRow& b) {
  if (CountsKey(a.counts()) != CountsKey(b.counts())) {
    return CountsKey(a.counts()) < CountsKey(b.counts());
  }
  if (!std::equal(a.step_heat().begin(), a.step_heat().end(), b.step_heat().begin(),
                  b.step_heat().end())) {
    return std::lexicographical_compare(a.step_heat().begin(), a.step_heat().end(),
                                        b.step_heat().begin(), b.step_heat().end());
  }
  if (!std::equal(a.step_ids().begin(), a.step_ids().end(), b.step_ids().begin(),
                  b.step_ids().end())) {
    return std::lexicographical_compare(a.step_ids().begin(), a.step_ids().end(),
                                        b.step_ids().begin(), b.step_ids().end());
  }
  std::vector<std::tuple<int, int, int, int>> sa, sb;
  for (const rv1::RatingCounts& c : a.step_counts()) sa.push_back(CountsKey(c));
  for (const rv1::RatingCounts& c : b.step_counts()) sb.push_back(CountsKey(c));
  if (sa != sb) return sa < sb;
  return a.overdue_actions() < b.overdue_actions();
}

}  // namespace

rv1::RegionalRow RoundFigures(const FinalisedRound& round) {
  rv1::RegionalRow row;
  row.set_assessment(round.assessment.name());
  row.set_last_scrutiny_date(round.assessment.period_end());
  absl::flat_hash_map<std::string, fv1::Rating> ratings;
  for (const av1::Consolidation& c : round.consolidations) ratings[c.question_id()] = c.rating();
  for (const fv1::Step& step : round.framework->steps()) {
    rv1::RatingCounts counts;
    for (const fv1::Question& question : step.questions()) {
      auto found = ratings.find(question.id());
      Count(found == ratings.end() ? fv1::RATING_UNSPECIFIED : found->second, counts);
      Count(found == ratings.end() ? fv1::RATING_UNSPECIFIED : found->second,
            *row.mutable_counts());
    }
    row.add_step_ids(step.id());
    row.add_step_heat(MeanScore(counts));
    *row.add_step_counts() = counts;
  }
  return row;
}

rv1::RegionalOverview BuildRegionalOverview(absl::string_view region, absl::string_view region_name,
                                            std::vector<RegionalInput> partnerships,
                                            absl::string_view as_of,
                                            const rv1::Freshness& freshness) {
  rv1::RegionalOverview overview;
  overview.set_region(std::string(region));
  overview.set_region_name(std::string(region_name));
  overview.set_as_of_date(std::string(as_of));
  *overview.mutable_freshness() = freshness;
  std::vector<rv1::RegionalRow> named, anonymous;
  named.reserve(partnerships.size());
  for (RegionalInput& input : partnerships) {
    const bool hidden = input.opted_out && !input.caller_is_member;
    rv1::RegionalRow& row = hidden ? anonymous.emplace_back() : named.emplace_back();
    // The row starts as the round's figures, taken over rather than copied: at 1,000
    // partnerships two copies of each kept malloc and free at ~40% of the call's CPU.
    if (input.latest_figures) {
      row = std::move(*input.latest_figures);
    } else if (input.latest) {
      row = RoundFigures(*input.latest);
    }
    if (hidden) {
      // Nothing that names it: no id, no name, no round, no date (dates are published).
      row.set_anonymous(true);
      row.clear_assessment();
      row.clear_last_scrutiny_date();
    } else {
      row.set_partnership(absl::StrCat("partnerships/", input.partnership_id));
      row.set_partnership_name(std::move(input.name));
    }
    row.set_overdue_actions(input.overdue_actions);
  }
  // Named rows keep the order they came in (by name); anonymous ones follow them, ordered
  // by their figures, and only when there are enough of them that none can be told apart
  // by elimination.
  overview.mutable_partnerships()->Reserve(static_cast<int>(partnerships.size()));
  for (rv1::RegionalRow& row : named) *overview.add_partnerships() = std::move(row);
  if (anonymous.size() >= kMinAnonymousRows) {
    std::stable_sort(anonymous.begin(), anonymous.end(), ShownFirst);
    int number = 0;
    for (rv1::RegionalRow& row : anonymous) {
      row.set_partnership_name(absl::StrCat("Partnership ", ++number, " (anonymous)"));
      *overview.add_partnerships() = std::move(row);
    }
  }
  return overview;
}

rv1::ActionTracker BuildActionTracker(
    absl::string_view scope, const std::vector<actv1::Action>& actions,
    const absl::flat_hash_map<std::string, std::string>& organisation_names,
    const absl::flat_hash_map<std::string, std::string>& step_titles, absl::string_view as_of,
    const rv1::Freshness& freshness) {
  rv1::ActionTracker tracker;
  tracker.set_scope(std::string(scope));
  tracker.set_as_of_date(std::string(as_of));
  *tracker.mutable_freshness() = freshness;
  std::map<std::string, rv1::ActionGroup> by_owner, by_step;
  std::vector<const actv1::Action*> sorted;
  for (const actv1::Action& action : actions) sorted.push_back(&action);
  std::sort(sorted.begin(), sorted.end(), [](const auto* a, const auto* b) {
    return std::tie(a->due_date(), a->name()) < std::tie(b->due_date(), b->name());
  });
  for (const actv1::Action* action : sorted) {
    CountAction(*action, as_of, *tracker.mutable_counts());
    rv1::ActionGroup& owner = by_owner[action->owner_organisation()];
    rv1::ActionGroup& step = by_step[action->step_id()];
    CountAction(*action, as_of, *owner.mutable_counts());
    CountAction(*action, as_of, *step.mutable_counts());
    if (!IsOpen(*action)) continue;
    rv1::ActionLine line = ActionLineOf(*action, as_of);
    *owner.add_actions() = line;
    *step.add_actions() = line;
  }
  for (auto& [key, group] : by_owner) {
    group.set_key(key);
    auto name = organisation_names.find(key);
    group.set_label(name != organisation_names.end() ? name->second : LastSegment(key));
    *tracker.add_by_owner() = std::move(group);
  }
  for (auto& [key, group] : by_step) {
    group.set_key(key);
    auto title = step_titles.find(key);
    group.set_label(title != step_titles.end() ? title->second : key);
    *tracker.add_by_step() = std::move(group);
  }
  return tracker;
}

rv1::AnnualReportSection BuildAnnualReportSection(const rv1::AssessmentReport& report,
                                                  absl::string_view cycle_markdown) {
  rv1::AnnualReportSection section;
  section.set_assessment(report.assessment());
  section.set_partnership_name(report.partnership_name());
  section.set_attribution(report.attribution());
  *section.mutable_freshness() = report.freshness();
  // Every text from the records (titles, names, question texts, the attribution) goes
  // through MarkdownText: whoever pastes the section, or renders it as HTML, gets it as
  // text, never as a link, an image or raw HTML.
  const auto md_text = [](absl::string_view text) { return MarkdownText(text); };
  const rv1::RatingCounts& c = report.counts();
  std::string md = absl::StrCat(
      "## Scrutiny of safeguarding children arrangements: ", md_text(report.title()), "\n\n",
      md_text(report.partnership_name()), " was assessed against *",
      md_text(report.framework_title()), "* (", md_text(KindWord(report.round_kind())), ", ",
      md_text(report.period_start()), " to ", md_text(report.period_end()), "). Of ",
      c.red() + c.amber() + c.green() + c.unrated(), " questions, ", c.green(),
      " were rated Green, ", c.amber(), " Amber and ", c.red(), " Red",
      c.unrated() > 0 ? absl::StrCat("; ", c.unrated(), " were not rated") : std::string(),
      ".\n\n");
  absl::StrAppend(&md, "| Step | Red | Amber | Green | Open actions | Overdue |\n");
  absl::StrAppend(&md, "|---|---|---|---|---|---|\n");
  for (const rv1::StepRow& step : report.steps()) {
    absl::StrAppend(&md, "| ", md_text(step.title()), " | ", step.counts().red(), " | ",
                    step.counts().amber(), " | ", step.counts().green(), " | ",
                    step.actions().open(), " | ", step.actions().overdue(), " |\n");
  }
  absl::StrAppend(&md, "\n");
  std::vector<std::string> reds;
  for (const rv1::StepRow& step : report.steps()) {
    for (const rv1::QuestionRow& q : step.questions()) {
      if (q.consolidated_rating() == fv1::RATING_RED) {
        reds.push_back(absl::StrCat("- ", md_text(q.question_id()), ": ", md_text(q.text())));
      }
    }
  }
  if (!reds.empty()) {
    absl::StrAppend(&md,
                    "Questions rated Red, where the partnership could not yet confirm a "
                    "positive response:\n\n",
                    absl::StrJoin(reds, "\n"), "\n\n");
  }
  absl::StrAppend(
      &md, "Every response, whatever its rating, has an action plan: ", report.actions().open(),
      " actions are open (", report.actions().overdue(), " overdue as of ",
      md_text(report.as_of_date()), ") and ", report.actions().done(), " are done.\n\n");
  absl::StrAppend(&md, cycle_markdown);
  absl::StrAppend(&md, md_text(report.attribution()), "\n");
  section.set_markdown(md);
  return section;
}

}  // namespace sixsteps::reporting
