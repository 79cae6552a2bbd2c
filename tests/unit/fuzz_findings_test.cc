// What the fuzz targets (tests/fuzz, issue 19) found, each kept as the input that showed it,
// so that the fix stays in without a fuzzing run. A new finding gets a case here with its
// input and a line in docs/reliability.md's fuzzing table.
#include <cstdint>
#include <limits>
#include <memory>
#include <string>

#include <gmock/gmock.h>
#include <google/protobuf/wrappers.pb.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <gtest/gtest.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "services/common/auth.h"
#include "services/common/jwt.h"
#include "services/common/validation.h"
#include "services/reporting/http_endpoint.h"
#include "tests/support/fake_keys.h"
#include "tests/support/status_matchers.h"

namespace sixsteps::testing {
namespace {

class SignedClaimsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<jwt::KeyPair> pair = jwt::GenerateEd25519KeyPair();
    ASSERT_TRUE(pair.ok()) << pair.status();
    private_key_ = pair->private_key;
    verifier_ = VerifierTrusting(pair->public_key, &keys_);
  }

  // An administrator's claims with `changes` merged in, signed.
  std::string Token(const nlohmann::json& changes) const {
    auth::Caller caller;
    caller.principal = "users/u1";
    caller.grants.push_back({auth::Role::ROLE_HUB_ADMINISTRATOR, "*", "", ""});
    nlohmann::json claims = auth::ClaimsFor(caller, absl::Now(), absl::Minutes(5), "t");
    claims.update(changes);
    return jwt::Sign(claims, "key-1", private_key_).value();
  }

  std::string private_key_;
  std::shared_ptr<FakeKeys> keys_;
  std::unique_ptr<auth::TokenVerifier> verifier_;
};

// jwt target: "exp" + the 30 s leeway overflowed int64 (UBSan: signed integer overflow in
// TokenVerifier::VerifyUncached). The wrapped sum was negative, so a token whose "exp" is the
// largest int64 read as expired; it is valid until the end of time.
TEST_F(SignedClaimsTest, ExpiryAtTheLargestInt64DoesNotOverflow) {
  absl::StatusOr<auth::Caller> caller =
      verifier_->Verify(Token({{"exp", std::numeric_limits<int64_t>::max()}}), absl::Now());
  ASSERT_THAT(caller, IsOk());
  EXPECT_EQ(caller->principal, "users/u1");
}

TEST_F(SignedClaimsTest, ExpiryAtTheSmallestInt64IsExpired) {
  EXPECT_THAT(verifier_->Verify(Token({{"exp", std::numeric_limits<int64_t>::min()}}), absl::Now()),
              StatusIs(absl::StatusCode::kUnauthenticated));
}

