#include "services/common/status.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/status_matchers.h"

namespace sixsteps {
namespace {

using ::sixsteps::testing::IsOk;
using ::sixsteps::testing::StatusIs;

struct CodePair {
  absl::StatusCode absl_code;
  grpc::StatusCode grpc_code;
};

// Every canonical code except OK, written out so the test does not share the converter's
// assumption that the numbers agree.
const std::vector<CodePair>& ErrorCodes() {
  static const auto* codes = new std::vector<CodePair>{
      {absl::StatusCode::kCancelled, grpc::StatusCode::CANCELLED},
      {absl::StatusCode::kUnknown, grpc::StatusCode::UNKNOWN},
      {absl::StatusCode::kInvalidArgument, grpc::StatusCode::INVALID_ARGUMENT},
      {absl::StatusCode::kDeadlineExceeded, grpc::StatusCode::DEADLINE_EXCEEDED},
      {absl::StatusCode::kNotFound, grpc::StatusCode::NOT_FOUND},
      {absl::StatusCode::kAlreadyExists, grpc::StatusCode::ALREADY_EXISTS},
      {absl::StatusCode::kPermissionDenied, grpc::StatusCode::PERMISSION_DENIED},
      {absl::StatusCode::kResourceExhausted, grpc::StatusCode::RESOURCE_EXHAUSTED},
      {absl::StatusCode::kFailedPrecondition, grpc::StatusCode::FAILED_PRECONDITION},
      {absl::StatusCode::kAborted, grpc::StatusCode::ABORTED},
      {absl::StatusCode::kOutOfRange, grpc::StatusCode::OUT_OF_RANGE},
      {absl::StatusCode::kUnimplemented, grpc::StatusCode::UNIMPLEMENTED},
      {absl::StatusCode::kInternal, grpc::StatusCode::INTERNAL},
      {absl::StatusCode::kUnavailable, grpc::StatusCode::UNAVAILABLE},
      {absl::StatusCode::kDataLoss, grpc::StatusCode::DATA_LOSS},
      {absl::StatusCode::kUnauthenticated, grpc::StatusCode::UNAUTHENTICATED},
  };
  return *codes;
}

TEST(ToGrpcStatusTest, OkIsOk) {
  grpc::Status status = ToGrpcStatus(absl::OkStatus());
  EXPECT_TRUE(status.ok());
  EXPECT_EQ(status.error_code(), grpc::StatusCode::OK);
  EXPECT_EQ(status.error_message(), "");
}

TEST(ToGrpcStatusTest, MapsEveryCodeAndKeepsTheMessage) {
  for (const CodePair& pair : ErrorCodes()) {
    std::string message = "message for " + absl::StatusCodeToString(pair.absl_code);
    grpc::Status status = ToGrpcStatus(absl::Status(pair.absl_code, message));
    EXPECT_FALSE(status.ok()) << message;
    EXPECT_EQ(status.error_code(), pair.grpc_code) << message;
    EXPECT_EQ(status.error_message(), message);
  }
}

TEST(ToGrpcStatusTest, EmptyMessageStaysEmpty) {
  grpc::Status status = ToGrpcStatus(absl::Status(absl::StatusCode::kNotFound, ""));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(status.error_message(), "");
}

TEST(ToGrpcStatusTest, UnknownCodeNumberBecomesUnknown) {
  grpc::Status status = ToGrpcStatus(absl::Status(static_cast<absl::StatusCode>(42), "odd"));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNKNOWN);
  EXPECT_EQ(status.error_message(), "odd");
}

TEST(FromGrpcStatusTest, OkIsOk) { EXPECT_THAT(FromGrpcStatus(grpc::Status::OK), IsOk()); }

TEST(FromGrpcStatusTest, MapsEveryCodeAndKeepsTheMessage) {
  for (const CodePair& pair : ErrorCodes()) {
    std::string message = "remote said " + absl::StatusCodeToString(pair.absl_code);
    absl::Status status = FromGrpcStatus(grpc::Status(pair.grpc_code, message));
    EXPECT_EQ(status.code(), pair.absl_code) << message;
    EXPECT_EQ(status.message(), message);
  }
}

TEST(FromGrpcStatusTest, RoundTripsThroughToGrpcStatus) {
  for (const CodePair& pair : ErrorCodes()) {
    absl::Status original(pair.absl_code, "round trip: é ✓");
    EXPECT_EQ(FromGrpcStatus(ToGrpcStatus(original)), original);
  }
  EXPECT_EQ(FromGrpcStatus(ToGrpcStatus(absl::OkStatus())), absl::OkStatus());
}

// --- SIXSTEPS_RETURN_IF_ERROR ---

absl::Status ReturnIfErrorUser(const absl::Status& first, int* steps_after) {
  SIXSTEPS_RETURN_IF_ERROR(first);
  ++*steps_after;
  return absl::OkStatus();
}

TEST(ReturnIfErrorTest, ReturnsTheErrorEarly) {
  int steps_after = 0;
  EXPECT_THAT(ReturnIfErrorUser(absl::NotFoundError("no such thing"), &steps_after),
              StatusIs(absl::StatusCode::kNotFound, "no such thing"));
  EXPECT_EQ(steps_after, 0);
}

TEST(ReturnIfErrorTest, ContinuesOnOk) {
  int steps_after = 0;
  EXPECT_THAT(ReturnIfErrorUser(absl::OkStatus(), &steps_after), IsOk());
  EXPECT_EQ(steps_after, 1);
}

TEST(ReturnIfErrorTest, EvaluatesTheExpressionOnce) {
  int calls = 0;
  auto check = [&calls]() {
    ++calls;
    return absl::OkStatus();
  };
  auto run = [&]() -> absl::Status {
    SIXSTEPS_RETURN_IF_ERROR(check());
    return absl::OkStatus();
  };
  EXPECT_THAT(run(), IsOk());
  EXPECT_EQ(calls, 1);
}

TEST(ReturnIfErrorTest, WorksInsideAFunctionReturningStatusOr) {
  auto run = [](absl::Status first) -> absl::StatusOr<int> {
    SIXSTEPS_RETURN_IF_ERROR(first);
    return 7;
  };
  EXPECT_THAT(run(absl::PermissionDeniedError("no")),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_EQ(*run(absl::OkStatus()), 7);
}

TEST(ReturnIfErrorTest, IsOneStatementInAnUnbracedIf) {
  auto run = [](bool check, absl::Status first) -> absl::Status {
    if (check)
      SIXSTEPS_RETURN_IF_ERROR(first);
    else
      return absl::CancelledError("took the else branch");
    return absl::OkStatus();
  };
  EXPECT_THAT(run(true, absl::OkStatus()), IsOk());
  EXPECT_THAT(run(true, absl::InternalError("x")), StatusIs(absl::StatusCode::kInternal));
  EXPECT_THAT(run(false, absl::OkStatus()), StatusIs(absl::StatusCode::kCancelled));
}

// --- SIXSTEPS_ASSIGN_OR_RETURN ---

absl::StatusOr<int> Half(int n) {
  if (n % 2 != 0) return absl::InvalidArgumentError("odd number");
  return n / 2;
}

absl::StatusOr<int> Quarter(int n, int* steps_after) {
  SIXSTEPS_ASSIGN_OR_RETURN(int half, Half(n));
  ++*steps_after;
  SIXSTEPS_ASSIGN_OR_RETURN(int quarter, Half(half));  // Two uses in one scope.
  ++*steps_after;
  return quarter;
}

TEST(AssignOrReturnTest, AssignsTheValue) {
  int steps_after = 0;
  absl::StatusOr<int> result = Quarter(12, &steps_after);
  ASSERT_THAT(result, IsOk());
  EXPECT_EQ(*result, 3);
  EXPECT_EQ(steps_after, 2);
}

TEST(AssignOrReturnTest, ReturnsTheErrorEarly) {
  int steps_after = 0;
  EXPECT_THAT(Quarter(7, &steps_after), StatusIs(absl::StatusCode::kInvalidArgument, "odd"));
  EXPECT_EQ(steps_after, 0);

  steps_after = 0;
  EXPECT_THAT(Quarter(6, &steps_after), StatusIs(absl::StatusCode::kInvalidArgument, "odd"));
  EXPECT_EQ(steps_after, 1);
}

TEST(AssignOrReturnTest, AssignsToAnExistingVariableAndMovesOnlyTypes) {
  auto make = [](bool ok) -> absl::StatusOr<std::unique_ptr<std::string>> {
    if (!ok) return absl::NotFoundError("gone");
    return std::make_unique<std::string>("moved");
  };
  auto run = [&](bool ok, std::unique_ptr<std::string>* out) -> absl::Status {
    SIXSTEPS_ASSIGN_OR_RETURN(*out, make(ok));
    return absl::OkStatus();
  };
  std::unique_ptr<std::string> value;
  EXPECT_THAT(run(false, &value), StatusIs(absl::StatusCode::kNotFound, "gone"));
  EXPECT_EQ(value, nullptr);
  EXPECT_THAT(run(true, &value), IsOk());
  ASSERT_NE(value, nullptr);
  EXPECT_EQ(*value, "moved");
}

}  // namespace
}  // namespace sixsteps
