// The CLI recovers from a revoked access token (issue #13): identity revokes every token of a
// principal when a role binding of theirs is deleted, so the stored access token stops working
// long before it expires. On UNAUTHENTICATED the CLI renews the token once from the stored
// sign-in (a user's refresh token, a service account's API key file) and makes the refused
// call again; only if that fails does it ask for a new login. The CLI runs in-process against
// a real hub on 127.0.0.1 (identity, framework, assessment with PostgreSQL).
#include <gmock/gmock.h>
#include <google/protobuf/util/time_util.h>
#include <grpcpp/create_channel.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/common/auth.h"
#include "services/common/status.h"
#include "tests/support/status_matchers.h"
#include "tests/support/test_hub.h"
#include "tools/sixsteps/credentials.h"
#include "tools/sixsteps/dispatcher.h"

namespace sixsteps::testing {
namespace {

namespace idv1 = ::sixsteps::identity::v1;
namespace asv1 = ::sixsteps::assessment::v1;
using auth::Role;
using ::google::protobuf::util::TimeUtil;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kEmail[] = "scrutineer@hub.test";
constexpr char kPassword[] = "a long enough password";  // TestHub::UserWithRoles's
constexpr char kPartnership[] = "partnerships/tyneside";
// The other services' verifiers fetch revocations every 5 s; three times that is the bound.
constexpr absl::Duration kPropagationBound = absl::Seconds(15);

struct Result {
  int exit_code;
  std::string out;
  std::string err;
};

class CliReloginTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto hub = TestHub::Start("clirelogin");
    ASSERT_THAT(hub, IsOk());
    hub_ = std::move(*hub);
    ASSERT_THAT(hub_->CreateRegion("north"), IsOk());
    ASSERT_THAT(hub_->CreatePartnership("tyneside", "north"), IsOk());
    dir_ = std::filesystem::temp_directory_path() /
           absl::StrCat("sixsteps-cli-relogin-test-", ::getpid(), "-",
                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    env_ = {{"XDG_CONFIG_HOME", (dir_ / "config").string()},
            {"SIXSTEPS_IDENTITY_ADDRESS", hub_->identity_target()},
            {"SIXSTEPS_FRAMEWORK_ADDRESS", hub_->framework_target()},
            {"SIXSTEPS_ASSESSMENT_ADDRESS", hub_->assessment_target()}};
  }

  void TearDown() override { std::filesystem::remove_all(dir_); }

  Result Run(std::vector<std::string> words, std::map<std::string, std::string> extra_env = {}) {
    std::map<std::string, std::string> env = env_;
    for (auto& [name, value] : extra_env) env[name] = value;
    std::ostringstream out, err;
    cli::Environment environment = [env](absl::string_view name) -> std::optional<std::string> {
      auto it = env.find(std::string(name));
      if (it == env.end()) return std::nullopt;
      return it->second;
    };
    int code = cli::RunCli(words, environment, cli::InsecureChannelFactory(), out, err);
    return Result{code, out.str(), err.str()};
  }

  cli::Credentials Stored() {
    absl::StatusOr<std::optional<cli::Credentials>> loaded =
        cli::LoadCredentials((dir_ / "config/sixsteps/credentials.json").string());
    EXPECT_TRUE(loaded.ok() && loaded->has_value()) << loaded.status();
    return loaded.ok() && loaded->has_value() ? **loaded : cli::Credentials();
  }

  // Deletes every role binding of `principal` and grants `role` on `scope` again: identity
  // revokes every token the principal holds.
  void Rebind(const std::string& principal, Role role, const std::string& scope) {
    auto stub = hub_->IdentityStub();
    grpc::ClientContext context;
    Authorize(context, hub_->admin_token());
    idv1::ListRoleBindingsRequest request;
    request.set_principal(principal);
    idv1::ListRoleBindingsResponse response;
    ASSERT_THAT(FromGrpcStatus(stub->ListRoleBindings(&context, request, &response)), IsOk());
    ASSERT_GE(response.role_bindings_size(), 1);
    for (const idv1::RoleBinding& binding : response.role_bindings()) {
      grpc::ClientContext unbind;
      Authorize(unbind, hub_->admin_token());
      idv1::DeleteRoleBindingRequest delete_request;
      delete_request.set_name(binding.name());
      google::protobuf::Empty empty;
      ASSERT_THAT(FromGrpcStatus(stub->DeleteRoleBinding(&unbind, delete_request, &empty)), IsOk());
    }
    grpc::ClientContext bind;
    Authorize(bind, hub_->admin_token());
    idv1::CreateRoleBindingRequest create;
    create.mutable_role_binding()->set_principal(principal);
    create.mutable_role_binding()->set_role(role);
    create.mutable_role_binding()->set_scope(scope);
    idv1::RoleBinding created;
    ASSERT_THAT(FromGrpcStatus(stub->CreateRoleBinding(&bind, create, &created)), IsOk());
  }

  // Waits (boundedly) until the assessment service refuses `token`: its verifier has
  // fetched the revocation. Returns the last status.
  grpc::Status UntilAssessmentRefuses(const std::string& token) {
    const absl::Time give_up = absl::Now() + kPropagationBound;
    grpc::Status status;
    do {
      grpc::ClientContext context;
      Authorize(context, token);
      asv1::ListAssessmentsResponse response;
      status = hub_->AssessmentStub()->ListAssessments(&context, asv1::ListAssessmentsRequest(),
                                                       &response);
      if (status.error_code() == grpc::StatusCode::UNAUTHENTICATED) break;
      absl::SleepFor(absl::Milliseconds(100));
    } while (absl::Now() < give_up);
    return status;
  }

