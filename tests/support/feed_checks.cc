#include "tests/support/feed_checks.h"

#include <grpcpp/create_channel.h>

#include "absl/strings/str_cat.h"
#include "services/base/status_macros.h"
#include "tests/support/calls.h"

namespace sixsteps::testing {
namespace {

namespace av1 = ::sixsteps::assessment::v1;
namespace rv1 = ::sixsteps::reporting::v1;

std::shared_ptr<grpc::Channel> Dial(const std::string& target) {
  return grpc::CreateChannel(target, grpc::InsecureChannelCredentials());
}

// The reports CompareReadModels compares, from one reporting service, each as text.
absl::Status ReadReports(const std::string& target, const std::string& token,
                         const std::vector<std::string>& rounds, const std::string& scope,
                         int64_t head, std::vector<std::string>* out) {
  auto stub = rv1::ReportingService::NewStub(Dial(target));
  for (const std::string& round : rounds) {
    rv1::GetAssessmentReportRequest request;
    request.set_assessment(round);
    request.set_min_sequence(head);
    request.set_as_of_date("2026-01-01");
    rv1::AssessmentReport report;
    SIXSTEPS_RETURN_IF_ERROR(
        Call(*stub, &rv1::ReportingService::Stub::GetAssessmentReport, token, request, &report));
    report.mutable_freshness()->clear_report_time();
    out->push_back(report.DebugString());
  }
  rv1::GetActionTrackerRequest request;
  request.set_scope(scope);
  request.set_min_sequence(head);
  request.set_as_of_date("2026-01-01");
  rv1::ActionTracker tracker;
  SIXSTEPS_RETURN_IF_ERROR(
      Call(*stub, &rv1::ReportingService::Stub::GetActionTracker, token, request, &tracker));
  tracker.mutable_freshness()->clear_report_time();
  out->push_back(tracker.DebugString());
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<int64_t> CheckFeedAt(const std::string& assessment_target,
                                    const std::string& token) {
  auto stub = av1::AssessmentService::NewStub(Dial(assessment_target));
  av1::ListChangesRequest request;
  request.set_page_size(1000);
  int64_t head = 0;
  while (true) {
    av1::ListChangesResponse page;
    SIXSTEPS_RETURN_IF_ERROR(
        Call(*stub, &av1::AssessmentService::Stub::ListChanges, token, request, &page));
    if (page.changes().empty()) break;
    for (const av1::Change& change : page.changes()) {
      if (change.sequence() != head + 1) {
        return absl::DataLossError(
            absl::StrCat("the feed goes from ", head, " to ", change.sequence()));
      }
      head = change.sequence();
    }
    request.set_after_sequence(head);
  }
  if (head == 0) return absl::DataLossError("the feed is empty");
  return head;
}

absl::Status CompareReadModels(const std::string& served, const std::string& rebuilt,
                               const std::string& token, const std::vector<std::string>& rounds,
                               const std::string& scope, int64_t head) {
  std::vector<std::string> lived, from_scratch;
  SIXSTEPS_RETURN_IF_ERROR(ReadReports(served, token, rounds, scope, head, &lived));
  // The rebuild reads the whole feed first: on a loaded machine that may take longer than one
  // wait for min_sequence.
  absl::Status read;
  for (int attempt = 0; attempt < 4; ++attempt) {
    from_scratch.clear();
    read = ReadReports(rebuilt, token, rounds, scope, head, &from_scratch);
    if (!absl::IsDeadlineExceeded(read)) break;
  }
  SIXSTEPS_RETURN_IF_ERROR(read);
  for (size_t i = 0; i < lived.size(); ++i) {
    if (lived[i] != from_scratch[i]) {
      return absl::DataLossError(absl::StrCat("report ", i, " differs from the rebuild:\n",
                                              lived[i], "\n---- rebuilt ----\n", from_scratch[i]));
    }
  }
  return absl::OkStatus();
}

}  // namespace sixsteps::testing
