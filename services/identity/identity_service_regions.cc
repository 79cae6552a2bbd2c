// IdentityService's tenancy tree: regions, their partnerships, and the partnerships'
// organisations (the agencies that take part).
#include "services/identity/identity_service.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/base/make_status.h"
#include "services/base/names.h"
#include "services/base/status_macros.h"
#include "services/common/grpc_reply.h"
#include "services/common/partnerships_seen.h"
#include "services/common/validation.h"
#include "services/identity/identity_service_internal.h"
#include "services/identity/page_sizes.h"

namespace sixsteps::identity {
namespace {

// ListOrganisations' parent for the organisations of every partnership the caller may see
// (AIP-159's wildcard collection).
constexpr char kEveryPartnership[] = "partnerships/-";

// Region-level viewers, dashboards, integrations and hub administrators see the region's
// partnerships (deployment-wide ones, bound to '*', every partnership); everyone else only
// those they hold a grant on.
Visibility PartnershipsVisibleTo(const Caller& caller) {
  Visibility visible;
  visible.everything = caller.SeesEverything();
  auth::PartnershipsSeen(caller, &visible.regions, &visible.partnerships);
  return visible;
}

bool IsCoreKind(v1::OrganisationKind kind) {
  return kind == v1::ORGANISATION_KIND_LOCAL_AUTHORITY || kind == v1::ORGANISATION_KIND_HEALTH ||
         kind == v1::ORGANISATION_KIND_POLICE;
}

}  // namespace

// ---- Regions ----

SIXSTEPS_RPC(IdentityServiceImpl, CreateRegion, v1::CreateRegionRequest, v1::Region)

absl::StatusOr<v1::Region> IdentityServiceImpl::DoCreateRegion(const Caller& caller,
                                                               const v1::CreateRegionRequest& r) {
  SIXSTEPS_RETURN_IF_ERROR(ValidateResourceId(r.region_id(), "region_id"));
  SIXSTEPS_RETURN_IF_ERROR(
      ValidateFreeText(r.region().display_name(), kMaxDisplayNameLength, "region.display_name"));
  if (!caller.IsDeploymentAdmin())
    return absl::PermissionDeniedError("only deployment administrators create regions");
  SIXSTEPS_RETURN_IF_ERROR(store_->CreateRegion(
      r.region_id(), r.region().display_name(),
      {caller.principal, "region.create", RegionName(r.region_id()), r.region_id(), "{}"}));
  return store_->GetRegion(r.region_id());
}

SIXSTEPS_RPC(IdentityServiceImpl, GetRegion, v1::GetRegionRequest, v1::Region)

absl::StatusOr<v1::Region> IdentityServiceImpl::DoGetRegion(const Caller& caller,
                                                            const v1::GetRegionRequest& r) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string id, ParseRegionName(r.name(), "name"));
  if (!caller.CanSeeRegion(id)) return NotFound(r.name());
  return store_->GetRegion(id);
}

SIXSTEPS_RPC(IdentityServiceImpl, ListRegions, v1::ListRegionsRequest, v1::ListRegionsResponse)

absl::StatusOr<v1::ListRegionsResponse> IdentityServiceImpl::DoListRegions(
    const Caller& caller, const v1::ListRegionsRequest& r) {
  SIXSTEPS_ASSIGN_OR_RETURN(int page_size, NormalisePageSize(r.page_size(), kListRegionsPage));
  SIXSTEPS_ASSIGN_OR_RETURN(std::string after, DecodePageToken(r.page_token(), "regions"));
  // Regions the caller has any grant in, including through a partnership.
  Visibility visible = Visibility::Of(caller);
  for (const auth::Grant& grant : caller.grants) visible.regions.push_back(grant.region);
  SIXSTEPS_ASSIGN_OR_RETURN(std::vector<v1::Region> regions,
                            store_->ListRegions(visible, after, page_size + 1));
  v1::ListRegionsResponse response;
  response.set_next_page_token(NextPageToken(
      regions, page_size, "regions", [](const v1::Region& x) { return LastSegment(x.name()); }));
  for (auto& region : regions) *response.add_regions() = std::move(region);
  return response;
}

