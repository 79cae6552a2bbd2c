// The typed settings every program reads: a flag, else an environment variable, else the
// fallback, checked against its range with one message shape.
#include <cstdlib>
#include <optional>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/flags/flag.h"
#include "absl/time/time.h"
#include "services/common/config.h"
#include "tests/support/status_matchers.h"

// Settings declared as a main declares them (their names are this test's own).
SIXSTEPS_SETTING(int, config_test_pool, 8, 1, 256, "connections", "SIXSTEPS_CONFIG_TEST_POOL",
                 "SIXSTEPS_CONFIG_TEST_POOL_OLD");
SIXSTEPS_SETTING(absl::Duration, config_test_ttl, absl::Minutes(15), absl::Minutes(1),
                 absl::Hours(12), "token lifetime", "SIXSTEPS_CONFIG_TEST_TTL");
SIXSTEPS_BOOL_SETTING(config_test_loopback, false, "loopback allowed",
                      "SIXSTEPS_CONFIG_TEST_LOOPBACK");
SIXSTEPS_TEXT_SETTING(config_test_address, "127.0.0.1:50051", "the address",
                      "SIXSTEPS_CONFIG_TEST_ADDRESS");
SIXSTEPS_SWITCH(config_test_plaintext, "plaintext allowed", "SIXSTEPS_CONFIG_TEST_PLAINTEXT");

