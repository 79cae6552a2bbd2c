// IdentityService's signing keys and audit log: ListPublicKeys and ListTokenRevocations (open:
// every service's verifier reads them), RotateSigningKey and ListAuditEvents; and the first
// key installed at start-up.
#include "services/identity/identity_service.h"

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "services/base/clock.h"
#include "services/base/status_macros.h"
#include "services/common/grpc_reply.h"
#include "services/common/ids.h"
#include "services/common/jwt.h"
#include "services/identity/identity_service_internal.h"
#include "services/identity/page_sizes.h"

namespace sixsteps::identity {
namespace {

// At most this many revocations are published at once (a few MB); more is refused
// (RESOURCE_EXHAUSTED) rather than published in part.
constexpr int kMaxPublishedRevocations = 50000;

}  // namespace

absl::StatusOr<v1::PublicKey> IdentityServiceImpl::NewSigningKey(const std::string& actor,
                                                                 bool only_if_none) {
  SIXSTEPS_ASSIGN_OR_RETURN(jwt::KeyPair pair, jwt::GenerateEd25519KeyPair());
  SigningKey key;
  key.key_id = RandomId("key");
  key.public_key = pair.public_key;
  key.private_key_sealed = sealer_.Seal(pair.private_key);
  SIXSTEPS_RETURN_IF_ERROR(store_->InstallSigningKey(
      key, only_if_none, {actor, "signing_key.rotate", key.key_id, "", "{}"}));
  v1::PublicKey published;
  published.set_key_id(key.key_id);
  published.set_algorithm("EdDSA");
  published.set_public_key(key.public_key);
  return published;
}

absl::Status IdentityServiceImpl::EnsureSigningKey() {
  SIXSTEPS_RETURN_IF_ERROR(NewSigningKey("identity", /*only_if_none=*/true).status());
  // The current key must open with this deployment's secret, or no token can be signed.
  SIXSTEPS_ASSIGN_OR_RETURN(SigningKey current, store_->CurrentSigningKey());
  return sealer_.Open(current.private_key_sealed).status();
}

grpc::Status IdentityServiceImpl::ListPublicKeys(grpc::ServerContext*,
                                                 const v1::ListPublicKeysRequest* request,
                                                 v1::ListPublicKeysResponse* response) {
  if (grpc::Status bad = CheckRequest(*request); !bad.ok()) return bad;
  return Reply(DoListPublicKeys(), response);
}

absl::StatusOr<v1::ListPublicKeysResponse> IdentityServiceImpl::DoListPublicKeys() {
  absl::Time since = absl::Now() - options_.access_token_ttl - kKeyPublicationLeeway;
  SIXSTEPS_ASSIGN_OR_RETURN(std::vector<SigningKey> keys, store_->PublishedSigningKeys(since));
  v1::ListPublicKeysResponse response;
  nlohmann::json jwks = {{"keys", nlohmann::json::array()}};
  for (const SigningKey& key : keys) {
    v1::PublicKey* published = response.add_keys();
    published->set_key_id(key.key_id);
    published->set_algorithm("EdDSA");
    published->set_public_key(key.public_key);
    *published->mutable_create_time() = ToTimestamp(key.create_time);
    if (key.rotate_time) *published->mutable_rotate_time() = ToTimestamp(*key.rotate_time);
    jwks["keys"].push_back({{"kty", "OKP"},
                            {"crv", "Ed25519"},
                            {"alg", "EdDSA"},
                            {"use", "sig"},
                            {"kid", key.key_id},
                            {"x", absl::WebSafeBase64Escape(key.public_key)}});
  }
  response.set_jwks_json(jwks.dump());
  return response;
}

grpc::Status IdentityServiceImpl::ListTokenRevocations(
    grpc::ServerContext*, const v1::ListTokenRevocationsRequest* request,
    v1::ListTokenRevocationsResponse* response) {
  if (grpc::Status bad = CheckRequest(*request); !bad.ok()) return bad;
  return Reply(DoListTokenRevocations(), response);
}

absl::StatusOr<v1::ListTokenRevocationsResponse> IdentityServiceImpl::DoListTokenRevocations() {
  SIXSTEPS_ASSIGN_OR_RETURN(StoredRevocations stored,
                            store_->ListTokenRevocations(absl::Now(), kMaxPublishedRevocations));
  v1::ListTokenRevocationsResponse response;
  for (const auto& [principal, not_before] : stored.principals) {
    v1::PrincipalRevocation* revoked = response.add_principals();
    revoked->set_principal_sha256(auth::RevokedPrincipalDigest(principal));
    *revoked->mutable_not_before() = ToTimestamp(not_before);
  }
  for (const std::string& api_key : stored.api_keys) {
    response.add_api_key_sha256(auth::RevokedApiKeyDigest(api_key));
  }
  return response;
}

SIXSTEPS_RPC(IdentityServiceImpl, RotateSigningKey, v1::RotateSigningKeyRequest,
             v1::RotateSigningKeyResponse)

absl::StatusOr<v1::RotateSigningKeyResponse> IdentityServiceImpl::DoRotateSigningKey(
    const Caller& caller, const v1::RotateSigningKeyRequest&) {
  if (!caller.IsDeploymentAdmin()) {
    return absl::PermissionDeniedError("only deployment administrators rotate the signing key");
  }
  SIXSTEPS_ASSIGN_OR_RETURN(v1::PublicKey key, NewSigningKey(caller.principal, false));
  v1::RotateSigningKeyResponse rotated;
  *rotated.mutable_key() = key;
  return rotated;
}

SIXSTEPS_RPC(IdentityServiceImpl, ListAuditEvents, v1::ListAuditEventsRequest,
             v1::ListAuditEventsResponse)

absl::StatusOr<v1::ListAuditEventsResponse> IdentityServiceImpl::DoListAuditEvents(
    const Caller& caller, const v1::ListAuditEventsRequest& r) {
  Visibility visible;
  visible.everything = caller.IsDeploymentAdmin();
  for (const auth::Grant& grant : caller.grants) {
    if (grant.role == Role::ROLE_HUB_ADMINISTRATOR) visible.regions.push_back(grant.region);
  }
  if (!visible.everything && visible.regions.empty()) {
    return absl::PermissionDeniedError("only hub administrators read the audit log");
  }
  std::string region;
  if (!r.region().empty()) {
    SIXSTEPS_ASSIGN_OR_RETURN(region, ParseRegionName(r.region(), "region"));
  }
  SIXSTEPS_ASSIGN_OR_RETURN(int page_size, NormalisePageSize(r.page_size(), kListAuditEventsPage));
  std::string query = absl::StrCat("audit:", region);
  SIXSTEPS_ASSIGN_OR_RETURN(std::string before, DecodePageToken(r.page_token(), query));
  int64_t before_id = 0;
  if (!before.empty() && !absl::SimpleAtoi(before, &before_id)) {
    return absl::InvalidArgumentError("page_token is not a token this service issued");
  }
  SIXSTEPS_ASSIGN_OR_RETURN(std::vector<v1::AuditEvent> events,
                            store_->ListAuditEvents(visible, region, before_id, page_size + 1));
  v1::ListAuditEventsResponse response;
  response.set_next_page_token(NextPageToken(
      events, page_size, query, [](const v1::AuditEvent& x) { return absl::StrCat(x.id()); }));
  for (auto& event : events) *response.add_audit_events() = std::move(event);
  return response;
}

}  // namespace sixsteps::identity