// ---- Partnerships ----

SIXSTEPS_RPC(IdentityServiceImpl, CreatePartnership, v1::CreatePartnershipRequest, v1::Partnership)

absl::StatusOr<v1::Partnership> IdentityServiceImpl::DoCreatePartnership(
    const Caller& caller, const v1::CreatePartnershipRequest& r) {
  SIXSTEPS_RETURN_IF_ERROR(ValidateResourceId(r.partnership_id(), "partnership_id"));
  SIXSTEPS_RETURN_IF_ERROR(ValidateFreeText(r.partnership().display_name(), kMaxDisplayNameLength,
                                            "partnership.display_name"));
  SIXSTEPS_ASSIGN_OR_RETURN(std::string region,
                            ParseRegionName(r.partnership().region(), "partnership.region"));
  if (!caller.CanSeeRegion(region)) return NotFound(r.partnership().region());
  if (!caller.IsHubAdmin(region)) {
    return absl::PermissionDeniedError("only the region's hub administrators create partnerships");
  }
  SIXSTEPS_RETURN_IF_ERROR(store_->GetRegion(region).status());
  SIXSTEPS_RETURN_IF_ERROR(store_->CreatePartnership(
      r.partnership_id(), r.partnership(), region,
      {caller.principal, "partnership.create", PartnershipName(r.partnership_id()), region, "{}"}));
  return store_->GetPartnership(r.partnership_id());
}

absl::StatusOr<v1::Partnership> IdentityServiceImpl::VisiblePartnership(const Caller& caller,
                                                                        const std::string& name,
                                                                        absl::string_view field) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string id, ParsePartnershipName(name, field));
  absl::StatusOr<v1::Partnership> partnership = store_->GetPartnership(id);
  // Whether it does not exist or the caller may not see it, the answer is the same.
  if (!partnership.ok() || !caller.CanSeePartnership(LastSegment(partnership->region()), id)) {
    if (partnership.ok() || partnership.status().code() == absl::StatusCode::kNotFound) {
      return NotFound(name);
    }
    return partnership.status();
  }
  return partnership;
}

SIXSTEPS_RPC(IdentityServiceImpl, GetPartnership, v1::GetPartnershipRequest, v1::Partnership)

absl::StatusOr<v1::Partnership> IdentityServiceImpl::DoGetPartnership(
    const Caller& caller, const v1::GetPartnershipRequest& r) {
  return VisiblePartnership(caller, r.name(), "name");
}

SIXSTEPS_RPC(IdentityServiceImpl, ListPartnerships, v1::ListPartnershipsRequest,
             v1::ListPartnershipsResponse)

absl::StatusOr<v1::ListPartnershipsResponse> IdentityServiceImpl::DoListPartnerships(
    const Caller& caller, const v1::ListPartnershipsRequest& r) {
  SIXSTEPS_ASSIGN_OR_RETURN(int page_size, NormalisePageSize(r.page_size(), kListPartnershipsPage));
  std::string region;
  if (!r.region().empty()) {
    SIXSTEPS_ASSIGN_OR_RETURN(region, ParseRegionName(r.region(), "region"));
  }
  SIXSTEPS_ASSIGN_OR_RETURN(std::string after,
                            DecodePageToken(r.page_token(), absl::StrCat("partnerships:", region)));
  SIXSTEPS_ASSIGN_OR_RETURN(
      std::vector<v1::Partnership> partnerships,
      store_->ListPartnerships(PartnershipsVisibleTo(caller), region, after, page_size + 1));
  v1::ListPartnershipsResponse response;
  response.set_next_page_token(
      NextPageToken(partnerships, page_size, absl::StrCat("partnerships:", region),
                    [](const v1::Partnership& x) { return LastSegment(x.name()); }));
  for (auto& partnership : partnerships) *response.add_partnerships() = std::move(partnership);
  return response;
}

