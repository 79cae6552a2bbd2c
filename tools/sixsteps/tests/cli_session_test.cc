// Drives the sign-in in-process (RunCli) against a fake IdentityService: login, logout,
// whoami, the credentials file, token refresh and renewal, the token on every call.
#include "tools/sixsteps/tests/cli_identity_fixture.h"

namespace sixsteps::cli {
namespace {

TEST_F(CliIdentityTest, LoginStoresTheTokensInAPrivateFile) {
  Result result = Login();
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("Signed in as users/u-admin (admin@example.org)"));
  EXPECT_THAT(result.out, HasSubstr(CredentialsFile()));
  EXPECT_EQ(ModeOf(CredentialsFile()), 0600);
  EXPECT_EQ(ModeOf((Dir() / "config/sixsteps").string()), 0700);
  // Written through a temporary file that is gone.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(Dir() / "config/sixsteps"),
                          std::filesystem::directory_iterator()),
            1);

  std::ifstream file(CredentialsFile());
  nlohmann::json json = nlohmann::json::parse(file);
  EXPECT_EQ(json["identity_address"], "127.0.0.1:50052");
  EXPECT_EQ(json["principal"], "users/u-admin");
  EXPECT_EQ(json["access_token"], "a1");
  EXPECT_EQ(json["refresh_token"], "r1");
  absl::Time access_expiry, refresh_expiry;
  std::string error;
  ASSERT_TRUE(absl::ParseTime(absl::RFC3339_full,
                              json["access_token_expire_time"].get<std::string>(), &access_expiry,
                              &error))
      << error;
  ASSERT_TRUE(absl::ParseTime(absl::RFC3339_full,
                              json["refresh_token_expire_time"].get<std::string>(), &refresh_expiry,
                              &error))
      << error;
  EXPECT_GT(access_expiry, absl::Now() + absl::Minutes(14));
  EXPECT_GT(refresh_expiry, absl::Now() + absl::Hours(24 * 29));
  // Sign-in calls carry no token.
  EXPECT_THAT(identity_.authorizations, ElementsAre(""));
}

TEST_F(CliIdentityTest, LoginReadsThePasswordFromStandardInput) {
  Result result = Run({"login", "--email", kEmail}, {}, absl::StrCat(kPassword, "\nrest\n"));
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(Stored().access_token, "a1");
}

TEST_F(CliIdentityTest, LoginWithAWrongPasswordStoresNothing) {
  Result result = Run({"login", "--email", kEmail}, {{"SIXSTEPS_PASSWORD", "wrong"}});
  EXPECT_EQ(result.exit_code, 16);
  EXPECT_THAT(result.err, StartsWith("error: UNAUTHENTICATED: the email or the password is wrong"));
  EXPECT_FALSE(std::filesystem::exists(CredentialsFile()));

  Result no_password = Run({"login", "--email", kEmail});
  EXPECT_EQ(no_password.exit_code, 64);
  EXPECT_THAT(no_password.err, HasSubstr("no password"));
}

TEST_F(CliIdentityTest, TheStoredTokenGoesOnEveryCall) {
  ASSERT_EQ(Login().exit_code, 0);
  Result who = Run({"whoami"});
  EXPECT_EQ(who.exit_code, 0) << who.err;
  EXPECT_THAT(who.out, StartsWith("Principal: users/u-admin\nName: Hub administrator\n"));
  EXPECT_THAT(who.out, HasSubstr("hub_administrator  * (the whole deployment)"));
  EXPECT_EQ(identity_.authorizations.back(), "Bearer a1");

  Result show = Run({"framework", "show"});
  EXPECT_EQ(show.exit_code, 0) << show.err;
  EXPECT_THAT(framework_.authorizations, ElementsAre("Bearer a1"));
  EXPECT_THAT(identity_.refreshes, IsEmpty());
}

