// The reporting service's own token (services/reporting/service_token.h): renewed at once
// after a one-off refusal (a revoked token), with a growing wait while sign-ins fail or fresh
// tokens keep being refused, so that a revoked API key does not hammer identity. A fake
// sign-in and clock; no servers.
#include "services/reporting/service_token.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "absl/strings/str_cat.h"

#include "tests/support/status_matchers.h"

namespace sixsteps::testing {
namespace {

using reporting::ServiceToken;
using Code = absl::StatusCode;

class ServiceTokenTest : public ::testing::Test {
 protected:
  ServiceToken MakeToken() {
    return ServiceToken(
        [this]() -> absl::StatusOr<ServiceToken::Issued> {
          if (!sign_in_works_) return absl::UnauthenticatedError("API key revoked");
          return ServiceToken::Issued{absl::StrCat("token-", ++issued_), now_ + absl::Minutes(15)};
        },
        {}, [this] { return now_; });
  }

  absl::Time now_ = absl::FromUnixSeconds(1'800'000'000);
  bool sign_in_works_ = true;
  int issued_ = 0;
};

TEST_F(ServiceTokenTest, ReusesTheTokenUntilAMinuteBeforeItExpires) {
  ServiceToken token = MakeToken();
  EXPECT_EQ(token.Get().value_or(""), "token-1");
  now_ += absl::Minutes(13);
  EXPECT_EQ(token.Get().value_or(""), "token-1");
  now_ += absl::Minutes(1) + absl::Seconds(1);
  EXPECT_EQ(token.Get().value_or(""), "token-2");
  EXPECT_EQ(token.sign_ins(), 2);
}

TEST_F(ServiceTokenTest, ATokenRefusedAfterServingAWhileIsReplacedAtOnce) {
  ServiceToken token = MakeToken();
  ASSERT_EQ(token.Get().value_or(""), "token-1");
  now_ += absl::Minutes(5);
  token.Refused("token-1", "access token revoked; sign in again");
  EXPECT_EQ(token.Get().value_or(""), "token-2");
  // A refusal of a token already replaced changes nothing.
  token.Refused("token-1", "access token revoked; sign in again");
  EXPECT_EQ(token.Get().value_or(""), "token-2");
  EXPECT_EQ(token.sign_ins(), 2);
}

TEST_F(ServiceTokenTest, FreshTokensRefusedAgainAndAgainBackOff) {
  ServiceToken token = MakeToken();
  ASSERT_THAT(token.Get(), IsOk());
  // Each fresh token is refused at once: the waits grow 1 s, 2 s, 4 s, ...
  absl::Duration expected = absl::Seconds(1);
  for (int i = 0; i < 8; ++i) {
    absl::StatusOr<std::string> current = token.Get();
    ASSERT_THAT(current, IsOk());
    token.Refused(*current, "revoked");
    EXPECT_THAT(token.Get(), StatusIs(Code::kUnavailable, "signs in again"));
    now_ += expected - absl::Milliseconds(1);
    EXPECT_THAT(token.Get(), StatusIs(Code::kUnavailable));
    now_ += absl::Milliseconds(1);
    expected = std::min(expected * 2, absl::Minutes(1));
  }
  // The first token and one after each of the first seven refusals: 8 sign-ins in three
  // minutes, not one per call.
  EXPECT_EQ(token.sign_ins(), 8);
}

TEST_F(ServiceTokenTest, ARevokedKeyIsTriedLessAndLessOften) {
  ServiceToken token = MakeToken();
  sign_in_works_ = false;
  EXPECT_THAT(token.Get(), StatusIs(Code::kUnavailable, "cannot sign in: API key revoked"));
  // Ten minutes of a consumer asking every 100 ms: a handful of sign-ins.
  for (int i = 0; i < 6000; ++i) {
    now_ += absl::Milliseconds(100);
    EXPECT_FALSE(token.Get().ok());
  }
  EXPECT_LE(token.sign_ins(), 17);  // 1+2+4+...+32 s, then once a minute
  EXPECT_GE(token.sign_ins(), 10);
  sign_in_works_ = true;
  now_ += absl::Minutes(1);
  EXPECT_EQ(token.Get().value_or(""), "token-1");
}

}  // namespace
}  // namespace sixsteps::testing
