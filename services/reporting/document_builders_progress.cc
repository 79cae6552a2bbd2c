// The document of each report built once, whatever the format: the partnership trend, the regional
// overview and the action tracker. Every writer (document.h) renders what these build.
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/base/enum_text.h"
#include "services/base/names.h"
#include "services/reporting/document.h"
#include "services/reporting/render.h"
#include "services/reporting/render_internal.h"

namespace sixsteps::reporting::doc {
namespace {

namespace ri = render_internal;

std::string TrendTitle(const v1::PartnershipTrend& t) {
  return absl::StrCat(
      "Trend: ", t.partnership_name().empty() ? LastSegment(t.partnership()) : t.partnership_name(),
      t.kind().empty() ? "" : absl::StrCat(" (", t.kind(), ")"));
}

framework::v1::Rating RatingAt(const v1::QuestionTrend& q, int i) {
  return i < q.ratings_size() ? q.ratings(i) : framework::v1::RATING_UNSPECIFIED;
}

std::vector<std::string> TrendCsvHeader(const v1::PartnershipTrend& t) {
  std::vector<std::string> header = {"step_id", "question_id", "question"};
  for (const auto& r : t.rounds()) header.push_back(ri::RoundLabel(r));
  header.push_back("trend");
  return header;
}

std::string RegionTitle(const v1::RegionalOverview& r) {
  return absl::StrCat("Regional overview: ",
                      r.region_name().empty() ? LastSegment(r.region()) : r.region_name());
}

std::string PartnershipLabel(const v1::RegionalRow& row) {
  if (!row.partnership_name().empty()) return row.partnership_name();
  if (row.anonymous()) return "Anonymous partnership";
  return LastSegment(row.partnership());
}

std::vector<std::string> RegionalCsvHeader(const std::vector<std::string>& step_ids) {
  std::vector<std::string> header = {"partnership",
                                     "partnership_name",
                                     "anonymous",
                                     "assessment",
                                     "last_scrutiny_date",
                                     "red",
                                     "amber",
                                     "green",
                                     "not_rated",
                                     "overdue_actions"};
  for (const auto& id : step_ids) header.push_back(absl::StrCat("heat_", id));
  return header;
}

std::string TrackerTitle(const v1::ActionTracker& t) {
  return absl::StrCat("Action tracker: ", t.scope().empty() ? "all" : t.scope());
}

std::vector<std::string> ActionCsvHeader() {
  return {"action",   "assessment", "step_id", "owner_organisation", "owner",       "description",
          "due_date", "status",     "overdue", "age_days",           "days_overdue"};
}

std::string GroupHeading(const v1::ActionGroup& g) {
  return g.label().empty() ? LastSegment(g.key()) : g.label();
}

}  // namespace

// Each step's questions by rating across the rounds, as small multiples.
Chart TrendChart(const v1::PartnershipTrend& t) {
  Chart chart;
  chart.title = "Each step's ratings across the rounds (questions per rating)";
  for (const auto& r : t.rounds())
    chart.categories.push_back(r.period_end().empty() ? r.title() : r.period_end());
  for (const auto& s : t.steps()) {
    RatingSeries series;
    series.name = s.title().empty() ? s.step_id() : absl::StrCat(s.step_id(), ": ", s.title());
    for (int i = 0; i < t.rounds_size(); ++i) {
      v1::RatingCounts c = i < s.counts_size() ? s.counts(i) : v1::RatingCounts();
      series.counts.push_back({c.red(), c.amber(), c.green(), c.unrated()});
    }
    chart.series.push_back(std::move(series));
  }
  return chart;
}

Document BuildDocument(const v1::PartnershipTrend& t) {
  Document d;
  d.title = TrendTitle(t);
  d.intro.push_back(Note(ri::FreshnessLine(t.freshness())));
  Table rounds{{"Round", "Period end", "Finalised", "Framework version", "Assessment"}, {}};
  for (const auto& r : t.rounds())
    rounds.rows.push_back({Text(r.title()), Date(r.period_end()),
                           Text(ri::FormatTimestamp(r.finalise_time())),
                           Text(r.framework_version()), Text(r.assessment())});
  AddSection(&d, "Rounds").blocks.push_back(std::move(rounds));
  if (!t.steps().empty() && !t.rounds().empty())
    AddSection(&d, "Ratings across rounds").blocks.push_back(TrendChart(t));

  Table questions;
  questions.header = {"Step", "Question"};
  for (const auto& r : t.rounds()) questions.header.push_back(ri::RoundLabel(r));
  questions.header.push_back("Trend");
  for (const auto& q : t.questions()) {
    std::vector<Cell> row = {Text(q.step_id()), Text(absl::StrCat(q.question_id(), " ", q.text()))};
    for (int i = 0; i < t.rounds_size(); ++i) row.push_back(RatingCell(RatingAt(q, i)));
    row.push_back(Bold(ri::TrendName(q.trend())));
    questions.rows.push_back(std::move(row));
  }
  AddSection(&d, "Questions").blocks.push_back(std::move(questions));

  Table steps;
  steps.header = {"Step", "Title"};
  for (const auto& r : t.rounds()) steps.header.push_back(ri::RoundLabel(r));
  steps.header.push_back("Trend");
  for (const auto& s : t.steps()) {
    std::vector<Cell> row = {Text(s.step_id()), Text(s.title())};
    for (int i = 0; i < t.rounds_size(); ++i)
      row.push_back(Text(i < s.counts_size() ? ri::CountsShort(s.counts(i)) : ""));
    row.push_back(Bold(ri::TrendName(s.trend())));
    steps.rows.push_back(std::move(row));
  }
  AddSection(&d, "Steps").blocks.push_back(std::move(steps));
  DataTable data{"Questions", TrendCsvHeader(t), {}};
  for (const auto& q : t.questions()) {
    std::vector<Cell> row = {Text(q.step_id()), Text(q.question_id()), Text(q.text())};
    for (int i = 0; i < t.rounds_size(); ++i) row.push_back(RatingCell(RatingAt(q, i)));
    row.push_back(Text(ri::TrendName(q.trend())));
    data.rows.push_back(std::move(row));
  }
  d.data = std::move(data);
  return d;
}

Document BuildDocument(const v1::RegionalOverview& report) {
  auto step_ids = ri::RegionalStepIds(report);
  Document d;
  d.title = RegionTitle(report);
  d.facts.items = {{"Region", report.region()}, {"Overdue judged on", report.as_of_date()}};
  d.intro.push_back(Note(ri::FreshnessLine(report.freshness())));
  Table table;
  table.header = {"Partnership", "Last scrutiny"};
  for (const auto& id : step_ids) table.header.push_back(id);
  for (const char* h : {"Red", "Amber", "Green", "Not rated", "Overdue actions"})
    table.header.push_back(h);
  for (const auto& p : report.partnerships()) {
    std::vector<Cell> row = {Text(PartnershipLabel(p)), Date(p.last_scrutiny_date())};
    for (const auto& id : step_ids) {
      int i = ri::StepIndex(p, id);
      double heat = i >= 0 && i < p.step_heat_size() ? p.step_heat(i) : 0;
      row.push_back(RatingCell(ri::HeatBand(heat), ri::HeatText(heat)));
    }
    for (int v : {p.counts().red(), p.counts().amber(), p.counts().green(), p.counts().unrated(),
                  p.overdue_actions()})
      row.push_back(Number(v));
    table.rows.push_back(std::move(row));
  }
  Section& s = AddSection(&d, "Partnerships");
  s.blocks.push_back(std::move(table));
  s.blocks.push_back(
      Para("Heat is the mean score of a step (Red 1, Amber 2, Green 3), lettered by thirds of that "
           "range."));
  // Scrutiny cycle: overdue actions per partnership over time.
  if (!report.overdue_over_time().series().empty()) {
    AddSection(&d, "Overdue actions over time")
        .blocks.push_back(CountChartOf(report.overdue_over_time()));
  }
  DataTable data{"Partnerships", RegionalCsvHeader(step_ids), {}};
  for (const auto& p : report.partnerships()) {
    std::vector<Cell> row = {Text(p.partnership()),          Text(p.partnership_name()),
                             Text(ri::YesNo(p.anonymous())), Text(p.assessment()),
                             Date(p.last_scrutiny_date()),   Number(p.counts().red()),
                             Number(p.counts().amber()),     Number(p.counts().green()),
                             Number(p.counts().unrated()),   Number(p.overdue_actions())};
    for (const auto& id : step_ids) {
      int i = ri::StepIndex(p, id);
      if (i < 0 || i >= p.step_heat_size()) {
        row.push_back(Text(""));
        continue;
      }
      Cell heat = Number(p.step_heat(i));
      heat.text = ri::HeatText(p.step_heat(i));
      row.push_back(std::move(heat));
    }
    data.rows.push_back(std::move(row));
  }
  d.data = std::move(data);
  return d;
}

Document BuildDocument(const v1::ActionTracker& t) {
  Document d;
  d.title = TrackerTitle(t);
  d.facts.items = {{"Scope", t.scope()},
                   {"Overdue judged on", t.as_of_date()},
                   {"Actions", ri::ActionCountsLine(t.counts())}};
  d.intro.push_back(Note(ri::FreshnessLine(t.freshness())));
  auto groups = [&](absl::string_view heading,
                    const google::protobuf::RepeatedPtrField<v1::ActionGroup>& gs) {
    AddSection(&d, heading);
    for (const auto& g : gs) {
      Section& s = AddSection(&d, GroupHeading(g), 2);
      s.blocks.push_back(Para(ri::ActionCountsLine(g.counts())));
      if (g.actions().empty()) continue;
      Table table{{"Action", "Step", "Owner", "Due", "Status", "Overdue", "Age (days)"}, {}};
      // Scrutiny cycle: a column naming the recommendation an action answers.
      bool recommendations = false;
      for (const auto& a : g.actions()) recommendations |= !a.recommendation().empty();
      if (recommendations) table.header.push_back("Answers recommendation");
      for (const auto& a : g.actions()) {
        table.rows.push_back(
            {Text(a.description()), Text(a.step_id()), Text(LastSegment(a.owner_organisation())),
             Date(a.due_date()), Status(ri::EnumWords(a.action_status())),
             a.overdue() ? Status(absl::StrCat("Overdue ", a.days_overdue(), " days"), true)
                         : Status("No"),
             Number(a.age_days())});
        if (recommendations) {
          table.rows.back().push_back(Text(a.recommendation_text().empty()
                                               ? LastSegment(a.recommendation())
                                               : a.recommendation_text()));
        }
      }
      s.blocks.push_back(std::move(table));
    }
  };
  groups("By owner organisation", t.by_owner());
  groups("By step", t.by_step());
  DataTable data{"Actions", ActionCsvHeader(), {}};
  for (const auto& tracked : ri::FlattenActions(t)) {
    const v1::ActionLine& a = *tracked.line;
    data.rows.push_back(
        {Text(a.action()), Text(a.assessment()), Text(a.step_id()), Text(a.owner_organisation()),
         Text(tracked.owner_label), Text(a.description()), Date(a.due_date()),
         Text(::sixsteps::action::v1::Action::Status_Name(a.action_status())),
         Text(ri::YesNo(a.overdue())), Number(a.age_days()), Number(a.days_overdue())});
  }
  d.data = std::move(data);
  return d;
}

}  // namespace sixsteps::reporting::doc
