// Attacks on identity from the security review (issue 13), each performed against a real
// hub: PostgreSQL, gRPC on loopback, and for the memory bound a real sixsteps-identity
// process. Each test fails on the code before the fixes:
//   - a 50-way sign-in burst held ~64 MiB per call (Argon2id) with no bound;
//   - parallel wrong passwords were checked against a stale failure count;
//   - anyone knowing an email could lock its owner out;
//   - a password change left other sessions' refresh tokens valid, and a replayed refresh
//     token left its successors valid;
//   - CreateUser answered ALREADY_EXISTS for emails in other regions;
//   - UpdatePartnership accepted a missing etag;
//   - two concurrent bootstraps could both create a deployment administrator;
//   - 3,000-character emails went into the throttle table.
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

#ifndef SIXSTEPS_IDENTITY_BINARY
#error "SIXSTEPS_IDENTITY_BINARY must name the sixsteps-identity binary (tests/CMakeLists.txt)"
#endif

namespace sixsteps::testing {
namespace {

namespace idv1 = ::sixsteps::identity::v1;
using ::testing::AnyOf;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;
using Code = absl::StatusCode;
using Stub = idv1::IdentityService::Stub;
using auth::Role;

constexpr char kUserPassword[] = "a long enough password";  // TestHub::UserWithRoles's
// Long enough for a loaded two-core machine; never waited for when all is well.
constexpr absl::Duration kPatience = absl::Seconds(90);

// The "retry-after" trailer of a finished call, or "" if there is none.
std::string RetryAfter(const grpc::ClientContext& context) {
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

// ---- Finding 3: parallel guesses are all counted, and none outruns the backoff ----

TEST_F(IdentitySecurityTest, TwentyParallelWrongPasswordsAreEachCounted) {
  MustUserWithRoles("target@hub.test", {});
  std::vector<grpc::Status> statuses =
      InParallel(20, [&](int) { return SignIn("target@hub.test", "a wrong guess number"); });
  int checked = 0;
  for (const grpc::Status& status : statuses) {
    EXPECT_THAT(status,
                AnyOf(StatusIs(Code::kUnauthenticated), StatusIs(Code::kResourceExhausted)));
    if (status.error_code() == grpc::StatusCode::UNAUTHENTICATED) ++checked;
  }
  // Every password checked is counted (before the fix: 20 checked, counter at 2), and no
  // more than the free attempts plus those the backoff allowed got checked.
  EXPECT_EQ(Failures("target@hub.test"), checked);
  EXPECT_GE(checked, identity::kFailuresBeforeBackoff);
}

TEST_F(IdentitySecurityTest, BeyondTheThresholdParallelGuessesAreRefusedWithoutChecking) {
  MustUserWithRoles("deep@hub.test", {});
  // Fourteen failures long ago: one more attempt is allowed, after which the wait is at its
  // cap (fifteen minutes), far longer than this test.
  Sql("INSERT INTO sign_in_backoff (email_key, client, failures, last_failure) "
      "VALUES ($1, '127.0.0.1', 14, now() - interval '1 day')",
      "deep@hub.test");
  std::vector<std::string> hints(20);
  std::vector<grpc::Status> statuses = InParallel(20, [&](int i) {
    return SignIn("deep@hub.test", "a wrong guess number", nullptr, &hints[i]);
  });
  int checked = 0;
  for (int i = 0; i < 20; ++i) {
    if (statuses[i].error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) continue;
    EXPECT_THAT(statuses[i], StatusIs(Code::kUnauthenticated));
    ++checked;
  }
  // Exactly the one attempt the backoff allowed was checked (before the fix: all twenty).
  EXPECT_EQ(checked, 1);
  EXPECT_EQ(Failures("deep@hub.test"), 15);
  // Now even the right password is refused unchecked, with a hint of the capped wait.
  std::string hint;
  EXPECT_THAT(SignIn("deep@hub.test", kUserPassword, nullptr, &hint),
              StatusIs(Code::kResourceExhausted, "from this client"));
  EXPECT_EQ(hint, "900");
  EXPECT_EQ(Failures("deep@hub.test"), 15);
}

// ---- Finding 4: backoff per email and client, capped, and an administrator's unlock ----

TEST_F(IdentitySecurityTest, AnAttackerSlowsOnlyTheirOwnClientAndAnAdministratorUnlocks) {
  ASSERT_THAT(hub_->CreateRegion("north-east"), IsOk());
  ASSERT_THAT(hub_->CreatePartnership("sunderland", "north-east"), IsOk());
  ASSERT_THAT(hub_->CreatePartnership("gateshead", "north-east"), IsOk());
  MustUserWithRoles("owner@hub.test", {{Role::ROLE_VIEWER, "partnerships/sunderland", ""}});
  const std::string owner = UserNamed("owner@hub.test");

  // The same service on the same database, also on a unix socket: another client.
  db::ConnectionPool pool(hub_->identity_database_url(), 2, absl::Seconds(2));
  identity::PgIdentityStore store(&pool);
  identity::IdentityOptions options;
  options.password_cost = identity::PasswordCost::Fast();
  identity::IdentityServiceImpl other_door(
      &store, identity::KeySealer::FromSecret(TestHub::kKeyEncryptionSecret).value(), options);
  const std::string socket = absl::StrCat("unix:", ::testing::TempDir(), "/identity_", getpid());
  absl::StatusOr<std::unique_ptr<RunningServer>> server =
      RunningServer::Start(socket, {&other_door});
  ASSERT_THAT(server, IsOk());
  auto elsewhere = idv1::IdentityService::NewStub(
      grpc::CreateChannel(socket, grpc::InsecureChannelCredentials()));

  // The attacker, on 127.0.0.1: five free guesses, then the backoff, even for the right
  // password (refused unchecked: the count does not move), with a retry hint.
  for (int i = 0; i < identity::kFailuresBeforeBackoff; ++i) {
    EXPECT_THAT(SignIn("owner@hub.test", "a wrong guess number"), StatusIs(Code::kUnauthenticated));
  }
  Sql("UPDATE sign_in_backoff SET last_failure = now() + interval '5 seconds'");
  std::string hint;
  EXPECT_THAT(SignIn("owner@hub.test", kUserPassword, nullptr, &hint),
              StatusIs(Code::kResourceExhausted, "from this client"));
  EXPECT_EQ(Failures("owner@hub.test"), identity::kFailuresBeforeBackoff);
  int64_t seconds = 0;
  ASSERT_TRUE(absl::SimpleAtoi(hint, &seconds)) << hint;
  EXPECT_GE(seconds, 1);

  // However long the attacker keeps at it, the wait is at most fifteen minutes: no lock.
  Sql("UPDATE sign_in_backoff SET failures = 500, last_failure = now()");
  EXPECT_THAT(SignIn("owner@hub.test", kUserPassword, nullptr, &hint),
              StatusIs(Code::kResourceExhausted));
  ASSERT_TRUE(absl::SimpleAtoi(hint, &seconds)) << hint;
  EXPECT_LE(seconds, 15 * 60);
  EXPECT_GT(seconds, 14 * 60);

  // The owner, from another client, is not slowed at all; nor is their success a reset of
  // the attacker's backoff.
  idv1::SignInResponse owner_session;
  EXPECT_THAT(SignIn(*elsewhere, "owner@hub.test", kUserPassword, &owner_session), IsOk());
  EXPECT_EQ(Failures("owner@hub.test"), 500);

  // Unlock: refused to those who do not administer the user, and to the user themselves.
  const std::string stranger = MustUserWithRoles(
      "stranger@hub.test", {{Role::ROLE_PARTNERSHIP_ADMINISTRATOR, "partnerships/gateshead", ""}});
  const std::string sunderland_admin = MustUserWithRoles(
      "lead@hub.test", {{Role::ROLE_PARTNERSHIP_ADMINISTRATOR, "partnerships/sunderland", ""}});
  idv1::UnlockUserRequest unlock;
  unlock.set_name(owner);
  idv1::UnlockUserResponse unlocked;
  EXPECT_THAT(Call(&Stub::UnlockUser, stranger, unlock, &unlocked), StatusIs(Code::kNotFound));
  EXPECT_THAT(Call(&Stub::UnlockUser, owner_session.access_token(), unlock, &unlocked),
              StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(Call(&Stub::UnlockUser, "", unlock, &unlocked), StatusIs(Code::kUnauthenticated));
  unlock.set_name("serviceAccounts/sa-x");
  EXPECT_THAT(Call(&Stub::UnlockUser, admin_, unlock, &unlocked),
              StatusIs(Code::kInvalidArgument, "name"));
  unlock.set_name("users/u-nobody");
  EXPECT_THAT(Call(&Stub::UnlockUser, sunderland_admin, unlock, &unlocked),
              StatusIs(Code::kNotFound));
  EXPECT_EQ(Failures("owner@hub.test"), 500);

  // The partnership's administrator unlocks, audited; the right password works again here.
  unlock.set_name(owner);
  ASSERT_THAT(Call(&Stub::UnlockUser, sunderland_admin, unlock, &unlocked), IsOk());
  EXPECT_EQ(unlocked.cleared_backoffs(), 1);
  EXPECT_EQ(Failures("owner@hub.test"), 0);
  EXPECT_EQ(CountAudit("user.unlock", owner), 1);
  EXPECT_THAT(SignIn("owner@hub.test", kUserPassword), IsOk());
}

TEST_F(IdentitySecurityTest, AnUnknownEmailBacksOffLikeAKnownOne) {
  for (int i = 0; i < identity::kFailuresBeforeBackoff; ++i) {
    EXPECT_THAT(SignIn("nobody@hub.test", "a wrong guess number"),
                StatusIs(Code::kUnauthenticated));
  }
  MustUserWithRoles("somebody@hub.test", {});
  for (int i = 0; i < identity::kFailuresBeforeBackoff; ++i) {
    EXPECT_THAT(SignIn("somebody@hub.test", "a wrong guess number"),
                StatusIs(Code::kUnauthenticated));
  }
  Sql("UPDATE sign_in_backoff SET last_failure = now() + interval '5 seconds'");
  grpc::Status nobody = SignIn("nobody@hub.test", "a wrong guess number");
  grpc::Status somebody = SignIn("somebody@hub.test", "a wrong guess number");
  EXPECT_THAT(nobody, StatusIs(Code::kResourceExhausted));
  EXPECT_EQ(nobody.error_message(), somebody.error_message());
}

// ---- Finding 6: a password change ends other sessions; refresh-token families ----

TEST_F(IdentitySecurityTest, ChangingThePasswordEndsEverySessionButTheNewOne) {
  MustUserWithRoles("mover@hub.test", {});
  idv1::SignInResponse laptop, stolen;
  ASSERT_THAT(SignIn("mover@hub.test", kUserPassword, &laptop), IsOk());
  ASSERT_THAT(SignIn("mover@hub.test", kUserPassword, &stolen), IsOk());

  idv1::ChangePasswordRequest change;
  change.set_current_password(kUserPassword);
  change.set_new_password("a brand new long password");
  idv1::ChangePasswordResponse changed;
  ASSERT_THAT(Call(&Stub::ChangePassword, laptop.access_token(), change, &changed), IsOk());
  // Every refresh token issued before, the caller's own and the thief's, is dead.
  EXPECT_THAT(Refresh(stolen.refresh_token()), StatusIs(Code::kUnauthenticated));
  EXPECT_THAT(Refresh(laptop.refresh_token()), StatusIs(Code::kUnauthenticated));
  // The caller carries on with the sign-in the response gave.
  ASSERT_FALSE(changed.refresh_token().empty());
  ASSERT_FALSE(changed.access_token().empty());
  idv1::RefreshAccessTokenResponse refreshed;
  EXPECT_THAT(Refresh(changed.refresh_token(), &refreshed), IsOk());
  idv1::GetCurrentPrincipalResponse me;
  EXPECT_THAT(Call(&Stub::GetCurrentPrincipal, changed.access_token(),
                   idv1::GetCurrentPrincipalRequest(), &me),
              IsOk());
  EXPECT_EQ(me.principal(), UserNamed("mover@hub.test"));
  EXPECT_THAT(SignIn("mover@hub.test", "a brand new long password"), IsOk());
  EXPECT_THAT(SignIn("mover@hub.test", kUserPassword), StatusIs(Code::kUnauthenticated));
}

TEST_F(IdentitySecurityTest, WrongCurrentPasswordsAreThrottledAndAudited) {
  const std::string token = MustUserWithRoles("guessed@hub.test", {});
  idv1::ChangePasswordRequest change;
  change.set_current_password("a wrong guess number");
  change.set_new_password("a brand new long password");
  idv1::ChangePasswordResponse changed;
  for (int i = 0; i < identity::kFailuresBeforeBackoff; ++i) {
    EXPECT_THAT(Call(&Stub::ChangePassword, token, change, &changed),
                StatusIs(Code::kPermissionDenied, "current_password"));
  }
  Sql("UPDATE sign_in_backoff SET last_failure = now() + interval '5 seconds'");
  std::string hint;
  // Throttled like sign-in, even with the right password; and sign-in from this client too.
  change.set_current_password(kUserPassword);
  EXPECT_THAT(Call(&Stub::ChangePassword, token, change, &changed, &hint),
              StatusIs(Code::kResourceExhausted));
  EXPECT_FALSE(hint.empty());
  EXPECT_THAT(SignIn("guessed@hub.test", kUserPassword), StatusIs(Code::kResourceExhausted));
  EXPECT_EQ(Failures("guessed@hub.test"), identity::kFailuresBeforeBackoff);
  EXPECT_EQ(CountAudit("password.change_failed", UserNamed("guessed@hub.test")),
            identity::kFailuresBeforeBackoff);
  // The password did not change.
  Sql("DELETE FROM sign_in_backoff");
  EXPECT_THAT(SignIn("guessed@hub.test", kUserPassword), IsOk());
}

TEST_F(IdentitySecurityTest, ReplayingAnExchangedRefreshTokenRevokesItsWholeFamily) {
  MustUserWithRoles("family@hub.test", {});
  idv1::SignInResponse phone, desk;
  ASSERT_THAT(SignIn("family@hub.test", kUserPassword, &phone), IsOk());
  ASSERT_THAT(SignIn("family@hub.test", kUserPassword, &desk), IsOk());
  idv1::RefreshAccessTokenResponse first, second;
  ASSERT_THAT(Refresh(phone.refresh_token(), &first), IsOk());
  ASSERT_THAT(Refresh(first.refresh_token(), &second), IsOk());

  // Someone replays the first token (stolen before it was exchanged): refused, and every
  // successor is revoked with it, so the thief's chain and the phone's both end.
  EXPECT_THAT(Refresh(phone.refresh_token()), StatusIs(Code::kUnauthenticated));
  EXPECT_THAT(Refresh(second.refresh_token()), StatusIs(Code::kUnauthenticated));
  EXPECT_EQ(CountAudit("refresh_token.replayed"), 1);
  // Another session of the same user is its own family: untouched.
  EXPECT_THAT(Refresh(desk.refresh_token()), IsOk());
}

// ---- Finding 15: creating a user reveals nothing about other regions ----

TEST_F(IdentitySecurityTest, ARegionBAdministratorLearnsNothingFromAnExistingEmail) {
  ASSERT_THAT(hub_->CreateRegion("north-east"), IsOk());
  ASSERT_THAT(hub_->CreateRegion("london"), IsOk());
  MustUserWithRoles("scrutineer@hub.test", {{Role::ROLE_VIEWER, "regions/north-east", ""}});
  const std::string scrutineer = UserNamed("scrutineer@hub.test");
  const std::string north = MustUserWithRoles(
      "north@hub.test", {{Role::ROLE_HUB_ADMINISTRATOR, "regions/north-east", ""}});
  const std::string london =
      MustUserWithRoles("london@hub.test", {{Role::ROLE_HUB_ADMINISTRATOR, "regions/london", ""}});

  auto create = [&](const std::string& token, const std::string& email, idv1::User* user) {
    idv1::CreateUserRequest request;
    request.mutable_user()->set_email(email);
    request.mutable_user()->set_display_name("Sam Scrutineer");
    request.set_password("london's initial password");
    return Call(&Stub::CreateUser, token, request, user);
  };
  idv1::User fresh, existing;
  grpc::Status fresh_status = create(london, "new.person@hub.test", &fresh);
  grpc::Status existing_status = create(london, "Scrutineer@hub.test", &existing);
  // The same answer as for a new address (before the fix: ALREADY_EXISTS).
  ASSERT_THAT(fresh_status, IsOk());
  ASSERT_THAT(existing_status, IsOk());
  EXPECT_EQ(existing.name(), scrutineer);
  EXPECT_EQ(existing.email(), "Scrutineer@hub.test");
  EXPECT_EQ(existing.display_name(), fresh.display_name());
  EXPECT_EQ(existing.disabled(), fresh.disabled());
  EXPECT_TRUE(existing.has_create_time());
  EXPECT_GE(existing.create_time().seconds(), fresh.create_time().seconds());
  // Nothing the London administrator can read says more: not the user, not the audit log.
  idv1::GetUserRequest get;
  get.set_name(existing.name());
  idv1::User seen;
  get.set_name(fresh.name());
  grpc::Status fresh_get = Call(&Stub::GetUser, london, get, &seen);
  get.set_name(existing.name());
  grpc::Status existing_get = Call(&Stub::GetUser, london, get, &seen);
  EXPECT_EQ(fresh_get.error_code(), existing_get.error_code());
  for (const auto& event : Audit(london)) {
    EXPECT_THAT(event.detail(), Not(HasSubstr("existing_account")));
    EXPECT_NE(event.target(), scrutineer);
  }
  // The account is untouched: the person keeps their password and name.
  EXPECT_THAT(SignIn("scrutineer@hub.test", kUserPassword), IsOk());
  EXPECT_EQ(Sql("SELECT display_name FROM users WHERE user_id = $1", scrutineer.substr(6)),
            "scrutineer@hub.test");

  // What a hub expects: London binds the scrutineer, who then works in both regions.
  idv1::CreateRoleBindingRequest bind;
  bind.mutable_role_binding()->set_principal(existing.name());
  bind.mutable_role_binding()->set_role(Role::ROLE_VIEWER);
  bind.mutable_role_binding()->set_scope("regions/london");
  idv1::RoleBinding binding;
  ASSERT_THAT(Call(&Stub::CreateRoleBinding, london, bind, &binding), IsOk());
  EXPECT_THAT(Call(&Stub::GetUser, london, get, &seen), IsOk());
  idv1::SignInResponse signed_in;
  ASSERT_THAT(SignIn("scrutineer@hub.test", kUserPassword, &signed_in), IsOk());
  idv1::GetCurrentPrincipalResponse me;
  ASSERT_THAT(Call(&Stub::GetCurrentPrincipal, signed_in.access_token(),
                   idv1::GetCurrentPrincipalRequest(), &me),
              IsOk());
  EXPECT_EQ(me.role_bindings_size(), 2);

  // Whoever administers the account may be told that it exists.
  EXPECT_THAT(create(north, "scrutineer@hub.test", &seen),
              StatusIs(Code::kAlreadyExists, scrutineer));
  EXPECT_THAT(create(admin_, "scrutineer@hub.test", &seen), StatusIs(Code::kAlreadyExists));
  EXPECT_EQ(Sql("SELECT count(*) FROM users WHERE lower(email) = 'scrutineer@hub.test'"), "1");
}

// ---- Finding 16: UpdatePartnership requires the etag ----

TEST_F(IdentitySecurityTest, UpdatingAPartnershipWithoutItsEtagIsRefused) {
  ASSERT_THAT(hub_->CreateRegion("north-east"), IsOk());
  ASSERT_THAT(hub_->CreatePartnership("sunderland", "north-east"), IsOk());
  idv1::UpdatePartnershipRequest update;
  update.mutable_partnership()->set_name("partnerships/sunderland");
  update.mutable_partnership()->set_regional_comparison_opt_out(true);
  update.mutable_update_mask()->add_paths("regional_comparison_opt_out");
  idv1::Partnership updated;
  // A blind overwrite (before the fix: accepted).
  EXPECT_THAT(Call(&Stub::UpdatePartnership, admin_, update, &updated),
              StatusIs(Code::kInvalidArgument, "partnership.etag"));
  update.mutable_partnership()->set_etag("999");
  EXPECT_THAT(Call(&Stub::UpdatePartnership, admin_, update, &updated), StatusIs(Code::kAborted));
  idv1::GetPartnershipRequest get;
  get.set_name("partnerships/sunderland");
  idv1::Partnership read;
  ASSERT_THAT(Call(&Stub::GetPartnership, admin_, get, &read), IsOk());
  EXPECT_FALSE(read.regional_comparison_opt_out());
  update.mutable_partnership()->set_etag(read.etag());
  ASSERT_THAT(Call(&Stub::UpdatePartnership, admin_, update, &updated), IsOk());
  EXPECT_TRUE(updated.regional_comparison_opt_out());
}

// ---- Finding 19: email length ----

TEST_F(IdentitySecurityTest, LongEmailsAreRefusedBeforeAnyWork) {
  const std::string long_email = absl::StrCat(std::string(2990, 'a'), "@hub.test");
  const int audit_before = std::stoi(Sql("SELECT count(*) FROM audit_events"));
  EXPECT_THAT(SignIn(long_email, "a wrong guess number"),
              StatusIs(Code::kInvalidArgument, "email: must be at most 254 characters"));
  EXPECT_THAT(SignIn(absl::StrCat(std::string(246, 'a'), "@hub.test"), "a wrong guess number"),
              StatusIs(Code::kInvalidArgument, "email"));
  EXPECT_THAT(SignIn(TestHub::kAdminEmail, std::string(5000, 'p')),
              StatusIs(Code::kInvalidArgument, "password: must be at most"));
  EXPECT_EQ(Sql("SELECT count(*) FROM sign_in_backoff"), "0");
  EXPECT_EQ(std::stoi(Sql("SELECT count(*) FROM audit_events")), audit_before);

  idv1::CreateUserRequest request;
  request.mutable_user()->set_email(long_email);
  request.mutable_user()->set_display_name("Long");
  request.set_password(kUserPassword);
  idv1::User user;
  EXPECT_THAT(Call(&Stub::CreateUser, admin_, request, &user),
              StatusIs(Code::kInvalidArgument, "user.email: must be at most 254 characters"));
  EXPECT_EQ(Sql("SELECT count(*) FROM users WHERE length(email) > 254"), "0");
}

// ---- Finding 18: bootstrap is one transaction ----

class BootstrapTest : public ::testing::Test {
 protected:
  struct Fresh {
    std::string url;
    std::unique_ptr<db::ConnectionPool> pool;
    std::unique_ptr<identity::PgIdentityStore> store;
  };
  static Fresh FreshDatabase() {
    Fresh fresh;
    absl::StatusOr<std::string> url = SharedPgCluster().CreateDatabase("bootstrap_race");
    EXPECT_THAT(url, IsOk());
    fresh.url = url.value_or("");
    EXPECT_THAT(db::ApplyMigrations(fresh.url, identity::IdentityMigrations()), IsOk());
    fresh.pool = std::make_unique<db::ConnectionPool>(fresh.url, 4, absl::Seconds(5));
    fresh.store = std::make_unique<identity::PgIdentityStore>(fresh.pool.get());
    return fresh;
  }
  static std::unique_ptr<identity::IdentityServiceImpl> Service(identity::IdentityStore* store) {
    identity::IdentityOptions options;
    options.password_cost = identity::PasswordCost::Fast();
    return std::make_unique<identity::IdentityServiceImpl>(
        store, identity::KeySealer::FromSecret(TestHub::kKeyEncryptionSecret).value(), options);
  }
  static int Count(const std::string& url, const std::string& sql) {
    pqxx::connection conn(url);
    pqxx::work work(conn);
    return work.exec(sql)[0][0].as<int>();
  }
};

TEST_F(BootstrapTest, TwoConcurrentRunsMakeExactlyOneDeploymentAdministrator) {
  // Several rounds, each on a fresh database, two replicas' bootstraps released together.
  for (int round = 0; round < 3; ++round) {
    SCOPED_TRACE(absl::StrCat("round ", round));
    Fresh fresh = FreshDatabase();
    auto first = Service(fresh.store.get());
    auto second = Service(fresh.store.get());
    ASSERT_THAT(first->EnsureSigningKey(), IsOk());
    absl::StatusOr<idv1::User> results[2] = {absl::UnknownError("not run"),
                                             absl::UnknownError("not run")};
    absl::Barrier* start = new absl::Barrier(2);
    std::thread a([&] {
      if (start->Block()) delete start;
      results[0] = first->BootstrapAdministrator("first@hub.test", "First", "long enough password");
    });
    std::thread b([&] {
      if (start->Block()) delete start;
      results[1] =
          second->BootstrapAdministrator("second@hub.test", "Second", "long enough password");
    });
    a.join();
    b.join();
    int created = 0;
    for (const auto& result : results) {
      if (result.ok()) {
        ++created;
      } else {
        EXPECT_THAT(result, StatusIs(Code::kFailedPrecondition, "already exists"));
      }
    }
    EXPECT_EQ(created, 1);
    EXPECT_EQ(Count(fresh.url,
                    "SELECT count(*) FROM role_bindings WHERE region_id = '*' "
                    "AND role = 'hub_administrator'"),
              1);
    EXPECT_EQ(Count(fresh.url, "SELECT count(*) FROM users"), 1);

    // A rerun changes nothing and says an administrator exists (what scripts/hub and the
    // compose job take as done).
    EXPECT_THAT(first->BootstrapAdministrator("first@hub.test", "First", "long enough password"),
                StatusIs(Code::kFailedPrecondition, "already exists"));
    EXPECT_EQ(Count(fresh.url, "SELECT count(*) FROM users"), 1);
    EXPECT_EQ(Count(fresh.url, "SELECT count(*) FROM role_bindings"), 1);
  }
}

TEST_F(BootstrapTest, ARunThatFailedPartWayCanBeRunAgain) {
  Fresh fresh = FreshDatabase();
  auto service = Service(fresh.store.get());
  ASSERT_THAT(service->EnsureSigningKey(), IsOk());
  // What the old three-transaction bootstrap left when it failed after creating the user.
  {
    pqxx::connection conn(fresh.url);
    pqxx::work work(conn);
    work.exec(
        "INSERT INTO users (user_id, email, display_name, password_hash) "
        "VALUES ('u-leftover', 'first@hub.test', 'First', 'not a hash')");
    work.commit();
  }
  absl::StatusOr<idv1::User> admin =
      service->BootstrapAdministrator("First@hub.test", "First", "long enough password");
  ASSERT_THAT(admin, IsOk());
  EXPECT_EQ(admin->name(), "users/u-leftover");
  EXPECT_EQ(Count(fresh.url, "SELECT count(*) FROM users"), 1);
  EXPECT_EQ(Count(fresh.url,
                  "SELECT count(*) FROM role_bindings WHERE principal = 'users/u-leftover' "
                  "AND region_id = '*' AND role = 'hub_administrator'"),
            1);
  // A failure inside the transaction leaves nothing behind: a database that refuses the
  // binding (a trigger standing in for a crash part-way) keeps no user either.
  Fresh broken = FreshDatabase();
  auto broken_service = Service(broken.store.get());
  ASSERT_THAT(broken_service->EnsureSigningKey(), IsOk());
  {
    pqxx::connection conn(broken.url);
    pqxx::work work(conn);
    work.exec(
        "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'disk full'; END $$;"
        "CREATE TRIGGER refuse BEFORE INSERT ON role_bindings "
        "FOR EACH ROW EXECUTE FUNCTION refuse();");
    work.commit();
  }
  EXPECT_THAT(
      broken_service->BootstrapAdministrator("first@hub.test", "First", "long enough password"),
      Not(IsOk()));
  EXPECT_EQ(Count(broken.url, "SELECT count(*) FROM users"), 0);
  EXPECT_EQ(Count(broken.url, "SELECT count(*) FROM audit_events WHERE actor = 'bootstrap'"), 0);
  {
    pqxx::connection conn(broken.url);
    pqxx::work work(conn);
    work.exec("DROP TRIGGER refuse ON role_bindings");
    work.commit();
  }
  EXPECT_THAT(
      broken_service->BootstrapAdministrator("first@hub.test", "First", "long enough password"),
      IsOk());
  EXPECT_EQ(Count(broken.url, "SELECT count(*) FROM users"), 1);
}

// ---- Finding 2: memory under a sign-in burst, in a real sixsteps-identity process ----

// A sixsteps-identity process serving the given database on a free loopback port (read back
// from its "serving" log line), with production settings (interactive Argon2id cost).
// SIGKILLed when destroyed, and by the kernel if this test process dies first.
class IdentityProcess {
 public:
  static absl::StatusOr<std::unique_ptr<IdentityProcess>> Start(const std::string& database_url) {
    std::string log_path =
        absl::StrCat(::testing::TempDir(), "/identity_security_", getpid(), ".log");
    std::vector<std::string> args = {SIXSTEPS_IDENTITY_BINARY, "--listen=127.0.0.1:0",
                                     "--db_pool_size=8", "--shutdown_grace=1s"};
    std::vector<std::string> env = {
        "SIXSTEPS_DATABASE_URL=" + database_url,
        absl::StrCat("SIXSTEPS_KEY_ENCRYPTION_SECRET=", TestHub::kKeyEncryptionSecret),
    };
    SIXSTEPS_ASSIGN_OR_RETURN(pid_t pid, SpawnLogged(std::move(args), std::move(env), log_path));
    auto process = std::unique_ptr<IdentityProcess>(new IdentityProcess(pid, log_path));
    SIXSTEPS_RETURN_IF_ERROR(process->AwaitServing());
    return process;
  }

  ~IdentityProcess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      int status = 0;
      while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
      }
    }
    if (!::testing::Test::HasFailure()) std::remove(log_path_.c_str());
  }

