// A document chart as inline SVG for the HTML renderers: the same small multiples the PDF
// writer draws, each segment coloured, patterned (Red hatched, Amber lined, Green solid, Not
// rated outlined) and lettered with its count, so it reads in grey and without colour.
#include <algorithm>
#include <array>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "services/reporting/document.h"
#include "services/reporting/render.h"
#include "services/reporting/render_internal.h"
#include "services/reporting/render_svg.h"

namespace sixsteps::reporting::render_internal {
namespace {

constexpr int kPanelsPerRow = 3;
constexpr double kPanelWidth = 220, kGap = 18, kTitleHeight = 30, kPlotHeight = 110,
                 kLabelHeight = 26;

struct Segment {
  Rating rating;
  int index;  // into {red, amber, green, not rated}
  const char* fill;
  const char* pattern;  // an SVG paint over the fill, or ""
};
constexpr Segment kSegments[] = {
    {framework::v1::RATING_GREEN, 2, "#1b5e20", ""},
    {framework::v1::RATING_AMBER, 1, "#ffbf00", "url(#amber-lines)"},
    {framework::v1::RATING_RED, 0, "#b71c1c", "url(#red-hatch)"},
    {framework::v1::RATING_UNSPECIFIED, 3, "#ffffff", ""},
};

std::string Num(double v) { return SvgNumber(v); }

}  // namespace

std::string SvgNumber(double v) { return absl::StrFormat("%.1f", v); }

std::string SvgPanel(double x, double y, double title_height, double width, double height,
                     absl::string_view name) {
  return absl::StrCat("<g><text x=\"", Num(x), "\" y=\"", Num(y + 12), "\" font-weight=\"bold\">",
                      H(Utf8Truncate(name, 40)), "</text>\n<rect x=\"", Num(x), "\" y=\"",
                      Num(y + title_height), "\" width=\"", Num(width), "\" height=\"", Num(height),
                      "\" fill=\"none\" stroke=\"#999\" stroke-width=\"0.6\"/>\n");
}

std::string SvgCategory(double x, double y, absl::string_view category) {
  return absl::StrCat("<text x=\"", Num(x), "\" y=\"", Num(y),
                      "\" text-anchor=\"middle\" font-size=\"9\">", H(Utf8Truncate(category, 14)),
                      "</text>\n");
}

std::string SvgClose(absl::string_view title, absl::string_view reading) {
  return absl::StrCat("</svg>\n<figcaption>", H(title), ". ", reading,
                      "</figcaption>\n</figure>\n");
}

std::string ChartSvg(const doc::Chart& chart) {
  if (chart.series.empty() || chart.categories.empty()) return "";
  int most = 1;
  for (const auto& s : chart.series)
    for (const auto& c : s.counts) most = std::max(most, c[0] + c[1] + c[2] + c[3]);
  const size_t rows = (chart.series.size() + kPanelsPerRow - 1) / kPanelsPerRow;
  const size_t columns = std::min<size_t>(chart.series.size(), kPanelsPerRow);
  const double row_height = kTitleHeight + kPlotHeight + kLabelHeight + kGap;
  const double width = static_cast<double>(columns) * (kPanelWidth + kGap);
  const double height = static_cast<double>(rows) * row_height;
  const double slot = kPanelWidth / static_cast<double>(chart.categories.size());
  const double bar = std::min(slot * 0.6, 44.0);

  std::string out = absl::StrCat(
      "<figure class=\"chart\">\n<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" "
      "width=\"",
      Num(width), "\" height=\"", Num(height), "\" viewBox=\"0 0 ", Num(width), " ", Num(height),
      "\" font-family=\"DejaVu Sans, Arial, sans-serif\" font-size=\"10\">\n<title>",
      H(chart.title), "</title>\n",
      "<defs><pattern id=\"red-hatch\" width=\"5\" height=\"5\" patternUnits=\"userSpaceOnUse\" "
      "patternTransform=\"rotate(45)\"><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"5\" stroke=\"#fff\" "
      "stroke-width=\"1.2\"/></pattern><pattern id=\"amber-lines\" width=\"5\" height=\"4\" "
      "patternUnits=\"userSpaceOnUse\"><line x1=\"0\" y1=\"2\" x2=\"5\" y2=\"2\" "
      "stroke=\"#5a4000\" stroke-width=\"0.8\"/></pattern></defs>\n");
  for (size_t i = 0; i < chart.series.size(); ++i) {
    const doc::RatingSeries& series = chart.series[i];
    double x0 = static_cast<double>(i % kPanelsPerRow) * (kPanelWidth + kGap);
    double y0 = static_cast<double>(i / kPanelsPerRow) * row_height;
    double base = y0 + kTitleHeight + kPlotHeight;
    out += SvgPanel(x0, y0, kTitleHeight, kPanelWidth, kPlotHeight, series.name);
    for (size_t c = 0; c < chart.categories.size(); ++c) {
      double x = x0 + slot * static_cast<double>(c) + (slot - bar) / 2;
      double y = base;
      std::array<int, 4> counts =
          c < series.counts.size() ? series.counts[c] : std::array<int, 4>{0, 0, 0, 0};
      for (const Segment& seg : kSegments) {
        int n = counts[seg.index];
        if (n == 0) continue;
        double h = kPlotHeight * n / most;
        y -= h;
        std::string box = absl::StrCat("x=\"", Num(x), "\" y=\"", Num(y), "\" width=\"", Num(bar),
                                       "\" height=\"", Num(h), "\"");
        absl::StrAppend(
            &out, "<rect ", box, " fill=\"", seg.fill, "\" stroke=\"#333\" stroke-width=\"0.6\"",
            seg.rating == framework::v1::RATING_UNSPECIFIED ? " stroke-dasharray=\"3 2\"" : "",
            "><title>", H(RatingName(seg.rating)), ": ", n, "</title></rect>\n");
        if (seg.pattern[0] != '\0')
          absl::StrAppend(&out, "<rect ", box, " fill=\"", seg.pattern, "\"/>\n");
        if (h >= 12) {
          std::string label = absl::StrCat(RatingLetter(seg.rating), n);
          double w = 7.0 * static_cast<double>(label.size());
          absl::StrAppend(&out, "<rect x=\"", Num(x + (bar - w) / 2), "\" y=\"", Num(y + h / 2 - 6),
                          "\" width=\"", Num(w), "\" height=\"12\" fill=\"#fff\"/><text x=\"",
                          Num(x + bar / 2), "\" y=\"", Num(y + h / 2 + 4),
                          "\" text-anchor=\"middle\" font-weight=\"bold\">", H(label), "</text>\n");
        }
      }
      out += SvgCategory(x + bar / 2, base + 14, chart.categories[c]);
    }
    out += "</g>\n";
  }
  out += SvgClose(chart.title,
                  "Each bar is a round; R, A, G and - give the number of questions rated Red, "
                  "Amber, Green and not rated.");
  return out;
}

}  // namespace sixsteps::reporting::render_internal
