// The pieces both inline SVG charts (render_chart_svg.cc, render_count_chart_svg.cc) draw
// alike. Private to those two files.
#pragma once

#include <string>

#include "absl/strings/string_view.h"

namespace sixsteps::reporting::render_internal {

// The pieces both SVG charts draw alike: a coordinate, a panel's bold name over its frame
// (the frame `title_height` below `y`), a category's label centred on `x`, and the end of
// the figure with its caption (the title, then how to read the chart).
std::string SvgNumber(double v);
std::string SvgPanel(double x, double y, double title_height, double width, double height,
                     absl::string_view name);
std::string SvgCategory(double x, double y, absl::string_view category);
std::string SvgClose(absl::string_view title, absl::string_view reading);

}  // namespace sixsteps::reporting::render_internal
