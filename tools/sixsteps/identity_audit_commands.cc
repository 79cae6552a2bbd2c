// sixsteps audit, key: the audit log and the token signing keys.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "tools/sixsteps/identity_command_parts.h"
#include "tools/sixsteps/identity_format.h"
#include "tools/sixsteps/identity_names.h"
#include "tools/sixsteps/list_up_to.h"

namespace sixsteps::cli::identity_cmd {

absl::Status AuditList(const CheckedArgs& args, IdentityClient& client,
                       const CommandContext& context) {
  iv1::ListAuditEventsRequest request;
  std::optional<std::string> region = args.Optional("region");
  if (region) {
    SIXSTEPS_ASSIGN_OR_RETURN(*request.mutable_region(), ExpandRegionName(*region));
  }
  const int limit = args.Position("limit").value_or(50);
  request.set_page_size(std::min(limit, 100));
  SIXSTEPS_ASSIGN_OR_RETURN(std::vector<iv1::AuditEvent> events,
                            ListUpTo(client, &Stub::ListAuditEvents, request,
                                     &iv1::ListAuditEventsResponse::audit_events, limit));
  return PrintMessage(Collect(events, &iv1::ListAuditEventsResponse::mutable_audit_events),
                      FormatAuditEventList(events), context);
}

absl::Status KeyList(const CheckedArgs& args, IdentityClient& client,
                     const CommandContext& context) {
  SIXSTEPS_ASSIGN_OR_RETURN(iv1::ListPublicKeysResponse response,
                            client.Call(&Stub::ListPublicKeys, iv1::ListPublicKeysRequest()));
  std::vector<iv1::PublicKey> keys(response.keys().begin(), response.keys().end());
  return PrintMessage(response, FormatPublicKeyList(keys), context);
}

absl::Status KeyRotate(const CheckedArgs& args, IdentityClient& client,
                       const CommandContext& context) {
  SIXSTEPS_ASSIGN_OR_RETURN(iv1::RotateSigningKeyResponse response,
                            client.Call(&Stub::RotateSigningKey, iv1::RotateSigningKeyRequest()));
  return PrintMessage(response,
                      absl::StrCat("New signing key ", response.key().key_id(),
                                   " is current. Tokens signed with the old key stay valid until "
                                   "they expire.\n"),
                      context);
}

}  // namespace sixsteps::cli::identity_cmd
