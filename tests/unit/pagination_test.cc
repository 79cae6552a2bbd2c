#include "services/common/pagination.h"

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/escaping.h"
#include "sixsteps/internal/v1/page_token.pb.h"
#include "tests/support/status_matchers.h"

namespace sixsteps {
namespace {

using ::sixsteps::testing::IsOk;
using ::sixsteps::testing::StatusIs;
using ::testing::Not;

TEST(NormalisePageSizeTest, ZeroMeansTheDefault) {
  EXPECT_THAT(NormalisePageSize(0), IsOk());
  EXPECT_EQ(*NormalisePageSize(0), 50);
  EXPECT_EQ(*NormalisePageSize(0, /*default_size=*/20, /*max_size=*/100), 20);
}

TEST(NormalisePageSizeTest, NegativeIsInvalidArgument) {
  EXPECT_THAT(NormalisePageSize(-1), StatusIs(absl::StatusCode::kInvalidArgument, "page_size"));
  EXPECT_THAT(NormalisePageSize(-500, 20, 100), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(NormalisePageSizeTest, SizesWithinTheLimitAreKept) {
  EXPECT_EQ(*NormalisePageSize(1), 1);
  EXPECT_EQ(*NormalisePageSize(37), 37);
  EXPECT_EQ(*NormalisePageSize(500), 500);
  EXPECT_EQ(*NormalisePageSize(100, 20, 100), 100);
}

TEST(NormalisePageSizeTest, LargerSizesAreClampedToTheMaximum) {
  EXPECT_EQ(*NormalisePageSize(501), 500);
  EXPECT_EQ(*NormalisePageSize(1'000'000), 500);
  EXPECT_EQ(*NormalisePageSize(101, 20, 100), 100);
}

TEST(PageTokenTest, RoundTripsTheKey) {
  const std::string query = "parent=frameworks/six-steps";
  const std::vector<std::string> keys = {"a", "frameworks/six-steps-2019",
                                         "0042|2024-01-01T00:00:00Z", "Gemeinsame Prüfung ✓ 2019"};
  for (const std::string& key : keys) {
    std::string token = EncodePageToken(key, query);
    EXPECT_FALSE(token.empty());
    absl::StatusOr<std::string> decoded = DecodePageToken(token, query);
    ASSERT_THAT(decoded, IsOk()) << "key " << absl::CEscape(key);
    EXPECT_EQ(*decoded, key);
  }
}

TEST(PageTokenTest, TokenIsOpaqueAndUrlSafe) {
  std::string token = EncodePageToken("frameworks/six-steps-2019?x=1&y=2", "parent=a/b");
  EXPECT_EQ(
      token.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
      std::string::npos)
      << token;
  // The key is not readable in the token as plain text.
  EXPECT_EQ(token.find("frameworks"), std::string::npos);
}

TEST(PageTokenTest, EmptyTokenIsTheFirstPage) {
  absl::StatusOr<std::string> decoded = DecodePageToken("", "parent=a");
  ASSERT_THAT(decoded, IsOk());
  EXPECT_EQ(*decoded, "");
}

TEST(PageTokenTest, TokenForAnotherQueryIsRefused) {
  std::string token = EncodePageToken("key-7", "parent=frameworks/a");
  EXPECT_THAT(DecodePageToken(token, "parent=frameworks/b"),
              StatusIs(absl::StatusCode::kInvalidArgument, "different query"));
  EXPECT_THAT(DecodePageToken(token, ""), StatusIs(absl::StatusCode::kInvalidArgument));
  // The same token is still good for its own query.
  EXPECT_THAT(DecodePageToken(token, "parent=frameworks/a"), IsOk());
}

TEST(PageTokenTest, GarbageIsRefused) {
  const std::string query = "parent=a";
  for (const char* garbage :
       {"!!!not base64!!!", "a", "////", "AAAA", "eyJhIjoxfQ", "frameworks/six-steps"}) {
    EXPECT_THAT(DecodePageToken(garbage, query),
                StatusIs(absl::StatusCode::kInvalidArgument, "page_token"))
        << garbage;
  }
}

TEST(PageTokenTest, ValidProtoWithoutAKeyIsRefused) {
  // A well-formed message naming the right query but no key could only be forged: a real
  // token always records where the next page starts.
  internal::v1::PageToken forged;
  forged.set_query("parent=a");
  std::string token = absl::WebSafeBase64Escape(forged.SerializeAsString());
  EXPECT_THAT(DecodePageToken(token, "parent=a"), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(PageTokenTest, TamperedTokenIsNotAcceptedAsAnotherKey) {
  const std::string query = "parent=a";
  std::string token = EncodePageToken("key-1", query);
  ASSERT_FALSE(token.empty());
  // Cutting the token short must not decode to a different, shorter key.
  std::string truncated = token.substr(0, token.size() - 2);
  absl::StatusOr<std::string> decoded = DecodePageToken(truncated, query);
  if (decoded.ok()) {
    EXPECT_EQ(*decoded, "key-1");
  } else {
    EXPECT_THAT(decoded, StatusIs(absl::StatusCode::kInvalidArgument));
  }
  EXPECT_THAT(DecodePageToken(token + "@", query), Not(IsOk()));
}

}  // namespace
}  // namespace sixsteps
