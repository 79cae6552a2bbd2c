#include "services/common/validation.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "services/base/personal_data.h"
#include "services/base/status_macros.h"

namespace sixsteps {

bool IsValidUtf8(absl::string_view text) {
  // The well-formed sequences of RFC 3629 (the Unicode Standard's table 3-7): no overlong form (C0,
  // C1, E0 80..9F, F0 80..8F), no surrogate (ED A0..BF), nothing above U+10FFFF (F4 90..BF,
  // F5..FF). Protobuf refuses a string field holding any of them, so a looser check let such text
  // reach an RPC that then failed as INTERNAL (the http_endpoint fuzz target found %C0%A9 in an
  // evidence file's id).
  const auto byte_at = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
  size_t i = 0;
  while (i < text.size()) {
    const unsigned char lead = byte_at(i);
    if (lead < 0x80) {
      ++i;
      continue;
    }
    size_t extra;
    unsigned char second_min = 0x80;
    unsigned char second_max = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF) {
      extra = 1;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      extra = 2;
      if (lead == 0xE0) second_min = 0xA0;
      if (lead == 0xED) second_max = 0x9F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      extra = 3;
      if (lead == 0xF0) second_min = 0x90;
      if (lead == 0xF4) second_max = 0x8F;
    } else {
      return false;
    }
    if (text.size() - i <= extra) return false;
    if (byte_at(i + 1) < second_min || byte_at(i + 1) > second_max) return false;
    for (size_t k = 2; k <= extra; ++k) {
      if ((byte_at(i + k) & 0xC0) != 0x80) return false;
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
