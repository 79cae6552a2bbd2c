#include "services/notification/people.h"

#include <google/protobuf/util/time_util.h>
#include <grpcpp/client_context.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/base/names.h"
#include "services/base/status_macros.h"
#include "services/common/status.h"
#include "sixsteps/identity/v1/identity_service.grpc.pb.h"

namespace sixsteps::notification {
namespace {

namespace idv1 = ::sixsteps::identity::v1;
using google::protobuf::util::TimeUtil;

void Authorize(grpc::ClientContext& context, const std::string& token) {
  context.AddMetadata("authorization", absl::StrCat("Bearer ", token));
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
}

}  // namespace

std::unique_ptr<reporting::ServiceToken> MakeServiceToken(std::shared_ptr<grpc::Channel> identity,
                                                          std::string api_key) {
  return std::make_unique<reporting::ServiceToken>(
      [identity, api_key]() -> absl::StatusOr<reporting::ServiceToken::Issued> {
        grpc::ClientContext context;
        context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
        idv1::SignInWithApiKeyRequest request;
        request.set_api_key(api_key);
        idv1::SignInWithApiKeyResponse response;
        SIXSTEPS_RETURN_IF_ERROR(
            FromGrpcStatus(idv1::IdentityService::NewStub(identity)->SignInWithApiKey(
                &context, request, &response)));
        return reporting::ServiceToken::Issued{
            response.access_token(), absl::FromUnixMicros(TimeUtil::TimestampToMicroseconds(
                                         response.access_token_expire_time()))};
      });
}

GrpcPeople::GrpcPeople(std::shared_ptr<grpc::Channel> identity, reporting::ServiceToken* token,
                       absl::Duration keep_for)
    : identity_(std::move(identity)), token_(token), keep_for_(keep_for) {}

template <typename Result, typename Call>
absl::StatusOr<Result> GrpcPeople::WithToken(const Call& call) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string token, token_->Get());
  absl::StatusOr<Result> result = call(token);
  if (!absl::IsUnauthenticated(result.status())) return result;
  token_->Refused(token, result.status().message());
  SIXSTEPS_ASSIGN_OR_RETURN(token, token_->Get());
  return call(token);
}

absl::StatusOr<std::optional<Person>> GrpcPeople::FetchUser(const std::string& token,
                                                            const std::string& principal) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto kept = users_.find(principal);
    if (kept != users_.end() && absl::Now() - kept->second.second < keep_for_) {
      return kept->second.first;
    }
  }
  grpc::ClientContext context;
  Authorize(context, token);
  idv1::GetUserRequest request;
  request.set_name(principal);
  idv1::User user;
  absl::Status status =
      FromGrpcStatus(idv1::IdentityService::NewStub(identity_)->GetUser(&context, request, &user));
  std::optional<Person> person;
  if (status.ok() && !user.disabled()) {
    person = Person{user.name(), user.email(), user.display_name()};
  } else if (!status.ok() && !absl::IsNotFound(status)) {
    return status;
  }
  std::lock_guard<std::mutex> lock(mu_);
  users_[principal] = {person, absl::Now()};
  return person;
}

absl::StatusOr<PartnershipPeople> GrpcPeople::Fetch(const std::string& token,
                                                    const std::string& partnership_id) {
  auto stub = idv1::IdentityService::NewStub(identity_);
  PartnershipPeople people;
  people.partnership_id = partnership_id;
  {
    grpc::ClientContext context;
    Authorize(context, token);
    idv1::GetPartnershipRequest request;
    request.set_name(absl::StrCat("partnerships/", partnership_id));
    idv1::Partnership partnership;
    SIXSTEPS_RETURN_IF_ERROR(FromGrpcStatus(stub->GetPartnership(&context, request, &partnership)));
    people.region_id = LastSegment(partnership.region());
    people.display_name = partnership.display_name();
  }
  std::string page;
  do {
    grpc::ClientContext context;
    Authorize(context, token);
    idv1::ListRoleBindingsRequest request;
    request.set_scope(absl::StrCat("partnerships/", partnership_id));
    request.set_page_size(500);
    request.set_page_token(page);
    idv1::ListRoleBindingsResponse response;
    SIXSTEPS_RETURN_IF_ERROR(FromGrpcStatus(stub->ListRoleBindings(&context, request, &response)));
    for (const idv1::RoleBinding& binding : response.role_bindings()) {
      if (!absl::StartsWith(binding.principal(), "users/")) continue;
      SIXSTEPS_ASSIGN_OR_RETURN(std::optional<Person> person,
                                FetchUser(token, binding.principal()));
      if (!person) continue;
      people.bindings.push_back({*person, binding.role(), binding.organisation()});
    }
    page = response.next_page_token();
  } while (!page.empty());
  return people;
}

absl::StatusOr<PartnershipPeople> GrpcPeople::ForPartnership(const std::string& partnership_id,
                                                             const std::vector<std::string>& also) {
  std::optional<PartnershipPeople> people;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto kept = partnerships_.find(partnership_id);
    if (kept != partnerships_.end() && absl::Now() - kept->second.fetched < keep_for_) {
      people = kept->second.people;
    }
  }
  if (!people) {
    SIXSTEPS_ASSIGN_OR_RETURN(people, WithToken<PartnershipPeople>([&](const std::string& token) {
                                return Fetch(token, partnership_id);
                              }));
    std::lock_guard<std::mutex> lock(mu_);
    partnerships_[partnership_id] = {*people, absl::Now()};
  }
  for (const std::string& principal : also) {
    if (!absl::StartsWith(principal, "users/") || people->Find(principal)) continue;
    SIXSTEPS_ASSIGN_OR_RETURN(std::optional<Person> person,
                              WithToken<std::optional<Person>>([&](const std::string& token) {
                                return FetchUser(token, principal);
                              }));
    if (person) people->others.push_back(*person);
  }
  return *people;
}

absl::StatusOr<std::string> GrpcPeople::RegionOf(const std::string& partnership_id) {
  SIXSTEPS_ASSIGN_OR_RETURN(PartnershipPeople people, ForPartnership(partnership_id, {}));
  return people.region_id;
}

// ---- webhooks (H1) ----
absl::StatusOr<std::optional<Person>> People::FindPerson(const std::string& principal) {
  return absl::UnimplementedError("this directory cannot look people up");
}

absl::StatusOr<std::optional<Person>> GrpcPeople::FindPerson(const std::string& principal) {
  if (!absl::StartsWith(principal, "users/")) return std::optional<Person>();
  return WithToken<std::optional<Person>>(
      [&](const std::string& token) { return FetchUser(token, principal); });
}

absl::StatusOr<bool> People::RegionExists(const std::string& region_id) {
  return absl::UnimplementedError("this directory cannot look regions up");
}

absl::StatusOr<bool> GrpcPeople::RegionExists(const std::string& region_id) {
  return WithToken<bool>([&](const std::string& token) -> absl::StatusOr<bool> {
    grpc::ClientContext context;
    Authorize(context, token);
    idv1::GetRegionRequest request;
    request.set_name(absl::StrCat("regions/", region_id));
    idv1::Region region;
    absl::Status status = FromGrpcStatus(
        idv1::IdentityService::NewStub(identity_)->GetRegion(&context, request, &region));
    if (absl::IsNotFound(status)) return false;
    SIXSTEPS_RETURN_IF_ERROR(status);
    return true;
  });
}
// ---- end webhooks (H1) ----

}  // namespace sixsteps::notification
