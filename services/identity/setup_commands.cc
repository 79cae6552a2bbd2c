// ensure-service-account (see setup_commands.h): the decisions as plain functions, then the
// store calls and the key file.
#include "services/identity/setup_commands.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "services/base/clock.h"
#include "services/base/names.h"
#include "services/base/status_macros.h"
#include "services/common/ids.h"
#include "services/common/server.h"
#include "services/common/setup_commands.h"
#include "services/common/validation.h"
#include "services/identity/domain.h"
#include "services/identity/secrets.h"

namespace sixsteps::identity {
namespace {

// Who the audit log says made what this subcommand makes (as "bootstrap" for the first
// administrator).
constexpr char kActor[] = "setup";
constexpr char kApiKeyPrefix[] = "ssk";
constexpr int kListPage = 500;

absl::StatusOr<std::vector<v1::ServiceAccount>> AllServiceAccounts(IdentityStore& store) {
  Visibility everything;
  everything.everything = true;
  std::vector<v1::ServiceAccount> all;
  std::string after;
  while (true) {
    SIXSTEPS_ASSIGN_OR_RETURN(std::vector<v1::ServiceAccount> page,
                              store.ListServiceAccounts(everything, after, kListPage));
    if (page.empty()) break;
    after = LastSegment(page.back().name());
    for (auto& account : page) all.push_back(std::move(account));
    if (static_cast<int>(page.size()) < kListPage) break;
  }
  return all;
}

// Writes `contents` to `path` with mode 0600, replacing it atomically.
absl::Status WriteKeyFile(const std::string& path, const std::string& contents) {
  const std::string temporary = path + ".new";
  ::unlink(temporary.c_str());
  int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("key_file: cannot create ", temporary, ": ", std::strerror(errno)));
  }
  std::string line = contents + "\n";
  bool written = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) &&
                 ::fchmod(fd, 0600) == 0 && ::fsync(fd) == 0;
  written = ::close(fd) == 0 && written;
  if (!written || ::rename(temporary.c_str(), path.c_str()) != 0) {
    std::string error = std::strerror(errno);
    ::unlink(temporary.c_str());
    return absl::FailedPreconditionError(
        absl::StrCat("key_file: cannot write ", path, ": ", error));
  }
  return absl::OkStatus();
}

}  // namespace

nlohmann::json ServiceAccountSetup::ToJson(const ServiceAccountSpec& spec) const {
  return {{"service_account", service_account},
          {"display_name", spec.display_name},
          {"owner", std::string(auth::kEveryRegion)},
          {"role", auth::RoleName(spec.role)},
          {"scope", std::string(auth::kEveryRegion)},
          {"api_key", api_key},
          {"api_key_expire_time",
           absl::FormatTime(absl::RFC3339_sec, key_expire_time, absl::UTCTimeZone())}};
}

std::optional<v1::ServiceAccount> FindDeploymentServiceAccount(
    const std::vector<v1::ServiceAccount>& accounts, const std::string& display_name) {
  std::optional<v1::ServiceAccount> oldest;
  for (const v1::ServiceAccount& account : accounts) {
    if (account.owner() != auth::kEveryRegion || account.display_name() != display_name) continue;
    if (!oldest || FromTimestamp(account.create_time()) < FromTimestamp(oldest->create_time()))
      oldest = account;
  }
  return oldest;
}

bool HasDeploymentBinding(const std::vector<BindingScope>& bindings, auth::Role role) {
  for (const BindingScope& binding : bindings) {
    if (binding.role == role && binding.region == auth::kEveryRegion && binding.partnership.empty())
      return true;
  }
  return false;
}

std::optional<ApiKeySecret> ParseApiKeySecret(const std::string& text) {
  std::vector<std::string> parts = absl::StrSplit(text, '.');
  if (parts.size() != 3 || parts[0] != kApiKeyPrefix || !IsResourceId(parts[1]) || parts[2].empty())
    return std::nullopt;
  return ApiKeySecret{parts[1], parts[2]};
}

