// A document count chart (overdue actions per partner at each quarter end) as inline SVG for
// the HTML writer: the small multiples the PDF writer draws (write_pdf_count_chart.cc), one
// panel per series, a grey hatched bar per category with its count written above it (a zero
// on the baseline), so it reads without colour. The SVG is one image to a screen reader (its
// label says what it shows); the same counts follow it as a table for those who read them.
#include <algorithm>
#include <string>

#include "absl/strings/str_cat.h"
#include "services/reporting/document.h"
#include "services/reporting/render.h"
#include "services/reporting/render_internal.h"
#include "services/reporting/render_svg.h"

namespace sixsteps::reporting::render_internal {
namespace {

constexpr int kPanelsPerRow = 3;
constexpr double kPanelWidth = 220, kGap = 18, kTitleHeight = 22, kCountHeight = 14,
                 kPlotHeight = 80, kLabelHeight = 26;

std::string Num(double v) { return SvgNumber(v); }

}  // namespace

std::string CountChartSvg(const doc::CountChart& chart) {
  if (chart.series.empty() || chart.categories.empty()) return "";
  int most = 1;
  for (const auto& s : chart.series)
    for (int n : s.counts) most = std::max(most, n);
  const size_t rows = (chart.series.size() + kPanelsPerRow - 1) / kPanelsPerRow;
  const size_t columns = std::min<size_t>(chart.series.size(), kPanelsPerRow);
  const double row_height = kTitleHeight + kCountHeight + kPlotHeight + kLabelHeight + kGap;
  const double width = static_cast<double>(columns) * (kPanelWidth + kGap);
  const double height = static_cast<double>(rows) * row_height;
  const double slot = kPanelWidth / static_cast<double>(chart.categories.size());
  const double bar = std::min(slot * 0.6, 30.0);

  const std::string label = absl::StrCat(chart.title.empty() ? "Counts over time" : chart.title,
                                         ": ", chart.series.size(),
                                         " panels, one per series, a bar per date with its count; "
                                         "the figures follow as a table.");
  std::string out = absl::StrCat(
      "<figure class=\"chart\">\n<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" "
      "aria-label=\"",
      H(label), "\" width=\"", Num(width), "\" height=\"", Num(height), "\" viewBox=\"0 0 ",
      Num(width), " ", Num(height),
      "\" font-family=\"DejaVu Sans, Arial, sans-serif\" font-size=\"10\">\n<title>", H(label),
      "</title>\n<defs><pattern id=\"count-hatch\" width=\"5\" height=\"5\" "
      "patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\"><line x1=\"0\" y1=\"0\" "
      "x2=\"0\" y2=\"5\" stroke=\"#fff\" stroke-width=\"1.2\"/></pattern></defs>\n");
  for (size_t i = 0; i < chart.series.size(); ++i) {
    const doc::CountSeries& series = chart.series[i];
    const double x0 = static_cast<double>(i % kPanelsPerRow) * (kPanelWidth + kGap);
    const double y0 = static_cast<double>(i / kPanelsPerRow) * row_height;
    const double top = y0 + kTitleHeight;
    const double base = top + kCountHeight + kPlotHeight;
    out += SvgPanel(x0, y0, kTitleHeight, kPanelWidth, kCountHeight + kPlotHeight, series.name);
    for (size_t c = 0; c < chart.categories.size(); ++c) {
      const int n = c < series.counts.size() ? series.counts[c] : 0;
      const double x = x0 + slot * static_cast<double>(c) + (slot - bar) / 2;
      const double h = kPlotHeight * n / most;
      if (n > 0) {
        std::string box = absl::StrCat("x=\"", Num(x), "\" y=\"", Num(base - h), "\" width=\"",
                                       Num(bar), "\" height=\"", Num(h), "\"");
        absl::StrAppend(&out, "<rect ", box,
                        " fill=\"#595959\" stroke=\"#333\" stroke-width=\"0.6\"/><rect ", box,
                        " fill=\"url(#count-hatch)\"/>\n");
      }
      absl::StrAppend(&out, "<text x=\"", Num(x + bar / 2), "\" y=\"", Num(base - h - 3),
                      "\" text-anchor=\"middle\" font-weight=\"bold\">", n, "</text>\n",
                      SvgCategory(x + bar / 2, base + 14, chart.categories[c]));
    }
    out += "</g>\n";
  }
  out += SvgClose(chart.title,
                  "Each panel is one series; each bar is a date, with its count above it.");
  return out;
}

}  // namespace sixsteps::reporting::render_internal
