// Drives the identity commands and the sign-in (RunCli) in-process against a fake
// IdentityService and a fake FrameworkService: the credentials file, token refresh, the
// token on every call, names resolved on the command line, and exit statuses.
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>

#include <gmock/gmock.h>
#include <google/protobuf/util/time_util.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "sixsteps/assessment/v1/assessment_service.grpc.pb.h"
#include "sixsteps/framework/v1/framework_service.grpc.pb.h"
#include "sixsteps/identity/v1/identity_service.grpc.pb.h"
#include "tests/support/status_matchers.h"
#include "tools/sixsteps/credentials.h"
#include "tools/sixsteps/dispatcher.h"
#include "tools/sixsteps/identity_names.h"
#include "tools/sixsteps/json.h"

namespace sixsteps::cli {
namespace {

namespace iv1 = ::sixsteps::identity::v1;
namespace fv1 = ::sixsteps::framework::v1;
namespace asv1 = ::sixsteps::assessment::v1;
using google::protobuf::util::TimeUtil;
using ::sixsteps::testing::IsOk;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::Pair;
using ::testing::StartsWith;

constexpr char kEmail[] = "admin@example.org";
constexpr char kPassword[] = "correct horse battery";
constexpr char kApiKey[] = "ssk.k-1.s3cret";

google::protobuf::Timestamp In(absl::Duration duration) {
  return TimeUtil::SecondsToTimestamp(absl::ToUnixSeconds(absl::Now() + duration));
}

// Just enough of the identity service: sign-in, refresh (rotating), sign-out, the caller,
// users in pages of one, and requests recorded as received.
class FakeIdentityService final : public iv1::IdentityService::Service {
 public:
  std::mutex mutex;
  // Access tokens the fake accepts, and whom they stand for.
  std::map<std::string, std::string> valid_tokens = {{"preset", "users/u-admin"}};
  std::string current_refresh_token = "r1";
  int issued = 0;
  std::vector<std::string> refreshes, sign_outs, authorizations;
  std::vector<iv1::CreateRoleBindingRequest> bindings_created;
  std::vector<iv1::CreateRegionRequest> regions_created;
  std::vector<iv1::CreatePartnershipRequest> partnerships_created;
  std::vector<iv1::CreateOrganisationRequest> organisations_created;
  std::vector<iv1::CreateApiKeyRequest> api_keys_created;
  std::vector<iv1::UpdatePartnershipRequest> partnership_updates;
  std::vector<iv1::UnlockUserRequest> unlocks;
  int calls = 0;

  grpc::Status SignIn(grpc::ServerContext* context, const iv1::SignInRequest* request,
                      iv1::SignInResponse* response) override {
    std::lock_guard lock(mutex);
    Record(context);
    if (request->email() != kEmail || request->password() != kPassword) {
      return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "the email or the password is wrong");
    }
    response->set_access_token(Issue("users/u-admin"));
    *response->mutable_access_token_expire_time() = In(absl::Minutes(15));
    response->set_refresh_token(current_refresh_token);
    *response->mutable_refresh_token_expire_time() = In(absl::Hours(24 * 30));
    response->set_principal("users/u-admin");
    return grpc::Status::OK;
  }

  grpc::Status SignInWithApiKey(grpc::ServerContext* context,
                                const iv1::SignInWithApiKeyRequest* request,
                                iv1::SignInWithApiKeyResponse* response) override {
    std::lock_guard lock(mutex);
    Record(context);
    if (request->api_key() != kApiKey) {
      return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "the API key is not valid");
    }
    response->set_access_token(Issue("serviceAccounts/sa-1"));
    *response->mutable_access_token_expire_time() = In(absl::Minutes(15));
    response->set_principal("serviceAccounts/sa-1");
    return grpc::Status::OK;
  }