TEST_F(CliIdentityTest, AnAccessTokenAboutToExpireIsRefreshedFirst) {
  Store("old", absl::Seconds(10), "r1", absl::Hours(1));
  Result show = Run({"framework", "show"});
  EXPECT_EQ(show.exit_code, 0) << show.err;
  EXPECT_THAT(identity_.refreshes, ElementsAre("r1"));
  EXPECT_THAT(framework_.authorizations, ElementsAre("Bearer a1"));
  Credentials stored = Stored();
  EXPECT_EQ(stored.access_token, "a1");
  EXPECT_EQ(stored.refresh_token, "r2");
  EXPECT_GT(stored.access_token_expire_time, absl::Now() + absl::Minutes(14));
  EXPECT_EQ(ModeOf(CredentialsFile()), 0600);

  // The next call uses the refreshed token without refreshing again.
  EXPECT_EQ(Run({"whoami"}).exit_code, 0);
  EXPECT_THAT(identity_.refreshes, ElementsAre("r1"));
  EXPECT_EQ(identity_.authorizations.back(), "Bearer a1");
}

TEST_F(CliIdentityTest, AFollowedFeedRenewsItsTokenWhenTheServiceEndsTheStream) {
  // The service ends a watch when its token expires: the CLI renews the token and resumes
  // after the last change it printed, losing and repeating nothing.
  Store("old", absl::Minutes(10), "r1", absl::Hours(1));
  Result follow = Run({"assessment", "feed", "--follow", "--output", "json"});
  EXPECT_EQ(follow.exit_code, 0) << follow.err;
  EXPECT_THAT(identity_.refreshes, ElementsAre("r1"));
  EXPECT_THAT(feed_.watches, ElementsAre(Pair("Bearer old", 0), Pair("Bearer a1", 1)));
  std::vector<int64_t> printed;
  std::istringstream lines(follow.out);
  for (std::string line; std::getline(lines, line);) {
    printed.push_back(std::stoll(nlohmann::json::parse(line)["sequence"].get<std::string>()));
  }
  EXPECT_THAT(printed, ElementsAre(1, 2, 3));
  EXPECT_EQ(Stored().access_token, "a1");

  // A stream refused at once (nothing delivered) is not retried with a renewed token.
  Store("refused", absl::Minutes(10), "r2", absl::Hours(1));
  Result refused = Run({"assessment", "feed", "--follow"});
  EXPECT_EQ(refused.exit_code, 16);
  EXPECT_THAT(identity_.refreshes, ElementsAre("r1"));
  EXPECT_EQ(feed_.watches.back().first, "Bearer refused");
}

TEST_F(CliIdentityTest, ATokenWithTimeLeftIsNotRefreshed) {
  Store("preset", absl::Minutes(2), "r1", absl::Hours(1));
  EXPECT_EQ(Run({"whoami"}).exit_code, 0);
  EXPECT_THAT(identity_.refreshes, IsEmpty());
  EXPECT_EQ(identity_.authorizations.back(), "Bearer preset");
}

TEST_F(CliIdentityTest, AnExpiredSignInSaysHowToSignIn) {
  Store("old", -absl::Minutes(1), "r1", -absl::Minutes(1));
  Result who = Run({"whoami"});
  EXPECT_EQ(who.exit_code, 16);
  EXPECT_THAT(who.err, StartsWith("error: UNAUTHENTICATED: missing bearer token"));
  EXPECT_THAT(who.err, HasSubstr("the stored sign-in has expired"));
  EXPECT_THAT(who.err, HasSubstr("sign in with: sixsteps login --email"));
  EXPECT_THAT(identity_.refreshes, IsEmpty());

  // A revoked refresh token: the refresh fails, and the call says why.
  Store("old", -absl::Minutes(1), "revoked", absl::Hours(1));
  Result revoked = Run({"whoami"});
  EXPECT_EQ(revoked.exit_code, 16);
  EXPECT_THAT(revoked.err, HasSubstr("could not be renewed"));
  EXPECT_THAT(revoked.err, HasSubstr("sign in with: sixsteps login --email"));
}

