// The gRPC VoiceService (voice_service.proto): a round's engagement records, multi-agency
// case audits and learning reviews. The three kinds share one set of handlers, written once
// as templates over the record type (voice_service.cc) with what differs in VoiceTraits; the
// rules are in voice_domain.h, the storage behind VoiceStore.
#pragma once

#include <optional>
#include <set>
#include <string>

#include "absl/status/statusor.h"
#include "services/assessment/directory.h"
#include "services/assessment/voice_domain.h"
#include "services/assessment/voice_store.h"
#include "services/common/auth.h"
#include "sixsteps/assessment/v1/voice_service.grpc.pb.h"

namespace sixsteps::assessment {

class VoiceServiceImpl final : public v1::VoiceService::Service {
 public:
  // Everything must outlive the service.
  VoiceServiceImpl(VoiceStore* store, Directory* directory, const auth::TokenVerifier* verifier)
      : store_(store), directory_(directory), verifier_(verifier) {}

  grpc::Status CreateEngagementRecord(grpc::ServerContext*,
                                      const v1::CreateEngagementRecordRequest*,
                                      v1::EngagementRecord*) override;
  grpc::Status GetEngagementRecord(grpc::ServerContext*, const v1::GetEngagementRecordRequest*,
                                   v1::EngagementRecord*) override;
  grpc::Status ListEngagementRecords(grpc::ServerContext*, const v1::ListEngagementRecordsRequest*,
                                     v1::ListEngagementRecordsResponse*) override;
  grpc::Status UpdateEngagementRecord(grpc::ServerContext*,
                                      const v1::UpdateEngagementRecordRequest*,
                                      v1::EngagementRecord*) override;
  grpc::Status CreateCaseAudit(grpc::ServerContext*, const v1::CreateCaseAuditRequest*,
                               v1::CaseAudit*) override;
  grpc::Status GetCaseAudit(grpc::ServerContext*, const v1::GetCaseAuditRequest*,
                            v1::CaseAudit*) override;
  grpc::Status ListCaseAudits(grpc::ServerContext*, const v1::ListCaseAuditsRequest*,
                              v1::ListCaseAuditsResponse*) override;
  grpc::Status UpdateCaseAudit(grpc::ServerContext*, const v1::UpdateCaseAuditRequest*,
                               v1::CaseAudit*) override;
  grpc::Status CreateLearningReview(grpc::ServerContext*, const v1::CreateLearningReviewRequest*,
                                    v1::LearningReview*) override;
  grpc::Status GetLearningReview(grpc::ServerContext*, const v1::GetLearningReviewRequest*,
                                 v1::LearningReview*) override;
  grpc::Status ListLearningReviews(grpc::ServerContext*, const v1::ListLearningReviewsRequest*,
                                   v1::ListLearningReviewsResponse*) override;
  grpc::Status UpdateLearningReview(grpc::ServerContext*, const v1::UpdateLearningReviewRequest*,
                                    v1::LearningReview*) override;

 private:
  const auth::TokenVerifier& verifier() const { return *verifier_; }

  absl::StatusOr<v1::EngagementRecord> DoCreateEngagementRecord(
      const Caller& caller, const v1::CreateEngagementRecordRequest& r);
  absl::StatusOr<v1::EngagementRecord> DoGetEngagementRecord(
      const Caller& caller, const v1::GetEngagementRecordRequest& r);
  absl::StatusOr<v1::ListEngagementRecordsResponse> DoListEngagementRecords(
      const Caller& caller, const v1::ListEngagementRecordsRequest& r);
  absl::StatusOr<v1::EngagementRecord> DoUpdateEngagementRecord(
      const Caller& caller, const v1::UpdateEngagementRecordRequest& r);
  absl::StatusOr<v1::CaseAudit> DoCreateCaseAudit(const Caller& caller,
                                                  const v1::CreateCaseAuditRequest& r);
  absl::StatusOr<v1::CaseAudit> DoGetCaseAudit(const Caller& caller,
                                               const v1::GetCaseAuditRequest& r);
  absl::StatusOr<v1::ListCaseAuditsResponse> DoListCaseAudits(const Caller& caller,
                                                              const v1::ListCaseAuditsRequest& r);
  absl::StatusOr<v1::CaseAudit> DoUpdateCaseAudit(const Caller& caller,
                                                  const v1::UpdateCaseAuditRequest& r);
  absl::StatusOr<v1::LearningReview> DoCreateLearningReview(
      const Caller& caller, const v1::CreateLearningReviewRequest& r);
  absl::StatusOr<v1::LearningReview> DoGetLearningReview(const Caller& caller,
                                                         const v1::GetLearningReviewRequest& r);
  absl::StatusOr<v1::ListLearningReviewsResponse> DoListLearningReviews(
      const Caller& caller, const v1::ListLearningReviewsRequest& r);
  absl::StatusOr<v1::LearningReview> DoUpdateLearningReview(
      const Caller& caller, const v1::UpdateLearningReviewRequest& r);

  // The shared handlers, one per kind of call (voice_service.cc).
  template <typename Record, typename Request>
  absl::StatusOr<Record> Create(const Caller& caller, const Request& request, const Record& input);
  template <typename Record>
  absl::StatusOr<Record> Get(const Caller& caller, const std::string& name);
  template <typename Record, typename Response>
  absl::StatusOr<Response> List(const Caller& caller, const std::string& parent, int page_size,
                                const std::string& page_token,
                                google::protobuf::RepeatedPtrField<Record>* (Response::*items)());
  template <typename Record>
  absl::StatusOr<Record> Update(const Caller& caller, const Record& input);
  // The checks of a write that need no transaction: the round is one the caller can see
  // (NOT_FOUND), the record is valid for it (INVALID_ARGUMENT), its agencies exist (asked of the
  // directory, which may call identity: never inside a transaction).
  template <typename Record>
  absl::Status CheckBeforeWriting(const Caller& caller, const std::string& assessment_id,
                                  const Record& record);
  // Validates a record against the round (its rules, agencies through the directory, linked
  // actions in the partnership), then stores it with its change.
  template <typename Record>
  // Files the record named before this write (`kept_files`) stay named once purged.
  absl::Status CheckAndStore(VoiceTx& tx, const Caller& caller, Record& record,
                             v1::ChangeKind change, const std::set<std::string>& kept_files = {});
  // Runs `work` on a round the caller can see (NOT_FOUND otherwise).
  absl::Status InVisibleRound(const Caller& caller, const std::string& assessment_id,
                              RoundLock lock, const VoiceStore::VoiceWork& work,
                              const IdempotencyKey* key = nullptr,
                              std::optional<std::string>* repeated = nullptr);

  VoiceStore* store_;
  Directory* directory_;
  const auth::TokenVerifier* verifier_;
};

}  // namespace sixsteps::assessment
