// The benchmark's view of a running hub: channels to its services, blocking calls with a
// bearer token, and principals that sign in with API keys.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <mutex>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "sixsteps/action/v1/action_service.grpc.pb.h"
#include "sixsteps/assessment/v1/assessment_service.grpc.pb.h"
#include "sixsteps/identity/v1/identity_service.grpc.pb.h"
#include "sixsteps/reporting/v1/reporting_service.grpc.pb.h"

namespace sixsteps::bench {

struct HubAddresses {
  std::string identity = "127.0.0.1:50052";
  std::string assessment = "127.0.0.1:50053";
  std::string reporting = "127.0.0.1:50054";
};

// A plaintext channel to a hub service on this machine (the local hub serves loopback).
// `label` keeps channels apart, so that each gets its own connection.
std::shared_ptr<grpc::Channel> Dial(const std::string& address, const std::string& label = "");

struct HubStubs {
  explicit HubStubs(const HubAddresses& addresses);
  std::unique_ptr<identity::v1::IdentityService::Stub> identity;
  std::unique_ptr<assessment::v1::AssessmentService::Stub> assessment;
  std::unique_ptr<action::v1::ActionService::Stub> action;
  std::unique_ptr<reporting::v1::ReportingService::Stub> reporting;
};

void Authorize(grpc::ClientContext& context, const std::string& token,
               absl::Duration timeout = absl::Seconds(60));

// One blocking call as `token`; the gRPC status turned into an absl::Status that names
// the method.
template <typename Stub, typename Request, typename Response>
absl::Status Call(Stub& stub,
                  grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
                  const std::string& token, const Request& request, Response* response,
                  const char* what) {
  grpc::ClientContext context;
  Authorize(context, token);
  grpc::Status status = (stub.*method)(&context, request, response);
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      std::string(what) + ": " + status.error_message());
}

// An access token that is renewed before it expires (identity's tokens live 15 minutes by
// default; a benchmark on 1,000 partnerships runs longer).
class TokenSource {
 public:
  // Signs in with an API key.
  static absl::StatusOr<std::unique_ptr<TokenSource>> ForApiKey(
      identity::v1::IdentityService::Stub* identity, std::string api_key);
  // Signs in with an email address and password.
  static absl::StatusOr<std::unique_ptr<TokenSource>> ForPassword(
      identity::v1::IdentityService::Stub* identity, std::string email, std::string password);

  // A token valid for at least a few more minutes.
  absl::StatusOr<std::string> Token();

 private:
  TokenSource(identity::v1::IdentityService::Stub* identity, std::string api_key, std::string email,
              std::string password)
      : identity_(identity),
        api_key_(std::move(api_key)),
        email_(std::move(email)),
        password_(std::move(password)) {}
  absl::Status SignIn();

  identity::v1::IdentityService::Stub* identity_;
  const std::string api_key_, email_, password_;
  std::mutex mu_;
  std::string token_;
  absl::Time renew_at_ = absl::InfinitePast();
};

// Creates a service account owned by `owner` ("regions/…" or "partnerships/…") with the
// given role bindings on `scope`, and an API key for it; returns the key's secret.
absl::StatusOr<std::string> CreateServiceAccountKey(identity::v1::IdentityService::Stub& identity,
                                                    const std::string& admin_token,
                                                    const std::string& display_name,
                                                    const std::string& owner,
                                                    const std::string& scope,
                                                    const std::vector<identity::v1::Role>& roles);

}  // namespace sixsteps::bench
