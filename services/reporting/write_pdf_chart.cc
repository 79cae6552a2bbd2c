// The PDF writer's charts: small multiples, one panel per series (a step), a stacked bar
// per category (a round) of its questions by rating. Each segment is coloured, patterned
// (Red hatched, Amber lined, Green solid, Not rated outlined) and lettered where it has room,
// so the chart reads in grey and without colour.
#include <algorithm>
#include <array>
#include <string>

#include "absl/strings/str_cat.h"
#include "services/reporting/document.h"
#include "services/reporting/render.h"
#include "services/reporting/write_pdf_painter.h"

namespace sixsteps::reporting::doc::pdf {
namespace {

constexpr int kPanelsPerRow = 3;
constexpr double kGap = 14;
constexpr double kPlotHeight = 90;
constexpr Rating kOrder[] = {framework::v1::RATING_GREEN, framework::v1::RATING_AMBER,
                             framework::v1::RATING_RED, framework::v1::RATING_UNSPECIFIED};

// Index into a series' {red, amber, green, not rated} counts.
int CountIndex(Rating rating) {
  switch (rating) {
    case framework::v1::RATING_RED:
      return 0;
    case framework::v1::RATING_AMBER:
      return 1;
    case framework::v1::RATING_GREEN:
      return 2;
    default:
      return 3;
  }
}

void Pattern(cairo_t* cr, Rating rating, double x, double y, double w, double h) {
  cairo_save(cr);
  cairo_rectangle(cr, x, y, w, h);
  cairo_clip(cr);
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_set_line_width(cr, 0.8);
  if (rating == framework::v1::RATING_RED) {
    for (double d = -h; d < w; d += 4) {
      cairo_move_to(cr, x + d, y + h);
      cairo_line_to(cr, x + d + h, y);
    }
  } else if (rating == framework::v1::RATING_AMBER) {
    cairo_set_source_rgb(cr, 0.35, 0.25, 0);
    for (double d = 2; d < h; d += 4) {
      cairo_move_to(cr, x, y + d);
      cairo_line_to(cr, x + w, y + d);
    }
  }
  cairo_stroke(cr);
  cairo_restore(cr);
}

}  // namespace

void Painter::ChartTitle(const std::string& title, double room) {
  if (title.empty()) return;
  LayoutPtr layout = Layout(Escape(title), 9, kTextWidth, true);
  Ensure(Height(layout.get()) + room);
  Show(layout.get(), kMargin, y());
  y() += Height(layout.get()) + 6;
}

void Painter::ChartBlock(const Chart& chart) {
  if (chart.series.empty() || chart.categories.empty()) return;
  int most = 1;
  for (const auto& s : chart.series)
    for (const auto& c : s.counts) most = std::max(most, c[0] + c[1] + c[2] + c[3]);
  const double panel_width = (kTextWidth - (kPanelsPerRow - 1) * kGap) / kPanelsPerRow;
  const double slot = panel_width / static_cast<double>(chart.categories.size());
  const double bar = std::min(slot * 0.6, 36.0);

  ChartTitle(chart.title, 150);
  for (size_t first = 0; first < chart.series.size(); first += kPanelsPerRow) {
    // Measure the row: the tallest panel title and category labels.
    double title_height = 0, label_height = 0;
    for (size_t i = first; i < std::min(first + kPanelsPerRow, chart.series.size()); ++i) {
      LayoutPtr t = Layout(Escape(chart.series[i].name), 8, panel_width, true);
      title_height = std::max(title_height, Height(t.get()));
    }
    for (const auto& category : chart.categories) {
      LayoutPtr l = Layout(Escape(category), 6.5, slot - 2);
      label_height = std::max(label_height, Height(l.get()));
    }
    double row_height = title_height + 4 + kPlotHeight + 3 + label_height + kGap;
    Ensure(row_height);
    const double top = y();
    for (size_t i = first; i < std::min(first + kPanelsPerRow, chart.series.size()); ++i) {
      const RatingSeries& series = chart.series[i];
      double x0 = kMargin + static_cast<double>(i - first) * (panel_width + kGap);
      LayoutPtr t = Layout(Escape(series.name), 8, panel_width, true);
      Show(t.get(), x0, top);
      double base = top + title_height + 4 + kPlotHeight;
      Frame(x0, top + title_height + 4, panel_width, kPlotHeight, 0.4);
      for (size_t c = 0; c < chart.categories.size(); ++c) {
        double x = x0 + slot * static_cast<double>(c) + (slot - bar) / 2;
        double y_cursor = base;
        const std::array<int, 4> counts =
            c < series.counts.size() ? series.counts[c] : std::array<int, 4>{0, 0, 0, 0};
        for (Rating rating : kOrder) {
          int n = counts[CountIndex(rating)];
          if (n == 0) continue;
          double h = kPlotHeight * static_cast<double>(n) / most;
          y_cursor -= h;
          Rect(x, y_cursor, bar, h, RatingFill(rating));
          if (drawing()) Pattern(cr(), rating, x, y_cursor, bar, h);
          Frame(x, y_cursor, bar, h, 0.5, rating == framework::v1::RATING_UNSPECIFIED);
          LayoutPtr letter = Layout(Escape(absl::StrCat(RatingLetter(rating), n)), 6.5, 0, true);
          if (h >= Height(letter.get()) && bar >= NaturalWidth(letter.get()) + 2) {
            double lx = x + (bar - NaturalWidth(letter.get())) / 2;
            double ly = y_cursor + (h - Height(letter.get())) / 2;
            Rect(lx - 1, ly, NaturalWidth(letter.get()) + 2, Height(letter.get()), {1, 1, 1});
            Show(letter.get(), lx, ly);
          }
        }
        LayoutPtr label = Layout(Escape(chart.categories[c]), 6.5, slot - 2);
        pango_layout_set_alignment(label.get(), PANGO_ALIGN_CENTER);
        Show(label.get(), x0 + slot * static_cast<double>(c) + 1, base + 3);
      }
    }
    y() = top + row_height;
  }
  y() += 2;
}

}  // namespace sixsteps::reporting::doc::pdf
