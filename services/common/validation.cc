#include "services/common/validation.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "services/base/personal_data.h"
#include "services/base/status_macros.h"

namespace sixsteps {

bool IsValidUtf8(absl::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    unsigned char lead = static_cast<unsigned char>(text[i]);
    size_t extra;
    if (lead < 0x80) {
      extra = 0;
    } else if ((lead >> 5) == 0x6) {
      extra = 1;
    } else if ((lead >> 4) == 0xE) {
      extra = 2;
    } else if ((lead >> 3) == 0x1E) {
      extra = 3;
    } else {
      return false;
    }
    if (extra > 0 && i + extra >= text.size()) return false;
    for (size_t k = 1; k <= extra; ++k) {
      if ((static_cast<unsigned char>(text[i + k]) >> 6) != 0x2) return false;
    }
    i += extra + 1;
  }
  return true;
}

int CharacterCount(absl::string_view text) {
  int count = 0;
  for (unsigned char c : text) count += (c & 0xC0) != 0x80;
  return count;
}

absl::Status ValidateText(absl::string_view text, int max_length, absl::string_view field) {
  if (absl::StripAsciiWhitespace(text).empty()) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": must not be empty"));
  }
  if (!IsValidUtf8(text)) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": must be valid UTF-8"));
  }
  if (CharacterCount(text) > max_length) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": must be at most ", max_length, " characters"));
  }
  return absl::OkStatus();
}

bool IsResourceId(absl::string_view id) {
  return id.size() >= 3 && id.size() <= 63 && absl::ascii_islower(id[0]) && id.back() != '-' &&
         std::all_of(id.begin(), id.end(), [](char c) {
           return absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '-';
         });
}

absl::Status ValidateFreeText(absl::string_view text, int max_length, absl::string_view field) {
  SIXSTEPS_RETURN_IF_ERROR(ValidateText(text, max_length, field));
  return CheckNoPersonalData(std::string_view(field.data(), field.size()),
                             std::string_view(text.data(), text.size()));
}

absl::Status ValidateOptionalFreeText(absl::string_view text, int max_length,
                                      absl::string_view field) {
  if (text.empty()) return absl::OkStatus();
  return ValidateFreeText(text, max_length, field);
}

absl::Status ValidateResourceId(absl::string_view id, absl::string_view field) {
  if (IsResourceId(id)) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      field,
      ": an id is 3 to 63 lower-case letters, digits and hyphens, starting with a letter and "
      "not ending with a hyphen"));
}

}  // namespace sixsteps
