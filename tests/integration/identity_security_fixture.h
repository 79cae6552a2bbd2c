// What the tests of the security review's attacks on identity share
// (identity_security*_test.cc, one binary): a test hub per case, calls as a chosen token,
// SQL on the identity database, and calls in parallel.
#pragma once

#include <fcntl.h>
#include <gmock/gmock.h>
#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <map>
#include <pqxx/pqxx>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/barrier.h"
#include "services/common/status.h"
#include "services/identity/identity_service.h"
#include "services/identity/pg_store.h"
#include "tests/support/child_process.h"
#include "tests/support/pg_cluster.h"
#include "tests/support/status_matchers.h"
#include "tests/support/test_hub.h"

namespace sixsteps::testing {

namespace idv1 = ::sixsteps::identity::v1;
using ::testing::AnyOf;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;
using Code = absl::StatusCode;
using Stub = idv1::IdentityService::Stub;
using auth::Role;

inline constexpr char kUserPassword[] = "a long enough password";  // TestHub::UserWithRoles's
// Long enough for a loaded two-core machine; never waited for when all is well.
inline constexpr absl::Duration kPatience = absl::Seconds(90);

// The "retry-after" trailer of a finished call, or "" if there is none.
inline std::string RetryAfter(const grpc::ClientContext& context) {
  const auto& trailers = context.GetServerTrailingMetadata();
  auto found = trailers.find("retry-after");
  return found == trailers.end() ? "" : std::string(found->second.data(), found->second.size());
}

class IdentitySecurityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto hub = TestHub::Start("identity_security");
    ASSERT_THAT(hub, IsOk());
    hub_ = std::move(*hub);
    stub_ = hub_->IdentityStub();
    admin_ = hub_->admin_token();
    db_ = std::make_unique<pqxx::connection>(hub_->identity_database_url());
  }

  template <typename Request, typename Response>
  grpc::Status Call(Stub& stub,
                    grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
                    const std::string& token, const Request& request, Response* response,
                    std::string* retry_after = nullptr) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
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

  grpc::Status Refresh(const std::string& refresh_token,
                       idv1::RefreshAccessTokenResponse* response = nullptr) {
    idv1::RefreshAccessTokenRequest request;
    request.set_refresh_token(refresh_token);
    idv1::RefreshAccessTokenResponse ignored;
    return Call(&Stub::RefreshAccessToken, "", request, response ? response : &ignored);
  }

  template <typename... Args>
  std::string Sql(const std::string& sql, Args&&... args) {
    pqxx::work work(*db_);
    pqxx::result rows = work.exec_params(sql, std::forward<Args>(args)...);
    work.commit();
    if (rows.empty() || rows[0].empty() || rows[0][0].is_null()) return "";
    return rows[0][0].as<std::string>();
  }
  int Failures(const std::string& email, const std::string& client = "127.0.0.1") {
    std::string failures = Sql(
        "SELECT failures FROM sign_in_backoff WHERE email_key = $1 AND client = $2", email, client);
    return failures.empty() ? 0 : std::stoi(failures);
  }

  std::string MustUserWithRoles(const std::string& email,
                                const std::vector<TestHub::Binding>& roles) {
    absl::StatusOr<std::string> token = hub_->UserWithRoles(email, roles);
    EXPECT_THAT(token, IsOk());
    return token.value_or("");
  }
  std::string UserNamed(const std::string& email) {
    return absl::StrCat("users/", Sql("SELECT user_id FROM users WHERE lower(email) = $1", email));
  }

  std::vector<idv1::AuditEvent> Audit(const std::string& token) {
    idv1::ListAuditEventsRequest request;
    request.set_page_size(500);
    idv1::ListAuditEventsResponse response;
    EXPECT_THAT(Call(&Stub::ListAuditEvents, token, request, &response), IsOk());
    return {response.audit_events().begin(), response.audit_events().end()};
  }
  int CountAudit(const std::string& action, const std::string& target = "") {
    int count = 0;
    for (const auto& event : Audit(admin_)) {
      if (event.action() == action && (target.empty() || event.target() == target)) ++count;
    }
    return count;
  }

  // Runs `call(i)` for i in [0, n) on n threads released together; returns their statuses.
  template <typename Call>
  std::vector<grpc::Status> InParallel(int n, Call call) {
    std::vector<grpc::Status> statuses(n);
    absl::Barrier* start = new absl::Barrier(n);
    std::vector<std::thread> threads;
    for (int i = 0; i < n; ++i) {
      threads.emplace_back([&, i] {
        if (start->Block()) delete start;
        statuses[i] = call(i);
      });
    }
    for (std::thread& thread : threads) thread.join();
    return statuses;
  }

  std::unique_ptr<TestHub> hub_;
  std::unique_ptr<Stub> stub_;
  std::unique_ptr<pqxx::connection> db_;
  std::string admin_;
};

}  // namespace sixsteps::testing
