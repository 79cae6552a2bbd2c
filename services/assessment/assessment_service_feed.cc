// AssessmentService: the change feed: ListChanges pages and WatchChanges streams.
#include "services/assessment/assessment_service.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/assessment/change_redaction.h"
#include "services/assessment/page_sizes.h"
#include "services/base/clock.h"
#include "services/base/make_status.h"
#include "services/common/grpc_reply.h"

namespace sixsteps::assessment {

SIXSTEPS_RPC(AssessmentServiceImpl, ListChanges, v1::ListChangesRequest, v1::ListChangesResponse)
absl::StatusOr<v1::ListChangesResponse> AssessmentServiceImpl::DoListChanges(
    const Caller& caller, const v1::ListChangesRequest& r) {
  bool more = false;
  return ChangesPage(caller, r, &more);
}

absl::StatusOr<v1::ListChangesResponse> AssessmentServiceImpl::ChangesPage(
    const Caller& caller, const v1::ListChangesRequest& r, bool* more) {
  if (r.after_sequence() < 0) return absl::InvalidArgumentError("after_sequence: must be >= 0");
  std::string partnership;
  if (!r.partnership().empty()) {
    SIXSTEPS_ASSIGN_OR_RETURN(partnership, ParsePartnership(r.partnership(), "partnership"));
  }
  SIXSTEPS_ASSIGN_OR_RETURN(int page_size, NormalisePageSize(r.page_size(), kListChangesPage));
  ChangePageInfo page;
  // Asked for every page (and every WatchChanges batch): a partnership that opts out
  // leaves the caller's feed within the directory's refresh.
  SIXSTEPS_ASSIGN_OR_RETURN(Visibility visible, VisibilityFor(*directory_, caller));
  SIXSTEPS_ASSIGN_OR_RETURN(std::vector<v1::Change> changes,
                            store_->ListChanges(visible, partnership, r.after_sequence(), page_size,
                                                kFeedPageBytes, &page));
  v1::ListChangesResponse response;
  const int delivered = static_cast<int>(changes.size());
  const int64_t last = changes.empty() ? 0 : changes.back().sequence();
  for (auto& change : changes) {
    // What the records' own RPCs would not show the caller.
    RedactChange(caller, change);
    *response.add_changes() = std::move(change);
  }
  // Per caller: a scoped caller's cursor moves only with changes they were given.
  response.set_next_after_sequence(
      NextAfterSequence(r.after_sequence(), last, delivered, page, caller.SeesEverything()));
  *more = page.more;
  return response;
}

grpc::Status AssessmentServiceImpl::WatchChanges(
    grpc::ServerContext* context, const v1::WatchChangesRequest* request,
    grpc::ServerWriter<v1::WatchChangesResponse>* writer) {
  absl::StatusOr<Caller> caller = verifier_->Authenticate(*context);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  // Each stream holds a thread and polls the database: a few per caller, a bounded number
  // in all. The slot is given back when the stream ends, however it ends.
  absl::StatusOr<WatchSlots::Slot> slot = watch_slots_.Acquire(caller->principal);
  if (!slot.ok()) return ToGrpcStatus(slot.status());
  absl::StatusOr<absl::Time> expires = TokenExpiry(caller->bearer_token);
  if (!expires.ok()) return ToGrpcStatus(expires.status());
  const std::string token = caller->bearer_token;
  const std::string request_id = caller->request_id;
  const grpc::Status expired(grpc::StatusCode::UNAUTHENTICATED,
                             "access token expired: renew it and resume after the last "
                             "sequence you received");
  v1::ListChangesRequest page;
  page.set_after_sequence(request->after_sequence());
  page.set_partnership(request->partnership());
  page.set_page_size(kWatchChangesBatch);
  // Changes committed by other replicas are found by polling; this replica's own
  // commits wake the stream at once.
  constexpr absl::Duration kPollInterval = absl::Milliseconds(250);
  uint64_t generation = signal_->generation();
  while (!context->IsCancelled()) {
    if (shutting_down_) {
      return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                          "the server is shutting down; resume from your last sequence");
    }
    if (absl::Now() >= *expires) return expired;
    // The stream may send only what the token allows now: it is verified again before
    // every batch (a token the verifier has since refused ends the stream), and what the
    // caller may see is derived from that verification, not from the first one.
    absl::StatusOr<Caller> current = verifier_->Verify(token, absl::Now());
    if (!current.ok()) return ToGrpcStatus(current.status());
    current->bearer_token = token;
    current->request_id = request_id;
    bool more = false;
    absl::StatusOr<v1::ListChangesResponse> batch = ChangesPage(*current, page, &more);
    if (!batch.ok()) return ToGrpcStatus(batch.status());
    for (const v1::Change& change : batch->changes()) {
      // A slow reader can hold a batch past the token's end; nothing is sent after it.
      if (absl::Now() >= *expires) return expired;
      v1::WatchChangesResponse message;
      *message.mutable_change() = change;
      if (!writer->Write(message)) return grpc::Status::OK;  // the client went away
    }
    page.set_after_sequence(batch->next_after_sequence());
    if (!more) {
      // Wakes at the token's expiry too, so a quiet stream ends on time.
      absl::Duration until_expiry = absl::Ceil(*expires - absl::Now(), absl::Milliseconds(1));
      generation =
          signal_->Wait(generation, std::clamp(until_expiry, absl::ZeroDuration(), kPollInterval));
    }
  }
  return grpc::Status(grpc::StatusCode::CANCELLED, "the client cancelled the watch");
}

}  // namespace sixsteps::assessment
