// The setup subcommands of the real service programs against a real PostgreSQL: each runs
// twice, exits 0 both times, prints the same JSON both times and changes nothing the
// second time (scripts/hub, the compose and Kubernetes jobs rely on that to rerun them).
#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/identity/secrets.h"
#include "tests/support/paths.h"
#include "tests/support/pg_cluster.h"
#include "tests/support/test_hub.h"

namespace sixsteps::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

struct Outcome {
  int exit_code = -1;
  std::string out;  // standard output: the JSON
  std::string err;
};

// Runs `binary args` with only `env` (and PATH) in its environment.
Outcome RunCommand(const std::string& binary, const std::vector<std::string>& args,
                   const std::vector<std::string>& env, const std::string& work_dir) {
  static int counter = 0;
  const std::string err_path = absl::StrCat(work_dir, "/stderr-", counter++);
  std::string command = "env -i PATH=/usr/bin:/bin";
  for (const std::string& var : env) absl::StrAppend(&command, " '", var, "'");
  absl::StrAppend(&command, " ", binary);
  for (const std::string& arg : args) absl::StrAppend(&command, " '", arg, "'");
  absl::StrAppend(&command, " </dev/null 2>", err_path);
  Outcome run;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return run;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) run.out.append(buffer, n);
  int status = pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream err(err_path);
  run.err.assign(std::istreambuf_iterator<char>(err), {});
  return run;
}

int64_t Count(const std::string& url, const std::string& sql) {
  pqxx::connection conn(url);
  pqxx::read_transaction txn(conn);
  return txn.exec1(sql)[0].as<int64_t>();
}

class SetupCommandsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/sixsteps-setup-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Runs the command twice: both succeed with one JSON object, the same both times.
  nlohmann::json Twice(const std::string& binary, const std::vector<std::string>& args,
                       const std::vector<std::string>& env, Outcome* second_run = nullptr) {
    Outcome first = RunCommand(binary, args, env, dir_);
    EXPECT_EQ(first.exit_code, 0) << first.err;
    Outcome second = RunCommand(binary, args, env, dir_);
    EXPECT_EQ(second.exit_code, 0) << second.err;
    EXPECT_EQ(first.out, second.out) << "the second run printed something else";
    if (second_run != nullptr) *second_run = second;
    nlohmann::json parsed = nlohmann::json::parse(first.out, nullptr, false);
    EXPECT_TRUE(parsed.is_object()) << first.out;
    return parsed;
  }

  std::string dir_;
};

TEST_F(SetupCommandsTest, ProvisionDatabaseCreatesTheRoleAndDatabaseOnce) {
  PgCluster& cluster = SharedPgCluster();
  const std::string password_file = dir_ + "/password";
  std::ofstream(password_file) << "a-password-of-24-chars!\n";
  const std::string url = absl::StrCat("host=127.0.0.1 port=", cluster.port(),
                                       " dbname=setup_provisioned user=setup_provisioned_role");
  Outcome second;
  nlohmann::json result =
      Twice(ServiceBinary("framework"), {"provision-database", "--password_file=" + password_file},
            {"SIXSTEPS_DATABASE_URL=" + url,
             "SIXSTEPS_ADMIN_DATABASE_URL=" + cluster.ConnectionString("postgres")},
            &second);
  EXPECT_EQ(result, (nlohmann::json{{"role", "setup_provisioned_role"},
                                    {"database", "setup_provisioned"}}));
  EXPECT_THAT(second.err, Not(HasSubstr("created")));
  const std::string admin = cluster.ConnectionString("postgres");
  EXPECT_EQ(Count(admin,
                  "SELECT count(*) FROM pg_database d JOIN pg_roles r ON r.oid = d.datdba "
                  "WHERE d.datname = 'setup_provisioned' AND r.rolname = "
                  "'setup_provisioned_role' AND r.rolcanlogin AND NOT r.rolsuper"),
            1);
  EXPECT_EQ(Count(admin,
                  "SELECT count(*) FROM pg_authid WHERE rolname = 'setup_provisioned_role' "
                  "AND rolpassword LIKE 'SCRAM-SHA-256$%'"),
            1);
  // PUBLIC may not connect to it.
  EXPECT_EQ(Count(admin,
                  "SELECT count(*) FROM pg_database WHERE datname = 'setup_provisioned' "
                  "AND has_database_privilege('public', oid, 'CONNECT')"),
            0);
}

