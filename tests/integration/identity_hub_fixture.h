// What the identity integration fixtures share (identity_service_fixture.h for the service's
// end-to-end tests, identity_security_fixture.h for the security review's attacks): the
// suite's shared test hub (support/shared_hub.h: the rows put back before each case),
// identity calls as a chosen token, sign-in, SQL on the identity database and the audit log.
//
// The cases may share a hub because everything identity decides from lives in its rows
// (keys, backoffs, refresh tokens, revocations) and the other services' verifiers cache only
// keys, which a restore never withdraws, and revocations of the case's own principals (their
// ids are random, so a later case's users are never caught by them).
#pragma once

#include <gmock/gmock.h>
#include <grpcpp/client_context.h>
#include <gtest/gtest.h>

#include <chrono>
#include <pqxx/pqxx>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "services/identity/identity_service.h"
#include "tests/support/shared_hub.h"
#include "tests/support/status_matchers.h"
#include "tests/support/test_hub.h"

namespace sixsteps::testing {

namespace idv1 = ::sixsteps::identity::v1;
using Stub = idv1::IdentityService::Stub;

inline constexpr char kUserPassword[] = "a long enough password";  // TestHub::UserWithRoles's

// The "retry-after" trailer of a finished call, or "" if there is none.
inline std::string RetryAfter(const grpc::ClientContext& context) {
  const auto& trailers = context.GetServerTrailingMetadata();
  auto found = trailers.find("retry-after");
  return found == trailers.end() ? "" : std::string(found->second.data(), found->second.size());
}

// The world of every case: the hub's deployment administrator.
struct IdentityPeople {
  std::string admin_;
};

class IdentityHubTest : public SharedHubTest<IdentityPeople> {
 protected:
  // `hub_name` names the hub's databases; `call_deadline` bounds every call (none by default).
  explicit IdentityHubTest(std::string hub_name,
                           absl::Duration call_deadline = absl::InfiniteDuration())
      : hub_name_(std::move(hub_name)), call_deadline_(call_deadline) {}

  void SetUp() override {
    SetUpHub(hub_name_);
    if (HasFatalFailure()) return;
    stub_ = hub_->IdentityStub();
    db_ = std::make_unique<pqxx::connection>(hub_->identity_database_url());
  }

  void MakePeople() override { admin_ = hub_->admin_token(); }

  // Calls an identity RPC on `stub` with `token` ("" for none); `retry_after`, if given,
  // receives the call's retry-after trailer.
  template <typename Request, typename Response>
  grpc::Status Call(Stub& stub,
                    grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
                    const std::string& token, const Request& request, Response* response,
                    std::string* retry_after = nullptr) {
    grpc::ClientContext context;
    if (call_deadline_ != absl::InfiniteDuration()) {
      context.set_deadline(absl::ToChronoTime(absl::Now() + call_deadline_));
    }
    if (!token.empty()) Authorize(context, token);
    grpc::Status status = (stub.*method)(&context, request, response);
    if (retry_after != nullptr) *retry_after = RetryAfter(context);
    return status;
  }
  template <typename Request, typename Response>
  grpc::Status Call(grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
                    const std::string& token, const Request& request, Response* response,
                    std::string* retry_after = nullptr) {
    return Call(*stub_, method, token, request, response, retry_after);
  }

  grpc::Status SignIn(Stub& stub, const std::string& email, const std::string& password,
                      idv1::SignInResponse* response = nullptr,
                      std::string* retry_after = nullptr) {
    idv1::SignInRequest request;
    request.set_email(email);
    request.set_password(password);
    idv1::SignInResponse ignored;
    return Call(stub, &Stub::SignIn, "", request, response ? response : &ignored, retry_after);
  }
  grpc::Status SignIn(const std::string& email, const std::string& password,
                      idv1::SignInResponse* response = nullptr,
                      std::string* retry_after = nullptr) {
    return SignIn(*stub_, email, password, response, retry_after);
  }

  // Exchanges a refresh token (no access token on the call).
  grpc::Status Refresh(const std::string& refresh_token,
                       idv1::RefreshAccessTokenResponse* response = nullptr) {
    idv1::RefreshAccessTokenRequest request;
    request.set_refresh_token(refresh_token);
    idv1::RefreshAccessTokenResponse ignored;
    return Call(&Stub::RefreshAccessToken, "", request, response ? response : &ignored);
  }

  // Runs SQL on the identity database; returns the first column of the first row.
  template <typename... Args>
  std::string Sql(const std::string& sql, Args&&... args) {
    pqxx::work work(*db_);
    pqxx::result rows = work.exec_params(sql, std::forward<Args>(args)...);
    work.commit();
    if (rows.empty() || rows[0].empty() || rows[0][0].is_null()) return "";
    return rows[0][0].as<std::string>();
  }

  std::string MustUserWithRoles(const std::string& email,
                                const std::vector<TestHub::Binding>& roles) {
    return SignedInUser(*hub_, email, roles);
  }

  // The audit events `token` may see (of `region` if given); the call's status in `status`.
  std::vector<idv1::AuditEvent> Audit(const std::string& token, grpc::Status* status,
                                      const std::string& region = "") {
    idv1::ListAuditEventsRequest request;
    request.set_region(region);
    request.set_page_size(500);
    idv1::ListAuditEventsResponse response;
    *status = Call(&Stub::ListAuditEvents, token, request, &response);
    return {response.audit_events().begin(), response.audit_events().end()};
  }

  std::unique_ptr<Stub> stub_;
  std::unique_ptr<pqxx::connection> db_;

 private:
  std::string hub_name_;
  absl::Duration call_deadline_;
};

}  // namespace sixsteps::testing
