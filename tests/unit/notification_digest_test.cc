// The weekly digest (digest, H1): its slot across a week boundary and both daylight-saving
// changes in Europe/London, who gets what (nobody with nothing open), the templates' text
// and HTML (escaped), the unsubscribe token (forged, altered, expired, another purpose),
// the sealed webhook secrets, and the preferences' own-person rule.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "services/notification/digest.h"
#include "services/notification/notification_service.h"
#include "services/notification/service_secret.h"
#include "services/notification/smtp.h"
#include "services/notification/templates.h"
#include "tests/support/status_matchers.h"
#include "tests/unit/notification_people.h"

namespace sixsteps::notification {
namespace {

using auth::Role;
using ::sixsteps::testing::IsOk;
using ::sixsteps::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

absl::TimeZone London() {
  absl::TimeZone zone;
  EXPECT_TRUE(absl::LoadTimeZone("Europe/London", &zone));
  return zone;
}

absl::Time Utc(int y, int m, int d, int hh, int mm) {
  return absl::FromCivil(absl::CivilMinute(y, m, d, hh, mm), absl::UTCTimeZone());
}

// The slot each moment (UTC) falls in, for one schedule.
struct SlotAt {
  absl::Time now;
  absl::CivilDay slot;
};
void ExpectSlots(const DigestSchedule& schedule, const std::vector<SlotAt>& table) {
  for (const SlotAt& row : table) {
    EXPECT_EQ(LatestDigestSlot(row.now, London(), schedule), row.slot)
        << absl::FormatTime(row.now, absl::UTCTimeZone());
  }
}

TEST(DigestSlotTest, TheWeekTurnsAtTheConfiguredWeekdayAndHour) {
  ExpectSlots({absl::Weekday::monday, 8},
              {// Monday 7 December 2026, GMT: before 08:00 the week due is the previous one.
               {Utc(2026, 12, 7, 7, 59), absl::CivilDay(2026, 11, 30)},
               {Utc(2026, 12, 7, 8, 0), absl::CivilDay(2026, 12, 7)},
               // The whole week after, up to the next Monday 07:59, is the same week.
               {Utc(2026, 12, 13, 23, 59), absl::CivilDay(2026, 12, 7)},
               {Utc(2026, 12, 14, 7, 59), absl::CivilDay(2026, 12, 7)},
               {Utc(2026, 12, 14, 8, 0), absl::CivilDay(2026, 12, 14)}});
}

TEST(DigestSlotTest, TheHourIsLocalTimeAcrossSummerTime) {
  ExpectSlots({absl::Weekday::monday, 8},
              {// Monday 29 March 2027 is BST (UTC+1): 08:00 local is 07:00 UTC.
               {Utc(2027, 3, 29, 6, 59), absl::CivilDay(2027, 3, 22)},
               {Utc(2027, 3, 29, 7, 0), absl::CivilDay(2027, 3, 29)}});
}

TEST(DigestSlotTest, AnHourTheClocksSkipOrRepeatGivesOneSlot) {
  ExpectSlots({absl::Weekday::sunday, 1},
              {// Sunday 28 March 2027: 01:00 GMT becomes 02:00 BST, 01:xx never happens
               // locally; the slot is the same instant an hour on (01:00 UTC).
               {Utc(2027, 3, 28, 0, 59), absl::CivilDay(2027, 3, 21)},
               {Utc(2027, 3, 28, 1, 0), absl::CivilDay(2027, 3, 28)},
               // Sunday 31 October 2027: 02:00 BST becomes 01:00 GMT, 01:xx happens twice;
               // the slot is the first (00:00 UTC), and the second 01:xx is the same week.
               {Utc(2027, 10, 30, 23, 59), absl::CivilDay(2027, 10, 24)},
               {Utc(2027, 10, 31, 0, 0), absl::CivilDay(2027, 10, 31)},
               {Utc(2027, 10, 31, 1, 30), absl::CivilDay(2027, 10, 31)}});
}

TEST(DigestSlotTest, WeekdaysAndUrlsAreChecked) {
  EXPECT_EQ(ParseWeekday("Friday"), absl::Weekday::friday);
  EXPECT_EQ(ParseWeekday("fri"), std::nullopt);
  EXPECT_THAT(ValidateUnsubscribeUrl(""), IsOk());
  EXPECT_THAT(ValidateUnsubscribeUrl("https://hub.example.org/unsubscribe"), IsOk());
  for (const char* bad : {"http://hub.example.org/u", "https://", "https://h.example.org/u?x=1",
                          "https://h.example.org/u>, <mailto:x@y.z", "https://h.example.org/u#f"}) {
    EXPECT_THAT(ValidateUnsubscribeUrl(bad), StatusIs(absl::StatusCode::kInvalidArgument)) << bad;
  }
}

constexpr char kPolice[] = "partnerships/p/organisations/police";

PartnershipPeople People() {
  return PeopleOfP("P & Partners", {{"pol1", Role::ROLE_PARTNER_RESPONDENT, kPolice},
                                    {"own1", Role::ROLE_ACTION_OWNER, kPolice},
                                    {"adm1", Role::ROLE_PARTNERSHIP_ADMINISTRATOR}});
}

DigestInputs Open() {
  DigestInputs in;
  in.rounds.push_back(
      {"a1", "p", "Round <one>", {"r1", kPolice, ""}, absl::CivilDay(2026, 12, 12), 10, 3});
  // Answered in full: not open.
  in.rounds.push_back({"a2", "p", "Done round", {"r2", kPolice, ""}, std::nullopt, 2, 2});
  in.challenges.push_back({"c1", "a1", "p", "Round <one>", "s1.q1", {"r1", kPolice, ""}});
  in.reports.push_back({"a0", "p", "Old round", 2, {kPolice}});
  in.actions.push_back({"x1", "p", "Fix the <thing>", kPolice, absl::CivilDay(2026, 12, 1)});
  return in;
}

TEST(DigestsForTest, EachPersonGetsWhatIsOpenForThemAndNobodyElseGetsOne) {
  std::map<std::string, PartnershipPeople> people{{"p", People()}};
  std::vector<PersonDigest> digests = DigestsFor(Open(), people, {}, absl::CivilDay(2026, 12, 7));
  ASSERT_EQ(digests.size(), 2u);  // the administrator has nothing open
  EXPECT_EQ(digests[0].person.principal, "users/own1");
  EXPECT_THAT(digests[0].sections[3],
              ElementsAre("police of P & Partners: Fix the <thing> — OVERDUE, was due 2026-12-01 "
                          "(6 days ago)"));
  EXPECT_EQ(digests[1].person.principal, "users/pol1");
  EXPECT_EQ(digests[1].Count(), 3);
  EXPECT_THAT(digests[1].sections[0],
              ElementsAre("\"Round <one>\" of P & Partners: answers due by 2026-12-12 (in 5 "
                          "days); 3 of 10 questions answered"));
  EXPECT_THAT(digests[1].sections[1],
              ElementsAre("question s1.q1 in \"Round <one>\" of P & Partners"));
  EXPECT_THAT(digests[1].sections[2],
              ElementsAre("version 2 of the report on \"Old round\" of P & Partners"));
}

TEST(DigestsForTest, APartnershipThatSwitchedTheDigestOffOrIsUnknownIsLeftOut) {
  std::map<std::string, PartnershipPeople> people{{"p", People()}};
  EXPECT_THAT(DigestsFor(Open(), people, {"p"}, absl::CivilDay(2026, 12, 7)), IsEmpty());
  EXPECT_THAT(DigestsFor(Open(), {}, {}, absl::CivilDay(2026, 12, 7)), IsEmpty());
}

TEST(DigestNoticeTest, TheTemplatesWordItTextAndEscapedHtmlKeyedByPersonAndWeek) {
  std::map<std::string, PartnershipPeople> people{{"p", People()}};
  std::vector<PersonDigest> digests = DigestsFor(Open(), people, {}, absl::CivilDay(2026, 12, 7));
  ASSERT_EQ(digests.size(), 2u);
  Notice notice =
      DigestNotice(digests[1], absl::CivilDay(2026, 12, 7), "https://hub.example.org/u?token=t");
  EXPECT_EQ(notice.IdempotencyKey(), "weekly_digest|users/pol1|2026-12-07|users/pol1");
  absl::StatusOr<TemplateSet> templates = TemplateSet::Load("");
  ASSERT_THAT(templates, IsOk());
  absl::StatusOr<Composed> composed = templates->Compose(notice);
  ASSERT_THAT(composed, IsOk());
  EXPECT_EQ(composed->subject, "Six Steps: 3 things open for you (week of 2026-12-07)");
  EXPECT_THAT(composed->text, HasSubstr("Rounds waiting for your answers:\n  - \"Round <one>\""));
  EXPECT_THAT(composed->text, HasSubstr("To stop this weekly digest: https://hub.example.org/u"));
  EXPECT_THAT(composed->html, HasSubstr("<li>&quot;Round &lt;one&gt;&quot; of P &amp; Partners"));
  EXPECT_THAT(composed->html, Not(HasSubstr("<one>")));
  // Without a link, the CLI says how.
  Notice no_link = DigestNotice(digests[1], absl::CivilDay(2026, 12, 7), "");
  EXPECT_THAT(templates->Compose(no_link)->text,
              HasSubstr("sixsteps notifications preferences set --weekly-digest=false"));
}

TEST(DigestMailTest, ADigestCarriesTheOneClickUnsubscribeHeaders) {
  nv1::OutboxMessage m;
  m.set_name("outboxMessages/7");
  m.set_recipient_email("pol1@example.org");
  m.set_subject("Six Steps");
  m.set_rule("weekly_digest");
  m.set_idempotency_key("weekly_digest|users/pol1|2026-12-07|users/pol1");
  m.set_list_unsubscribe("<https://hub.example.org/unsubscribe?token=v1.a.b>");
  const std::string mail = BuildMimeMessage("hub@example.org", m, absl::UnixEpoch(), "b");
  EXPECT_THAT(mail, HasSubstr("\r\nList-Unsubscribe: <https://hub.example.org/unsubscribe?token="
                              "v1.a.b>\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"));
  m.clear_list_unsubscribe();
  EXPECT_THAT(BuildMimeMessage("hub@example.org", m, absl::UnixEpoch(), "b"),
              Not(HasSubstr("List-Unsubscribe")));
}

TEST(UnsubscribeTokenTest, OnlyThisServicesUnexpiredDigestTokenNamesItsPerson) {
  absl::StatusOr<ServiceSecret> secret = ServiceSecret::FromSecret("a-secret-of-the-service");
  absl::StatusOr<ServiceSecret> other = ServiceSecret::FromSecret("another-services-secret");
  ASSERT_THAT(secret, IsOk());
  ASSERT_THAT(other, IsOk());
  const absl::Time now = Utc(2026, 12, 7, 8, 0);
  const std::string token = secret->UnsubscribeToken("users/pol1", now + absl::Hours(1));
  EXPECT_LE(token.size(), kMaxUnsubscribeTokenLength);
  EXPECT_EQ(*secret->VerifyUnsubscribeToken(token, now), "users/pol1");
  // Forged: signed with another secret.
  EXPECT_THAT(secret->VerifyUnsubscribeToken(
                  other->UnsubscribeToken("users/pol1", now + absl::Hours(1)), now),
              StatusIs(absl::StatusCode::kUnauthenticated));
  // Altered: another person's name under pol1's signature.
  const std::string mac = token.substr(token.rfind('.'));
  std::string payload =
      absl::StrCat("digest-unsubscribe\nusers/adm1\n", absl::ToUnixSeconds(now + absl::Hours(1)));
  std::string altered = absl::StrCat("v1.", absl::WebSafeBase64Escape(payload), mac);
  EXPECT_THAT(secret->VerifyUnsubscribeToken(altered, now),
              StatusIs(absl::StatusCode::kUnauthenticated));
  // Expired.
  EXPECT_THAT(secret->VerifyUnsubscribeToken(token, now + absl::Hours(1)),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  // Malformed, empty, too long.
  for (const std::string& bad :
       {std::string(""), std::string("v2.a.b"), std::string("v1.!!.b"), std::string(600, 'a')}) {
    EXPECT_THAT(secret->VerifyUnsubscribeToken(bad, now),
                StatusIs(absl::StatusCode::kInvalidArgument))
        << bad;
  }
  EXPECT_THAT(ServiceSecret::FromSecret("short"), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(ServiceSecretTest, SealedSecretsOpenOnlyWithTheSameSecret) {
  absl::StatusOr<ServiceSecret> secret = ServiceSecret::FromSecret("a-secret-of-the-service");
  absl::StatusOr<ServiceSecret> other = ServiceSecret::FromSecret("another-services-secret");
  const std::string sealed = secret->Seal("whsec_abc");
  EXPECT_THAT(sealed, Not(HasSubstr("whsec_abc")));
  EXPECT_EQ(*secret->Open(sealed), "whsec_abc");
  EXPECT_NE(secret->Seal("whsec_abc"), sealed);  // a fresh nonce each time
  EXPECT_THAT(other->Open(sealed), StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(secret->Open("short"), StatusIs(absl::StatusCode::kDataLoss));
}

TEST(PreferencesTest, OnlyTheCallersOwnAreNamed) {
  auth::Caller person;
  person.principal = "users/usr1";
  EXPECT_EQ(*OwnPreferencesPrincipal(person, "users/me/notificationPreferences"), "users/usr1");
  EXPECT_EQ(*OwnPreferencesPrincipal(person, "users/usr1/notificationPreferences"), "users/usr1");
  EXPECT_THAT(OwnPreferencesPrincipal(person, "users/usr2/notificationPreferences"),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(OwnPreferencesPrincipal(person, "users/usr1"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(OwnPreferencesPrincipal(person, std::string(300, 'u')),
              StatusIs(absl::StatusCode::kInvalidArgument));
  auth::Caller account;
  account.principal = "serviceAccounts/s1";
  account.service_account = true;
  EXPECT_THAT(OwnPreferencesPrincipal(account, "users/me/notificationPreferences"),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(ParsePreferencesMask("weekly_digest"), IsOk());
  EXPECT_THAT(ParsePreferencesMask(""), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParsePreferencesMask("weekly_digest,email"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace sixsteps::notification
