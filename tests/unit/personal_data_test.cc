// The personal-data check (services/base/personal_data.h), table-driven: what it refuses, what
// it lets through, and that a refusal names the field and the kind but never the value.
#include "services/base/personal_data.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace sixsteps {
namespace {

struct Example {
  std::string text;
  // Empty: the text passes. Otherwise the kind the refusal names.
  std::string kind;
};

void PrintTo(const Example& example, std::ostream* out) { *out << '"' << example.text << '"'; }

class PersonalDataTest : public ::testing::TestWithParam<Example> {};

TEST_P(PersonalDataTest, RefusesPersonalDataAndPassesCommentary) {
  const Example& example = GetParam();
  absl::Status status = CheckNoPersonalData("response.commentary", example.text);
  if (example.kind.empty()) {
    EXPECT_TRUE(status.ok()) << status;
    return;
  }
  ASSERT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "response.commentary: looks like " + example.kind +
                                  "; scrutiny records must not hold personal data");
}

INSTANTIATE_TEST_SUITE_P(
    Examples, PersonalDataTest,
    ::testing::Values(
        // NHS numbers: valid ones are refused, however spaced; invalid ones are just numbers.
        Example{"Child's NHS number 943 476 5919 was on the referral", "an NHS number"},
        Example{"ref 9434765919.", "an NHS number"}, Example{"943-476-5919", "an NHS number"},
        Example{"4010232137 in the file", "an NHS number"},
        Example{"943 476 5918", ""},                // fails the check digit
        Example{"9434765918", ""},                  // fails the check digit
        Example{"94347659190", ""},                 // 11 digits: not an NHS number
        Example{"see a-5d9434765919", ""},          // digits inside a resource id
        Example{"x9434765919y", ""},                // inside a longer token
        Example{"Budget of 1234567890 pence", ""},  // check digit would be 10: never issued
        Example{"943 4765 919", ""},                // not 3-3-4
        // Postcodes: full ones, any case, with or without the space.
        Example{"The family lives at SW1A 1AA", "a postcode"}, Example{"M1 1AE", "a postcode"},
        Example{"b33 8th", "a postcode"}, Example{"near (LS2 9JT).", "a postcode"},
        Example{"EC1A1BB", "a postcode"},
        Example{"Partners on the M1 corridor and the A1 met", ""},  // outward codes only
        Example{"KS4 1st term results", ""},                        // not a postcode area
        Example{"Step 4 2nd review", ""},
        // Dates of birth need a cue; dates of meetings pass.
        Example{"DOB 03/04/2015", "a date of birth"},
        Example{"d.o.b.: 2015-04-03", "a date of birth"},
        Example{"Date of birth: 3rd April 2015", "a date of birth"},
        Example{"the child was born on 3 April 2015 in hospital", "a date of birth"},
        Example{"born April 3, 2015", "a date of birth"},
        Example{"Birthday 3.4.15", "a date of birth"},
        Example{"The board met on 3 March 2025 and again on 2025-06-01", ""},
        Example{"Audit of 12/03/2024: 14 cases", ""},
        Example{"Babies born in 2015 and since", ""},  // a year is not a date
        Example{"born in May 2015", ""},               // a month and year neither
        Example{"Unborn babies: pre-birth assessments from 1 April 2024", ""},
        // Email addresses.
        Example{"Contact jo.bloggs@example.org for the minutes", "an email address"},
        Example{"JO+scrutiny@sub.example.co.uk", "an email address"},
        Example{"Meet @ 10, or use the team's inbox on Teams", ""}, Example{"user@localhost", ""},
        // Phone numbers.
        Example{"Mum's mobile 07700 900123", "a phone number"},
        Example{"call 07700900123", "a phone number"},
        Example{"tel (0191) 498 0000", "a phone number"},
        Example{"020 7946 0958", "a phone number"}, Example{"0300-123-4567", "a phone number"},
        Example{"+44 7700 900123", "a phone number"},
        Example{"+44 (0)20 7946 0958", "a phone number"},
        Example{"+447700900123", "a phone number"},
        Example{"0800 123 4567 is the helpline", ""},  // 08: not a person's number
        Example{"01/02/2025 meeting", ""}, Example{"Rated 0 of 17 questions Red; 07 actions", ""},
        // Ordinary scrutiny commentary.
        Example{"Step 3: the voice of the child is heard through the young people's forum "
                "(32 took part, aged 11-15). Actions s3-q2 and s4-q1 are due by 2026-03-31.",
                ""},
        Example{"", ""}));

TEST(PersonalDataCheck, NeverEchoesTheValue) {
  absl::Status status = CheckNoPersonalData("quote", "write to jo@example.org");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), ::testing::Not(::testing::HasSubstr("jo@")));
  EXPECT_THAT(std::string(status.message()), ::testing::StartsWith("quote: "));
}

TEST(PersonalDataCheck, NhsModulus11) {
  EXPECT_TRUE(IsValidNhsNumber("9434765919"));
  EXPECT_FALSE(IsValidNhsNumber("9434765918"));
  EXPECT_TRUE(IsValidNhsNumber("4010232137"));
  EXPECT_FALSE(IsValidNhsNumber("1234567890"));  // remainder gives 10: invalid
  EXPECT_FALSE(IsValidNhsNumber("943476591"));
  EXPECT_FALSE(IsValidNhsNumber("94347659x9"));
}

TEST(PersonalDataCheck, LongTextIsScannedWithoutTrouble) {
  std::string text(10000, 'a');
  text += " 943 476 5919";
  EXPECT_EQ(CheckNoPersonalData("text", text).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(CheckNoPersonalData("text", std::string(10000, '7')).ok());
}

}  // namespace
}  // namespace sixsteps
