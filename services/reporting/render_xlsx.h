// The XLSX workbook the XLSX writer (write_xlsx.cc) fills: libxlsxwriter behind a small class that
// writes string cells only, colours rating cells and returns the file's bytes.
#pragma once

#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <xlsxwriter.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "services/reporting/document.h"
#include "services/reporting/render.h"
#include "services/reporting/render_internal.h"

namespace sixsteps::reporting::render_internal {

constexpr size_t kXlsxMaxString = 32767;

// One workbook written to a private temporary file and read back.
class Xlsx {
 public:
  static absl::StatusOr<std::unique_ptr<Xlsx>> Create(absl::string_view title) {
    std::error_code ec;
    std::filesystem::path dir = std::filesystem::temp_directory_path(ec);
    if (ec) dir = "/tmp";
    std::string path = (dir / "sixsteps-report-XXXXXX.xlsx").string();
    int fd = mkstemps(path.data(), 5);
    if (fd < 0) return absl::InternalError("cannot create a temporary file for the XLSX export");
    close(fd);
    auto x = std::unique_ptr<Xlsx>(new Xlsx(path, dir.string()));
    if (x->wb_ == nullptr) return absl::InternalError("cannot start the XLSX workbook");
    x->title_ = std::string(title);
    x->props_.title = x->title_.data();
    x->props_.comments = const_cast<char*>("Exported by the Six Steps Scrutiny Hub");
    workbook_set_properties(x->wb_, &x->props_);
    x->InitFormats();
    return x;
  }
  ~Xlsx() {
    if (wb_ != nullptr) workbook_close(wb_);
    std::remove(path_.c_str());
  }

  lxw_worksheet* Sheet(const char* name) { return workbook_add_worksheet(wb_, name); }

  void Str(lxw_worksheet* ws, int row, int col, absl::string_view text, lxw_format* f = nullptr) {
    std::string s = Utf8Truncate(text, kXlsxMaxString - 1);
    Check(worksheet_write_string(ws, row, col, s.c_str(), f));
  }
  void Number(lxw_worksheet* ws, int row, int col, double value, lxw_format* f = nullptr) {
    Check(worksheet_write_number(ws, row, col, value, f));
  }
  void RatingCell(lxw_worksheet* ws, int row, int col, Rating rating) {
    Str(ws, row, col, absl::StrCat(RatingLetter(rating), " ", RatingName(rating)),
        RatingFormat(rating));
  }
  // A header row in bold with a frozen pane below it and an autofilter over `last_row`.
  void Header(lxw_worksheet* ws, int row, const Row& names) {
    for (size_t i = 0; i < names.size(); ++i) Str(ws, row, static_cast<int>(i), names[i], header_);
  }
  void Table(lxw_worksheet* ws, int header_row, int columns, int last_row) {
    worksheet_freeze_panes(ws, header_row + 1, 0);
    if (columns > 0 && last_row > header_row)
      Check(worksheet_autofilter(ws, header_row, 0, last_row, columns - 1));
  }
  void Width(lxw_worksheet* ws, int first, int last, double width, lxw_format* f = nullptr) {
    Check(worksheet_set_column(ws, first, last, width, f));
  }
  lxw_format* RatingFormat(Rating rating) {
    switch (rating) {
      case framework::v1::RATING_RED:
        return red_;
      case framework::v1::RATING_AMBER:
        return amber_;
      case framework::v1::RATING_GREEN:
        return green_;
      default:
        return unrated_;
    }
  }

  lxw_format* header() { return header_; }
  lxw_format* wrap() { return wrap_; }
  lxw_format* bold() { return bold_; }

  // Closes the workbook and hands the file's bytes to `sink` in pieces of kSinkChunk.
  absl::Status FinishTo(const doc::ByteSink& sink) {
    lxw_error err = workbook_close(wb_);
    wb_ = nullptr;
    if (!error_.ok()) return error_;
    if (err != LXW_NO_ERROR) {
      return absl::InternalError(absl::StrCat("XLSX export failed: ", lxw_strerror(err)));
    }
    std::ifstream in(path_, std::ios::binary);
    if (!in) return absl::InternalError("cannot read back the XLSX export");
    std::string chunk(doc::kSinkChunk, '\0');
    while (in.read(chunk.data(), static_cast<std::streamsize>(chunk.size())) || in.gcount() > 0) {
      if (!sink(chunk.data(), static_cast<size_t>(in.gcount())))
        return absl::InternalError("the document's reader stopped taking bytes");
    }
    return absl::OkStatus();
  }

  // Closes the workbook and returns the file's bytes.
  absl::StatusOr<std::string> Finish() {
    std::string bytes;
    absl::Status written = FinishTo([&bytes](const char* data, size_t size) {
      bytes.append(data, size);
      return true;
    });
    if (!written.ok()) return written;
    return bytes;
  }

 private:
  Xlsx(std::string path, std::string tmpdir) : path_(std::move(path)), tmpdir_(std::move(tmpdir)) {
    lxw_workbook_options options = {};
    options.constant_memory = LXW_FALSE;
    options.tmpdir = tmpdir_.data();
    options.use_zip64 = LXW_FALSE;
    wb_ = workbook_new_opt(path_.c_str(), &options);
  }

  void Check(lxw_error err) {
    if (err != LXW_NO_ERROR && error_.ok()) {
      error_ = absl::InternalError(absl::StrCat("XLSX export failed: ", lxw_strerror(err)));
    }
  }

  lxw_format* Fill(lxw_color_t bg, lxw_color_t fg) {
    lxw_format* f = workbook_add_format(wb_);
    format_set_bold(f);
    format_set_pattern(f, LXW_PATTERN_SOLID);
    format_set_bg_color(f, bg);
    format_set_font_color(f, fg);
    format_set_align(f, LXW_ALIGN_CENTER);
    format_set_align(f, LXW_ALIGN_VERTICAL_TOP);
    format_set_border(f, LXW_BORDER_THIN);
    return f;
  }
  void InitFormats() {
    header_ = workbook_add_format(wb_);
    format_set_bold(header_);
    format_set_pattern(header_, LXW_PATTERN_SOLID);
    format_set_bg_color(header_, 0xE6E6E6);
    format_set_border(header_, LXW_BORDER_THIN);
    format_set_text_wrap(header_);
    format_set_align(header_, LXW_ALIGN_VERTICAL_TOP);
    wrap_ = workbook_add_format(wb_);
    format_set_text_wrap(wrap_);
    format_set_align(wrap_, LXW_ALIGN_VERTICAL_TOP);
    bold_ = workbook_add_format(wb_);
    format_set_bold(bold_);
    red_ = Fill(0xB71C1C, 0xFFFFFF);
    amber_ = Fill(0xFFBF00, 0x000000);
    green_ = Fill(0x1B5E20, 0xFFFFFF);
    unrated_ = workbook_add_format(wb_);
    format_set_align(unrated_, LXW_ALIGN_CENTER);
    format_set_align(unrated_, LXW_ALIGN_VERTICAL_TOP);
    format_set_border(unrated_, LXW_BORDER_DASHED);
  }

  std::string path_;
  std::string tmpdir_;
  std::string title_;
  lxw_doc_properties props_ = {};
  lxw_workbook* wb_ = nullptr;
  absl::Status error_;
  lxw_format* header_ = nullptr;
  lxw_format* wrap_ = nullptr;
  lxw_format* bold_ = nullptr;
  lxw_format* red_ = nullptr;
  lxw_format* amber_ = nullptr;
  lxw_format* green_ = nullptr;
  lxw_format* unrated_ = nullptr;
};

}  // namespace sixsteps::reporting::render_internal
