#include "tools/sixsteps/identity_format.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "tools/sixsteps/enum_words.h"
#include "tools/sixsteps/identity_names.h"
#include "tools/sixsteps/text_layout.h"

namespace sixsteps::cli {
namespace {

std::string YesNo(bool value) { return value ? "yes" : "no"; }

std::string ApiKeyState(const iv1::ApiKey& key) {
  if (IsSet(key.revoke_time())) return absl::StrCat("revoked ", FormatTime(key.revoke_time()));
  if (IsSet(key.expire_time()) &&
      absl::FromUnixSeconds(key.expire_time().seconds()) <= absl::Now()) {
    return "expired";
  }
  return "active";
}

}  // namespace

std::string FormatTime(const google::protobuf::Timestamp& timestamp) {
  if (timestamp.seconds() == 0 && timestamp.nanos() == 0) return "-";
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::FromUnixSeconds(timestamp.seconds()),
                          absl::UTCTimeZone());
}

std::string FormatRegion(const iv1::Region& region) {
  return Lines({{"Region", region.name()},
                {"Name", region.display_name()},
                {"Created", FormatTime(region.create_time())}});
}

std::string FormatRegionList(const std::vector<iv1::Region>& regions) {
  if (regions.empty()) return "no regions\n";
  std::vector<std::vector<std::string>> rows = {{"REGION", "CREATED", "NAME"}};
  for (const iv1::Region& region : regions) {
    rows.push_back(
        {LastSegment(region.name()), FormatTime(region.create_time()), region.display_name()});
  }
  return Table(rows);
}

std::string FormatPartnership(const iv1::Partnership& partnership) {
  return Lines({{"Partnership", partnership.name()},
                {"Name", partnership.display_name()},
                {"Region", partnership.region()},
                {"Regional comparison opt-out", YesNo(partnership.regional_comparison_opt_out())},
                {"Created", FormatTime(partnership.create_time())},
                {"Etag", partnership.etag()}});
}

std::string FormatPartnershipList(const std::vector<iv1::Partnership>& partnerships) {
  if (partnerships.empty()) return "no partnerships\n";
  std::vector<std::vector<std::string>> rows = {{"PARTNERSHIP", "REGION", "OPT-OUT", "NAME"}};
  for (const iv1::Partnership& p : partnerships) {
    rows.push_back({LastSegment(p.name()), LastSegment(p.region()),
                    YesNo(p.regional_comparison_opt_out()), p.display_name()});
  }
  return Table(rows);
}

std::string FormatOrganisation(const iv1::Organisation& organisation) {
  return Lines({{"Organisation", organisation.name()},
                {"Name", organisation.display_name()},
                {"Kind", WordOf(organisation.kind())},
                {"Core partner", YesNo(organisation.core_partner())},
                {"Created", FormatTime(organisation.create_time())}});
}

std::string FormatOrganisationList(const std::vector<iv1::Organisation>& organisations) {
  if (organisations.empty()) return "no organisations\n";
  std::vector<std::vector<std::string>> rows = {{"ORGANISATION", "KIND", "CORE", "NAME"}};
  for (const iv1::Organisation& o : organisations) {
    rows.push_back(
        {LastSegment(o.name()), WordOf(o.kind()), YesNo(o.core_partner()), o.display_name()});
  }
  return Table(rows);
}

std::string FormatUser(const iv1::User& user) {
  return Lines({{"User", user.name()},
                {"Email", user.email()},
                {"Name", user.display_name()},
                {"Disabled", YesNo(user.disabled())},
                {"Created", FormatTime(user.create_time())}});
}

std::string FormatUserList(const std::vector<iv1::User>& users) {
  if (users.empty()) return "no users\n";
  std::vector<std::vector<std::string>> rows = {{"USER", "EMAIL", "DISABLED", "NAME"}};
  for (const iv1::User& u : users) {
    rows.push_back({u.name(), u.email(), YesNo(u.disabled()), u.display_name()});
  }
  return Table(rows);
}

std::string FormatRoleBinding(const iv1::RoleBinding& binding) {
  std::string out =
      absl::StrCat(binding.name(), ": ", WordOf(binding.role()), " on ",
                   binding.scope() == "*" ? "* (the whole deployment)" : binding.scope(), " for ",
                   binding.principal());
  if (!binding.organisation().empty())
    absl::StrAppend(&out, ", acting for ", binding.organisation());
  return out + "\n";
}

