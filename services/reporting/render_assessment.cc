// Renders the assessment report (one round: ratings per question and respondent, gaps,
// divergence, actions) in every format.
#include "services/reporting/render.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/base/names.h"
#include "services/base/status_macros.h"
#include "services/reporting/document.h"
#include "services/reporting/render_internal.h"
#include "services/reporting/render_xlsx.h"

namespace sixsteps::reporting::render_internal {
namespace {

// ---------------------------------------------------------------------------------------
// Report 1: AssessmentReport
// ---------------------------------------------------------------------------------------

std::string ReportTitle(const v1::AssessmentReport& r) {
  if (!r.title().empty()) return r.title();
  return absl::StrCat("Assessment ", LastSegment(r.assessment()));
}

std::vector<std::pair<std::string, std::string>> AssessmentMeta(const v1::AssessmentReport& r) {
  return {{"Partnership",
           r.partnership_name().empty() ? LastSegment(r.partnership()) : r.partnership_name()},
          {"Assessment", r.assessment()},
          {"Kind", r.kind()},
          {"State", r.state()},
          {"Revision", r.revision() > 0 ? absl::StrCat(r.revision()) : ""},
          {"Period", Period(r.period_start(), r.period_end())},
          {"Framework",
           absl::StrCat(r.framework_title(), r.framework_version().empty()
                                                 ? ""
                                                 : absl::StrCat(" (", r.framework_version(), ")"))},
          {"Finalised", FormatTimestamp(r.finalise_time())},
          {"Overdue judged on", r.as_of_date()}};
}

Row AssessmentCsvHeader(const std::vector<Respondent>& respondents) {
  Row header = {"step_id",          "step_title",          "question_id",
                "question",         "consolidated_rating", "evidence_items",
                "evidence_missing", "divergent",           "open_challenges"};
  for (const auto& r : respondents) header.push_back(r.label);
  return header;
}

Row AssessmentCsvRow(const v1::StepRow& step, const v1::QuestionRow& q,
                     const std::vector<Respondent>& respondents) {
  Row row = {step.step_id(),
             step.title(),
             q.question_id(),
             q.text(),
             RatingName(q.consolidated_rating()),
             absl::StrCat(q.evidence_items()),
             YesNo(q.evidence_missing()),
             Divergence(q),
             absl::StrCat(q.open_challenges())};
  for (const auto& who : respondents) {
    const v1::RespondentRating* r = FindResponse(q, who);
    row.push_back(r == nullptr ? "" : RatingName(r->rating()));
  }
  return row;
}

std::string AssessmentCsv(const v1::AssessmentReport& report) {
  std::vector<Respondent> respondents = RespondentsOf(report);
  std::string out;
  CsvRow(&out, AssessmentCsvHeader(respondents));
  for (const auto& step : report.steps())
    for (const auto& q : step.questions()) CsvRow(&out, AssessmentCsvRow(step, q, respondents));
  return out;
}

std::string AssessmentMarkdown(const v1::AssessmentReport& report) {
  std::vector<Respondent> respondents = RespondentsOf(report);
  auto texts = QuestionTexts(report);
  std::string out = absl::StrCat("# ", Md(ReportTitle(report)), "\n\n");
  for (const auto& [k, v] : AssessmentMeta(report)) {
    if (!v.empty()) absl::StrAppend(&out, "- **", k, ":** ", Md(v), "\n");
  }
  absl::StrAppend(&out, "\n_", Md(FreshnessLine(report.freshness())), "_\n\n");

  // The grid, steps as columns as in the source document.
  out += "## Grid\n\n";
  Row header = {" "};
  for (const auto& step : report.steps()) header.push_back(Md(StepHeading(step)));
  std::vector<Row> rows;
  for (size_t i = 0; i < MaxQuestions(report); ++i) {
    Row row = {absl::StrCat("Q", i + 1)};
    for (const auto& step : report.steps()) {
      if (static_cast<int>(i) < step.questions_size()) {
        const auto& q = step.questions(static_cast<int>(i));
        row.push_back(absl::StrCat(MdRating(q.consolidated_rating()), " ", Md(q.question_id())));
      } else {
        row.push_back("");
      }
    }
    rows.push_back(std::move(row));
  }
  Row counts = {"Counts"};
  Row actions = {"Actions"};
  for (const auto& step : report.steps()) {
    counts.push_back(CountsShort(step.counts()));
    actions.push_back(ActionCountsLine(step.actions()));
  }
  rows.push_back(counts);
  rows.push_back(actions);
  MdTable(&out, header, rows);

  out += "## Summary\n\n";
  MdTable(&out,
          {"Red", "Amber", "Green", "Not rated", "Completeness", "Open challenges", "Actions"},
          {{absl::StrCat(report.counts().red()), absl::StrCat(report.counts().amber()),
            absl::StrCat(report.counts().green()), absl::StrCat(report.counts().unrated()),
            absl::StrCat(report.completeness_percent(), "%"),
            absl::StrCat(report.open_challenges()), ActionCountsLine(report.actions())}});

  out += "## Questions\n\n";
  for (const auto& step : report.steps()) {
    absl::StrAppend(&out, "### ", Md(StepHeading(step)), "\n\n");
    Row qh = {"Question",         "Text",      "Rating",         "Evidence",
              "Evidence missing", "Divergent", "Open challenges"};
    for (const auto& who : respondents) qh.push_back(Md(who.label));
    std::vector<Row> qrows;
    for (const auto& q : step.questions()) {
      Row r = {Md(q.question_id()),
               Md(q.text()),
               MdRating(q.consolidated_rating()),
               absl::StrCat(q.evidence_items()),
               YesNo(q.evidence_missing()),
               Divergence(q),
               absl::StrCat(q.open_challenges())};
      for (const auto& who : respondents) {
        const auto* resp = FindResponse(q, who);
        r.push_back(resp == nullptr ? "" : MdRating(resp->rating()));
      }
      qrows.push_back(std::move(r));
    }
    MdTable(&out, qh, qrows);
    absl::StrAppend(&out, "**Action plan** (", ActionCountsLine(step.actions()), ")\n\n");
    for (const auto& q : step.questions()) {
      absl::StrAppend(&out, "- ", MdRating(q.consolidated_rating()), " ", Md(q.question_id()), ":");
      if (!q.rationale().empty()) absl::StrAppend(&out, " ", Md(q.rationale()), " —");
      absl::StrAppend(&out, " work still to do: ",
                      q.remaining_work().empty() ? "none recorded" : Md(q.remaining_work()), "\n");
    }
    out += "\n";
  }

  out += "## Gaps\n\n";
  auto gap_list = [&](absl::string_view title,
                      const google::protobuf::RepeatedPtrField<std::string>& ids) {
    absl::StrAppend(&out, "**", title, ":**", ids.empty() ? " none\n\n" : "\n\n");
    for (const auto& id : ids) {
      const auto* q = FindQuestion(report, id);
      absl::StrAppend(&out, "- ", Md(id), " ", Md(texts[id]),
                      q != nullptr && q->severe_divergence() ? " (severe: Green meets Red)" : "",
                      "\n");
    }
    if (!ids.empty()) out += "\n";
  };
  gap_list("Questions missing evidence", report.questions_missing_evidence());
  gap_list("Divergent ratings", report.divergent_questions());

  MdLegend(&out, report.rating_definitions());
  MdFooter(&out, report.attribution());
  return out;
}

std::string AssessmentHtml(const v1::AssessmentReport& report) {
  std::vector<Respondent> respondents = RespondentsOf(report);
  auto texts = QuestionTexts(report);
  std::string title = ReportTitle(report);
  std::string out = HtmlHead(report.partnership_name().empty()
                                 ? title
                                 : absl::StrCat(title, " — ", report.partnership_name()));
  absl::StrAppend(&out, "<header>\n<h1>", H(title), "</h1>\n");
  if (!report.partnership_name().empty())
    absl::StrAppend(&out, "<p class=\"subtitle\">", H(report.partnership_name()), "</p>\n");
  HtmlMeta(&out, AssessmentMeta(report));
  absl::StrAppend(&out, "<p class=\"freshness\">", H(FreshnessLine(report.freshness())),
                  "</p>\n</header>\n");

  const auto& c = report.counts();

  // The grid: steps as columns, each question's text above its rating, as in Section 4.
  out += "<section>\n<h2>Grid</h2>\n<table class=\"grid\">\n<thead><tr><th class=\"rowhead\"></th>";
  for (const auto& step : report.steps()) {
    absl::StrAppend(&out, "<th scope=\"col\"><span class=\"stepid\">", H(step.step_id()), "</span>",
                    H(step.title()), "</th>");
  }
  out += "</tr></thead>\n<tbody>\n";
  for (size_t i = 0; i < MaxQuestions(report); ++i) {
    int qi = static_cast<int>(i);
    absl::StrAppend(
        &out, "<tr class=\"keep\"><th class=\"rowhead\" rowspan=\"2\" scope=\"row\">Question ",
        i + 1, "</th>");
    for (const auto& step : report.steps()) {
      if (qi >= step.questions_size()) {
        out += "<td class=\"none\"></td>";
        continue;
      }
      const auto& q = step.questions(qi);
      absl::StrAppend(&out, "<td class=\"q\"><span class=\"qid\">", H(q.question_id()), "</span>",
                      H(q.text()));
      std::string flags;
      if (q.evidence_missing()) flags += "<span class=\"flag warn\">evidence missing</span>";
      if (q.severe_divergence()) {
        flags += "<span class=\"flag warn\">severe divergence</span>";
      } else if (q.divergent()) {
        flags += "<span class=\"flag\">divergent</span>";
      }
      if (q.open_challenges() > 0)
        absl::StrAppend(&flags, "<span class=\"flag\">", q.open_challenges(), " open challenge",
                        q.open_challenges() == 1 ? "" : "s", "</span>");
      if (!flags.empty()) absl::StrAppend(&out, "<br>", flags);
      out += "</td>";
    }
    out += "</tr>\n<tr class=\"keep\">";
    for (const auto& step : report.steps()) {
      if (qi >= step.questions_size()) {
        out += "<td class=\"none\"></td>";
      } else {
        out += HtmlRatingCell(step.questions(qi).consolidated_rating());
      }
    }
    out += "</tr>\n";
  }
  out += "<tr><th class=\"rowhead\" scope=\"row\">Counts</th>";
  for (const auto& step : report.steps())
    absl::StrAppend(&out, "<td>", H(CountsShort(step.counts())), "</td>");
  out += "</tr>\n<tr><th class=\"rowhead\" scope=\"row\">Actions</th>";
  for (const auto& step : report.steps())
    absl::StrAppend(&out, "<td>", H(ActionCountsLine(step.actions())), "</td>");
  out += "</tr>\n</tbody>\n</table>\n</section>\n";

  HtmlLegend(&out, report.rating_definitions());

  // Summary.
  out += "<section class=\"keep\">\n<h2>Summary</h2>\n";
  HtmlTable(
      &out, {"Red", "Amber", "Green", "Not rated", "Completeness", "Open challenges", "Actions"},
      {{HtmlRatingCell(framework::v1::RATING_RED, absl::StrCat("(", c.red(), ")")),
        HtmlRatingCell(framework::v1::RATING_AMBER, absl::StrCat("(", c.amber(), ")")),
        HtmlRatingCell(framework::v1::RATING_GREEN, absl::StrCat("(", c.green(), ")")),
        HtmlRatingCell(framework::v1::RATING_UNSPECIFIED, absl::StrCat("(", c.unrated(), ")")),
        absl::StrCat("<td class=\"num\">", report.completeness_percent(), "%</td>"),
        Num(report.open_challenges()), H(ActionCountsLine(report.actions()))}});
  out += "</section>\n";

  // Counts per step.
  out += "<section class=\"keep\">\n<h2>Counts per step</h2>\n";
  std::vector<Row> count_rows;
  for (const auto& step : report.steps()) {
    count_rows.push_back({H(step.step_id()), H(step.title()), Num(step.counts().red()),
                          Num(step.counts().amber()), Num(step.counts().green()),
                          Num(step.counts().unrated()), Num(step.actions().open()),
                          Num(step.actions().overdue()), Num(step.actions().done())});
  }
  count_rows.push_back({"<strong>All</strong>", "", Num(c.red()), Num(c.amber()), Num(c.green()),
                        Num(c.unrated()), Num(report.actions().open()),
                        Num(report.actions().overdue()), Num(report.actions().done())});
  HtmlTable(&out,
            {"Step", "Title", "Red", "Amber", "Green", "Not rated", "Open actions",
             "Overdue actions", "Done actions"},
            count_rows);
  absl::StrAppend(&out, "<p>Completeness: <strong>", report.completeness_percent(),
                  "%</strong> of questions have a consolidated rating.</p>\n</section>\n");

  // Gaps.
  out += "<section class=\"keep\">\n<h2>Gaps</h2>\n";
  auto gap_list = [&](absl::string_view heading,
                      const google::protobuf::RepeatedPtrField<std::string>& ids) {
    absl::StrAppend(&out, "<h3>", heading, "</h3>\n");
    if (ids.empty()) {
      out += "<p>None.</p>\n";
      return;
    }
    out += "<ul class=\"gaps\">\n";
    for (const auto& id : ids) {
      const auto* q = FindQuestion(report, id);
      absl::StrAppend(&out, "<li>", q != nullptr ? HtmlBadge(q->consolidated_rating()) : "",
                      " <span class=\"qid\">", H(id), "</span>", H(texts[id]),
                      q != nullptr && q->severe_divergence()
                          ? " <span class=\"flag warn\">severe: Green meets Red</span>"
                          : "",
                      "</li>\n");
    }
    out += "</ul>\n";
  };
  gap_list("Questions missing evidence", report.questions_missing_evidence());
  gap_list("Divergent ratings", report.divergent_questions());
  absl::StrAppend(&out, "<p>Open challenges: <strong>", report.open_challenges(),
                  "</strong></p>\n</section>\n");

  // Responses: who rated what.
  if (!respondents.empty()) {
    out += "<section>\n<h2>Ratings by respondent</h2>\n";
    Row header = {"Question", "Consolidated"};
    for (const auto& who : respondents) header.push_back(who.label);
    std::vector<Row> rows;
    for (const auto& step : report.steps()) {
      for (const auto& q : step.questions()) {
        Row r = {absl::StrCat("<span class=\"qid\">", H(q.question_id()), "</span>"),
                 HtmlRatingCell(q.consolidated_rating())};
        for (const auto& who : respondents) {
          const auto* resp = FindResponse(q, who);
          r.push_back(resp == nullptr ? "<td class=\"none\"></td>"
                                      : HtmlRatingCell(resp->rating()));
        }
        rows.push_back(std::move(r));
      }
    }
    HtmlTable(&out, header, rows);
    out += "</section>\n";
  }

  // Action plan per step: Section 5 asks for one whatever the rating.
  out += "<section>\n<h2>Action plan</h2>\n";
  for (const auto& step : report.steps()) {
    absl::StrAppend(&out, "<div class=\"step\">\n<h3>", H(StepHeading(step)),
                    "</h3>\n<p>Actions: ", H(ActionCountsLine(step.actions())), "</p>\n");
    std::vector<Row> rows;
    for (const auto& q : step.questions()) {
      rows.push_back(
          {absl::StrCat("<span class=\"qid\">", H(q.question_id()), "</span>", H(q.text())),
           HtmlRatingCell(q.consolidated_rating()), H(q.rationale()),
           q.remaining_work().empty() ? "<em>None recorded</em>" : H(q.remaining_work())});
    }
    HtmlTable(&out, {"Question", "Rating", "Rationale", "Work still to do"}, rows);
    out += "</div>\n";
  }
  out += "</section>\n";

  out += HtmlFooter(report.attribution(), nullptr);
  return out;
}

absl::StatusOr<std::string> AssessmentXlsx(const v1::AssessmentReport& report) {
  SIXSTEPS_ASSIGN_OR_RETURN(auto x, Xlsx::Create(ReportTitle(report)));
  std::vector<Respondent> respondents = RespondentsOf(report);

  // Grid: one row per question, like the CSV.
  lxw_worksheet* grid = x->Sheet("Grid");
  Row header = AssessmentCsvHeader(respondents);
  x->Header(grid, 0, header);
  int row = 1;
  for (const auto& step : report.steps()) {
    for (const auto& q : step.questions()) {
      x->Str(grid, row, 0, step.step_id());
      x->Str(grid, row, 1, step.title(), x->wrap());
      x->Str(grid, row, 2, q.question_id());
      x->Str(grid, row, 3, q.text(), x->wrap());
      x->RatingCell(grid, row, 4, q.consolidated_rating());
      x->Number(grid, row, 5, q.evidence_items());
      x->Str(grid, row, 6, YesNo(q.evidence_missing()));
      x->Str(grid, row, 7, Divergence(q));
      x->Number(grid, row, 8, q.open_challenges());
      for (size_t i = 0; i < respondents.size(); ++i) {
        const auto* resp = FindResponse(q, respondents[i]);
        if (resp != nullptr) x->RatingCell(grid, row, 9 + static_cast<int>(i), resp->rating());
      }
      ++row;
    }
  }
  x->Table(grid, 0, static_cast<int>(header.size()), row - 1);
  x->Width(grid, 0, 0, 10);
  x->Width(grid, 1, 1, 28);
  x->Width(grid, 2, 2, 11);
  x->Width(grid, 3, 3, 60);
  x->Width(grid, 4, 4, 14);
  x->Width(grid, 5, 8, 12);
  if (!respondents.empty()) x->Width(grid, 9, 8 + static_cast<int>(respondents.size()), 16);
  worksheet_set_landscape(grid);
  worksheet_fit_to_pages(grid, 1, 0);

  // Summary: the report's facts and the counts per step.
  lxw_worksheet* summary = x->Sheet("Summary");
  auto meta = AssessmentMeta(report);
  meta.insert(meta.begin(), {"Report", ReportTitle(report)});
  meta.push_back({"Completeness", absl::StrCat(report.completeness_percent(), "%")});
  meta.push_back({"Open challenges", absl::StrCat(report.open_challenges())});
  meta.push_back({"Actions", ActionCountsLine(report.actions())});
  meta.push_back({"Freshness", FreshnessLine(report.freshness())});
  row = XlsxPairs(*x, summary, 0, meta) + 1;
  x->Header(summary, row++,
            {"step_id", "step_title", "red", "amber", "green", "not_rated", "open_actions",
             "overdue_actions", "done_actions", "cancelled_actions", "carried_over_actions"});
  auto count_row = [&](absl::string_view id, absl::string_view title, const v1::RatingCounts& rc,
                       const v1::ActionCounts& ac, lxw_format* f) {
    x->Str(summary, row, 0, id, f);
    x->Str(summary, row, 1, title, f);
    double values[] = {double(rc.red()),     double(rc.amber()),     double(rc.green()),
                       double(rc.unrated()), double(ac.open()),      double(ac.overdue()),
                       double(ac.done()),    double(ac.cancelled()), double(ac.carried_over())};
    for (int i = 0; i < 9; ++i) x->Number(summary, row, 2 + i, values[i], f);
    ++row;
  };
  for (const auto& step : report.steps())
    count_row(step.step_id(), step.title(), step.counts(), step.actions(), nullptr);
  count_row("All", "", report.counts(), report.actions(), x->bold());
  ++row;
  x->Str(summary, row++, 0, "Ratings", x->bold());
  for (const auto& d : report.rating_definitions()) {
    x->RatingCell(summary, row, 0, d.rating());
    x->Str(summary, row++, 1, d.definition());
  }
  ++row;
  if (!report.attribution().empty()) x->Str(summary, row++, 0, report.attribution());
  x->Width(summary, 0, 0, 20);
  x->Width(summary, 1, 1, 40);
  x->Width(summary, 2, 10, 12);

  // Action plan: what each question still needs, for people to edit.
  lxw_worksheet* plan = x->Sheet("Action plan");
  Row plan_header = {"step_id",        "step_title",          "question_id",
                     "question",       "consolidated_rating", "rationale",
                     "remaining_work", "evidence_missing"};
  x->Header(plan, 0, plan_header);
  row = 1;
  for (const auto& step : report.steps()) {
    for (const auto& q : step.questions()) {
      x->Str(plan, row, 0, step.step_id());
      x->Str(plan, row, 1, step.title(), x->wrap());
      x->Str(plan, row, 2, q.question_id());
      x->Str(plan, row, 3, q.text(), x->wrap());
      x->RatingCell(plan, row, 4, q.consolidated_rating());
      x->Str(plan, row, 5, q.rationale(), x->wrap());
      x->Str(plan, row, 6, q.remaining_work(), x->wrap());
      x->Str(plan, row, 7, YesNo(q.evidence_missing()));
      ++row;
    }
  }
  x->Table(plan, 0, static_cast<int>(plan_header.size()), row - 1);
  x->Width(plan, 0, 0, 10);
  x->Width(plan, 1, 1, 24);
  x->Width(plan, 2, 2, 11);
  x->Width(plan, 3, 3, 50);
  x->Width(plan, 4, 4, 14);
  x->Width(plan, 5, 6, 45);
  x->Width(plan, 7, 7, 12);
  return x->Finish();
}

std::string AssessmentText(const v1::AssessmentReport& report) {
  std::vector<Respondent> respondents = RespondentsOf(report);
  auto texts = QuestionTexts(report);
  std::string out = absl::StrCat(ReportTitle(report), "\n");
  for (const auto& [k, v] : AssessmentMeta(report))
    if (!v.empty()) absl::StrAppend(&out, PadRight(k + ":", 19), v, "\n");
  TextWrapped(&out, "", FreshnessLine(report.freshness()));

  TextHeading(&out, "Grid");
  Row header = {""};
  for (const auto& step : report.steps()) header.push_back(StepHeading(step));
  std::vector<Row> rows;
  for (size_t i = 0; i < MaxQuestions(report); ++i) {
    Row r = {absl::StrCat("Q", i + 1)};
    for (const auto& step : report.steps()) {
      if (static_cast<int>(i) < step.questions_size()) {
        const auto& q = step.questions(static_cast<int>(i));
        r.push_back(absl::StrCat(TextRating(q.consolidated_rating()), " ", q.question_id(),
                                 q.evidence_missing() ? " !" : "", q.divergent() ? " ~" : ""));
      } else {
        r.push_back("");
      }
    }
    rows.push_back(std::move(r));
  }
  Row counts = {"Counts"};
  for (const auto& step : report.steps()) counts.push_back(CountsShort(step.counts()));
  rows.push_back(counts);
  TextTable(&out, header, rows, 24);
  out += "(! evidence missing, ~ divergent)\n";

  TextHeading(&out, "Summary");
  absl::StrAppend(&out, "Ratings:         ", CountsShort(report.counts()), "\n",
                  "Completeness:    ", report.completeness_percent(), "%\n",
                  "Open challenges: ", report.open_challenges(), "\n",
                  "Actions:         ", ActionCountsLine(report.actions()), "\n");

  TextHeading(&out, "Questions and action plan");
  for (const auto& step : report.steps()) {
    absl::StrAppend(&out, "\n", StepHeading(step), "  (", CountsShort(step.counts()), "; actions ",
                    ActionCountsLine(step.actions()), ")\n");
    for (const auto& q : step.questions()) {
      std::string lead =
          absl::StrCat("  ", TextRating(q.consolidated_rating()), " ", q.question_id(), " ");
      auto lines = Wrap(q.text(), 80);
      for (size_t i = 0; i < lines.size(); ++i)
        absl::StrAppend(&out, i == 0 ? lead : std::string(Utf8Length(lead), ' '), lines[i], "\n");
      if (lines.empty()) absl::StrAppend(&out, lead, "\n");
      std::string indent(8, ' ');
      std::vector<std::string> facts = {absl::StrCat("evidence ", q.evidence_items())};
      for (std::string& flag : QuestionFlags(q, true)) facts.push_back(std::move(flag));
      absl::StrAppend(&out, indent, absl::StrJoin(facts, "; "), "\n");
      std::vector<std::string> who;
      for (const auto& r : q.respondent_ratings())
        who.push_back(absl::StrCat(TextRating(r.rating()), " ", r.label()));
      if (!who.empty())
        TextWrapped(&out, indent, absl::StrCat("Respondents: ", absl::StrJoin(who, ", ")), 80);
      if (!q.rationale().empty())
        TextWrapped(&out, indent, absl::StrCat("Rationale: ", q.rationale()), 80);
      TextWrapped(&out, indent,
                  absl::StrCat("Work still to do: ",
                               q.remaining_work().empty() ? "none recorded" : q.remaining_work()),
                  80);
    }
  }

  TextHeading(&out, "Gaps");
  auto gap_list = [&](absl::string_view heading,
                      const google::protobuf::RepeatedPtrField<std::string>& ids) {
    absl::StrAppend(&out, heading, ":", ids.empty() ? " none" : "", "\n");
    for (const auto& id : ids) TextWrapped(&out, "  ", absl::StrCat("- ", id, " ", texts[id]), 86);
  };
  gap_list("Questions missing evidence", report.questions_missing_evidence());
  gap_list("Divergent ratings", report.divergent_questions());

  TextLegend(&out, report.rating_definitions());
  if (!report.attribution().empty()) {
    out += "\n";
    TextWrapped(&out, "", report.attribution());
  }
  return out;
}

}  // namespace

Renderers RenderersOf(const v1::AssessmentReport& report) {
  return RenderersOf(report, AssessmentCsv, AssessmentHtml, AssessmentMarkdown, AssessmentXlsx,
                     AssessmentText);
}

}  // namespace sixsteps::reporting::render_internal

namespace sixsteps::reporting::doc {

namespace ri = render_internal;

Document BuildDocument(const v1::AssessmentReport& report) {
  std::vector<ri::Respondent> respondents = ri::RespondentsOf(report);
  auto texts = ri::QuestionTexts(report);
  Document d;
  d.title = ri::ReportTitle(report);
  d.subtitle = report.partnership_name();
  d.facts.items = ri::AssessmentMeta(report);
  d.intro.push_back(Note(ri::FreshnessLine(report.freshness())));
  d.attribution = report.attribution();

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

}  // namespace sixsteps::reporting::doc
