// identity's break-glass subcommands, for an operator who holds the database and the
// key-encryption secret (docs/operations.md, "A lost administrator password" and "Key
// rotation"):
//   sixsteps-identity reset-password --email E
//       sets the user's password (SIXSTEPS_BOOTSTRAP_PASSWORD, or the first line of standard
//       input), ends their sessions, unlocks the address, audits it. Prints {"user", "email"}.
//   sixsteps-identity reseal-keys
//       seals every stored signing key with the key-encryption secret identity is given now
//       (--key_encryption_secret / SIXSTEPS_KEY_ENCRYPTION_SECRET), opening those still
//       sealed with the old one (--old_key_encryption_secret /
//       SIXSTEPS_OLD_KEY_ENCRYPTION_SECRET). Prints {"signing_keys", "sealed_with"}.
// Both are idempotent: a second run prints the same and leaves the same state.
#pragma once

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "services/identity/identity_service.h"
#include "services/identity/secrets.h"
#include "services/identity/store.h"

namespace sixsteps::identity {

// How many keys there are and how many this run resealed.
struct ResealCount {
  int keys = 0;
  int resealed = 0;
};

// Every stored signing key sealed with `to`: a key `to` opens already is left alone; one
// `from` opens is resealed; one neither opens is DATA_LOSS, and nothing changes. One
// transaction, audited ("signing_key.reseal") when a key changed.
absl::StatusOr<ResealCount> ResealSigningKeys(IdentityStore& store, const KeySealer& from,
                                              const KeySealer& to);

// The subcommands: the exit status (0; 2 for bad input, 1 for another refusal, with the
// reason on standard error).
int RunResetPassword(const char* program, IdentityServiceImpl& service, const std::string& email,
                     const std::function<std::string()>& read_password);
int RunResealKeys(const char* program, IdentityStore& store, const std::string& old_secret,
                  const KeySealer& to);

}  // namespace sixsteps::identity
