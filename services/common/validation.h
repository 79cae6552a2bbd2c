// Input checks shared by the services. Each returns INVALID_ARGUMENT naming the field.
#pragma once

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace sixsteps {

// True if `text` is well-formed UTF-8.
bool IsValidUtf8(absl::string_view text);
// Length in characters (code points), which is what people count.
int CharacterCount(absl::string_view text);

// Not blank, valid UTF-8, at most `max_length` characters.
absl::Status ValidateText(absl::string_view text, int max_length, absl::string_view field);

// ValidateText, then the personal-data check (services/base/personal_data.h): every free-text
// field of a scrutiny record goes through this, so that nothing identifying a child or a family
// is ever written.
absl::Status ValidateFreeText(absl::string_view text, int max_length, absl::string_view field);
// For a text that may be empty: the same checks when it is not.
absl::Status ValidateOptionalFreeText(absl::string_view text, int max_length,
                                      absl::string_view field);

// A readable resource id: 3 to 63 lower-case letters, digits and hyphens, starting with a
// letter and not ending with a hyphen ("north-east", "sunderland").
absl::Status ValidateResourceId(absl::string_view id, absl::string_view field);
bool IsResourceId(absl::string_view id);

}  // namespace sixsteps
