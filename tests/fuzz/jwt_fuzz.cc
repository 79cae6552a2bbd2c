// Access tokens (services/common/jwt.h, auth.h): every call's "authorization: Bearer" header
// and the HTTP endpoint's. The first byte picks what the rest is:
//  - 0 (mod 3): a token as a client sends it, through VerifySignature and
//    TokenVerifier::Verify;
//  - 1: the claims of a token (JSON), signed with the fixed key and then verified, so that
//    the claims' parsing (roles, grants, times) is reached, which a forged signature never
//    does;
//  - 2: a JSON object whose members replace those of a valid administrator's claims, so
//    that one odd claim ("exp", a grant) is tried with all the others right.
// Either way the answer is a caller or UNAUTHENTICATED, never a crash or another status.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "services/common/auth.h"
#include "services/common/jwt.h"
#include "tests/fuzz/fuzz_keys.h"

namespace {

void ExpectUnauthenticatedIfRefused(const absl::Status& status, const char* what) {
  if (status.ok() || status.code() == absl::StatusCode::kUnauthenticated) return;
  std::fprintf(stderr, "%s: %s\n", what, status.ToString().c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sixsteps;
  if (size == 0) return 0;
  std::string rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::string token;
  if (data[0] % 3 == 0) {
    token = rest;
  } else {
    nlohmann::json claims = nlohmann::json::parse(rest, nullptr, /*allow_exceptions=*/false);
    if (claims.is_discarded()) return 0;
    if (data[0] % 3 == 2) {
      if (!claims.is_object()) return 0;
      auth::Caller admin;
      admin.principal = "users/fuzz";
      admin.grants.push_back({auth::Role::ROLE_HUB_ADMINISTRATOR, "*", "", ""});
      nlohmann::json valid =
          auth::ClaimsFor(admin, absl::FromUnixSeconds(1780000000), absl::Minutes(10), "fuzz");
      valid.update(claims);
      claims = std::move(valid);
    }
    absl::StatusOr<std::string> signed_token =
        jwt::Sign(claims, fuzz::kKeyId, fuzz::FixedKeyPair().private_key);
    if (!signed_token.ok()) std::abort();
    token = *signed_token;
  }
  auto keys = std::make_shared<fuzz::FixedKeySource>();
  ExpectUnauthenticatedIfRefused(
      jwt::VerifySignature(token, [&](absl::string_view id) { return keys->Find(id); }).status(),
      "VerifySignature");
  // A verifier per input: its cache would otherwise grow over the run.
  auth::TokenVerifier verifier(keys);
  const absl::Time now = absl::FromUnixSeconds(1780000000);  // 2026-05-28
  ExpectUnauthenticatedIfRefused(verifier.Verify(token, now).status(), "TokenVerifier::Verify");
  return 0;
}
