// IdentityService's role bindings: who holds which role where.
#include "services/identity/identity_service.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/base/make_status.h"
#include "services/base/status_macros.h"
#include "services/common/grpc_reply.h"
#include "services/common/ids.h"
#include "services/common/validation.h"
#include "services/identity/identity_service_internal.h"
#include "services/identity/page_sizes.h"

namespace sixsteps::identity {

SIXSTEPS_RPC(IdentityServiceImpl, CreateRoleBinding, v1::CreateRoleBindingRequest, v1::RoleBinding)

absl::StatusOr<v1::RoleBinding> IdentityServiceImpl::DoCreateRoleBinding(
    const Caller& caller, const v1::CreateRoleBindingRequest& r) {
  const v1::RoleBinding& request = r.role_binding();
  SIXSTEPS_ASSIGN_OR_RETURN(PrincipalName principal,
                            ParsePrincipalName(request.principal(), "role_binding.principal"));
  SIXSTEPS_ASSIGN_OR_RETURN(BindingScope scope,
                            ResolveScope(caller, request.scope(), "role_binding.scope"));
  scope.role = request.role();
  scope.principal_is_service_account = principal.service_account;
  if (!request.organisation().empty()) {
    SIXSTEPS_ASSIGN_OR_RETURN(
        OrganisationName organisation,
        ParseOrganisationName(request.organisation(), "role_binding.organisation"));
    if (organisation.partnership_id != scope.partnership) {
      return absl::InvalidArgumentError(
          "role_binding.organisation: must be an organisation of the scope's partnership");
    }
    SIXSTEPS_RETURN_IF_ERROR(
        store_->GetOrganisation(organisation.partnership_id, organisation.organisation_id)
            .status());
    scope.organisation = organisation.organisation_id;
  }
  SIXSTEPS_RETURN_IF_ERROR(ValidateBindingShape(scope));
  SIXSTEPS_RETURN_IF_ERROR(CheckCanManageBinding(caller, scope));
  // The principal must exist.
  if (principal.service_account) {
    SIXSTEPS_ASSIGN_OR_RETURN(auto account, store_->GetServiceAccount(principal.id));
    SIXSTEPS_RETURN_IF_ERROR(CheckBindingWithinOwner(scope, account.first.owner()));
  } else {
    SIXSTEPS_RETURN_IF_ERROR(store_->GetUser(principal.id).status());
  }
  StoredRoleBinding binding;
  binding.id = RandomId("rb");
  binding.principal = request.principal();
  binding.scope = scope;
  SIXSTEPS_RETURN_IF_ERROR(store_->CreateRoleBinding(
      binding, {caller.principal, "role_binding.create", request.principal(),
                scope.region == auth::kEveryRegion ? "" : scope.region,
                JsonDetail({{"role", auth::RoleName(scope.role)},
                            {"scope", request.scope()},
                            {"organisation", request.organisation()}})}));
  SIXSTEPS_ASSIGN_OR_RETURN(StoredRoleBinding stored, store_->GetRoleBinding(binding.id));
  return ToProto(stored);
}

SIXSTEPS_RPC(IdentityServiceImpl, DeleteRoleBinding, v1::DeleteRoleBindingRequest,
             google::protobuf::Empty)

absl::StatusOr<google::protobuf::Empty> IdentityServiceImpl::DoDeleteRoleBinding(
    const Caller& caller, const v1::DeleteRoleBindingRequest& r) {
  std::vector<std::string> parts = absl::StrSplit(r.name(), '/');
  if (parts.size() != 2 || parts[0] != "roleBindings" || !IsResourceId(parts[1])) {
    return absl::InvalidArgumentError("name: must be roleBindings/{id}");
  }
  absl::StatusOr<StoredRoleBinding> stored = store_->GetRoleBinding(parts[1]);
  if (!stored.ok()) return stored.status();
  absl::Status allowed = CheckCanManageBinding(caller, stored->scope);
  if (!allowed.ok()) {
    // A binding the caller cannot even see is not confirmed to exist.
    bool sees = stored->scope.region != auth::kEveryRegion &&
                (stored->scope.partnership.empty()
                     ? caller.CanSeeRegion(stored->scope.region)
                     : caller.CanSeePartnership(stored->scope.region, stored->scope.partnership));
    return sees ? allowed : NotFound(r.name());
  }
  // The principal's tokens issued until now, which carry the binding, stop working too.
  SIXSTEPS_RETURN_IF_ERROR(store_->DeleteRoleBinding(
      parts[1], RevocationLifetime(),
      {caller.principal, "role_binding.delete", stored->principal,
       stored->scope.region == auth::kEveryRegion ? "" : stored->scope.region,
       JsonDetail({{"role", auth::RoleName(stored->scope.role)}})}));
  return google::protobuf::Empty();
}

SIXSTEPS_RPC(IdentityServiceImpl, ListRoleBindings, v1::ListRoleBindingsRequest,
             v1::ListRoleBindingsResponse)

absl::StatusOr<v1::ListRoleBindingsResponse> IdentityServiceImpl::DoListRoleBindings(
    const Caller& caller, const v1::ListRoleBindingsRequest& r) {
  SIXSTEPS_ASSIGN_OR_RETURN(int page_size, NormalisePageSize(r.page_size(), kListRoleBindingsPage));
  std::string region_filter, partnership_filter;
  if (!r.scope().empty()) {
    SIXSTEPS_ASSIGN_OR_RETURN(BindingScope scope, ResolveScope(caller, r.scope(), "scope"));
    region_filter = scope.region;
    partnership_filter = scope.partnership;
  }
  std::string query = absl::StrCat("roleBindings:", r.principal(), ":", r.scope());
  SIXSTEPS_ASSIGN_OR_RETURN(std::string after, DecodePageToken(r.page_token(), query));
  // Everyone sees their own bindings; administrators those where they administer.
  Visibility visible = AdministeredBy(caller);
  if (!r.principal().empty() && r.principal() == caller.principal) visible.everything = true;
  // The notification service's account: who holds which role decides who is told what.
  if (caller.IsNotifier()) visible.everything = true;
  SIXSTEPS_ASSIGN_OR_RETURN(std::vector<StoredRoleBinding> bindings,
                            store_->ListRoleBindings(visible, r.principal(), region_filter,
                                                     partnership_filter, after, page_size + 1));
  v1::ListRoleBindingsResponse response;
  response.set_next_page_token(
      NextPageToken(bindings, page_size, query, [](const StoredRoleBinding& x) { return x.id; }));
  for (const auto& binding : bindings) *response.add_role_bindings() = ToProto(binding);
  return response;
}

}  // namespace sixsteps::identity
