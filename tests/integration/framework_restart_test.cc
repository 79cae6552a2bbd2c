// The framework service keeps running while PostgreSQL restarts: it answers UNAVAILABLE
// while the database is down and recovers by itself when it is back.
#include <gmock/gmock.h>
#include <grpcpp/client_context.h>
#include <gtest/gtest.h>

#include "tests/support/pg_cluster.h"
#include "tests/support/status_matchers.h"
#include "tests/support/test_hub.h"

namespace sixsteps::testing {
namespace {

namespace v1 = ::sixsteps::framework::v1;

grpc::Status GetBuiltIn(v1::FrameworkService::Stub& stub, const std::string& token) {
  grpc::ClientContext context;
  Authorize(context, token);
  v1::GetFrameworkVersionRequest request;
  request.set_name("frameworks/six-steps/versions/2019");
  v1::FrameworkVersion version;
  return stub.GetFrameworkVersion(&context, request, &version);
}

TEST(FrameworkRestartTest, AnswersUnavailableWhileTheDatabaseIsDownThenRecovers) {
  auto hub = TestHub::Start("framework_restart");
  ASSERT_THAT(hub, IsOk());
  auto stub = (*hub)->FrameworkStub();
  const std::string token = (*hub)->admin_token();
  // Warm the pool: several connections open and idle.
  for (int i = 0; i < 4; ++i) ASSERT_THAT(GetBuiltIn(*stub, token), IsOk());

  ASSERT_THAT(SharedPgCluster().Stop(), IsOk());
  EXPECT_THAT(GetBuiltIn(*stub, token), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(GetBuiltIn(*stub, token), StatusIs(absl::StatusCode::kUnavailable));

  ASSERT_THAT(SharedPgCluster().Restart(), IsOk());
  // The same server process, the same pool: the first call after the restart succeeds.
  EXPECT_THAT(GetBuiltIn(*stub, token), IsOk());
  for (int i = 0; i < 4; ++i) EXPECT_THAT(GetBuiltIn(*stub, token), IsOk());
}

TEST(FrameworkRestartTest, ConnectionsThatDiedWhileIdleAreReplacedWithoutFailingCalls) {
  auto hub = TestHub::Start("framework_idle_restart");
  ASSERT_THAT(hub, IsOk());
  auto stub = (*hub)->FrameworkStub();
  const std::string token = (*hub)->admin_token();
  for (int i = 0; i < 4; ++i) ASSERT_THAT(GetBuiltIn(*stub, token), IsOk());
  // Restart while no call is running: every pooled connection is now dead.
  ASSERT_THAT(SharedPgCluster().Stop(), IsOk());
  ASSERT_THAT(SharedPgCluster().Restart(), IsOk());
  EXPECT_THAT(GetBuiltIn(*stub, token), IsOk())
      << "a dead idle connection is retried on a fresh one";
}

}  // namespace
}  // namespace sixsteps::testing