// The same sums with the verifier's clock at either end of time.
TEST_F(SignedClaimsTest, TimesAtTheEndsOfTimeDoNotOverflow) {
  EXPECT_THAT(verifier_->Verify(Token(nlohmann::json::object()), absl::InfiniteFuture()),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(verifier_->Verify(Token({{"iat", std::numeric_limits<int64_t>::max()}}), absl::Now()),
              StatusIs(absl::StatusCode::kUnauthenticated));
}

// http_endpoint target: a path or query that is not UTF-8 (GET /v1/assessments/%FF/report)
// went on to the report handler, and to the assessment service for an evidence file, as a
// request the gRPC API could never carry (protobuf refuses such strings): the assessment
// service could not read it and answered INTERNAL, a 500; a report read it into SQL, which
// PostgreSQL refuses. Refused at once with 400 now, before any route.
class HttpNotUtf8Test : public SignedClaimsTest {
 protected:
  // What the endpoint answers to GET `target` with a valid token; `handled` counts the
  // requests that reached the report handler.
  std::string Get(const std::string& target) {
    reporting::HttpEndpoint endpoint(
        verifier_.get(),
        reporting::HttpEndpoint::Handler(
            [this](const auth::Caller&, const reporting::v1::ExportReportRequest&) {
              ++handled_;
              return reporting::Rendered{"report", "text/plain; charset=utf-8", "report.txt"};
            }));
    // Never called: the request is refused before the route streams the file.
    endpoint.ServeEvidenceFiles(
        grpc::CreateChannel("127.0.0.1:1", grpc::InsecureChannelCredentials()));
    return endpoint.ServeBytes(absl::StrCat("GET ", target, " HTTP/1.1\r\nHost: h\r\n",
                                            "Authorization: Bearer ",
                                            Token(nlohmann::json::object()), "\r\n\r\n"));
  }
  int handled_ = 0;
};

TEST_F(HttpNotUtf8Test, APathThatIsNotUtf8IsRefusedBeforeTheRoute) {
  EXPECT_THAT(Get("/v1/assessments/%FF/report"), ::testing::StartsWith("HTTP/1.1 400 "));
  EXPECT_THAT(Get("/v1/evidenceFiles/caf%C3%28/content"), ::testing::StartsWith("HTTP/1.1 400 "));
  EXPECT_EQ(handled_, 0);
}

TEST_F(HttpNotUtf8Test, AQueryThatIsNotUtf8IsRefusedBeforeTheRoute) {
  EXPECT_THAT(Get("/v1/partnerships/p1/trend?kind=%E9"), ::testing::StartsWith("HTTP/1.1 400 "));
  EXPECT_THAT(Get("/v1/regions/north/overview?%FF=1"), ::testing::StartsWith("HTTP/1.1 400 "));
  EXPECT_EQ(handled_, 0);
}

// http_endpoint target, session 22: GET /v1/evidenceFiles/caf%C0%A9%20plan.pdf/content. C0 A9
// is an overlong form of ")", which the check let through (it only counted continuation bytes)
// and protobuf refuses: the assessment service answered INTERNAL, a 500. So are a surrogate
// and a code point above U+10FFFF.
TEST_F(HttpNotUtf8Test, OverlongSurrogateAndOutOfRangeFormsAreRefusedBeforeTheRoute) {
  EXPECT_THAT(Get("/v1/evidenceFiles/caf%C0%A9%20plan.pdf/content"),
              ::testing::StartsWith("HTTP/1.1 400 "));
  EXPECT_THAT(Get("/v1/assessments/a%ED%A0%80/report"), ::testing::StartsWith("HTTP/1.1 400 "));
  EXPECT_THAT(Get("/v1/assessments/a%F4%90%80%80/report"), ::testing::StartsWith("HTTP/1.1 400 "));
  EXPECT_EQ(handled_, 0);
}

TEST_F(HttpNotUtf8Test, Utf8IsServed) {
  EXPECT_THAT(Get("/v1/assessments/caf%C3%A9/report?as_of_date=2025-01-01"),
              ::testing::StartsWith("HTTP/1.1 200 "));
  EXPECT_EQ(handled_, 1);
}

// Whether protobuf accepts `text` in a string field (google.protobuf.StringValue's, parsed
// from its wire form): the rule IsValidUtf8 must agree with, so that what it lets through
// an RPC can carry.
bool ProtobufTakes(const std::string& text) {
  std::string wire = "\x0a";
  wire.push_back(static_cast<char>(text.size()));  // every case is under 128 bytes
  wire += text;
  google::protobuf::StringValue value;
  return value.ParseFromString(wire);
}

TEST(IsValidUtf8Test, AgreesWithProtobufAtEveryBoundary) {
  struct Case {
    std::string bytes;
    bool valid;
  };
  const Case cases[] = {
      {"", true},
      {"plain ascii", true},
      {"\xC2\x80", true},          // U+0080
      {"\xDF\xBF", true},          // U+07FF
      {"\xE0\xA0\x80", true},      // U+0800
      {"\xED\x9F\xBF", true},      // U+D7FF
      {"\xEE\x80\x80", true},      // U+E000
      {"\xEF\xBF\xBF", true},      // U+FFFF
      {"\xF0\x90\x80\x80", true},  // U+10000
      {"\xF4\x8F\xBF\xBF", true},  // U+10FFFF
      {"caf\xC3\xA9", true},
      {"\xC0\xA9", false},          // overlong ")": the fuzz finding
      {"\xC1\xBF", false},          // overlong
      {"\xE0\x9F\xBF", false},      // overlong
      {"\xF0\x8F\xBF\xBF", false},  // overlong
      {"\xED\xA0\x80", false},      // surrogate U+D800
      {"\xED\xBF\xBF", false},      // surrogate U+DFFF
      {"\xF4\x90\x80\x80", false},  // U+110000
      {"\xF5\x80\x80\x80", false},
      {"\xFF", false},
      {"\x80", false},      // a continuation byte alone
      {"\xE2\x82", false},  // cut short
      {"a\xE2\x82", false},
      {"\xC3\x28", false},  // a lead byte without its continuation
  };
  for (const Case& c : cases) {
    EXPECT_EQ(IsValidUtf8(c.bytes), c.valid) << absl::CHexEscape(c.bytes);
    EXPECT_EQ(ProtobufTakes(c.bytes), c.valid) << "protobuf, " << absl::CHexEscape(c.bytes);
  }
}

}  // namespace
}  // namespace sixsteps::testing
