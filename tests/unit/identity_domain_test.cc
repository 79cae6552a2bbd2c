// Identity's rules without a database: names, inputs, the shape of role bindings, who may
// manage them, sign-in backoff and the caller's permission helpers. Secrets and the hashing
// gate are in identity_secrets_test.cc, the verification of access tokens in
// identity_tokens_test.cc.
#include <memory>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "services/common/auth.h"
#include "services/common/validation.h"
#include "services/identity/domain.h"
#include "tests/support/status_matchers.h"

namespace sixsteps::identity {
namespace {

using ::sixsteps::testing::IsOk;
using ::sixsteps::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
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

TEST(BindingShape, ANotifierIsAServiceAccountOnTheWholeDeploymentOnly) {
  EXPECT_THAT(ValidateBindingShape(Scope(Role::ROLE_NOTIFIER, "*", "", "", true)), IsOk());
  EXPECT_THAT(ValidateBindingShape(Scope(Role::ROLE_NOTIFIER, "*")),
              StatusIs(Code::kInvalidArgument, "role_binding.principal"));
  EXPECT_THAT(ValidateBindingShape(Scope(Role::ROLE_NOTIFIER, "north-east", "", "", true)),
              StatusIs(Code::kInvalidArgument, "notifier is bound on '*' only"));
  EXPECT_THAT(
      ValidateBindingShape(Scope(Role::ROLE_NOTIFIER, "north-east", "sunderland", "", true)),
      StatusIs(Code::kInvalidArgument, "role_binding.scope"));
  EXPECT_EQ(auth::RoleName(Role::ROLE_NOTIFIER), "notifier");
  EXPECT_EQ(auth::RoleFromName("notifier"), Role::ROLE_NOTIFIER);
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

TEST(CallerPermissions, TheNotifierReadsEveryPartnershipAndAdministersNothing) {
  const Caller notifier = CallerWith({{Role::ROLE_NOTIFIER, "*", "", ""}}, "serviceAccounts/sa-n");
  EXPECT_TRUE(notifier.IsNotifier());
  EXPECT_TRUE(notifier.SeesEverything());
  EXPECT_TRUE(notifier.CanSeeRegion("london"));
  EXPECT_TRUE(notifier.CanSeePartnership("london", "camden"));
  EXPECT_FALSE(notifier.IsDeploymentAdmin());
  EXPECT_FALSE(notifier.IsHubAdmin("london"));
  EXPECT_FALSE(notifier.CanManagePartnership("london", "camden"));
  EXPECT_FALSE(notifier.HasRegionRole("london", {Role::ROLE_INTEGRATION, Role::ROLE_VIEWER}));
  EXPECT_FALSE(notifier.HasPartnershipRole("camden", {Role::ROLE_PARTNER_RESPONDENT}));
  EXPECT_FALSE(kDeploymentAdmin.IsNotifier());
  EXPECT_FALSE(kNorthEastAdmin.IsNotifier());
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

}  // namespace
}  // namespace sixsteps::identity