  const std::string& target() const { return target_; }

  // A "kB" field of /proc/<pid>/status (VmRSS, VmHWM), in bytes; -1 if unreadable.
  int64_t StatusBytes(absl::string_view field) const {
    std::ifstream in(absl::StrCat("/proc/", pid_, "/status"));
    for (std::string line; std::getline(in, line);) {
      absl::string_view rest = line;
      if (!absl::ConsumePrefix(&rest, field) || !absl::ConsumePrefix(&rest, ":")) continue;
      std::vector<absl::string_view> words = absl::StrSplit(rest, ' ', absl::SkipWhitespace());
      int64_t kib = 0;
      if (!words.empty() && absl::SimpleAtoi(words[0], &kib)) return kib * 1024;
    }
    return -1;
  }
  // Resets VmHWM to the current resident size (Linux's clear_refs, value 5).
  bool ResetPeak() const {
    std::ofstream out(absl::StrCat("/proc/", pid_, "/clear_refs"));
    out << "5";
    out.flush();
    return out.good();
  }

  std::string LogTail() const {
    std::ifstream in(log_path_);
    std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return all.size() > 4000 ? all.substr(all.size() - 4000) : all;
  }

 private:
  IdentityProcess(pid_t pid, std::string log_path) : pid_(pid), log_path_(std::move(log_path)) {}

