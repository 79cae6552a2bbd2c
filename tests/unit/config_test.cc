// The typed settings every program reads: a flag, else an environment variable, else the
// fallback, checked against its range with one message shape.
#include <cstdlib>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/time/time.h"
#include "services/common/config.h"
#include "tests/support/status_matchers.h"

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

}  // namespace
}  // namespace sixsteps
