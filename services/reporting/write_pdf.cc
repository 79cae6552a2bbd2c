// The PDF writer: any document on A4 pages with cairo and pango (no hand-written PDF).
// Passes over one painter: the first measures (page count, each section's page), the last
// draws "Page N of M" and the contents with them and streams the pages out.
#include <cairo-pdf.h>
#include <cairo.h>
#include <pango/pangocairo.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "services/base/status_macros.h"
#include "services/reporting/document.h"
#include "services/reporting/write_pdf_painter.h"

namespace sixsteps::reporting::doc {
namespace pdf {

namespace {

constexpr double kBody = 9.5;
constexpr double kSmall = 7.5;
constexpr double kCellText = 8;
constexpr double kCellPad = 3;
// A cell taller than this is cut with "…": a row must fit on one page.
constexpr double kMaxCellHeight = 560;
constexpr Rgb kInk{0.1, 0.1, 0.1};
constexpr Rgb kGrey{0.2, 0.2, 0.2};
constexpr Rgb kWarn{0.545, 0, 0};

}  // namespace

std::string Escape(absl::string_view text) {
  char* escaped = g_markup_escape_text(text.data(), static_cast<gssize>(text.size()));
  std::string out(escaped);
  g_free(escaped);
  return out;
}

std::string Markup(const std::vector<Run>& runs) {
  std::string out;
  for (const Run& run : runs) {
    std::string text = Escape(run.text);
    if (run.code) text = absl::StrCat("<tt>", text, "</tt>");
    if (run.italic) text = absl::StrCat("<i>", text, "</i>");
    if (run.bold) text = absl::StrCat("<b>", text, "</b>");
    out += text;
  }
  return out;
}

Rgb RatingFill(Rating rating) {
  switch (rating) {
    case framework::v1::RATING_RED:
      return {0.718, 0.110, 0.110};
    case framework::v1::RATING_AMBER:
      return {1.0, 0.749, 0.0};
    case framework::v1::RATING_GREEN:
      return {0.106, 0.369, 0.125};
    default:
      return {1, 1, 1};
  }
}

Rgb RatingInk(Rating rating) {
  return rating == framework::v1::RATING_RED || rating == framework::v1::RATING_GREEN
             ? Rgb{1, 1, 1}
             : Rgb{0, 0, 0};
}

Painter::Painter(cairo_t* cr, bool draw, bool contents, const Document& document, int total_pages,
                 std::vector<int> section_pages)
    : cr_(cr),
      draw_(draw),
      contents_(contents),
      document_(document),
      total_pages_(total_pages),
      section_pages_(std::move(section_pages)) {}

Painter::~Painter() {
  for (auto& [key, font] : fonts_) pango_font_description_free(font);
}

LayoutPtr Painter::Layout(absl::string_view markup, double size, double width, bool bold) {
  LayoutPtr layout(pango_cairo_create_layout(cr_));
  // A handful of sizes and weights serve thousands of cells: describe each once.
  PangoFontDescription*& font = fonts_[{size, bold}];
  if (font == nullptr) {
    font = pango_font_description_from_string(kFont);
    pango_font_description_set_absolute_size(font, size * PANGO_SCALE);
    if (bold) pango_font_description_set_weight(font, PANGO_WEIGHT_BOLD);
  }
  pango_layout_set_font_description(layout.get(), font);
  if (width > 0) {
    pango_layout_set_width(layout.get(), static_cast<int>(width * PANGO_SCALE));
    pango_layout_set_wrap(layout.get(), PANGO_WRAP_WORD_CHAR);
  }
  std::string text(markup);
  pango_layout_set_markup(layout.get(), text.c_str(), static_cast<int>(text.size()));
  return layout;
}

double Painter::Height(PangoLayout* layout) const {
  int w = 0, h = 0;
  pango_layout_get_size(layout, &w, &h);
  return static_cast<double>(h) / PANGO_SCALE;
}

double Painter::NaturalWidth(PangoLayout* layout) const {
  int w = 0, h = 0;
  pango_layout_get_size(layout, &w, &h);
  return static_cast<double>(w) / PANGO_SCALE;
}

void Painter::Show(PangoLayout* layout, double x, double y, Rgb ink) {
  if (!draw_) return;
  cairo_set_source_rgb(cr_, ink.r, ink.g, ink.b);
  cairo_move_to(cr_, x, y);
  pango_cairo_show_layout(cr_, layout);
}

void Painter::Rect(double x, double y, double w, double h, Rgb fill) {
  if (!draw_) return;
  cairo_set_source_rgb(cr_, fill.r, fill.g, fill.b);
  cairo_rectangle(cr_, x, y, w, h);
  cairo_fill(cr_);
}

void Painter::Frame(double x, double y, double w, double h, double line, bool dashed) {
  if (!draw_) return;
  cairo_save(cr_);
  cairo_set_source_rgb(cr_, 0.33, 0.33, 0.33);
  cairo_set_line_width(cr_, line);
  if (dashed) {
    double dash[] = {2.0, 1.5};
    cairo_set_dash(cr_, dash, 2, 0);
  }
  cairo_rectangle(cr_, x, y, w, h);
  cairo_stroke(cr_);
  cairo_restore(cr_);
}

void Painter::BeginPage() {
  ++page_;
  y_ = kTop;
  page_open_ = true;
}

void Painter::Footer() {
  double y = kBottom + 18;
  if (draw_) {
    cairo_set_source_rgb(cr_, 0.6, 0.6, 0.6);
    cairo_set_line_width(cr_, 0.5);
    cairo_move_to(cr_, kMargin, y - 6);
    cairo_line_to(cr_, kPageWidth - kMargin, y - 6);
    cairo_stroke(cr_);
  }
  std::string number =
      absl::StrCat("Page ", page_, " of ", total_pages_ > 0 ? total_pages_ : page_);
  LayoutPtr page_label = Layout(Escape(number), kSmall + 0.5, 0);
  double label_width = NaturalWidth(page_label.get());
  Show(page_label.get(), kPageWidth - kMargin - label_width, y, kGrey);
  std::string left = document_.title;
  if (!document_.attribution.empty()) {
    left = document_.attribution;
  }
  LayoutPtr note = Layout(absl::StrCat("<i>", Escape(left), "</i>"), kSmall - 0.5,
                          kTextWidth - label_width - 24);
  Show(note.get(), kMargin, y, kGrey);
}

void Painter::EndPage() {
  if (!page_open_) return;
  Footer();
  if (draw_) cairo_show_page(cr_);
  page_open_ = false;
}

void Painter::Ensure(double height) {
  if (!page_open_) BeginPage();
  if (y_ + height > kBottom && y_ > kTop + 0.5) {
    EndPage();
    BeginPage();
  }
}

// Shows a layout line by line, breaking the page between lines.
void Painter::Flow(PangoLayout* layout, double x, Rgb ink) {
  if (!page_open_) BeginPage();
  PangoLayoutIter* it = pango_layout_get_iter(layout);
  double origin = y_;
  double end = y_;
  do {
    PangoRectangle logical;
    pango_layout_iter_get_line_extents(it, nullptr, &logical);
    double top = static_cast<double>(logical.y) / PANGO_SCALE;
    double height = static_cast<double>(logical.height) / PANGO_SCALE;
    if (origin + top + height > kBottom && origin + top > kTop + 0.5) {
      EndPage();
      BeginPage();
      origin = y_ - top;
    }
    if (draw_) {
      double baseline = static_cast<double>(pango_layout_iter_get_baseline(it)) / PANGO_SCALE;
      cairo_set_source_rgb(cr_, ink.r, ink.g, ink.b);
      cairo_move_to(cr_, x, origin + baseline);
      pango_cairo_show_layout_line(cr_, pango_layout_iter_get_line_readonly(it));
    }
    end = origin + top + height;
  } while (pango_layout_iter_next_line(it));
  pango_layout_iter_free(it);
  y_ = end;
}

void Painter::TitleBlock() {
  LayoutPtr title = Layout(Escape(document_.title), 19, kTextWidth, true);
  Flow(title.get(), kMargin);
  y_ += 4;
  if (!document_.subtitle.empty()) {
    LayoutPtr subtitle = Layout(Escape(document_.subtitle), 12.5, kTextWidth);
    Flow(subtitle.get(), kMargin, kGrey);
    y_ += 4;
  }
  y_ += 6;
  FactsBlock(document_.facts);
  for (const auto& p : document_.intro) Paragraph(p);
}

void Painter::Contents() {
  if (!contents_) return;
  Ensure(60);
  y_ += 8;
  LayoutPtr heading = Layout("Contents", 14, kTextWidth, true);
  Flow(heading.get(), kMargin);
  y_ += 6;
  for (size_t i = 0; i < document_.sections.size(); ++i) {
    const Section& s = document_.sections[i];
    if (s.heading.empty()) continue;
    double indent = s.level > 1 ? 16 : 0;
    std::string number = i < section_pages_.size() ? absl::StrCat(section_pages_[i]) : "0";
    LayoutPtr entry = Layout(Escape(s.heading), kBody, kTextWidth - indent - 40, s.level == 1);
    LayoutPtr page = Layout(Escape(number), kBody, 0);
    double h = Height(entry.get());
    Ensure(h + 2);
    Show(entry.get(), kMargin + indent, y_);
    Show(page.get(), kPageWidth - kMargin - NaturalWidth(page.get()), y_);
    if (draw_) {
      // A dotted leader from the entry to its page number.
      cairo_save(cr_);
      double dash[] = {0.6, 2.4};
      cairo_set_dash(cr_, dash, 2, 0);
      cairo_set_source_rgb(cr_, 0.5, 0.5, 0.5);
      cairo_set_line_width(cr_, 0.6);
      double baseline =
          y_ + static_cast<double>(pango_layout_get_baseline(entry.get())) / PANGO_SCALE;
      cairo_move_to(cr_, kMargin + indent + NaturalWidth(entry.get()) + 4, baseline);
      cairo_line_to(cr_, kPageWidth - kMargin - NaturalWidth(page.get()) - 4, baseline);
      cairo_stroke(cr_);
      cairo_restore(cr_);
    }
    y_ += h + 2;
  }
}

void Painter::Heading(const Section& section) {
  recorded_pages_.push_back(page_open_ ? page_ : page_ + 1);
  if (section.heading.empty()) return;
  double size = section.level == 1 ? 14 : 11.5;
  LayoutPtr heading = Layout(Escape(section.heading), size, kTextWidth, true);
  double h = Height(heading.get());
  // Keep a heading with the start of what follows it.
  Ensure(h + 60);
  if (y_ > kTop + 0.5) y_ += section.level == 1 ? 14 : 8;
  recorded_pages_.back() = page_;
  Show(heading.get(), kMargin, y_);
  y_ += h + 2;
  if (section.level == 1 && draw_) {
    cairo_set_source_rgb(cr_, 0.2, 0.2, 0.2);
    cairo_set_line_width(cr_, 1.2);
    cairo_move_to(cr_, kMargin, y_);
    cairo_line_to(cr_, kPageWidth - kMargin, y_);
    cairo_stroke(cr_);
  }
  y_ += 5;
}

void Painter::Paragraph(const doc::Paragraph& p, double x, double width) {
  LayoutPtr layout = p.note ? Layout(absl::StrCat("<i>", Markup(p.runs), "</i>"), kBody - 1, width)
                            : Layout(Markup(p.runs), kBody, width);
  Flow(layout.get(), x, p.note ? kGrey : kInk);
  y_ += 5;
}

void Painter::FactsBlock(const Facts& facts) {
  constexpr double kKeyWidth = 130;
  for (const auto& [key, value] : facts.items) {
    if (value.empty()) continue;
    LayoutPtr k = Layout(Escape(key), kBody, kKeyWidth - 8, true);
    LayoutPtr v = Layout(Escape(value), kBody, kTextWidth - kKeyWidth);
    double h = std::max(Height(k.get()), Height(v.get()));
    Ensure(h);
    Show(k.get(), kMargin, y_);
    Show(v.get(), kMargin + kKeyWidth, y_);
    y_ += h + 2;
  }
  y_ += 6;
}

void Painter::ListBlock(const List& list) {
  int n = 0;
  for (const auto& item : list.items) {
    ++n;
    LayoutPtr marker = Layout(Escape(list.ordered ? absl::StrCat(n, ".") : "•"), kBody, 0);
    LayoutPtr text = Layout(Markup(item.runs), kBody, kTextWidth - 16);
    Ensure(std::min(Height(text.get()), 24.0));
    Show(marker.get(), kMargin + 2, y_);
    Flow(text.get(), kMargin + 16);
    y_ += 2;
  }
  y_ += 4;
}

std::vector<double> Painter::ColumnWidths(const Table& table) {
  size_t columns = table.header.size();
  for (const auto& row : table.rows) columns = std::max(columns, row.size());
  std::vector<double> natural(columns, 24);
  auto measure = [&](size_t c, absl::string_view text, bool bold) {
    LayoutPtr l = Layout(Escape(text), kCellText, 0, bold);
    natural[c] = std::max(natural[c], std::min(NaturalWidth(l.get()) + 2 * kCellPad + 1, 260.0));
  };
  for (size_t c = 0; c < table.header.size(); ++c) measure(c, table.header[c], true);
  for (const auto& row : table.rows)
    for (size_t c = 0; c < row.size(); ++c)
      measure(c, row[c].text, row[c].bold || row[c].kind == Cell::Kind::kRating);
  double sum = 0;
  for (double w : natural) sum += w;
  std::vector<double> widths = natural;
  if (sum <= kTextWidth) {
    for (double& w : widths) w *= kTextWidth / sum;
    return widths;
  }
  // Narrow columns (numbers, ratings, dates) keep their width; wide ones share the rest.
  constexpr double kNarrow = 72;
  double fixed = 0, flexible = 0;
  for (double w : natural) (w <= kNarrow ? fixed : flexible) += w;
  if (flexible == 0 || fixed >= kTextWidth * 0.8) {
    for (double& w : widths) w *= kTextWidth / sum;
    return widths;
  }
  for (double& w : widths)
    if (w > kNarrow) w *= (kTextWidth - fixed) / flexible;
  return widths;
}

void Painter::TableHeader(const Table& table, const std::vector<double>& widths) {
  std::vector<LayoutPtr> cells;
  double h = 0;
  for (size_t c = 0; c < widths.size(); ++c) {
    cells.push_back(Layout(Escape(c < table.header.size() ? table.header[c] : ""), kCellText,
                           widths[c] - 2 * kCellPad, true));
    h = std::max(h, Height(cells.back().get()));
  }
  h += 2 * kCellPad;
  double x = kMargin;
  for (size_t c = 0; c < widths.size(); ++c) {
    Rect(x, y_, widths[c], h, {0.9, 0.9, 0.9});
    Frame(x, y_, widths[c], h, 0.5);
    Show(cells[c].get(), x + kCellPad, y_ + kCellPad);
    x += widths[c];
  }
  y_ += h;
}

void Painter::TableBlock(const Table& table) {
  std::vector<double> widths = ColumnWidths(table);
  if (widths.empty()) return;
  // The header with at least one row, then a row at a time; a break repeats the header.
  bool header_on_page = false;
  for (size_t r = 0; r < table.rows.size() || (r == 0 && table.rows.empty()); ++r) {
    std::vector<LayoutPtr> cells;
    double h = 0;
    const std::vector<Cell>* row = r < table.rows.size() ? &table.rows[r] : nullptr;
    for (size_t c = 0; row != nullptr && c < widths.size(); ++c) {
      const Cell empty;
      const Cell& cell = c < row->size() ? (*row)[c] : empty;
      bool bold = cell.bold || cell.kind == Cell::Kind::kRating || cell.warn;
      LayoutPtr l = Layout(Escape(cell.text), kCellText, widths[c] - 2 * kCellPad, bold);
      pango_layout_set_height(l.get(), static_cast<int>(kMaxCellHeight * PANGO_SCALE));
      pango_layout_set_ellipsize(l.get(), PANGO_ELLIPSIZE_END);
      if (cell.kind == Cell::Kind::kNumber) pango_layout_set_alignment(l.get(), PANGO_ALIGN_RIGHT);
      h = std::max(h, Height(l.get()));
      cells.push_back(std::move(l));
    }
    h += 2 * kCellPad;
    int page_before = page_;
    Ensure(h + (header_on_page ? 0 : 22));
    if (!header_on_page || page_ != page_before) {
      TableHeader(table, widths);
      header_on_page = true;
    }
    if (row == nullptr) break;
    double x = kMargin;
    for (size_t c = 0; c < widths.size(); ++c) {
      const Cell empty;
      const Cell& cell = c < row->size() ? (*row)[c] : empty;
      Rgb ink = kInk;
      bool dashed = false;
      if (cell.kind == Cell::Kind::kRating) {
        Rect(x, y_, widths[c], h, RatingFill(cell.rating));
        ink = RatingInk(cell.rating);
        dashed = cell.rating == framework::v1::RATING_UNSPECIFIED;
      } else if (cell.warn) {
        ink = kWarn;
      }
      Frame(x, y_, widths[c], h, cell.warn ? 1.2 : 0.5, dashed);
      Show(cells[c].get(), x + kCellPad, y_ + kCellPad, ink);
      x += widths[c];
    }
    y_ += h;
  }
  y_ += 8;
}

void Painter::Paint() {
  BeginPage();
  TitleBlock();
  Contents();
  for (const Section& section : document_.sections) {
    Heading(section);
    for (const Block& block : section.blocks) {
      if (const auto* p = std::get_if<doc::Paragraph>(&block)) Paragraph(*p);
      if (const auto* f = std::get_if<Facts>(&block)) FactsBlock(*f);
      if (const auto* l = std::get_if<List>(&block)) ListBlock(*l);
      if (const auto* t = std::get_if<Table>(&block)) TableBlock(*t);
      if (const auto* c = std::get_if<Chart>(&block)) ChartBlock(*c);
      if (const auto* c = std::get_if<CountChart>(&block)) CountChartBlock(*c);
    }
  }
  // The attribution needs no closing paragraph: every page's footer carries it.
  EndPage();
}

}  // namespace pdf

namespace {

struct SinkState {
  const ByteSink* sink;
  bool failed = false;
};

cairo_status_t WriteToSink(void* closure, const unsigned char* data, unsigned int length) {
  auto* state = static_cast<SinkState*>(closure);
  if (state->sink == nullptr) return CAIRO_STATUS_SUCCESS;
  if (!(*state->sink)(reinterpret_cast<const char*>(data), length)) {
    state->failed = true;
    return CAIRO_STATUS_WRITE_ERROR;
  }
  return CAIRO_STATUS_SUCCESS;
}

// One pass of the painter over a PDF surface that writes to `sink` (nullptr discards).
absl::Status Pass(const Document& document, const ByteSink* sink, bool draw, bool contents,
                  int total_pages, std::vector<int> section_pages, int* pages,
                  std::vector<int>* recorded) {
  SinkState state{sink};
  cairo_surface_t* surface =
      cairo_pdf_surface_create_for_stream(WriteToSink, &state, pdf::kPageWidth, pdf::kPageHeight);
  if (draw) {
    cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, document.title.c_str());
    cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, "Six Steps Scrutiny Hub");
  }
  cairo_t* cr = cairo_create(surface);
  pdf::Painter painter(cr, draw, contents, document, total_pages, std::move(section_pages));
  painter.Paint();
  *pages = painter.pages();
  *recorded = painter.section_pages();
  cairo_destroy(cr);
  cairo_surface_finish(surface);
  cairo_status_t status = cairo_surface_status(surface);
  cairo_surface_destroy(surface);
  if (state.failed) return absl::InternalError("the PDF could not be delivered");
  if (status != CAIRO_STATUS_SUCCESS) {
    return absl::InternalError(
        absl::StrCat("PDF rendering failed: ", cairo_status_to_string(status)));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status WritePdf(const Document& document, const ByteSink& sink) {
  // Measure without contents; a long document is measured again with them, as the contents
  // move every later page.
  int pages = 0;
  std::vector<int> section_pages;
  SIXSTEPS_RETURN_IF_ERROR(Pass(document, nullptr, false, false, 0, {}, &pages, &section_pages));
  const bool contents = pages >= kContentsMinPages && document.sections.size() > 1;
  if (contents) {
    SIXSTEPS_RETURN_IF_ERROR(Pass(document, nullptr, false, true, 0, {}, &pages, &section_pages));
  }
  int drawn_pages = 0;
  std::vector<int> ignored;
  return Pass(document, &sink, true, contents, pages, std::move(section_pages), &drawn_pages,
              &ignored);
}

}  // namespace sixsteps::reporting::doc