  grpc::Status RefreshAccessToken(grpc::ServerContext* context,
                                  const iv1::RefreshAccessTokenRequest* request,
                                  iv1::RefreshAccessTokenResponse* response) override {
    std::lock_guard lock(mutex);
    Record(context);
    refreshes.push_back(request->refresh_token());
    if (request->refresh_token() != current_refresh_token) {
      return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "the refresh token is not valid");
    }
    current_refresh_token = absl::StrCat("r", refreshes.size() + 1);
    response->set_access_token(Issue("users/u-admin"));
    *response->mutable_access_token_expire_time() = In(absl::Minutes(15));
    response->set_refresh_token(current_refresh_token);
    *response->mutable_refresh_token_expire_time() = In(absl::Hours(24 * 30));
    response->set_principal("users/u-admin");
    return grpc::Status::OK;
  }

  grpc::Status SignOut(grpc::ServerContext* context, const iv1::SignOutRequest* request,
                       iv1::SignOutResponse*) override {
    std::lock_guard lock(mutex);
    Record(context);
    sign_outs.push_back(request->refresh_token());
    return grpc::Status::OK;
  }

  grpc::Status GetCurrentPrincipal(grpc::ServerContext* context,
                                   const iv1::GetCurrentPrincipalRequest*,
                                   iv1::GetCurrentPrincipalResponse* response) override {
    std::lock_guard lock(mutex);
    std::string principal;
    if (grpc::Status status = Authenticate(context, &principal); !status.ok()) return status;
    response->set_principal(principal);
    response->set_display_name("Hub administrator");
    iv1::RoleBinding* binding = response->add_role_bindings();
    binding->set_name("roleBindings/rb-0");
    binding->set_principal(principal);
    binding->set_role(iv1::ROLE_HUB_ADMINISTRATOR);
    binding->set_scope("*");
    return grpc::Status::OK;
  }

  grpc::Status ListPublicKeys(grpc::ServerContext* context, const iv1::ListPublicKeysRequest*,
                              iv1::ListPublicKeysResponse* response) override {
    std::lock_guard lock(mutex);
    Record(context);
    iv1::PublicKey* key = response->add_keys();
    key->set_key_id("key-1");
    key->set_algorithm("EdDSA");
    return grpc::Status::OK;
  }

  grpc::Status ListUsers(grpc::ServerContext* context, const iv1::ListUsersRequest* request,
                         iv1::ListUsersResponse* response) override {
    std::lock_guard lock(mutex);
    if (grpc::Status status = Authenticate(context); !status.ok()) return status;
    std::vector<iv1::User> users(2);
    users[0].set_name("users/u-admin");
    users[0].set_email(kEmail);
    users[1].set_name("users/u-bob");
    users[1].set_email("Bob@Example.org");
    size_t index = 0;
    if (!request->page_token().empty() && !absl::SimpleAtoi(request->page_token(), &index)) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "bad page token");
    }
    if (index < users.size()) *response->add_users() = users[index];
    if (index + 1 < users.size()) response->set_next_page_token(absl::StrCat(index + 1));
    return grpc::Status::OK;
  }

  grpc::Status UnlockUser(grpc::ServerContext* context, const iv1::UnlockUserRequest* request,
                          iv1::UnlockUserResponse* response) override {
    std::lock_guard lock(mutex);
    if (grpc::Status status = Authenticate(context); !status.ok()) return status;
    unlocks.push_back(*request);
    if (request->name() == "users/u-stranger") {
      return grpc::Status(grpc::StatusCode::NOT_FOUND, "users/u-stranger not found");
    }
    response->set_cleared_backoffs(2);
    return grpc::Status::OK;
  }

  grpc::Status CreateRoleBinding(grpc::ServerContext* context,
                                 const iv1::CreateRoleBindingRequest* request,
                                 iv1::RoleBinding* response) override {
    std::lock_guard lock(mutex);
    if (grpc::Status status = Authenticate(context); !status.ok()) return status;
    bindings_created.push_back(*request);
    *response = request->role_binding();
    response->set_name(absl::StrCat("roleBindings/rb-", bindings_created.size()));
    return grpc::Status::OK;
  }

  grpc::Status CreateRegion(grpc::ServerContext* context, const iv1::CreateRegionRequest* request,
                            iv1::Region* response) override {
    std::lock_guard lock(mutex);
    if (grpc::Status status = Authenticate(context); !status.ok()) return status;
    regions_created.push_back(*request);
    *response = request->region();
    response->set_name(absl::StrCat("regions/", request->region_id()));
    return grpc::Status::OK;
  }

  grpc::Status CreatePartnership(grpc::ServerContext* context,
                                 const iv1::CreatePartnershipRequest* request,
                                 iv1::Partnership* response) override {
    std::lock_guard lock(mutex);
    if (grpc::Status status = Authenticate(context); !status.ok()) return status;
    partnerships_created.push_back(*request);
    *response = request->partnership();
    response->set_name(absl::StrCat("partnerships/", request->partnership_id()));
    return grpc::Status::OK;
  }

  grpc::Status GetPartnership(grpc::ServerContext* context,
                              const iv1::GetPartnershipRequest* request,
                              iv1::Partnership* response) override {
    std::lock_guard lock(mutex);
    if (grpc::Status status = Authenticate(context); !status.ok()) return status;
    response->set_name(request->name());
    response->set_region("regions/north-east");
    response->set_display_name("Old name");
    response->set_etag("e7");
    return grpc::Status::OK;
  }

  grpc::Status UpdatePartnership(grpc::ServerContext* context,
                                 const iv1::UpdatePartnershipRequest* request,
                                 iv1::Partnership* response) override {
    std::lock_guard lock(mutex);
    if (grpc::Status status = Authenticate(context); !status.ok()) return status;
    partnership_updates.push_back(*request);
    *response = request->partnership();
    return grpc::Status::OK;
  }

  grpc::Status CreateOrganisation(grpc::ServerContext* context,
                                  const iv1::CreateOrganisationRequest* request,
                                  iv1::Organisation* response) override {
    std::lock_guard lock(mutex);
    if (grpc::Status status = Authenticate(context); !status.ok()) return status;
    organisations_created.push_back(*request);
    *response = request->organisation();
    response->set_name(
        absl::StrCat(request->parent(), "/organisations/", request->organisation_id()));
    return grpc::Status::OK;
  }

  grpc::Status CreateApiKey(grpc::ServerContext* context, const iv1::CreateApiKeyRequest* request,
                            iv1::CreateApiKeyResponse* response) override {
    std::lock_guard lock(mutex);
    if (grpc::Status status = Authenticate(context); !status.ok()) return status;
    api_keys_created.push_back(*request);
    *response->mutable_api_key() = request->api_key();
    response->mutable_api_key()->set_name(absl::StrCat(request->parent(), "/apiKeys/k-1"));
    response->set_secret(kApiKey);
    return grpc::Status::OK;
  }

  // Checks the bearer token like a real service: UNAUTHENTICATED without a valid one.
  grpc::Status Authenticate(grpc::ServerContext* context, std::string* principal = nullptr) {
    Record(context);
    if (authorizations.empty() || authorizations.back().rfind("Bearer ", 0) != 0) {
      return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "missing bearer token");
    }
    auto it = valid_tokens.find(authorizations.back().substr(7));
    if (it == valid_tokens.end()) {
      return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "invalid or expired access token");
    }
    if (principal != nullptr) *principal = it->second;
    return grpc::Status::OK;
  }

 private:
  std::string Issue(const std::string& principal) {
    std::string token = absl::StrCat("a", ++issued);
    valid_tokens[token] = principal;
    return token;
  }

  void Record(grpc::ServerContext* context) {
    ++calls;
    auto [begin, end] = context->client_metadata().equal_range("authorization");
    if (begin == end) authorizations.emplace_back("");
    for (auto it = begin; it != end; ++it) {
      authorizations.emplace_back(it->second.data(), it->second.size());
    }
  }
};

