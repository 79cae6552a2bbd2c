// The regional-comparison opt-out's rule in the assessment service (issue 13, finding 12):
// whom a partnership's opt-out hides it from, and that the directory is asked only for them.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "services/assessment/directory.h"
#include "services/assessment/domain.h"
#include "tests/support/status_matchers.h"
#include "tests/unit/assessment_test_util.h"

namespace sixsteps::assessment {
namespace {

using ::sixsteps::assessment::testing::With;
using ::sixsteps::testing::IsOk;
using ::sixsteps::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using Role = auth::Role;

auth::Grant OnRegion(Role role, const std::string& region) { return {role, region, "", ""}; }
auth::Grant OnPartnership(Role role, const std::string& region, const std::string& partnership) {
  return {role, region, partnership, ""};
}

TEST(OptOutHides, RegionWideViewersAndDashboards) {
  for (Role role : {Role::ROLE_VIEWER, Role::ROLE_DASHBOARD}) {
    Caller caller = With({OnRegion(role, "north")});
    EXPECT_TRUE(OptOutHides(caller, "north", "durham"));
    EXPECT_THAT(OptOutRegions(caller), ElementsAre("north"));
    // Another region's partnership is not theirs to see in the first place.
    EXPECT_FALSE(OptOutHides(caller, "south", "leeds"));
  }
}

TEST(OptOutHides, NotItsMembers) {
  Caller member = With({OnPartnership(Role::ROLE_VIEWER, "north", "durham")});
  EXPECT_FALSE(OptOutHides(member, "north", "durham"));
  EXPECT_THAT(OptOutRegions(member), IsEmpty());
  // A region-wide dashboard who is also bound on the partnership is a member of it, and
  // only of it.
  Caller both = With({OnRegion(Role::ROLE_DASHBOARD, "north"),
                      OnPartnership(Role::ROLE_ACTION_OWNER, "north", "durham")});
  EXPECT_FALSE(OptOutHides(both, "north", "durham"));
  EXPECT_TRUE(OptOutHides(both, "north", "sunderland"));
  EXPECT_THAT(OptOutRegions(both), ElementsAre("north"));
}

TEST(OptOutHides, NotHubAdministratorsIntegrationsOrViewersOnEveryRegion) {
  const std::vector<std::vector<auth::Grant>> unaffected = {
      {OnRegion(Role::ROLE_HUB_ADMINISTRATOR, "north")},
      {OnRegion(Role::ROLE_HUB_ADMINISTRATOR, "*")},
      {OnRegion(Role::ROLE_INTEGRATION, "north")},
      {OnRegion(Role::ROLE_INTEGRATION, "*")},
      // The reporting service's own account.
      {OnRegion(Role::ROLE_VIEWER, "*")},
      {OnRegion(Role::ROLE_DASHBOARD, "*")},
      // A wider grant covers the region's viewer grant.
      {OnRegion(Role::ROLE_VIEWER, "north"), OnRegion(Role::ROLE_HUB_ADMINISTRATOR, "north")},
      {OnRegion(Role::ROLE_DASHBOARD, "north"), OnRegion(Role::ROLE_INTEGRATION, "north")},
      {OnRegion(Role::ROLE_DASHBOARD, "north"), OnRegion(Role::ROLE_VIEWER, "*")},
      {OnRegion(Role::ROLE_VIEWER, "north"), OnRegion(Role::ROLE_HUB_ADMINISTRATOR, "*")},
      // Partnership roles only.
      {OnPartnership(Role::ROLE_PARTNERSHIP_ADMINISTRATOR, "north", "sunderland")},
      {},
  };
  for (const auto& grants : unaffected) {
    Caller caller = With(grants);
    EXPECT_FALSE(OptOutHides(caller, "north", "durham")) << grants.size();
    EXPECT_THAT(OptOutRegions(caller), IsEmpty()) << grants.size();
  }
  // A hub administrator of another region who views this one is a viewer here.
  Caller elsewhere =
      With({OnRegion(Role::ROLE_HUB_ADMINISTRATOR, "south"), OnRegion(Role::ROLE_VIEWER, "north")});
  EXPECT_TRUE(OptOutHides(elsewhere, "north", "durham"));
  EXPECT_FALSE(OptOutHides(elsewhere, "south", "leeds"));
  EXPECT_THAT(OptOutRegions(elsewhere), ElementsAre("north"));
}

// A directory that knows only opt-outs, and counts the questions.
class FakeDirectory final : public Directory {
 public:
  std::map<std::string, std::vector<std::string>> opted_out;  // by region
  int asked = 0;
  absl::Status failure;

