// gmock fake of IdentityStore (google-cloud-cpp's mocks/ style), so that unit tests drive
// IdentityServiceImpl's rules without PostgreSQL. Link sixsteps_identity_mocks.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <gmock/gmock.h>

#include "services/identity/store.h"

namespace sixsteps::identity::mocks {

class MockIdentityStore : public IdentityStore {
 public:
  MOCK_METHOD(absl::Status, CreateRegion,
              (const std::string& id, const std::string& display_name, const NewAuditEvent& audit),
              (override));
  MOCK_METHOD(absl::StatusOr<v1::Region>, GetRegion, (const std::string& id), (override));
  MOCK_METHOD(absl::StatusOr<std::vector<v1::Region>>, ListRegions,
              (const Visibility& visible, const std::string& after, int limit), (override));
  MOCK_METHOD(absl::Status, CreatePartnership,
              (const std::string& id, const v1::Partnership& partnership,
               const std::string& region_id, const NewAuditEvent& audit),
              (override));
  MOCK_METHOD(absl::StatusOr<v1::Partnership>, GetPartnership, (const std::string& id), (override));
  MOCK_METHOD(absl::StatusOr<std::vector<v1::Partnership>>, ListPartnerships,
              (const Visibility& visible, const std::string& region_filter,
               const std::string& after, int limit),
              (override));
  MOCK_METHOD(absl::StatusOr<v1::Partnership>, UpdatePartnership,
              (const std::string& id, const v1::Partnership& values, const std::string& etag,
               const NewAuditEvent& audit),
              (override));
  MOCK_METHOD(absl::Status, CreateOrganisation,
              (const std::string& partnership_id, const std::string& organisation_id,
               const v1::Organisation& organisation),
              (override));
  MOCK_METHOD(absl::StatusOr<v1::Organisation>, GetOrganisation,
              (const std::string& partnership_id, const std::string& organisation_id), (override));
  MOCK_METHOD(absl::StatusOr<std::vector<v1::Organisation>>, ListOrganisations,
              (const std::string& partnership_id, const std::string& after, int limit), (override));
  MOCK_METHOD(absl::StatusOr<std::vector<v1::Organisation>>, ListVisibleOrganisations,
              (const Visibility& visible, const std::string& after_partnership,
               const std::string& after_organisation, int limit),
              (override));
  MOCK_METHOD(absl::Status, CreateUser,
              (const std::string& id, const v1::User& user, const std::string& password_hash,
               const NewAuditEvent& audit),
              (override));
  MOCK_METHOD(absl::StatusOr<StoredUser>, GetUser, (const std::string& id), (override));
  MOCK_METHOD(absl::StatusOr<StoredUser>, FindUserByEmail, (const std::string& normalised_email),
              (override));
  MOCK_METHOD(absl::StatusOr<std::vector<v1::User>>, ListUsers,
              (const Visibility& visible, const std::string& after, int limit), (override));
  MOCK_METHOD(absl::Status, ChangePassword,
              (const std::string& user_id, const std::string& hash, const NewAuditEvent& audit),
              (override));
  MOCK_METHOD(absl::StatusOr<bool>, AnyHubAdministrator, (), (override));
  MOCK_METHOD(absl::StatusOr<std::string>, BootstrapAdministrator,
              (const std::string& new_user_id, const v1::User& user,
               const std::string& password_hash, const std::string& binding_id),
              (override));
  MOCK_METHOD(absl::Status, CreateServiceAccount,
              (const std::string& id, const v1::ServiceAccount& account,
               const std::string& owner_region, const NewAuditEvent& audit),
              (override));
  MOCK_METHOD((absl::StatusOr<std::pair<v1::ServiceAccount, std::string>>), GetServiceAccount,
              (const std::string& id), (override));
  MOCK_METHOD(absl::StatusOr<std::vector<v1::ServiceAccount>>, ListServiceAccounts,
              (const Visibility& visible, const std::string& after, int limit), (override));
  MOCK_METHOD(absl::Status, CreateApiKey,
              (const std::string& service_account_id, const std::string& api_key_id,
               const v1::ApiKey& api_key, const std::string& secret_hash,
               const NewAuditEvent& audit),
              (override));
  MOCK_METHOD(absl::StatusOr<StoredApiKey>, GetApiKey, (const std::string& api_key_id), (override));
  MOCK_METHOD(absl::StatusOr<std::vector<v1::ApiKey>>, ListApiKeys,
              (const std::string& service_account_id, const std::string& after, int limit),
              (override));
  MOCK_METHOD(absl::StatusOr<v1::ApiKey>, RevokeApiKey,
              (const std::string& api_key_id, absl::Duration tokens_live_for,
               const NewAuditEvent& audit),
              (override));
  MOCK_METHOD(absl::Status, CreateRoleBinding,
              (const StoredRoleBinding& binding, const NewAuditEvent& audit), (override));
  MOCK_METHOD(absl::StatusOr<StoredRoleBinding>, GetRoleBinding, (const std::string& id),
              (override));
  MOCK_METHOD(absl::Status, DeleteRoleBinding,
              (const std::string& id, absl::Duration tokens_live_for, const NewAuditEvent& audit),
              (override));
  MOCK_METHOD(absl::StatusOr<std::vector<StoredRoleBinding>>, ListRoleBindings,
              (const Visibility& visible, const std::string& principal_filter,
               const std::string& region_filter, const std::string& partnership_filter,
               const std::string& after, int limit),
              (override));
  MOCK_METHOD(absl::StatusOr<std::vector<BindingScope>>, BindingsOf, (const std::string& principal),
              (override));
  MOCK_METHOD(absl::Status, RevokePrincipalTokens,
              (const std::string& principal, absl::Duration tokens_live_for), (override));
  MOCK_METHOD(absl::StatusOr<StoredRevocations>, ListTokenRevocations, (absl::Time now, int limit),
              (override));
  MOCK_METHOD(absl::StatusOr<bool>, IsTokenRevoked,
              (const std::string& principal, const std::string& api_key_id, absl::Time issue_time),
              (override));
  MOCK_METHOD(absl::Status, CreateRefreshToken,
              (const std::string& token_hash, const std::string& user_id,
               const std::string& family_id, absl::Time expire_time),
              (override));
  MOCK_METHOD(absl::StatusOr<std::string>, RotateRefreshToken,
              (const std::string& old_hash, const std::string& new_hash, absl::Time new_expire_time,
               absl::Time now),
              (override));
  MOCK_METHOD(absl::Status, RevokeRefreshToken, (const std::string& token_hash), (override));
  MOCK_METHOD(absl::StatusOr<BackoffState>, GetBackoff,
              (const std::string& email_key, const std::string& client), (override));
  MOCK_METHOD(absl::StatusOr<BackoffState>, ClaimPasswordAttempt,
              (const std::string& email_key, const std::string& client, absl::Time now),
              (override));
  MOCK_METHOD(absl::Status, ClearBackoff, (const std::string& email_key, const std::string& client),
              (override));
  MOCK_METHOD(absl::StatusOr<int>, ClearAllBackoffs,
              (const std::string& email_key, const NewAuditEvent& audit), (override));
  MOCK_METHOD(absl::StatusOr<SigningKey>, CurrentSigningKey, (), (override));
  MOCK_METHOD(absl::StatusOr<std::vector<SigningKey>>, PublishedSigningKeys, (absl::Time since),
              (override));
  MOCK_METHOD(absl::Status, InstallSigningKey,
              (const SigningKey& key, bool only_if_none, const NewAuditEvent& audit), (override));
  MOCK_METHOD(absl::StatusOr<int>, ResealSigningKeys,
              (const Resealer& reseal, const NewAuditEvent& audit), (override));
  MOCK_METHOD(absl::Status, AppendAudit, (const NewAuditEvent& event), (override));
  MOCK_METHOD(absl::StatusOr<std::vector<v1::AuditEvent>>, ListAuditEvents,
              (const Visibility& visible, const std::string& region_filter, int64_t before_id,
               int limit),
              (override));
};

}  // namespace sixsteps::identity::mocks
