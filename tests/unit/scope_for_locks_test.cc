// ScopeForLocks (issue 18, session 21): the scope a store checks in SQL before it locks a
// round for a response write (responses_write_reads, V014) is never narrower than what the
// service's own check (CanReadRound) allows, and still refuses other partnerships' callers.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "services/assessment/directory.h"
#include "services/assessment/domain.h"
#include "services/assessment/store.h"
#include "tests/unit/assessment_test_util.h"

namespace sixsteps::assessment {
namespace {

using ::sixsteps::assessment::testing::With;
using Role = auth::Role;

v1::Assessment RoundOf(const std::string& region, const std::string& partnership) {
  v1::Assessment round;
  round.set_name("assessments/a-1");
  round.set_region("regions/" + region);
  round.set_partnership("partnerships/" + partnership);
  return round;
}

bool Among(const std::vector<std::string>& values, const std::string& value) {
  return std::find(values.begin(), values.end(), value) != values.end();
}

// The WHERE of responses_write_reads' round read, as written in V014.
bool SqlSees(const Visibility& scope, const std::string& region, const std::string& partnership) {
  return (scope.everything || Among(scope.regions, region) ||
          Among(scope.partnerships, partnership)) &&
         !Among(scope.hidden, partnership);
}

const std::vector<Role> kRoles = {Role::ROLE_HUB_ADMINISTRATOR,
                                  Role::ROLE_PARTNERSHIP_ADMINISTRATOR,
                                  Role::ROLE_INDEPENDENT_SCRUTINEER,
                                  Role::ROLE_PARTNER_RESPONDENT,
                                  Role::ROLE_ACTION_OWNER,
                                  Role::ROLE_VIEWER,
                                  Role::ROLE_INTEGRATION,
                                  Role::ROLE_DASHBOARD,
                                  Role::ROLE_NOTIFIER};

// Every single grant of every role on a region, on every region ("*") and on a partnership.
std::vector<Caller> Callers() {
  std::vector<Caller> callers;
  for (Role role : kRoles) {
    callers.push_back(With({{role, "north", "", ""}}));
    callers.push_back(With({{role, std::string(auth::kEveryRegion), "", ""}}));
    callers.push_back(With({{role, "north", "durham", ""}}));
    callers.push_back(With({{role, "south", "leeds", ""}}));
  }
  return callers;
}

TEST(ScopeForLocks, NeverNarrowerThanCanReadRound) {
  const std::vector<std::pair<std::string, std::string>> rounds = {
      {"north", "durham"}, {"north", "sunderland"}, {"south", "leeds"}};
  for (const Caller& caller : Callers()) {
    for (const std::vector<std::string>& hidden :
         std::vector<std::vector<std::string>>{{}, {"durham"}}) {
      Visibility visible = Visibility::Of(caller);
      visible.hidden = hidden;
      const Visibility scope = ScopeForLocks(caller, visible);
      for (const auto& [region, partnership] : rounds) {
        if (CanReadRound(caller, visible, RoundOf(region, partnership))) {
          EXPECT_TRUE(SqlSees(scope, region, partnership))
              << caller.grants[0].role << " on " << caller.grants[0].region << "/"
              << caller.grants[0].partnership << " reading " << region << "/" << partnership;
        }
      }
    }
  }
}

TEST(ScopeForLocks, RefusesOtherPartnershipsAndRegions) {
  for (Role role : kRoles) {
    const Caller member = With({{role, "north", "durham", ""}});
    const Visibility scope = ScopeForLocks(member, Visibility::Of(member));
    EXPECT_TRUE(SqlSees(scope, "north", "durham")) << role;
    EXPECT_FALSE(SqlSees(scope, "north", "sunderland")) << role;
    EXPECT_FALSE(SqlSees(scope, "south", "leeds")) << role;
  }
  const Caller regional = With({{Role::ROLE_VIEWER, "north", "", ""}});
  EXPECT_FALSE(SqlSees(ScopeForLocks(regional, Visibility::Of(regional)), "south", "leeds"));
  // An opted-out partnership hidden from a regional viewer stays refused.
  Visibility visible = Visibility::Of(regional);
  visible.hidden = {"durham"};
  EXPECT_FALSE(SqlSees(ScopeForLocks(regional, visible), "north", "durham"));
}

TEST(ScopeForLocks, GrantsOnEveryRegionSeeEverything) {
  for (Role role : {Role::ROLE_HUB_ADMINISTRATOR, Role::ROLE_INTEGRATION, Role::ROLE_VIEWER}) {
    const Caller caller = With({{role, std::string(auth::kEveryRegion), "", ""}});
    EXPECT_TRUE(ScopeForLocks(caller, Visibility::Of(caller)).everything) << role;
  }
}

}  // namespace
}  // namespace sixsteps::assessment
