// The fixed parts of the DOCX package: what every document the DOCX writer makes shares.
#include "services/reporting/write_docx_parts.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "services/reporting/render_escape.h"

namespace sixsteps::reporting::doc::docx {

std::string XmlText(absl::string_view text) {
  std::string kept;
  kept.reserve(text.size());
  for (char c : text) {
    if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r') continue;
    kept.push_back(c);
  }
  // HTML's five escapes are XML's too (&#39; for the apostrophe).
  return HtmlEscape(kept);
}

const char* RatingFillHex(framework::v1::Rating rating) {
  switch (rating) {
    case framework::v1::RATING_RED:
      return "B71C1C";
    case framework::v1::RATING_AMBER:
      return "FFBF00";
    case framework::v1::RATING_GREEN:
      return "1B5E20";
    default:
      return "FFFFFF";
  }
}

const char* RatingInkHex(framework::v1::Rating rating) {
  return rating == framework::v1::RATING_RED || rating == framework::v1::RATING_GREEN ? "FFFFFF"
                                                                                      : "000000";
}

std::string ContentTypesXml() {
  return absl::StrCat(
      kXmlDeclaration,
      "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
      "<Default Extension=\"rels\" "
      "ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
      "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
      "<Override PartName=\"/word/document.xml\" "
      "ContentType=\"application/"
      "vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/>"
      "<Override PartName=\"/word/styles.xml\" "
      "ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml\"/>"
      "<Override PartName=\"/word/settings.xml\" "
      "ContentType=\"application/"
      "vnd.openxmlformats-officedocument.wordprocessingml.settings+xml\"/>"
      "<Override PartName=\"/word/footer1.xml\" "
      "ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml\"/>"
      "<Override PartName=\"/docProps/core.xml\" "
      "ContentType=\"application/vnd.openxmlformats-package.core-properties+xml\"/>"
      "</Types>");
}

std::string PackageRelsXml() {
  return absl::StrCat(
      kXmlDeclaration,
      "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
      "<Relationship Id=\"rId1\" "
      "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
      "officeDocument\" Target=\"word/document.xml\"/>"
      "<Relationship Id=\"rId2\" "
      "Type=\"http://schemas.openxmlformats.org/package/2006/relationships/metadata/"
      "core-properties\" Target=\"docProps/core.xml\"/>"
      "</Relationships>");
}

std::string DocumentRelsXml() {
  return absl::StrCat(
      kXmlDeclaration,
      "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
      "<Relationship Id=\"rIdStyles\" "
      "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles\" "
      "Target=\"styles.xml\"/>"
      "<Relationship Id=\"rIdSettings\" "
      "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/settings\" "
      "Target=\"settings.xml\"/>"
      "<Relationship Id=\"rIdFooter\" "
      "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer\" "
      "Target=\"footer1.xml\"/>"
      "</Relationships>");
}

std::string CorePropertiesXml(absl::string_view title) {
  return absl::StrCat(
      kXmlDeclaration,
      "<cp:coreProperties "
      "xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/metadata/core-properties\" "
      "xmlns:dc=\"http://purl.org/dc/elements/1.1/\">"
      "<dc:title>",
      XmlText(title), "</dc:title><dc:creator>Six Steps Scrutiny Hub</dc:creator>",
      "</cp:coreProperties>");
}

namespace {

// A paragraph style: id, name, based on, paragraph and run properties.
std::string Style(absl::string_view id, absl::string_view name, absl::string_view ppr,
                  absl::string_view rpr, absl::string_view extra = "") {
  return absl::StrCat("<w:style w:type=\"paragraph\" w:styleId=\"", id, "\"><w:name w:val=\"", name,
                      "\"/><w:basedOn w:val=\"Normal\"/><w:next w:val=\"Normal\"/>", extra,
                      "<w:qFormat/><w:pPr>", ppr, "</w:pPr><w:rPr>", rpr, "</w:rPr></w:style>");
}

}  // namespace

std::string StylesXml() {
  return absl::StrCat(
      kXmlDeclaration,
      "<w:styles xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\">"
      "<w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii=\"Arial\" w:hAnsi=\"Arial\" "
      "w:cs=\"Arial\"/><w:sz w:val=\"20\"/><w:lang w:val=\"en-GB\"/></w:rPr></w:rPrDefault>"
      "<w:pPrDefault><w:pPr><w:spacing w:after=\"100\" w:line=\"264\" w:lineRule=\"auto\"/>"
      "</w:pPr></w:pPrDefault></w:docDefaults>"
      "<w:style w:type=\"paragraph\" w:default=\"1\" w:styleId=\"Normal\"><w:name "
      "w:val=\"Normal\"/><w:qFormat/></w:style>",
      Style("Title", "Title", "<w:spacing w:after=\"120\"/>",
            "<w:b/><w:sz w:val=\"40\"/><w:color w:val=\"1A1A1A\"/>"),
      Style("Subtitle", "Subtitle", "<w:spacing w:after=\"160\"/>",
            "<w:sz w:val=\"26\"/><w:color w:val=\"333333\"/>"),
      Style("Heading1", "heading 1",
            "<w:keepNext/><w:spacing w:before=\"320\" w:after=\"120\"/><w:pBdr><w:bottom "
            "w:val=\"single\" w:sz=\"12\" w:space=\"1\" w:color=\"333333\"/></w:pBdr>"
            "<w:outlineLvl w:val=\"0\"/>",
            "<w:b/><w:sz w:val=\"28\"/>"),
      Style("Heading2", "heading 2",
            "<w:keepNext/><w:spacing w:before=\"200\" w:after=\"80\"/><w:outlineLvl w:val=\"1\"/>",
            "<w:b/><w:sz w:val=\"23\"/>"),
      Style("TOCHeading", "TOC Heading", "<w:keepNext/><w:spacing w:before=\"240\"/>",
            "<w:b/><w:sz w:val=\"26\"/>"),
      Style("TOC1", "toc 1", "<w:spacing w:after=\"40\"/>", "<w:b/>"),
      Style("TOC2", "toc 2", "<w:spacing w:after=\"40\"/><w:ind w:left=\"320\"/>", ""),
      Style("Fact", "Fact", "<w:spacing w:after=\"20\"/>", ""),
      Style("Note", "Note", "", "<w:i/><w:sz w:val=\"18\"/><w:color w:val=\"333333\"/>"),
      Style("Caption", "caption", "<w:keepNext/>", "<w:b/><w:sz w:val=\"18\"/>"),
      Style("ListParagraph", "List Paragraph",
            "<w:tabs><w:tab w:val=\"left\" w:pos=\"360\"/></w:tabs><w:spacing w:after=\"40\"/>"
            "<w:ind w:left=\"360\" w:hanging=\"360\"/>",
            ""),
      Style("TableText", "Table Text", "<w:spacing w:before=\"20\" w:after=\"20\"/>",
            "<w:sz w:val=\"16\"/>"),
      Style("TableGap", "Table Gap", "<w:spacing w:after=\"120\"/>", "<w:sz w:val=\"8\"/>"),
      Style("Footer", "footer", "<w:spacing w:after=\"0\"/>",
            "<w:sz w:val=\"15\"/><w:color w:val=\"555555\"/>"),
      "<w:style w:type=\"table\" w:styleId=\"TableGrid\"><w:name w:val=\"Table Grid\"/>"
      "<w:tblPr><w:tblBorders>"
      "<w:top w:val=\"single\" w:sz=\"4\" w:color=\"555555\"/>"
      "<w:left w:val=\"single\" w:sz=\"4\" w:color=\"555555\"/>"
      "<w:bottom w:val=\"single\" w:sz=\"4\" w:color=\"555555\"/>"
      "<w:right w:val=\"single\" w:sz=\"4\" w:color=\"555555\"/>"
      "<w:insideH w:val=\"single\" w:sz=\"4\" w:color=\"555555\"/>"
      "<w:insideV w:val=\"single\" w:sz=\"4\" w:color=\"555555\"/>"
      "</w:tblBorders><w:tblCellMar><w:left w:w=\"80\" w:type=\"dxa\"/>"
      "<w:right w:w=\"80\" w:type=\"dxa\"/></w:tblCellMar></w:tblPr></w:style>"
      "</w:styles>");
}

std::string SettingsXml() {
  // updateFields: Word refreshes the contents field and the page count on opening.
  return absl::StrCat(
      kXmlDeclaration,
      "<w:settings xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\">"
      "<w:updateFields w:val=\"true\"/><w:defaultTabStop w:val=\"720\"/>"
      "<w:compat><w:compatSetting w:name=\"compatibilityMode\" "
      "w:uri=\"http://schemas.microsoft.com/office/word\" w:val=\"15\"/></w:compat>"
      "</w:settings>");
}

}  // namespace sixsteps::reporting::doc::docx
