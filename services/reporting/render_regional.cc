// Renders the regional overview (one row per partnership, heat per step) in every format.
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
// Report 3: RegionalOverview
// ---------------------------------------------------------------------------------------

std::string RegionTitle(const v1::RegionalOverview& r) {
  return absl::StrCat("Regional overview: ",
                      r.region_name().empty() ? LastSegment(r.region()) : r.region_name());
}

std::string PartnershipLabel(const v1::RegionalRow& row) {
  if (!row.partnership_name().empty()) return row.partnership_name();
  if (row.anonymous()) return "Anonymous partnership";
  return LastSegment(row.partnership());
}

Row RegionalCsvHeader(const std::vector<std::string>& step_ids) {
  Row header = {"partnership",
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

std::string RegionalCsv(const v1::RegionalOverview& report) {
  auto step_ids = RegionalStepIds(report);
  std::string out;
  CsvRow(&out, RegionalCsvHeader(step_ids));
  for (const auto& p : report.partnerships()) {
    Row row = {p.partnership(),
               p.partnership_name(),
               YesNo(p.anonymous()),
               p.assessment(),
               p.last_scrutiny_date(),
               absl::StrCat(p.counts().red()),
               absl::StrCat(p.counts().amber()),
               absl::StrCat(p.counts().green()),
               absl::StrCat(p.counts().unrated()),
               absl::StrCat(p.overdue_actions())};
    for (const auto& id : step_ids) {
      int i = StepIndex(p, id);
      row.push_back(i >= 0 && i < p.step_heat_size() ? HeatText(p.step_heat(i)) : "");
    }
    CsvRow(&out, row);
  }
  return out;
}

std::string RegionalMarkdown(const v1::RegionalOverview& report) {
  auto step_ids = RegionalStepIds(report);
  std::string out = absl::StrCat("# ", Md(RegionTitle(report)), "\n\n");
  if (!report.as_of_date().empty())
    absl::StrAppend(&out, "- **Overdue judged on:** ", Md(report.as_of_date()), "\n");
  absl::StrAppend(&out, "\n_", Md(FreshnessLine(report.freshness())), "_\n\n");
  Row header = {"Partnership", "Last scrutiny"};
  for (const auto& id : step_ids) header.push_back(Md(id));
  for (const char* h : {"Red", "Amber", "Green", "Not rated", "Overdue actions"})
    header.push_back(h);
  std::vector<Row> rows;
  for (const auto& p : report.partnerships()) {
    Row row = {Md(PartnershipLabel(p)), Md(p.last_scrutiny_date())};
    for (const auto& id : step_ids) {
      int i = StepIndex(p, id);
      double heat = i >= 0 && i < p.step_heat_size() ? p.step_heat(i) : 0;
      row.push_back(heat <= 0 ? "-" : absl::StrCat(MdRating(HeatBand(heat)), " ", HeatText(heat)));
    }
    for (int v : {p.counts().red(), p.counts().amber(), p.counts().green(), p.counts().unrated(),
                  p.overdue_actions()})
      row.push_back(absl::StrCat(v));
    rows.push_back(std::move(row));
  }
  MdTable(&out, header, rows);
  out +=
      "Heat is the mean score of a step (Red 1, Amber 2, Green 3), lettered by thirds of that "
      "range.\n";
  return out;
}

std::string RegionalHtml(const v1::RegionalOverview& report) {
  auto step_ids = RegionalStepIds(report);
  std::string out = HtmlHead(RegionTitle(report));
  absl::StrAppend(&out, "<header>\n<h1>", H(RegionTitle(report)), "</h1>\n");
  HtmlMeta(&out, {{"Region", report.region()}, {"Overdue judged on", report.as_of_date()}});
  absl::StrAppend(&out, "<p class=\"freshness\">", H(FreshnessLine(report.freshness())),
                  "</p>\n</header>\n");
  out += "<section>\n<h2>Partnerships</h2>\n";
  Row header = {"Partnership", "Last scrutiny"};
  for (const auto& id : step_ids) header.push_back(id);
  for (const char* h : {"Red", "Amber", "Green", "Not rated", "Overdue actions"})
    header.push_back(h);
  std::vector<Row> rows;
  for (const auto& p : report.partnerships()) {
    Row row = {p.anonymous() ? absl::StrCat("<em>", H(PartnershipLabel(p)), "</em>")
                             : H(PartnershipLabel(p)),
               H(p.last_scrutiny_date())};
    for (const auto& id : step_ids) {
      int i = StepIndex(p, id);
      double heat = i >= 0 && i < p.step_heat_size() ? p.step_heat(i) : 0;
      Rating band = HeatBand(heat);
      row.push_back(absl::StrCat("<td class=\"rating ", RatingClass(band), "\" title=\"",
                                 RatingName(band), "\"><span class=\"letter\">",
                                 H(RatingLetter(band)), "</span> ", HeatText(heat), "</td>"));
    }
    for (int v : {p.counts().red(), p.counts().amber(), p.counts().green(), p.counts().unrated(),
                  p.overdue_actions()})
      row.push_back(Num(v));
    rows.push_back(std::move(row));
  }
  HtmlTable(&out, header, rows);
  out +=
      "<p>Heat is the mean score of a step (Red 1, Amber 2, Green 3); the letter bands it by "
      "thirds of that "
      "range. Partnerships that opted out of regional comparison are shown "
      "anonymously.</p>\n</section>\n";
  out += HtmlFooter("", &report.freshness());
  return out;
}

absl::StatusOr<std::string> RegionalXlsx(const v1::RegionalOverview& report) {
  auto step_ids = RegionalStepIds(report);
  SIXSTEPS_ASSIGN_OR_RETURN(auto x, Xlsx::Create(RegionTitle(report)));
  lxw_worksheet* ws = x->Sheet("Partnerships");
  Row header = RegionalCsvHeader(step_ids);
  x->Header(ws, 0, header);
  int row = 1;
  for (const auto& p : report.partnerships()) {
    x->Str(ws, row, 0, p.partnership());
    x->Str(ws, row, 1, PartnershipLabel(p));
    x->Str(ws, row, 2, YesNo(p.anonymous()));
    x->Str(ws, row, 3, p.assessment());
    x->Str(ws, row, 4, p.last_scrutiny_date());
    int values[] = {p.counts().red(), p.counts().amber(), p.counts().green(), p.counts().unrated(),
                    p.overdue_actions()};
    for (int i = 0; i < 5; ++i) x->Number(ws, row, 5 + i, values[i]);
    for (size_t s = 0; s < step_ids.size(); ++s) {
      int i = StepIndex(p, step_ids[s]);
      double heat = i >= 0 && i < p.step_heat_size() ? p.step_heat(i) : 0;
      if (heat > 0)
        x->Number(ws, row, 10 + static_cast<int>(s), heat, x->RatingFormat(HeatBand(heat)));
    }
    ++row;
  }
  x->Table(ws, 0, static_cast<int>(header.size()), row - 1);
  x->Width(ws, 0, 1, 26);
  x->Width(ws, 2, 4, 16);
  x->Width(ws, 5, 9 + static_cast<int>(step_ids.size()), 11);
  x->Str(ws, row + 1, 0, FreshnessLine(report.freshness()));

  lxw_worksheet* steps = x->Sheet("Steps");
  Row sh = {"partnership_name", "step_id", "red", "amber", "green", "not_rated", "heat"};
  x->Header(steps, 0, sh);
  row = 1;
  for (const auto& p : report.partnerships()) {
    for (int i = 0; i < p.step_ids_size(); ++i) {
      x->Str(steps, row, 0, PartnershipLabel(p));
      x->Str(steps, row, 1, p.step_ids(i));
      if (i < p.step_counts_size()) {
        const auto& c = p.step_counts(i);
        int values[] = {c.red(), c.amber(), c.green(), c.unrated()};
        for (int k = 0; k < 4; ++k) x->Number(steps, row, 2 + k, values[k]);
      }
      if (i < p.step_heat_size() && p.step_heat(i) > 0)
        x->Number(steps, row, 6, p.step_heat(i), x->RatingFormat(HeatBand(p.step_heat(i))));
      ++row;
    }
  }
  x->Table(steps, 0, static_cast<int>(sh.size()), row - 1);
  x->Width(steps, 0, 0, 26);
  x->Width(steps, 1, 6, 11);
  return x->Finish();
}

std::string RegionalText(const v1::RegionalOverview& report) {
  auto step_ids = RegionalStepIds(report);
  std::string out = absl::StrCat(RegionTitle(report), "\n");
  if (!report.as_of_date().empty())
    absl::StrAppend(&out, "Overdue judged on: ", report.as_of_date(), "\n");
  TextWrapped(&out, "", FreshnessLine(report.freshness()));
  out += "\n";
  Row header = {"Partnership", "Last scrutiny"};
  for (const auto& id : step_ids) header.push_back(id);
  for (const char* h : {"R", "A", "G", "-", "Overdue"}) header.push_back(h);
  std::vector<Row> rows;
  for (const auto& p : report.partnerships()) {
    Row row = {PartnershipLabel(p), p.last_scrutiny_date()};
    for (const auto& id : step_ids) {
      int i = StepIndex(p, id);
      double heat = i >= 0 && i < p.step_heat_size() ? p.step_heat(i) : 0;
      row.push_back(absl::StrCat(TextRating(HeatBand(heat)), heat > 0 ? " " : "", HeatText(heat)));
    }
    for (int v : {p.counts().red(), p.counts().amber(), p.counts().green(), p.counts().unrated(),
                  p.overdue_actions()})
      row.push_back(absl::StrCat(v));
    rows.push_back(std::move(row));
  }
  TextTable(&out, header, rows, 30);
  out += "\nHeat: mean step score (Red 1, Amber 2, Green 3), lettered by thirds of that range.\n";
  return out;
}

}  // namespace

Renderers RenderersOf(const v1::RegionalOverview& report) {
  return RenderersOf(report, RegionalCsv, RegionalHtml, RegionalMarkdown, RegionalXlsx,
                     RegionalText);
}

}  // namespace sixsteps::reporting::render_internal

namespace sixsteps::reporting::doc {

namespace ri = render_internal;

Document BuildDocument(const v1::RegionalOverview& report) {
  auto step_ids = ri::RegionalStepIds(report);
  Document d;
  d.title = ri::RegionTitle(report);
  d.facts.items = {{"Region", report.region()}, {"Overdue judged on", report.as_of_date()}};
  d.intro.push_back(Note(ri::FreshnessLine(report.freshness())));
  Table table;
  table.header = {"Partnership", "Last scrutiny"};
  for (const auto& id : step_ids) table.header.push_back(id);
  for (const char* h : {"Red", "Amber", "Green", "Not rated", "Overdue actions"})
    table.header.push_back(h);
  for (const auto& p : report.partnerships()) {
    std::vector<Cell> row = {Text(ri::PartnershipLabel(p)), Date(p.last_scrutiny_date())};
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
  // Scrutiny cycle (H4): overdue actions per partnership over time.
  if (!report.overdue_over_time().series().empty()) {
    AddSection(&d, "Overdue actions over time")
        .blocks.push_back(CountChartOf(report.overdue_over_time()));
  }
  return d;
}

}  // namespace sixsteps::reporting::doc
