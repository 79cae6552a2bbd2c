// sixsteps serviceaccount, apikey: integrators' service accounts and their API keys.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <google/protobuf/util/time_util.h>

#include "absl/strings/str_cat.h"
#include "tools/sixsteps/identity_command_parts.h"
#include "tools/sixsteps/identity_format.h"
#include "tools/sixsteps/identity_names.h"

namespace sixsteps::cli::identity_cmd {

using google::protobuf::util::TimeUtil;

absl::Status ServiceAccountCreate(const CheckedArgs& args, IdentityClient& client,
                                  const CommandContext& context) {
  iv1::CreateServiceAccountRequest request;
  iv1::ServiceAccount& account = *request.mutable_service_account();
  *account.mutable_display_name() = args.Text("name");
  std::string owner = args.Text("owner");
  SIXSTEPS_ASSIGN_OR_RETURN(*account.mutable_owner(), ExpandOwner(owner));
  SIXSTEPS_ASSIGN_OR_RETURN(iv1::ServiceAccount created,
                            client.Call(&Stub::CreateServiceAccount, request));
  return PrintMessage(
      created,
      absl::StrCat("Created ", created.name(), "\n", FormatServiceAccount(created),
                   "Next: grant it a role (sixsteps role grant ", created.name(),
                   " integration partnerships/P) and\ncreate an API key (sixsteps apikey create ",
                   created.name(), " --name NAME).\n"),
      context);
}

absl::Status ServiceAccountList(const CheckedArgs& args, IdentityClient& client,
                                const CommandContext& context) {
  SIXSTEPS_ASSIGN_OR_RETURN(
      std::vector<iv1::ServiceAccount> accounts,
      client.ListAll(&Stub::ListServiceAccounts, iv1::ListServiceAccountsRequest(),
                     &iv1::ListServiceAccountsResponse::service_accounts));
  return PrintMessage(
      Collect(accounts, &iv1::ListServiceAccountsResponse::mutable_service_accounts),
      FormatServiceAccountList(accounts), context);
}

absl::Status ServiceAccountShow(const CheckedArgs& args, IdentityClient& client,
                                const CommandContext& context) {
  return ShowNamed(client, &Stub::GetServiceAccount, ExpandServiceAccountName(args.Positional(0)),
                   FormatServiceAccount, context);
}

namespace {

// Writes a new file readable by its owner only; refuses to replace an existing one.
absl::Status WriteSecretFile(const std::string& path, const std::string& contents) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    return LocalError(kExitCannotCreate,
                      absl::StrCat("cannot write ", path, ": ", std::strerror(errno)));
  }
  ssize_t written = ::write(fd, contents.data(), contents.size());
  int error = written == static_cast<ssize_t>(contents.size()) ? 0 : (written < 0 ? errno : EIO);
  if (::close(fd) != 0 && error == 0) error = errno;
  if (error != 0) {
    ::unlink(path.c_str());
    return LocalError(kExitCannotCreate,
                      absl::StrCat("cannot write ", path, ": ", std::strerror(error)));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ApiKeyCreate(const CheckedArgs& args, IdentityClient& client,
                          const CommandContext& context) {
  iv1::CreateApiKeyRequest request;
  SIXSTEPS_ASSIGN_OR_RETURN(*request.mutable_parent(),
                            ExpandServiceAccountName(args.Positional(0)));
  *request.mutable_api_key()->mutable_display_name() = args.Text("name");
  const absl::Duration lifetime = args.Duration("expires_in").value_or(absl::Hours(24 * 90));
  std::optional<std::string> out_path = args.Optional("out");
  if (out_path && std::filesystem::exists(*out_path)) {
    return LocalError(kExitCannotCreate,
                      absl::StrCat(*out_path, " already exists; choose a new file for the key"));
  }
  absl::Time expires = absl::Now() + lifetime;
  *request.mutable_api_key()->mutable_expire_time() =
      TimeUtil::SecondsToTimestamp(absl::ToUnixSeconds(expires));
  SIXSTEPS_ASSIGN_OR_RETURN(iv1::CreateApiKeyResponse response,
                            client.Call(&Stub::CreateApiKey, request));
  const iv1::ApiKey& key = response.api_key();
  if (out_path) {
    SIXSTEPS_RETURN_IF_ERROR(WriteSecretFile(*out_path, response.secret() + "\n"));
    if (context.output == OutputFormat::kJson) {
      iv1::CreateApiKeyResponse without_secret = response;
      without_secret.clear_secret();
      return PrintMessage(without_secret, "", context);
    }
    *context.out << "Created " << key.name() << " (\"" << key.display_name() << "\"), expires "
                 << FormatTime(key.expire_time()) << ".\n"
                 << "Its secret is in " << *out_path
                 << " (mode 0600) and is shown nowhere else; the hub keeps only\n"
                 << "its hash. Hand the file over safely; the integrator signs in with:\n"
                 << "  sixsteps login --api-key-file " << *out_path << "\n";
    return absl::OkStatus();
  }
  return PrintMessage(
      response,
      absl::StrCat("Created ", key.name(), " (\"", key.display_name(), "\"), expires ",
                   FormatTime(key.expire_time()), ".\n",
                   "WARNING: this is the only time the secret is shown; the hub keeps only its "
                   "hash.\nStore it safely now (a file of mode 0600, a secret store):\n\n  ",
                   response.secret(), "\n\n",
                   "The integrator signs in with: sixsteps login --api-key-file FILE (or "
                   "$SIXSTEPS_API_KEY).\n"),
      context);
}

absl::Status ApiKeyList(const CheckedArgs& args, IdentityClient& client,
                        const CommandContext& context) {
  iv1::ListApiKeysRequest request;
  SIXSTEPS_ASSIGN_OR_RETURN(*request.mutable_parent(),
                            ExpandServiceAccountName(args.Positional(0)));
  SIXSTEPS_ASSIGN_OR_RETURN(
      std::vector<iv1::ApiKey> keys,
      client.ListAll(&Stub::ListApiKeys, request, &iv1::ListApiKeysResponse::api_keys));
  return PrintMessage(Collect(keys, &iv1::ListApiKeysResponse::mutable_api_keys),
                      FormatApiKeyList(keys), context);
}

absl::Status ApiKeyRevoke(const CheckedArgs& args, IdentityClient& client,
                          const CommandContext& context) {
  iv1::RevokeApiKeyRequest request;
  SIXSTEPS_ASSIGN_OR_RETURN(*request.mutable_name(), ExpandApiKeyName(args.Positional(0)));
  SIXSTEPS_ASSIGN_OR_RETURN(iv1::ApiKey key, client.Call(&Stub::RevokeApiKey, request));
  return PrintMessage(key, absl::StrCat("Revoked ", key.name(), "\n", FormatApiKey(key)), context);
}

}  // namespace sixsteps::cli::identity_cmd
