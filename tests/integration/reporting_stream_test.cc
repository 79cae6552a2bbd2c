// StreamReport over gRPC on the shared world (reporting_fixture.h): the file's type and name
// first, then chunks of at most 64 KiB that add up to what ExportReport returns; every
// refusal before the first message.
#include <gmock/gmock.h>
#include <grpcpp/client_context.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "tests/integration/reporting_fixture.h"
#include "tests/support/report_requests.h"

namespace sixsteps::testing::reporting_fixture {
namespace {

// The text with its "report built YYYY-MM-DD HH:MM:SS UTC" stamp taken out.
std::string WithoutBuiltStamp(std::string text) {
  const size_t at = text.find("report built ");
  if (at == std::string::npos) return text;
  const size_t end = text.find(" UTC", at);
  if (end != std::string::npos) text.erase(at, end - at);
  return text;
}

constexpr size_t kChunk = 64 * 1024;

struct Streamed {
  grpc::Status status;
  std::vector<rv1::StreamReportResponse> messages;
  std::string content;  // the chunks, in order
};

Streamed Stream(const World& w, const std::string& token, rv1::ExportReportRequest request,
                rv1::Format format) {
  grpc::ClientContext context;
  if (!token.empty()) Authorize(context, token);
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(60)));
  request.set_format(format);
  rv1::StreamReportRequest streamed;
  *streamed.mutable_report() = request;
  Streamed out;
  auto reader = w.hub->ReportingStub()->StreamReport(&context, streamed);
  rv1::StreamReportResponse message;
  while (reader->Read(&message)) {
    out.messages.push_back(message);
    if (out.messages.size() > 1) out.content += message.chunk();
  }
  out.status = reader->Finish();
  return out;
}

TEST_F(ReportingTest, StreamsWhatExportReportReturnsInChunks) {
  const World& w = *world_;
  const rv1::ExportReportRequest request = AssessmentReportExport(w.p1_first.name(), w.head, kAsOf);
  const std::string& token = w.viewer.at(kP1);
  for (rv1::Format format :
       {rv1::FORMAT_CSV, rv1::FORMAT_HTML, rv1::FORMAT_MARKDOWN, rv1::FORMAT_TEXT, rv1::FORMAT_JSON,
        rv1::FORMAT_PDF, rv1::FORMAT_DOCX, rv1::FORMAT_XLSX}) {
    SCOPED_TRACE(rv1::Format_Name(format));
    rv1::ExportReportResponse exported;
    ASSERT_THAT(Export(token, request, format, &exported), IsOk());
    Streamed streamed = Stream(w, token, request, format);
    ASSERT_THAT(streamed.status, IsOk());
    ASSERT_GE(streamed.messages.size(), 2u);
    // First the file's type and name, as ExportReport gives them, and no bytes.
    EXPECT_EQ(streamed.messages[0].content_type(), exported.content_type());
    EXPECT_EQ(streamed.messages[0].filename(), exported.filename());
    EXPECT_TRUE(streamed.messages[0].chunk().empty());
    for (size_t i = 1; i < streamed.messages.size(); ++i) {
      EXPECT_LE(streamed.messages[i].chunk().size(), kChunk) << i;
      EXPECT_FALSE(streamed.messages[i].chunk().empty()) << i;
    }
    if (format == rv1::FORMAT_PDF) {
      // cairo stamps the creation time; the rest is the same document.
      EXPECT_TRUE(absl::StartsWith(streamed.content, "%PDF-"));
      EXPECT_TRUE(
          absl::StrContains(streamed.content.substr(streamed.content.size() - 16), "%%EOF"));
    } else if (format == rv1::FORMAT_DOCX || format == rv1::FORMAT_XLSX) {
      EXPECT_TRUE(absl::StartsWith(streamed.content, "PK"));
      EXPECT_GT(streamed.content.size(), 1000u);
    } else if (format == rv1::FORMAT_JSON) {
      EXPECT_TRUE(absl::StrContains(streamed.content, w.p1_first.name()));
    } else {
      // The two calls may build the report in different seconds: the "built" stamp aside,
      // the same text.
      EXPECT_EQ(WithoutBuiltStamp(streamed.content), WithoutBuiltStamp(exported.content()));
    }
  }
}

TEST_F(ReportingTest, StreamRefusalsComeBeforeAnyMessage) {
  const World& w = *world_;
  const rv1::ExportReportRequest request = AssessmentReportExport(w.p1_first.name(), w.head);
  Streamed outsider = Stream(w, w.viewer.at(kP2), request, rv1::FORMAT_PDF);
  EXPECT_THAT(outsider.status, StatusIs(Code::kNotFound));
  EXPECT_TRUE(outsider.messages.empty());
  Streamed nobody = Stream(w, "", request, rv1::FORMAT_PDF);
  EXPECT_THAT(nobody.status, StatusIs(Code::kUnauthenticated));
  EXPECT_TRUE(nobody.messages.empty());
  Streamed unspecified = Stream(w, w.viewer.at(kP1), request, rv1::FORMAT_UNSPECIFIED);
  EXPECT_THAT(unspecified.status, StatusIs(Code::kInvalidArgument));
  EXPECT_TRUE(unspecified.messages.empty());
  rv1::ExportReportRequest none;
  none.set_format(rv1::FORMAT_CSV);
  Streamed unnamed = Stream(w, w.viewer.at(kP1), none, rv1::FORMAT_CSV);
  EXPECT_THAT(unnamed.status, StatusIs(Code::kInvalidArgument));
  EXPECT_TRUE(unnamed.messages.empty());
}

}  // namespace
}  // namespace sixsteps::testing::reporting_fixture
