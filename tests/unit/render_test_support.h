// What the render tests share (render_test.cc: CSV, every report in every format, the HTTP
// mapping; render_markup_test.cc: HTML, Markdown, text, JSON; render_xlsx_test.cc: XLSX).
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/status/statusor.h"
#include "services/reporting/render.h"
#include "tests/support/status_matchers.h"

namespace sixsteps::reporting {

// The report rendered in `format`; an empty Rendered after a failed EXPECT.
inline Rendered MustRender(const auto& report, v1::Format format) {
  absl::StatusOr<Rendered> r = Render(report, format);
  EXPECT_THAT(r, ::sixsteps::testing::IsOk());
  return r.ok() ? *r : Rendered{};
}

}  // namespace sixsteps::reporting
