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
// Findings 3, 4, 6, 15, 16 and 19 are here; 18 (bootstrap) and 2 (memory, in a real
// process) in identity_security_process_test.cc.
#include <atomic>
#include <thread>

#include "services/common/server.h"
#include "tests/integration/identity_security_fixture.h"

namespace sixsteps::testing {
namespace {

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

// A wrong guess's claim racing a successful sign-in's clear of the same row: the claim used to
// read the row it had just made sure of and find it deleted (no row: sixsteps-identity
// crashed mid-burst). Every claim must now answer, and the store stay consistent.
TEST_F(IdentitySecurityTest, ClaimsRacingClearsOfTheSameRowAlwaysAnswer) {
  db::ConnectionPool pool(hub_->identity_database_url(), 4, absl::Seconds(5));
  identity::PgIdentityStore store(&pool);
  const absl::Time long_ago = absl::Now() - absl::Hours(1);
  std::atomic<bool> done{false};
  std::thread clearer([&] {
    while (!done.load()) {
      store.ClearBackoff("race@hub.test", "127.0.0.1").IgnoreError();
    }
  });
  int answered = 0;
  for (int i = 0; i < 300; ++i) {
    absl::StatusOr<identity::BackoffState> claimed =
        store.ClaimPasswordAttempt("race@hub.test", "127.0.0.1", long_ago);
    // Counted, or refused by the backoff the counted failures earned: never no answer.
    if (claimed.ok()) {
      EXPECT_GE(claimed->failures, 1);
    } else {
      EXPECT_THAT(claimed.status(), StatusIs(Code::kResourceExhausted));
    }
    ++answered;
  }
  done = true;
  clearer.join();
  EXPECT_EQ(answered, 300);
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

}  // namespace
}  // namespace sixsteps::testing
