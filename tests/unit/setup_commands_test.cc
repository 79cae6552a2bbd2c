// The decisions of the setup subcommands without a database: which role and database a
// connection string names, which service account, binding and API key a second run finds.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "services/base/clock.h"
#include "services/common/auth.h"
#include "services/common/setup_commands.h"
#include "services/identity/secrets.h"
#include "services/identity/setup_commands.h"
#include "tests/support/status_matchers.h"

namespace sixsteps {
namespace {

using auth::Role;
using identity::ApiKeySecret;
using identity::BindingScope;
using identity::StoredApiKey;
using ::testing::HasSubstr;

TEST(DatabaseSpecFromUrl, ReadsUserAndDbname) {
  auto spec = setup::DatabaseSpecFromUrl(
      "host=127.0.0.1 port=55432 dbname=sixsteps_framework user=sixsteps_framework "
      "application_name=x");
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->role, "sixsteps_framework");
  EXPECT_EQ(spec->database, "sixsteps_framework");
  EXPECT_TRUE(spec->password.empty());
}

TEST(DatabaseSpecFromUrl, RefusesAStringWithoutUserOrDbname) {
  EXPECT_EQ(setup::DatabaseSpecFromUrl("host=127.0.0.1 dbname=x").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(setup::DatabaseSpecFromUrl("host=127.0.0.1 user=x").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(setup::DatabaseSpecFromUrl("host='unterminated").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(ValidateDatabaseSpec, WantsPlainIdentifiersAndALongPassword) {
  EXPECT_TRUE(setup::ValidateDatabaseSpec({"sixsteps_identity", "sixsteps_identity", ""}).ok());
  EXPECT_TRUE(setup::ValidateDatabaseSpec({"a_1", "b_2", "sixteen-chars-ok"}).ok());
  EXPECT_FALSE(setup::ValidateDatabaseSpec({"Upper", "db", ""}).ok());
  EXPECT_FALSE(setup::ValidateDatabaseSpec({"role", "db; DROP", ""}).ok());
  EXPECT_FALSE(setup::ValidateDatabaseSpec({"1role", "db", ""}).ok());
  EXPECT_FALSE(setup::ValidateDatabaseSpec({std::string(64, 'a'), "db", ""}).ok());
  EXPECT_FALSE(setup::ValidateDatabaseSpec({"role", "db", "too short"}).ok());
  EXPECT_FALSE(setup::ValidateDatabaseSpec({"role", "db", "sixteen-chars-ok\nsecond"}).ok());
}

identity::v1::ServiceAccount Account(const std::string& id, const std::string& display_name,
                                     const std::string& owner, int64_t created_second) {
  identity::v1::ServiceAccount account;
  account.set_name("serviceAccounts/" + id);
  account.set_display_name(display_name);
  account.set_owner(owner);
  *account.mutable_create_time() = ToTimestamp(absl::FromUnixSeconds(created_second));
  return account;
}

TEST(FindDeploymentServiceAccount, TakesTheOldestDeploymentWideAccountOfThatName) {
  std::vector<identity::v1::ServiceAccount> accounts = {
      Account("sa-3", "Reporting service", "partnerships/sunderland", 1),
      Account("sa-1", "Reporting service", "*", 30),
      Account("sa-2", "Reporting service", "*", 20),
      Account("sa-4", "Other", "*", 10),
  };
  auto found = identity::FindDeploymentServiceAccount(accounts, "Reporting service");
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->name(), "serviceAccounts/sa-2");
  EXPECT_FALSE(identity::FindDeploymentServiceAccount(accounts, "Missing").has_value());
  EXPECT_FALSE(identity::FindDeploymentServiceAccount({accounts[0]}, "Reporting service"));
}

TEST(HasDeploymentBinding, WantsTheRoleOnEveryRegion) {
  BindingScope regional{Role::ROLE_VIEWER, "north-east", "", "", true};
  BindingScope other_role{Role::ROLE_HUB_ADMINISTRATOR, "*", "", "", true};
  BindingScope wanted{Role::ROLE_VIEWER, "*", "", "", true};
  EXPECT_FALSE(identity::HasDeploymentBinding({}, Role::ROLE_VIEWER));
  EXPECT_FALSE(identity::HasDeploymentBinding({regional, other_role}, Role::ROLE_VIEWER));
  EXPECT_TRUE(identity::HasDeploymentBinding({regional, wanted}, Role::ROLE_VIEWER));
}

TEST(ParseApiKeySecret, SplitsTheThreeParts) {
  auto key = identity::ParseApiKeySecret("ssk.k-0123456789abcdef.c2VjcmV0");
  ASSERT_TRUE(key.has_value());
  EXPECT_EQ(key->key_id, "k-0123456789abcdef");
  EXPECT_EQ(key->secret, "c2VjcmV0");
  EXPECT_FALSE(identity::ParseApiKeySecret(""));
  EXPECT_FALSE(identity::ParseApiKeySecret("ssk.k-0123456789abcdef."));
  EXPECT_FALSE(identity::ParseApiKeySecret("xyz.k-0123456789abcdef.secret"));
  EXPECT_FALSE(identity::ParseApiKeySecret("ssk.K/../x.secret"));
  EXPECT_FALSE(identity::ParseApiKeySecret("ssk.k-1.secret.more"));
}

class CheckKeptKeyTest : public ::testing::Test {
 protected:
  CheckKeptKeyTest() {
    stored_.service_account_id = "sa-1";
    stored_.secret_hash = identity::Sha256("secret");
    *stored_.api_key.mutable_expire_time() = ToTimestamp(now_ + absl::Hours(24));
  }
  const absl::Time now_ = absl::FromUnixSeconds(1'750'000'000);
  const ApiKeySecret key_{"k-1", "secret"};
  StoredApiKey stored_;
};

TEST_F(CheckKeptKeyTest, KeepsAWorkingKeyOfTheAccount) {
  EXPECT_TRUE(identity::CheckKeptKey(key_, stored_, "sa-1", now_).ok());
}

TEST_F(CheckKeptKeyTest, ReplacesAKeyOfAnotherAccount) {
  EXPECT_THAT(identity::CheckKeptKey(key_, stored_, "sa-2", now_).message(),
              HasSubstr("belongs to serviceAccounts/sa-1"));
}

TEST_F(CheckKeptKeyTest, ReplacesAWrongSecret) {
  EXPECT_THAT(identity::CheckKeptKey({"k-1", "other"}, stored_, "sa-1", now_).message(),
              HasSubstr("does not match"));
}

TEST_F(CheckKeptKeyTest, ReplacesARevokedKey) {
  *stored_.api_key.mutable_revoke_time() = ToTimestamp(now_ - absl::Hours(1));
  EXPECT_THAT(identity::CheckKeptKey(key_, stored_, "sa-1", now_).message(), HasSubstr("revoked"));
}

TEST_F(CheckKeptKeyTest, ReplacesAnExpiredKey) {
  EXPECT_THAT(identity::CheckKeptKey(key_, stored_, "sa-1", now_ + absl::Hours(24)).message(),
              HasSubstr("expired"));
}

}  // namespace
}  // namespace sixsteps
