// identity's setup steps as code the program and the tests share:
//   sixsteps-identity bootstrap --email E   finds or creates the first administrator
//   sixsteps-identity ensure-service-account --account_name N --role R --key_file PATH
// makes sure a deployment-wide service account named N exists, is bound to role R on '*',
// and has a working API key in PATH (mode 0600); a second run finds all three and changes
// nothing. scripts/hub, the compose job and the Kubernetes job run it for the reporting
// service's account; tests/support/test_hub calls EnsureServiceAccount directly.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"
#include "services/common/auth.h"
#include "services/identity/identity_service.h"
#include "services/identity/store.h"

namespace sixsteps::identity {

struct ServiceAccountSpec {
  std::string display_name;
  auth::Role role = auth::Role::ROLE_VIEWER;
  std::string key_display_name;
  absl::Duration key_lifetime = absl::Hours(24 * 365);
};

struct ServiceAccountSetup {
  std::string service_account;  // serviceAccounts/sa-…
  std::string api_key;          // serviceAccounts/sa-…/apiKeys/k-…
  absl::Time key_expire_time;
  // "ssk.k-….secret": the key file's contents. Never printed.
  std::string secret;
  // What this run created (empty when it found everything).
  std::vector<std::string> changes;

  // What the subcommand prints: the same for every run that finds what an earlier run made.
  nlohmann::json ToJson(const ServiceAccountSpec& spec) const;
};

// The deployment-wide (owner '*') account named `display_name`: the oldest if there are
// several; nullopt if none.
std::optional<v1::ServiceAccount> FindDeploymentServiceAccount(
    const std::vector<v1::ServiceAccount>& accounts, const std::string& display_name);

// Whether `bindings` hold `role` on '*'.
bool HasDeploymentBinding(const std::vector<BindingScope>& bindings, auth::Role role);

// An API key's text split: "ssk.{key id}.{secret}".
struct ApiKeySecret {
  std::string key_id;
  std::string secret;
};
std::optional<ApiKeySecret> ParseApiKeySecret(const std::string& text);

// OK when the key in the file may be kept: it is `stored`, of `account_id`, not revoked, not
// expired at `now`, and its secret matches. FAILED_PRECONDITION saying why not otherwise.
absl::Status CheckKeptKey(const ApiKeySecret& key, const StoredApiKey& stored,
                          const std::string& account_id, absl::Time now);

// Finds or creates the account, its binding and a key. `kept_key` is the key file's current
// contents (empty if none): kept when CheckKeptKey allows, replaced by a new key otherwise.
absl::StatusOr<ServiceAccountSetup> EnsureServiceAccount(IdentityStore& store,
                                                         const ServiceAccountSpec& spec,
                                                         const std::string& kept_key,
                                                         absl::Time now);

// The deployment administrator (a hub administrator on '*') with this email, if there is one:
// what a second `bootstrap` finds instead of failing.
absl::StatusOr<std::optional<v1::User>> FindDeploymentAdministrator(IdentityStore& store,
                                                                    const std::string& email);

// What `bootstrap` prints: {"administrator", "email"}.
nlohmann::json AdministratorJson(const v1::User& user);

// The bootstrap subcommand: finds the administrator `email`, or creates them with the password
// `read_password` returns (service.BootstrapAdministrator); prints AdministratorJson. Returns
// the exit status (1 with "a deployment administrator already exists" if another one does).
int RunBootstrap(const char* program, IdentityStore& store, IdentityServiceImpl& service,
                 const std::string& email, const std::string& display_name,
                 const std::function<std::string()>& read_password);

// The subcommand: reads `key_file`, runs EnsureServiceAccount, writes a new key to the file
// (0600, replaced atomically), prints the JSON. Returns the exit status.
int RunEnsureServiceAccount(const char* program, IdentityStore& store,
                            const ServiceAccountSpec& spec, const std::string& key_file);

}  // namespace sixsteps::identity
