// The PDF writer's page painter: lays pango text out on A4 pages of a cairo PDF surface,
// breaking pages between lines and table rows, and numbers the pages. The same painter runs
// twice: once measuring (nothing drawn) to learn the page count and where each section
// starts, then drawing with those numbers. Private to write_pdf*.cc.
#pragma once

#include <cairo.h>
#include <pango/pangocairo.h>

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "services/reporting/document.h"

namespace sixsteps::reporting::doc::pdf {

// A4 in points, and the text area inside the margins.
inline constexpr double kPageWidth = 595.276;
inline constexpr double kPageHeight = 841.89;
inline constexpr double kMargin = 50;
inline constexpr double kTop = 48;
inline constexpr double kBottom = kPageHeight - 84;  // the footer lives below
inline constexpr double kTextWidth = kPageWidth - 2 * kMargin;
inline constexpr char kFont[] = "DejaVu Sans";

struct LayoutDeleter {
  void operator()(PangoLayout* l) const { g_object_unref(l); }
};
using LayoutPtr = std::unique_ptr<PangoLayout, LayoutDeleter>;

// Pango markup for runs (every text escaped).
std::string Markup(const std::vector<Run>& runs);
std::string Escape(absl::string_view text);

struct Rgb {
  double r, g, b;
};
// The fill and text colours of a rating cell.
Rgb RatingFill(Rating rating);
Rgb RatingInk(Rating rating);

class Painter {
 public:
  // `total_pages` and `section_pages` come from the measuring pass (empty while measuring).
  Painter(cairo_t* cr, bool draw, bool contents, const Document& document, int total_pages,
          std::vector<int> section_pages);
  ~Painter();
  Painter(const Painter&) = delete;
  Painter& operator=(const Painter&) = delete;

  // Lays the whole document out.
  void Paint();

  int pages() const { return page_; }
  const std::vector<int>& section_pages() const { return recorded_pages_; }

  // Building blocks, public for the chart painter.
  LayoutPtr Layout(absl::string_view markup, double size, double width, bool bold = false);
  double Height(PangoLayout* layout) const;
  double NaturalWidth(PangoLayout* layout) const;
  // Breaks the page unless `height` still fits (or the page is still empty).
  void Ensure(double height);
  void Show(PangoLayout* layout, double x, double y, Rgb ink = {0.1, 0.1, 0.1});
  void Rect(double x, double y, double w, double h, Rgb fill);
  void Frame(double x, double y, double w, double h, double line, bool dashed = false);
  cairo_t* cr() { return cr_; }
  bool drawing() const { return draw_; }
  double& y() { return y_; }

 private:
  void BeginPage();
  void EndPage();
  void Footer();
  void Flow(PangoLayout* layout, double x, Rgb ink = {0.1, 0.1, 0.1});
  void TitleBlock();
  void Contents();
  void Heading(const Section& section);
  void Paragraph(const doc::Paragraph& p, double x = kMargin, double width = kTextWidth);
  void FactsBlock(const Facts& facts);
  void ListBlock(const List& list);
  void TableBlock(const Table& table);
  void TableHeader(const Table& table, const std::vector<double>& widths);
  void ChartBlock(const Chart& chart);
  // A chart's title, on a new page unless it and `room` points of the chart fit.
  void ChartTitle(const std::string& title, double room);
  void CountChartBlock(const CountChart& chart);  // write_pdf_count_chart.cc
  std::vector<double> ColumnWidths(const Table& table);

  cairo_t* cr_;
  bool draw_;
  bool contents_;
  const Document& document_;
  int total_pages_;
  std::vector<int> section_pages_;
  std::vector<int> recorded_pages_;
  int page_ = 0;
  double y_ = kTop;
  bool page_open_ = false;
  std::map<std::pair<double, bool>, PangoFontDescription*> fonts_;
};

}  // namespace sixsteps::reporting::doc::pdf
