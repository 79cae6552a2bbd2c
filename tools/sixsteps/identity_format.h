// Text output of the identity commands, for people. Scripts use --output json instead, so
// this format may change. Lists are tables with a header row; one resource is a few
// "Label: value" lines.
#pragma once

#include <string>
#include <vector>

#include "sixsteps/identity/v1/identity.pb.h"
#include "sixsteps/identity/v1/identity_service.pb.h"

namespace sixsteps::cli {

namespace iv1 = ::sixsteps::identity::v1;

// "2025-01-31T12:00:00Z"; "-" for an unset timestamp.
std::string FormatTime(const google::protobuf::Timestamp& timestamp);

std::string FormatRegion(const iv1::Region& region);
std::string FormatRegionList(const std::vector<iv1::Region>& regions);

std::string FormatPartnership(const iv1::Partnership& partnership);
std::string FormatPartnershipList(const std::vector<iv1::Partnership>& partnerships);

std::string FormatOrganisation(const iv1::Organisation& organisation);
std::string FormatOrganisationList(const std::vector<iv1::Organisation>& organisations);

std::string FormatUser(const iv1::User& user);
std::string FormatUserList(const std::vector<iv1::User>& users);

// "roleBindings/rb-1: independent_scrutineer on partnerships/luton for users/u-1".
std::string FormatRoleBinding(const iv1::RoleBinding& binding);
std::string FormatRoleBindingList(const std::vector<iv1::RoleBinding>& bindings);

std::string FormatServiceAccount(const iv1::ServiceAccount& account);
std::string FormatServiceAccountList(const std::vector<iv1::ServiceAccount>& accounts);

std::string FormatApiKey(const iv1::ApiKey& key);
std::string FormatApiKeyList(const std::vector<iv1::ApiKey>& keys);

std::string FormatAuditEventList(const std::vector<iv1::AuditEvent>& events);

std::string FormatPublicKeyList(const std::vector<iv1::PublicKey>& keys);

// whoami: principal, name, then the role bindings (role, scope, organisation).
std::string FormatPrincipal(const iv1::GetCurrentPrincipalResponse& principal);

}  // namespace sixsteps::cli
