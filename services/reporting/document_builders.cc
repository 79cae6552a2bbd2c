// The document of each report built once, whatever the format: the assessment report and the annual
// report section. Every writer (document.h) renders what these build.
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

std::string ReportTitle(const v1::AssessmentReport& r) {
  if (!r.title().empty()) return r.title();
  return absl::StrCat("Assessment ", LastSegment(r.assessment()));
}

std::vector<std::pair<std::string, std::string>> AssessmentMeta(const v1::AssessmentReport& r) {
  return {{"Partnership",
           r.partnership_name().empty() ? LastSegment(r.partnership()) : r.partnership_name()},
          {"Assessment", r.assessment()},
          {"Kind", ri::EnumWords(r.round_kind())},
          {"State", ri::EnumWords(r.round_state())},
          {"Revision", r.revision() > 0 ? absl::StrCat(r.revision()) : ""},
          {"Period", ri::Period(r.period_start(), r.period_end())},
          {"Framework",
           absl::StrCat(r.framework_title(), r.framework_version().empty()
                                                 ? ""
                                                 : absl::StrCat(" (", r.framework_version(), ")"))},
          {"Finalised", ri::FormatTimestamp(r.finalise_time())},
          {"Overdue judged on", r.as_of_date()}};
}

std::vector<std::string> AssessmentCsvHeader(const std::vector<ri::Respondent>& respondents) {
  std::vector<std::string> header = {"step_id",          "step_title",          "question_id",
                                     "question",         "consolidated_rating", "evidence_items",
                                     "evidence_missing", "divergent",           "open_challenges"};
  for (const auto& r : respondents) header.push_back(r.label);
  return header;
}

// One row per question, as integrators read it.
DataTable AssessmentData(const v1::AssessmentReport& report,
                         const std::vector<ri::Respondent>& respondents) {
  DataTable data{"Grid", AssessmentCsvHeader(respondents), {}};
  for (const auto& step : report.steps()) {
    for (const auto& q : step.questions()) {
      std::vector<Cell> row = {Text(step.step_id()),
                               Text(step.title()),
                               Text(q.question_id()),
                               Text(q.text()),
                               RatingCell(q.consolidated_rating()),
                               Number(q.evidence_items()),
                               Text(ri::YesNo(q.evidence_missing())),
                               Text(ri::Divergence(q)),
                               Number(q.open_challenges())};
      for (const auto& who : respondents) {
        const v1::RespondentRating* r = ri::FindResponse(q, who);
        row.push_back(r == nullptr ? Text("") : RatingCell(r->rating()));
      }
      data.rows.push_back(std::move(row));
    }
  }
  return data;
}

std::string AnnualTitle(const v1::AnnualReportSection& s) {
  return absl::StrCat("Annual report section",
                      s.partnership_name().empty() ? "" : absl::StrCat(": ", s.partnership_name()));
}

bool CarriesAttribution(const v1::AnnualReportSection& s) {
  return !s.attribution().empty() &&
         (absl::StrContains(s.markdown(), MarkdownText(s.attribution())) ||
          absl::StrContains(s.markdown(), s.attribution()));
}

}  // namespace

