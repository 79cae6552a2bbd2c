// The DOCX writer: any document as WordprocessingML, zipped in memory with libzip. Headings
// are real Heading styles (so Word's navigation and contents field see them), tables repeat
// their header row, rating cells are shaded and carry letter and name, the footer holds the
// attribution and "Page N of M". Every text goes through XmlText; no macros, no external
// relationships.
#include <zip.h>

#include <algorithm>
#include <deque>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/reporting/document.h"
#include "services/reporting/write_docx_parts.h"
#include "services/reporting/write_sink.h"

namespace sixsteps::reporting::doc {
namespace docx {
namespace {

// Text width of an A4 page with 2 cm margins, in twentieths of a point.
constexpr int kTextTwips = 11906 - 2 * 1134;

std::string RunXml(const Run& run, absl::string_view extra_props = "") {
  std::string props(extra_props);
  if (run.bold) props += "<w:b/>";
  if (run.italic) props += "<w:i/>";
  if (run.code) props += "<w:rFonts w:ascii=\"DejaVu Sans Mono\" w:hAnsi=\"DejaVu Sans Mono\"/>";
  std::string out;
  bool first = true;
  // A line break in the text is a <w:br/>; XML would fold it into a space.
  for (absl::string_view line : absl::StrSplit(run.text, '\n')) {
    absl::StrAppend(&out, "<w:r>", props.empty() ? "" : absl::StrCat("<w:rPr>", props, "</w:rPr>"),
                    first ? "" : "<w:br/>", "<w:t xml:space=\"preserve\">", XmlText(line),
                    "</w:t></w:r>");
    first = false;
  }
  return out;
}

std::string ParagraphXml(const std::vector<Run>& runs, absl::string_view style = "",
                         absl::string_view para_props = "", absl::string_view run_props = "") {
  std::string out = "<w:p>";
  if (!style.empty() || !para_props.empty()) {
    absl::StrAppend(&out, "<w:pPr>",
                    style.empty() ? "" : absl::StrCat("<w:pStyle w:val=\"", style, "\"/>"),
                    para_props, "</w:pPr>");
  }
  for (const Run& run : runs) out += RunXml(run, run_props);
  out += "</w:p>";
  return out;
}

std::string Plain(absl::string_view text, absl::string_view style = "") {
  return ParagraphXml({Run{std::string(text)}}, style);
}

// Column widths in twips: each column's longest text (capped) shares the page width.
std::vector<int> ColumnTwips(const Table& table) {
  size_t columns = table.header.size();
  for (const auto& row : table.rows) columns = std::max(columns, row.size());
  std::vector<double> natural(columns, 4);
  auto measure = [&](size_t c, absl::string_view text) {
    natural[c] = std::max(natural[c], std::min(static_cast<double>(text.size()), 40.0) + 2);
  };
  for (size_t c = 0; c < table.header.size(); ++c) measure(c, table.header[c]);
  for (const auto& row : table.rows)
    for (size_t c = 0; c < row.size(); ++c) measure(c, row[c].text);
  double sum = 0;
  for (double n : natural) sum += n;
  std::vector<int> out;
  for (double n : natural) out.push_back(static_cast<int>(kTextTwips * n / sum));
  return out;
}

std::string CellXml(const Cell& cell, int twips) {
  std::string props = absl::StrCat("<w:tcW w:w=\"", twips, "\" w:type=\"dxa\"/>");
  std::string run_props;
  std::string para_props;
  if (cell.kind == Cell::Kind::kRating) {
    absl::StrAppend(&props, "<w:shd w:val=\"clear\" w:color=\"auto\" w:fill=\"",
                    RatingFillHex(cell.rating), "\"/>");
    if (cell.rating == framework::v1::RATING_UNSPECIFIED) {
      props += "<w:tcBorders>";
      for (const char* side : {"top", "left", "bottom", "right"})
        absl::StrAppend(&props, "<w:", side, " w:val=\"dashed\" w:sz=\"4\" w:color=\"555555\"/>");
      props += "</w:tcBorders>";
    }
    absl::StrAppend(&run_props, "<w:b/><w:color w:val=\"", RatingInkHex(cell.rating), "\"/>");
  } else if (cell.warn) {
    run_props = "<w:b/><w:color w:val=\"8B0000\"/>";
  } else if (cell.bold) {
    run_props = "<w:b/>";
  }
  if (cell.kind == Cell::Kind::kNumber) para_props = "<w:jc w:val=\"right\"/>";
  return absl::StrCat("<w:tc><w:tcPr>", props, "</w:tcPr>",
                      ParagraphXml({Run{cell.text}}, "TableText", para_props, run_props),
                      "</w:tc>");
}

std::string TableXml(const Table& table) {
  std::vector<int> widths = ColumnTwips(table);
  if (widths.empty()) return "";
  std::string out =
      "<w:tbl><w:tblPr><w:tblStyle w:val=\"TableGrid\"/><w:tblW w:w=\"5000\" w:type=\"pct\"/>"
      "<w:tblLayout w:type=\"fixed\"/></w:tblPr><w:tblGrid>";
  for (int w : widths) absl::StrAppend(&out, "<w:gridCol w:w=\"", w, "\"/>");
  out += "</w:tblGrid><w:tr><w:trPr><w:tblHeader/><w:cantSplit/></w:trPr>";
  for (size_t c = 0; c < widths.size(); ++c) {
    absl::StrAppend(&out, "<w:tc><w:tcPr><w:tcW w:w=\"", widths[c],
                    "\" w:type=\"dxa\"/><w:shd w:val=\"clear\" w:color=\"auto\" "
                    "w:fill=\"E6E6E6\"/></w:tcPr>",
                    ParagraphXml({Run{c < table.header.size() ? table.header[c] : ""}}, "TableText",
                                 "", "<w:b/>"),
                    "</w:tc>");
  }
  out += "</w:tr>";
  for (const auto& row : table.rows) {
    out += "<w:tr><w:trPr><w:cantSplit/></w:trPr>";
    for (size_t c = 0; c < widths.size(); ++c)
      out += CellXml(c < row.size() ? row[c] : Cell(), widths[c]);
    out += "</w:tr>";
  }
  out += "</w:tbl>";
  // Word needs a paragraph between two tables, and it spaces the next block.
  out += Plain("", "TableGap");
  return out;
}

// A chart in a word processor: its data as a table, each cell lettered ("R1 A2 G3 -0").
std::string ChartXml(const Chart& chart) {
  Table table;
  table.header.push_back("Step");
  for (const auto& c : chart.categories) table.header.push_back(c);
  for (const auto& s : chart.series) {
    std::vector<Cell> row = {Text(s.name)};
    for (const auto& c : s.counts)
      row.push_back(Text(absl::StrCat("R", c[0], " A", c[1], " G", c[2], " -", c[3])));
    table.rows.push_back(std::move(row));
  }
  std::string out = chart.title.empty() ? "" : Plain(chart.title, "Caption");
  return out + TableXml(table);
}

// Counts over time as a table (a word processor draws no chart here), one row per series.
std::string CountChartXml(const CountChart& chart) {
  Table table = ChartTable(chart);
  std::string out = chart.title.empty() ? "" : Plain(chart.title, "Caption");
  table.header[0].clear();
  return out + TableXml(table);
}

std::string ListXml(const List& list) {
  std::string out;
  int n = 0;
  for (const auto& item : list.items) {
    std::vector<Run> runs = {Run{list.ordered ? absl::StrCat(++n, ".\t") : "•\t"}};
    runs.insert(runs.end(), item.runs.begin(), item.runs.end());
    out += ParagraphXml(runs, "ListParagraph");
  }
  return out;
}

std::string ContentsXml(const Document& d) {
  if (d.sections.size() <= kDocxContentsSections) return "";
  // A contents field Word refreshes when it opens the file (settings: updateFields),
  // filled in with the headings so that every reader shows them at once.
  std::string out = Plain("Contents", "TOCHeading");
  out +=
      "<w:p><w:pPr><w:pStyle w:val=\"TOC1\"/></w:pPr><w:r><w:fldChar w:fldCharType=\"begin\" "
      "w:dirty=\"true\"/></w:r><w:r><w:instrText xml:space=\"preserve\"> TOC \\o \"1-2\" \\h "
      "\\z \\u </w:instrText></w:r><w:r><w:fldChar w:fldCharType=\"separate\"/></w:r></w:p>";
  for (const Section& s : d.sections) {
    if (s.heading.empty()) continue;
    out += Plain(s.heading, s.level == 1 ? "TOC1" : "TOC2");
  }
  out += "<w:p><w:r><w:fldChar w:fldCharType=\"end\"/></w:r></w:p>";
  return out;
}

std::string FactsXml(const Facts& facts) {
  std::string out;
  for (const auto& [key, value] : facts.items) {
    if (value.empty()) continue;
    out += ParagraphXml({Run{absl::StrCat(key, ": "), true}, Run{value}}, "Fact");
  }
  return out;
}

std::string DocumentXml(const Document& d) {
  std::string body = Plain(d.title, "Title");
  if (!d.subtitle.empty()) body += Plain(d.subtitle, "Subtitle");
  body += FactsXml(d.facts);
  for (const auto& p : d.intro) body += ParagraphXml(p.runs, p.note ? "Note" : "");
  body += ContentsXml(d);
  for (const Section& s : d.sections) {
    if (!s.heading.empty()) body += Plain(s.heading, s.level == 1 ? "Heading1" : "Heading2");
    for (const Block& block : s.blocks) {
      if (const auto* p = std::get_if<Paragraph>(&block))
        body += ParagraphXml(p->runs, p->note ? "Note" : "");
      if (const auto* f = std::get_if<Facts>(&block)) body += FactsXml(*f);
      if (const auto* l = std::get_if<List>(&block)) body += ListXml(*l);
      if (const auto* t = std::get_if<Table>(&block)) body += TableXml(*t);
      if (const auto* c = std::get_if<Chart>(&block)) body += ChartXml(*c);
      if (const auto* c = std::get_if<CountChart>(&block)) body += CountChartXml(*c);
    }
  }
  if (!d.attribution.empty() && !d.attribution_in_body) body += Plain(d.attribution, "Note");
  return absl::StrCat(
      kXmlDeclaration,
      "<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\" "
      "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"><w:body>",
      body,
      "<w:sectPr><w:footerReference w:type=\"default\" r:id=\"rIdFooter\"/>"
      "<w:pgSz w:w=\"11906\" w:h=\"16838\"/><w:pgMar w:top=\"1134\" w:right=\"1134\" "
      "w:bottom=\"1134\" w:left=\"1134\" w:header=\"567\" w:footer=\"567\" w:gutter=\"0\"/>"
      "</w:sectPr></w:body></w:document>");
}

std::string FooterXml(const Document& d) {
  std::string out = absl::StrCat(
      kXmlDeclaration,
      "<w:ftr xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\">");
  if (!d.attribution.empty()) out += Plain(d.attribution, "Footer");
  out +=
      "<w:p><w:pPr><w:pStyle w:val=\"Footer\"/><w:jc w:val=\"right\"/></w:pPr>"
      "<w:r><w:t xml:space=\"preserve\">Page </w:t></w:r>"
      "<w:fldSimple w:instr=\" PAGE \"><w:r><w:t>1</w:t></w:r></w:fldSimple>"
      "<w:r><w:t xml:space=\"preserve\"> of </w:t></w:r>"
      "<w:fldSimple w:instr=\" NUMPAGES \"><w:r><w:t>1</w:t></w:r></w:fldSimple></w:p></w:ftr>";
  return out;
}

// The archive being built: every part's bytes stay alive until zip_close.
class Archive {
 public:
  Archive() {
    zip_error_t error;
    zip_error_init(&error);
    source_ = zip_source_buffer_create(nullptr, 0, 0, &error);
    if (source_ != nullptr) {
      zip_source_keep(source_);
      zip_ = zip_open_from_source(source_, ZIP_TRUNCATE, &error);
    }
    zip_error_fini(&error);
  }
  ~Archive() {
    if (zip_ != nullptr) zip_discard(zip_);
    if (source_ != nullptr) zip_source_free(source_);
  }

