// The caller's sign-in for one run of the CLI: where the credentials file is, what it holds,
// which identity service issued it, and the access token every call carries.
//
// Order of precedence for the token: $SIXSTEPS_TOKEN (used as is), else the credentials file
// (refreshed first when the access token has expired or has less than 30 s left), else none.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <grpcpp/impl/codegen/channel_interface.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "sixsteps/identity/v1/identity_service.grpc.pb.h"
#include "tools/sixsteps/credentials.h"
#include "tools/sixsteps/options.h"

namespace sixsteps::cli {

// An access token with less than this left is refreshed before use.
inline constexpr absl::Duration kRefreshMargin = absl::Seconds(30);

// The environment variables the sign-in reads.
inline constexpr absl::string_view kPasswordVariable = "SIXSTEPS_PASSWORD";
inline constexpr absl::string_view kApiKeyVariable = "SIXSTEPS_API_KEY";
inline constexpr absl::string_view kNewUserPasswordVariable = "SIXSTEPS_NEW_USER_PASSWORD";

struct Session {
  // "" when there is nowhere to keep credentials (neither XDG_CONFIG_HOME nor HOME).
  std::string credentials_path;
  // What the file holds (after any refresh), if it exists.
  std::optional<Credentials> stored;
  // The identity service: --identity_address, else $SIXSTEPS_IDENTITY_ADDRESS, else the
  // address stored with the credentials, else the default.
  std::string identity_address;
  // Opens a channel to identity_address (only when a call needs one).
  std::function<std::shared_ptr<grpc::ChannelInterface>()> identity_channel;
  // True when $SIXSTEPS_TOKEN supplied the token: the file is then neither read nor refreshed.
  bool token_from_environment = false;
  // Why no usable token could be found, if something went wrong; added to UNAUTHENTICATED
  // errors.
  std::string note;
  // "Now"; tests may move it.
  std::function<absl::Time()> clock = [] { return absl::Now(); };
};

// The access token to send with the next call: the stored one while it has more than
// kRefreshMargin left; else a fresh one, from the refresh token or, for a service account, by
// signing in again with its API key file or $SIXSTEPS_API_KEY (saved to the credentials file);
// else "" with session.note saying why. Never fails: a call without a token gets a clear
// UNAUTHENTICATED from the service, which WithSignInHint explains.
std::string CurrentAccessToken(Session& session, const Environment& env, const CallSettings& call);

// A fresh access token whatever the stored one's expiry: after a service refused the stored
// one UNAUTHENTICATED (revoked). From the refresh token or, for a service account, by signing
// in again with its API key (saved to the credentials file); else "" with session.note
// saying why.
std::string RenewAccessToken(Session& session, const Environment& env, const CallSettings& call);

// Credentials from a response of the identity service.
Credentials CredentialsFrom(const sixsteps::identity::v1::SignInResponse& response,
                            const std::string& identity_address);
Credentials CredentialsFrom(const sixsteps::identity::v1::SignInWithApiKeyResponse& response,
                            const std::string& identity_address);

// The API key in a file: its first line, without surrounding blanks. A local error (exit 66)
// if the file cannot be read, 65 if it holds no key.
absl::StatusOr<std::string> ReadApiKeyFile(const std::string& path);

// Signs in with an API key (SignInWithApiKey on session.identity_address).
absl::StatusOr<Credentials> SignInWithApiKey(Session& session, const CallSettings& call,
                                             const std::string& api_key);

// An UNAUTHENTICATED status from a service, with how to sign in (and session.note) added to
// its message; any other status unchanged.
absl::Status WithSignInHint(absl::Status status, const Session& session);

}  // namespace sixsteps::cli