namespace sixsteps {
namespace {

using ::sixsteps::testing::IsOk;
using ::sixsteps::testing::StatusIs;
using ::testing::HasSubstr;

constexpr char kVariable[] = "SIXSTEPS_CONFIG_TEST_SETTING";

class SettingsTest : public ::testing::Test {
 protected:
  void TearDown() override { unsetenv(kVariable); }
};

TEST_F(SettingsTest, AnIntegerComesFromTheFlagThenTheVariableThenTheFallback) {
  EXPECT_EQ(*IntSetting("pool", "", {kVariable}, 8, 1, 256), 8);
  setenv(kVariable, "12", 1);
  EXPECT_EQ(*IntSetting("pool", "", {kVariable}, 8, 1, 256), 12);
  EXPECT_EQ(*IntSetting("pool", "20", {kVariable}, 8, 1, 256), 20);
}

TEST_F(SettingsTest, AnIntegerOutsideItsRangeOrNotANumberIsRefusedByName) {
  for (const char* bad : {"0", "257", "eight", "8.5", "-1"}) {
    absl::StatusOr<int> value = IntSetting("db_pool_size", bad, {kVariable}, 8, 1, 256);
    EXPECT_THAT(value, StatusIs(absl::StatusCode::kInvalidArgument)) << bad;
    EXPECT_THAT(std::string(value.status().message()),
                HasSubstr(std::string("db_pool_size must be a whole number from 1 to 256, got '") +
                          bad + "'"));
  }
  EXPECT_THAT(IntSetting("db_pool_size", "256", {kVariable}, 8, 1, 256), IsOk());
}

TEST_F(SettingsTest, ADurationIsParsedAndBounded) {
  EXPECT_EQ(*DurationSetting("ttl", "", {kVariable}, absl::Minutes(15), absl::Minutes(1),
                             absl::Hours(12)),
            absl::Minutes(15));
  setenv(kVariable, "90s", 1);
  EXPECT_EQ(*DurationSetting("ttl", "", {kVariable}, absl::Minutes(15), absl::Minutes(1),
                             absl::Hours(12)),
            absl::Seconds(90));
  for (const char* bad : {"30s", "13h", "soon", "15"}) {
    absl::StatusOr<absl::Duration> value = DurationSetting(
        "access_token_ttl", bad, {kVariable}, absl::Minutes(15), absl::Minutes(1), absl::Hours(12));
    EXPECT_THAT(value, StatusIs(absl::StatusCode::kInvalidArgument)) << bad;
    EXPECT_THAT(std::string(value.status().message()),
                HasSubstr("access_token_ttl must be a duration from 1m to 12h"));
  }
}

class TypedSettingsTest : public ::testing::Test {
 protected:
  void TearDown() override {
    for (const char* name : {"SIXSTEPS_CONFIG_TEST_POOL", "SIXSTEPS_CONFIG_TEST_POOL_OLD",
                             "SIXSTEPS_CONFIG_TEST_TTL", "SIXSTEPS_CONFIG_TEST_LOOPBACK",
                             "SIXSTEPS_CONFIG_TEST_ADDRESS", "SIXSTEPS_CONFIG_TEST_PLAINTEXT"}) {
      unsetenv(name);
    }
    absl::SetFlag(&FLAGS_config_test_pool, std::nullopt);
    absl::SetFlag(&FLAGS_config_test_ttl, std::nullopt);
    absl::SetFlag(&FLAGS_config_test_loopback, std::nullopt);
    absl::SetFlag(&FLAGS_config_test_address, "");
    absl::SetFlag(&FLAGS_config_test_plaintext, false);
  }
};

TEST_F(TypedSettingsTest, TheFlagWinsThenTheFirstVariableSetThenTheDefault) {
  EXPECT_EQ(*SETTING_config_test_pool.Get(), 8);
  setenv("SIXSTEPS_CONFIG_TEST_POOL_OLD", "10", 1);
  EXPECT_EQ(*SETTING_config_test_pool.Get(), 10);
  setenv("SIXSTEPS_CONFIG_TEST_POOL", " 12 ", 1);
  EXPECT_EQ(*SETTING_config_test_pool.Get(), 12);
  absl::SetFlag(&FLAGS_config_test_pool, 20);
  EXPECT_EQ(*SETTING_config_test_pool.Get(), 20);

  EXPECT_EQ(SETTING_config_test_address.Get(), "127.0.0.1:50051");
  setenv("SIXSTEPS_CONFIG_TEST_ADDRESS", "10.0.0.1:1", 1);
  EXPECT_EQ(SETTING_config_test_address.Get(), "10.0.0.1:1");
  absl::SetFlag(&FLAGS_config_test_address, "10.0.0.2:2");
  EXPECT_EQ(SETTING_config_test_address.Get(), "10.0.0.2:2");
}

TEST_F(TypedSettingsTest, AFlagOrVariableOutOfRangeOrOfAnotherTypeIsRefusedByName) {
  absl::SetFlag(&FLAGS_config_test_pool, 0);
  EXPECT_THAT(SETTING_config_test_pool.Get(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "config_test_pool must be a whole number from 1 to 256, got '0'"));
  absl::SetFlag(&FLAGS_config_test_pool, std::nullopt);
  setenv("SIXSTEPS_CONFIG_TEST_POOL", "eight", 1);
  EXPECT_THAT(SETTING_config_test_pool.Get(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "config_test_pool must be a whole number from 1 to 256, got 'eight'"));

  absl::SetFlag(&FLAGS_config_test_ttl, absl::Hours(13));
  EXPECT_THAT(SETTING_config_test_ttl.Get(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "config_test_ttl must be a duration from 1m to 12h (such as 10s), got "
                       "'13h'"));
  absl::SetFlag(&FLAGS_config_test_ttl, std::nullopt);
  setenv("SIXSTEPS_CONFIG_TEST_TTL", "90s", 1);
  EXPECT_EQ(*SETTING_config_test_ttl.Get(), absl::Seconds(90));
  setenv("SIXSTEPS_CONFIG_TEST_TTL", "15", 1);
  EXPECT_THAT(SETTING_config_test_ttl.Get(),
              StatusIs(absl::StatusCode::kInvalidArgument, "config_test_ttl must be a duration"));
}

TEST_F(TypedSettingsTest, BooleansTakeTrueOrFalseAndNothingElse) {
  EXPECT_EQ(*SETTING_config_test_loopback.Get(), false);
  setenv("SIXSTEPS_CONFIG_TEST_LOOPBACK", "true", 1);
  EXPECT_EQ(*SETTING_config_test_loopback.Get(), true);
  setenv("SIXSTEPS_CONFIG_TEST_LOOPBACK", "0", 1);
  EXPECT_EQ(*SETTING_config_test_loopback.Get(), false);
  setenv("SIXSTEPS_CONFIG_TEST_LOOPBACK", "maybe", 1);
  EXPECT_THAT(SETTING_config_test_loopback.Get(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "config_test_loopback must be true or false, got 'maybe'"));
  absl::SetFlag(&FLAGS_config_test_loopback, true);
  EXPECT_EQ(*SETTING_config_test_loopback.Get(), true);

  EXPECT_EQ(*SETTING_config_test_plaintext.Get(), false);
  setenv("SIXSTEPS_CONFIG_TEST_PLAINTEXT", "true", 1);
  EXPECT_EQ(*SETTING_config_test_plaintext.Get(), true);
  setenv("SIXSTEPS_CONFIG_TEST_PLAINTEXT", "sometimes", 1);
  EXPECT_THAT(SETTING_config_test_plaintext.Get(),
              StatusIs(absl::StatusCode::kInvalidArgument, "config_test_plaintext"));
  absl::SetFlag(&FLAGS_config_test_plaintext, true);
  EXPECT_EQ(*SETTING_config_test_plaintext.Get(), true);
}

TEST_F(TypedSettingsTest, TheHelpSaysTheDefaultTheRangeAndTheVariables) {
  EXPECT_EQ(SETTING_config_test_pool.Help("connections"),
            "connections (default 8, from 1 to 256; or SIXSTEPS_CONFIG_TEST_POOL or "
            "SIXSTEPS_CONFIG_TEST_POOL_OLD)");
  EXPECT_EQ(SETTING_config_test_ttl.Help("token lifetime"),
            "token lifetime (default 15m, from 1m to 12h; or SIXSTEPS_CONFIG_TEST_TTL)");
  EXPECT_EQ(SETTING_config_test_address.Help("the address"),
            "the address (default 127.0.0.1:50051; or SIXSTEPS_CONFIG_TEST_ADDRESS)");
}

}  // namespace
}  // namespace sixsteps
