// The CLI's stored sign-in: what `sixsteps login` received from the identity service, kept
// as JSON in $XDG_CONFIG_HOME/sixsteps/credentials.json (else ~/.config/sixsteps/...), the
// folder 0700 and the file 0600, written atomically (a temporary file, then rename).
#pragma once

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "tools/sixsteps/options.h"

namespace sixsteps::cli {

struct Credentials {
  // The identity service that issued the tokens; the CLI's default identity address while
  // the file exists.
  std::string identity_address;
  // "users/{id}" or "serviceAccounts/{id}".
  std::string principal;
  std::string access_token;
  absl::Time access_token_expire_time = absl::InfinitePast();
  // Empty for a service account (API keys have no refresh tokens).
  std::string refresh_token;
  absl::Time refresh_token_expire_time = absl::InfinitePast();
  // A service account signed in with --api-key-file: the file's absolute path, so that the CLI
  // can sign in again when the access token expires. The key itself is never copied here.
  std::string api_key_file;

  bool operator==(const Credentials&) const = default;
};

// Where the credentials file is: $XDG_CONFIG_HOME/sixsteps/credentials.json, else
// $HOME/.config/sixsteps/credentials.json; "" when neither variable is set (then nothing is
// stored).
std::string CredentialsPath(const Environment& env);

// The credentials as the file holds them (JSON, one object).
std::string CredentialsToJson(const Credentials& credentials);
// Parses the file's contents; INVALID_ARGUMENT naming the problem if malformed.
absl::StatusOr<Credentials> CredentialsFromJson(const std::string& json);

// Reads the file: nullopt if it does not exist; a local error (exit 65/66) if it cannot be
// read or is malformed.
absl::StatusOr<std::optional<Credentials>> LoadCredentials(const std::string& path);
// Writes the file atomically: creates its folder (0700) if needed, writes a temporary file
// (0600) next to it, and renames it over the old one. A local error (exit 73) on failure.
absl::Status SaveCredentials(const std::string& path, const Credentials& credentials);
// Deletes the file; OK if it did not exist.
absl::Status RemoveCredentials(const std::string& path);

}  // namespace sixsteps::cli
