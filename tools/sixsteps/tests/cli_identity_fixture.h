// A fake IdentityService (sign-in, refresh, users...), a fake feed and a fake
// FrameworkService, and CliIdentityTest, which runs the CLI (RunCli) against them with its
// own credentials file: for cli_session_test and cli_identity_test.
#pragma once

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
#include "tools/sixsteps/tests/cli_run.h"

namespace sixsteps::cli {
// Each test binary includes this once: the fakes stay local to it.
namespace {  // NOLINT(build/namespaces_headers)

using google::protobuf::util::TimeUtil;
using ::sixsteps::testing::IsOk;

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

using testing_support::Result;

class CliIdentityTest : public testing_support::CliTest {
 protected:
  void SetUp() override {
    default_env_ = {{"XDG_CONFIG_HOME", (Dir() / "config").string()}};
    Serve({&identity_, &framework_, &feed_});
  }

  std::string CredentialsFile() { return (Dir() / "config/sixsteps/credentials.json").string(); }

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

  FakeIdentityService identity_;
  FakeFrameworkService framework_;
  FakeFeedService feed_;
};

inline mode_t ModeOf(const std::string& path) {
  struct stat info {};
  EXPECT_EQ(::stat(path.c_str(), &info), 0) << path;
  return info.st_mode & 0777;
}

}  // namespace
}  // namespace sixsteps::cli
