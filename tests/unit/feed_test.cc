// The change feed's plain rules: per-caller cursors, stream caps, a token's expiry.
#include "services/assessment/feed.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "tests/support/status_matchers.h"

namespace sixsteps::assessment {
namespace {

using ::sixsteps::testing::IsOk;
using ::sixsteps::testing::StatusIs;
using Code = absl::StatusCode;

TEST(NextAfterSequence, AScopedCallersCursorMovesOnlyWithWhatTheyWereGiven) {
  ChangePageInfo quiet{.more = false, .head = 900};
  // Nothing new for them, however far the feed has moved: where they were.
  EXPECT_EQ(NextAfterSequence(17, 0, 0, quiet, /*sees_everything=*/false), 17);
  // Their own last change, not the head.
  EXPECT_EQ(NextAfterSequence(17, 40, 3, quiet, false), 40);
  // Someone who sees everything skips to the head.
  EXPECT_EQ(NextAfterSequence(17, 0, 0, quiet, true), 900);
  EXPECT_EQ(NextAfterSequence(17, 40, 3, quiet, true), 900);
  // A cut page continues after its last change, for everyone.
  ChangePageInfo cut{.more = true, .head = 900};
  EXPECT_EQ(NextAfterSequence(17, 40, 3, cut, true), 40);
  EXPECT_EQ(NextAfterSequence(17, 40, 3, cut, false), 40);
}

TEST(WatchSlots, CapsEachPrincipalAndTheServerAndGivesSlotsBack) {
  WatchSlots slots({.per_principal = 2, .total = 3});
  std::optional<absl::StatusOr<WatchSlots::Slot>> a1, a2, b1;
  a1.emplace(slots.Acquire("users/a"));
  a2.emplace(slots.Acquire("users/a"));
  ASSERT_THAT(a1->status(), IsOk());
  ASSERT_THAT(a2->status(), IsOk());
  EXPECT_THAT(slots.Acquire("users/a").status(),
              StatusIs(Code::kResourceExhausted, "close one first"));
  b1.emplace(slots.Acquire("users/b"));
  ASSERT_THAT(b1->status(), IsOk());
  EXPECT_THAT(slots.Acquire("users/c").status(), StatusIs(Code::kResourceExhausted, "this server"));
  EXPECT_EQ(slots.open(), 3);
  EXPECT_EQ(slots.open_for("users/c"), 0);  // a refusal holds nothing
  // A slot given back is reusable, by its principal or another.
  a2.reset();
  EXPECT_EQ(slots.open_for("users/a"), 1);
  {
    absl::StatusOr<WatchSlots::Slot> again = slots.Acquire("users/a");
    ASSERT_THAT(again.status(), IsOk());
    EXPECT_EQ(slots.open(), 3);
  }
  a1.reset();
  b1.reset();
  EXPECT_EQ(slots.open(), 0);
  EXPECT_EQ(slots.open_for("users/a"), 0);
}

TEST(TokenExpiry, ReadsTheExpClaim) {
  auto token = [](const std::string& claims) {
    return absl::StrCat(absl::WebSafeBase64Escape(R"({"alg":"EdDSA"})"), ".",
                        absl::WebSafeBase64Escape(claims), ".sig");
  };
  absl::StatusOr<absl::Time> expiry = TokenExpiry(token(R"({"sub":"users/a","exp":1700000000})"));
  ASSERT_THAT(expiry, IsOk());
  EXPECT_EQ(*expiry, absl::FromUnixSeconds(1700000000));
  EXPECT_THAT(TokenExpiry(token(R"({"sub":"users/a"})")), StatusIs(Code::kUnauthenticated));
  EXPECT_THAT(TokenExpiry(token(R"({"exp":"soon"})")), StatusIs(Code::kUnauthenticated));
  EXPECT_THAT(TokenExpiry("not a token"), StatusIs(Code::kUnauthenticated));
}

}  // namespace
}  // namespace sixsteps::assessment
