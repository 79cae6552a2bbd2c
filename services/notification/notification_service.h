// The gRPC NotificationService: the outbox (what was composed, for whom) and the rule
// switches of each partnership. Handlers are thin: who may see what is decided here from
// the caller's grants, the rest is the store's.
#pragma once

#include "absl/status/statusor.h"
#include "services/common/auth.h"
#include "services/notification/people.h"
#include "services/notification/store.h"
#include "sixsteps/notification/v1/notification_service.grpc.pb.h"

namespace sixsteps::notification {

using auth::Caller;

// The deliveries a caller may read: deployment administrators all; hub administrators
// their regions'; partnership administrators their partnerships'; everyone their own.
DeliveryVisibility VisibilityOf(const Caller& caller);

// The switches to apply: INVALID_ARGUMENT naming the first unknown or repeated rule, or
// too many switches.
absl::StatusOr<std::map<std::string, bool>> ParseRuleSwitches(
    const google::protobuf::RepeatedPtrField<nv1::RuleSwitch>& switches);

// Every rule with the partnership's setting (on unless switched off).
nv1::RuleSettings SettingsOf(const std::string& partnership_id,
                             const NotificationStore::Switches& switches);

class NotificationServiceImpl final : public nv1::NotificationService::Service {
 public:
  NotificationServiceImpl(NotificationStore* store, People* people,
                          const auth::TokenVerifier* verifier)
      : store_(store), people_(people), verifier_(verifier) {}

  grpc::Status ListOutboxMessages(grpc::ServerContext*, const nv1::ListOutboxMessagesRequest*,
                                  nv1::ListOutboxMessagesResponse*) override;
  grpc::Status GetOutboxMessage(grpc::ServerContext*, const nv1::GetOutboxMessageRequest*,
                                nv1::OutboxMessage*) override;
  grpc::Status GetRuleSettings(grpc::ServerContext*, const nv1::GetRuleSettingsRequest*,
                               nv1::RuleSettings*) override;
  grpc::Status UpdateRuleSettings(grpc::ServerContext*, const nv1::UpdateRuleSettingsRequest*,
                                  nv1::RuleSettings*) override;

 private:
  const auth::TokenVerifier& verifier() const { return *verifier_; }

  absl::StatusOr<nv1::ListOutboxMessagesResponse> DoListOutboxMessages(
      const Caller& caller, const nv1::ListOutboxMessagesRequest& request);
  absl::StatusOr<nv1::OutboxMessage> DoGetOutboxMessage(
      const Caller& caller, const nv1::GetOutboxMessageRequest& request);
  absl::StatusOr<nv1::RuleSettings> DoGetRuleSettings(const Caller& caller,
                                                      const nv1::GetRuleSettingsRequest& request);
  absl::StatusOr<nv1::RuleSettings> DoUpdateRuleSettings(
      const Caller& caller, const nv1::UpdateRuleSettingsRequest& request);
  // The partnership of "partnerships/{p}/ruleSettings" if the caller may see it (its region
  // is identity's); NOT_FOUND otherwise. `manage`: PERMISSION_DENIED unless they administer it.
  absl::StatusOr<std::string> SettingsPartnership(const Caller& caller, const std::string& name,
                                                  bool manage);

  NotificationStore* store_;
  People* people_;
  const auth::TokenVerifier* verifier_;
};

}  // namespace sixsteps::notification
