// CheckRequestStrings (services/common/request_strings.h): the walk every request passes
// before its handler, so that a NUL character in a string field is INVALID_ARGUMENT naming
// the field instead of reaching PostgreSQL's text (INTERNAL).
#include "services/common/request_strings.h"

#include <string>

#include <gmock/gmock.h>
#include <google/protobuf/struct.pb.h>
#include <gtest/gtest.h>

#include "sixsteps/assessment/v1/assessment_service.pb.h"
#include "sixsteps/assessment/v1/evidence_file_service.pb.h"
#include "sixsteps/assessment/v1/voice_service.pb.h"
#include "tests/support/status_matchers.h"

namespace sixsteps {
namespace {

namespace av1 = ::sixsteps::assessment::v1;
using ::sixsteps::testing::IsOk;
using ::sixsteps::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;

const std::string kNul("before\0after", 12);

TEST(RequestStringsTest, AnEmptyRequestAndOrdinaryTextPass) {
  av1::CreateEngagementRecordRequest request;
  EXPECT_THAT(CheckRequestStrings(request), IsOk());
  request.set_parent("assessments/a-1");
  request.mutable_engagement_record()->set_title("Young people's forum – online safety");
  request.mutable_engagement_record()->add_evidence_files("evidenceFiles/f-1");
  EXPECT_THAT(CheckRequestStrings(request), IsOk());
}

TEST(RequestStringsTest, ATopLevelStringIsNamed) {
  av1::CreateEngagementRecordRequest request;
  request.set_parent(kNul);
  EXPECT_THAT(CheckRequestStrings(request),
              StatusIs(absl::StatusCode::kInvalidArgument, "parent: must not contain a NUL"));
}

TEST(RequestStringsTest, ANestedStringIsNamedByItsPath) {
  av1::CreateEngagementRecordRequest request;
  request.set_parent("assessments/a-1");
  request.mutable_engagement_record()->set_title(kNul);
  EXPECT_THAT(CheckRequestStrings(request),
              StatusIs(absl::StatusCode::kInvalidArgument, "engagement_record.title:"));
}

TEST(RequestStringsTest, ARepeatedStringIsNamedWithItsIndex) {
  av1::CreateEngagementRecordRequest request;
  request.mutable_engagement_record()->add_evidence_files("evidenceFiles/f-1");
  request.mutable_engagement_record()->add_evidence_files(kNul);
  EXPECT_THAT(CheckRequestStrings(request),
              StatusIs(absl::StatusCode::kInvalidArgument, "engagement_record.evidence_files[1]:"));
}

TEST(RequestStringsTest, RepeatedMessagesAndMapsAreWalked) {
  google::protobuf::Struct request;
  google::protobuf::ListValue* list = (*request.mutable_fields())["k"].mutable_list_value();
  list->add_values()->set_string_value("fine");
  list->add_values()->set_string_value(kNul);
  EXPECT_THAT(CheckRequestStrings(request),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "fields[0].value.list_value.values[1].string_value:"));

  google::protobuf::Struct keyed;
  (*keyed.mutable_fields())[kNul].set_bool_value(true);
  EXPECT_THAT(CheckRequestStrings(keyed),
              StatusIs(absl::StatusCode::kInvalidArgument, "fields[0].key:"));
}

TEST(RequestStringsTest, BytesMayHoldAnyByte) {
  // A client-streaming upload: the first message's metadata is text, the chunks are bytes.
  av1::UploadEvidenceFileRequest chunk;
  chunk.set_chunk(kNul);
  EXPECT_THAT(CheckRequestStrings(chunk), IsOk());
  av1::UploadEvidenceFileRequest first;
  first.mutable_metadata()->set_file_name(kNul);
  EXPECT_THAT(CheckRequestStrings(first),
              StatusIs(absl::StatusCode::kInvalidArgument, "metadata.file_name:"));
}

TEST(RequestStringsTest, TheValueIsNotEchoed) {
  av1::GetDivergenceRequest request;
  request.set_name(std::string("secret\0value", 12));
  absl::Status status = CheckRequestStrings(request);
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument, "name:"));
  EXPECT_THAT(std::string(status.message()), Not(HasSubstr("secret")));
}

}  // namespace
}  // namespace sixsteps
