// Renders the annual report section (Markdown written by the builder) in every format.
#include "services/reporting/render.h"

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "services/base/names.h"
#include "services/base/status_macros.h"
#include "services/reporting/document.h"
#include "services/reporting/render_internal.h"
#include "services/reporting/render_xlsx.h"

namespace sixsteps::reporting::render_internal {
namespace {

// ---------------------------------------------------------------------------------------
// Report 5: AnnualReportSection
// ---------------------------------------------------------------------------------------

std::string AnnualTitle(const v1::AnnualReportSection& s) {
  return absl::StrCat("Annual report section",
                      s.partnership_name().empty() ? "" : absl::StrCat(": ", s.partnership_name()));
}

// Whether the section's Markdown carries its attribution already (escaped, as
// BuildAnnualReportSection writes it, or as it was).
bool CarriesAttribution(const v1::AnnualReportSection& s) {
  return !s.attribution().empty() && (absl::StrContains(s.markdown(), Md(s.attribution())) ||
                                      absl::StrContains(s.markdown(), s.attribution()));
}

// The section's Markdown with the attribution appended unless it already carries it.
std::string AnnualMarkdown(const v1::AnnualReportSection& s) {
  std::string out = s.markdown();
  if (!out.empty() && out.back() != '\n') out.push_back('\n');
  if (!s.attribution().empty() && !CarriesAttribution(s)) {
    absl::StrAppend(&out, "\n", Md(s.attribution()), "\n");
  }
  return out;
}

// One row: the section's fields.
std::string AnnualCsv(const v1::AnnualReportSection& s) {
  std::string out;
  CsvRow(&out, {"assessment", "partnership_name", "markdown", "attribution"});
  CsvRow(&out, {s.assessment(), s.partnership_name(), s.markdown(), s.attribution()});
  return out;
}

std::string AnnualHtml(const v1::AnnualReportSection& s) {
  std::string out = HtmlHead(AnnualTitle(s));
  absl::StrAppend(&out, "<main class=\"md\">\n", MarkdownToHtml(s.markdown()), "</main>\n");
  out += HtmlFooter(CarriesAttribution(s) ? "" : s.attribution(), &s.freshness());
  return out;
}

absl::StatusOr<std::string> AnnualXlsx(const v1::AnnualReportSection& s) {
  SIXSTEPS_ASSIGN_OR_RETURN(auto x, Xlsx::Create(AnnualTitle(s)));
  lxw_worksheet* ws = x->Sheet("Section");
  int row = XlsxPairs(*x, ws, 0,
                      {{"Assessment", s.assessment()},
                       {"Partnership", s.partnership_name()},
                       {"Attribution", s.attribution()},
                       {"Freshness", FreshnessLine(s.freshness())}});
  ++row;
  x->Str(ws, row++, 0, "Markdown", x->header());
  for (absl::string_view line : absl::StrSplit(s.markdown(), '\n')) {
    x->Str(ws, row++, 0, absl::StripSuffix(line, "\r"));
  }
  x->Width(ws, 0, 0, 100);
  x->Width(ws, 1, 1, 60);
  return x->Finish();
}

std::string AnnualText(const v1::AnnualReportSection& s) {
  std::string out = AnnualMarkdown(s);
  if (out.empty() || out.back() != '\n') out.push_back('\n');
  return out;
}

}  // namespace

Renderers RenderersOf(const v1::AnnualReportSection& report) {
  return RenderersOf(report, AnnualCsv, AnnualHtml, AnnualMarkdown, AnnualXlsx, AnnualText);
}

}  // namespace sixsteps::reporting::render_internal

namespace sixsteps::reporting::doc {

namespace ri = render_internal;

Document BuildDocument(const v1::AnnualReportSection& s) {
  Document d;
  d.title = ri::AnnualTitle(s);
  d.intro.push_back(Note(ri::FreshnessLine(s.freshness())));
  AppendMarkdown(&d, s.markdown());
  // ---- scrutiny cycle (H4): the year's charts, after the section's text ----
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
  d.attribution_in_body = ri::CarriesAttribution(s);
  return d;
}

}  // namespace sixsteps::reporting::doc
