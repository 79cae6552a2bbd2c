// AssessmentService: what its handlers share: request digests for idempotent creates, shutdown,
// and access to a round the caller can see. The handlers are in assessment_service_*.cc, one
// file per resource.
#include "services/assessment/assessment_service.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <openssl/sha.h>

#include "services/base/make_status.h"
#include "services/base/status_macros.h"

namespace sixsteps::assessment {
namespace {

// A deterministic digest of a request, for recognising a repeat.
std::string Digest(const google::protobuf::Message& message) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    message.SerializeToCodedStream(&coded);
  }
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), digest);
  return std::string(reinterpret_cast<const char*>(digest), sizeof(digest));
}

}  // namespace

std::optional<IdempotencyKey> KeyFor(const Caller& caller, absl::string_view method,
                                     absl::string_view request_id,
                                     const google::protobuf::Message& request_without_id) {
  if (request_id.empty()) return std::nullopt;
  return IdempotencyKey{caller.principal, std::string(request_id), std::string(method),
                        Digest(request_without_id)};
}

void AssessmentServiceImpl::BeginShutdown() {
  shutting_down_ = true;
  watch_streams_.TickAll();
}

// ---- Access ----

absl::StatusOr<StoredAssessment> AssessmentServiceImpl::VisibleRound(const Caller& caller,
                                                                     const std::string& id) {
  SIXSTEPS_ASSIGN_OR_RETURN(Visibility visible, VisibilityFor(*directory_, caller));
  absl::StatusOr<StoredAssessment> round = store_->GetAssessment(id);
  if (round.ok() && !CanReadRound(caller, visible, round->assessment)) {
    return NotFound(AssessmentName(id));
  }
  return round;
}

absl::Status AssessmentServiceImpl::InVisibleRound(const Caller& caller,
                                                   const std::string& assessment_id, RoundLock lock,
                                                   const AssessmentStore::RoundWork& work) {
  // Asked before the transaction: the directory may call identity.
  SIXSTEPS_ASSIGN_OR_RETURN(Visibility visible, VisibilityFor(*directory_, caller));
  return store_->InRound(assessment_id, lock, [&](RoundTx& tx) -> absl::Status {
    if (!CanReadRound(caller, visible, tx.round().assessment)) {
      return NotFound(AssessmentName(assessment_id));
    }
    return work(tx);
  });
}

}  // namespace sixsteps::assessment
