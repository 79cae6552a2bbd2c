#include "services/assessment/directory.h"

#include <grpcpp/client_context.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/assessment/domain.h"
#include "services/base/make_status.h"
#include "services/common/server.h"
#include "services/common/status.h"
#include "services/common/trace_context.h"  // traces (H8)
#include "sixsteps/framework/v1/framework_service.grpc.pb.h"
#include "sixsteps/identity/v1/identity_service.grpc.pb.h"

namespace sixsteps::assessment {
namespace {

namespace idv1 = ::sixsteps::identity::v1;
namespace fv1 = ::sixsteps::framework::v1;

// A call made on the caller's behalf, with a deadline and the caller's request id.
void OnBehalfOf(grpc::ClientContext& context, const auth::Caller& caller) {
  context.AddMetadata("authorization", absl::StrCat("Bearer ", caller.bearer_token));
  if (!caller.request_id.empty()) context.AddMetadata(kRequestIdKey, caller.request_id);
  if (!caller.traceparent.empty()) {  // traces (H8)
    context.AddMetadata(trace::kTraceparentKey, caller.traceparent);
  }
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
}

// A failure of the other service is ours to report as UNAVAILABLE, not as its own code,
// except the answers that are about the caller's request.
absl::Status Translate(const grpc::Status& status, absl::string_view what) {
  switch (status.error_code()) {
    case grpc::StatusCode::OK:
      return absl::OkStatus();
    case grpc::StatusCode::NOT_FOUND:
    case grpc::StatusCode::PERMISSION_DENIED:
      return absl::NotFoundError(absl::StrCat(what, " not found"));
    case grpc::StatusCode::INVALID_ARGUMENT:
      return absl::InvalidArgumentError(status.error_message());
    case grpc::StatusCode::UNAUTHENTICATED:
      return absl::UnauthenticatedError(status.error_message());
    default:
      return absl::UnavailableError(
          absl::StrCat("cannot check ", what, " right now: ", status.error_message()));
  }
}

}  // namespace

absl::StatusOr<std::string> GrpcDirectory::PartnershipRegion(const auth::Caller& caller,
                                                             const std::string& partnership_id) {
  grpc::ClientContext context;
  OnBehalfOf(context, caller);
  idv1::GetPartnershipRequest request;
  request.set_name(absl::StrCat("partnerships/", partnership_id));
  idv1::Partnership partnership;
  SIXSTEPS_RETURN_IF_ERROR(Translate(
      idv1::IdentityService::NewStub(identity_)->GetPartnership(&context, request, &partnership),
      request.name()));
  return partnership.region().substr(partnership.region().rfind('/') + 1);
}

absl::Status GrpcDirectory::CheckOrganisation(const auth::Caller& caller,
                                              const std::string& organisation) {
  const std::string key = absl::StrCat(caller.principal, "\n", organisation);
  const absl::Time now = absl::Now();
  {
    std::lock_guard<std::mutex> lock(confirmed_mu_);
    auto it = confirmed_.find(key);
    if (it != confirmed_.end() && it->second > now) return absl::OkStatus();
  }
  grpc::ClientContext context;
  OnBehalfOf(context, caller);
  idv1::GetOrganisationRequest request;
  request.set_name(organisation);
  idv1::Organisation found;
  SIXSTEPS_RETURN_IF_ERROR(Translate(
      idv1::IdentityService::NewStub(identity_)->GetOrganisation(&context, request, &found),
      organisation));
  std::lock_guard<std::mutex> lock(confirmed_mu_);
  if (confirmed_.size() >= kMaxConfirmations) confirmed_.clear();
  confirmed_[key] = now + kConfirmationTtl;
  return absl::OkStatus();
}

absl::Status GrpcDirectory::CheckScrutineer(const auth::Caller& caller,
                                            const std::string& partnership_id,
                                            const std::string& user) {
  grpc::ClientContext context;
  OnBehalfOf(context, caller);
  idv1::ListRoleBindingsRequest request;
  request.set_principal(user);
  request.set_scope(absl::StrCat("partnerships/", partnership_id));
  request.set_page_size(100);
  idv1::ListRoleBindingsResponse response;
  SIXSTEPS_RETURN_IF_ERROR(Translate(
      idv1::IdentityService::NewStub(identity_)->ListRoleBindings(&context, request, &response),
      user));
  for (const idv1::RoleBinding& binding : response.role_bindings()) {
    if (binding.role() == idv1::ROLE_INDEPENDENT_SCRUTINEER) return absl::OkStatus();
  }
  return absl::FailedPreconditionError(
      absl::StrCat(user, " is not an independent scrutineer of partnerships/", partnership_id));
}

absl::StatusOr<fv1::FrameworkVersion> GrpcDirectory::PublishedFrameworkVersion(
    const auth::Caller& caller, const std::string& name) {
  grpc::ClientContext context;
  OnBehalfOf(context, caller);
  fv1::GetFrameworkVersionRequest request;
  request.set_name(name);
  fv1::FrameworkVersion version;
  SIXSTEPS_RETURN_IF_ERROR(Translate(
      fv1::FrameworkService::NewStub(framework_)->GetFrameworkVersion(&context, request, &version),
      name));
  if (version.state() != fv1::FrameworkVersion::STATE_PUBLISHED) {
    return absl::FailedPreconditionError(
        absl::StrCat(name, " is ", fv1::FrameworkVersion::State_Name(version.state()),
                     ": a round uses a published framework version"));
  }
  return version;
}

absl::StatusOr<std::vector<std::string>> GrpcDirectory::OptedOutPartnerships(
    const auth::Caller& caller, const std::string& region) {
  const absl::Time now = absl::Now();
  {
    std::lock_guard<std::mutex> lock(opt_outs_mu_);
    auto it = opt_outs_.find(region);
    if (it != opt_outs_.end() && it->second.valid_until > now) return it->second.partnerships;
  }
  std::vector<std::string> opted_out;
  idv1::ListPartnershipsRequest request;
  request.set_region(absl::StrCat("regions/", region));
  request.set_page_size(kPartnershipPageSize);
  for (int page = 0;; ++page) {
    if (page == kMaxPartnershipPages) {
      return absl::UnavailableError(absl::StrCat("cannot check the opt-outs of regions/", region,
                                                 " right now: too many partnerships"));
    }
    grpc::ClientContext context;
    OnBehalfOf(context, caller);
    idv1::ListPartnershipsResponse response;
    SIXSTEPS_RETURN_IF_ERROR(Translate(
        idv1::IdentityService::NewStub(identity_)->ListPartnerships(&context, request, &response),
        request.region()));
    for (const idv1::Partnership& partnership : response.partnerships()) {
      if (partnership.regional_comparison_opt_out()) {
        opted_out.push_back(partnership.name().substr(partnership.name().rfind('/') + 1));
      }
    }
    if (response.next_page_token().empty()) break;
    request.set_page_token(response.next_page_token());
  }
  std::lock_guard<std::mutex> lock(opt_outs_mu_);
  if (opt_outs_.size() >= kMaxOptOutRegions) opt_outs_.clear();
  opt_outs_[region] = OptOuts{opted_out, now + kOptOutTtl};
  return opted_out;
}

absl::StatusOr<std::vector<std::string>> PartnershipsHiddenFrom(Directory& directory,
                                                                const auth::Caller& caller) {
  std::vector<std::string> hidden;
  for (const std::string& region : OptOutRegions(caller)) {
    SIXSTEPS_ASSIGN_OR_RETURN(std::vector<std::string> opted_out,
                              directory.OptedOutPartnerships(caller, region));
    for (std::string& partnership : opted_out) {
      if (OptOutHides(caller, region, partnership)) hidden.push_back(std::move(partnership));
    }
  }
  return hidden;
}

bool CanReadPartnership(const auth::Caller& caller, const Visibility& visible,
                        absl::string_view region, absl::string_view partnership) {
  return caller.CanSeePartnership(region, partnership) && !visible.Hides(partnership);
}

bool CanReadRound(const auth::Caller& caller, const Visibility& visible,
                  const v1::Assessment& assessment) {
  return CanRead(caller, assessment) && !visible.Hides(LastSegment(assessment.partnership()));
}

absl::StatusOr<Visibility> VisibilityFor(Directory& directory, const auth::Caller& caller) {
  Visibility visible = Visibility::Of(caller);
  SIXSTEPS_ASSIGN_OR_RETURN(visible.hidden, PartnershipsHiddenFrom(directory, caller));
  return visible;
}

absl::StatusOr<std::string> ReadablePartnershipRegion(Directory& directory,
                                                      const auth::Caller& caller,
                                                      const std::string& partnership_id,
                                                      const std::string& name) {
  absl::StatusOr<std::string> region = directory.PartnershipRegion(caller, partnership_id);
  if (!region.ok()) {
    if (region.status().code() == absl::StatusCode::kNotFound) return NotFound(name);
    return region.status();
  }
  SIXSTEPS_ASSIGN_OR_RETURN(Visibility visible, VisibilityFor(directory, caller));
  if (!CanReadPartnership(caller, visible, *region, partnership_id)) return NotFound(name);
  return *region;
}

}  // namespace sixsteps::assessment
