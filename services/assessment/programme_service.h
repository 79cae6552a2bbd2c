// The gRPC ProgrammeService (issue 15): a partnership's planned rounds and respondents'
// response deadlines, served by the assessment service beside AssessmentService. The rules
// are in programme_domain.h; planned rounds open by themselves through the opener
// (programme_opener.h), not through an RPC.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/assessment/directory.h"
#include "services/assessment/programme_store.h"
#include "services/base/clock.h"
#include "services/common/auth.h"
#include "sixsteps/assessment/v1/programme_service.grpc.pb.h"

namespace sixsteps::assessment {

class ProgrammeServiceImpl final : public v1::ProgrammeService::Service {
 public:
  // Everything must outlive the service. `clock` and `hub_time_zone` say what "today" is
  // (an open date may not be before it).
  ProgrammeServiceImpl(ProgrammeStore* programme, AssessmentStore* rounds, Directory* directory,
                       const auth::TokenVerifier* verifier, const Clock* clock,
                       absl::TimeZone hub_time_zone)
      : programme_(programme),
        rounds_(rounds),
        directory_(directory),
        verifier_(verifier),
        clock_(clock),
        zone_(hub_time_zone) {}

  grpc::Status CreatePlannedRound(grpc::ServerContext*, const v1::CreatePlannedRoundRequest*,
                                  v1::PlannedRound*) override;
  grpc::Status GetPlannedRound(grpc::ServerContext*, const v1::GetPlannedRoundRequest*,
                               v1::PlannedRound*) override;
  grpc::Status ListPlannedRounds(grpc::ServerContext*, const v1::ListPlannedRoundsRequest*,
                                 v1::ListPlannedRoundsResponse*) override;
  grpc::Status UpdatePlannedRound(grpc::ServerContext*, const v1::UpdatePlannedRoundRequest*,
                                  v1::PlannedRound*) override;
  grpc::Status CancelPlannedRound(grpc::ServerContext*, const v1::CancelPlannedRoundRequest*,
                                  v1::PlannedRound*) override;
  grpc::Status ExtendResponseDeadline(grpc::ServerContext*,
                                      const v1::ExtendResponseDeadlineRequest*,
                                      v1::Respondent*) override;

 private:
  // SIXSTEPS_RPC authenticates each call with this, then calls Do{Method}.
  const auth::TokenVerifier& verifier() const { return *verifier_; }

  absl::StatusOr<v1::PlannedRound> DoCreatePlannedRound(const Caller& caller,
                                                        const v1::CreatePlannedRoundRequest& r);
  absl::StatusOr<v1::PlannedRound> DoGetPlannedRound(const Caller& caller,
                                                     const v1::GetPlannedRoundRequest& r);
  absl::StatusOr<v1::ListPlannedRoundsResponse> DoListPlannedRounds(
      const Caller& caller, const v1::ListPlannedRoundsRequest& r);
  absl::StatusOr<v1::PlannedRound> DoUpdatePlannedRound(const Caller& caller,
                                                        const v1::UpdatePlannedRoundRequest& r);
  absl::StatusOr<v1::PlannedRound> DoCancelPlannedRound(const Caller& caller,
                                                        const v1::CancelPlannedRoundRequest& r);
  absl::StatusOr<v1::Respondent> DoExtendResponseDeadline(
      const Caller& caller, const v1::ExtendResponseDeadlineRequest& r);

  // The planned round, if the caller can see its partnership (NOT_FOUND otherwise).
  absl::StatusOr<v1::PlannedRound> VisiblePlan(const Caller& caller, const std::string& id);
  // The published framework version `name`, with the standing respondents of `plan`
  // checked against it and against identity (organisations, scrutineers).
  absl::StatusOr<fv1::FrameworkVersion> CheckAgainstDirectory(const Caller& caller,
                                                              const v1::PlannedRound& plan);
  std::string Today() const;

  ProgrammeStore* programme_;
  AssessmentStore* rounds_;
  Directory* directory_;
  const auth::TokenVerifier* verifier_;
  const Clock* clock_;
  absl::TimeZone zone_;
};

}  // namespace sixsteps::assessment