  absl::StatusOr<std::string> PartnershipRegion(const Caller&, const std::string&) override {
    return absl::UnimplementedError("not in this test");
  }
  absl::Status CheckOrganisation(const Caller&, const std::string&) override {
    return absl::UnimplementedError("not in this test");
  }
  absl::Status CheckScrutineer(const Caller&, const std::string&, const std::string&) override {
    return absl::UnimplementedError("not in this test");
  }
  absl::StatusOr<fv1::FrameworkVersion> PublishedFrameworkVersion(const Caller&,
                                                                  const std::string&) override {
    return absl::UnimplementedError("not in this test");
  }
  absl::StatusOr<std::vector<std::string>> OptedOutPartnerships(
      const Caller&, const std::string& region) override {
    ++asked;
    if (!failure.ok()) return failure;
    return opted_out[region];
  }
};

v1::Assessment RoundOf(const std::string& region, const std::string& partnership) {
  v1::Assessment round;
  round.set_region("regions/" + region);
  round.set_partnership("partnerships/" + partnership);
  return round;
}

TEST(PartnershipsHiddenFrom, AsksOnlyForRegionWideViewersAndDashboards) {
  FakeDirectory directory;
  directory.opted_out["north"] = {"durham", "sunderland"};
  for (const Caller& caller :
       {With({OnPartnership(Role::ROLE_VIEWER, "north", "durham")}),
        With({OnRegion(Role::ROLE_HUB_ADMINISTRATOR, "north")}),
        With({OnRegion(Role::ROLE_VIEWER, "*")}), With({OnRegion(Role::ROLE_INTEGRATION, "*")})}) {
    absl::StatusOr<Visibility> visible = VisibilityFor(directory, caller);
    ASSERT_THAT(visible, IsOk());
    EXPECT_THAT(visible->hidden, IsEmpty());
    EXPECT_TRUE(CanReadRound(caller, *visible, RoundOf("north", "durham")));
  }
  EXPECT_EQ(directory.asked, 0);

  // A dashboard of the region that is also bound on durham: only sunderland is hidden.
  Caller dashboard = With({OnRegion(Role::ROLE_DASHBOARD, "north"),
                           OnPartnership(Role::ROLE_VIEWER, "north", "durham")});
  absl::StatusOr<Visibility> visible = VisibilityFor(directory, dashboard);
  ASSERT_THAT(visible, IsOk());
  EXPECT_EQ(directory.asked, 1);
  EXPECT_THAT(visible->hidden, ElementsAre("sunderland"));
  EXPECT_THAT(visible->regions, ElementsAre("north"));
  EXPECT_TRUE(CanReadRound(dashboard, *visible, RoundOf("north", "durham")));
  EXPECT_FALSE(CanReadRound(dashboard, *visible, RoundOf("north", "sunderland")));
  EXPECT_TRUE(CanReadRound(dashboard, *visible, RoundOf("north", "hartlepool")));
  EXPECT_FALSE(CanReadPartnership(dashboard, *visible, "north", "sunderland"));
  EXPECT_TRUE(CanReadPartnership(dashboard, *visible, "north", "hartlepool"));
}

TEST(PartnershipsHiddenFrom, ADirectoryFailureRefusesTheReadRatherThanShowingEverything) {
  FakeDirectory directory;
  directory.failure = absl::UnavailableError("identity is down");
  EXPECT_THAT(VisibilityFor(directory, With({OnRegion(Role::ROLE_VIEWER, "north")})),
              StatusIs(absl::StatusCode::kUnavailable));
  // Callers the rule does not apply to are not affected by it.
  EXPECT_THAT(VisibilityFor(directory, With({OnRegion(Role::ROLE_HUB_ADMINISTRATOR, "north")})),
              IsOk());
}

}  // namespace
}  // namespace sixsteps::assessment