  bool ok() const { return zip_ != nullptr && ok_; }

  void Add(const char* name, std::string content) {
    if (!ok()) return;
    parts_.push_back(std::move(content));
    const std::string& bytes = parts_.back();
    zip_source_t* part = zip_source_buffer(zip_, bytes.data(), bytes.size(), 0);
    if (part == nullptr || zip_file_add(zip_, name, part, ZIP_FL_ENC_UTF_8) < 0) {
      if (part != nullptr) zip_source_free(part);
      ok_ = false;
    }
  }

  absl::StatusOr<std::string> Finish() {
    if (!ok()) return absl::InternalError("DOCX export failed: cannot add a part");
    if (zip_close(zip_) < 0) return absl::InternalError("DOCX export failed: cannot close");
    zip_ = nullptr;
    zip_stat_t stat;
    if (zip_source_stat(source_, &stat) < 0 || zip_source_open(source_) < 0) {
      return absl::InternalError("DOCX export failed: cannot read the archive");
    }
    std::string out(stat.size, '\0');
    zip_int64_t read = zip_source_read(source_, out.data(), stat.size);
    zip_source_close(source_);
    if (read < 0 || static_cast<zip_uint64_t>(read) != stat.size) {
      return absl::InternalError("DOCX export failed: short read");
    }
    return out;
  }

