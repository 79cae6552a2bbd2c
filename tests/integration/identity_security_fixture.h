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
#include "tests/integration/identity_hub_fixture.h"
#include "tests/support/child_process.h"
#include "tests/support/pg_cluster.h"
#include "tests/support/status_matchers.h"
#include "tests/support/test_hub.h"

namespace sixsteps::testing {

using ::testing::AnyOf;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;
using Code = absl::StatusCode;
using auth::Role;

// Long enough for a loaded two-core machine; never waited for when all is well.
inline constexpr absl::Duration kPatience = absl::Seconds(90);

class IdentitySecurityTest : public IdentityHubTest {
 protected:
  IdentitySecurityTest() : IdentityHubTest("identity_security", absl::Seconds(60)) {}

  int Failures(const std::string& email, const std::string& client = "127.0.0.1") {
    std::string failures = Sql(
        "SELECT failures FROM sign_in_backoff WHERE email_key = $1 AND client = $2", email, client);
    return failures.empty() ? 0 : std::stoi(failures);
  }

  std::string UserNamed(const std::string& email) {
    return absl::StrCat("users/", Sql("SELECT user_id FROM users WHERE lower(email) = $1", email));
  }

  std::vector<idv1::AuditEvent> Audit(const std::string& token) {
    grpc::Status status;
    std::vector<idv1::AuditEvent> events = IdentityHubTest::Audit(token, &status);
    EXPECT_THAT(status, IsOk());
    return events;
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
};

}  // namespace sixsteps::testing