TEST_F(SetupCommandsTest, ProvisionDatabaseRefusesABadSetting) {
  Outcome run = RunCommand(ServiceBinary("framework"), {"provision-database"},
                           {"SIXSTEPS_DATABASE_URL=host=127.0.0.1 dbname=x user=x"}, dir_);
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.err, HasSubstr("admin_database_url"));
  EXPECT_EQ(run.out, "");
}

TEST_F(SetupCommandsTest, MigrateAppliesEachServiceSchemaOnce) {
  for (const auto& [service, binary] : std::vector<std::pair<std::string, std::string>>{
           {"identity", ServiceBinary("identity")},
           {"framework", ServiceBinary("framework")},
           {"assessment", ServiceBinary("assessment")},
           {"reporting", ServiceBinary("reporting")}}) {
    SCOPED_TRACE(service);
    absl::StatusOr<std::string> url = SharedPgCluster().CreateDatabase("migrate_" + service);
    ASSERT_TRUE(url.ok()) << url.status();
    nlohmann::json result = Twice(binary, {"migrate"}, {"SIXSTEPS_DATABASE_URL=" + *url});
    EXPECT_EQ(result["service"], service);
    EXPECT_GE(result["schema_version"].get<int>(), 1);
    EXPECT_EQ(Count(*url, "SELECT max(version) FROM schema_migrations"),
              result["schema_version"].get<int>());
  }
}

class IdentitySetupTest : public SetupCommandsTest {
 protected:
  void SetUp() override {
    SetupCommandsTest::SetUp();
    absl::StatusOr<std::string> url = SharedPgCluster().CreateDatabase("setup_identity");
    ASSERT_TRUE(url.ok()) << url.status();
    url_ = *url;
    env_ = {"SIXSTEPS_DATABASE_URL=" + url_,
            absl::StrCat("SIXSTEPS_KEY_ENCRYPTION_SECRET=", TestHub::kKeyEncryptionSecret),
            "SIXSTEPS_BOOTSTRAP_PASSWORD=a long enough password"};
  }
  std::string url_;
  std::vector<std::string> env_;
};

TEST_F(IdentitySetupTest, BootstrapCreatesTheAdministratorOnce) {
  Outcome second;
  nlohmann::json result =
      Twice(ServiceBinary("identity"), {"bootstrap", "--email=admin@setup.test"}, env_, &second);
  EXPECT_EQ(result["email"], "admin@setup.test");
  EXPECT_THAT(result["administrator"].get<std::string>(), HasSubstr("users/u-"));
  EXPECT_THAT(second.err, HasSubstr("nothing changed"));
  EXPECT_EQ(Count(url_, "SELECT count(*) FROM users"), 1);
  EXPECT_EQ(Count(url_, "SELECT count(*) FROM role_bindings"), 1);
  // Another email while an administrator exists is still refused.
  Outcome other =
      RunCommand(ServiceBinary("identity"), {"bootstrap", "--email=other@setup.test"}, env_, dir_);
  EXPECT_EQ(other.exit_code, 1);
  EXPECT_THAT(other.err, HasSubstr("already exists"));
}

