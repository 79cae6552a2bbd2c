#include "tools/sixsteps/session.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <google/protobuf/util/time_util.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "tools/sixsteps/cli_status.h"
#include "tools/sixsteps/rpc_client.h"

namespace sixsteps::cli {
namespace {

namespace iv1 = ::sixsteps::identity::v1;

absl::Time FromProto(const google::protobuf::Timestamp& timestamp) {
  return absl::FromUnixSeconds(timestamp.seconds()) + absl::Nanoseconds(timestamp.nanos());
}

using Stub = iv1::IdentityService::StubInterface;

absl::StatusOr<Credentials> Refresh(Session& session, const CallSettings& call,
                                    const Credentials& stored) {
  iv1::RefreshAccessTokenRequest request;
  request.set_refresh_token(stored.refresh_token);
  // The sign-in calls themselves carry no bearer token.
  const CallSettings open = call.WithoutToken();
  std::unique_ptr<Stub> stub = iv1::IdentityService::NewStub(session.identity_channel());
  SIXSTEPS_ASSIGN_OR_RETURN(iv1::RefreshAccessTokenResponse response,
                            RpcClient<Stub>(*stub, open).Call(&Stub::RefreshAccessToken, request));
  Credentials refreshed = stored;
  refreshed.identity_address = session.identity_address;
  refreshed.principal = response.principal().empty() ? stored.principal : response.principal();
  refreshed.access_token = response.access_token();
  refreshed.access_token_expire_time = FromProto(response.access_token_expire_time());
  refreshed.refresh_token = response.refresh_token();
  refreshed.refresh_token_expire_time = FromProto(response.refresh_token_expire_time());
  return refreshed;
}

// Saves renewed credentials; a file that cannot be written costs only the reuse.
void Keep(Session& session, const Credentials& credentials) {
  session.stored = credentials;
  absl::Status saved = SaveCredentials(session.credentials_path, credentials);
  if (!saved.ok()) {
    session.note = absl::StrCat("the renewed token could not be saved: ", saved.message());
  }
}

// The principal and access token of either sign-in's response.
template <typename SignInResponse>
Credentials AccessFrom(const SignInResponse& response, const std::string& identity_address) {
  Credentials credentials;
  credentials.identity_address = identity_address;
  credentials.principal = response.principal();
  credentials.access_token = response.access_token();
  credentials.access_token_expire_time = FromProto(response.access_token_expire_time());
  return credentials;
}

}  // namespace

Credentials CredentialsFrom(const iv1::SignInResponse& response,
                            const std::string& identity_address) {
  Credentials credentials = AccessFrom(response, identity_address);
  credentials.refresh_token = response.refresh_token();
  credentials.refresh_token_expire_time = FromProto(response.refresh_token_expire_time());
  return credentials;
}

Credentials CredentialsFrom(const iv1::SignInWithApiKeyResponse& response,
                            const std::string& identity_address) {
  return AccessFrom(response, identity_address);
}

absl::StatusOr<std::string> ReadApiKeyFile(const std::string& path) {
  std::ifstream file(path);
  if (!file) {
    return LocalError(kExitNoInput, absl::StrCat("cannot read ", path, ": ", std::strerror(errno)));
  }
  std::string line;
  std::getline(file, line);
  std::string key(absl::StripAsciiWhitespace(line));
  if (key.empty()) {
    return LocalError(kExitDataError, absl::StrCat(path, " holds no API key on its first line"));
  }
  return key;
}

absl::StatusOr<Credentials> SignInWithApiKey(Session& session, const CallSettings& call,
                                             const std::string& api_key) {
  iv1::SignInWithApiKeyRequest request;
  request.set_api_key(api_key);
  const CallSettings open = call.WithoutToken();
  std::unique_ptr<Stub> stub = iv1::IdentityService::NewStub(session.identity_channel());
  SIXSTEPS_ASSIGN_OR_RETURN(iv1::SignInWithApiKeyResponse response,
                            RpcClient<Stub>(*stub, open).Call(&Stub::SignInWithApiKey, request));
  return CredentialsFrom(response, session.identity_address);
}

std::string CurrentAccessToken(Session& session, const Environment& env, const CallSettings& call) {
  const absl::Time now = session.clock();
  if (session.stored && !session.stored->access_token.empty() &&
      session.stored->access_token_expire_time - kRefreshMargin > now) {
    return session.stored->access_token;
  }
  return RenewAccessToken(session, env, call);
}

std::string RenewAccessToken(Session& session, const Environment& env, const CallSettings& call) {
  const absl::Time now = session.clock();
  // 1. A user's refresh token.
  if (session.stored && !session.stored->refresh_token.empty()) {
    if (session.stored->refresh_token_expire_time > now) {
      absl::StatusOr<Credentials> refreshed = Refresh(session, call, *session.stored);
      if (refreshed.ok()) {
        Keep(session, *refreshed);
        return refreshed->access_token;
      }
      session.note = absl::StrCat("the stored sign-in could not be renewed (",
                                  absl::StatusCodeToString(refreshed.status().code()), ": ",
                                  refreshed.status().message(), ")");
    } else {
      session.note = "the stored sign-in has expired";
    }
    return "";
  }
  // 2. A service account: its API key file, else $SIXSTEPS_API_KEY.
  std::string api_key;
  if (session.stored && !session.stored->api_key_file.empty()) {
    absl::StatusOr<std::string> key = ReadApiKeyFile(session.stored->api_key_file);
    if (key.ok()) {
      api_key = *key;
    } else {
      session.note = std::string(key.status().message());
    }
  }
  if (api_key.empty()) {
    std::optional<std::string> from_env = env(kApiKeyVariable);
    if (from_env) api_key = std::string(absl::StripAsciiWhitespace(*from_env));
  }
  if (!api_key.empty()) {
    absl::StatusOr<Credentials> signed_in = SignInWithApiKey(session, call, api_key);
    if (signed_in.ok()) {
      if (session.stored) signed_in->api_key_file = session.stored->api_key_file;
      Keep(session, *signed_in);
      return signed_in->access_token;
    }
    session.note = absl::StrCat("signing in with the API key failed (",
                                absl::StatusCodeToString(signed_in.status().code()), ": ",
                                signed_in.status().message(), ")");
    return "";
  }
  if (session.stored && session.note.empty()) session.note = "the stored sign-in has expired";
  return "";
}

absl::Status WithSignInHint(absl::Status status, const Session& session) {
  if (status.code() != absl::StatusCode::kUnauthenticated || IsUsageError(status) ||
      ExitCodeOf(status) != static_cast<int>(absl::StatusCode::kUnauthenticated)) {
    return status;
  }
  std::string message(status.message());
  if (!session.note.empty()) absl::StrAppend(&message, "; ", session.note);
  if (session.token_from_environment) {
    absl::StrAppend(&message, "; the token in $SIXSTEPS_TOKEN was used: unset it, or");
  }
  absl::StrAppend(&message,
                  "; sign in with: sixsteps login --email EMAIL (or, for a service account, "
                  "sixsteps login --api-key-file FILE)");
  return absl::Status(status.code(), message);
}

}  // namespace sixsteps::cli
