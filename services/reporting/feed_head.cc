#include "services/reporting/feed_head.h"

#include <atomic>

#include <grpcpp/client_context.h>

#include "absl/strings/str_cat.h"
#include "services/common/status.h"
#include "sixsteps/assessment/v1/assessment_service.grpc.pb.h"

namespace sixsteps::reporting {

FeedReached AssessmentFeedReached(Upstream* upstream, std::shared_ptr<grpc::Channel> assessment) {
  auto known = std::make_shared<std::atomic<int64_t>>(0);
  return [upstream, assessment = std::move(assessment), known](
             int64_t sequence, absl::Time deadline) -> absl::StatusOr<bool> {
    if (sequence <= known->load()) return true;
    SIXSTEPS_ASSIGN_OR_RETURN(std::string token, upstream->Token());
    grpc::ClientContext context;
    context.AddMetadata("authorization", absl::StrCat("Bearer ", token));
    context.set_deadline(absl::ToChronoTime(deadline));
    av1::ListChangesRequest request;
    request.set_after_sequence(sequence - 1);
    request.set_page_size(1);
    av1::ListChangesResponse response;
    SIXSTEPS_RETURN_IF_ERROR(FromGrpcStatus(
        av1::AssessmentService::NewStub(assessment)->ListChanges(&context, request, &response)));
    if (response.changes_size() == 0) return false;
    int64_t found = response.changes(0).sequence();
    for (int64_t seen = known->load();
         found > seen && !known->compare_exchange_weak(seen, found);) {
    }
    return true;
  };
}

}  // namespace sixsteps::reporting
