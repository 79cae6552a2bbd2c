// The identity service end to end: signing in, throttling, refresh tokens and the bootstrap
// of the first administrator. The clock of throttling is driven by rewriting
// sign_in_backoff in the database, never by sleeping.
#include "tests/integration/identity_service_fixture.h"

namespace sixsteps::testing {
namespace {

// ---- Signing in ----

TEST_F(IdentityServiceTest, SignInGivesATokenThatIdentityAndFrameworkAccept) {
  idv1::SignInResponse signed_in;
  ASSERT_THAT(SignIn(TestHub::kAdminEmail, TestHub::kAdminPassword, &signed_in), IsOk());
  EXPECT_THAT(signed_in.principal(), ::testing::StartsWith("users/u-"));
  EXPECT_THAT(signed_in.refresh_token(), ::testing::StartsWith("ssr."));
  EXPECT_GT(TimeUtil::TimestampToSeconds(signed_in.access_token_expire_time()),
            absl::ToUnixSeconds(absl::Now()));
  EXPECT_GT(TimeUtil::TimestampToSeconds(signed_in.refresh_token_expire_time()),
            TimeUtil::TimestampToSeconds(signed_in.access_token_expire_time()));

  idv1::GetCurrentPrincipalResponse me;
  ASSERT_THAT(WhoAmI(signed_in.access_token(), &me), IsOk());
  EXPECT_EQ(me.principal(), signed_in.principal());
  EXPECT_EQ(me.display_name(), "Ada Admin");
  ASSERT_THAT(me.role_bindings(), SizeIs(1));
  EXPECT_EQ(me.role_bindings(0).role(), Role::ROLE_HUB_ADMINISTRATOR);
  EXPECT_EQ(me.role_bindings(0).scope(), "*");

  nlohmann::json claims = JwtPart(signed_in.access_token(), 1);
  EXPECT_EQ(claims["sub"], signed_in.principal());
  EXPECT_EQ(claims["iss"], "sixsteps-identity");
  EXPECT_EQ(claims["aud"], "sixsteps");
  EXPECT_EQ(JwtPart(signed_in.access_token(), 0)["alg"], "EdDSA");

  fwv1::ListFrameworksResponse frameworks;
  EXPECT_THAT(FrameworkList(signed_in.access_token(), &frameworks), IsOk());
  // Emails are matched without regard to case or surrounding spaces.
  EXPECT_THAT(SignIn("  ADMIN@Hub.Test ", TestHub::kAdminPassword), IsOk());
}

TEST_F(IdentityServiceTest, WrongPasswordAndUnknownEmailGetTheSameAnswer) {
  grpc::Status wrong_password = SignIn(TestHub::kAdminEmail, "not the right password");
  grpc::Status unknown_email = SignIn("nobody@hub.test", "not the right password");
  EXPECT_THAT(wrong_password, StatusIs(Code::kUnauthenticated));
  EXPECT_EQ(wrong_password.error_code(), unknown_email.error_code());
  EXPECT_EQ(wrong_password.error_message(), unknown_email.error_message());
  EXPECT_THAT(wrong_password.error_message(), Not(HasSubstr("admin@hub.test")));
  EXPECT_THAT(SignIn("", "x"), StatusIs(Code::kInvalidArgument));
  EXPECT_THAT(SignIn(TestHub::kAdminEmail, ""), StatusIs(Code::kInvalidArgument));
}

TEST_F(IdentityServiceTest, FiveFailuresSlowTheNextAttemptFromThatClient) {
  MustUserWithRoles("slow@hub.test", {});
  const std::string kFailures =
      "SELECT failures FROM sign_in_backoff WHERE email_key = $1 AND client = '127.0.0.1'";
  for (int i = 0; i < 5; ++i) {
    EXPECT_THAT(SignIn("slow@hub.test", "wrong password number"), StatusIs(Code::kUnauthenticated));
  }
  EXPECT_EQ(Sql(kFailures, "slow@hub.test"), "5");
  // Pin the last failure a little ahead, so the next attempt is inside the one-second delay
  // however slow this machine is.
  Sql("UPDATE sign_in_backoff SET last_failure = now() + interval '5 seconds'");
  grpc::Status throttled = SignIn("slow@hub.test", kUserPassword);
  EXPECT_THAT(throttled, StatusIs(Code::kResourceExhausted, "too many failed password attempts"));
  // A refused attempt checks no password and does not count.
  EXPECT_EQ(Sql(kFailures, "slow@hub.test"), "5");

  // An address without an account is throttled the same way, so throttling reveals nothing.
  for (int i = 0; i < 5; ++i) SignIn("nobody@hub.test", "wrong password number");
  Sql("UPDATE sign_in_backoff SET last_failure = now() + interval '5 seconds'");
  grpc::Status nobody = SignIn("nobody@hub.test", kUserPassword);
  EXPECT_EQ(nobody.error_code(), throttled.error_code());
  EXPECT_EQ(nobody.error_message(), throttled.error_message());

  // Once the delay has passed, the right password works and clears the count.
  Sql("UPDATE sign_in_backoff SET last_failure = now() - interval '2 seconds'");
  EXPECT_THAT(SignIn("slow@hub.test", kUserPassword), IsOk());
  EXPECT_EQ(Sql("SELECT count(*) FROM sign_in_backoff WHERE email_key = $1", "slow@hub.test"), "0");
}

TEST_F(IdentityServiceTest, ManyFailuresNeverLockTheAccount) {
  MustUserWithRoles("locked@hub.test", {});
  // The count a persistent attacker reaches; the previous release locked at ten.
  for (int i = 1; i <= 12; ++i) {
    EXPECT_THAT(SignIn("locked@hub.test", "wrong password number"),
                StatusIs(Code::kUnauthenticated));
    // Let the delay pass before the next attempt.
    Sql("UPDATE sign_in_backoff SET last_failure = now() - interval '20 minutes'");
  }
  EXPECT_EQ(Sql("SELECT failures FROM sign_in_backoff WHERE email_key = $1", "locked@hub.test"),
            "12");
  // The wait is capped (here 2^7 s): after it the right password works.
  EXPECT_THAT(SignIn("locked@hub.test", kUserPassword), IsOk());
  EXPECT_EQ(Sql("SELECT count(*) FROM sign_in_throttle"), "0");
}

TEST_F(IdentityServiceTest, DisabledUsersCannotSignInOrRefresh) {
  MustUserWithRoles("gone@hub.test", {});
  idv1::SignInResponse before;
  ASSERT_THAT(SignIn("gone@hub.test", kUserPassword, &before), IsOk());
  Sql("UPDATE users SET disabled = true WHERE lower(email) = $1", "gone@hub.test");
  grpc::Status disabled = SignIn("gone@hub.test", kUserPassword);
  grpc::Status wrong = SignIn("other-nobody@hub.test", kUserPassword);
  EXPECT_THAT(disabled, StatusIs(Code::kUnauthenticated));
  // Not even whether the account exists, let alone that it is disabled.
  EXPECT_EQ(disabled.error_message(), wrong.error_message());
  EXPECT_THAT(Refresh(before.refresh_token()), StatusIs(Code::kUnauthenticated));
}

// ---- Refresh tokens ----

TEST_F(IdentityServiceTest, RefreshTokensRotateAndSignOutRevokes) {
  idv1::SignInResponse signed_in;
  ASSERT_THAT(SignIn(TestHub::kAdminEmail, TestHub::kAdminPassword, &signed_in), IsOk());

  idv1::RefreshAccessTokenResponse first;
  ASSERT_THAT(Refresh(signed_in.refresh_token(), &first), IsOk());
  EXPECT_EQ(first.principal(), signed_in.principal());
  EXPECT_NE(first.refresh_token(), signed_in.refresh_token());
  EXPECT_NE(first.access_token(), signed_in.access_token());
  EXPECT_EQ(PrincipalOf(first.access_token()), signed_in.principal());

  // The refresh token just used is spent.
  idv1::RefreshAccessTokenResponse replay;
  EXPECT_THAT(Refresh(signed_in.refresh_token(), &replay), StatusIs(Code::kUnauthenticated));
  EXPECT_TRUE(replay.access_token().empty());

  // Replaying it revoked its family: its successor is dead too (a thief and the owner both
  // lose the session; the owner signs in again).
  idv1::RefreshAccessTokenResponse second;
  EXPECT_THAT(Refresh(first.refresh_token(), &second), StatusIs(Code::kUnauthenticated));
  ASSERT_THAT(SignIn(TestHub::kAdminEmail, TestHub::kAdminPassword, &signed_in), IsOk());
  ASSERT_THAT(Refresh(signed_in.refresh_token(), &first), IsOk());
  ASSERT_THAT(Refresh(first.refresh_token(), &second), IsOk());

  // Signing out revokes the current one.
  idv1::SignOutRequest sign_out;
  sign_out.set_refresh_token(second.refresh_token());
  idv1::SignOutResponse signed_out;
  ASSERT_THAT(Call(&Stub::SignOut, "", sign_out, &signed_out), IsOk());
  EXPECT_THAT(Refresh(second.refresh_token()), StatusIs(Code::kUnauthenticated));

  EXPECT_THAT(Refresh("ssr.not-a-token-this-service-issued"), StatusIs(Code::kUnauthenticated));
  EXPECT_THAT(Refresh(""), StatusIs(Code::kInvalidArgument));
  sign_out.set_refresh_token("");
  EXPECT_THAT(Call(&Stub::SignOut, "", sign_out, &signed_out), StatusIs(Code::kInvalidArgument));
  // Refresh tokens are stored hashed only.
  EXPECT_EQ(Sql("SELECT count(*) FROM refresh_tokens r WHERE strpos(r::text, $1) > 0",
                second.refresh_token().substr(4)),
            "0");
}

TEST_F(IdentityServiceTest, ExpiredRefreshTokensAreRefused) {
  idv1::SignInResponse signed_in;
  ASSERT_THAT(SignIn(TestHub::kAdminEmail, TestHub::kAdminPassword, &signed_in), IsOk());
  Sql("UPDATE refresh_tokens SET expire_time = now() - interval '1 second'");
  EXPECT_THAT(Refresh(signed_in.refresh_token()), StatusIs(Code::kUnauthenticated));
}

// ---- Bootstrap ----

TEST_F(IdentityServiceTest, BootstrapCreatesTheFirstAdministratorOnlyOnce) {
  identity::IdentityOptions options;
  options.password_cost = identity::PasswordCost::Fast();

  // On the hub, which was bootstrapped when it started.
  {
    db::ConnectionPool pool(hub_->identity_database_url(), 2, absl::Seconds(2));
    identity::PgIdentityStore store(&pool);
    identity::IdentityServiceImpl service(
        &store, identity::KeySealer::FromSecret(TestHub::kKeyEncryptionSecret).value(), options);
    int users = Count("users");
    EXPECT_THAT(
        service.BootstrapAdministrator("second@hub.test", "Second", "another long password"),
        StatusIs(Code::kFailedPrecondition));
    EXPECT_EQ(Count("users"), users);
    EXPECT_THAT(SignIn("second@hub.test", "another long password"),
                StatusIs(Code::kUnauthenticated));
  }

  // On a fresh database: bad input creates nothing, then once and only once.
  absl::StatusOr<std::string> url = SharedPgCluster().CreateDatabase("bootstrap_identity");
  ASSERT_THAT(url, IsOk());
  ASSERT_THAT(db::ApplyMigrations(*url, identity::IdentityMigrations()), IsOk());
  db::ConnectionPool pool(*url, 2, absl::Seconds(2));
  identity::PgIdentityStore store(&pool);
  identity::IdentityServiceImpl service(
      &store, identity::KeySealer::FromSecret(TestHub::kKeyEncryptionSecret).value(), options);
  ASSERT_THAT(service.EnsureSigningKey(), IsOk());
  pqxx::connection fresh(*url);
  auto count = [&](const char* table) {
    pqxx::work work(fresh);
    return work.exec(absl::StrCat("SELECT count(*) FROM ", table))[0][0].as<int>();
  };
  EXPECT_THAT(service.BootstrapAdministrator("first@hub.test", "First", "short"),
              StatusIs(Code::kInvalidArgument));
  EXPECT_THAT(service.BootstrapAdministrator("not an email", "First", "long enough password"),
              StatusIs(Code::kInvalidArgument));
  EXPECT_EQ(count("users"), 0);
  absl::StatusOr<idv1::User> first =
      service.BootstrapAdministrator("first@hub.test", "First", "long enough password");
  ASSERT_THAT(first, IsOk());
  EXPECT_EQ(first->email(), "first@hub.test");
  EXPECT_THAT(service.BootstrapAdministrator("second@hub.test", "Second", "long enough password"),
              StatusIs(Code::kFailedPrecondition));
  EXPECT_THAT(service.BootstrapAdministrator("first@hub.test", "First", "long enough password"),
              StatusIs(Code::kFailedPrecondition));
  EXPECT_EQ(count("users"), 1);
  EXPECT_EQ(count("role_bindings"), 1);
}

}  // namespace
}  // namespace sixsteps::testing
