// AssessmentService: the change feed: ListChanges pages and WatchChanges streams.
#include "services/assessment/assessment_service.h"

#include <algorithm>
#include <deque>
#include <optional>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/assessment/change_redaction.h"
#include "services/assessment/page_sizes.h"
#include "services/base/clock.h"
#include "services/base/make_status.h"
#include "services/common/grpc_reply.h"
#include "services/common/server.h"

namespace sixsteps::assessment {

SIXSTEPS_RPC(AssessmentServiceImpl, ListChanges, v1::ListChangesRequest, v1::ListChangesResponse)
absl::StatusOr<v1::ListChangesResponse> AssessmentServiceImpl::DoListChanges(
    const Caller& caller, const v1::ListChangesRequest& r) {
  // Read-your-writes for a page asked for (streams are woken once entries are numbered).
  SIXSTEPS_RETURN_IF_ERROR(store_->NumberCommittedChanges());
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

// One WatchChanges stream: a reactor that reads the feed on WatchStreams' workers when woken
// and writes what it read, one change at a time. Its state is guarded by mu_; what it then
// asks of gRPC or of WatchStreams (a write, a read, the end) is done once mu_ is released.
// It ends once, when neither a read nor a write is in flight: the client cancelled or went
// away, the token expired or was refused, the server is stopping, or a read failed for a
// reason other than the database being away (then it reads again, from its cursor, on the
// next wake or sweep: the feed sequencer wakes every stream once it has reconnected).
class WatchStream final : public grpc::ServerWriteReactor<v1::WatchChangesResponse>,
                          public WatchedStream {
 public:
  WatchStream(AssessmentServiceImpl* service, WatchSlots::Slot slot, std::string token,
              std::string request_id, absl::Time expires, const v1::WatchChangesRequest& request)
      : service_(service),
        slot_(std::move(slot)),
        token_(std::move(token)),
        request_id_(std::move(request_id)),
        expires_(expires) {
    page_.set_after_sequence(request.after_sequence());
    page_.set_partnership(request.partnership());
    page_.set_page_size(kWatchChangesBatch);
  }

  void Begin() {
    {
      absl::MutexLock lock(&mu_);
      reading_ = true;
    }
    service_->watch_streams_.Add(this);
    service_->watch_streams_.Schedule(this);
  }

  Next Wake() override {
    absl::MutexLock lock(&mu_);
    if (ended_) return Next::kNothing;
    if (reading_ || writing_) {
      woken_ = true;  // read again once this read or batch is done
      return Next::kNothing;
    }
    reading_ = true;
    return Next::kRead;
  }

  Next Tick(absl::Time now) override {
    absl::MutexLock lock(&mu_);
    if (ended_ || reading_ || writing_) return Next::kNothing;
    if (std::optional<grpc::Status> end = EndNow(now); end.has_value()) {
      End(*end);
      return Next::kFinish;
    }
    if (!retry_) return Next::kNothing;
    retry_ = false;
    reading_ = true;
    return Next::kRead;
  }

  void SendFinish() override {
    grpc::Status status;
    {
      absl::MutexLock lock(&mu_);
      status = end_status_;
    }
    Finish(status);
  }

  void Fetch() override {
    Step step;
    {
      absl::MutexLock lock(&mu_);
      if (std::optional<grpc::Status> end = EndNow(absl::Now()); end.has_value()) {
        reading_ = false;
        step = EndWith(*end);
      }
    }
    if (step.finish.has_value()) {
      Perform(step);
      return;
    }
    bool more = false;
    absl::StatusOr<v1::ListChangesResponse> batch = Read(&more);
    {
      absl::MutexLock lock(&mu_);
      reading_ = false;
      if (!batch.ok() && batch.status().code() == absl::StatusCode::kUnavailable) {
        retry_ = true;  // the database is away: the sweep or the next wake reads again
        step = Continue();
      } else if (!batch.ok()) {
        step = EndWith(ToGrpcStatus(batch.status()));
      } else {
        page_.set_after_sequence(batch->next_after_sequence());
        for (v1::Change& change : *batch->mutable_changes()) {
          v1::WatchChangesResponse message;
          *message.mutable_change() = std::move(change);
          outbox_.push_back(std::move(message));
        }
        if (more) woken_ = true;
        step = Continue();
      }
    }
    Perform(step);
  }

  void OnWriteDone(bool ok) override {
    Step step;
    {
      absl::MutexLock lock(&mu_);
      writing_ = false;
      outbox_.pop_front();
      // Not ok: the client went away.
      step = ok ? Continue() : EndWith(grpc::Status::OK);
    }
    Perform(step);
  }

  void OnCancel() override {
    Step step;
    {
      absl::MutexLock lock(&mu_);
      cancelled_ = true;
      if (!reading_ && !writing_) step = EndWith(Cancelled());
    }
    Perform(step);
  }

  void OnDone() override {
    service_->watch_streams_.Remove(this);
    delete this;
  }

 private:
  // What to do once mu_ is released.
  struct Step {
    const v1::WatchChangesResponse* write = nullptr;
    bool read = false;
    std::optional<grpc::Status> finish;
  };

  void Perform(const Step& step) {
    if (step.write != nullptr) StartWrite(step.write);
    if (step.read) service_->watch_streams_.Schedule(this);
    if (step.finish.has_value()) Finish(*step.finish);
  }

  static grpc::Status Cancelled() {
    return grpc::Status(grpc::StatusCode::CANCELLED, "the client cancelled the watch");
  }

  // Why the stream must end now, if it must.
  std::optional<grpc::Status> EndNow(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (cancelled_) return Cancelled();
    if (service_->shutting_down_) {
      return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                          "the server is shutting down; resume from your last sequence");
    }
    if (now >= expires_) {
      return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                          "access token expired: renew it and resume after the last "
                          "sequence you received");
    }
    return std::nullopt;
  }

