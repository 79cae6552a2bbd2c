// The identity service end to end: role bindings of the right shape, and who may grant and
// remove them (deployment, regional hub and partnership administrators).
#include "tests/integration/identity_service_fixture.h"

namespace sixsteps::testing {
namespace {

// ---- Role bindings ----

TEST_F(IdentityServiceTest, BindingsOfTheWrongShapeAreInvalidArgument) {
  MakeTenancy();
  std::string user = MustCreateUser("shape@hub.test");
  const int before = Count("role_bindings");
  struct Case {
    std::string principal;
    Role role;
    std::string scope;
    std::string organisation;
    std::string field;
  };
  std::vector<Case> cases = {
      {user, Role::ROLE_INDEPENDENT_SCRUTINEER, "*", "", "role_binding.scope"},
      {user, Role::ROLE_DASHBOARD, "*", "", "role_binding.scope"},
      {user, Role::ROLE_INDEPENDENT_SCRUTINEER, "regions/north-east", "", "role_binding.scope"},
      {user, Role::ROLE_PARTNERSHIP_ADMINISTRATOR, "regions/north-east", "", "role_binding.scope"},
      {user, Role::ROLE_HUB_ADMINISTRATOR, "partnerships/sunderland", "", "role_binding.scope"},
      {user, Role::ROLE_DASHBOARD, "partnerships/sunderland", "", "role_binding.scope"},
      {user, Role::ROLE_PARTNER_RESPONDENT, "partnerships/sunderland", "",
       "role_binding.organisation"},
      {user, Role::ROLE_INDEPENDENT_SCRUTINEER, "partnerships/sunderland",
       "partnerships/sunderland/organisations/police", "role_binding.organisation"},
      {user, Role::ROLE_PARTNER_RESPONDENT, "partnerships/sunderland",
       "partnerships/camden/organisations/police", "role_binding.organisation"},
      {user, Role::ROLE_INTEGRATION, "regions/north-east", "", "role_binding.principal"},
      {user, Role::ROLE_UNSPECIFIED, "regions/north-east", "", "role_binding.role"},
      {"people/someone", Role::ROLE_VIEWER, "regions/north-east", "", "role_binding.principal"},
      {user, Role::ROLE_VIEWER, "teams/north-east", "", "role_binding.scope"},
      {user, Role::ROLE_VIEWER, "regions/North East", "", "role_binding.scope"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(absl::StrCat(auth::RoleName(c.role), " on ", c.scope, " ", c.organisation));
    EXPECT_THAT(Bind(admin_, c.principal, c.role, c.scope, nullptr, c.organisation),
                StatusIs(Code::kInvalidArgument, c.field));
  }
  // Well formed, but naming what does not exist.
  EXPECT_THAT(Bind(admin_, user, Role::ROLE_PARTNER_RESPONDENT, "partnerships/sunderland", nullptr,
                   "partnerships/sunderland/organisations/nope"),
              StatusIs(Code::kNotFound));
  EXPECT_THAT(Bind(admin_, "users/u-0000000000000000", Role::ROLE_VIEWER, "regions/north-east"),
              StatusIs(Code::kNotFound));
  EXPECT_THAT(Bind(admin_, user, Role::ROLE_VIEWER, "regions/nowhere"), StatusIs(Code::kNotFound));
  EXPECT_EQ(Count("role_bindings"), before);
  // The right shapes work, once.
  EXPECT_THAT(Bind(admin_, user, Role::ROLE_PARTNER_RESPONDENT, "partnerships/sunderland", nullptr,
                   "partnerships/sunderland/organisations/police"),
              IsOk());
  EXPECT_THAT(Bind(admin_, user, Role::ROLE_VIEWER, "regions/north-east"), IsOk());
  EXPECT_THAT(Bind(admin_, user, Role::ROLE_VIEWER, "regions/north-east"),
              StatusIs(Code::kAlreadyExists));
}

TEST_F(IdentityServiceTest, PartnershipAdministratorGrantsOnTheirOwnPartnershipOnly) {
  MakeTenancy();
  // Administers sunderland; also scrutinises gateshead, so gateshead is visible to them.
  std::string lead = MustUserWithRoles(
      "lead@hub.test", {{Role::ROLE_PARTNERSHIP_ADMINISTRATOR, "partnerships/sunderland", ""},
                        {Role::ROLE_INDEPENDENT_SCRUTINEER, "partnerships/gateshead", ""}});
  std::string user = MustCreateUser("new-scrutineer@hub.test");

  idv1::RoleBinding granted;
  ASSERT_THAT(
      Bind(lead, user, Role::ROLE_INDEPENDENT_SCRUTINEER, "partnerships/sunderland", &granted),
      IsOk());
  EXPECT_EQ(granted.scope(), "partnerships/sunderland");
  EXPECT_THAT(Bind(lead, user, Role::ROLE_PARTNER_RESPONDENT, "partnerships/sunderland", nullptr,
                   "partnerships/sunderland/organisations/police"),
              IsOk());
  // The grantee's next token carries the grant.
  idv1::SignInResponse grantee;
  ASSERT_THAT(SignIn("new-scrutineer@hub.test", kUserPassword, &grantee), IsOk());
  nlohmann::json grants = JwtPart(grantee.access_token(), 1)["grants"];
  const nlohmann::json expected = {
      {"role", "independent_scrutineer"}, {"region", "north-east"}, {"partnership", "sunderland"}};
  bool carried = false;
  for (const auto& grant : grants) carried = carried || grant == expected;
  EXPECT_TRUE(carried) << grants.dump();

  const int before = Count("role_bindings");
  // A partnership they can see but do not administer.
  EXPECT_THAT(Bind(lead, user, Role::ROLE_INDEPENDENT_SCRUTINEER, "partnerships/gateshead"),
              StatusIs(Code::kPermissionDenied));
  // A partnership they cannot see: as if it did not exist.
  EXPECT_THAT(Bind(lead, user, Role::ROLE_INDEPENDENT_SCRUTINEER, "partnerships/camden"),
              StatusIs(Code::kNotFound));
  // Their partnership's region, and the whole deployment (not even for themselves).
  EXPECT_THAT(Bind(lead, user, Role::ROLE_VIEWER, "regions/north-east"),
              StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(Bind(lead, PrincipalOf(lead), Role::ROLE_HUB_ADMINISTRATOR, "*"),
              StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(Bind(lead, user, Role::ROLE_VIEWER, "regions/london"), StatusIs(Code::kNotFound));
  EXPECT_EQ(Count("role_bindings"), before);

  // Removing: their partnership's bindings yes, others no.
  idv1::RoleBinding in_camden, in_gateshead;
  ASSERT_THAT(Bind(admin_, user, Role::ROLE_VIEWER, "partnerships/camden", &in_camden), IsOk());
  ASSERT_THAT(Bind(admin_, user, Role::ROLE_VIEWER, "partnerships/gateshead", &in_gateshead),
              IsOk());
  EXPECT_THAT(Unbind(lead, in_camden.name()), StatusIs(Code::kNotFound));
  EXPECT_THAT(Unbind(lead, in_gateshead.name()), StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(Unbind(lead, granted.name()), IsOk());
  EXPECT_THAT(Unbind(lead, granted.name()), StatusIs(Code::kNotFound));
  EXPECT_EQ(Count("role_bindings"), before + 1);
}

TEST_F(IdentityServiceTest, RegionalHubAdministratorManagesTheirRegionOnly) {
  MakeTenancy();
  std::string north = MustUserWithRoles("north-admin@hub.test",
                                        {{Role::ROLE_HUB_ADMINISTRATOR, "regions/north-east", ""}});
  std::string user = MustCreateUser("someone@hub.test");

  idv1::RoleBinding viewer, scrutineer;
  EXPECT_THAT(Bind(north, user, Role::ROLE_VIEWER, "regions/north-east", &viewer), IsOk());
  EXPECT_THAT(
      Bind(north, user, Role::ROLE_INDEPENDENT_SCRUTINEER, "partnerships/sunderland", &scrutineer),
      IsOk());
  EXPECT_THAT(Bind(north, user, Role::ROLE_HUB_ADMINISTRATOR, "regions/north-east"), IsOk());

  const int before = Count("role_bindings");
  EXPECT_THAT(Bind(north, user, Role::ROLE_VIEWER, "regions/london"), StatusIs(Code::kNotFound));
  EXPECT_THAT(Bind(north, user, Role::ROLE_VIEWER, "partnerships/camden"),
              StatusIs(Code::kNotFound));
  EXPECT_THAT(Bind(north, user, Role::ROLE_HUB_ADMINISTRATOR, "*"),
              StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(Bind(north, PrincipalOf(north), Role::ROLE_HUB_ADMINISTRATOR, "*"),
              StatusIs(Code::kPermissionDenied));
  EXPECT_EQ(Count("role_bindings"), before);

  idv1::RoleBinding in_london;
  ASSERT_THAT(Bind(admin_, user, Role::ROLE_VIEWER, "regions/london", &in_london), IsOk());
  EXPECT_THAT(Unbind(north, in_london.name()), StatusIs(Code::kNotFound));
  EXPECT_THAT(Unbind(north, scrutineer.name()), IsOk());

  // Partnerships: in their region yes, elsewhere as if it did not exist.
  idv1::CreatePartnershipRequest create;
  create.set_partnership_id("durham");
  create.mutable_partnership()->set_display_name("Durham");
  create.mutable_partnership()->set_region("regions/north-east");
  idv1::Partnership partnership;
  EXPECT_THAT(Call(&Stub::CreatePartnership, north, create, &partnership), IsOk());
  create.set_partnership_id("islington");
  create.mutable_partnership()->set_region("regions/london");
  EXPECT_THAT(Call(&Stub::CreatePartnership, north, create, &partnership),
              StatusIs(Code::kNotFound));
  idv1::UpdatePartnershipRequest update;
  update.mutable_partnership()->set_name("partnerships/camden");
  update.mutable_partnership()->set_display_name("Taken over");
  EXPECT_THAT(Call(&Stub::UpdatePartnership, north, update, &partnership),
              StatusIs(Code::kNotFound));
  update.mutable_partnership()->set_name("partnerships/sunderland");
  update.mutable_partnership()->set_display_name("Sunderland SCP");
  idv1::GetPartnershipRequest read;
  read.set_name("partnerships/sunderland");
  ASSERT_THAT(Call(&Stub::GetPartnership, north, read, &partnership), IsOk());
  update.mutable_partnership()->set_etag(partnership.etag());
  EXPECT_THAT(Call(&Stub::UpdatePartnership, north, update, &partnership), IsOk());
  // Creating regions is for deployment administrators.
  idv1::CreateRegionRequest region;
  region.set_region_id("yorkshire");
  region.mutable_region()->set_display_name("Yorkshire");
  idv1::Region created_region;
  EXPECT_THAT(Call(&Stub::CreateRegion, north, region, &created_region),
              StatusIs(Code::kPermissionDenied));
}

}  // namespace
}  // namespace sixsteps::testing
