// The fixed parts of a DOCX package (content types, relationships, styles, settings,
// properties) and the XML text escaping every part uses. Private to write_docx*.cc.
#pragma once

#include <string>

#include "absl/strings/string_view.h"
#include "sixsteps/framework/v1/framework.pb.h"

namespace sixsteps::reporting::doc::docx {

inline constexpr char kXmlDeclaration[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n";

// Escapes & < > " ' and drops the control characters XML 1.0 cannot carry (all below
// U+0020 but tab, LF and CR), so no record text can break or extend the markup.
std::string XmlText(absl::string_view text);

// "B71C1C" and friends: a rating cell's shading and text colour.
const char* RatingFillHex(framework::v1::Rating rating);
const char* RatingInkHex(framework::v1::Rating rating);

std::string ContentTypesXml();
std::string PackageRelsXml();
std::string DocumentRelsXml();
std::string CorePropertiesXml(absl::string_view title);
std::string StylesXml();
std::string SettingsXml();

}  // namespace sixsteps::reporting::doc::docx
