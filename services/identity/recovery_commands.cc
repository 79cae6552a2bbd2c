#include "services/identity/recovery_commands.h"

#include <cstdio>
#include <set>

#include "absl/strings/str_cat.h"
#include "services/base/status_macros.h"
#include "services/common/server.h"
#include "services/common/setup_commands.h"

namespace sixsteps::identity {

absl::StatusOr<ResealCount> ResealSigningKeys(IdentityStore& store, const KeySealer& from,
                                              const KeySealer& to) {
  ResealCount count;
  std::set<std::string> keys;  // a retried transaction sees the same keys again
  SIXSTEPS_ASSIGN_OR_RETURN(
      count.resealed,
      store.ResealSigningKeys(
          [&](const SigningKey& key) -> absl::StatusOr<std::optional<std::string>> {
            keys.insert(key.key_id);
            if (to.Open(key.private_key_sealed).ok()) return std::nullopt;
            absl::StatusOr<std::string> opened = from.Open(key.private_key_sealed);
            if (!opened.ok()) {
              return absl::DataLossError(
                  absl::StrCat("signing key ", key.key_id,
                               " opens with neither the old nor the new key-encryption secret"));
            }
            return to.Seal(*opened);
          },
          {"operator (sixsteps-identity reseal-keys)", "signing_key.reseal", "", "", "{}"}));
  count.keys = static_cast<int>(keys.size());
  return count;
}

int RunResetPassword(const char* program, IdentityServiceImpl& service, const std::string& email,
                     const std::function<std::string()>& read_password) {
  if (email.empty()) {
    return StartupFailed(program, absl::InvalidArgumentError("reset-password needs --email"));
  }
  absl::StatusOr<v1::User> user = service.ResetPasswordByOperator(email, read_password());
  if (!user.ok()) return StartupFailed(program, user.status());
  std::fprintf(stderr,
               "%s: set the password of %s (%s), ended their sessions and cleared their sign-in "
               "backoff\n",
               program, user->name().c_str(), user->email().c_str());
  setup::PrintResult({{"user", user->name()}, {"email", user->email()}});
  return 0;
}

int RunResealKeys(const char* program, IdentityStore& store, const std::string& old_secret,
                  const KeySealer& to) {
  absl::StatusOr<KeySealer> from = KeySealer::FromSecret(old_secret);
  if (!from.ok()) {
    return StartupFailed(
        program, absl::InvalidArgumentError(absl::StrCat("reseal-keys needs the old secret "
                                                         "(--old_key_encryption_secret or "
                                                         "SIXSTEPS_OLD_KEY_ENCRYPTION_SECRET): ",
                                                         from.status().message())));
  }
  absl::StatusOr<ResealCount> count = ResealSigningKeys(store, *from, to);
  if (!count.ok()) return StartupFailed(program, count.status());
  std::fprintf(stderr, "%s: resealed %d of %d signing keys with the new secret%s\n", program,
               count->resealed, count->keys, count->resealed == 0 ? ": nothing changed" : "");
  setup::PrintResult({{"signing_keys", count->keys}, {"sealed_with", "the new secret"}});
  return 0;
}

}  // namespace sixsteps::identity
