// The gRPC ActionService: action plans of the rounds, in the assessment service's store.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/assessment/action_domain.h"
#include "services/assessment/directory.h"
#include "services/assessment/store.h"
#include "services/common/auth.h"
#include "sixsteps/action/v1/action_service.grpc.pb.h"

namespace sixsteps::assessment {

class ActionServiceImpl final : public av1::ActionService::Service {
 public:
  // Everything must outlive the service. `hub_time_zone` decides what "today" is for
  // overdue actions.
  ActionServiceImpl(AssessmentStore* store, Directory* directory,
                    const auth::TokenVerifier* verifier, absl::TimeZone hub_time_zone)
      : store_(store), directory_(directory), verifier_(verifier), zone_(hub_time_zone) {}

  grpc::Status CreateAction(grpc::ServerContext*, const av1::CreateActionRequest*,
                            av1::Action*) override;
  grpc::Status GetAction(grpc::ServerContext*, const av1::GetActionRequest*, av1::Action*) override;
  grpc::Status ListActions(grpc::ServerContext*, const av1::ListActionsRequest*,
                           av1::ListActionsResponse*) override;
  grpc::Status UpdateAction(grpc::ServerContext*, const av1::UpdateActionRequest*,
                            av1::Action*) override;
  grpc::Status AddProgressUpdate(grpc::ServerContext*, const av1::AddProgressUpdateRequest*,
                                 av1::Action*) override;
  grpc::Status ListProgressUpdates(grpc::ServerContext*, const av1::ListProgressUpdatesRequest*,
                                   av1::ListProgressUpdatesResponse*) override;
  grpc::Status CompleteAction(grpc::ServerContext*, const av1::CompleteActionRequest*,
                              av1::Action*) override;
  grpc::Status CancelAction(grpc::ServerContext*, const av1::CancelActionRequest*,
                            av1::Action*) override;
  grpc::Status CarryOverActions(grpc::ServerContext*, const av1::CarryOverActionsRequest*,
                                av1::CarryOverActionsResponse*) override;

 private:
  // Unit tests call the handlers directly, with a caller they build (tests/unit).
  friend class ActionServicePeer;

  // SIXSTEPS_RPC authenticates each call with this, then calls Do{Method}.
  const auth::TokenVerifier& verifier() const { return *verifier_; }

  // One handler per RPC, named after it, next to the SIXSTEPS_RPC line that serves it.
  absl::StatusOr<av1::Action> DoCreateAction(const Caller& caller,
                                             const av1::CreateActionRequest& r);
  absl::StatusOr<av1::Action> DoGetAction(const Caller& caller, const av1::GetActionRequest& r);
  absl::StatusOr<av1::ListActionsResponse> DoListActions(const Caller& caller,
                                                         const av1::ListActionsRequest& r);
  absl::StatusOr<av1::Action> DoUpdateAction(const Caller& caller,
                                             const av1::UpdateActionRequest& r);
  absl::StatusOr<av1::Action> DoAddProgressUpdate(const Caller& caller,
                                                  const av1::AddProgressUpdateRequest& r);
  absl::StatusOr<av1::ListProgressUpdatesResponse> DoListProgressUpdates(
      const Caller& caller, const av1::ListProgressUpdatesRequest& r);
  absl::StatusOr<av1::Action> DoCompleteAction(const Caller& caller,
                                               const av1::CompleteActionRequest& r);
  absl::StatusOr<av1::Action> DoCancelAction(const Caller& caller,
                                             const av1::CancelActionRequest& r);
  absl::StatusOr<av1::CarryOverActionsResponse> DoCarryOverActions(
      const Caller& caller, const av1::CarryOverActionsRequest& r);

  // Runs `change` on an action of a round the caller can see, under the action's row lock.
  // `precheck`, if set, runs first on the action as read without a lock (with its id), to
  // refuse early what `change` would refuse anyway.
  using ActionChange =
      std::function<absl::Status(RoundTx& tx, av1::Action& action, Provenance& provenance)>;
  using ActionPrecheck =
      std::function<absl::Status(const std::string& id, const av1::Action& found)>;
  absl::StatusOr<av1::Action> ChangeAction(const Caller& caller, const std::string& name,
                                           const std::string& etag, const ActionChange& change,
                                           const ActionPrecheck& precheck = nullptr);
  std::string Today() const;

  AssessmentStore* store_;
  Directory* directory_;
  const auth::TokenVerifier* verifier_;
  absl::TimeZone zone_;
};

}  // namespace sixsteps::assessment
