// The follower's weekly digest (digest, H1): on the leader, after the calendar rules.
#include "absl/strings/str_cat.h"
#include "services/base/status_macros.h"
#include "services/common/log.h"
#include "services/notification/follower.h"

namespace sixsteps::notification {

std::string UnsubscribeLink(const DigestOptions& options, const std::string& principal,
                            absl::Time now) {
  if (options.unsubscribe_url.empty() || options.secret == nullptr) return "";
  // The token is base64url with '.' separators: nothing in it needs escaping in a query.
  return absl::StrCat(options.unsubscribe_url, "?token=",
                      options.secret->UnsubscribeToken(principal, now + options.link_lifetime));
}

absl::Status Follower::RunDigests() {
  if (!digests_) return absl::OkStatus();
  const absl::Time now = clock_->Now();
  const absl::CivilDay slot = LatestDigestSlot(now, zone_, digests_->schedule);
  SIXSTEPS_ASSIGN_OR_RETURN(std::optional<absl::CivilDay> latest, store_->LatestDigestWeek());
  if (!latest) return store_->KeepDigestWeek(slot, {}).status();
  if (*latest >= slot) return absl::OkStatus();

  SIXSTEPS_ASSIGN_OR_RETURN(DigestInputs inputs, store_->OpenForDigest());
  std::map<std::string, PartnershipPeople> people;
  std::set<std::string> switched_off;
  for (const std::string& partnership : inputs.Partnerships()) {
    absl::StatusOr<PartnershipPeople> one = people_->ForPartnership(partnership, {});
    if (absl::IsNotFound(one.status())) continue;  // gone from identity: nobody to tell
    SIXSTEPS_RETURN_IF_ERROR(one.status());
    people[partnership] = std::move(*one);
    SIXSTEPS_ASSIGN_OR_RETURN(NotificationStore::Switches switches,
                              store_->RuleSwitches(partnership));
    auto digest = switches.enabled.find(std::string(kDigestRule));
    if (digest != switches.enabled.end() && !digest->second) switched_off.insert(partnership);
  }
  std::vector<NewDelivery> deliveries;
  for (const PersonDigest& digest :
       DigestsFor(inputs, people, switched_off, absl::ToCivilDay(now, zone_))) {
    const std::string link = UnsubscribeLink(*digests_, digest.person.principal, now);
    Notice notice = DigestNotice(digest, slot, link);
    SIXSTEPS_ASSIGN_OR_RETURN(Composed composed, templates_->Compose(notice));
    if (!link.empty()) composed.list_unsubscribe = absl::StrCat("<", link, ">");
    deliveries.push_back({std::move(notice), std::move(composed), options_.new_state});
  }
  SIXSTEPS_ASSIGN_OR_RETURN(int kept, store_->KeepDigestWeek(slot, deliveries));
  LogEvent("weekly_digests", {{"week", absl::FormatCivilTime(slot)}, {"kept", kept}});
  return absl::OkStatus();
}

}  // namespace sixsteps::notification
