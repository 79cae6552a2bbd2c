// Identity's public keys as a test sets them: a PublicKeySource over a map of key id to PEM
// that can be made unavailable (identity down), for the token verifiers under test.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/common/auth.h"

namespace sixsteps::testing {

class FakeKeys final : public auth::PublicKeySource {
 public:
  absl::StatusOr<std::string> Find(absl::string_view key_id) override {
    if (unavailable) return absl::UnavailableError("identity is down");
    auto it = keys.find(key_id);
    if (it == keys.end()) return absl::NotFoundError("unknown key");
    return it->second;
  }
  absl::flat_hash_map<std::string, std::string> keys;
  std::atomic<bool> unavailable{false};
};

// A verifier that trusts `public_key` as "key-1", through `*keys` (made here, for the test to
// change).
inline std::unique_ptr<auth::TokenVerifier> VerifierTrusting(const std::string& public_key,
                                                             std::shared_ptr<FakeKeys>* keys) {
  *keys = std::make_shared<FakeKeys>();
  (*keys)->keys["key-1"] = public_key;
  return std::make_unique<auth::TokenVerifier>(*keys);
}

}  // namespace sixsteps::testing