TEST_F(CliIdentityTest, NoSignInAtAllSaysHowToSignIn) {
  Result who = Run({"whoami"});
  EXPECT_EQ(who.exit_code, 16);
  EXPECT_THAT(who.err, HasSubstr("sign in with: sixsteps login --email"));
}

TEST_F(CliIdentityTest, TheTokenVariableWinsOverTheStoredSignIn) {
  Store("old", -absl::Minutes(1), "r1", absl::Hours(1));
  Result who = Run({"whoami"}, {{"SIXSTEPS_TOKEN", "preset\n"}});
  EXPECT_EQ(who.exit_code, 0) << who.err;
  EXPECT_EQ(identity_.authorizations.back(), "Bearer preset");
  EXPECT_THAT(identity_.refreshes, IsEmpty());
  EXPECT_THAT(who.out, HasSubstr("Token: from $SIXSTEPS_TOKEN"));
}

TEST_F(CliIdentityTest, LogoutRevokesTheRefreshTokenAndDeletesTheFile) {
  ASSERT_EQ(Login().exit_code, 0);
  Result result = Run({"logout"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(identity_.sign_outs, ElementsAre("r1"));
  EXPECT_FALSE(std::filesystem::exists(CredentialsFile()));
  Result again = Run({"logout"});
  EXPECT_EQ(again.exit_code, 0);
  EXPECT_THAT(again.out, StartsWith("Not signed in"));
}

TEST_F(CliIdentityTest, AServiceAccountSignsInWithItsKeyFileAndAgainWhenItExpires) {
  std::string key_file = (Dir() / "integrator.key").string();
  std::ofstream(key_file) << kApiKey << "\n";
  Result result = Run({"login", "--api-key-file", key_file});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("Signed in as serviceAccounts/sa-1"));
  Credentials stored = Stored();
  EXPECT_EQ(stored.principal, "serviceAccounts/sa-1");
  EXPECT_EQ(stored.access_token, "a1");
  EXPECT_THAT(stored.refresh_token, IsEmpty());
  EXPECT_EQ(stored.api_key_file, key_file);

  // Expired: the CLI signs in again with the same file.
  stored.access_token_expire_time = absl::Now() - absl::Seconds(1);
  ASSERT_THAT(SaveCredentials(CredentialsFile(), stored), IsOk());
  EXPECT_EQ(Run({"framework", "show"}).exit_code, 0);
  EXPECT_THAT(framework_.authorizations, ElementsAre("Bearer a2"));
  EXPECT_EQ(Stored().access_token, "a2");

  // Or from $SIXSTEPS_API_KEY, with no file at all.
  std::filesystem::remove(CredentialsFile());
  EXPECT_EQ(Run({"login"}, {{"SIXSTEPS_API_KEY", kApiKey}}).exit_code, 0);
  EXPECT_EQ(Stored().access_token, "a3");
  EXPECT_EQ(Run({"login"}).exit_code, 64);
}

TEST_F(CliIdentityTest, LoginRemembersTheIdentityAddress) {
  Result result = Run({"login", "--email", kEmail, "--identity_address", "hub:7"},
                      {{"SIXSTEPS_PASSWORD", kPassword}});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(Stored().identity_address, "hub:7");
  addresses_.clear();
  EXPECT_EQ(Run({"whoami"}).exit_code, 0);
  EXPECT_THAT(addresses_, ElementsAre("hub:7"));
  addresses_.clear();
  EXPECT_EQ(Run({"whoami"}, {{"SIXSTEPS_IDENTITY_ADDRESS", "other:8"}}).exit_code, 0);
  EXPECT_THAT(addresses_, ElementsAre("other:8"));
}

}  // namespace
}  // namespace sixsteps::cli
