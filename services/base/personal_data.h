// The personal-data check on free text. Scrutiny looks at a partnership's arrangements, not at
// children's cases: a record of the hub must never hold data that identifies a child or a
// family. Every free-text field every service accepts goes through CheckNoPersonalData before
// anything is written.
//
// What is refused (a match anywhere in the text):
//  - an NHS number: 10 digits, together or spaced 3-3-4 (by one space or hyphen), that pass
//    the NHS modulus-11 check; other 10-digit numbers are left alone;
//  - a full UK postcode: an outward code of a real postcode area ("SW1A", "M1", "B33") and an
//    inward code ("1AA"), with or without one space, in any case; an outward code alone
//    ("the M1 corridor") is not refused;
//  - a date of birth: a full date (day, month and year: "3/4/2015", "2015-04-03",
//    "3 April 2015", "April 3rd, 2015") within 40 characters after a cue ("DOB", "D.O.B.",
//    "date of birth", "birth date", "birthday", "born"). A date without a cue is commentary
//    ("the board met on 3 March 2025") and passes; so does a year alone ("born in 2010").
//  - an email address (local@domain.tld);
//  - a UK phone number: 11 digits starting 01, 02, 03 or 07, or +44 (optionally "(0)")
//    followed by 10 digits starting 1, 2, 3 or 7; single spaces, hyphens and brackets may
//    separate the digits.
#pragma once

#include <string_view>

#include "absl/status/status.h"

namespace sixsteps {

// OK, or INVALID_ARGUMENT "{field}: looks like {kind}; scrutiny records must not hold personal
// data". The message never repeats the value.
absl::Status CheckNoPersonalData(std::string_view field, std::string_view text);

// Whether the digits (exactly 10, "9434765919") pass the NHS number's modulus-11 check.
bool IsValidNhsNumber(std::string_view ten_digits);

}  // namespace sixsteps
