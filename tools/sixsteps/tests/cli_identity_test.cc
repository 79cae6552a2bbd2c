// Drives the identity resource commands in-process (RunCli) against a fake
// IdentityService: role grants, users, usage errors, short names, API keys, signing keys;
// and the identity names and the credentials file.
#include "tools/sixsteps/tests/cli_identity_fixture.h"

namespace sixsteps::cli {
namespace {

TEST_F(CliIdentityTest, GrantResolvesAnEmailAddress) {
  ASSERT_EQ(Login().exit_code, 0);
  Result result =
      Run({"role", "grant", "bob@example.org", "independent_scrutineer", "partnerships/luton"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  ASSERT_EQ(identity_.bindings_created.size(), 1u);
  const iv1::RoleBinding& binding = identity_.bindings_created[0].role_binding();
  EXPECT_EQ(binding.principal(), "users/u-bob");
  EXPECT_EQ(binding.role(), iv1::ROLE_INDEPENDENT_SCRUTINEER);
  EXPECT_EQ(binding.scope(), "partnerships/luton");
  EXPECT_THAT(binding.organisation(), IsEmpty());
  EXPECT_EQ(result.out,
            "Granted roleBindings/rb-1: independent_scrutineer on partnerships/luton for "
            "users/u-bob\n");

  Result respondent =
      Run({"role", "grant", "sa-9", "partner-respondent", "partnerships/luton", "--org", "police"});
  ASSERT_EQ(respondent.exit_code, 0) << respondent.err;
  const iv1::RoleBinding& second = identity_.bindings_created[1].role_binding();
  EXPECT_EQ(second.principal(), "serviceAccounts/sa-9");
  EXPECT_EQ(second.role(), iv1::ROLE_PARTNER_RESPONDENT);
  EXPECT_EQ(second.organisation(), "partnerships/luton/organisations/police");

  Result unknown = Run({"role", "grant", "carol@example.org", "viewer", "regions/north-east"});
  EXPECT_EQ(unknown.exit_code, 5);
  EXPECT_THAT(unknown.err, HasSubstr("no user with email carol@example.org"));
  EXPECT_EQ(identity_.bindings_created.size(), 2u);
}

TEST_F(CliIdentityTest, UserUnlockResolvesAnEmailAndSaysWhatItCleared) {
  ASSERT_EQ(Login().exit_code, 0);
  Result by_email = Run({"user", "unlock", "bob@example.org"});
  ASSERT_EQ(by_email.exit_code, 0) << by_email.err;
  ASSERT_EQ(identity_.unlocks.size(), 1u);
  EXPECT_EQ(identity_.unlocks[0].name(), "users/u-bob");
  EXPECT_EQ(by_email.out,
            "Unlocked users/u-bob: cleared 2 sign-in backoff(s); they can sign in from anywhere "
            "again\n");

  Result by_name = Run({"user", "unlock", "u-carol", "--output", "json"});
  ASSERT_EQ(by_name.exit_code, 0) << by_name.err;
  EXPECT_EQ(identity_.unlocks.at(1).name(), "users/u-carol");
  iv1::UnlockUserResponse parsed;
  ASSERT_THAT(FromJson(by_name.out, parsed), IsOk());
  EXPECT_EQ(parsed.cleared_backoffs(), 2);

  // Refusals from the service are reported as such.
  Result refused = Run({"user", "unlock", "users/u-stranger"});
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_THAT(refused.err, HasSubstr("not found"));

  // Not a user, an address longer than RFC 5321 allows, or an unknown address: no unlock.
  int calls = identity_.calls;
  EXPECT_EQ(Run({"user", "unlock", "sa-1"}).exit_code, 64);
  Result long_email = Run({"user", "unlock", absl::StrCat(std::string(3000, 'a'), "@example.org")});
  EXPECT_EQ(long_email.exit_code, 64);
  EXPECT_THAT(long_email.err, HasSubstr("at most 254 characters"));
  EXPECT_EQ(Run({"user", "unlock"}).exit_code, 64);
  EXPECT_EQ(identity_.calls, calls);
  Result unknown = Run({"user", "unlock", "carol@example.org"});
  EXPECT_EQ(unknown.exit_code, 5);
  EXPECT_EQ(identity_.unlocks.size(), 3u);
}

TEST_F(CliIdentityTest, UsageErrorsCostNoCall) {
  ASSERT_EQ(Login().exit_code, 0);
  int calls = identity_.calls;
  Result bad_role = Run({"role", "grant", "users/u-1", "boss", "partnerships/luton"});
  EXPECT_EQ(bad_role.exit_code, 64);
  EXPECT_THAT(bad_role.err, HasSubstr("unknown role 'boss'"));
  EXPECT_THAT(bad_role.err, HasSubstr("usage: sixsteps role grant PRINCIPAL ROLE SCOPE"));
  EXPECT_EQ(Run({"role", "grant", "users/u-1", "viewer", "luton"}).exit_code, 64);
  EXPECT_EQ(Run({"role", "grant", "bob@example.org", "viewer", "luton"}).exit_code, 64);
  EXPECT_EQ(Run({"org", "add", "luton", "police", "--name", "P", "--kind", "army"}).exit_code, 64);
  EXPECT_EQ(Run({"region", "create", "a/b/c", "--name", "x"}).exit_code, 64);
  EXPECT_EQ(Run({"partnership", "update", "luton"}).exit_code, 64);
  EXPECT_EQ(Run({"apikey", "create", "sa-1", "--name", "k", "--expires-in", "soon"}).exit_code, 64);
  EXPECT_EQ(Run({"region", "lsit"}).exit_code, 64);
  EXPECT_EQ(Run({"region"}).exit_code, 64);
  EXPECT_EQ(identity_.calls, calls);
}

TEST_F(CliIdentityTest, ShortNamesAreExpanded) {
  ASSERT_EQ(Login().exit_code, 0);
  Result region = Run({"region", "create", "north-east", "--name", "North East"});
  ASSERT_EQ(region.exit_code, 0) << region.err;
  EXPECT_EQ(identity_.regions_created.at(0).region_id(), "north-east");
  EXPECT_EQ(identity_.regions_created.at(0).region().display_name(), "North East");
  EXPECT_THAT(region.out, StartsWith("Created regions/north-east\n"));

  Result partnership = Run({"partnership", "create", "partnerships/sunderland", "--region",
                            "north-east", "--name", "Sunderland"});
  ASSERT_EQ(partnership.exit_code, 0) << partnership.err;
  EXPECT_EQ(identity_.partnerships_created.at(0).partnership_id(), "sunderland");
  EXPECT_EQ(identity_.partnerships_created.at(0).partnership().region(), "regions/north-east");

  Result org = Run({"org", "add", "sunderland", "police", "--name", "Northumbria Police", "--kind",
                    "police", "--core"});
  ASSERT_EQ(org.exit_code, 0) << org.err;
  const iv1::CreateOrganisationRequest& added = identity_.organisations_created.at(0);
  EXPECT_EQ(added.parent(), "partnerships/sunderland");
  EXPECT_EQ(added.organisation_id(), "police");
  EXPECT_EQ(added.organisation().kind(), iv1::ORGANISATION_KIND_POLICE);
  EXPECT_TRUE(added.organisation().core_partner());

  Result update = Run({"partnership", "update", "sunderland", "--opt-out", "true"});
  ASSERT_EQ(update.exit_code, 0) << update.err;
  const iv1::UpdatePartnershipRequest& sent = identity_.partnership_updates.at(0);
  EXPECT_EQ(sent.partnership().name(), "partnerships/sunderland");
  EXPECT_TRUE(sent.partnership().regional_comparison_opt_out());
  EXPECT_EQ(sent.partnership().etag(), "e7");
  EXPECT_THAT(sent.update_mask().paths(), ElementsAre("regional_comparison_opt_out"));
}

TEST_F(CliIdentityTest, ApiKeyCreateShowsTheSecretOnceOrWritesAPrivateFile) {
  ASSERT_EQ(Login().exit_code, 0);
  Result shown = Run({"apikey", "create", "sa-1", "--name", "Case system"});
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_THAT(shown.out, HasSubstr(kApiKey));
  EXPECT_THAT(shown.out, HasSubstr("only time the secret is shown"));
  const iv1::CreateApiKeyRequest& request = identity_.api_keys_created.at(0);
  EXPECT_EQ(request.parent(), "serviceAccounts/sa-1");
  absl::Time expires = absl::FromUnixSeconds(request.api_key().expire_time().seconds());
  EXPECT_GT(expires, absl::Now() + absl::Hours(24 * 89));
  EXPECT_LT(expires, absl::Now() + absl::Hours(24 * 91));

  std::string key_file = (Dir() / "case-system.key").string();
  Result written = Run({"apikey", "create", "serviceAccounts/sa-1", "--name", "Case system",
                        "--expires-in", "2w", "--out", key_file});
  ASSERT_EQ(written.exit_code, 0) << written.err;
  EXPECT_THAT(written.out, Not(HasSubstr(kApiKey)));
  EXPECT_EQ(ModeOf(key_file), 0600);
  std::ifstream file(key_file);
  std::string line;
  std::getline(file, line);
  EXPECT_EQ(line, kApiKey);
  // Never over an existing file, and checked before the key is created.
  size_t created = identity_.api_keys_created.size();
  EXPECT_EQ(Run({"apikey", "create", "sa-1", "--name", "x", "--out", key_file}).exit_code, 73);
  EXPECT_EQ(identity_.api_keys_created.size(), created);
}

TEST_F(CliIdentityTest, KeyListIsOpenAndJsonWorks) {
  Result result = Run({"key", "list", "--output", "json"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  iv1::ListPublicKeysResponse response;
  ASSERT_THAT(FromJson(result.out, response), IsOk());
  EXPECT_EQ(response.keys(0).key_id(), "key-1");
}

TEST_F(CliIdentityTest, AMalformedCredentialsFileIsReported) {
  std::filesystem::create_directories(Dir() / "config/sixsteps");
  std::ofstream(CredentialsFile()) << "{not json";
  Result who = Run({"whoami"});
  EXPECT_EQ(who.exit_code, 65);
  EXPECT_THAT(who.err, HasSubstr("is malformed"));
  // login starts afresh over it.
  EXPECT_EQ(Login().exit_code, 0);
  EXPECT_EQ(Stored().access_token, "a1");
}

TEST(IdentityNamesTest, ShortAndFullForms) {
  EXPECT_EQ(*ExpandRegionName("north-east"), "regions/north-east");
  EXPECT_EQ(*ExpandRegionName("regions/north-east"), "regions/north-east");
  EXPECT_FALSE(ExpandRegionName("partnerships/x").ok());
  EXPECT_EQ(*ExpandOrganisationName("luton/police"), "partnerships/luton/organisations/police");
  EXPECT_EQ(*ExpandOrganisationName("police", "partnerships/luton"),
            "partnerships/luton/organisations/police");
  EXPECT_FALSE(ExpandOrganisationName("police").ok());
  EXPECT_EQ(*ExpandApiKeyName("sa-1/k-2"), "serviceAccounts/sa-1/apiKeys/k-2");
  EXPECT_EQ(*ExpandScope("*"), "*");
  EXPECT_FALSE(ExpandScope("luton").ok());
  EXPECT_EQ(ParsePrincipal("a@b.org")->email, "a@b.org");
  EXPECT_EQ(ParsePrincipal("sa-1")->name, "serviceAccounts/sa-1");
  EXPECT_EQ(ParsePrincipal("u-1")->name, "users/u-1");
  EXPECT_EQ(WordOf(iv1::ROLE_HUB_ADMINISTRATOR), "hub_administrator");
  EXPECT_EQ(*ParseEnum<iv1::Role>("partner-respondent"), iv1::ROLE_PARTNER_RESPONDENT);
  EXPECT_EQ(*ParseEnum<iv1::Role>("ROLE_VIEWER"), iv1::ROLE_VIEWER);
  // One spelling: the value's name without its prefix, lower case; hyphens are still read.
  EXPECT_EQ(WordOf(iv1::ORGANISATION_KIND_VOLUNTARY_AND_COMMUNITY), "voluntary_and_community");
  EXPECT_EQ(*ParseEnum<iv1::OrganisationKind>("local-authority"),
            iv1::ORGANISATION_KIND_LOCAL_AUTHORITY);
  EXPECT_EQ(ParseDuration("90d"), absl::Hours(24 * 90));
  EXPECT_EQ(ParseDuration("36h30m"), absl::Hours(36) + absl::Minutes(30));
  EXPECT_EQ(ParseDuration("0d"), std::nullopt);
  EXPECT_EQ(ParseDuration("90"), std::nullopt);  // a unit is needed
  EXPECT_EQ(ParseDuration("2.5", absl::Seconds(1)), absl::Milliseconds(2500));
}

TEST(CredentialsTest, JsonRoundTripAndPath) {
  Credentials credentials;
  credentials.identity_address = "127.0.0.1:50052";
  credentials.principal = "users/u-1";
  credentials.access_token = "a";
  credentials.access_token_expire_time = absl::FromUnixSeconds(1700000000);
  credentials.refresh_token = "r";
  credentials.refresh_token_expire_time = absl::FromUnixSeconds(1800000000);
  absl::StatusOr<Credentials> parsed = CredentialsFromJson(CredentialsToJson(credentials));
  ASSERT_THAT(parsed.status(), IsOk());
  EXPECT_EQ(*parsed, credentials);

  auto env_of = [](std::map<std::string, std::string> values) -> Environment {
    return [values](absl::string_view name) -> std::optional<std::string> {
      auto it = values.find(std::string(name));
      if (it == values.end()) return std::nullopt;
      return it->second;
    };
  };
  EXPECT_EQ(CredentialsPath(env_of({{"HOME", "/home/a"}})),
            "/home/a/.config/sixsteps/credentials.json");
  EXPECT_EQ(CredentialsPath(env_of({{"HOME", "/home/a"}, {"XDG_CONFIG_HOME", "/x"}})),
            "/x/sixsteps/credentials.json");
  EXPECT_EQ(CredentialsPath(env_of({})), "");
}

}  // namespace
}  // namespace sixsteps::cli
