// sixsteps login, logout, whoami, token: the caller's stored sign-in (see session.h).
#include <termios.h>
#include <unistd.h>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "tools/sixsteps/credentials.h"
#include "tools/sixsteps/identity_command_parts.h"
#include "tools/sixsteps/identity_format.h"
#include "tools/sixsteps/session.h"

namespace sixsteps::cli::identity_cmd {

std::string TimeText(absl::Time time) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", time, absl::UTCTimeZone());
}

std::string Env(const CommandContext& context, absl::string_view name) {
  if (context.env == nullptr) return "";
  return (*context.env)(name).value_or("");
}

// Reads a password: a prompt without echo on a terminal, else the first line of stdin.
std::string ReadSecret(const CommandContext& context, absl::string_view prompt) {
  std::string line;
  if (context.in == nullptr) return line;
  if (context.in_is_terminal) {
    if (context.err != nullptr) *context.err << prompt << std::flush;
    termios saved{};
    bool restore = ::tcgetattr(STDIN_FILENO, &saved) == 0;
    if (restore) {
      termios quiet = saved;
      quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
      ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    std::getline(*context.in, line);
    if (restore) ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
    if (context.err != nullptr) *context.err << "\n";
  } else {
    std::getline(*context.in, line);
  }
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.pop_back();
  return line;
}

namespace {

absl::Status PrintSignedIn(const Credentials& credentials, const std::string& who,
                           const CommandContext& context) {
  const std::string& path = context.session->credentials_path;
  if (context.output == OutputFormat::kJson) {
    nlohmann::ordered_json json = {
        {"principal", credentials.principal},
        {"identity_address", credentials.identity_address},
        {"access_token_expire_time", TimeText(credentials.access_token_expire_time)},
    };
    if (!credentials.refresh_token.empty()) {
      json["refresh_token_expire_time"] = TimeText(credentials.refresh_token_expire_time);
    }
    json["credentials_file"] = path;
    *context.out << json.dump(2) << "\n";
    return absl::OkStatus();
  }
  *context.out << "Signed in as " << credentials.principal << who << " at "
               << credentials.identity_address << ".\n"
               << "Credentials saved in " << path << " (mode 0600).\n"
               << "The access token is valid until "
               << TimeText(credentials.access_token_expire_time);
  if (!credentials.refresh_token.empty()) {
    *context.out << " and is renewed automatically until "
                 << TimeText(credentials.refresh_token_expire_time) << ".\n";
  } else if (!credentials.api_key_file.empty()) {
    *context.out << "; then the CLI signs in again with " << credentials.api_key_file << ".\n";
  } else {
    *context.out << "; then the CLI signs in again with $" << kApiKeyVariable << " if it is set.\n";
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status Login(const CheckedArgs& args, IdentityClient& client, const CommandContext& context) {
  std::optional<std::string> email = args.Optional("email");
  std::optional<std::string> key_file = args.Optional("api_key_file");
  Session& session = *context.session;
  if (session.credentials_path.empty()) {
    return LocalError(kExitCannotCreate,
                      "nowhere to keep the credentials: set XDG_CONFIG_HOME or HOME");
  }
  Credentials credentials;
  std::string who;
  if (email) {
    std::string password = Env(context, kPasswordVariable);
    if (password.empty())
      password = ReadSecret(context, absl::StrCat("Password for ", *email, ": "));
    if (password.empty()) {
      return UsageError(
          absl::StrCat("no password: set $", kPasswordVariable, " or give it on standard input"));
    }
    iv1::SignInRequest request;
    request.set_email(*email);
    request.set_password(password);
    const CallSettings open = client.call().WithoutToken();
    IdentityClient unauthenticated(client.stub(), open);
    SIXSTEPS_ASSIGN_OR_RETURN(iv1::SignInResponse response,
                              unauthenticated.Call(&Stub::SignIn, request));
    credentials = CredentialsFrom(response, session.identity_address);
    who = absl::StrCat(" (", *email, ")");
  } else {
    std::string api_key;
    if (key_file) {
      SIXSTEPS_ASSIGN_OR_RETURN(api_key, ReadApiKeyFile(*key_file));
    } else {
      api_key = std::string(absl::StripAsciiWhitespace(Env(context, kApiKeyVariable)));
      if (api_key.empty()) {
        return UsageError(
            absl::StrCat("missing --email or --api-key-file (or $", kApiKeyVariable, ")"));
      }
    }
    SIXSTEPS_ASSIGN_OR_RETURN(credentials, SignInWithApiKey(session, client.call(), api_key));
    if (key_file) {
      std::error_code error;
      std::filesystem::path absolute = std::filesystem::absolute(*key_file, error);
      credentials.api_key_file = error ? *key_file : absolute.lexically_normal().string();
    }
  }
  SIXSTEPS_RETURN_IF_ERROR(SaveCredentials(session.credentials_path, credentials));
  session.stored = credentials;
  if (session.token_from_environment && context.err != nullptr) {
    *context.err << "warning: $" << kTokenVariable
                 << " is set and takes precedence over the stored sign-in; unset it\n";
  }
  return PrintSignedIn(credentials, who, context);
}

absl::Status Logout(const CheckedArgs& args, IdentityClient& client,
                    const CommandContext& context) {
  Session& session = *context.session;
  if (!session.stored) {
    *context.out << "Not signed in"
                 << (session.credentials_path.empty()
                         ? std::string()
                         : absl::StrCat(" (no ", session.credentials_path, ")"))
                 << ".\n";
    return absl::OkStatus();
  }
  if (!session.stored->refresh_token.empty()) {
    iv1::SignOutRequest request;
    request.set_refresh_token(session.stored->refresh_token);
    const CallSettings open = client.call().WithoutToken();
    IdentityClient unauthenticated(client.stub(), open);
    absl::StatusOr<iv1::SignOutResponse> signed_out = unauthenticated.Call(&Stub::SignOut, request);
    // A refresh token that expired or was revoked needs no revoking; only a service that
    // could not be asked is worth a warning.
    if (!signed_out.ok() && context.err != nullptr &&
        (signed_out.status().code() == absl::StatusCode::kUnavailable ||
         signed_out.status().code() == absl::StatusCode::kDeadlineExceeded)) {
      *context.err << "warning: could not revoke the refresh token at " << session.identity_address
                   << " (" << absl::StatusCodeToString(signed_out.status().code())
                   << "); deleting the local credentials anyway\n";
    }
  }
  SIXSTEPS_RETURN_IF_ERROR(RemoveCredentials(session.credentials_path));
  std::string principal = session.stored->principal;
  session.stored.reset();
  *context.out << "Signed out " << principal << "; deleted " << session.credentials_path << ".\n";
  if (session.token_from_environment && context.err != nullptr) {
    *context.err << "note: $" << kTokenVariable << " is still set\n";
  }
  return absl::OkStatus();
}

absl::Status WhoAmI(const CheckedArgs& args, IdentityClient& client,
                    const CommandContext& context) {
  SIXSTEPS_ASSIGN_OR_RETURN(
      iv1::GetCurrentPrincipalResponse response,
      client.Call(&Stub::GetCurrentPrincipal, iv1::GetCurrentPrincipalRequest()));
  std::string text = FormatPrincipal(response);
  const Session& session = *context.session;
  if (session.token_from_environment) {
    absl::StrAppend(&text, "Token: from $", kTokenVariable, "\n");
  } else if (session.stored) {
    absl::StrAppend(&text, "Token: from ", session.credentials_path, ", valid until ",
                    TimeText(session.stored->access_token_expire_time), "\n");
  }
  return PrintMessage(response, text, context);
}

// Prints the access token the CLI would send (renewed first when about to expire), for tools
// such as curl: curl -H "Authorization: Bearer $(sixsteps token)" ...
absl::Status Token(const CheckedArgs& args, IdentityClient& client, const CommandContext& context) {
  const std::string& token = client.call().bearer_token;
  if (token.empty()) return absl::UnauthenticatedError("no access token");
  if (context.output == OutputFormat::kJson) {
    nlohmann::ordered_json json = {{"access_token", token}};
    const Session& session = *context.session;
    if (!session.token_from_environment && session.stored) {
      json["principal"] = session.stored->principal;
      json["access_token_expire_time"] = TimeText(session.stored->access_token_expire_time);
    }
    *context.out << json.dump(2) << "\n";
    return absl::OkStatus();
  }
  *context.out << token << "\n";
  return absl::OkStatus();
}

}  // namespace sixsteps::cli::identity_cmd