SIXSTEPS_RPC(IdentityServiceImpl, UpdatePartnership, v1::UpdatePartnershipRequest, v1::Partnership)

absl::StatusOr<v1::Partnership> IdentityServiceImpl::DoUpdatePartnership(
    const Caller& caller, const v1::UpdatePartnershipRequest& r) {
  SIXSTEPS_ASSIGN_OR_RETURN(v1::Partnership stored,
                            VisiblePartnership(caller, r.partnership().name(), "partnership.name"));
  std::string id = LastSegment(stored.name());
  if (!caller.CanManagePartnership(LastSegment(stored.region()), id)) {
    return absl::PermissionDeniedError(
        "only the partnership's administrators and hub administrators change it");
  }
  v1::Partnership values = stored;
  std::vector<std::string> paths(r.update_mask().paths().begin(), r.update_mask().paths().end());
  if (paths.empty()) paths = {"display_name", "regional_comparison_opt_out"};
  for (const std::string& path : paths) {
    if (path == "display_name") {
      SIXSTEPS_RETURN_IF_ERROR(ValidateFreeText(r.partnership().display_name(),
                                                kMaxDisplayNameLength, "partnership.display_name"));
      values.set_display_name(r.partnership().display_name());
    } else if (path == "regional_comparison_opt_out") {
      values.set_regional_comparison_opt_out(r.partnership().regional_comparison_opt_out());
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("update_mask: '", path,
                       "' cannot be updated; use display_name or regional_comparison_opt_out"));
    }
  }
  // Blind overwrites are refused: the caller must show which version it changes.
  if (r.partnership().etag().empty()) {
    return absl::InvalidArgumentError(
        "partnership.etag: is required; read the partnership and send the etag it carries");
  }
  return store_->UpdatePartnership(
      id, values, r.partnership().etag(),
      {caller.principal, "partnership.update", stored.name(), LastSegment(stored.region()),
       JsonDetail({{"regional_comparison_opt_out", values.regional_comparison_opt_out()}})});
}

// ---- Organisations ----

SIXSTEPS_RPC(IdentityServiceImpl, CreateOrganisation, v1::CreateOrganisationRequest,
             v1::Organisation)

absl::StatusOr<v1::Organisation> IdentityServiceImpl::DoCreateOrganisation(
    const Caller& caller, const v1::CreateOrganisationRequest& r) {
  SIXSTEPS_ASSIGN_OR_RETURN(v1::Partnership partnership,
                            VisiblePartnership(caller, r.parent(), "parent"));
  std::string partnership_id = LastSegment(partnership.name());
  if (!caller.CanManagePartnership(LastSegment(partnership.region()), partnership_id)) {
    return absl::PermissionDeniedError(
        "only the partnership's administrators and hub administrators add partners");
  }
  SIXSTEPS_RETURN_IF_ERROR(ValidateResourceId(r.organisation_id(), "organisation_id"));
  SIXSTEPS_RETURN_IF_ERROR(ValidateFreeText(r.organisation().display_name(), kMaxDisplayNameLength,
                                            "organisation.display_name"));
  const v1::OrganisationKind kind = r.organisation().kind();
  if (kind == v1::ORGANISATION_KIND_UNSPECIFIED || !v1::OrganisationKind_IsValid(kind)) {
    return absl::InvalidArgumentError("organisation.kind: must name the kind of agency");
  }
  if (r.organisation().core_partner() && !IsCoreKind(kind)) {
    return absl::InvalidArgumentError(
        "organisation.core_partner: the three core partners are the local authority, health "
        "and police");
  }
  SIXSTEPS_RETURN_IF_ERROR(
      store_->CreateOrganisation(partnership_id, r.organisation_id(), r.organisation()));
  return store_->GetOrganisation(partnership_id, r.organisation_id());
}

SIXSTEPS_RPC(IdentityServiceImpl, GetOrganisation, v1::GetOrganisationRequest, v1::Organisation)

