// Attacks on identity from the security review (issue 13), continued (see
// identity_security_test.cc): two concurrent bootstraps could both create a deployment
// administrator (finding 18), and a 50-way sign-in burst held ~64 MiB per call with no
// bound, measured in a real sixsteps-identity process (finding 2).
#include "tests/integration/identity_security_fixture.h"
#include "tests/support/paths.h"

namespace sixsteps::testing {
namespace {

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
  // Runs `sql` on the database at `url` in a transaction of its own.
  static void Execute(const std::string& url, const std::string& sql) {
    pqxx::connection conn(url);
    pqxx::work work(conn);
    work.exec(sql);
    work.commit();
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
  Execute(fresh.url,
          "INSERT INTO users (user_id, email, display_name, password_hash) "
          "VALUES ('u-leftover', 'first@hub.test', 'First', 'not a hash')");
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
  Execute(broken.url,
          "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS "
          "$$ BEGIN RAISE EXCEPTION 'disk full'; END $$;"
          "CREATE TRIGGER refuse BEFORE INSERT ON role_bindings "
          "FOR EACH ROW EXECUTE FUNCTION refuse();");
  EXPECT_THAT(
      broken_service->BootstrapAdministrator("first@hub.test", "First", "long enough password"),
      Not(IsOk()));
  EXPECT_EQ(Count(broken.url, "SELECT count(*) FROM users"), 0);
  EXPECT_EQ(Count(broken.url, "SELECT count(*) FROM audit_events WHERE actor = 'bootstrap'"), 0);
  Execute(broken.url, "DROP TRIGGER refuse ON role_bindings");
  EXPECT_THAT(
      broken_service->BootstrapAdministrator("first@hub.test", "First", "long enough password"),
      IsOk());
  EXPECT_EQ(Count(broken.url, "SELECT count(*) FROM users"), 1);
}

// ---- Finding 2: memory under a sign-in burst, in a real sixsteps-identity process ----

// A sixsteps-identity process serving the given database, with production settings
// (interactive Argon2id cost).
absl::StatusOr<std::unique_ptr<ServiceProcess>> StartIdentity(const std::string& database_url) {
  return ServiceProcess::Start(
      {ServiceBinary("identity"), "--listen=127.0.0.1:0", "--db_pool_size=8",
       "--shutdown_grace=1s"},
      {
          "SIXSTEPS_DATABASE_URL=" + database_url,
          absl::StrCat("SIXSTEPS_KEY_ENCRYPTION_SECRET=", TestHub::kKeyEncryptionSecret),
      },
      "identity_security", kPatience);
}

TEST_F(IdentitySecurityTest, AFiftyWaySignInBurstStaysUnder200MiB) {
  absl::StatusOr<std::unique_ptr<ServiceProcess>> process =
      StartIdentity(hub_->identity_database_url());
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
  // The process survived the burst (a crash would leave no /proc status to read).
  ASSERT_GT(peak, 0) << (*process)->LogTail();
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
