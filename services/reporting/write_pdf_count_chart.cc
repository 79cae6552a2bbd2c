// The PDF writer's count charts (scrutiny cycle, H4): small multiples, one panel per series
// (a partner), a bar per category (a date) drawn in grey with a hatched fill and its count
// written above it, so the chart reads without colour; a zero is written on the baseline.
#include <algorithm>
#include <string>

#include "absl/strings/str_cat.h"
#include "services/reporting/document.h"
#include "services/reporting/write_pdf_painter.h"

namespace sixsteps::reporting::doc::pdf {
namespace {

constexpr int kPanelsPerRow = 3;
constexpr double kGap = 14;
constexpr double kPlotHeight = 70;
constexpr double kCountHeight = 10;  // room above the tallest bar for its count

void Hatch(cairo_t* cr, double x, double y, double w, double h) {
  cairo_save(cr);
  cairo_rectangle(cr, x, y, w, h);
  cairo_clip(cr);
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_set_line_width(cr, 0.6);
  for (double d = -h; d < w; d += 5) {
    cairo_move_to(cr, x + d, y + h);
    cairo_line_to(cr, x + d + h, y);
  }
  cairo_stroke(cr);
  cairo_restore(cr);
}

}  // namespace

void Painter::CountChartBlock(const CountChart& chart) {
  if (chart.series.empty() || chart.categories.empty()) return;
  int most = 1;
  for (const auto& s : chart.series)
    for (int n : s.counts) most = std::max(most, n);
  const double panel_width = (kTextWidth - (kPanelsPerRow - 1) * kGap) / kPanelsPerRow;
  const double slot = panel_width / static_cast<double>(chart.categories.size());
  const double bar = std::min(slot * 0.6, 30.0);

  ChartTitle(chart.title, 130);
  for (size_t first = 0; first < chart.series.size(); first += kPanelsPerRow) {
    const size_t last = std::min(first + kPanelsPerRow, chart.series.size());
    double title_height = 0, label_height = 0;
    for (size_t i = first; i < last; ++i) {
      LayoutPtr t = Layout(Escape(chart.series[i].name), 8, panel_width, true);
      title_height = std::max(title_height, Height(t.get()));
    }
    for (const auto& category : chart.categories) {
      LayoutPtr l = Layout(Escape(category), 6, slot - 1);
      label_height = std::max(label_height, Height(l.get()));
    }
    const double plot = kCountHeight + kPlotHeight;
    const double row_height = title_height + 4 + plot + 3 + label_height + kGap;
    Ensure(row_height);
    const double top = y();
    for (size_t i = first; i < last; ++i) {
      const CountSeries& series = chart.series[i];
      const double x0 = kMargin + static_cast<double>(i - first) * (panel_width + kGap);
      LayoutPtr t = Layout(Escape(series.name), 8, panel_width, true);
      Show(t.get(), x0, top);
      const double base = top + title_height + 4 + plot;
      Frame(x0, top + title_height + 4, panel_width, plot, 0.4);
      for (size_t c = 0; c < chart.categories.size(); ++c) {
        const int n = c < series.counts.size() ? series.counts[c] : 0;
        const double x = x0 + slot * static_cast<double>(c) + (slot - bar) / 2;
        const double h = kPlotHeight * static_cast<double>(n) / most;
        if (n > 0) {
          Rect(x, base - h, bar, h, {0.35, 0.35, 0.35});
          if (drawing()) Hatch(cr(), x, base - h, bar, h);
          Frame(x, base - h, bar, h, 0.5);
        }
        LayoutPtr count = Layout(Escape(absl::StrCat(n)), 6.5, 0, true);
        Show(count.get(), x + (bar - NaturalWidth(count.get())) / 2,
             base - h - Height(count.get()) - 1);
        LayoutPtr label = Layout(Escape(chart.categories[c]), 6, slot - 1);
        pango_layout_set_alignment(label.get(), PANGO_ALIGN_CENTER);
        Show(label.get(), x0 + slot * static_cast<double>(c) + 0.5, base + 3);
      }
    }
    y() = top + row_height;
  }
  y() += 2;
}

}  // namespace sixsteps::reporting::doc::pdf
