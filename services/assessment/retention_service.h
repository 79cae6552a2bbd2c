// The gRPC RetentionService (issue 16): a partnership's retention policy, legal holds on its
// rounds, and the tombstones of what the daily purge (retention_purger.h) removed. Served by
// the assessment service.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "services/assessment/directory.h"
#include "services/assessment/retention_store.h"
#include "services/assessment/store.h"
#include "services/base/clock.h"
#include "services/common/auth.h"
#include "sixsteps/assessment/v1/retention_service.grpc.pb.h"

namespace sixsteps::assessment {

class RetentionServiceImpl final : public v1::RetentionService::Service {
 public:
  // Everything must outlive the service.
  RetentionServiceImpl(RetentionStore* retention, AssessmentStore* rounds, Directory* directory,
                       const auth::TokenVerifier* verifier, const Clock* clock)
      : retention_(retention),
        rounds_(rounds),
        directory_(directory),
        verifier_(verifier),
        clock_(clock) {}

  grpc::Status GetRetentionPolicy(grpc::ServerContext*, const v1::GetRetentionPolicyRequest*,
                                  v1::RetentionPolicy*) override;
  grpc::Status UpdateRetentionPolicy(grpc::ServerContext*, const v1::UpdateRetentionPolicyRequest*,
                                     v1::RetentionPolicy*) override;
  grpc::Status PlaceLegalHold(grpc::ServerContext*, const v1::PlaceLegalHoldRequest*,
                              v1::LegalHold*) override;
  grpc::Status LiftLegalHold(grpc::ServerContext*, const v1::LiftLegalHoldRequest*,
                             v1::LegalHold*) override;
  grpc::Status ListLegalHolds(grpc::ServerContext*, const v1::ListLegalHoldsRequest*,
                              v1::ListLegalHoldsResponse*) override;
  grpc::Status ListTombstones(grpc::ServerContext*, const v1::ListTombstonesRequest*,
                              v1::ListTombstonesResponse*) override;

 private:
  const auth::TokenVerifier& verifier() const { return *verifier_; }

  absl::StatusOr<v1::RetentionPolicy> DoGetRetentionPolicy(const Caller& caller,
                                                           const v1::GetRetentionPolicyRequest& r);
  absl::StatusOr<v1::RetentionPolicy> DoUpdateRetentionPolicy(
      const Caller& caller, const v1::UpdateRetentionPolicyRequest& r);
  absl::StatusOr<v1::LegalHold> DoPlaceLegalHold(const Caller& caller,
                                                 const v1::PlaceLegalHoldRequest& r);
  absl::StatusOr<v1::LegalHold> DoLiftLegalHold(const Caller& caller,
                                                const v1::LiftLegalHoldRequest& r);
  absl::StatusOr<v1::ListLegalHoldsResponse> DoListLegalHolds(const Caller& caller,
                                                              const v1::ListLegalHoldsRequest& r);
  absl::StatusOr<v1::ListTombstonesResponse> DoListTombstones(const Caller& caller,
                                                              const v1::ListTombstonesRequest& r);

  // A round the caller may read; NOT_FOUND (naming `name`) otherwise.
  absl::StatusOr<v1::Assessment> ReadableRound(const Caller& caller,
                                               const std::string& assessment_id,
                                               const std::string& name);

  RetentionStore* retention_;
  AssessmentStore* rounds_;
  Directory* directory_;
  const auth::TokenVerifier* verifier_;
  const Clock* clock_;
};

}  // namespace sixsteps::assessment