// The change feed's WatchChanges only, as the real service ends a stream: a stream opened
// with "old" delivers one change and then ends UNAUTHENTICATED (its token has expired); one
// opened with "refused" is refused at once; any other token is served changes up to 3.
class FakeFeedService final : public asv1::AssessmentService::Service {
 public:
  std::mutex mutex;
  // The authorization and after_sequence of each stream opened.
  std::vector<std::pair<std::string, int64_t>> watches;

  grpc::Status WatchChanges(grpc::ServerContext* context, const asv1::WatchChangesRequest* request,
                            grpc::ServerWriter<asv1::WatchChangesResponse>* writer) override {
    std::string authorization;
    auto it = context->client_metadata().find("authorization");
    if (it != context->client_metadata().end()) {
      authorization.assign(it->second.data(), it->second.size());
    }
    {
      std::lock_guard lock(mutex);
      watches.emplace_back(authorization, request->after_sequence());
    }
    if (authorization == "Bearer refused") {
      return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "access token revoked");
    }
    int64_t last = authorization == "Bearer old" ? request->after_sequence() + 1 : 3;
    for (int64_t sequence = request->after_sequence() + 1; sequence <= last; ++sequence) {
      asv1::WatchChangesResponse response;
      response.mutable_change()->set_sequence(sequence);
      response.mutable_change()->set_kind(asv1::CHANGE_KIND_RESPONSE_CHANGED);
      writer->Write(response);
    }
    if (authorization == "Bearer old") {
      return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "access token expired");
    }
    return grpc::Status::OK;
  }
};

// A framework service whose only method records the token it was called with.
class FakeFrameworkService final : public fv1::FrameworkService::Service {
 public:
  std::vector<std::string> authorizations;

  grpc::Status GetFrameworkVersion(grpc::ServerContext* context,
                                   const fv1::GetFrameworkVersionRequest* request,
                                   fv1::FrameworkVersion* response) override {
    auto it = context->client_metadata().find("authorization");
    authorizations.emplace_back(it == context->client_metadata().end()
                                    ? std::string()
                                    : std::string(it->second.data(), it->second.size()));
    response->set_name(request->name());
    response->set_title("Six Steps");
    return grpc::Status::OK;
  }
};

struct Result {
  int exit_code;
  std::string out;
  std::string err;
};

class CliIdentityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           absl::StrCat("sixsteps-cli-identity-test-", ::getpid(), "-",
                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    env_ = {{"XDG_CONFIG_HOME", (dir_ / "config").string()}};
    grpc::ServerBuilder builder;
    builder.RegisterService(&identity_);
    builder.RegisterService(&framework_);
    builder.RegisterService(&feed_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
  }

  void TearDown() override {
    server_->Shutdown();
    std::filesystem::remove_all(dir_);
  }

  std::string CredentialsFile() const {
    return (dir_ / "config/sixsteps/credentials.json").string();
  }

  Result Run(std::vector<std::string> words, std::map<std::string, std::string> extra_env = {},
             const std::string& input = "") {
    std::map<std::string, std::string> env = env_;
    for (auto& [name, value] : extra_env) env[name] = value;
    std::ostringstream out, err;
    std::istringstream in(input);
    Environment environment = [env](absl::string_view name) -> std::optional<std::string> {
      auto it = env.find(std::string(name));
      if (it == env.end()) return std::nullopt;
      return it->second;
    };
    ChannelFactory channels = [this](const std::string& address) {
      addresses_.push_back(address);
      return std::shared_ptr<grpc::ChannelInterface>(
          server_->InProcessChannel(grpc::ChannelArguments()));
    };
    int code = RunCli(words, environment, channels, out, err, in, /*in_is_terminal=*/false);
    return Result{code, out.str(), err.str()};
  }

  Result Login() { return Run({"login", "--email", kEmail}, {{"SIXSTEPS_PASSWORD", kPassword}}); }

  // Writes a credentials file as an earlier sign-in would have.
  void Store(const std::string& access_token, absl::Duration access_left,
             const std::string& refresh_token, absl::Duration refresh_left) {
    Credentials credentials;
    credentials.identity_address = "127.0.0.1:50052";
    credentials.principal = "users/u-admin";
    credentials.access_token = access_token;
    credentials.access_token_expire_time = absl::Now() + access_left;
    credentials.refresh_token = refresh_token;
    credentials.refresh_token_expire_time = absl::Now() + refresh_left;
    ASSERT_THAT(SaveCredentials(CredentialsFile(), credentials), IsOk());
  }

  Credentials Stored() {
    absl::StatusOr<std::optional<Credentials>> loaded = LoadCredentials(CredentialsFile());
    EXPECT_TRUE(loaded.ok() && loaded->has_value()) << loaded.status();
    return loaded.ok() && loaded->has_value() ? **loaded : Credentials();
  }

  std::filesystem::path dir_;
  std::map<std::string, std::string> env_;
  FakeIdentityService identity_;
  FakeFrameworkService framework_;
  FakeFeedService feed_;
  std::unique_ptr<grpc::Server> server_;
  std::vector<std::string> addresses_;
};

mode_t ModeOf(const std::string& path) {
  struct stat info {};
  EXPECT_EQ(::stat(path.c_str(), &info), 0) << path;
  return info.st_mode & 0777;
}

TEST_F(CliIdentityTest, LoginStoresTheTokensInAPrivateFile) {
  Result result = Login();
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("Signed in as users/u-admin (admin@example.org)"));
  EXPECT_THAT(result.out, HasSubstr(CredentialsFile()));
  EXPECT_EQ(ModeOf(CredentialsFile()), 0600);
  EXPECT_EQ(ModeOf((dir_ / "config/sixsteps").string()), 0700);
  // Written through a temporary file that is gone.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir_ / "config/sixsteps"),
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
  std::string key_file = (dir_ / "integrator.key").string();
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

  std::string key_file = (dir_ / "case-system.key").string();
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
  std::filesystem::create_directories(dir_ / "config/sixsteps");
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
  EXPECT_EQ(RoleName(iv1::ROLE_HUB_ADMINISTRATOR), "hub_administrator");
  EXPECT_EQ(*ParseRole("partner-respondent"), iv1::ROLE_PARTNER_RESPONDENT);
  EXPECT_EQ(*ParseRole("ROLE_VIEWER"), iv1::ROLE_VIEWER);
  EXPECT_EQ(KindName(iv1::ORGANISATION_KIND_VOLUNTARY_AND_COMMUNITY), "voluntary-and-community");
  EXPECT_EQ(*ParseKind("local-authority"), iv1::ORGANISATION_KIND_LOCAL_AUTHORITY);
  EXPECT_EQ(*ParseLifetime("90d"), absl::Hours(24 * 90));
  EXPECT_EQ(*ParseLifetime("36h30m"), absl::Hours(36) + absl::Minutes(30));
  EXPECT_FALSE(ParseLifetime("0d").ok());
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