Document BuildDocument(const v1::AssessmentReport& report) {
  std::vector<ri::Respondent> respondents = ri::RespondentsOf(report);
  auto texts = ri::QuestionTexts(report);
  Document d;
  d.title = ReportTitle(report);
  d.subtitle = report.partnership_name();
  d.facts.items = AssessmentMeta(report);
  d.intro.push_back(Note(ri::FreshnessLine(report.freshness())));
  d.attribution = report.attribution();
  d.data = AssessmentData(report, respondents);

  const auto& c = report.counts();
  AddSection(&d, "Summary")
      .blocks.push_back(Table{
          {"Red", "Amber", "Green", "Not rated", "Completeness", "Open challenges", "Actions"},
          {{RatingCell(framework::v1::RATING_RED, absl::StrCat("(", c.red(), ")")),
            RatingCell(framework::v1::RATING_AMBER, absl::StrCat("(", c.amber(), ")")),
            RatingCell(framework::v1::RATING_GREEN, absl::StrCat("(", c.green(), ")")),
            RatingCell(framework::v1::RATING_UNSPECIFIED, absl::StrCat("(", c.unrated(), ")")),
            Text(absl::StrCat(report.completeness_percent(), "%")),
            Number(report.open_challenges()), Text(ri::ActionCountsLine(report.actions()))}}});

  // The grid, steps as columns as in the source document.
  Table grid;
  grid.header = {""};
  for (const auto& step : report.steps()) grid.header.push_back(ri::StepHeading(step));
  for (size_t i = 0; i < ri::MaxQuestions(report); ++i) {
    std::vector<Cell> row = {Bold(absl::StrCat("Question ", i + 1))};
    for (const auto& step : report.steps()) {
      if (static_cast<int>(i) >= step.questions_size()) {
        row.push_back(Text(""));
        continue;
      }
      const auto& q = step.questions(static_cast<int>(i));
      row.push_back(RatingCell(q.consolidated_rating(), absl::StrCat("· ", q.question_id())));
    }
    grid.rows.push_back(std::move(row));
  }
  std::vector<Cell> counts = {Bold("Counts")}, actions = {Bold("Actions")};
  for (const auto& step : report.steps()) {
    counts.push_back(Text(ri::CountsShort(step.counts())));
    actions.push_back(Text(ri::ActionCountsLine(step.actions())));
  }
  grid.rows.push_back(std::move(counts));
  grid.rows.push_back(std::move(actions));
  AddSection(&d, "Grid").blocks.push_back(std::move(grid));

  Table per_step{{"Step", "Title", "Red", "Amber", "Green", "Not rated", "Open actions",
                  "Overdue actions", "Done actions"},
                 {}};
  auto count_row = [&](Cell id, absl::string_view title, const v1::RatingCounts& rc,
                       const v1::ActionCounts& ac) {
    per_step.rows.push_back({std::move(id), Text(title), Number(rc.red()), Number(rc.amber()),
                             Number(rc.green()), Number(rc.unrated()), Number(ac.open()),
                             Number(ac.overdue()), Number(ac.done())});
  };
  for (const auto& step : report.steps())
    count_row(Text(step.step_id()), step.title(), step.counts(), step.actions());
  count_row(Bold("All"), "", report.counts(), report.actions());
  Section& counts_section = AddSection(&d, "Counts per step");
  counts_section.blocks.push_back(std::move(per_step));
  counts_section.blocks.push_back(Para(absl::StrCat("Completeness: ", report.completeness_percent(),
                                                    "% of questions have a consolidated rating.")));

  Section& gaps = AddSection(&d, "Gaps");
  auto gap_list = [&](absl::string_view heading,
                      const google::protobuf::RepeatedPtrField<std::string>& ids) {
    gaps.blocks.push_back(Paragraph{{Run{std::string(heading), true}}, false});
    if (ids.empty()) {
      gaps.blocks.push_back(Para("None."));
      return;
    }
    List list;
    for (const auto& id : ids) {
      const auto* q = ri::FindQuestion(report, id);
      std::string rating =
          q != nullptr ? absl::StrCat(RatingCell(q->consolidated_rating()).text, ": ") : "";
      list.items.push_back(Paragraph{
          {Run{rating, true}, Run{absl::StrCat(id, " "), true}, Run{texts[id]},
           Run{q != nullptr && q->severe_divergence() ? " (severe: Green meets Red)" : ""}},
          false});
    }
    gaps.blocks.push_back(std::move(list));
  };
  gap_list("Questions missing evidence", report.questions_missing_evidence());
  gap_list("Divergent ratings", report.divergent_questions());
  gaps.blocks.push_back(Para(absl::StrCat("Open challenges: ", report.open_challenges())));

  if (!respondents.empty()) {
    Table by_respondent;
    by_respondent.header = {"Question", "Consolidated"};
    for (const auto& who : respondents) by_respondent.header.push_back(who.label);
    for (const auto& step : report.steps()) {
      for (const auto& q : step.questions()) {
        std::vector<Cell> row = {Bold(q.question_id()), RatingCell(q.consolidated_rating())};
        for (const auto& who : respondents) {
          const auto* resp = ri::FindResponse(q, who);
          row.push_back(resp == nullptr ? Text("") : RatingCell(resp->rating()));
        }
        by_respondent.rows.push_back(std::move(row));
      }
    }
    AddSection(&d, "Ratings by respondent").blocks.push_back(std::move(by_respondent));
  }

  // Section 5 of the source asks for an action plan whatever the rating.
  AddSection(&d, "Action plan");
  for (const auto& step : report.steps()) {
    Section& s = AddSection(&d, ri::StepHeading(step), 2);
    s.blocks.push_back(Para(absl::StrCat("Actions: ", ri::ActionCountsLine(step.actions()))));
    Table plan{{"Question", "Rating", "Rationale", "Work still to do"}, {}};
    for (const auto& q : step.questions()) {
      std::vector<std::string> flags = ri::QuestionFlags(q, false);
      plan.rows.push_back(
          {Text(absl::StrCat(
               q.question_id(), " ", q.text(),
               flags.empty() ? "" : absl::StrCat(" [", absl::StrJoin(flags, "; "), "]"))),
           RatingCell(q.consolidated_rating()), Text(q.rationale()),
           Text(q.remaining_work().empty() ? "None recorded" : q.remaining_work())});
    }
    s.blocks.push_back(std::move(plan));
  }

  AddSection(&d, "What the ratings mean")
      .blocks.push_back(RatingLegend(report.rating_definitions()));
  return d;
}

Document BuildDocument(const v1::AnnualReportSection& s) {
  Document d;
  d.title = AnnualTitle(s);
  d.intro.push_back(Note(ri::FreshnessLine(s.freshness())));
  AppendMarkdown(&d, s.markdown());
  // The scrutiny cycle: the year's charts, after the section's text.
  if (s.has_cycle()) {
    Chart ratings = TrendChart(s.cycle().ratings_over_years());
    CountChart overdue = CountChartOf(s.cycle().overdue_by_partner());
    if (!ratings.series.empty() || !overdue.series.empty()) {
      Section& charts = AddSection(&d, "Charts of the year");
      if (!ratings.series.empty()) {
        ratings.title = "Each step's ratings across the years (questions per rating)";
        charts.blocks.push_back(std::move(ratings));
      }
      if (!overdue.series.empty()) charts.blocks.push_back(std::move(overdue));
    }
  }
  d.attribution = s.attribution();
  d.attribution_in_body = CarriesAttribution(s);
  d.data = {"Section",
            {"assessment", "partnership_name", "markdown", "attribution"},
            {{Text(s.assessment()), Text(s.partnership_name()), Text(s.markdown()),
              Text(s.attribution())}}};
  return d;
}

}  // namespace sixsteps::reporting::doc
