// Text read back from a rendered document (pdftotext, a DOCX's XML) with its whitespace
// collapsed, so that a phrase the layout wrapped over lines still reads as one text.
#pragma once

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"

namespace sixsteps::testing {

// Every run of whitespace as one space, none at either end.
inline std::string Collapse(const std::string& text) {
  std::string out;
  for (absl::string_view word :
       absl::StrSplit(text, absl::ByAnyChar(" \n\t\f\r"), absl::SkipEmpty())) {
    if (!out.empty()) out.push_back(' ');
    absl::StrAppend(&out, word);
  }
  return out;
}

}  // namespace sixsteps::testing
