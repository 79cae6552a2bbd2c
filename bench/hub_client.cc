#include "bench/hub_client.h"

#include <google/protobuf/util/time_util.h>

#include "absl/strings/str_cat.h"
#include "services/common/status.h"

namespace sixsteps::bench {

namespace idv1 = ::sixsteps::identity::v1;
using google::protobuf::util::TimeUtil;

std::shared_ptr<grpc::Channel> Dial(const std::string& address, const std::string& label) {
  grpc::ChannelArguments args;
  // Without this, channels to the same address share one connection.
  args.SetString("sixsteps.bench.channel", label);
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  args.SetMaxReceiveMessageSize(64 << 20);
  return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);
}

HubStubs::HubStubs(const HubAddresses& addresses)
    : identity(idv1::IdentityService::NewStub(Dial(addresses.identity))),
      assessment(assessment::v1::AssessmentService::NewStub(Dial(addresses.assessment))),
      action(action::v1::ActionService::NewStub(Dial(addresses.assessment))),
      reporting(reporting::v1::ReportingService::NewStub(Dial(addresses.reporting))) {}

void Authorize(grpc::ClientContext& context, const std::string& token, absl::Duration timeout) {
  context.AddMetadata("authorization", absl::StrCat("Bearer ", token));
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
}

absl::StatusOr<std::unique_ptr<TokenSource>> TokenSource::ForApiKey(
    idv1::IdentityService::Stub* identity, std::string api_key) {
  std::unique_ptr<TokenSource> source(new TokenSource(identity, std::move(api_key), "", ""));
  SIXSTEPS_RETURN_IF_ERROR(source->SignIn());
  return source;
}

absl::StatusOr<std::unique_ptr<TokenSource>> TokenSource::ForPassword(
    idv1::IdentityService::Stub* identity, std::string email, std::string password) {
  std::unique_ptr<TokenSource> source(
      new TokenSource(identity, "", std::move(email), std::move(password)));
  SIXSTEPS_RETURN_IF_ERROR(source->SignIn());
  return source;
}

absl::Status TokenSource::SignIn() {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
  grpc::Status status;
  google::protobuf::Timestamp expires;
  if (!api_key_.empty()) {
    idv1::SignInWithApiKeyRequest request;
    request.set_api_key(api_key_);
    idv1::SignInWithApiKeyResponse response;
    status = identity_->SignInWithApiKey(&context, request, &response);
    token_ = response.access_token();
    expires = response.access_token_expire_time();
  } else {
    idv1::SignInRequest request;
    request.set_email(email_);
    request.set_password(password_);
    idv1::SignInResponse response;
    status = identity_->SignIn(&context, request, &response);
    token_ = response.access_token();
    expires = response.access_token_expire_time();
  }
  if (!status.ok()) {
    return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                        absl::StrCat("sign-in: ", status.error_message()));
  }
  absl::Time expiry = absl::FromUnixMicros(TimeUtil::TimestampToMicroseconds(expires));
  // Renew with a third of the lifetime left, so no call carries a token about to lapse.
  renew_at_ = absl::Now() + (expiry - absl::Now()) * 2 / 3;
  return absl::OkStatus();
}

absl::StatusOr<std::string> TokenSource::Token() {
  std::lock_guard<std::mutex> lock(mu_);
  if (absl::Now() >= renew_at_) {
    SIXSTEPS_RETURN_IF_ERROR(SignIn());
  }
  return token_;
}

absl::StatusOr<std::string> CreateServiceAccountKey(idv1::IdentityService::Stub& identity,
                                                    const std::string& admin_token,
                                                    const std::string& display_name,
                                                    const std::string& owner,
                                                    const std::string& scope,
                                                    const std::vector<idv1::Role>& roles) {
  idv1::CreateServiceAccountRequest create;
  create.mutable_service_account()->set_display_name(display_name);
  create.mutable_service_account()->set_owner(owner);
  idv1::ServiceAccount account;
  SIXSTEPS_RETURN_IF_ERROR(Call(identity, &idv1::IdentityService::Stub::CreateServiceAccount,
                                admin_token, create, &account, "CreateServiceAccount"));
  for (idv1::Role role : roles) {
    idv1::CreateRoleBindingRequest bind;
    bind.mutable_role_binding()->set_principal(account.name());
    bind.mutable_role_binding()->set_role(role);
    bind.mutable_role_binding()->set_scope(scope);
    idv1::RoleBinding binding;
    SIXSTEPS_RETURN_IF_ERROR(Call(identity, &idv1::IdentityService::Stub::CreateRoleBinding,
                                  admin_token, bind, &binding, "CreateRoleBinding"));
  }
  idv1::CreateApiKeyRequest key_request;
  key_request.set_parent(account.name());
  key_request.mutable_api_key()->set_display_name("benchmark");
  *key_request.mutable_api_key()->mutable_expire_time() =
      TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(absl::Now() + absl::Hours(24 * 7)));
  idv1::CreateApiKeyResponse key;
  SIXSTEPS_RETURN_IF_ERROR(Call(identity, &idv1::IdentityService::Stub::CreateApiKey, admin_token,
                                key_request, &key, "CreateApiKey"));
  return key.secret();
}

}  // namespace sixsteps::bench