std::string FormatRoleBindingList(const std::vector<iv1::RoleBinding>& bindings) {
  if (bindings.empty()) return "no role bindings\n";
  std::vector<std::vector<std::string>> rows = {
      {"BINDING", "PRINCIPAL", "ROLE", "SCOPE", "ORGANISATION"}};
  for (const iv1::RoleBinding& b : bindings) {
    rows.push_back(
        {b.name(), b.principal(), WordOf(b.role()), b.scope(), OrDash(b.organisation())});
  }
  return Table(rows);
}

std::string FormatServiceAccount(const iv1::ServiceAccount& account) {
  return Lines({{"Service account", account.name()},
                {"Name", account.display_name()},
                {"Owner", account.owner()},
                {"Created", FormatTime(account.create_time())}});
}

std::string FormatServiceAccountList(const std::vector<iv1::ServiceAccount>& accounts) {
  if (accounts.empty()) return "no service accounts\n";
  std::vector<std::vector<std::string>> rows = {{"SERVICE ACCOUNT", "OWNER", "NAME"}};
  for (const iv1::ServiceAccount& a : accounts) {
    rows.push_back({a.name(), a.owner(), a.display_name()});
  }
  return Table(rows);
}

std::string FormatApiKey(const iv1::ApiKey& key) {
  return Lines({{"API key", key.name()},
                {"Name", key.display_name()},
                {"Created", FormatTime(key.create_time())},
                {"Expires", FormatTime(key.expire_time())},
                {"State", ApiKeyState(key)}});
}

std::string FormatApiKeyList(const std::vector<iv1::ApiKey>& keys) {
  if (keys.empty()) return "no API keys\n";
  std::vector<std::vector<std::string>> rows = {{"API KEY", "CREATED", "EXPIRES", "STATE", "NAME"}};
  for (const iv1::ApiKey& k : keys) {
    rows.push_back({k.name(), FormatTime(k.create_time()), FormatTime(k.expire_time()),
                    ApiKeyState(k), k.display_name()});
  }
  return Table(rows);
}

std::string FormatAuditEventList(const std::vector<iv1::AuditEvent>& events) {
  if (events.empty()) return "no audit events\n";
  std::vector<std::vector<std::string>> rows = {
      {"ID", "TIME", "ACTOR", "ACTION", "TARGET", "REGION", "DETAIL"}};
  for (const iv1::AuditEvent& e : events) {
    rows.push_back({absl::StrCat(e.id()), FormatTime(e.time()), OrDash(e.actor()), e.action(),
                    OrDash(e.target()), OrDash(e.region()),
                    e.detail() == "{}" ? "-" : OrDash(e.detail())});
  }
  return Table(rows);
}

std::string FormatPublicKeyList(const std::vector<iv1::PublicKey>& keys) {
  if (keys.empty()) return "no public keys\n";
  std::vector<std::vector<std::string>> rows = {{"KEY ID", "ALGORITHM", "CREATED", "STATE"}};
  for (const iv1::PublicKey& k : keys) {
    rows.push_back({k.key_id(), k.algorithm(), FormatTime(k.create_time()),
                    IsSet(k.rotate_time()) ? absl::StrCat("rotated ", FormatTime(k.rotate_time()))
                                           : "current"});
  }
  return Table(rows);
}

std::string FormatPrincipal(const iv1::GetCurrentPrincipalResponse& principal) {
  std::string out =
      Lines({{"Principal", principal.principal()}, {"Name", principal.display_name()}});
  if (principal.role_bindings().empty()) return out + "Role bindings: none\n";
  out += "Role bindings:\n";
  std::vector<std::vector<std::string>> rows;
  for (const iv1::RoleBinding& b : principal.role_bindings()) {
    std::vector<std::string> row = {WordOf(b.role()),
                                    b.scope() == "*" ? "* (the whole deployment)" : b.scope()};
    if (!b.organisation().empty()) row.push_back(absl::StrCat("for ", b.organisation()));
    rows.push_back(std::move(row));
  }
  return out + Table(rows, "  ");
}

}  // namespace sixsteps::cli
