// Identity's rules without a database: names, inputs, the shape of role bindings, who may
// manage them, sign-in backoff, the password-hashing gate, secrets, the caller's permission helpers
// and the verification of access tokens.
#include <openssl/evp.h>

#include <atomic>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/cord.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "services/common/auth.h"
#include "services/common/ids.h"
#include "services/common/jwt.h"
#include "services/common/validation.h"
#include "services/identity/domain.h"
#include "services/identity/secrets.h"
#include "tests/support/status_matchers.h"

namespace sixsteps::identity {
namespace {

using ::sixsteps::testing::IsOk;
using ::sixsteps::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::UnorderedElementsAre;
using Code = absl::StatusCode;
using auth::Grant;

// ---- Names ----

TEST(IdentityNames, RegionAndPartnershipNamesParseToTheirIds) {
  EXPECT_EQ(ParseRegionName("regions/north-east", "name").value(), "north-east");
  EXPECT_EQ(ParsePartnershipName("partnerships/sunderland", "name").value(), "sunderland");
  EXPECT_EQ(RegionName("north-east"), "regions/north-east");
  EXPECT_EQ(PartnershipName("sunderland"), "partnerships/sunderland");
}

TEST(IdentityNames, MalformedRegionAndPartnershipNamesNameTheField) {
  for (const char* bad : {"", "regions", "regions/", "region/north-east", "regions/North-East",
                          "regions/ne", "regions/north-east/x", "partnerships/sunderland",
                          "regions/north-east-", "regions/1north"}) {
    SCOPED_TRACE(bad);
    EXPECT_THAT(ParseRegionName(bad, "the_field"), StatusIs(Code::kInvalidArgument, "the_field"));
  }
  for (const char* bad : {"", "partnerships/", "regions/sunderland", "partnerships/Sunderland",
                          "partnerships/sunderland/organisations/police"}) {
    SCOPED_TRACE(bad);
    EXPECT_THAT(ParsePartnershipName(bad, "parent"), StatusIs(Code::kInvalidArgument, "parent"));
  }
}

TEST(IdentityNames, OrganisationNames) {
  absl::StatusOr<OrganisationName> name =
      ParseOrganisationName("partnerships/sunderland/organisations/police", "name");
  ASSERT_THAT(name, IsOk());
  EXPECT_EQ(name->partnership_id, "sunderland");
  EXPECT_EQ(name->organisation_id, "police");
  EXPECT_EQ(OrganisationResourceName("sunderland", "police"),
            "partnerships/sunderland/organisations/police");
  for (const char* bad :
       {"partnerships/sunderland", "partnerships/sunderland/orgs/police",
        "regions/sunderland/organisations/police", "partnerships/sunderland/organisations/PO",
        "partnerships/s/organisations/police", "partnerships/sunderland/organisations/police/x"}) {
    SCOPED_TRACE(bad);
    EXPECT_THAT(ParseOrganisationName(bad, "role_binding.organisation"),
                StatusIs(Code::kInvalidArgument, "role_binding.organisation"));
  }
}

TEST(IdentityNames, PrincipalNames) {
  absl::StatusOr<PrincipalName> user = ParsePrincipalName("users/u-0123456789abcdef", "principal");
  ASSERT_THAT(user, IsOk());
  EXPECT_FALSE(user->service_account);
  EXPECT_EQ(user->id, "u-0123456789abcdef");
  absl::StatusOr<PrincipalName> account = ParsePrincipalName("serviceAccounts/sa-01", "principal");
  ASSERT_THAT(account, IsOk());
  EXPECT_TRUE(account->service_account);
  EXPECT_EQ(account->id, "sa-01");
  EXPECT_EQ(UserName("u-1"), "users/u-1");
  EXPECT_EQ(ServiceAccountName("sa-1"), "serviceAccounts/sa-1");
  for (const char* bad : {"", "users/", "people/u-0123", "users/U-0123", "users/u-0123/x",
                          "serviceaccounts/sa-01", "*"}) {
    SCOPED_TRACE(bad);
    EXPECT_THAT(ParsePrincipalName(bad, "principal"),
                StatusIs(Code::kInvalidArgument, "principal"));
  }
}

TEST(IdentityNames, ApiKeyNames) {
  absl::StatusOr<ApiKeyName> name =
      ParseApiKeyName("serviceAccounts/sa-0123/apiKeys/k-4567", "name");
  ASSERT_THAT(name, IsOk());
  EXPECT_EQ(name->service_account_id, "sa-0123");
  EXPECT_EQ(name->api_key_id, "k-4567");
  for (const char* bad : {"serviceAccounts/sa-0123", "serviceAccounts/sa-0123/keys/k-4567",
                          "users/u-0123/apiKeys/k-4567", "serviceAccounts/sa-0123/apiKeys/K",
                          "serviceAccounts//apiKeys/k-4567"}) {
    SCOPED_TRACE(bad);
    EXPECT_THAT(ParseApiKeyName(bad, "name"), StatusIs(Code::kInvalidArgument, "name"));
  }
}

// ---- Emails and passwords ----

TEST(IdentityInputs, ValidEmails) {
  for (const char* good : {"a@b.co", "ada.lovelace+hub@example.org.uk", "X@Y.Z"}) {
    SCOPED_TRACE(good);
    EXPECT_THAT(ValidateEmail(good, "email"), IsOk());
  }
}

TEST(IdentityInputs, InvalidEmailsNameTheField) {
  const std::string too_long = absl::StrCat(std::string(250, 'a'), "@b.co");  // 255 characters
  for (const std::string& bad :
       {std::string(""), std::string("ada"), std::string("ada@"), std::string("@example.org"),
        std::string("ada@example"), std::string("ada@.example.org"), std::string("ada@example."),
        std::string("ada@b@example.org"), std::string("ada lovelace@example.org"),
        std::string("ada@example.org\n"), std::string("ada\t@example.org"),
        std::string("ad\x01"
                    "a@example.org"),
        std::string("ad\xff"
                    "a@example.org"),
        too_long}) {
    SCOPED_TRACE(bad);
    EXPECT_THAT(ValidateEmail(bad, "user.email"), StatusIs(Code::kInvalidArgument, "user.email"));
  }
  EXPECT_THAT(ValidateEmail(absl::StrCat(std::string(249, 'a'), "@b.co"), "email"), IsOk());
}

TEST(IdentityInputs, NormalisedEmailsAreTrimmedAndLowerCase) {
  EXPECT_EQ(NormaliseEmail("  Ada.Lovelace@Example.ORG \t"), "ada.lovelace@example.org");
  EXPECT_EQ(NormaliseEmail("ada@example.org"), NormaliseEmail("ADA@EXAMPLE.ORG"));
}

TEST(IdentityInputs, PasswordsCountCharactersNotBytes) {
  EXPECT_THAT(ValidatePassword(std::string(11, 'x'), "password"),
              StatusIs(Code::kInvalidArgument, "password"));
  EXPECT_THAT(ValidatePassword(std::string(12, 'x'), "password"), IsOk());
  EXPECT_THAT(ValidatePassword(std::string(1024, 'x'), "password"), IsOk());
  EXPECT_THAT(ValidatePassword(std::string(1025, 'x'), "new_password"),
              StatusIs(Code::kInvalidArgument, "new_password"));
  // "é" is two bytes: 11 of them are 22 bytes but still only 11 characters.
  std::string eleven, twelve;
  for (int i = 0; i < 11; ++i) eleven += "\xc3\xa9";
  twelve = eleven + "\xc3\xa9";
  EXPECT_THAT(ValidatePassword(eleven, "password"), StatusIs(Code::kInvalidArgument));
  EXPECT_THAT(ValidatePassword(twelve, "password"), IsOk());
  EXPECT_THAT(ValidatePassword("0123456789ab\xff", "password"), StatusIs(Code::kInvalidArgument));
  EXPECT_THAT(ValidatePassword("", "password"), StatusIs(Code::kInvalidArgument));
}

// ---- The shape of a role binding ----

BindingScope Scope(Role role, std::string region, std::string partnership = "",
                   std::string organisation = "", bool service_account = false) {
  BindingScope scope;
  scope.role = role;
  scope.region = std::move(region);
  scope.partnership = std::move(partnership);
  scope.organisation = std::move(organisation);
  scope.principal_is_service_account = service_account;
  return scope;
}

TEST(BindingShape, TheRoleMustBeNamed) {
  EXPECT_THAT(ValidateBindingShape(Scope(Role::ROLE_UNSPECIFIED, "north-east")),
              StatusIs(Code::kInvalidArgument, "role_binding.role"));
  EXPECT_THAT(ValidateBindingShape(Scope(static_cast<Role>(99), "north-east")),
              StatusIs(Code::kInvalidArgument, "role_binding.role"));
}

TEST(BindingShape, OnlyHubAdministratorsAndViewersAreBoundOnTheWholeDeployment) {
  EXPECT_THAT(ValidateBindingShape(Scope(Role::ROLE_HUB_ADMINISTRATOR, "*")), IsOk());
  // A deployment-wide read-only viewer (the reporting service's account).
  EXPECT_THAT(ValidateBindingShape(Scope(Role::ROLE_VIEWER, "*", "", "", true)), IsOk());
  for (Role role : {Role::ROLE_PARTNERSHIP_ADMINISTRATOR, Role::ROLE_INDEPENDENT_SCRUTINEER,
                    Role::ROLE_DASHBOARD}) {
    SCOPED_TRACE(auth::RoleName(role));
    EXPECT_THAT(ValidateBindingShape(Scope(role, "*")),
                StatusIs(Code::kInvalidArgument, "role_binding.scope"));
  }
  EXPECT_THAT(ValidateBindingShape(Scope(Role::ROLE_INTEGRATION, "*", "", "", true)),
              StatusIs(Code::kInvalidArgument, "role_binding.scope"));
}

TEST(BindingShape, RegionBindingsAreForHubAdministratorsViewersDashboardsAndIntegrations) {
  for (Role role : {Role::ROLE_HUB_ADMINISTRATOR, Role::ROLE_VIEWER, Role::ROLE_DASHBOARD}) {
    SCOPED_TRACE(auth::RoleName(role));
    EXPECT_THAT(ValidateBindingShape(Scope(role, "north-east")), IsOk());
  }
  EXPECT_THAT(ValidateBindingShape(Scope(Role::ROLE_INTEGRATION, "north-east", "", "", true)),
              IsOk());
  for (Role role : {Role::ROLE_PARTNERSHIP_ADMINISTRATOR, Role::ROLE_INDEPENDENT_SCRUTINEER}) {
    SCOPED_TRACE(auth::RoleName(role));
    EXPECT_THAT(ValidateBindingShape(Scope(role, "north-east")),
                StatusIs(Code::kInvalidArgument, "role_binding.scope"));
  }
  for (Role role : {Role::ROLE_PARTNER_RESPONDENT, Role::ROLE_ACTION_OWNER}) {
    SCOPED_TRACE(auth::RoleName(role));
    EXPECT_THAT(ValidateBindingShape(Scope(role, "north-east", "", "police")),
                StatusIs(Code::kInvalidArgument, "role_binding.scope"));
  }
}

TEST(BindingShape, PartnershipBindingsAreForEveryRoleButHubAdministratorAndDashboard) {
  for (Role role : {Role::ROLE_PARTNERSHIP_ADMINISTRATOR, Role::ROLE_INDEPENDENT_SCRUTINEER,
                    Role::ROLE_VIEWER}) {
    SCOPED_TRACE(auth::RoleName(role));
    EXPECT_THAT(ValidateBindingShape(Scope(role, "north-east", "sunderland")), IsOk());
  }
  EXPECT_THAT(
      ValidateBindingShape(Scope(Role::ROLE_INTEGRATION, "north-east", "sunderland", "", true)),
      IsOk());
  for (Role role : {Role::ROLE_PARTNER_RESPONDENT, Role::ROLE_ACTION_OWNER}) {
    SCOPED_TRACE(auth::RoleName(role));
    EXPECT_THAT(ValidateBindingShape(Scope(role, "north-east", "sunderland", "police")), IsOk());
  }
  for (Role role : {Role::ROLE_HUB_ADMINISTRATOR, Role::ROLE_DASHBOARD}) {
    SCOPED_TRACE(auth::RoleName(role));
    EXPECT_THAT(ValidateBindingShape(Scope(role, "north-east", "sunderland")),
                StatusIs(Code::kInvalidArgument, "role_binding.scope"));
  }
}

TEST(BindingShape, RespondentsAndActionOwnersAndOnlyTheyNameAnOrganisation) {
  for (Role role : {Role::ROLE_PARTNER_RESPONDENT, Role::ROLE_ACTION_OWNER}) {
    SCOPED_TRACE(auth::RoleName(role));
    EXPECT_THAT(ValidateBindingShape(Scope(role, "north-east", "sunderland")),
                StatusIs(Code::kInvalidArgument, "role_binding.organisation"));
  }
  for (Role role : {Role::ROLE_PARTNERSHIP_ADMINISTRATOR, Role::ROLE_INDEPENDENT_SCRUTINEER,
                    Role::ROLE_VIEWER}) {
    SCOPED_TRACE(auth::RoleName(role));
    EXPECT_THAT(ValidateBindingShape(Scope(role, "north-east", "sunderland", "police")),
                StatusIs(Code::kInvalidArgument, "role_binding.organisation"));
  }
  EXPECT_THAT(ValidateBindingShape(Scope(Role::ROLE_VIEWER, "north-east", "", "police")),
              StatusIs(Code::kInvalidArgument, "role_binding.organisation"));
}

TEST(BindingShape, IntegrationIsForServiceAccountsOnly) {
  EXPECT_THAT(ValidateBindingShape(Scope(Role::ROLE_INTEGRATION, "north-east")),
              StatusIs(Code::kInvalidArgument, "role_binding.principal"));
  EXPECT_THAT(ValidateBindingShape(Scope(Role::ROLE_INTEGRATION, "north-east", "sunderland")),
              StatusIs(Code::kInvalidArgument, "role_binding.principal"));
  // Other roles may be given to service accounts too.
  EXPECT_THAT(ValidateBindingShape(Scope(Role::ROLE_VIEWER, "north-east", "", "", true)), IsOk());
}

// ---- Who may manage a binding ----

Caller CallerWith(std::vector<Grant> grants, std::string principal = "users/u-caller") {
  Caller caller;
  caller.principal = std::move(principal);
  caller.grants = std::move(grants);
  return caller;
}

const Caller kDeploymentAdmin = CallerWith({{Role::ROLE_HUB_ADMINISTRATOR, "*", "", ""}});
const Caller kNorthEastAdmin = CallerWith({{Role::ROLE_HUB_ADMINISTRATOR, "north-east", "", ""}});
const Caller kSunderlandAdmin =
    CallerWith({{Role::ROLE_PARTNERSHIP_ADMINISTRATOR, "north-east", "sunderland", ""}});

TEST(ManageBinding, DeploymentAdministratorsManageEveryBinding) {
  for (const BindingScope& scope :
       {Scope(Role::ROLE_HUB_ADMINISTRATOR, "*"), Scope(Role::ROLE_VIEWER, "north-east"),
        Scope(Role::ROLE_INDEPENDENT_SCRUTINEER, "london", "camden")}) {
    EXPECT_THAT(CheckCanManageBinding(kDeploymentAdmin, scope), IsOk());
  }
}

TEST(ManageBinding, RegionHubAdministratorsManageTheirRegionOnly) {
  EXPECT_THAT(CheckCanManageBinding(kNorthEastAdmin, Scope(Role::ROLE_VIEWER, "north-east")),
              IsOk());
  EXPECT_THAT(
      CheckCanManageBinding(kNorthEastAdmin, Scope(Role::ROLE_HUB_ADMINISTRATOR, "north-east")),
      IsOk());
  EXPECT_THAT(CheckCanManageBinding(kNorthEastAdmin, Scope(Role::ROLE_INDEPENDENT_SCRUTINEER,
                                                           "north-east", "sunderland")),
              IsOk());
  EXPECT_THAT(CheckCanManageBinding(kNorthEastAdmin, Scope(Role::ROLE_VIEWER, "london")),
              StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(CheckCanManageBinding(kNorthEastAdmin,
                                    Scope(Role::ROLE_INDEPENDENT_SCRUTINEER, "london", "camden")),
              StatusIs(Code::kPermissionDenied));
  // Not the whole deployment: that would make them a deployment administrator.
  EXPECT_THAT(CheckCanManageBinding(kNorthEastAdmin, Scope(Role::ROLE_HUB_ADMINISTRATOR, "*")),
              StatusIs(Code::kPermissionDenied));
}

TEST(ManageBinding, PartnershipAdministratorsManageTheirPartnershipsRolesOnly) {
  EXPECT_THAT(CheckCanManageBinding(kSunderlandAdmin, Scope(Role::ROLE_INDEPENDENT_SCRUTINEER,
                                                            "north-east", "sunderland")),
              IsOk());
  EXPECT_THAT(CheckCanManageBinding(kSunderlandAdmin, Scope(Role::ROLE_PARTNER_RESPONDENT,
                                                            "north-east", "sunderland", "police")),
              IsOk());
  EXPECT_THAT(CheckCanManageBinding(kSunderlandAdmin, Scope(Role::ROLE_INDEPENDENT_SCRUTINEER,
                                                            "north-east", "gateshead")),
              StatusIs(Code::kPermissionDenied));
  // Their partnership's region is not theirs.
  EXPECT_THAT(CheckCanManageBinding(kSunderlandAdmin, Scope(Role::ROLE_VIEWER, "north-east")),
              StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(CheckCanManageBinding(kSunderlandAdmin, Scope(Role::ROLE_HUB_ADMINISTRATOR, "*")),
              StatusIs(Code::kPermissionDenied));
}

TEST(ManageBinding, OtherRolesManageNothing) {
  const Caller scrutineer =
      CallerWith({{Role::ROLE_INDEPENDENT_SCRUTINEER, "north-east", "sunderland", ""}});
  const Caller viewer = CallerWith({{Role::ROLE_VIEWER, "north-east", "", ""}});
  const Caller dashboard = CallerWith({{Role::ROLE_DASHBOARD, "north-east", "", ""}});
  const Caller nobody = CallerWith({});
  for (const Caller* caller : {&scrutineer, &viewer, &dashboard, &nobody}) {
    EXPECT_THAT(CheckCanManageBinding(
                    *caller, Scope(Role::ROLE_INDEPENDENT_SCRUTINEER, "north-east", "sunderland")),
                StatusIs(Code::kPermissionDenied));
    EXPECT_THAT(CheckCanManageBinding(*caller, Scope(Role::ROLE_VIEWER, "north-east")),
                StatusIs(Code::kPermissionDenied));
  }
}

TEST(CallerFromBindings, CarriesEveryBinding) {
  Caller caller = CallerFromBindings(
      "serviceAccounts/sa-1", "Integrator", true,
      {Scope(Role::ROLE_INTEGRATION, "north-east", "", "", true),
       Scope(Role::ROLE_PARTNER_RESPONDENT, "north-east", "sunderland", "police")});
  EXPECT_EQ(caller.principal, "serviceAccounts/sa-1");
  EXPECT_EQ(caller.display_name, "Integrator");
  EXPECT_TRUE(caller.service_account);
  ASSERT_EQ(caller.grants.size(), 2u);
  EXPECT_EQ(caller.grants[0].role, Role::ROLE_INTEGRATION);
  EXPECT_EQ(caller.grants[0].region, "north-east");
  EXPECT_EQ(caller.grants[1].partnership, "sunderland");
  EXPECT_EQ(caller.grants[1].organisation, "police");
}

// ---- Sign-in backoff ----

const absl::Time kT0 = absl::FromUnixSeconds(1'700'000'000);

TEST(Backoff, FourFailuresSlowNobodyDown) {
  EXPECT_THAT(MayAttemptNow(BackoffState(), kT0), IsOk());
  for (int failures = 1; failures < kFailuresBeforeBackoff; ++failures) {
    EXPECT_EQ(BackoffDelay(failures), absl::ZeroDuration());
    EXPECT_THAT(MayAttemptNow({failures, kT0}, kT0), IsOk());
  }
}

TEST(Backoff, DelaysDoubleFromTheFifthFailureUpToFifteenMinutes) {
  // After failure n (n >= 5) the next attempt waits 2^(n-5) seconds: 1, 2, 4 … 512, then 900.
  absl::Duration expected = absl::Seconds(1);
  for (int n = 5; n <= 40; ++n) {
    SCOPED_TRACE(absl::StrCat("after failure ", n));
    EXPECT_EQ(BackoffDelay(n), expected);
    BackoffState state{n, kT0};
    absl::Status refused = MayAttemptNow(state, kT0);
    EXPECT_THAT(refused, StatusIs(Code::kResourceExhausted, "from this client"));
    // The retry hint, in whole seconds, for the "retry-after" trailer.
    auto hint = refused.GetPayload(kRetryAfterPayload);
    ASSERT_TRUE(hint.has_value());
    EXPECT_EQ(std::string(*hint), absl::StrCat(absl::ToInt64Seconds(expected)));
    EXPECT_THAT(MayAttemptNow(state, kT0 + expected - absl::Milliseconds(1)),
                StatusIs(Code::kResourceExhausted));
    EXPECT_THAT(MayAttemptNow(state, kT0 + expected), IsOk());
    expected = std::min(expected * 2, absl::Minutes(15));
  }
  // Never more than fifteen minutes, however many failures: there is no hard lock.
  EXPECT_EQ(BackoffDelay(1'000'000), absl::Minutes(15));
  EXPECT_THAT(MayAttemptNow({1'000'000, kT0}, kT0 + absl::Minutes(15)), IsOk());
}

TEST(Backoff, TheRetryHintRoundsUpToAWholeSecond) {
  absl::Status refused = MayAttemptNow({6, kT0}, kT0 + absl::Milliseconds(100));  // 1.9 s left
  EXPECT_THAT(refused, StatusIs(Code::kResourceExhausted, "retry in 2 s"));
  EXPECT_EQ(std::string(*refused.GetPayload(kRetryAfterPayload)), "2");
}

TEST(Backoff, ClientsAreKeyedByAddressWithoutPort) {
  EXPECT_EQ(ClientKeyFromPeer("ipv4:203.0.113.7:51234"), "203.0.113.7");
  EXPECT_EQ(ClientKeyFromPeer("ipv4:203.0.113.7:1"), ClientKeyFromPeer("ipv4:203.0.113.7:2"));
  // One IPv6 host has a whole /64: its addresses are one client.
  EXPECT_EQ(ClientKeyFromPeer("ipv6:[2001:db8:1:2:3:4:5:6]:443"), "2001:db8:1:2::/64");
  EXPECT_EQ(ClientKeyFromPeer("ipv6:[2001:db8:1:2:ffff::1]:443"), "2001:db8:1:2::/64");
  EXPECT_NE(ClientKeyFromPeer("ipv6:[2001:db8:1:3::1]:443"), "2001:db8:1:2::/64");
  EXPECT_EQ(ClientKeyFromPeer("ipv6:[fe80::1%eth0]:443"), "fe80::/64");
  EXPECT_EQ(ClientKeyFromPeer("ipv6:[::ffff:198.51.100.4]:80"), "198.51.100.4");
  EXPECT_EQ(ClientKeyFromPeer("unix:/tmp/identity.sock"), "unix");
  EXPECT_EQ(ClientKeyFromPeer("unix:"), "unix");
  // Nothing a client chooses becomes a long or odd key.
  EXPECT_EQ(ClientKeyFromPeer("ipv4:not-an-address:1"), "other");
  EXPECT_EQ(ClientKeyFromPeer(std::string(5000, 'x')), "other");
  EXPECT_EQ(ClientKeyFromPeer(""), "other");
  for (const char* peer : {"ipv6:[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:1", "ipv4:1.2.3.4:5"}) {
    EXPECT_LE(ClientKeyFromPeer(peer).size(), static_cast<size_t>(kMaxClientKeyLength));
  }
}

TEST(Backoff, EmailsLongerThanRfc5321AllowsAreRefusedEarly) {
  const std::string longest = absl::StrCat(std::string(249, 'a'), "@b.co");  // 254
  EXPECT_THAT(ValidateEmailLength(longest, "email"), IsOk());
  EXPECT_THAT(ValidateEmailLength(absl::StrCat("a", longest), "email"),
              StatusIs(Code::kInvalidArgument, "email: must be at most 254 characters"));
  EXPECT_THAT(ValidateEmailLength(std::string(3000, 'a'), "user.email"),
              StatusIs(Code::kInvalidArgument, "user.email: must be at most 254"));
  EXPECT_THAT(ValidateEmailLength("  ", "email"), StatusIs(Code::kInvalidArgument, "email"));
  EXPECT_THAT(ValidateEmail(absl::StrCat(std::string(2990, 'a'), "@b.co"), "user.email"),
              StatusIs(Code::kInvalidArgument, "user.email: must be at most 254 characters"));
}

// ---- Password hashing gate ----

TEST(PasswordHashingGate, RunsAtMostTheBoundAtOnce) {
  PasswordHashingGate gate({.concurrent = 2, .queue = 0, .max_wait = absl::Seconds(5)});
  absl::StatusOr<PasswordHashingGate::Turn> first = gate.Acquire(absl::InfiniteFuture());
  absl::StatusOr<PasswordHashingGate::Turn> second = gate.Acquire(absl::InfiniteFuture());
  ASSERT_THAT(first, IsOk());
  ASSERT_THAT(second, IsOk());
  EXPECT_EQ(gate.running(), 2);
  // No queue: the third is refused at once.
  EXPECT_THAT(gate.Acquire(absl::InfiniteFuture()),
              StatusIs(Code::kResourceExhausted, "too many password checks"));
  { PasswordHashingGate::Turn released = *std::move(first); }
  EXPECT_EQ(gate.running(), 1);
  EXPECT_THAT(gate.Acquire(absl::InfiniteFuture()), IsOk());
  EXPECT_EQ(gate.running(), 1);  // that turn ended with its StatusOr
}

TEST(PasswordHashingGate, AWaiterGivesUpAtItsDeadline) {
  PasswordHashingGate gate({.concurrent = 1, .queue = 4, .max_wait = absl::Seconds(5)});
  absl::StatusOr<PasswordHashingGate::Turn> held = gate.Acquire(absl::InfiniteFuture());
  ASSERT_THAT(held, IsOk());
  // A deadline already past: refused without a turn, and the queue is left empty.
  EXPECT_THAT(gate.Acquire(absl::Now() - absl::Seconds(1)), StatusIs(Code::kResourceExhausted));
  EXPECT_EQ(gate.waiting(), 0);
  EXPECT_EQ(gate.running(), 1);
}

TEST(PasswordHashingGate, TheQueueIsBoundedAndWaitersGetTheirTurn) {
  PasswordHashingGate gate({.concurrent = 1, .queue = 2, .max_wait = absl::Seconds(60)});
  auto held = std::make_unique<absl::StatusOr<PasswordHashingGate::Turn>>(
      gate.Acquire(absl::InfiniteFuture()));
  ASSERT_THAT(*held, IsOk());
  std::atomic<int> served{0};
  std::vector<std::thread> waiters;
  for (int i = 0; i < 2; ++i) {
    waiters.emplace_back([&] {
      if (gate.Acquire(absl::InfiniteFuture()).ok()) served.fetch_add(1);
    });
  }
  // Both waiters queue (bounded: this loop ends when they are counted, or after 30 s).
  absl::Time give_up = absl::Now() + absl::Seconds(30);
  while (gate.waiting() < 2 && absl::Now() < give_up) absl::SleepFor(absl::Milliseconds(5));
  ASSERT_EQ(gate.waiting(), 2);
  // The queue is full: a third caller is refused at once, however long its deadline.
  EXPECT_THAT(gate.Acquire(absl::InfiniteFuture()),
              StatusIs(Code::kResourceExhausted, "too many password checks"));
  held.reset();  // the turn ends: the waiters go one after the other
  for (std::thread& waiter : waiters) waiter.join();
  EXPECT_EQ(served.load(), 2);
  EXPECT_EQ(gate.running(), 0);
  EXPECT_EQ(gate.waiting(), 0);
}

// ---- Secrets ----

TEST(Secrets, PasswordsHashWithArgon2idAndVerify) {
  absl::StatusOr<std::string> hash =
      HashPassword("correct horse battery staple", PasswordCost::Fast());
  ASSERT_THAT(hash, IsOk());
  EXPECT_THAT(*hash, ::testing::StartsWith("$argon2id$"));
  EXPECT_THAT(*hash, Not(HasSubstr("correct horse")));
  EXPECT_TRUE(VerifyPassword(*hash, "correct horse battery staple"));
  EXPECT_FALSE(VerifyPassword(*hash, "correct horse battery stapl"));
  EXPECT_FALSE(VerifyPassword(*hash, "Correct horse battery staple"));
  EXPECT_FALSE(VerifyPassword(*hash, ""));
  // A fresh salt each time.
  EXPECT_NE(*HashPassword("correct horse battery staple", PasswordCost::Fast()), *hash);
}

TEST(Secrets, AMalformedHashVerifiesNothing) {
  EXPECT_FALSE(VerifyPassword("", "anything at all"));
  EXPECT_FALSE(VerifyPassword("$argon2id$v=19$garbage", "anything at all"));
  EXPECT_FALSE(VerifyPassword("plain text password", "plain text password"));
}

TEST(Secrets, RandomIdsAreReadableResourceIds) {
  const std::regex form("u-[0-9a-f]{16}");
  std::string a = RandomId("u"), b = RandomId("u");
  EXPECT_TRUE(std::regex_match(a, form)) << a;
  EXPECT_TRUE(IsResourceId(a)) << a;
  EXPECT_NE(a, b);
  EXPECT_TRUE(std::regex_match(RandomId("rb"), std::regex("rb-[0-9a-f]{16}")));
}

TEST(Secrets, RandomTokensAreUnpaddedBase64Url) {
  std::string token = RandomToken(32);
  EXPECT_EQ(token.size(), 43u);
  EXPECT_TRUE(std::regex_match(token, std::regex("[A-Za-z0-9_-]+"))) << token;
  EXPECT_NE(RandomToken(32), token);
}

TEST(Secrets, Sha256OfAKnownValue) {
  EXPECT_EQ(absl::BytesToHexString(Sha256("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Secrets, ConstantTimeEquals) {
  EXPECT_TRUE(ConstantTimeEquals("", ""));
  EXPECT_TRUE(ConstantTimeEquals("same secret", "same secret"));
  EXPECT_FALSE(ConstantTimeEquals("same secret", "same secreT"));
  EXPECT_FALSE(ConstantTimeEquals("Same secret", "same secret"));
  EXPECT_FALSE(ConstantTimeEquals("short", "shorter"));
  EXPECT_FALSE(ConstantTimeEquals("", "x"));
}

TEST(Secrets, KeySealerOpensWhatItSealed) {
  absl::StatusOr<KeySealer> sealer = KeySealer::FromSecret("a key-encryption secret");
  ASSERT_THAT(sealer, IsOk());
  const std::string key(32, '\x5a');
  std::string sealed = sealer->Seal(key);
  EXPECT_EQ(sealed.find(key), std::string::npos);
  EXPECT_NE(sealer->Seal(key), sealed);  // a fresh nonce each time
  EXPECT_EQ(sealer->Open(sealed).value(), key);
  // The same secret later (another replica, a restart) opens it too.
  EXPECT_EQ(KeySealer::FromSecret("a key-encryption secret")->Open(sealed).value(), key);
}

TEST(Secrets, KeySealerRefusesAnotherSecretAndDamagedData) {
  KeySealer sealer = KeySealer::FromSecret("a key-encryption secret").value();
  KeySealer other = KeySealer::FromSecret("another key-encryption secret").value();
  std::string sealed = sealer.Seal("private key bytes");
  EXPECT_THAT(other.Open(sealed), StatusIs(Code::kDataLoss));
  std::string damaged = sealed;
  damaged[damaged.size() - 1] ^= 0x01;
  EXPECT_THAT(sealer.Open(damaged), StatusIs(Code::kDataLoss));
  EXPECT_THAT(sealer.Open(sealed.substr(0, 10)), StatusIs(Code::kDataLoss));
  EXPECT_THAT(sealer.Open(""), StatusIs(Code::kDataLoss));
}

TEST(Secrets, KeySealerNeedsALongEnoughSecret) {
  EXPECT_THAT(KeySealer::FromSecret("15 characters.."), StatusIs(Code::kInvalidArgument));
  EXPECT_THAT(KeySealer::FromSecret("16 characters..."), IsOk());
}

// ---- The caller's permission helpers ----

TEST(CallerPermissions, DeploymentAdministratorIsAdministratorEverywhere) {
  EXPECT_TRUE(kDeploymentAdmin.IsDeploymentAdmin());
  EXPECT_TRUE(kDeploymentAdmin.IsHubAdmin("north-east"));
  EXPECT_TRUE(kDeploymentAdmin.HasRegionRole("london", {Role::ROLE_VIEWER}));
  EXPECT_TRUE(kDeploymentAdmin.CanSeeRegion("london"));
  EXPECT_TRUE(kDeploymentAdmin.CanSeePartnership("london", "camden"));
  EXPECT_TRUE(kDeploymentAdmin.CanManagePartnership("london", "camden"));
  // Partnership roles are not implied: a deployment admin is not a respondent anywhere.
  EXPECT_FALSE(kDeploymentAdmin.HasPartnershipRole("camden", {Role::ROLE_PARTNER_RESPONDENT}));
}

TEST(CallerPermissions, RegionHubAdministrator) {
  EXPECT_FALSE(kNorthEastAdmin.IsDeploymentAdmin());
  EXPECT_TRUE(kNorthEastAdmin.IsHubAdmin("north-east"));
  EXPECT_FALSE(kNorthEastAdmin.IsHubAdmin("london"));
  EXPECT_FALSE(kNorthEastAdmin.IsHubAdmin("*"));
  EXPECT_TRUE(kNorthEastAdmin.CanSeeRegion("north-east"));
  EXPECT_FALSE(kNorthEastAdmin.CanSeeRegion("london"));
  EXPECT_TRUE(kNorthEastAdmin.CanSeePartnership("north-east", "sunderland"));
  EXPECT_FALSE(kNorthEastAdmin.CanSeePartnership("london", "camden"));
  EXPECT_TRUE(kNorthEastAdmin.CanManagePartnership("north-east", "sunderland"));
  EXPECT_FALSE(kNorthEastAdmin.CanManagePartnership("london", "camden"));
}

TEST(CallerPermissions, PartnershipRolesStayInTheirPartnership) {
  EXPECT_FALSE(kSunderlandAdmin.IsHubAdmin("north-east"));
  EXPECT_FALSE(
      kSunderlandAdmin.HasRegionRole("north-east", {Role::ROLE_PARTNERSHIP_ADMINISTRATOR}));
  EXPECT_TRUE(
      kSunderlandAdmin.HasPartnershipRole("sunderland", {Role::ROLE_PARTNERSHIP_ADMINISTRATOR}));
  EXPECT_FALSE(
      kSunderlandAdmin.HasPartnershipRole("gateshead", {Role::ROLE_PARTNERSHIP_ADMINISTRATOR}));
  EXPECT_FALSE(kSunderlandAdmin.HasPartnershipRole("sunderland", {Role::ROLE_VIEWER}));
  // Any grant in a region makes the region visible, not its other partnerships.
  EXPECT_TRUE(kSunderlandAdmin.CanSeeRegion("north-east"));
  EXPECT_TRUE(kSunderlandAdmin.CanSeePartnership("north-east", "sunderland"));
  EXPECT_FALSE(kSunderlandAdmin.CanSeePartnership("north-east", "gateshead"));
  EXPECT_TRUE(kSunderlandAdmin.CanManagePartnership("north-east", "sunderland"));
  EXPECT_FALSE(kSunderlandAdmin.CanManagePartnership("north-east", "gateshead"));
  EXPECT_FALSE(kSunderlandAdmin.CanSeePartnership("north-east", ""));
}

TEST(CallerPermissions, RegionReadersSeeTheRegionsPartnershipsButManageNone) {
  for (Role role : {Role::ROLE_VIEWER, Role::ROLE_DASHBOARD, Role::ROLE_INTEGRATION}) {
    SCOPED_TRACE(auth::RoleName(role));
    Caller caller = CallerWith({{role, "north-east", "", ""}});
    EXPECT_TRUE(caller.CanSeePartnership("north-east", "sunderland"));
    EXPECT_FALSE(caller.CanSeePartnership("london", "camden"));
    EXPECT_FALSE(caller.CanManagePartnership("north-east", "sunderland"));
    EXPECT_FALSE(caller.IsHubAdmin("north-east"));
  }
}

TEST(CallerPermissions, OrganisationsForARole) {
  Caller caller = CallerWith({
      {Role::ROLE_PARTNER_RESPONDENT, "north-east", "sunderland", "police"},
      {Role::ROLE_PARTNER_RESPONDENT, "north-east", "sunderland", "health"},
      {Role::ROLE_ACTION_OWNER, "north-east", "sunderland", "education"},
      {Role::ROLE_PARTNER_RESPONDENT, "north-east", "gateshead", "police-two"},
  });
  EXPECT_THAT(caller.OrganisationsFor("sunderland", Role::ROLE_PARTNER_RESPONDENT),
              UnorderedElementsAre("police", "health"));
  EXPECT_THAT(caller.OrganisationsFor("sunderland", Role::ROLE_ACTION_OWNER),
              ElementsAre("education"));
  EXPECT_THAT(caller.OrganisationsFor("camden", Role::ROLE_PARTNER_RESPONDENT), IsEmpty());
}

TEST(CallerPermissions, RoleNamesRoundTrip) {
  EXPECT_EQ(auth::RoleName(Role::ROLE_HUB_ADMINISTRATOR), "hub_administrator");
  EXPECT_EQ(auth::RoleName(Role::ROLE_INDEPENDENT_SCRUTINEER), "independent_scrutineer");
  for (int r = 1; r <= 8; ++r) {
    Role role = static_cast<Role>(r);
    EXPECT_EQ(auth::RoleFromName(auth::RoleName(role)), role);
  }
  EXPECT_EQ(auth::RoleFromName("ROLE_VIEWER"), Role::ROLE_VIEWER);
  EXPECT_EQ(auth::RoleFromName("Viewer"), Role::ROLE_VIEWER);
  EXPECT_EQ(auth::RoleFromName("superuser"), Role::ROLE_UNSPECIFIED);
  EXPECT_EQ(auth::RoleFromName(""), Role::ROLE_UNSPECIFIED);
}

// ---- Verifying access tokens ----

class FakeKeys final : public auth::PublicKeySource {
 public:
  absl::StatusOr<std::string> Find(absl::string_view key_id) override {
    if (unavailable) return absl::UnavailableError("identity is down");
    auto it = keys.find(key_id);
    if (it == keys.end()) return absl::NotFoundError("unknown key");
    return it->second;
  }
  absl::flat_hash_map<std::string, std::string> keys;
  bool unavailable = false;
};

std::string B64(absl::string_view bytes) { return absl::WebSafeBase64Escape(bytes); }

// Signs header.claims with an Ed25519 key whatever the header says, to forge tokens that
// differ from a good one only in the header.
std::string SignWithHeader(const nlohmann::json& header, const std::string& payload_json,
                           const std::string& private_key) {
  std::string input = absl::StrCat(B64(header.dump()), ".", B64(payload_json));
  EVP_PKEY* key = EVP_PKEY_new_raw_private_key(
      EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(private_key.data()),
      private_key.size());
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  std::string signature(64, '\0');
  size_t length = signature.size();
  EXPECT_EQ(EVP_DigestSignInit(ctx, nullptr, nullptr, nullptr, key), 1);
  EXPECT_EQ(EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(signature.data()), &length,
                           reinterpret_cast<const unsigned char*>(input.data()), input.size()),
            1);
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(key);
  return absl::StrCat(input, ".", B64(signature));
}

class TokenVerifierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pair_ = jwt::GenerateEd25519KeyPair().value();
    keys_ = std::make_shared<FakeKeys>();
    keys_->keys["key-1"] = pair_.public_key;
    verifier_ = std::make_unique<auth::TokenVerifier>(keys_);
    caller_ = CallerWith({{Role::ROLE_HUB_ADMINISTRATOR, "north-east", "", ""},
                          {Role::ROLE_PARTNER_RESPONDENT, "london", "camden", "police"}},
                         "users/u-0123456789abcdef");
    caller_.display_name = "Ada";
  }

  nlohmann::json Claims() const {
    return auth::ClaimsFor(caller_, now_, absl::Minutes(15), "jti-1");
  }
  std::string Token(const nlohmann::json& claims, const std::string& kid = "key-1") const {
    return jwt::Sign(claims, kid, pair_.private_key).value();
  }

  jwt::KeyPair pair_;
  std::shared_ptr<FakeKeys> keys_;
  std::unique_ptr<auth::TokenVerifier> verifier_;
  Caller caller_;
  const absl::Time now_ = kT0;
};

TEST_F(TokenVerifierTest, AGoodTokenGivesTheCallerBack) {
  absl::StatusOr<Caller> caller = verifier_->Verify(Token(Claims()), now_);
  ASSERT_THAT(caller, IsOk());
  EXPECT_EQ(caller->principal, "users/u-0123456789abcdef");
  EXPECT_EQ(caller->display_name, "Ada");
  EXPECT_FALSE(caller->service_account);
  ASSERT_EQ(caller->grants.size(), 2u);
  EXPECT_EQ(caller->grants[0].role, Role::ROLE_HUB_ADMINISTRATOR);
  EXPECT_EQ(caller->grants[0].region, "north-east");
  EXPECT_EQ(caller->grants[1].role, Role::ROLE_PARTNER_RESPONDENT);
  EXPECT_EQ(caller->grants[1].partnership, "camden");
  EXPECT_EQ(caller->grants[1].organisation, "police");
}

TEST_F(TokenVerifierTest, OnlyEdDsaIsAccepted) {
  const std::string payload = Claims().dump();
  // The same claims, signed with the right key, but a header asking for another algorithm.
  for (const char* alg : {"none", "HS256", "RS256", "ES256", "eddsa", ""}) {
    SCOPED_TRACE(alg);
    nlohmann::json header = {{"alg", alg}, {"typ", "JWT"}, {"kid", "key-1"}};
    EXPECT_THAT(verifier_->Verify(SignWithHeader(header, payload, pair_.private_key), now_),
                StatusIs(Code::kUnauthenticated));
  }
  nlohmann::json good = {{"alg", "EdDSA"}, {"typ", "JWT"}, {"kid", "key-1"}};
  EXPECT_THAT(verifier_->Verify(SignWithHeader(good, payload, pair_.private_key), now_), IsOk());
  // The classic "alg": "none" token with no signature at all.
  std::string unsigned_token = absl::StrCat(
      B64(nlohmann::json({{"alg", "none"}, {"kid", "key-1"}}).dump()), ".", B64(payload), ".");
  EXPECT_THAT(verifier_->Verify(unsigned_token, now_), StatusIs(Code::kUnauthenticated));
  // A header without a key id.
  std::string no_kid = SignWithHeader({{"alg", "EdDSA"}}, payload, pair_.private_key);
  EXPECT_THAT(verifier_->Verify(no_kid, now_), StatusIs(Code::kUnauthenticated));
}

TEST_F(TokenVerifierTest, UnknownKeyIdAndForeignKeysAreRefused) {
  EXPECT_THAT(verifier_->Verify(Token(Claims(), "key-2"), now_), StatusIs(Code::kUnauthenticated));
  jwt::KeyPair other = jwt::GenerateEd25519KeyPair().value();
  std::string forged = jwt::Sign(Claims(), "key-1", other.private_key).value();
  EXPECT_THAT(verifier_->Verify(forged, now_), StatusIs(Code::kUnauthenticated));
}

TEST_F(TokenVerifierTest, KeysThatCannotBeFetchedAreNotAnAuthenticationFailure) {
  keys_->unavailable = true;
  EXPECT_THAT(verifier_->Verify(Token(Claims()), now_), StatusIs(Code::kUnavailable));
}

TEST_F(TokenVerifierTest, ATamperedTokenIsRefused) {
  const std::string token = Token(Claims());
  std::vector<absl::string_view> parts = absl::StrSplit(token, '.');
  ASSERT_EQ(parts.size(), 3u);
  // Flip one character in the middle of the payload.
  std::string flipped = token;
  size_t at = parts[0].size() + 1 + parts[1].size() / 2;
  flipped[at] = flipped[at] == 'A' ? 'B' : 'A';
  EXPECT_THAT(verifier_->Verify(flipped, now_), StatusIs(Code::kUnauthenticated));
  // A payload rewritten to make the caller a deployment administrator, signature kept.
  nlohmann::json escalated = Claims();
  escalated["grants"] = {{{"role", "hub_administrator"}, {"region", "*"}}};
  std::string rewritten = absl::StrCat(parts[0], ".", B64(escalated.dump()), ".", parts[2]);
  EXPECT_THAT(verifier_->Verify(rewritten, now_), StatusIs(Code::kUnauthenticated));
  // A damaged signature.
  std::string bad_signature = token;
  bad_signature[token.size() - 5] = bad_signature[token.size() - 5] == 'A' ? 'B' : 'A';
  EXPECT_THAT(verifier_->Verify(bad_signature, now_), StatusIs(Code::kUnauthenticated));
}

TEST_F(TokenVerifierTest, MalformedTokensAreRefused) {
  const std::string token = Token(Claims());
  for (const std::string& bad :
       {std::string(""), std::string("abc"), std::string("a.b"), absl::StrCat(token, ".x"),
        std::string("..."), std::string("!!!.!!!.!!!")}) {
    EXPECT_THAT(verifier_->Verify(bad, now_), StatusIs(Code::kUnauthenticated));
  }
  nlohmann::json huge = Claims();
  huge["name"] = std::string(20000, 'x');
  EXPECT_THAT(verifier_->Verify(Token(huge), now_), StatusIs(Code::kUnauthenticated));
}

TEST_F(TokenVerifierTest, WrongIssuerAudienceOrSubjectIsRefused) {
  nlohmann::json claims = Claims();
  claims["iss"] = "someone-else";
  EXPECT_THAT(verifier_->Verify(Token(claims), now_), StatusIs(Code::kUnauthenticated));
  claims = Claims();
  claims["aud"] = "another-service";
  EXPECT_THAT(verifier_->Verify(Token(claims), now_), StatusIs(Code::kUnauthenticated));
  claims = Claims();
  claims["aud"] = nlohmann::json::array({"sixsteps"});
  EXPECT_THAT(verifier_->Verify(Token(claims), now_), StatusIs(Code::kUnauthenticated));
  claims = Claims();
  claims.erase("sub");
  EXPECT_THAT(verifier_->Verify(Token(claims), now_), StatusIs(Code::kUnauthenticated));
  claims = Claims();
  claims.erase("iss");
  EXPECT_THAT(verifier_->Verify(Token(claims), now_), StatusIs(Code::kUnauthenticated));
}

TEST_F(TokenVerifierTest, ExpiryHasThirtySecondsOfLeewayAndNoMore) {
  const std::string token = Token(Claims());  // expires at now_ + 15 min
  const absl::Time expiry = now_ + absl::Minutes(15);
  EXPECT_THAT(verifier_->Verify(token, expiry), IsOk());
  EXPECT_THAT(verifier_->Verify(token, expiry + absl::Seconds(30)), IsOk());
  EXPECT_THAT(verifier_->Verify(token, expiry + absl::Seconds(31)),
              StatusIs(Code::kUnauthenticated, "expired"));
  EXPECT_THAT(verifier_->Verify(token, expiry + absl::Hours(24)), StatusIs(Code::kUnauthenticated));
  nlohmann::json claims = Claims();
  claims.erase("exp");
  EXPECT_THAT(verifier_->Verify(Token(claims), now_), StatusIs(Code::kUnauthenticated));
  claims["exp"] = absl::StrCat(absl::ToUnixSeconds(now_ + absl::Hours(1)));  // a string
  EXPECT_THAT(verifier_->Verify(Token(claims), now_), StatusIs(Code::kUnauthenticated));
}

TEST_F(TokenVerifierTest, TokensIssuedInTheFutureAreRefused) {
  nlohmann::json claims = Claims();
  claims["iat"] = absl::ToUnixSeconds(now_ + absl::Minutes(5));
  EXPECT_THAT(verifier_->Verify(Token(claims), now_), StatusIs(Code::kUnauthenticated));
  claims["iat"] = absl::ToUnixSeconds(now_ + absl::Seconds(20));  // clock skew
  EXPECT_THAT(verifier_->Verify(Token(claims), now_), IsOk());
}

TEST_F(TokenVerifierTest, GrantsThatDoNotParseRefuseTheWholeToken) {
  nlohmann::json claims = Claims();
  claims["grants"].push_back({{"role", "superuser"}, {"region", "*"}});
  EXPECT_THAT(verifier_->Verify(Token(claims), now_), StatusIs(Code::kUnauthenticated));
  claims = Claims();
  claims["grants"].push_back({{"role", "viewer"}});  // no region
  EXPECT_THAT(verifier_->Verify(Token(claims), now_), StatusIs(Code::kUnauthenticated));
  claims = Claims();
  claims["grants"].push_back("hub_administrator");
  EXPECT_THAT(verifier_->Verify(Token(claims), now_), StatusIs(Code::kUnauthenticated));
  claims = Claims();
  claims["grants"].push_back({{"role", "unspecified"}, {"region", "north-east"}});
  EXPECT_THAT(verifier_->Verify(Token(claims), now_), StatusIs(Code::kUnauthenticated));
}

TEST_F(TokenVerifierTest, ClaimsOfTheWrongTypeAreRefusedNotThrown) {
  for (const char* key : {"iss", "aud", "sub", "exp"}) {
    SCOPED_TRACE(key);
    nlohmann::json claims = Claims();
    claims[key] = nlohmann::json::object({{"x", 1}});
    EXPECT_THAT(verifier_->Verify(Token(claims), now_), StatusIs(Code::kUnauthenticated));
  }
  nlohmann::json claims = Claims();
  claims["grants"] = nlohmann::json::array({{{"role", 5}, {"region", "north-east"}}});
  absl::StatusOr<Caller> caller;
  EXPECT_NO_THROW(caller = verifier_->Verify(Token(claims), now_));
  EXPECT_THAT(caller, StatusIs(Code::kUnauthenticated));
  // A partnership of the wrong type must not turn a partnership grant into a region one.
  claims = Claims();
  claims["grants"] =
      nlohmann::json::array({{{"role", "viewer"}, {"region", "north-east"}, {"partnership", 5}}});
  EXPECT_NO_THROW(caller = verifier_->Verify(Token(claims), now_));
  EXPECT_THAT(caller, StatusIs(Code::kUnauthenticated));
  claims = Claims();
  claims["sa"] = "yes";
  EXPECT_NO_THROW(caller = verifier_->Verify(Token(claims), now_));
  EXPECT_THAT(caller, StatusIs(Code::kUnauthenticated));
  claims = Claims();
  claims["grants"] = "hub_administrator";  // not an array: no grants at all
  EXPECT_NO_THROW(caller = verifier_->Verify(Token(claims), now_));
  ASSERT_THAT(caller, IsOk());
  EXPECT_THAT(caller->grants, IsEmpty());
}

}  // namespace
}  // namespace sixsteps::identity