  std::unique_ptr<TestHub> hub_;
  std::filesystem::path dir_;
  std::map<std::string, std::string> env_;
};

TEST_F(CliReloginTest, AUserWhoseTokenWasRevokedNeedsNoNewLogin) {
  ASSERT_THAT(hub_->UserWithRoles(kEmail, {{Role::ROLE_VIEWER, kPartnership, ""}}), IsOk());
  Result login = Run({"login", "--email", kEmail}, {{"SIXSTEPS_PASSWORD", kPassword}});
  ASSERT_EQ(login.exit_code, 0) << login.err;
  const cli::Credentials first = Stored();
  ASSERT_EQ(Run({"whoami"}).exit_code, 0);

  // The binding is deleted and granted again: the stored access token is revoked, and
  // identity refuses it at once.
  Rebind(first.principal, Role::ROLE_VIEWER, kPartnership);
  Result who = Run({"whoami"});
  EXPECT_EQ(who.exit_code, 0) << who.err;
  EXPECT_THAT(who.out, HasSubstr(first.principal));
  const cli::Credentials renewed = Stored();
  EXPECT_NE(renewed.access_token, first.access_token);
  EXPECT_NE(renewed.refresh_token, first.refresh_token);  // rotated, and saved

  // Again, for a call to another service (the shared client of assessment, action and
  // report commands), once that service refuses the revoked token.
  Rebind(first.principal, Role::ROLE_VIEWER, kPartnership);
  ASSERT_EQ(UntilAssessmentRefuses(renewed.access_token).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  Result list = Run({"assessment", "list", "--partnership", "tyneside"});
  EXPECT_EQ(list.exit_code, 0) << list.err;
  EXPECT_NE(Stored().access_token, renewed.access_token);
}

TEST_F(CliReloginTest, AServiceAccountWhoseTokenWasRevokedSignsInAgainWithItsKey) {
  auto stub = hub_->IdentityStub();
  idv1::ServiceAccount account;
  {
    grpc::ClientContext context;
    Authorize(context, hub_->admin_token());
    idv1::CreateServiceAccountRequest request;
    request.mutable_service_account()->set_display_name("Case system");
    request.mutable_service_account()->set_owner(kPartnership);
    ASSERT_THAT(FromGrpcStatus(stub->CreateServiceAccount(&context, request, &account)), IsOk());
  }
  {
    grpc::ClientContext context;
    Authorize(context, hub_->admin_token());
    idv1::CreateRoleBindingRequest request;
    request.mutable_role_binding()->set_principal(account.name());
    request.mutable_role_binding()->set_role(Role::ROLE_VIEWER);
    request.mutable_role_binding()->set_scope(kPartnership);
    idv1::RoleBinding binding;
    ASSERT_THAT(FromGrpcStatus(stub->CreateRoleBinding(&context, request, &binding)), IsOk());
  }
  const std::string key_file = (dir_ / "key").string();
  {
    grpc::ClientContext context;
    Authorize(context, hub_->admin_token());
    idv1::CreateApiKeyRequest request;
    request.set_parent(account.name());
    request.mutable_api_key()->set_display_name("nightly export");
    *request.mutable_api_key()->mutable_expire_time() =
        TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(absl::Now() + absl::Hours(1)));
    idv1::CreateApiKeyResponse response;
    ASSERT_THAT(FromGrpcStatus(stub->CreateApiKey(&context, request, &response)), IsOk());
    std::ofstream(key_file) << response.secret() << "\n";
  }
  Result login = Run({"login", "--api-key-file", key_file});
  ASSERT_EQ(login.exit_code, 0) << login.err;
  const cli::Credentials first = Stored();

  Rebind(account.name(), Role::ROLE_VIEWER, kPartnership);
  Result who = Run({"whoami"});
  EXPECT_EQ(who.exit_code, 0) << who.err;
  EXPECT_NE(Stored().access_token, first.access_token);
}

TEST_F(CliReloginTest, ARefusedRenewalStillSaysHowToSignIn) {
  ASSERT_THAT(hub_->UserWithRoles(kEmail, {{Role::ROLE_VIEWER, kPartnership, ""}}), IsOk());
  ASSERT_EQ(Run({"login", "--email", kEmail}, {{"SIXSTEPS_PASSWORD", kPassword}}).exit_code, 0);
  cli::Credentials stored = Stored();
  // The access token is revoked and the refresh token is one identity never issued: the
  // renewal fails, and the user is told to sign in again (exit 16, UNAUTHENTICATED).
  Rebind(stored.principal, Role::ROLE_VIEWER, kPartnership);
  stored.refresh_token = "not-a-refresh-token";
  ASSERT_THAT(cli::SaveCredentials((dir_ / "config/sixsteps/credentials.json").string(), stored),
              IsOk());
  Result who = Run({"whoami"});
  EXPECT_EQ(who.exit_code, 16);
  EXPECT_THAT(who.err, HasSubstr("could not be renewed"));
  EXPECT_THAT(who.err, HasSubstr("sign in with: sixsteps login --email"));
}

}  // namespace
}  // namespace sixsteps::testing
