// The reporting service's feed consumer recovers from a revoked access token (issue #13,
// finding 14's follow-up): when the reporting account's role binding is deleted and
// re-created, identity revokes every token the account holds; the consumer must sign in
// again with its API key on UNAUTHENTICATED rather than reuse the revoked token until it
// expires (~15 minutes, during which the read model stood still). A real hub on 127.0.0.1.
#include <gmock/gmock.h>
#include <grpcpp/client_context.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "services/common/auth.h"
#include "services/common/status.h"
#include "services/reporting/feed_consumer.h"
#include "tests/integration/one_partnership_fixture.h"
#include "tests/support/status_matchers.h"
#include "tests/support/test_hub.h"

namespace sixsteps::testing {
namespace {

namespace asv1 = ::sixsteps::assessment::v1;
namespace idv1 = ::sixsteps::identity::v1;
namespace rv1 = ::sixsteps::reporting::v1;

// How long a write may take to reach the read model in these tests.
constexpr absl::Duration kPatience = absl::Seconds(30);

class ReportingReloginTest : public OnePartnershipTest {
 protected:
  ReportingReloginTest() : OnePartnershipTest("relogin") {}

  // The read model's position, as the administrator sees it.
  absl::StatusOr<int64_t> Applied() {
    grpc::ClientContext context;
    Authorize(context, hub_->admin_token());
    rv1::Freshness freshness;
    SIXSTEPS_RETURN_IF_ERROR(FromGrpcStatus(
        hub_->ReportingStub()->GetFreshness(&context, rv1::GetFreshnessRequest(), &freshness)));
    return freshness.sequence();
  }

  // Polls the read model until it has applied the feed up to `head`, for at most kPatience;
  // returns the last position seen.
  int64_t AppliedUpTo(int64_t head) {
    const absl::Time give_up = absl::Now() + kPatience;
    int64_t applied = -1;
    while (absl::Now() < give_up) {
      absl::StatusOr<int64_t> now = Applied();
      if (now.ok()) applied = *now;
      if (applied >= head) break;
      absl::SleepFor(absl::Milliseconds(100));
    }
    return applied;
  }

  // The reporting account's name, from a sign-in with its API key.
  std::string ReportingAccount() {
    grpc::ClientContext context;
    idv1::SignInWithApiKeyRequest request;
    request.set_api_key(hub_->reporting_api_key());
    idv1::SignInWithApiKeyResponse response;
    EXPECT_THAT(
        FromGrpcStatus(hub_->IdentityStub()->SignInWithApiKey(&context, request, &response)),
        IsOk());
    return response.principal();
  }
};

TEST_F(ReportingReloginTest, TheConsumerSignsInAgainWhenItsTokenIsRevoked) {
  // The consumer follows the feed with a token of its own.
  ASSERT_THAT(CreateRound("Scrutiny 2025/26").status(), IsOk());
  absl::StatusOr<int64_t> head = hub_->FeedHead();
  ASSERT_THAT(head, IsOk());
  ASSERT_GE(AppliedUpTo(*head), *head);

  // The consumer is stopped (its upstream keeps the token it signed in with) while the
  // account's viewer binding is deleted and granted again: identity revokes that token.
  // Stopping it first makes the order certain: the restarted consumer starts with the
  // revoked token, as a running one would after a binding change.
  hub_->StopReporting();
  const std::string account = ReportingAccount();
  ASSERT_FALSE(account.empty());
  {
    grpc::ClientContext context;
    Authorize(context, hub_->admin_token());
    idv1::ListRoleBindingsRequest request;
    request.set_principal(account);
    idv1::ListRoleBindingsResponse response;
    ASSERT_THAT(
        FromGrpcStatus(hub_->IdentityStub()->ListRoleBindings(&context, request, &response)),
        IsOk());
    ASSERT_EQ(response.role_bindings_size(), 1);
    grpc::ClientContext unbind;
    Authorize(unbind, hub_->admin_token());
    idv1::DeleteRoleBindingRequest delete_request;
    delete_request.set_name(response.role_bindings(0).name());
    google::protobuf::Empty empty;
    ASSERT_THAT(
        FromGrpcStatus(hub_->IdentityStub()->DeleteRoleBinding(&unbind, delete_request, &empty)),
        IsOk());
  }
  {
    grpc::ClientContext context;
    Authorize(context, hub_->admin_token());
    idv1::CreateRoleBindingRequest request;
    request.mutable_role_binding()->set_principal(account);
    request.mutable_role_binding()->set_role(idv1::ROLE_VIEWER);
    request.mutable_role_binding()->set_scope("*");
    idv1::RoleBinding binding;
    ASSERT_THAT(
        FromGrpcStatus(hub_->IdentityStub()->CreateRoleBinding(&context, request, &binding)),
        IsOk());
  }
  ASSERT_THAT(hub_->StartReporting(), IsOk());

  // A write after the revocation reaches the read model: the consumer signed in again
  // (before the fix it retried with the revoked token until it expired).
  ASSERT_THAT(CreateRound("Scrutiny 2026/27").status(), IsOk());
  head = hub_->FeedHead();
  ASSERT_THAT(head, IsOk());
  EXPECT_GE(AppliedUpTo(*head), *head);
}

}  // namespace
}  // namespace sixsteps::testing