TEST_F(IdentitySetupTest, EnsureServiceAccountFindsWhatTheFirstRunMade) {
  const std::string key_file = dir_ + "/reporting-api-key";
  const std::vector<std::string> args = {"ensure-service-account",
                                         "--account_name=Reporting service", "--role=viewer",
                                         "--key_name=reporting", "--key_file=" + key_file};
  Outcome first = RunCommand(ServiceBinary("identity"), args, env_, dir_);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  std::string key;
  std::getline(std::ifstream(key_file), key);
  ASSERT_THAT(key, HasSubstr("ssk.k-"));
  struct stat st {};
  ASSERT_EQ(stat(key_file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  const std::string counts =
      "SELECT (SELECT count(*) FROM service_accounts) * 10000 + (SELECT count(*) FROM "
      "role_bindings) * 100 + (SELECT count(*) FROM api_keys)";
  EXPECT_EQ(Count(url_, counts), 10101);

  Outcome second;
  nlohmann::json result = Twice(ServiceBinary("identity"), args, env_, &second);
  EXPECT_EQ(nlohmann::json::parse(first.out), result);
  EXPECT_THAT(second.err, HasSubstr("nothing changed"));
  EXPECT_EQ(Count(url_, counts), 10101);
  std::string kept;
  std::getline(std::ifstream(key_file), kept);
  EXPECT_EQ(kept, key);
  EXPECT_EQ(result["role"], "viewer");
  EXPECT_EQ(result["scope"], "*");
  EXPECT_EQ(result["display_name"], "Reporting service");
  EXPECT_THAT(result["api_key"].get<std::string>(),
              HasSubstr(result["service_account"].get<std::string>() + "/apiKeys/"));
  EXPECT_EQ(result.dump().find(key.substr(key.rfind('.') + 1)), std::string::npos)
      << "the secret must not be printed";

  // A lost key file gets a new key of the same account; so does a damaged one.
  std::filesystem::remove(key_file);
  Outcome lost = RunCommand(ServiceBinary("identity"), args, env_, dir_);
  ASSERT_EQ(lost.exit_code, 0) << lost.err;
  nlohmann::json renewed = nlohmann::json::parse(lost.out);
  EXPECT_EQ(renewed["service_account"], result["service_account"]);
  EXPECT_NE(renewed["api_key"], result["api_key"]);
  std::ofstream(key_file) << "ssk.k-0000000000000000.not-a-key\n";
  Outcome damaged = RunCommand(ServiceBinary("identity"), args, env_, dir_);
  ASSERT_EQ(damaged.exit_code, 0) << damaged.err;
  EXPECT_NE(nlohmann::json::parse(damaged.out)["api_key"], renewed["api_key"]);
  EXPECT_EQ(Count(url_, counts), 10103);
}

// ---- Break glass (docs/operations.md drills): reset-password and reseal-keys ----

std::string Text(const std::string& url, const std::string& sql) {
  pqxx::connection conn(url);
  pqxx::read_transaction txn(conn);
  return txn.exec1(sql)[0].as<std::string>();
}

TEST_F(IdentitySetupTest, ResetPasswordSetsItEndsTheSessionsAndUnlocksTwiceTheSame) {
  Outcome bootstrap =
      RunCommand(ServiceBinary("identity"), {"bootstrap", "--email=admin@setup.test"}, env_, dir_);
  ASSERT_EQ(bootstrap.exit_code, 0) << bootstrap.err;
  // A sign-in backoff of the address, as failed attempts leave it.
  {
    pqxx::connection conn(url_);
    pqxx::work txn(conn);
    txn.exec(
        "INSERT INTO sign_in_backoff (email_key, client, failures) "
        "VALUES ('admin@setup.test', '127.0.0.1', 9)");
    txn.commit();
  }
  std::vector<std::string> env = env_;
  env.back() = "SIXSTEPS_BOOTSTRAP_PASSWORD=the new password, long enough";
  Outcome second;
  nlohmann::json result = Twice(ServiceBinary("identity"),
                                {"reset-password", "--email=Admin@Setup.test"}, env, &second);
  EXPECT_EQ(result["email"], "admin@setup.test");
  EXPECT_THAT(result["user"].get<std::string>(), HasSubstr("users/u-"));
  const std::string hash = Text(url_, "SELECT password_hash FROM users");
  EXPECT_TRUE(identity::VerifyPassword(hash, "the new password, long enough"));
  EXPECT_FALSE(identity::VerifyPassword(hash, "a long enough password"));
  EXPECT_EQ(Count(url_, "SELECT count(*) FROM sign_in_backoff"), 0);
  EXPECT_EQ(Count(url_, "SELECT count(*) FROM revoked_principal_tokens"), 1);
  EXPECT_EQ(Count(url_,
                  "SELECT count(*) FROM audit_events WHERE action = "
                  "'password.reset_by_operator'"),
            2);

  // Refused, changing nothing: nobody with that email; a password sign-up would refuse.
  Outcome unknown = RunCommand(ServiceBinary("identity"),
                               {"reset-password", "--email=nobody@setup.test"}, env, dir_);
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_THAT(unknown.err, HasSubstr("no user has the email nobody@setup.test"));
  env.back() = "SIXSTEPS_BOOTSTRAP_PASSWORD=short";
  Outcome weak = RunCommand(ServiceBinary("identity"),
                            {"reset-password", "--email=admin@setup.test"}, env, dir_);
  EXPECT_EQ(weak.exit_code, 2);  // INVALID_ARGUMENT
  EXPECT_THAT(weak.err, HasSubstr("password"));
  EXPECT_EQ(Text(url_, "SELECT password_hash FROM users"), hash);
}

TEST_F(IdentitySetupTest, ResealKeysMovesEveryKeyToANewKeyEncryptionSecret) {
  Outcome bootstrap =
      RunCommand(ServiceBinary("identity"), {"bootstrap", "--email=admin@setup.test"}, env_, dir_);
  ASSERT_EQ(bootstrap.exit_code, 0) << bootstrap.err;
  const std::string sealed_sql =
      "SELECT string_agg(encode(private_key_sealed, 'hex'), ',' ORDER BY key_id) "
      "FROM signing_keys";
  const std::string sealed = Text(url_, sealed_sql);
  std::vector<std::string> renewed = env_;
  renewed[1] = "SIXSTEPS_KEY_ENCRYPTION_SECRET=the new key-encryption secret";
  // Identity does not start with a secret that does not open its keys.
  Outcome refused = RunCommand(ServiceBinary("identity"), {"bootstrap", "--email=admin@setup.test"},
                               renewed, dir_);
  EXPECT_NE(refused.exit_code, 0);

  // Without the old secret, or with a wrong one: refused, nothing changed.
  Outcome no_old = RunCommand(ServiceBinary("identity"), {"reseal-keys"}, renewed, dir_);
  EXPECT_EQ(no_old.exit_code, 2);  // INVALID_ARGUMENT
  EXPECT_THAT(no_old.err, HasSubstr("old secret"));
  std::vector<std::string> wrong = renewed;
  wrong.push_back("SIXSTEPS_OLD_KEY_ENCRYPTION_SECRET=not the secret it was sealed with");
  Outcome mistaken = RunCommand(ServiceBinary("identity"), {"reseal-keys"}, wrong, dir_);
  EXPECT_EQ(mistaken.exit_code, 1);
  EXPECT_THAT(mistaken.err, HasSubstr("neither"));
  EXPECT_EQ(Text(url_, sealed_sql), sealed);

  std::vector<std::string> reseal = renewed;
  reseal.push_back(
      absl::StrCat("SIXSTEPS_OLD_KEY_ENCRYPTION_SECRET=", TestHub::kKeyEncryptionSecret));
  Outcome second;
  nlohmann::json result = Twice(ServiceBinary("identity"), {"reseal-keys"}, reseal, &second);
  EXPECT_EQ(result, (nlohmann::json{{"signing_keys", 1}, {"sealed_with", "the new secret"}}));
  EXPECT_THAT(second.err, HasSubstr("nothing changed"));
  EXPECT_NE(Text(url_, sealed_sql), sealed);
  EXPECT_EQ(Count(url_, "SELECT count(*) FROM audit_events WHERE action = 'signing_key.reseal'"),
            1);
  // Identity starts with the new secret now, and no longer with the old one.
  Outcome started = RunCommand(ServiceBinary("identity"), {"bootstrap", "--email=admin@setup.test"},
                               renewed, dir_);
  EXPECT_EQ(started.exit_code, 0) << started.err;
  Outcome old =
      RunCommand(ServiceBinary("identity"), {"bootstrap", "--email=admin@setup.test"}, env_, dir_);
  EXPECT_NE(old.exit_code, 0);
}

}  // namespace
}  // namespace sixsteps::testing