absl::Status CheckKeptKey(const ApiKeySecret& key, const StoredApiKey& stored,
                          const std::string& account_id, absl::Time now) {
  if (stored.service_account_id != account_id) {
    return absl::FailedPreconditionError(
        absl::StrCat("the key belongs to ", ServiceAccountName(stored.service_account_id)));
  }
  if (!ConstantTimeEquals(Sha256(key.secret), stored.secret_hash)) {
    return absl::FailedPreconditionError("the key's secret does not match");
  }
  if (stored.api_key.has_revoke_time()) return absl::FailedPreconditionError("the key is revoked");
  if (FromTimestamp(stored.api_key.expire_time()) <= now) {
    return absl::FailedPreconditionError("the key has expired");
  }
  return absl::OkStatus();
}

absl::StatusOr<ServiceAccountSetup> EnsureServiceAccount(IdentityStore& store,
                                                         const ServiceAccountSpec& spec,
                                                         const std::string& kept_key,
                                                         absl::Time now) {
  SIXSTEPS_RETURN_IF_ERROR(ValidateText(spec.display_name, kMaxDisplayNameLength, "account_name"));
  BindingScope scope;
  scope.role = spec.role;
  scope.region = std::string(auth::kEveryRegion);
  scope.principal_is_service_account = true;
  SIXSTEPS_RETURN_IF_ERROR(ValidateBindingShape(scope));
  ServiceAccountSetup setup;

  SIXSTEPS_ASSIGN_OR_RETURN(std::vector<v1::ServiceAccount> accounts, AllServiceAccounts(store));
  std::optional<v1::ServiceAccount> account =
      FindDeploymentServiceAccount(accounts, spec.display_name);
  std::string account_id;
  if (account) {
    account_id = LastSegment(account->name());
  } else {
    account_id = RandomId("sa");
    v1::ServiceAccount created;
    created.set_display_name(spec.display_name);
    created.set_owner(std::string(auth::kEveryRegion));
    SIXSTEPS_RETURN_IF_ERROR(store.CreateServiceAccount(
        account_id, created, std::string(auth::kEveryRegion),
        {kActor, "service_account.create", ServiceAccountName(account_id), "", "{}"}));
    setup.changes.push_back(absl::StrCat("created ", ServiceAccountName(account_id), " (",
                                         spec.display_name, ", owner '*')"));
  }
  setup.service_account = ServiceAccountName(account_id);

  SIXSTEPS_ASSIGN_OR_RETURN(std::vector<BindingScope> bindings,
                            store.BindingsOf(setup.service_account));
  if (!HasDeploymentBinding(bindings, spec.role)) {
    StoredRoleBinding binding;
    binding.id = RandomId("rb");
    binding.principal = setup.service_account;
    binding.scope = scope;
    SIXSTEPS_RETURN_IF_ERROR(store.CreateRoleBinding(
        binding, {kActor, "role_binding.create", setup.service_account, "",
                  nlohmann::json{{"role", auth::RoleName(spec.role)}, {"scope", "*"}}.dump()}));
    setup.changes.push_back(absl::StrCat("bound ", setup.service_account, " as ",
                                         auth::RoleName(spec.role), " on '*'"));
  }

  if (std::optional<ApiKeySecret> key = ParseApiKeySecret(kept_key)) {
    absl::StatusOr<StoredApiKey> stored = store.GetApiKey(key->key_id);
    if (!stored.ok() && stored.status().code() != absl::StatusCode::kNotFound)
      return stored.status();
    if (stored.ok() && CheckKeptKey(*key, *stored, account_id, now).ok()) {
      setup.api_key = stored->api_key.name();
      setup.key_expire_time = FromTimestamp(stored->api_key.expire_time());
      setup.secret = kept_key;
      return setup;
    }
  }
  if (spec.key_lifetime <= absl::ZeroDuration() || spec.key_lifetime > kMaxApiKeyLifetime) {
    return absl::InvalidArgumentError("key_lifetime: must be more than 0 and at most 366 days");
  }
  std::string key_id = RandomId("k");
  std::string secret = RandomToken(32);
  v1::ApiKey api_key;
  api_key.set_display_name(spec.key_display_name);
  *api_key.mutable_expire_time() = ToTimestamp(now + spec.key_lifetime);
  SIXSTEPS_RETURN_IF_ERROR(ValidateText(spec.key_display_name, kMaxDisplayNameLength, "key_name"));
  SIXSTEPS_RETURN_IF_ERROR(
      store.CreateApiKey(account_id, key_id, api_key, Sha256(secret),
                         {kActor, "api_key.create",
                          absl::StrCat(setup.service_account, "/apiKeys/", key_id), "", "{}"}));
  SIXSTEPS_ASSIGN_OR_RETURN(StoredApiKey stored, store.GetApiKey(key_id));
  setup.api_key = stored.api_key.name();
  setup.key_expire_time = FromTimestamp(stored.api_key.expire_time());
  setup.secret = absl::StrCat(kApiKeyPrefix, ".", key_id, ".", secret);
  setup.changes.push_back(absl::StrCat("created API key ", setup.api_key));
  return setup;
}