  void End(grpc::Status status) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    ended_ = true;
    end_status_ = std::move(status);
  }

  Step EndWith(grpc::Status status) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    Step step;
    if (ended_) return step;
    End(std::move(status));
    step.finish = end_status_;
    return step;
  }

  // After a read or a write: the next write, the next read, the end, or sleep until woken.
  Step Continue() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    Step step;
    if (ended_) return step;
    // A slow reader can hold a batch past the token's end; nothing is sent after it.
    if (std::optional<grpc::Status> end = EndNow(absl::Now()); end.has_value()) {
      return EndWith(*end);
    }
    if (!outbox_.empty()) {
      writing_ = true;
      step.write = &outbox_.front();
    } else if (woken_) {
      woken_ = false;
      reading_ = true;
      step.read = true;
    }
    return step;
  }

  // One batch after the cursor, as the token allows now: it is verified again before every
  // batch (a token the verifier has since refused ends the stream), and what the caller may
  // see is derived from that verification, not from the first one.
  absl::StatusOr<v1::ListChangesResponse> Read(bool* more) {
    v1::ListChangesRequest page;
    {
      absl::MutexLock lock(&mu_);
      page = page_;
    }
    SIXSTEPS_ASSIGN_OR_RETURN(Caller current, service_->verifier_->Verify(token_, absl::Now()));
    current.bearer_token = token_;
    current.request_id = request_id_;
    return service_->ChangesPage(current, page, more);
  }

  AssessmentServiceImpl* const service_;
  const WatchSlots::Slot slot_;  // given back when the stream is deleted
  const std::string token_;
  const std::string request_id_;
  const absl::Time expires_;
  absl::Mutex mu_;
  v1::ListChangesRequest page_ ABSL_GUARDED_BY(mu_);
  // The batch being written; a deque, so the change in flight stays where it is.
  std::deque<v1::WatchChangesResponse> outbox_ ABSL_GUARDED_BY(mu_);
  bool reading_ ABSL_GUARDED_BY(mu_) = false;  // queued or running on a worker
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool woken_ ABSL_GUARDED_BY(mu_) = false;
  bool retry_ ABSL_GUARDED_BY(mu_) = false;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  bool ended_ ABSL_GUARDED_BY(mu_) = false;
  grpc::Status end_status_ ABSL_GUARDED_BY(mu_);
};

namespace {

// A stream refused before it started: it only sends the refusal.
class RefusedStream final : public grpc::ServerWriteReactor<v1::WatchChangesResponse> {
 public:
  explicit RefusedStream(const absl::Status& status) { Finish(ToGrpcStatus(status)); }
  void OnDone() override { delete this; }
};

// The caller of a stream, from its metadata as TokenVerifier::Authenticate reads a
// synchronous call's.
absl::StatusOr<Caller> AuthenticateStream(const auth::TokenVerifier& verifier,
                                          const grpc::CallbackServerContext& context) {
  const auto& metadata = context.client_metadata();
  auto header = metadata.find("authorization");
  if (header == metadata.end()) {
    return absl::UnauthenticatedError("sign in first: send 'authorization: Bearer <access token>'");
  }
  absl::string_view value(header->second.data(), header->second.size());
  constexpr absl::string_view kBearer = "Bearer ";
  if (!absl::StartsWithIgnoreCase(value, kBearer)) {
    return absl::UnauthenticatedError("the authorization header must be 'Bearer <access token>'");
  }
  const std::string token(value.substr(kBearer.size()));
  SIXSTEPS_ASSIGN_OR_RETURN(Caller caller, verifier.Verify(token, absl::Now()));
  caller.bearer_token = token;
  auto request_id = metadata.find(kRequestIdKey);
  if (request_id != metadata.end()) {
    caller.request_id = std::string(request_id->second.data(), request_id->second.size());
  }
  return caller;
}

}  // namespace

grpc::ServerWriteReactor<v1::WatchChangesResponse>* AssessmentServiceImpl::WatchChanges(
    grpc::CallbackServerContext* context, const v1::WatchChangesRequest* request) {
  auto refuse = [](const absl::Status& status) { return new RefusedStream(status); };
  if (absl::Status bad = CheckRequestStrings(*request); !bad.ok()) return refuse(bad);
  absl::StatusOr<Caller> caller = AuthenticateStream(*verifier_, *context);
  if (!caller.ok()) return refuse(caller.status());
  // A few streams per caller, a bounded number in all; the slot is given back when the
  // stream ends, however it ends.
  absl::StatusOr<WatchSlots::Slot> slot = watch_slots_.Acquire(caller->principal);
  if (!slot.ok()) return refuse(slot.status());
  absl::StatusOr<absl::Time> expires = TokenExpiry(caller->bearer_token);
  if (!expires.ok()) return refuse(expires.status());
  auto* stream = new WatchStream(this, std::move(*slot), caller->bearer_token, caller->request_id,
                                 *expires, *request);
  stream->Begin();
  return stream;
}

}  // namespace sixsteps::assessment
