#include "services/reporting/reports_cycle.h"

#include <algorithm>
#include <map>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "services/base/make_status.h"
#include "services/base/names.h"
#include "services/reporting/render_escape.h"

namespace sixsteps::reporting {
namespace {

std::string DateOf(const google::protobuf::Timestamp& time) {
  return absl::FormatTime("%Y-%m-%d", absl::FromUnixSeconds(time.seconds()), absl::UTCTimeZone());
}

absl::CivilDay ParseDay(absl::string_view iso) {
  absl::CivilDay day;
  if (!absl::ParseCivilTime(iso, &day)) return absl::CivilDay(1970, 1, 1);
  return day;
}

std::string FormatDay(absl::CivilDay day) { return absl::FormatCivilTime(day); }

// The same day `months` earlier (clamped to the month's end: Mar 31 - 1 month = Feb 28).
absl::CivilDay MonthsBefore(absl::CivilDay day, int months) {
  absl::CivilMonth month = absl::CivilMonth(day) - months;
  absl::CivilDay first = absl::CivilDay(month);
  absl::CivilDay last = absl::CivilDay(month + 1) - 1;
  absl::CivilDay same(month.year(), month.month(), day.day());
  // CivilDay normalises Feb 30 to Mar 2: keep it within the month instead.
  return absl::CivilMonth(same) == month ? same : std::max(first, last);
}

// "s1 Leadership" and "s1.q2 <text>" for each step and question a finding rests on.
std::vector<std::string> RestsOn(const av1::Finding& finding, const fv1::FrameworkVersion& fw) {
  std::vector<std::string> lines;
  for (const std::string& id : finding.step_ids()) {
    std::string title;
    for (const fv1::Step& step : fw.steps()) {
      if (step.id() == id) title = step.title();
    }
    lines.push_back(title.empty() ? id : absl::StrCat(id, " ", title));
  }
  for (const std::string& id : finding.question_ids()) {
    std::string text;
    for (const fv1::Step& step : fw.steps()) {
      for (const fv1::Question& q : step.questions()) {
        if (q.id() == id) text = q.text();
      }
    }
    lines.push_back(text.empty() ? id : absl::StrCat(id, " ", text));
  }
  return lines;
}

std::string NatureWord(av1::Finding::Nature nature) {
  return nature == av1::Finding::NATURE_STRENGTH ? "Strength" : "Concern";
}

std::string CountsText(const rv1::RatingCounts& c) {
  return absl::StrCat("R ", c.red(), ", A ", c.amber(), ", G ", c.green());
}

double Mean(const rv1::RatingCounts& c) {
  int rated = c.red() + c.amber() + c.green();
  return rated == 0 ? 0 : (c.red() + 2.0 * c.amber() + 3.0 * c.green()) / rated;
}

std::string ChangeWord(const rv1::RatingCounts& before, const rv1::RatingCounts& now) {
  double b = Mean(before), n = Mean(now);
  if (b == 0 || n == 0) return "no comparison";
  std::string greens = absl::StrCat(now.green() - before.green() >= 0 ? "+" : "",
                                    now.green() - before.green(), " Green");
  if (n > b + 1e-9) return absl::StrCat("better (", greens, ")");
  if (n < b - 1e-9) return absl::StrCat("worse (", greens, ")");
  return absl::StrCat("same (", greens, ")");
}

// The newest published version of each round, by round.
std::map<std::string, const av1::ScrutinyReport*> NewestVersions(
    const std::vector<av1::ScrutinyReport>& published) {
  std::map<std::string, const av1::ScrutinyReport*> newest;
  for (const av1::ScrutinyReport& r : published) {
    const av1::ScrutinyReport*& slot = newest[r.assessment()];
    if (slot == nullptr || slot->version() < r.version()) slot = &r;
  }
  return newest;
}

rv1::RecommendationProgress ProgressOf(const av1::ScrutinyReport& report,
                                       const av1::Recommendation& rec,
                                       const std::vector<actv1::Action>& actions,
                                       absl::string_view as_of) {
  rv1::RecommendationProgress p;
  p.set_recommendation_id(rec.id());
  p.set_text(rec.text());
  p.set_accepted(rec.accepted());
  for (const std::string& id : rec.finding_ids()) {
    for (const av1::Finding& f : report.findings()) {
      if (f.id() == id) p.add_findings(f.title());
    }
  }
  const std::string name = RecommendationName(report.assessment(), rec.id());
  for (const actv1::Action& action : actions) {
    if (action.recommendation() != name) continue;
    CountAction(action, as_of, *p.mutable_actions());
    *p.add_action_lines() = ActionLineOf(action, as_of);
  }
  return p;
}

}  // namespace

std::string RecommendationName(absl::string_view assessment, absl::string_view id) {
  return absl::StrCat(assessment, "/scrutinyReport/recommendations/", id);
}

absl::StatusOr<rv1::ScrutineerReport> BuildScrutineerReport(
    const RoundData& round, const std::vector<av1::ScrutinyReport>& published, int version,
    absl::string_view as_of, const rv1::Freshness& freshness) {
  const av1::ScrutinyReport* shown = nullptr;
  for (const av1::ScrutinyReport& r : published) {
    if (version == 0 ? (shown == nullptr || r.version() > shown->version())
                     : r.version() == version) {
      shown = &r;
    }
  }
  if (shown == nullptr) {
    return NotFound(
        version == 0 ? absl::StrCat(round.assessment.name(), "/scrutinyReport")
                     : absl::StrCat(round.assessment.name(), "/scrutinyReport/versions/", version));
  }
  rv1::ScrutineerReport out;
  const av1::Assessment& a = round.assessment;
  out.set_assessment(a.name());
  out.set_partnership(a.partnership());
  out.set_partnership_name(round.partnership_name);
  out.set_round_title(a.title());
  out.set_period_start(a.period_start());
  out.set_period_end(a.period_end());
  out.set_framework_title(round.framework.title());
  *out.mutable_report() = *shown;
  for (const av1::Finding& f : shown->findings()) {
    rv1::ScrutinyFindingBasis* basis = out.add_findings();
    basis->set_finding_id(f.id());
    for (std::string& line : RestsOn(f, round.framework)) basis->add_rests_on(std::move(line));
    basis->set_author(f.author());
  }
  for (const av1::Recommendation& rec : shown->recommendations()) {
    *out.add_recommendations() = ProgressOf(*shown, rec, round.actions, as_of);
  }
  for (const auto& [name, label] : round.organisation_names) {
    (*out.mutable_organisation_names())[name] = label;
  }
  for (const av1::ScrutinyReport& r : published) {
    rv1::ScrutinyVersionLine* line = out.add_versions();
    line->set_version(r.version());
    *line->mutable_publish_time() = r.publish_time();
    line->set_published_by(r.published_by());
    line->set_change_note(r.change_note());
  }
  out.set_as_of_date(std::string(as_of));
  out.set_attribution(AttributionOf(round.framework));
  *out.mutable_freshness() = freshness;
  return out;
}

void NameRecommendations(const std::vector<av1::ScrutinyReport>& published,
                         rv1::ActionTracker* tracker) {
  absl::flat_hash_map<std::string, std::string> texts;
  for (const auto& [assessment, report] : NewestVersions(published)) {
    for (const av1::Recommendation& rec : report->recommendations()) {
      texts[RecommendationName(assessment, rec.id())] = rec.text();
    }
  }
  auto name = [&](rv1::ActionGroup& group) {
    for (rv1::ActionLine& line : *group.mutable_actions()) {
      auto found = texts.find(line.recommendation());
      if (found != texts.end()) line.set_recommendation_text(found->second);
    }
  };
  for (rv1::ActionGroup& g : *tracker->mutable_by_owner()) name(g);
  for (rv1::ActionGroup& g : *tracker->mutable_by_step()) name(g);
}

std::vector<std::string> QuarterEnds(absl::string_view end, int count) {
  absl::CivilDay last = ParseDay(end);
  std::vector<std::string> dates;
  for (int k = count - 1; k >= 0; --k) dates.push_back(FormatDay(MonthsBefore(last, 3 * k)));
  return dates;
}

ActionDays DaysOf(const actv1::Action& action) {
  return {DateOf(action.create_time()), IsOpen(action) ? "" : DateOf(action.update_time())};
}

rv1::CountsOverTime OverdueOverTime(
    absl::string_view title, const std::vector<actv1::Action>& actions,
    const std::vector<std::string>& dates,
    const std::function<std::string(const actv1::Action&)>& key_of,
    const std::function<std::string(const std::string&)>& label_of) {
  rv1::CountsOverTime chart;
  chart.set_title(std::string(title));
  for (const std::string& d : dates) chart.add_dates(d);
  std::map<std::string, std::vector<int>> counts;  // by key: ordered, so stable
  for (const actv1::Action& action : actions) {
    std::string key = key_of(action);
    if (key.empty()) continue;
    std::vector<int>& series = counts[key];
    series.resize(dates.size());
    const ActionDays days = DaysOf(action);
    for (size_t i = 0; i < dates.size(); ++i) {
      const std::string& d = dates[i];
      const bool closed_by = !days.closed.empty() && days.closed <= d;
      if (days.created <= d && action.due_date() < d && !closed_by) ++series[i];
    }
  }
  for (const auto& [key, series] : counts) {
    rv1::CountSeries* s = chart.add_series();
    s->set_label(label_of(key));
    for (int n : series) s->add_counts(n);
  }
  return chart;
}

// ---- The annual report section's parts about the year ----

namespace {

void AppendScrutinised(const AnnualCycleInput& in, const std::string& start, const std::string& end,
                       std::string* md) {
  absl::StrAppend(md, "### What was scrutinised\n\n");
  absl::flat_hash_map<std::string, const av1::PlannedRound*> plan_of;  // by round
  for (const av1::PlannedRound& p : in.planned) {
    if (!p.assessment().empty()) plan_of[p.assessment()] = &p;
  }
  std::vector<std::string> lines;
  for (const av1::Assessment& a : in.finalised) {
    std::string day = DateOf(a.finalise_time());
    if (day < start || day > end) continue;
    std::string line =
        absl::StrCat("- ", MarkdownText(a.title()), " (period ", MarkdownText(a.period_start()),
                     " to ", MarkdownText(a.period_end()), "), finalised ", day);
    auto plan = plan_of.find(a.name());
    if (plan != plan_of.end()) {
      absl::StrAppend(&line, "; planned in the programme: opened ",
                      MarkdownText(plan->second->open_date()), ", responses due ",
                      MarkdownText(plan->second->response_deadline()), ", scrutineer's report due ",
                      MarkdownText(plan->second->report_due_date()));
    }
    lines.push_back(line);
  }
  for (const av1::PlannedRound& p : in.planned) {
    if (p.open_date() < start || p.open_date() > end) continue;
    if (p.state() == av1::PlannedRound::STATE_CANCELLED) {
      lines.push_back(absl::StrCat("- ", MarkdownText(p.title()), ": planned to open ",
                                   MarkdownText(p.open_date()), ", cancelled (",
                                   MarkdownText(p.cancel_reason()), ")"));
    } else if (p.state() == av1::PlannedRound::STATE_PLANNED) {
      lines.push_back(absl::StrCat("- ", MarkdownText(p.title()), ": planned to open ",
                                   MarkdownText(p.open_date())));
    }
  }
  if (lines.empty()) lines.push_back("- No round was finalised or planned in the year.");
  absl::StrAppend(md, absl::StrJoin(lines, "\n"), "\n\n");
}

// The step counts of a finalised round, by step id of `steps`' framework.
std::map<std::string, rv1::RatingCounts> StepCountsOf(const rv1::PartnershipTrend& trend,
                                                      size_t round_index) {
  std::map<std::string, rv1::RatingCounts> counts;
  for (const rv1::StepTrend& step : trend.steps()) {
    if (round_index < static_cast<size_t>(step.counts_size())) {
      counts[step.step_id()] = step.counts(round_index);
    }
  }
  return counts;
}

void AppendRatings(const AnnualCycleInput& in, const rv1::PartnershipTrend& trend,
                   std::string* md) {
  absl::StrAppend(md, "### Ratings per step and their change since the year before\n\n");
  // The round before this one: the newest finalised round of the kind other than it.
  int before = -1;
  for (int i = 0; i < trend.rounds_size(); ++i) {
    if (trend.rounds(i).assessment() != in.report->assessment()) before = i;
  }
  if (before < 0) {
    absl::StrAppend(md, "This is the first round of its kind: there is no year before.\n\n");
  }
  std::map<std::string, rv1::RatingCounts> previous =
      before < 0 ? std::map<std::string, rv1::RatingCounts>() : StepCountsOf(trend, before);
  absl::StrAppend(md, "| Step | This year | The year before | Change |\n|---|---|---|---|\n");
  for (const rv1::StepRow& step : in.report->steps()) {
    auto prev = previous.find(step.step_id());
    absl::StrAppend(md, "| ", MarkdownText(step.title()), " | ", CountsText(step.counts()), " | ",
                    prev == previous.end() ? "-" : CountsText(prev->second), " | ",
                    prev == previous.end() ? "-" : ChangeWord(prev->second, step.counts()), " |\n");
  }
  absl::StrAppend(md, "\n");
}

void AppendFindings(const AnnualCycleInput& in, const std::string& start, const std::string& end,
                    std::string* md) {
  absl::StrAppend(md, "### Main findings and recommendations\n\n");
  bool any = false;
  for (const auto& [assessment, report] : NewestVersions(in.published)) {
    std::string day = DateOf(report->publish_time());
    if (day < start || day > end) continue;
    any = true;
    std::string title = assessment;
    for (const av1::Assessment& a : in.finalised) {
      if (a.name() == assessment) title = a.title();
    }
    if (assessment == in.report->assessment()) title = in.report->title();
    absl::StrAppend(md, "The scrutineer's report on ", MarkdownText(title), " (version ",
                    report->version(), ", published ", day, "):\n\n");
    for (const av1::Finding& f : report->findings()) {
      absl::StrAppend(md, "- **", NatureWord(f.nature()), ":** ", MarkdownText(f.title()), "\n");
    }
    for (const av1::Recommendation& rec : report->recommendations()) {
      rv1::RecommendationProgress p = ProgressOf(*report, rec, in.actions, in.as_of);
      absl::StrAppend(md, "- Recommendation: ", MarkdownText(rec.text()), " (",
                      rec.accepted() ? "accepted" : "not yet accepted",
                      "; actions: ", p.actions().done(), " done, ", p.actions().open(), " open, ",
                      p.actions().overdue(), " overdue)\n");
    }
    absl::StrAppend(md, "\n");
  }
  if (!any) absl::StrAppend(md, "No scrutineer's report was published in the year.\n\n");
}

void AppendPreviousActions(const AnnualCycleInput& in, const rv1::PartnershipTrend& trend,
                           std::string* md) {
  absl::StrAppend(md, "### Progress on the previous year's actions\n\n");
  std::string previous;
  for (const rv1::TrendRound& r : trend.rounds()) {
    if (r.assessment() != in.report->assessment()) previous = r.assessment();
  }
  if (previous.empty()) {
    absl::StrAppend(md, "There was no earlier round of this kind.\n\n");
    return;
  }
  rv1::ActionCounts counts;
  for (const actv1::Action& action : in.actions) {
    if (action.assessment() == previous) CountAction(action, in.as_of, counts);
  }
  absl::StrAppend(md, "Of the actions of the year before: ", counts.done(), " done, ",
                  counts.open(), " open (", counts.overdue(), " overdue as of ",
                  MarkdownText(in.as_of), "), ", counts.cancelled(), " cancelled and ",
                  counts.carried_over(), " carried over.\n\n");
}

void AppendArrangements(const AnnualCycleInput& in, std::string* md) {
  absl::StrAppend(md, "### How scrutiny is arranged\n\n");
  for (const std::string& id : ArrangementQuestions()) {
    std::string text = id;
    for (const fv1::ContextQuestion& q : in.framework->context_questions()) {
      if (q.id() == id) text = q.text();
    }
    std::string answer;
    for (const av1::ContextAnswer& a : in.context_answers) {
      if (a.context_question_id() == id) answer = a.text();
    }
    absl::StrAppend(md, "**", MarkdownText(text), "**\n\n",
                    answer.empty() ? "Not answered in this round." : MarkdownText(answer), "\n\n");
  }
  int comments = 0;
  for (const av1::AnnualReportDraft& d : in.drafts) comments += d.comments_size();
  if (!in.drafts.empty()) {
    absl::StrAppend(md,
                    "Drafts of the annual report shared with the scrutineer: ", in.drafts.size(),
                    ", with ", comments, " comments from the scrutineer.\n\n");
  }
}

void AppendStatement(const AnnualCycleInput& in, std::string* md) {
  absl::StrAppend(md, "### The scrutineer's statement\n\n");
  const av1::ScrutinyReport* newest = nullptr;
  for (const av1::ScrutinyReport& r : in.published) {
    if (r.assessment() == in.report->assessment() &&
        (newest == nullptr || r.version() > newest->version())) {
      newest = &r;
    }
  }
  if (newest == nullptr || newest->summary().empty()) {
    absl::StrAppend(md, "The scrutineer's report on this round is not yet published.\n\n");
    return;
  }
  absl::StrAppend(md, MarkdownText(newest->summary()),
                  "\n\n*The lead scrutineer, in the summary of their report (version ",
                  newest->version(), ", published ", DateOf(newest->publish_time()), ").*\n\n");
}

}  // namespace

AnnualCycleParts BuildAnnualCycle(const AnnualCycleInput& in) {
  AnnualCycleParts parts;
  std::string end = in.as_of;
  if (in.report->has_finalise_time() && in.report->finalise_time().seconds() > 0) {
    end = DateOf(in.report->finalise_time());
  }
  const std::string start = FormatDay(MonthsBefore(ParseDay(end), 12) + 1);
  parts.cycle.set_year_start(start);
  parts.cycle.set_year_end(end);
  // The rounds of the kind up to this one: later ones are another year's.
  std::vector<FinalisedRound> upto;
  for (const FinalisedRound& r : in.rounds_of_kind) {
    if (DateOf(r.assessment.finalise_time()) <= end) upto.push_back(r);
  }
  rv1::PartnershipTrend trend = BuildPartnershipTrend(
      in.report->partnership(), in.report->partnership_name(), in.report->kind(), upto, {});
  *parts.cycle.mutable_ratings_over_years() = trend;
  *parts.cycle.mutable_overdue_by_partner() = OverdueOverTime(
      "Overdue actions per partner at each quarter end", in.actions, QuarterEnds(end, 4),
      [](const actv1::Action& a) { return a.owner_organisation(); },
      [&](const std::string& key) {
        auto name = in.organisation_names.find(key);
        return name != in.organisation_names.end() ? name->second : LastSegment(key);
      });
  std::string& md = parts.markdown;
  absl::StrAppend(&md, "## The year of scrutiny: ", start, " to ", end, "\n\n");
  AppendScrutinised(in, start, end, &md);
  AppendRatings(in, trend, &md);
  AppendFindings(in, start, end, &md);
  AppendPreviousActions(in, trend, &md);
  AppendArrangements(in, &md);
  AppendStatement(in, &md);
  return parts;
}

}  // namespace sixsteps::reporting
