// Renders the partnership trend (one partnership's rounds side by side) in every format.
#include "services/reporting/render.h"

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "services/base/names.h"
#include "services/base/status_macros.h"
#include "services/reporting/document.h"
#include "services/reporting/render_internal.h"
#include "services/reporting/render_xlsx.h"

namespace sixsteps::reporting::render_internal {
namespace {

// ---------------------------------------------------------------------------------------
// Report 2: PartnershipTrend
// ---------------------------------------------------------------------------------------

std::string TrendTitle(const v1::PartnershipTrend& t) {
  return absl::StrCat(
      "Trend: ", t.partnership_name().empty() ? LastSegment(t.partnership()) : t.partnership_name(),
      t.kind().empty() ? "" : absl::StrCat(" (", t.kind(), ")"));
}

Rating RatingAt(const v1::QuestionTrend& q, int i) {
  return i < q.ratings_size() ? q.ratings(i) : framework::v1::RATING_UNSPECIFIED;
}

Row TrendCsvHeader(const v1::PartnershipTrend& t) {
  Row header = {"step_id", "question_id", "question"};
  for (const auto& r : t.rounds()) header.push_back(RoundLabel(r));
  header.push_back("trend");
  return header;
}

std::string TrendCsv(const v1::PartnershipTrend& t) {
  std::string out;
  CsvRow(&out, TrendCsvHeader(t));
  for (const auto& q : t.questions()) {
    Row row = {q.step_id(), q.question_id(), q.text()};
    for (int i = 0; i < t.rounds_size(); ++i) row.push_back(RatingName(RatingAt(q, i)));
    row.push_back(TrendName(q.trend()));
    CsvRow(&out, row);
  }
  return out;
}

std::string TrendMarkdown(const v1::PartnershipTrend& t) {
  std::string out =
      absl::StrCat("# ", Md(TrendTitle(t)), "\n\n_", Md(FreshnessLine(t.freshness())), "_\n\n");
  out += "## Rounds\n\n";
  std::vector<Row> rows;
  for (const auto& r : t.rounds())
    rows.push_back({Md(r.title()), Md(r.period_end()), Md(FormatTimestamp(r.finalise_time())),
                    Md(r.framework_version()), Md(r.assessment())});
  MdTable(&out, {"Round", "Period end", "Finalised", "Framework version", "Assessment"}, rows);
  out += "## Questions\n\n";
  Row header = {"Step", "Question", "Text"};
  for (const auto& r : t.rounds()) header.push_back(Md(RoundLabel(r)));
  header.push_back("Trend");
  rows.clear();
  for (const auto& q : t.questions()) {
    Row row = {Md(q.step_id()), Md(q.question_id()), Md(q.text())};
    for (int i = 0; i < t.rounds_size(); ++i) row.push_back(MdRating(RatingAt(q, i)));
    row.push_back(TrendName(q.trend()));
    rows.push_back(std::move(row));
  }
  MdTable(&out, header, rows);
  out += "## Steps\n\n";
  header = {"Step", "Title"};
  for (const auto& r : t.rounds()) header.push_back(Md(RoundLabel(r)));
  header.push_back("Trend");
  rows.clear();
  for (const auto& s : t.steps()) {
    Row row = {Md(s.step_id()), Md(s.title())};
    for (int i = 0; i < t.rounds_size(); ++i)
      row.push_back(i < s.counts_size() ? CountsShort(s.counts(i)) : "");
    row.push_back(TrendName(s.trend()));
    rows.push_back(std::move(row));
  }
  MdTable(&out, header, rows);
  return out;
}

std::string TrendHtml(const v1::PartnershipTrend& t) {
  std::string out = HtmlHead(TrendTitle(t));
  absl::StrAppend(&out, "<header>\n<h1>", H(TrendTitle(t)), "</h1>\n<p class=\"freshness\">",
                  H(FreshnessLine(t.freshness())), "</p>\n</header>\n");
  out += "<section>\n<h2>Rounds</h2>\n";
  std::vector<Row> rows;
  for (const auto& r : t.rounds())
    rows.push_back({H(r.title()), H(r.period_end()), H(FormatTimestamp(r.finalise_time())),
                    H(r.framework_version()), H(r.assessment())});
  HtmlTable(&out, {"Round", "Period end", "Finalised", "Framework version", "Assessment"}, rows);
  std::string chart = ChartSvg(doc::TrendChart(t));
  if (!chart.empty())
    absl::StrAppend(&out, "</section>\n<section class=\"keep\">\n<h2>Ratings across rounds</h2>\n",
                    chart);
  out += "</section>\n<section>\n<h2>Questions</h2>\n";
  Row header = {"Step", "Question"};
  for (const auto& r : t.rounds()) header.push_back(RoundLabel(r));
  header.push_back("Trend");
  rows.clear();
  for (const auto& q : t.questions()) {
    Row row = {H(q.step_id()),
               absl::StrCat("<span class=\"qid\">", H(q.question_id()), "</span>", H(q.text()))};
    for (int i = 0; i < t.rounds_size(); ++i) row.push_back(HtmlRatingCell(RatingAt(q, i)));
    row.push_back(absl::StrCat("<strong>", H(TrendName(q.trend())), "</strong>"));
    rows.push_back(std::move(row));
  }
  HtmlTable(&out, header, rows);
  out += "</section>\n<section>\n<h2>Steps</h2>\n";
  header = {"Step", "Title"};
  for (const auto& r : t.rounds()) header.push_back(RoundLabel(r));
  header.push_back("Trend");
  rows.clear();
  for (const auto& s : t.steps()) {
    Row row = {H(s.step_id()), H(s.title())};
    for (int i = 0; i < t.rounds_size(); ++i)
      row.push_back(i < s.counts_size() ? H(CountsShort(s.counts(i))) : "");
    row.push_back(absl::StrCat("<strong>", H(TrendName(s.trend())), "</strong>"));
    rows.push_back(std::move(row));
  }
  HtmlTable(&out, header, rows);
  out += "</section>\n";
  out += HtmlFooter("", &t.freshness());
  return out;
}

absl::StatusOr<std::string> TrendXlsx(const v1::PartnershipTrend& t) {
  SIXSTEPS_ASSIGN_OR_RETURN(auto x, Xlsx::Create(TrendTitle(t)));
  lxw_worksheet* qs = x->Sheet("Questions");
  Row header = TrendCsvHeader(t);
  x->Header(qs, 0, header);
  int row = 1;
  for (const auto& q : t.questions()) {
    x->Str(qs, row, 0, q.step_id());
    x->Str(qs, row, 1, q.question_id());
    x->Str(qs, row, 2, q.text(), x->wrap());
    for (int i = 0; i < t.rounds_size(); ++i) x->RatingCell(qs, row, 3 + i, RatingAt(q, i));
    x->Str(qs, row, 3 + t.rounds_size(), TrendName(q.trend()));
    ++row;
  }
  x->Table(qs, 0, static_cast<int>(header.size()), row - 1);
  x->Width(qs, 0, 1, 11);
  x->Width(qs, 2, 2, 60);
  x->Width(qs, 3, 3 + t.rounds_size(), 16);

  lxw_worksheet* steps = x->Sheet("Steps");
  Row sh = {"step_id", "step_title", "round", "red", "amber", "green", "not_rated"};
  x->Header(steps, 0, sh);
  row = 1;
  for (const auto& s : t.steps()) {
    for (int i = 0; i < s.counts_size(); ++i) {
      x->Str(steps, row, 0, s.step_id());
      x->Str(steps, row, 1, s.title());
      x->Str(steps, row, 2, i < t.rounds_size() ? RoundLabel(t.rounds(i)) : absl::StrCat(i + 1));
      x->Number(steps, row, 3, s.counts(i).red());
      x->Number(steps, row, 4, s.counts(i).amber());
      x->Number(steps, row, 5, s.counts(i).green());
      x->Number(steps, row, 6, s.counts(i).unrated());
      ++row;
    }
  }
  x->Table(steps, 0, static_cast<int>(sh.size()), row - 1);
  x->Width(steps, 0, 0, 10);
  x->Width(steps, 1, 2, 30);

  lxw_worksheet* rounds = x->Sheet("Rounds");
  std::vector<Row> rows;
  for (const auto& r : t.rounds())
    rows.push_back({r.assessment(), r.title(), r.period_end(), FormatTimestamp(r.finalise_time()),
                    r.framework_version()});
  row = XlsxTable(*x, rounds, 0,
                  {"assessment", "title", "period_end", "finalised", "framework_version"}, rows);
  x->Table(rounds, 0, 5, row - 1);
  x->Width(rounds, 0, 4, 24);
  row += 1;
  x->Str(rounds, row, 0, FreshnessLine(t.freshness()));
  return x->Finish();
}

std::string TrendText(const v1::PartnershipTrend& t) {
  std::string out = absl::StrCat(TrendTitle(t), "\n");
  TextWrapped(&out, "", FreshnessLine(t.freshness()));
  TextHeading(&out, "Rounds");
  std::vector<Row> rows;
  for (size_t i = 0; i < static_cast<size_t>(t.rounds_size()); ++i) {
    const auto& r = t.rounds(static_cast<int>(i));
    rows.push_back({absl::StrCat(i + 1), r.title(), r.period_end(),
                    FormatTimestamp(r.finalise_time()), r.framework_version()});
  }
  TextTable(&out, {"#", "Round", "Period end", "Finalised", "Framework"}, rows, 40);
  TextHeading(&out, "Questions");
  Row header = {"Step", "Question"};
  for (int i = 0; i < t.rounds_size(); ++i) header.push_back(absl::StrCat("#", i + 1));
  header.push_back("Trend");
  header.push_back("Text");
  rows.clear();
  for (const auto& q : t.questions()) {
    Row row = {q.step_id(), q.question_id()};
    for (int i = 0; i < t.rounds_size(); ++i) row.push_back(TextRating(RatingAt(q, i)));
    row.push_back(TrendName(q.trend()));
    row.push_back(q.text());
    rows.push_back(std::move(row));
  }
  TextTable(&out, header, rows, 48);
  TextHeading(&out, "Steps");
  header = {"Step"};
  for (int i = 0; i < t.rounds_size(); ++i) header.push_back(absl::StrCat("#", i + 1));
  header.push_back("Trend");
  rows.clear();
  for (const auto& s : t.steps()) {
    Row row = {s.title().empty() ? s.step_id() : absl::StrCat(s.step_id(), ": ", s.title())};
    for (int i = 0; i < t.rounds_size(); ++i)
      row.push_back(i < s.counts_size() ? CountsShort(s.counts(i)) : "");
    row.push_back(TrendName(s.trend()));
    rows.push_back(std::move(row));
  }
  TextTable(&out, header, rows, 32);
  return out;
}

}  // namespace

Renderers RenderersOf(const v1::PartnershipTrend& report) {
  return RenderersOf(report, TrendCsv, TrendHtml, TrendMarkdown, TrendXlsx, TrendText);
}

}  // namespace sixsteps::reporting::render_internal

namespace sixsteps::reporting::doc {

namespace ri = render_internal;

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
  d.title = ri::TrendTitle(t);
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
    for (int i = 0; i < t.rounds_size(); ++i) row.push_back(RatingCell(ri::RatingAt(q, i)));
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
  return d;
}

}  // namespace sixsteps::reporting::doc