  absl::Status AwaitServing() {
    absl::Time deadline = absl::Now() + kPatience;
    while (absl::Now() < deadline) {
      std::ifstream in(log_path_);
      for (std::string line; std::getline(in, line);) {
        nlohmann::json json = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
        if (json.is_object() && json.value("event", "") == "serving") {
          target_ = json.value("address", "");
        }
      }
      if (!target_.empty()) return absl::OkStatus();
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return absl::InternalError(absl::StrCat("sixsteps-identity exited\n", LogTail()));
      }
      absl::SleepFor(absl::Milliseconds(50));
    }
    return absl::DeadlineExceededError(
        absl::StrCat("sixsteps-identity did not start in time\n", LogTail()));
  }

  pid_t pid_;
  std::string log_path_;
  std::string target_;
};

TEST_F(IdentitySecurityTest, AFiftyWaySignInBurstStaysUnder200MiB) {
  absl::StatusOr<std::unique_ptr<IdentityProcess>> process =
      IdentityProcess::Start(hub_->identity_database_url());
  ASSERT_THAT(process, IsOk());
  auto stub = idv1::IdentityService::NewStub(
      grpc::CreateChannel((*process)->target(), grpc::InsecureChannelCredentials()));
  // A user whose password the process hashes at the production cost (64 MiB to check).
  idv1::CreateUserRequest create;
  create.mutable_user()->set_email("known@hub.test");
  create.mutable_user()->set_display_name("Known");
  create.set_password(kUserPassword);
  idv1::User known;
  ASSERT_THAT(Call(*stub, &Stub::CreateUser, admin_, create, &known), IsOk());
  ASSERT_THAT(Sql("SELECT password_hash FROM users WHERE user_id = $1", known.name().substr(6)),
              HasSubstr("m=65536"));

  ASSERT_TRUE((*process)->ResetPeak());
  const int64_t before = (*process)->StatusBytes("VmHWM");
  ASSERT_GT(before, 0);
  std::vector<std::string> hints(50);
  std::vector<grpc::Status> statuses = InParallel(50, [&](int i) {
    switch (i % 5) {
      case 0:
        return SignIn(*stub, "known@hub.test", kUserPassword, nullptr, &hints[i]);
      case 1:
        return SignIn(*stub, "known@hub.test", "a wrong guess number", nullptr, &hints[i]);
      default:  // unknown addresses: the dummy hash costs the same 64 MiB
        return SignIn(*stub, absl::StrCat("unknown", i, "@hub.test"), "a wrong guess number",
                      nullptr, &hints[i]);
    }
  });
  const int64_t peak = (*process)->StatusBytes("VmHWM");
  std::map<grpc::StatusCode, int> answers;
  for (const grpc::Status& status : statuses) {
    EXPECT_THAT(status,
                AnyOf(IsOk(), StatusIs(Code::kUnauthenticated), StatusIs(Code::kResourceExhausted)))
        << status.error_message();
    answers[status.error_code()]++;
  }
  // Whether the queue was full or the backoff refused, the client is told when to retry.
  for (int i = 0; i < 50; ++i) {
    if (statuses[i].error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) {
      EXPECT_FALSE(hints[i].empty()) << statuses[i].error_message();
    }
  }
  // Some passwords were checked (the bound is not a refusal of everything) ...
  EXPECT_GT(answers[grpc::StatusCode::OK] + answers[grpc::StatusCode::UNAUTHENTICATED], 0);
  // ... and the process never held 200 MiB (before the fix: ~64 MiB per concurrent call).
  EXPECT_LT(peak, int64_t{200} << 20) << (*process)->LogTail();
  std::printf(
      "sixsteps-identity, 50-way sign-in burst: peak resident %.1f MiB (%.1f MiB before); "
      "%d OK, %d UNAUTHENTICATED, %d RESOURCE_EXHAUSTED\n",
      peak / 1048576.0, before / 1048576.0, answers[grpc::StatusCode::OK],
      answers[grpc::StatusCode::UNAUTHENTICATED], answers[grpc::StatusCode::RESOURCE_EXHAUSTED]);
}

}  // namespace
}  // namespace sixsteps::testing