 private:
  zip_source_t* source_ = nullptr;
  zip_t* zip_ = nullptr;
  bool ok_ = true;
  // Stable addresses: a vector of strings would move short strings' bytes as it grows.
  std::deque<std::string> parts_;
};

}  // namespace
}  // namespace docx

absl::StatusOr<std::string> WriteDocx(const Document& document) {
  docx::Archive archive;
  archive.Add("[Content_Types].xml", docx::ContentTypesXml());
  archive.Add("_rels/.rels", docx::PackageRelsXml());
  archive.Add("docProps/core.xml", docx::CorePropertiesXml(document.title));
  archive.Add("word/document.xml", docx::DocumentXml(document));
  archive.Add("word/_rels/document.xml.rels", docx::DocumentRelsXml());
  archive.Add("word/styles.xml", docx::StylesXml());
  archive.Add("word/settings.xml", docx::SettingsXml());
  archive.Add("word/footer1.xml", docx::FooterXml(document));
  return archive.Finish();
}

absl::Status WriteDocx(const Document& document, const ByteSink& sink) {
  absl::StatusOr<std::string> bytes = WriteDocx(document);
  if (!bytes.ok()) return bytes.status();
  return SinkAll(*bytes, sink);
}

}  // namespace sixsteps::reporting::doc
