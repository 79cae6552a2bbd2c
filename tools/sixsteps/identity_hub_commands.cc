// sixsteps region, partnership, org: the hub's regions, partnerships and their organisations.
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "tools/sixsteps/identity_command_parts.h"
#include "tools/sixsteps/identity_format.h"
#include "tools/sixsteps/identity_names.h"

namespace sixsteps::cli::identity_cmd {

absl::Status RegionCreate(const CheckedArgs& args, IdentityClient& client,
                          const CommandContext& context) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string name, ExpandRegionName(args.Positional(0)));
  iv1::CreateRegionRequest request;
  request.set_region_id(LastSegment(name));
  *request.mutable_region()->mutable_display_name() = args.Text("name");
  return client.CallAndPrint(&Stub::CreateRegion, request, context,
                             SaidDone("Created", FormatRegion));
}

absl::Status RegionList(const CheckedArgs& args, IdentityClient& client,
                        const CommandContext& context) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::vector<iv1::Region> regions,
                            client.ListAll(&Stub::ListRegions, iv1::ListRegionsRequest(),
                                           &iv1::ListRegionsResponse::regions));
  return PrintMessage(Collect(regions, &iv1::ListRegionsResponse::mutable_regions),
                      FormatRegionList(regions), context);
}

absl::Status RegionShow(const CheckedArgs& args, IdentityClient& client,
                        const CommandContext& context) {
  return ShowNamed(client, &Stub::GetRegion, ExpandRegionName(args.Positional(0)), FormatRegion,
                   context);
}

absl::Status PartnershipCreate(const CheckedArgs& args, IdentityClient& client,
                               const CommandContext& context) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string name, ExpandPartnershipName(args.Positional(0)));
  iv1::CreatePartnershipRequest request;
  request.set_partnership_id(LastSegment(name));
  iv1::Partnership& partnership = *request.mutable_partnership();
  std::string region = args.Text("region");
  SIXSTEPS_ASSIGN_OR_RETURN(*partnership.mutable_region(), ExpandRegionName(region));
  *partnership.mutable_display_name() = args.Text("name");
  if (std::optional<bool> opt_out = args.Truth("opt_out")) {
    partnership.set_regional_comparison_opt_out(*opt_out);
  }
  return client.CallAndPrint(&Stub::CreatePartnership, request, context,
                             SaidDone("Created", FormatPartnership));
}

absl::Status PartnershipList(const CheckedArgs& args, IdentityClient& client,
                             const CommandContext& context) {
  iv1::ListPartnershipsRequest request;
  std::optional<std::string> region = args.Optional("region");
  if (region) {
    SIXSTEPS_ASSIGN_OR_RETURN(*request.mutable_region(), ExpandRegionName(*region));
  }
  SIXSTEPS_ASSIGN_OR_RETURN(std::vector<iv1::Partnership> partnerships,
                            client.ListAll(&Stub::ListPartnerships, request,
                                           &iv1::ListPartnershipsResponse::partnerships));
  return PrintMessage(Collect(partnerships, &iv1::ListPartnershipsResponse::mutable_partnerships),
                      FormatPartnershipList(partnerships), context);
}

absl::Status PartnershipShow(const CheckedArgs& args, IdentityClient& client,
                             const CommandContext& context) {
  return ShowNamed(client, &Stub::GetPartnership, ExpandPartnershipName(args.Positional(0)),
                   FormatPartnership, context);
}

absl::Status PartnershipUpdate(const CheckedArgs& args, IdentityClient& client,
                               const CommandContext& context) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string name, ExpandPartnershipName(args.Positional(0)));
  std::optional<std::string> display_name = args.Optional("name");
  std::optional<bool> opt_out_value = args.Truth("opt_out");
  // Update what was read, with the etag read: a change by someone else meanwhile is ABORTED.
  iv1::GetPartnershipRequest get;
  get.set_name(name);
  SIXSTEPS_ASSIGN_OR_RETURN(iv1::Partnership current, client.Call(&Stub::GetPartnership, get));
  iv1::UpdatePartnershipRequest request;
  *request.mutable_partnership() = current;
  if (display_name) {
    request.mutable_partnership()->set_display_name(*display_name);
    request.mutable_update_mask()->add_paths("display_name");
  }
  if (opt_out_value) {
    request.mutable_partnership()->set_regional_comparison_opt_out(*opt_out_value);
    request.mutable_update_mask()->add_paths("regional_comparison_opt_out");
  }
  return client.CallAndPrint(&Stub::UpdatePartnership, request, context,
                             SaidDone("Updated", FormatPartnership));
}

absl::Status OrgAdd(const CheckedArgs& args, IdentityClient& client,
                    const CommandContext& context) {
  iv1::CreateOrganisationRequest request;
  SIXSTEPS_ASSIGN_OR_RETURN(*request.mutable_parent(), ExpandPartnershipName(args.Positional(0)));
  if (absl::StrContains(args.Positional(1), '/')) {
    return UsageError(absl::StrCat("'", args.Positional(1), "' is not an organisation id"));
  }
  request.set_organisation_id(std::string(args.Positional(1)));
  iv1::Organisation& organisation = *request.mutable_organisation();
  *organisation.mutable_display_name() = args.Text("name");
  organisation.set_kind(*args.Enum<iv1::OrganisationKind>("kind"));
  organisation.set_core_partner(args.Has("core"));
  return client.CallAndPrint(&Stub::CreateOrganisation, request, context,
                             SaidDone("Added", FormatOrganisation));
}

absl::Status OrgList(const CheckedArgs& args, IdentityClient& client,
                     const CommandContext& context) {
  iv1::ListOrganisationsRequest request;
  SIXSTEPS_ASSIGN_OR_RETURN(*request.mutable_parent(), ExpandPartnershipName(args.Positional(0)));
  SIXSTEPS_ASSIGN_OR_RETURN(std::vector<iv1::Organisation> organisations,
                            client.ListAll(&Stub::ListOrganisations, request,
                                           &iv1::ListOrganisationsResponse::organisations));
  return PrintMessage(
      Collect(organisations, &iv1::ListOrganisationsResponse::mutable_organisations),
      FormatOrganisationList(organisations), context);
}

absl::Status OrgShow(const CheckedArgs& args, IdentityClient& client,
                     const CommandContext& context) {
  return ShowNamed(client, &Stub::GetOrganisation, ExpandOrganisationName(args.Positional(0)),
                   FormatOrganisation, context);
}

}  // namespace sixsteps::cli::identity_cmd