absl::StatusOr<v1::Organisation> IdentityServiceImpl::DoGetOrganisation(
    const Caller& caller, const v1::GetOrganisationRequest& r) {
  SIXSTEPS_ASSIGN_OR_RETURN(OrganisationName name, ParseOrganisationName(r.name(), "name"));
  absl::StatusOr<v1::Partnership> partnership =
      VisiblePartnership(caller, PartnershipName(name.partnership_id), "name");
  if (!partnership.ok()) {
    return partnership.status().code() == absl::StatusCode::kNotFound ? NotFound(r.name())
                                                                      : partnership.status();
  }
  return store_->GetOrganisation(name.partnership_id, name.organisation_id);
}

SIXSTEPS_RPC(IdentityServiceImpl, ListOrganisations, v1::ListOrganisationsRequest,
             v1::ListOrganisationsResponse)

absl::StatusOr<v1::ListOrganisationsResponse> IdentityServiceImpl::DoListOrganisations(
    const Caller& caller, const v1::ListOrganisationsRequest& r) {
  if (r.parent() == kEveryPartnership) return ListEveryVisibleOrganisation(caller, r);
  SIXSTEPS_ASSIGN_OR_RETURN(v1::Partnership partnership,
                            VisiblePartnership(caller, r.parent(), "parent"));
  SIXSTEPS_ASSIGN_OR_RETURN(int page_size,
                            NormalisePageSize(r.page_size(), kListOrganisationsPage));
  SIXSTEPS_ASSIGN_OR_RETURN(std::string after, DecodePageToken(r.page_token(), r.parent()));
  SIXSTEPS_ASSIGN_OR_RETURN(
      std::vector<v1::Organisation> organisations,
      store_->ListOrganisations(LastSegment(partnership.name()), after, page_size + 1));
  v1::ListOrganisationsResponse response;
  response.set_next_page_token(
      NextPageToken(organisations, page_size, r.parent(),
                    [](const v1::Organisation& x) { return LastSegment(x.name()); }));
  for (auto& organisation : organisations) *response.add_organisations() = std::move(organisation);
  return response;
}

// A directory mirror (reporting's) reads every organisation it may see in a few pages,
// rather than one listing per partnership. The page token carries the last
// "{partnership}/{organisation}" (ids never contain '/').
absl::StatusOr<v1::ListOrganisationsResponse> IdentityServiceImpl::ListEveryVisibleOrganisation(
    const Caller& caller, const v1::ListOrganisationsRequest& r) {
  SIXSTEPS_ASSIGN_OR_RETURN(int page_size,
                            NormalisePageSize(r.page_size(), kListOrganisationsPage));
  SIXSTEPS_ASSIGN_OR_RETURN(std::string after, DecodePageToken(r.page_token(), r.parent()));
  std::string after_partnership, after_organisation;
  if (!after.empty()) {
    size_t slash = after.find('/');
    if (slash == std::string::npos) return absl::InvalidArgumentError("page_token: is malformed");
    after_partnership = after.substr(0, slash);
    after_organisation = after.substr(slash + 1);
  }
  SIXSTEPS_ASSIGN_OR_RETURN(
      std::vector<v1::Organisation> organisations,
      store_->ListVisibleOrganisations(PartnershipsVisibleTo(caller), after_partnership,
                                       after_organisation, page_size + 1));
  v1::ListOrganisationsResponse response;
  response.set_next_page_token(
      NextPageToken(organisations, page_size, r.parent(), [](const v1::Organisation& x) {
        // "partnerships/{p}/organisations/{o}" -> "{p}/{o}"
        std::vector<absl::string_view> parts = absl::StrSplit(x.name(), '/');
        return parts.size() == 4 ? absl::StrCat(parts[1], "/", parts[3]) : std::string();
      }));
  for (auto& organisation : organisations) *response.add_organisations() = std::move(organisation);
  return response;
}

}  // namespace sixsteps::identity
