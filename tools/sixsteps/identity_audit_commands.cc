// sixsteps audit, key: the audit log and the token signing keys.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "tools/sixsteps/identity_command_parts.h"
#include "tools/sixsteps/identity_format.h"
#include "tools/sixsteps/identity_names.h"

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
  std::vector<iv1::AuditEvent> events;
  SIXSTEPS_RETURN_IF_ERROR(client.ForEachPage(
      &Stub::ListAuditEvents, request, [&](const iv1::ListAuditEventsResponse& page) {
        for (const iv1::AuditEvent& event : page.audit_events()) {
          if (static_cast<int>(events.size()) >= limit) return false;
          events.push_back(event);
        }
        return static_cast<int>(events.size()) < limit;
      }));
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