absl::StatusOr<std::optional<v1::User>> FindDeploymentAdministrator(IdentityStore& store,
                                                                    const std::string& email) {
  absl::StatusOr<StoredUser> user = store.FindUserByEmail(NormaliseEmail(email));
  if (!user.ok()) {
    if (user.status().code() == absl::StatusCode::kNotFound) return std::nullopt;
    return user.status();
  }
  SIXSTEPS_ASSIGN_OR_RETURN(std::vector<BindingScope> bindings,
                            store.BindingsOf(user->user.name()));
  if (!HasDeploymentBinding(bindings, auth::Role::ROLE_HUB_ADMINISTRATOR)) return std::nullopt;
  return user->user;
}

nlohmann::json AdministratorJson(const v1::User& user) {
  return {{"administrator", user.name()}, {"email", user.email()}};
}

int RunBootstrap(const char* program, IdentityStore& store, IdentityServiceImpl& service,
                 const std::string& email, const std::string& display_name,
                 const std::function<std::string()>& read_password) {
  absl::StatusOr<std::optional<v1::User>> found = FindDeploymentAdministrator(store, email);
  if (!found.ok()) return StartupFailed(program, found.status());
  if (*found) {
    std::fprintf(stderr, "%s: found %s (%s), already a hub administrator: nothing changed\n",
                 program, (*found)->name().c_str(), (*found)->email().c_str());
    setup::PrintResult(AdministratorJson(**found));
    return 0;
  }
  absl::StatusOr<v1::User> user =
      service.BootstrapAdministrator(email, display_name, read_password());
  if (!user.ok()) return StartupFailed(program, user.status());
  std::fprintf(stderr, "%s: created %s (%s), hub administrator of the whole deployment\n", program,
               user->name().c_str(), user->email().c_str());
  setup::PrintResult(AdministratorJson(*user));
  return 0;
}

int RunEnsureServiceAccount(const char* program, IdentityStore& store,
                            const ServiceAccountSpec& spec, const std::string& key_file) {
  if (key_file.empty()) {
    return StartupFailed(program,
                         absl::InvalidArgumentError("ensure-service-account needs --key_file"));
  }
  std::string kept_key;
  if (std::ifstream in(key_file); in) std::getline(in, kept_key);
  absl::StatusOr<ServiceAccountSetup> setup =
      EnsureServiceAccount(store, spec, kept_key, absl::Now());
  if (!setup.ok()) return StartupFailed(program, setup.status());
  if (setup->secret != kept_key) {
    if (absl::Status written = WriteKeyFile(key_file, setup->secret); !written.ok())
      return StartupFailed(program, written);
    setup->changes.push_back(absl::StrCat("wrote the key to ", key_file, " (mode 0600)"));
  } else if (struct stat st; ::stat(key_file.c_str(), &st) == 0 && (st.st_mode & 0777) != 0600 &&
                             ::chmod(key_file.c_str(), 0600) != 0) {
    // A key kept on a read-only mount (a Kubernetes Secret) keeps the mode it was given.
    std::fprintf(stderr, "%s: warning: cannot make %s mode 0600: %s\n", program, key_file.c_str(),
                 std::strerror(errno));
  }
  if (setup->changes.empty()) setup->changes.push_back("found everything: nothing changed");
  for (const std::string& change : setup->changes)
    std::fprintf(stderr, "%s: %s\n", program, change.c_str());
  setup::PrintResult(setup->ToJson(spec));
  return 0;
}

}  // namespace sixsteps::identity
